//! Possible duplicates of a waiting report: earlier reports, still being
//! handled, in the same category and region, filed within a window, whose
//! words are alike. A quiet neighbourhood's reports are ranked one by one;
//! in a busy one (a capital's roads) the database's trigram index finds the
//! candidates (`pg_trgm` on PostgreSQL, an FTS5 trigram table on SQLite).
//! One likeness, computed here the way `pg_trgm` computes it, ranks them, so
//! both databases suggest the same reports.

use std::collections::HashSet;

use aduan_platform::proto::ReportContent;
use aduan_procedure::Status;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};
use uuid::Uuid;

use crate::routed_report;

/// How far back a duplicate's original may have been filed.
pub const WINDOW_DAYS: i64 = 30;
/// How alike two reports' words must be (`pg_trgm`'s own default threshold).
pub const LIKENESS: f64 = 0.3;
/// How many suggestions a report gets.
pub const SHOWN: usize = 3;
/// How many candidates the index hands over to be ranked.
const CANDIDATES: u64 = 25;
/// How much of a report's text is indexed and compared.
const INDEXED_CHARACTERS: usize = 2000;
/// How many of its words a report searches by on SQLite.
const SEARCHED_WORDS: usize = 32;

/// The text a report is found by: its title and description, lower-cased.
pub fn search_text(content: &ReportContent) -> String {
    format!("{}\n{}", content.title, content.description).to_lowercase().chars().take(INDEXED_CHARACTERS).collect()
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).map(str::to_lowercase)
}

/// A text's trigrams as `pg_trgm` forms them: each word lower-cased, with
/// two spaces before it and one after.
pub fn trigrams(text: &str) -> HashSet<[char; 3]> {
    let mut found = HashSet::new();
    for word in words(text) {
        let padded: Vec<char> = "  ".chars().chain(word.chars()).chain(" ".chars()).collect();
        found.extend(padded.windows(3).map(|three| [three[0], three[1], three[2]]));
    }
    found
}

/// How alike two texts are: shared trigrams over all of them (`pg_trgm`'s
/// `similarity`).
pub fn likeness(a: &HashSet<[char; 3]>, b: &HashSet<[char; 3]>) -> f64 {
    let union = a.union(b).count();
    if union == 0 { 0.0 } else { a.intersection(b).count() as f64 / union as f64 }
}

/// Whether a report may be the original a duplicate is merged into: it is
/// still being handled somewhere, so the duplicate's citizen can follow it.
pub fn may_be_original(status: Status) -> bool {
    !(status.is_final() || matches!(status, Status::Closed))
}

/// The smallest report id of a report filed at `at` or later: report ids are
/// UUIDv7s, whose first 48 bits are the milliseconds since the epoch.
fn first_id_since(at: chrono::DateTime<chrono::Utc>) -> Uuid {
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    let mut bytes = [0_u8; 16];
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6] = 0x70;
    Uuid::from_bytes(bytes)
}

/// A suggested original and how alike it is.
#[derive(Debug, Clone)]
pub struct Suggestion {
    /// The earlier report.
    pub original: routed_report::Model,
    /// Shared trigrams over all of them, 0 to 1.
    pub likeness: f64,
}

/// How many earlier reports of the same category and region are ranked one
/// by one; a busier neighbourhood asks the trigram index for candidates.
const RANKED_DIRECTLY: u64 = 200;

