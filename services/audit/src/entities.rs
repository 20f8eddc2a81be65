//! Audit's tables: the entries, the perfect subtrees' hashes, the signed
//! checkpoints. Entries and nodes are append-only: the database refuses
//! UPDATE and DELETE on them (see the migration).

/// One event, as appended.
pub mod ledger_entry {
    use sea_orm::entity::prelude::*;

    /// An entry of the ledger.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ledger_entry")]
    pub struct Model {
        /// Its index in the tree, from 0, with no gap.
        #[sea_orm(primary_key, auto_increment = false)]
        pub leaf_index: i64,
        /// The event's message id: one entry per event, however often delivered.
        #[sea_orm(unique)]
        pub message_id: String,
        /// The event's name (`filed`, `resolved`, ...).
        pub event: String,
        /// The report it is about, if any.
        #[sea_orm(indexed)]
        pub report_id: Option<String>,
        /// When it happened, by its producer.
        pub occurred_at: DateTimeUtc,
        /// When audit appended it.
        pub appended_at: DateTimeUtc,
        /// The entry's bytes: the event's envelope, protobuf-encoded.
        pub body: Vec<u8>,
        /// SHA-256(0x00 || body): the tree's leaf.
        pub leaf_hash: Vec<u8>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The hash of a complete, aligned subtree, stored as the entry that
/// completes it is appended, so roots and proofs need O(log n) reads.
pub mod ledger_node {
    use sea_orm::entity::prelude::*;

    /// A perfect subtree: level `level`, covering leaves
    /// `[node_index * 2^level, (node_index + 1) * 2^level)`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ledger_node")]
    pub struct Model {
        /// Its height (0: a leaf).
        #[sea_orm(primary_key, auto_increment = false)]
        pub level: i32,
        /// Its position at that height.
        #[sea_orm(primary_key, auto_increment = false)]
        pub node_index: i64,
        /// Its hash.
        pub hash: Vec<u8>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A signed checkpoint: the tree's size and root at a moment, signed.
pub mod ledger_checkpoint {
    use sea_orm::entity::prelude::*;

    /// A checkpoint.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ledger_checkpoint")]
    pub struct Model {
        /// The tree's size it covers.
        #[sea_orm(primary_key, auto_increment = false)]
        pub tree_size: i64,
        /// The root hash at that size.
        pub root_hash: Vec<u8>,
        /// The signed note (C2SP tlog-checkpoint), as published.
        #[sea_orm(column_type = "Text")]
        pub note: String,
        /// When it was signed.
        pub signed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
