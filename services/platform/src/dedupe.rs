//! The record of messages a consumer has handled, written in the same
//! transaction as the handling's effect, so a redelivery changes nothing.
//! Records are kept for a stated window ([`RETENTION`] by default), far
//! longer than any redelivery takes (the retry delays add up to minutes),
//! then purged so the table does not grow for ever.

use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseTransaction, DbErr, EntityTrait, QueryFilter, Set, entity::prelude::*};

/// One message handled by one consumer.
pub mod processed_message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "processed_message")]
    pub struct Model {
        /// The consumer (queue) that handled the message.
        #[sea_orm(primary_key, auto_increment = false)]
        pub consumer: String,
        /// The envelope's message id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub message_id: Uuid,
        /// When the effect was committed.
        #[sea_orm(indexed)]
        pub processed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Whether the message is new to this consumer or was handled before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First time: apply the effect in this transaction.
    New,
    /// Handled before: do nothing and acknowledge.
    AlreadyHandled,
}

/// Records `message_id` as handled by `consumer` inside `txn`, in one
/// statement. Of two racing deliveries of one message, PostgreSQL makes the
/// second wait for the first to commit and then reports it handled.
pub async fn claim(txn: &DatabaseTransaction, consumer: &str, message_id: Uuid) -> Result<Claim, DbErr> {
    let row = processed_message::ActiveModel {
        consumer: Set(consumer.to_owned()),
        message_id: Set(message_id),
        processed_at: Set(chrono::Utc::now()),
    };
    let inserted = processed_message::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([processed_message::Column::Consumer, processed_message::Column::MessageId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(if inserted == 0 { Claim::AlreadyHandled } else { Claim::New })
}

/// Records every one of `message_ids` as handled by `consumer` inside
/// `txn`, in one statement; answers those that were new. An id given twice
/// counts as new once.
pub async fn claim_all(
    txn: &DatabaseTransaction,
    consumer: &str,
    message_ids: &[Uuid],
) -> Result<std::collections::HashSet<Uuid>, DbErr> {
    use processed_message::Column;
    use sea_orm::ConnectionTrait as _;
    use sea_orm::sea_query::Query;
    if message_ids.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let now = chrono::Utc::now();
    let mut insert = Query::insert();
    insert.into_table(processed_message::Entity).columns([Column::Consumer, Column::MessageId, Column::ProcessedAt]);
    // In one order whatever the batch's, so two batches holding the same
    // redelivered messages never wait for each other crosswise.
    let distinct: std::collections::BTreeSet<Uuid> = message_ids.iter().copied().collect();
    for id in distinct {
        insert.values_panic([consumer.into(), id.into(), now.into()]);
    }
    insert
        .on_conflict(OnConflict::columns([Column::Consumer, Column::MessageId]).do_nothing().to_owned())
        .returning_col(Column::MessageId);
    let rows = txn.query_all(&insert).await?;
    rows.iter().map(|row| row.try_get::<Uuid>("", Column::MessageId.as_str())).collect()
}

/// How long a handled message's record is kept, unless configured otherwise
/// (`ADUAN_DEDUPE_RETENTION_HOURS`).
pub const RETENTION: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Deletes the records older than `retention`; answers how many went.
pub async fn purge(db: &sea_orm::DatabaseConnection, retention: std::time::Duration) -> Result<u64, DbErr> {
    let horizon = chrono::Utc::now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    let deleted = processed_message::Entity::delete_many()
        .filter(processed_message::Column::ProcessedAt.lt(horizon))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Purges old records, and folds the sequences seen (see
/// [`crate::report_order::fold_seen`]), every hour until `stop`.
pub async fn keep_purged(
    db: sea_orm::DatabaseConnection,
    retention: std::time::Duration,
    stop: tokio_util::sync::CancellationToken,
) {
    loop {
        match purge(&db, retention).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged old records of handled messages"),
            Err(error) => tracing::warn!(%error, "could not purge old records of handled messages"),
        }
        match crate::report_order::fold_seen(&db).await {
            Ok(0) => {}
            Ok(folded) => tracing::info!(folded, "folded the sequences seen into the reports' clocks"),
            Err(error) => tracing::warn!(%error, "could not fold the sequences seen into the reports' clocks"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(3600)) => {}
        }
    }
}