/// The earlier reports `report` may duplicate, most alike first.
pub async fn suggestions(db: &impl ConnectionTrait, report: &routed_report::Model) -> Result<Vec<Suggestion>, DbErr> {
    let Some(text) = report.search_text.as_deref().filter(|text| !text.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let since = first_id_since(chrono::Utc::now() - chrono::Duration::days(WINDOW_DAYS));
    // Their ids first, from the neighbourhood's index alone: a busy
    // neighbourhood's whole rows would be read only to be set aside.
    let neighbours: Vec<Uuid> = routed_report::Entity::find()
        .select_only()
        .column(routed_report::Column::ReportId)
        .filter(routed_report::Column::Category.eq(report.category.as_str()))
        .filter(routed_report::Column::Region.eq(report.region.as_str()))
        .filter(routed_report::Column::ReportId.gte(since))
        .filter(routed_report::Column::ReportId.lt(report.report_id))
        .order_by_desc(routed_report::Column::ReportId)
        .limit(RANKED_DIRECTLY + 1)
        .into_tuple()
        .all(db)
        .await?;
    let ids = if neighbours.len() as u64 <= RANKED_DIRECTLY {
        neighbours
    } else {
        candidates(db, report, text, since).await?
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let candidates = routed_report::Entity::find().filter(routed_report::Column::ReportId.is_in(ids)).all(db).await?;
    let own = trigrams(text);
    let mut found: Vec<Suggestion> = candidates
        .into_iter()
        .filter(|original| Status::parse(&original.status).is_some_and(may_be_original))
        .map(|original| {
            let likeness = likeness(&own, &trigrams(original.search_text.as_deref().unwrap_or_default()));
            Suggestion { original, likeness }
        })
        .filter(|suggestion| suggestion.likeness >= LIKENESS)
        .collect();
    found.sort_by(|a, b| b.likeness.total_cmp(&a.likeness).then(b.original.report_id.cmp(&a.original.report_id)));
    found.truncate(SHOWN);
    Ok(found)
}

/// Report ids the trigram index finds alike, in the report's category and
/// region, filed in the window and before it.
async fn candidates(
    db: &impl ConnectionTrait,
    report: &routed_report::Model,
    text: &str,
    since: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    let backend = db.get_database_backend();
    // Reports no longer handled are never offered: they must not crowd the
    // candidates out. (The names are the procedure's own, not input.)
    let not_original: Vec<String> = Status::ALL
        .into_iter()
        .filter(|status| !may_be_original(*status))
        .map(|status| format!("'{}'", status.as_str()))
        .collect();
    let not_original = not_original.join(", ");
    let (sql, search): (String, String) = match backend {
        DbBackend::Postgres => (
            format!(
                "SELECT report_id FROM routed_report \
                 WHERE search_text % $1 AND category = $2 AND region = $3 AND report_id >= $4 AND report_id < $5 \
                 AND status NOT IN ({not_original}) \
                 ORDER BY similarity(search_text, $1) DESC LIMIT {CANDIDATES}"
            ),
            text.to_owned(),
        ),
        _ => {
            // CROSS JOIN keeps the text index the outer loop: driven from the
            // neighbourhood's index instead, SQLite would search the text
            // once per neighbour.
            let Some(search) = fts5_query(text) else { return Ok(Vec::new()) };
            (
                format!(
                    "SELECT r.report_id AS report_id FROM routed_report_text t \
                     CROSS JOIN routed_report r ON r.report_id = t.report_id \
                     WHERE routed_report_text MATCH ? AND r.category = ? AND r.region = ? \
                     AND r.report_id >= ? AND r.report_id < ? AND r.status NOT IN ({not_original}) \
                     ORDER BY bm25(routed_report_text) LIMIT {CANDIDATES}"
                ),
                search,
            )
        }
    };
    let values: [Value; 5] = [
        search.into(),
        report.category.clone().into(),
        report.region.clone().into(),
        since.into(),
        report.report_id.into(),
    ];
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.iter().map(|row| row.try_get::<Uuid>("", "report_id")).collect()
}

/// An FTS5 query for any of the text's words of three characters or more
/// (the trigram tokenizer finds nothing shorter), each quoted as a phrase.
fn fts5_query(text: &str) -> Option<String> {
    let mut seen = HashSet::new();
    let phrases: Vec<String> = words(text)
        .filter(|word| word.chars().count() >= 3 && seen.insert(word.clone()))
        .take(SEARCHED_WORDS)
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" OR "))
}

