//! How long a reporter's identity is kept: until the report is done (closed,
//! archived, merged or referred to the ombudsman) and a configurable
//! retention has passed since, then erased. Also seals, at start, any
//! identity an earlier release stored in plaintext.

use std::time::Duration;

use aduan_procedure::Status;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};
use tokio_util::sync::CancellationToken;

use crate::entities::{report, reporter, reporter_identity};
use crate::sealing::{Identity, IdentityKeys};

/// The statuses after which nothing more is asked of the citizen.
const DONE: [Status; 4] = [Status::Closed, Status::Archived, Status::Merged, Status::ReferredToOmbudsman];

/// Erases the identities of reports done before `horizon`; answers how many.
pub async fn erase_done_before(db: &DatabaseConnection, horizon: DateTime<Utc>) -> Result<u64, DbErr> {
    let mut done = Query::select();
    done.column(report::Column::Id)
        .from(report::Entity)
        .and_where(report::Column::Status.is_in(DONE.map(Status::as_str)))
        .and_where(report::Column::StatusChangedAt.lt(horizon));
    let erased = reporter_identity::Entity::delete_many()
        .filter(reporter_identity::Column::ReportId.in_subquery(done))
        .exec(db)
        .await?;
    Ok(erased.rows_affected)
}

/// Erases, every hour until `stop`, the identities kept past `retention`.
pub async fn keep_erasing(db: DatabaseConnection, retention: Duration, stop: CancellationToken) {
    loop {
        let horizon = Utc::now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
        match erase_done_before(&db, horizon).await {
            Ok(0) => {}
            Ok(erased) => tracing::info!(erased, "erased reporters' identities past their retention"),
            Err(error) => tracing::warn!(%error, "could not erase identities past their retention"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
    }
}

/// Seals every identity an earlier release kept in plaintext, and deletes
/// the plaintext, in batches; answers how many.
pub async fn seal_plaintext_identities(db: &DatabaseConnection, keys: &IdentityKeys) -> anyhow::Result<u64> {
    let mut sealed = 0;
    loop {
        let txn = aduan_platform::database::begin_write(db).await?;
        let batch = reporter::Entity::find().limit(500).all(&txn).await?;
        if batch.is_empty() {
            return Ok(sealed);
        }
        for row in batch {
            let identity = Identity { name: row.name.clone(), email: row.email.clone(), phone: row.phone.clone() };
            let sealed_identity = keys.seal(row.report_id, &identity)?;
            reporter_identity::ActiveModel {
                report_id: Set(row.report_id),
                key_id: Set(sealed_identity.key_id),
                wrapped_key: Set(sealed_identity.wrapped_key),
                sealed: Set(sealed_identity.sealed),
                sealed_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
            reporter::Entity::delete_by_id(row.report_id).exec(&txn).await?;
            sealed += 1;
        }
        txn.commit().await?;
    }
}
