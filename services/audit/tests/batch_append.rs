//! Appending a batch of events at once makes the same ledger as appending
//! them one by one: the same entries at the same indexes, the same tree.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aduan_audit::appending::{append, append_all};
use aduan_audit::entities::{ledger_entry, ledger_node};
use aduan_platform::envelope::{new_envelope, system_actor};
use aduan_platform::proto::{Envelope, ReportFiled, envelope::Event};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder, TransactionTrait};
use sea_orm_migration::MigratorTrait as _;

async fn ledger() -> (DatabaseConnection, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("aduan-audit-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("audit.sqlite").display());
    let db = aduan_platform::database::connect(&url, Default::default()).await.unwrap();
    aduan_audit::Migrator::up(&db, None).await.unwrap();
    (db, dir)
}

async fn contents(db: &DatabaseConnection) -> (Vec<(i64, String, Vec<u8>)>, Vec<(i32, i64, Vec<u8>)>) {
    let entries = ledger_entry::Entity::find().order_by_asc(ledger_entry::Column::LeafIndex).all(db).await.unwrap();
    let mut nodes: Vec<(i32, i64, Vec<u8>)> = ledger_node::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|node| (node.level, node.node_index, node.hash))
        .collect();
    nodes.sort();
    (entries.into_iter().map(|entry| (entry.leaf_index, entry.message_id, entry.leaf_hash)).collect(), nodes)
}

#[tokio::test]
async fn a_batch_appends_what_one_by_one_would() {
    let events: Vec<Envelope> = (0..77)
        .map(|_| new_envelope(uuid::Uuid::now_v7(), system_actor("test"), Event::Filed(ReportFiled::default())))
        .collect();
    let (single, single_dir) = ledger().await;
    for envelope in &events {
        let txn = single.begin().await.unwrap();
        append(&txn, envelope).await.unwrap();
        txn.commit().await.unwrap();
    }
    let (batched, batched_dir) = ledger().await;
    let mut rest: &[Envelope] = &events;
    // Batches of every shape: one, a few, across a power of two, a replay inside.
    for size in [1, 5, 3, 31, 1, 36] {
        let (batch, after) = rest.split_at(size);
        let mut batch: Vec<&Envelope> = batch.iter().collect();
        if size == 5 {
            batch.push(&events[0]);
            batch.push(batch[1]);
        }
        let txn = batched.begin().await.unwrap();
        let indexes = append_all(&txn, &batch).await.unwrap();
        txn.commit().await.unwrap();
        assert_eq!(indexes.iter().flatten().count(), size, "the replays are skipped: {indexes:?}");
        rest = after;
    }
    assert!(rest.is_empty());
    let (entries, nodes) = contents(&single).await;
    assert_eq!(entries.len(), 77);
    assert_eq!(nodes.len(), 77 + 38 + 19 + 9 + 4 + 2 + 1, "every perfect node of 77 leaves");
    assert_eq!(contents(&batched).await, (entries, nodes));
    for (db, dir) in [(single, single_dir), (batched, batched_dir)] {
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