/// The index behind the suggestions, on either database, and the text of
/// reports routed before there was one.
pub async fn create_index(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_unprepared(
        "CREATE INDEX IF NOT EXISTS routed_report_neighbours ON routed_report (category, region, report_id)",
    )
    .await?;
    match db.get_database_backend() {
        DbBackend::Postgres => {
            // pg_trgm is a trusted extension: the database's owner may add it.
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm").await?;
            db.execute_unprepared(
                "CREATE INDEX IF NOT EXISTS routed_report_search_text_trgm ON routed_report \
                 USING gin (search_text gin_trgm_ops)",
            )
            .await?;
        }
        _ => {
            // Its own table keyed by report id (a rowid may change on VACUUM),
            // kept by triggers so no writer can forget it.
            for statement in [
                "CREATE VIRTUAL TABLE IF NOT EXISTS routed_report_text \
                 USING fts5(report_id UNINDEXED, search_text, tokenize = 'trigram')",
                "CREATE TRIGGER IF NOT EXISTS routed_report_text_insert AFTER INSERT ON routed_report \
                 WHEN new.search_text IS NOT NULL BEGIN \
                 INSERT INTO routed_report_text (report_id, search_text) VALUES (new.report_id, new.search_text); END",
                "CREATE TRIGGER IF NOT EXISTS routed_report_text_update AFTER UPDATE OF search_text ON routed_report BEGIN \
                 DELETE FROM routed_report_text WHERE report_id = old.report_id; \
                 INSERT INTO routed_report_text (report_id, search_text) \
                 SELECT new.report_id, new.search_text WHERE new.search_text IS NOT NULL; END",
                "CREATE TRIGGER IF NOT EXISTS routed_report_text_delete AFTER DELETE ON routed_report BEGIN \
                 DELETE FROM routed_report_text WHERE report_id = old.report_id; END",
            ] {
                db.execute_unprepared(statement).await?;
            }
        }
    }
    backfill(db).await
}

/// Gives every report routed before the index its search text, a batch at
/// a time (a country's worth of reports does not fit in memory at once).
async fn backfill(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    use aduan_platform::proto::Message as _;
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    loop {
        let unindexed = routed_report::Entity::find()
            .filter(routed_report::Column::SearchText.is_null())
            .limit(500)
            .all(db)
            .await?;
        if unindexed.is_empty() {
            return Ok(());
        }
        for routed in unindexed {
            let text = ReportContent::decode(routed.content.as_slice()).map(|content| search_text(&content)).ok();
            let mut active = routed.into_active_model();
            // Never null again, even when the content cannot be read: the loop ends.
            active.search_text = Set(Some(text.unwrap_or_default()));
            active.update(db).await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alike_reports_are_offered_and_different_ones_are_not() {
        let a = trigrams("Jalan berlubang besar di depan nomor 12 Jalan Braga");
        let b = trigrams("Lubang besar di Jalan Braga depan nomor 12");
        let c = trigrams("Lampu jalan mati sejak seminggu");
        assert!(likeness(&a, &b) >= LIKENESS, "{}", likeness(&a, &b));
        assert!(likeness(&a, &c) < LIKENESS, "{}", likeness(&a, &c));
        assert_eq!(likeness(&HashSet::new(), &HashSet::new()), 0.0);
    }

    #[test]
    fn trigrams_are_formed_as_pg_trgm_forms_them() {
        // SELECT show_trgm('Cat'): {"  c"," ca","at ",cat}
        let expected: HashSet<[char; 3]> = [[' ', ' ', 'c'], [' ', 'c', 'a'], ['c', 'a', 't'], ['a', 't', ' ']].into();
        assert_eq!(trigrams("Cat"), expected);
    }

    #[test]
    fn the_window_starts_at_the_first_id_of_its_millisecond() {
        let at = chrono::Utc::now();
        let first = first_id_since(at);
        let later = Uuid::now_v7();
        assert!(first <= later);
        assert!(first_id_since(at + chrono::Duration::days(1)) > later);
        assert!(first_id_since(at - chrono::Duration::days(1)) < first);
    }

    #[test]
    fn sqlite_searches_by_quoted_words_of_three_characters_or_more() {
        assert_eq!(fts5_query("Jalan \"rusak\" di RT 3").as_deref(), Some("\"jalan\" OR \"rusak\""));
        assert_eq!(fts5_query("di RT 3"), None);
    }
}
