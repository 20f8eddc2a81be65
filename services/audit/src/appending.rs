//! Appending events to the ledger: each event once, at the next index, with
//! the perfect nodes it completes, in the consumer's transaction. One writer
//! at a time assigns indexes (a PostgreSQL advisory lock; SQLite's writers
//! take turns anyway), so the tree has no gap and no fork.

use std::collections::HashSet;

use aduan_platform::bus::{HandlerError, Incoming};
use aduan_platform::consumer::ApplyEvent;
use aduan_platform::proto::{Envelope, Message as _};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::entities::ledger_entry;
use crate::tree_store::{StoreError, store_appended};

/// The name of the lock that makes appends take turns.
const WRITER_LOCK: &str = "audit ledger writer";

/// Appends every event it is given.
#[derive(Debug, Clone, Copy, Default)]
pub struct LedgerAppender;

/// A damaged tree holds the event (the consumer pauses and retries) rather
/// than dead-lettering it and appending the next ones past a hole.
fn unavailable(error: StoreError) -> HandlerError {
    match error {
        StoreError::Database(error) => HandlerError::from(error),
        other => {
            tracing::error!(error = %other, "the audit ledger's stored tree is damaged; appending waits");
            HandlerError::Unavailable(anyhow::anyhow!("the ledger's stored tree is damaged: {other}"))
        }
    }
}

/// The size of the ledger: one more than its last index.
pub async fn size<C: sea_orm::ConnectionTrait>(conn: &C) -> Result<u64, sea_orm::DbErr> {
    let last: Option<i64> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::LeafIndex)
        .order_by_desc(ledger_entry::Column::LeafIndex)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(last.map_or(0, |last| u64::try_from(last).unwrap_or(0) + 1))
}

fn occurred_at(envelope: &Envelope) -> DateTime<Utc> {
    envelope
        .occurred_at
        .as_ref()
        .and_then(|at| DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).unwrap_or(0)))
        .unwrap_or_else(Utc::now)
}

/// Appends `envelope` inside `txn`, unless an entry for its message id is
/// there already (a replay of an event another delivery appended).
pub async fn append(txn: &DatabaseTransaction, envelope: &Envelope) -> Result<Option<u64>, HandlerError> {
    Ok(append_all(txn, &[envelope]).await?.into_iter().next().flatten())
}

/// Appends `envelopes` in order inside `txn`, in a few statements whatever
/// their number, skipping those whose message id is there already; answers
/// each one's index (`None` for one skipped).
pub async fn append_all(txn: &DatabaseTransaction, envelopes: &[&Envelope]) -> Result<Vec<Option<u64>>, HandlerError> {
    if envelopes.is_empty() {
        return Ok(Vec::new());
    }
    aduan_platform::database::serialize_with(txn, WRITER_LOCK).await?;
    let ids: Vec<String> = envelopes.iter().map(|envelope| envelope.message_id.clone()).collect();
    let mut seen: HashSet<String> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::MessageId)
        .filter(ledger_entry::Column::MessageId.is_in(ids))
        .into_tuple()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let mut index = size(txn).await?;
    let mut entries = Vec::new();
    let mut leaves = Vec::new();
    let mut indexes = Vec::with_capacity(envelopes.len());
    for envelope in envelopes {
        // Seen before, or earlier in this batch.
        if !seen.insert(envelope.message_id.clone()) {
            indexes.push(None);
            continue;
        }
        // The envelope without the words people wrote (see `commitments`):
        // prost encodes a message the same way every time, so anyone can
        // recompute the bytes from the decoded entry.
        let body = crate::commitments::without_words((*envelope).clone()).encode_to_vec();
        let leaf = aduan_ledger::leaf_hash(&body);
        let event = envelope.event.as_ref().map_or("unknown", |event| event.name());
        entries.push(ledger_entry::ActiveModel {
            leaf_index: Set(i64::try_from(index).map_err(|_| HandlerError::Permanent("the ledger is full".into()))?),
            message_id: Set(envelope.message_id.clone()),
            event: Set(event.to_owned()),
            report_id: Set(Some(envelope.report_id.clone()).filter(|id| !id.is_empty())),
            occurred_at: Set(occurred_at(envelope)),
            appended_at: Set(Utc::now()),
            body: Set(body),
            leaf_hash: Set(leaf.as_bytes().to_vec()),
        });
        leaves.push((index, leaf));
        indexes.push(Some(index));
        index += 1;
    }
    if entries.is_empty() {
        return Ok(indexes);
    }
    // Eight parameters a row: well within a statement's limit.
    for chunk in entries.chunks(1000) {
        ledger_entry::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    store_appended(txn, &leaves).await.map_err(unavailable)?;
    Ok(indexes)
}

#[async_trait]
impl ApplyEvent for LedgerAppender {
    async fn apply(&self, txn: &DatabaseTransaction, envelope: &Envelope) -> Result<(), HandlerError> {
        append(txn, envelope).await.map(|_| ())
    }

    async fn apply_batch(&self, txn: &DatabaseTransaction, batch: &[&Incoming]) -> Result<(), HandlerError> {
        let envelopes: Vec<&Envelope> = batch.iter().map(|incoming| &incoming.envelope).collect();
        append_all(txn, &envelopes).await.map(|_| ())
    }
}
