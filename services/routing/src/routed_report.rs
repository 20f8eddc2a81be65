//! Routing's record of each report: what it is about, where it went, and which
//! institutions returned it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "routed_report")]
pub struct Model {
    /// The report.
    #[sea_orm(primary_key, auto_increment = false)]
    pub report_id: Uuid,
    /// Category id.
    pub category: String,
    /// Region code.
    pub region: String,
    /// The report's content as filed (protobuf `ReportContent`), passed on to
    /// the institution it is assigned to. Holds no identity.
    pub content: Vec<u8>,
    /// Status name from the procedure: `submitted` while it waits in the
    /// verification queue, then deferred, archived, merged, assigned or returned.
    #[sea_orm(indexed)]
    pub status: String,
    /// The institution it is assigned to now (the national verifier while it waits).
    #[sea_orm(indexed)]
    pub institution_id: String,
    /// How that institution was found.
    pub matched_by: String,
    /// Institutions that returned it as not their authority, in order (JSON array).
    #[sea_orm(column_type = "Text")]
    pub returned_by: String,
    /// How many times it was returned.
    pub returns: i32,
    /// When it was last routed.
    pub routed_at: DateTimeUtc,
    /// Since when a clock of its case has run out all the way up to the
    /// national verifier (or the citizen appealed above an institution with
    /// no parent), who may reassign it; cleared when it moves on.
    #[sea_orm(indexed)]
    pub escalated_to_verifier_at: Option<DateTimeUtc>,
    /// Why it is on the national verifier's list: the clock that ran out, or
    /// `appeal`.
    pub escalation_reason: Option<String>,
    /// The sequence of the latest fact about its case that routing applied
    /// (escalated, resolved, closed): an earlier one arriving late is not
    /// applied over it.
    #[sea_orm(default_value = 0)]
    pub case_sequence: i64,
    /// The verification step's clock (`aduan_procedure::VerificationClock` as
    /// JSON) while the report waits for a verifier.
    #[sea_orm(column_type = "Text", nullable)]
    pub verification_clock: Option<String>,
    /// The moment its verification is overdue and the national verifier is
    /// told: the start of that day where the report is; `None` when paused,
    /// told already, or verified.
    #[sea_orm(indexed)]
    pub verification_overdue_at: Option<DateTimeUtc>,
    /// Its title and description, lower-cased, that possible duplicates are
    /// found by (`crate::similar`).
    #[sea_orm(column_type = "Text", nullable)]
    pub search_text: Option<String>,
    /// The smallest hashes of its search text's trigrams, that likeness is
    /// estimated by (`crate::similar::sketch`); `None` for a report filed
    /// before the window of possible originals when sketches came, or
    /// written by an older version while this one was rolled out.
    pub likeness_sketch: Option<Vec<u8>>,
}

/// The reports waiting for a verifier, their status written as a literal
/// (the procedure's name, not input): only so can PostgreSQL match it to
/// the partial index of the queue in every plan, a prepared statement's
/// generic one included (which, given a parameter, sorted every waiting
/// report to show 25). The index's own literal.
pub fn waiting() -> sea_orm::Condition {
    let waiting = crate::migration::WAITING;
    sea_orm::Condition::all().add(Expr::cust(format!("\"routed_report\".\"status\" = {waiting}")))
}

impl Model {
    /// The institutions that returned it.
    pub fn returned_by(&self) -> Vec<String> {
        serde_json::from_str(&self.returned_by).unwrap_or_default()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[cfg(test)]
mod tests {
    use aduan_procedure::Status;

    #[test]
    fn waiting_is_the_procedures_submitted() {
        assert_eq!(crate::migration::WAITING, format!("'{}'", Status::Submitted.as_str()));
    }
}
