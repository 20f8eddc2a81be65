//! The tree kept in audit's database: appending an entry with the perfect
//! nodes it completes, and reading just the stored hashes a root or a proof
//! needs. Which nodes a computation reads depends only on sizes and indexes,
//! never on hashes, so it is first run against a [`Recorder`] to learn them,
//! then they are read in one query and it runs for real.

use std::cell::RefCell;
use std::collections::HashMap;

use aduan_ledger::{Hash, NodeSource, TreeError};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use crate::entities::ledger_node;

/// Notes which nodes are asked for, answering a placeholder.
#[derive(Debug, Default)]
struct Recorder {
    asked: RefCell<Vec<(u32, u64)>>,
}

impl NodeSource for Recorder {
    fn node(&self, level: u32, index: u64) -> Option<Hash> {
        self.asked.borrow_mut().push((level, index));
        Some(Hash::default())
    }
}

/// Stored nodes, read ahead.
#[derive(Debug, Default)]
pub struct StoredNodes {
    nodes: HashMap<(u32, u64), Hash>,
}

impl NodeSource for StoredNodes {
    fn node(&self, level: u32, index: u64) -> Option<Hash> {
        self.nodes.get(&(level, index)).copied()
    }
}

/// Why the tree could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database.
    #[error(transparent)]
    Database(#[from] DbErr),
    /// The tree's arguments, or a node that should be stored is not.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// A stored hash is not 32 bytes.
    #[error("a stored node hash is not 32 bytes (level {0}, index {1})")]
    Corrupt(u32, u64),
}

fn as_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Reads the nodes `keys` from `conn`.
async fn read<C: ConnectionTrait>(conn: &C, keys: &[(u32, u64)]) -> Result<StoredNodes, StoreError> {
    let mut nodes = HashMap::new();
    // A few hundred keys at most for a proof; SQL parameters come in chunks.
    for chunk in keys.chunks(200) {
        let mut any = Condition::any();
        for (level, index) in chunk {
            any = any.add(
                Condition::all()
                    .add(ledger_node::Column::Level.eq(i32::try_from(*level).unwrap_or(i32::MAX)))
                    .add(ledger_node::Column::NodeIndex.eq(as_i64(*index))),
            );
        }
        for row in ledger_node::Entity::find().filter(any).all(conn).await? {
            let (level, index) = (u32::try_from(row.level).unwrap_or(0), u64::try_from(row.node_index).unwrap_or(0));
            let hash = Hash::try_from(row.hash.as_slice()).map_err(|_| StoreError::Corrupt(level, index))?;
            nodes.insert((level, index), hash);
        }
    }
    Ok(StoredNodes { nodes })
}

/// Runs `compute` over the stored nodes it needs.
pub async fn with_nodes<C, T>(
    conn: &C,
    compute: impl Fn(&dyn NodeSource) -> Result<T, TreeError>,
) -> Result<T, StoreError>
where
    C: ConnectionTrait,
{
    let recorder = Recorder::default();
    compute(&recorder)?;
    let mut keys = recorder.asked.into_inner();
    keys.sort_unstable();
    keys.dedup();
    let stored = read(conn, &keys).await?;
    Ok(compute(&stored)?)
}

/// Stores the perfect nodes that appending `leaves` (consecutive indexes,
/// in order) completes: the stored nodes they need are read in one query,
/// whatever their number, and the new ones written in one statement.
pub async fn store_appended<C: ConnectionTrait>(conn: &C, leaves: &[(u64, Hash)]) -> Result<(), StoreError> {
    // Which nodes are read and made depends on the indexes alone.
    let recorder = Recorder::default();
    let mut made = std::collections::HashSet::new();
    for (index, leaf) in leaves {
        made.extend(aduan_ledger::nodes_completed_by(*index, *leaf, &recorder)?.iter().map(|n| (n.level, n.index)));
    }
    let mut keys = recorder.asked.into_inner();
    keys.retain(|key| !made.contains(key));
    keys.sort_unstable();
    keys.dedup();
    let mut known = read(conn, &keys).await?;
    let mut rows = Vec::new();
    for (index, leaf) in leaves {
        for node in aduan_ledger::nodes_completed_by(*index, *leaf, &known)? {
            known.nodes.insert((node.level, node.index), node.hash);
            rows.push(ledger_node::ActiveModel {
                level: Set(i32::try_from(node.level).unwrap_or(i32::MAX)),
                node_index: Set(as_i64(node.index)),
                hash: Set(node.hash.as_bytes().to_vec()),
            });
        }
    }
    for chunk in rows.chunks(1000) {
        ledger_node::Entity::insert_many(chunk.to_vec()).exec(conn).await?;
    }
    Ok(())
}
