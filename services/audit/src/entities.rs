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

/// A report's facts, folded from the ledger (see `facts`): derived, rebuilt from the entries at will.
pub mod audit_report {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    /// A report as the verification stage left it.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_report")]
    pub struct Model {
        /// The report's id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub report_id: String,
        /// Its category.
        pub category: String,
        /// Its region's code.
        pub region: String,
        /// Its kind (the protobuf `ReportKind` number).
        pub kind: i32,
        /// When the citizen filed it.
        pub filed_at: Option<DateTimeUtc>,
        /// When an institution was first given it.
        pub first_assigned_at: Option<DateTimeUtc>,
        /// Its verification clock ran out.
        pub verification_late: bool,
        /// Why a verifier archived it, if one did.
        pub archived_reason: Option<String>,
        /// Merged as a duplicate of another report.
        pub merged: bool,
        /// A verifier raised its privacy.
        pub privacy_raised: bool,
        /// A verifier changed what the public record shows of it.
        pub publication_changed: bool,
        /// The citizen referred it to the ombudsman.
        pub referred_to_ombudsman: bool,
        /// The institution holding it now (the latest assignment's: the fold
        /// goes in the order the events happened).
        pub holder: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A report's facts at one institution, folded from the ledger (see `facts`).
pub mod audit_case {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    /// A report at one institution: from its assignment to its closing or return.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_case")]
    pub struct Model {
        /// The report's id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub report_id: String,
        /// The institution given it.
        #[sea_orm(primary_key, auto_increment = false)]
        pub institution_id: String,
        /// Resolution's case id, once the case was opened.
        pub case_id: Option<String>,
        /// The report's category and region (repeated to group without a join).
        pub category: String,
        /// Its region's code.
        pub region: String,
        /// When the institution was given it.
        pub assigned_at: Option<DateTimeUtc>,
        /// Why this institution (`rule`, `verifier`, `appeal`, ...).
        pub matched_by: String,
        /// The resolution tier set at verification (empty: the category's).
        pub tier: String,
        /// When it sent the report back as not its authority.
        pub returned_at: Option<DateTimeUtc>,
        /// Its first answer to the citizen: a follow-up or the resolution.
        pub first_response_at: Option<DateTimeUtc>,
        /// When it first resolved the case.
        pub resolved_at: Option<DateTimeUtc>,
        /// Its first follow-up clock ran out.
        pub first_follow_up_late: bool,
        /// Its resolution clock ran out.
        pub resolution_late: bool,
        /// Escalation notices about it: each level told of a clock that ran out.
        pub escalations: i32,
        /// How many times the citizen disputed its resolution.
        pub disputes: i32,
        /// The citizen appealed its resolution to the level above.
        pub appealed: bool,
        /// What came of the appeal: `upheld` (the resolution stands) or
        /// `taken_up` (the level above, or the national verifier, took the case up).
        pub appeal_outcome: Option<String>,
        /// The citizen's rating, 1 to 5.
        pub rating: Option<i32>,
        /// The citizen's "was it fixed?": `yes`, `no`, `partly`.
        pub fixed: Option<String>,
        /// When the case closed.
        pub closed_at: Option<DateTimeUtc>,
        /// Why it closed (`accepted`, `silence`, ...).
        pub close_reason: Option<String>,
        /// The nearest running deadline (first follow-up or resolution), as last announced.
        pub due_on: Option<Date>,
        /// The spans it waited for the citizen's answer to its questions, as
        /// a JSON array of `[from, until]` Unix seconds: not its time.
        #[sea_orm(column_type = "Text")]
        pub waiting: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl Model {
        /// Still the institution's to answer: neither returned nor closed.
        pub fn is_open(&self) -> bool {
            self.returned_at.is_none() && self.closed_at.is_none()
        }
    }
}

/// A sample of an institution's closed cases drawn for review.
pub mod review_sample {
    use sea_orm::entity::prelude::*;

    /// A sample.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "review_sample")]
    pub struct Model {
        /// Its id (a UUID).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The institution reviewed.
        #[sea_orm(indexed)]
        pub institution_id: String,
        /// The period its cases closed in (`2026-Q3`).
        pub period: String,
        /// The seed that drew it, hex.
        pub seed: String,
        /// How many cases were asked for.
        pub size: i32,
        /// The reports drawn, in rank order, as a JSON array.
        #[sea_orm(column_type = "Text")]
        pub report_ids: String,
        /// When it was drawn.
        pub drawn_at: DateTimeUtc,
        /// Who drew it (their pseudonymous id).
        pub drawn_by: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An auditor's review of one case of a sample.
pub mod case_review {
    use sea_orm::entity::prelude::*;

    /// A review.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_review")]
    pub struct Model {
        /// The sample.
        #[sea_orm(primary_key, auto_increment = false)]
        pub sample_id: String,
        /// The report reviewed.
        #[sea_orm(primary_key, auto_increment = false)]
        pub report_id: String,
        /// The institution reviewed.
        pub institution_id: String,
        /// The rubric's scores, as a JSON object of criterion to score.
        #[sea_orm(column_type = "Text")]
        pub scores: String,
        /// Their sum.
        pub total: i32,
        /// The auditor's findings.
        #[sea_orm(column_type = "Text")]
        pub findings: String,
        /// When.
        pub reviewed_at: DateTimeUtc,
        /// Who (their pseudonymous id).
        pub reviewed_by: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// How far the facts have been folded: one row.
pub mod audit_facts_progress {
    use sea_orm::entity::prelude::*;

    /// The progress.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_facts_progress")]
    pub struct Model {
        /// Always 1.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        /// The entries below this index are folded into the facts.
        pub folded_to: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
