//! The registry's versions in a service's own database. Every version's change
//! is kept, for the record; only the newest keeps its whole document, since
//! that is all a service ever loads (a country's registry is a few hundred
//! kilobytes, and it changes every working day).

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};

/// One version of the registry.
pub mod registry_version {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "registry_version")]
    pub struct Model {
        /// Counts up from 1, one per change.
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i64,
        /// The change that made it (the admin API's JSON), or `{"kind":"seed"}`.
        #[sea_orm(column_type = "Text")]
        pub change: String,
        /// Who made it: the administrator's pseudonym, or the service.
        pub actor: String,
        /// When it was made.
        pub changed_at: DateTimeUtc,
        /// The whole registry in the file's TOML; kept on the newest version only.
        #[sea_orm(column_type = "Text", nullable)]
        pub document: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub use registry_version::Model as RegistryVersion;

/// The change recorded for the registry file read at first start.
pub const SEED_CHANGE: &str = r#"{"kind":"seed"}"#;

/// The newest version and its document, if any version was stored.
pub async fn newest<C: ConnectionTrait>(conn: &C) -> Result<Option<(i64, String)>, DbErr> {
    let newest = registry_version::Entity::find()
        .filter(registry_version::Column::Document.is_not_null())
        .order_by_desc(registry_version::Column::Version)
        .one(conn)
        .await?;
    Ok(newest.and_then(|row| Some((row.version, row.document?))))
}

/// The number of the newest version stored, or 0.
pub async fn newest_version<C: ConnectionTrait>(conn: &C) -> Result<i64, DbErr> {
    let newest: Option<Option<i64>> = registry_version::Entity::find()
        .select_only()
        .column_as(registry_version::Column::Version.max(), "version")
        .into_tuple()
        .one(conn)
        .await?;
    Ok(newest.flatten().unwrap_or(0))
}

/// Stores `version` unless it is stored already, and drops the documents of
/// older versions; in the caller's transaction. Answers whether it was new.
pub async fn record<C: ConnectionTrait>(conn: &C, version: RegistryVersion) -> Result<bool, DbErr> {
    let row = registry_version::ActiveModel {
        version: Set(version.version),
        change: Set(version.change),
        actor: Set(version.actor),
        changed_at: Set(version.changed_at),
        document: Set(version.document),
    };
    let inserted = registry_version::Entity::insert(row)
        .on_conflict(OnConflict::column(registry_version::Column::Version).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    if inserted == 0 {
        return Ok(false);
    }
    // Only the newest keeps its document; a version that arrives late keeps
    // none, since a newer one is already here.
    registry_version::Entity::update_many()
        .col_expr(registry_version::Column::Document, Expr::value(Option::<String>::None))
        .filter(registry_version::Column::Version.lt(newest_version(conn).await?))
        .filter(registry_version::Column::Document.is_not_null())
        .exec(conn)
        .await?;
    Ok(true)
}

/// The changes, newest first: `limit` of them, older than `before` if given.
pub async fn history<C: ConnectionTrait>(
    conn: &C,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<RegistryVersion>, DbErr> {
    let mut query = registry_version::Entity::find()
        .select_only()
        .columns([
            registry_version::Column::Version,
            registry_version::Column::Change,
            registry_version::Column::Actor,
            registry_version::Column::ChangedAt,
        ])
        .column_as(Expr::value(Option::<String>::None), "document")
        .order_by_desc(registry_version::Column::Version)
        .limit(limit);
    if let Some(before) = before {
        query = query.filter(registry_version::Column::Version.lt(before));
    }
    query.into_model::<RegistryVersion>().all(conn).await
}
