//! Possible duplicates of a waiting report: earlier reports, still being
//! handled, in the same category and region, filed within a window, whose
//! words are alike. Likeness is `pg_trgm`'s (shared trigrams over all of
//! them), computed here, so both databases suggest the same reports.
//!
//! Every report keeps a sketch of its trigrams: the smallest [`SKETCHED`] of
//! their hashes, a few hundred bytes whatever its length, from which the
//! likeness of two reports is estimated (`sketch`). A neighbourhood's
//! sketches are read in one query and compared with all of a page's
//! reports there at once; the likeliest are read and ranked exactly by
//! their words (`words`), and only the reports shown are read whole.
//!
//! There is no text index: at ten million reports a trigram index read a
//! posting list across every report for each of a paragraph's trigrams, or
//! recomputed the likeness of every neighbour from its text, and a busy
//! neighbourhood's report took a second (PERFORMANCE.md).

mod sketch;
mod words;

use std::collections::{HashMap, HashSet};
use std::future::Future;

use aduan_platform::proto::ReportContent;
use aduan_procedure::Status;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect, Select, TransactionTrait,
};
use uuid::Uuid;

use crate::routed_report;
pub use sketch::{SKETCHED, sketch};
use sketch::{estimates, hashes_of};
use words::{Trigrams, likeness};

/// How far back a duplicate's original may have been filed.
pub const WINDOW_DAYS: i64 = 30;
/// How alike two reports' words must be (`pg_trgm`'s own default threshold).
pub const LIKENESS: f64 = 0.3;
/// How many suggestions a report gets.
pub const SHOWN: usize = 3;
/// How alike a sketch must look for its report to be ranked by its words:
/// at least nearly four standard errors below [`LIKENESS`], so that a
/// report truly at it is all but never missed.
const LOOKS_ALIKE: f64 = 0.15;
/// How many of the likeliest by sketch are ranked by their words.
const CANDIDATES: usize = 25;
/// How much of a report's text is indexed and compared.
const INDEXED_CHARACTERS: usize = 2000;
/// How many reports are read by id in one statement.
const READ_AT_A_TIME: usize = 500;
/// How many reports' sketches are made and written in one transaction by
/// the backfill.
const BACKFILLED_AT_A_TIME: u64 = 500;

/// The text a report is found by: its title and description, lower-cased.
pub fn search_text(content: &ReportContent) -> String {
    format!("{}\n{}", content.title, content.description).to_lowercase().chars().take(INDEXED_CHARACTERS).collect()
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

/// The first report id in the window now.
pub fn window_start() -> Uuid {
    first_id_since(chrono::Utc::now() - chrono::Duration::days(WINDOW_DAYS))
}

/// A suggested original and how alike it is.
#[derive(Debug, Clone)]
pub struct Suggestion {
    /// The earlier report.
    pub original: routed_report::Model,
    /// Shared trigrams over all of them, 0 to 1.
    pub likeness: f64,
}

/// The earlier reports `report` may duplicate, most alike first.
pub async fn suggestions(db: &impl ConnectionTrait, report: &routed_report::Model) -> Result<Vec<Suggestion>, DbErr> {
    let mut found = suggestions_for(db, std::slice::from_ref(report)).await?;
    Ok(found.remove(&report.report_id).unwrap_or_default())
}

/// The suggestions of each of `reports` (a page of the queue). The
/// candidates' texts are read alone; whole reports only for those shown.
pub async fn suggestions_for(
    db: &impl ConnectionTrait,
    reports: &[routed_report::Model],
) -> Result<HashMap<Uuid, Vec<Suggestion>>, DbErr> {
    let likeliest = likeliest_by_sketch(db, reports).await?;
    let wanted: HashSet<Uuid> = likeliest.iter().flat_map(|likely| likely.candidates.iter().copied()).collect();
    let texts = read_texts(db, wanted.into_iter().collect()).await?;
    let ranked = off_the_workers(move || ranked_by_words(likeliest, texts)).await?;
    let shown: HashSet<Uuid> = ranked.values().flatten().map(|(original, _)| *original).collect();
    let mut originals = read_reports(db, shown.into_iter().collect()).await?;
    // One may have been closed since its text was read: it is left out,
    // and its report shows one fewer.
    originals.retain(|_, original| Status::parse(&original.status).is_some_and(may_be_original));
    Ok(ranked
        .into_iter()
        .map(|(report_id, alike)| {
            let suggestions = alike
                .into_iter()
                .filter_map(|(id, likeness)| Some(Suggestion { original: originals.get(&id)?.clone(), likeness }))
                .collect();
            (report_id, suggestions)
        })
        .collect())
}

/// A report whose suggestions are asked for, and its likeliest earlier
/// neighbours by their sketches.
struct Likely {
    report_id: Uuid,
    search_text: String,
    sketch: Vec<u32>,
    candidates: Vec<Uuid>,
}

/// Each report's likeliest earlier neighbours by their sketches, at most
/// [`CANDIDATES`]; each neighbourhood's sketches are read once for all of
/// its reports.
async fn likeliest_by_sketch(
    db: &impl ConnectionTrait,
    reports: &[routed_report::Model],
) -> Result<Vec<Likely>, DbErr> {
    let since = window_start();
    let mut neighbourhoods: HashMap<(&str, &str), Vec<Likely>> = HashMap::new();
    for report in reports.iter().filter(|report| report.report_id > since) {
        let search_text = report.search_text.clone().unwrap_or_default();
        let sketch = match &report.likeness_sketch {
            Some(stored) => hashes_of(stored),
            None => hashes_of(&sketch(&search_text)),
        };
        if !sketch.is_empty() {
            let likely = Likely { report_id: report.report_id, search_text, sketch, candidates: Vec::new() };
            neighbourhoods.entry((&report.category, &report.region)).or_default().push(likely);
        }
    }
    let mut likeliest = Vec::with_capacity(reports.len());
    for ((category, region), asking) in neighbourhoods {
        let Some(latest) = asking.iter().map(|likely| likely.report_id).max() else { continue };
        let neighbours = sketches(db, category, region, since, latest).await?;
        likeliest.extend(off_the_workers(move || compared(&neighbours, asking)).await?);
    }
    Ok(likeliest)
}

/// Each asking report with its likeliest neighbours filed before it, by
/// their sketches: at most [`CANDIDATES`], those that look at least
/// [`LOOKS_ALIKE`].
fn compared(neighbours: &[(Uuid, Vec<u32>)], mut asking: Vec<Likely>) -> Vec<Likely> {
    let own: Vec<&[u32]> = asking.iter().map(|likely| likely.sketch.as_slice()).collect();
    let theirs: Vec<&[u32]> = neighbours.iter().map(|(_, sketch)| sketch.as_slice()).collect();
    let mut looked: Vec<Vec<(f64, Uuid)>> = vec![Vec::new(); asking.len()];
    estimates(
        &own,
        &theirs,
        |a, n| neighbours[n].0 < asking[a].report_id,
        |a, n, estimate| {
            if estimate >= LOOKS_ALIKE {
                looked[a].push((estimate, neighbours[n].0));
            }
        },
    );
    let likeliest_first = |a: &(f64, Uuid), b: &(f64, Uuid)| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1));
    for (likely, mut looked) in asking.iter_mut().zip(looked) {
        if looked.len() > CANDIDATES {
            looked.select_nth_unstable_by(CANDIDATES, likeliest_first);
            looked.truncate(CANDIDATES);
        }
        likely.candidates = looked.into_iter().map(|(_, id)| id).collect();
    }
    asking
}

/// The originals among each report's likeliest, by id, with how alike
/// they are: those still being handled and alike enough by their words,
/// most alike first. Each candidate's trigrams are formed once, whichever
/// reports it is likely for.
fn ranked_by_words(likeliest: Vec<Likely>, texts: Vec<CandidateText>) -> HashMap<Uuid, Vec<(Uuid, f64)>> {
    let trigrams: HashMap<Uuid, Trigrams> = texts
        .into_iter()
        .filter(|(_, status, _)| Status::parse(status).is_some_and(may_be_original))
        .map(|(id, _, text)| (id, Trigrams::of(text.as_deref().unwrap_or_default())))
        .collect();
    let mut found = HashMap::with_capacity(likeliest.len());
    for likely in likeliest {
        let own = Trigrams::of(&likely.search_text);
        let mut alike: Vec<(Uuid, f64)> = likely
            .candidates
            .iter()
            .filter_map(|id| Some((*id, likeness(&own, trigrams.get(id)?))))
            .filter(|(_, likeness)| *likeness >= LIKENESS)
            .collect();
        alike.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        alike.truncate(SHOWN);
        found.insert(likely.report_id, alike);
    }
    found
}

/// Runs comparisons off the async workers: a busy neighbourhood's take
/// milliseconds, which would hold up every other request on the worker.
async fn off_the_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, DbErr> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|failed| DbErr::Custom(format!("comparing reports for possible duplicates failed: {failed}")))
}

/// The sketches of a neighbourhood's reports that may be originals, filed
/// in the window before `before`, from the neighbourhood's index.
async fn sketches(
    db: &impl ConnectionTrait,
    category: &str,
    region: &str,
    since: Uuid,
    before: Uuid,
) -> Result<Vec<(Uuid, Vec<u32>)>, DbErr> {
    let rows: Vec<(Uuid, Option<Vec<u8>>, Option<String>)> =
        neighbours(db.get_database_backend(), category, region, since, before).into_tuple().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, stored, text)| {
            let stored = stored.unwrap_or_else(|| sketch(text.as_deref().unwrap_or_default()));
            (id, hashes_of(&stored))
        })
        .collect())
}

/// The statement a neighbourhood's sketches are read by on `backend`: the
/// id, sketch and (for a report without a sketch) text of its reports that
/// may be originals, filed from `since` to before `before`.
pub fn neighbours(
    backend: DbBackend,
    category: &str,
    region: &str,
    since: Uuid,
    before: Uuid,
) -> Select<routed_report::Entity> {
    use routed_report::Column::{Category, LikenessSketch, Region, ReportId, Status as StatusColumn};
    let not_original: Vec<&str> =
        Status::ALL.into_iter().filter(|status| !may_be_original(*status)).map(|status| status.as_str()).collect();
    let read = routed_report::Entity::find()
        .select_only()
        .column(ReportId)
        .column(LikenessSketch)
        // The text only of a report without a sketch (one written by an
        // older version while this one was rolled out), to sketch it here.
        .expr(Expr::cust("CASE WHEN likeness_sketch IS NULL THEN search_text END"))
        .filter(Category.eq(category))
        .filter(Region.eq(region))
        .filter(ReportId.gte(since))
        .filter(StatusColumn.is_not_in(not_original));
    match backend {
        // PostgreSQL estimates `report_id >= since AND report_id < before`
        // from one guess for each bound, which cancel out when both fall in
        // one bucket of its statistics (a report waiting since early in the
        // window): it guessed one row and read every report in the country
        // filed between the two through the primary key, thousands of rows
        // for each neighbourhood (PERFORMANCE.md, "The queue's plan"). The
        // lower bound stays plain: the scan starts from it, and alone it is
        // estimated well (the window's share of the table). The upper bound
        // is on (region, report id), which the primary key cannot serve and
        // the neighbourhood's index checks in its entries: the scan ends
        // with the region, and the rows filed after `before` are never
        // fetched. Not on (category, region, report id): before PostgreSQL
        // 18 a row comparison ends a scan by its first column only, so the
        // scan would run on to the end of the category.
        DbBackend::Postgres => read.filter(
            Expr::tuple([Expr::col(Region), Expr::col(ReportId)])
                .lt(Expr::tuple([Expr::val(region), Expr::val(before)])),
        ),
        // SQLite (the other backend the services run on) seeks the index to
        // both bounds only when they are plain.
        _ => read.filter(ReportId.lt(before)),
    }
}

/// A candidate as its words are read: id, status and search text.
type CandidateText = (Uuid, String, Option<String>);

/// The texts of the candidates by id, and their status to tell whether
/// they may still be originals.
async fn read_texts(db: &impl ConnectionTrait, ids: Vec<Uuid>) -> Result<Vec<CandidateText>, DbErr> {
    by_ids(ids, |chunk| {
        routed_report::Entity::find()
            .select_only()
            .column(routed_report::Column::ReportId)
            .column(routed_report::Column::Status)
            .column(routed_report::Column::SearchText)
            .filter(routed_report::Column::ReportId.is_in(chunk))
            .into_tuple()
            .all(db)
    })
    .await
}

/// Whole reports by id.
async fn read_reports(db: &impl ConnectionTrait, ids: Vec<Uuid>) -> Result<HashMap<Uuid, routed_report::Model>, DbErr> {
    let rows =
        by_ids(ids, |chunk| routed_report::Entity::find().filter(routed_report::Column::ReportId.is_in(chunk)).all(db))
            .await?;
    Ok(rows.into_iter().map(|row| (row.report_id, row)).collect())
}

/// Rows read by id, a statement per [`READ_AT_A_TIME`] ids.
async fn by_ids<T, Read>(ids: Vec<Uuid>, read: impl Fn(Vec<Uuid>) -> Read) -> Result<Vec<T>, DbErr>
where
    Read: Future<Output = Result<Vec<T>, DbErr>>,
{
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(READ_AT_A_TIME) {
        rows.extend(read(chunk.to_vec()).await?);
    }
    Ok(rows)
}

/// The neighbourhood's index the sketches are read by.
pub async fn create_index(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_unprepared(
        "CREATE INDEX IF NOT EXISTS routed_report_neighbours ON routed_report (category, region, report_id)",
    )
    .await?;
    Ok(())
}

/// Drops the text indexes suggestions were once found by (a `pg_trgm` index
/// on PostgreSQL; an FTS5 table and its triggers on SQLite): sketches
/// replaced them, and every new report would still pay to keep them.
pub async fn drop_text_indexes(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let statements: &[&str] = match db.get_database_backend() {
        DbBackend::Postgres => &["DROP INDEX IF EXISTS routed_report_search_text_trgm"],
        _ => &[
            "DROP TRIGGER IF EXISTS routed_report_text_insert",
            "DROP TRIGGER IF EXISTS routed_report_text_update",
            "DROP TRIGGER IF EXISTS routed_report_text_delete",
            "DROP TABLE IF EXISTS routed_report_text",
        ],
    };
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

/// Gives the reports in the window that were routed before sketches their
/// sketch (and their text, if they had none), a transaction per batch so
/// that routing goes on meanwhile. Older ones are never compared again.
pub async fn backfill(db: &(impl ConnectionTrait + TransactionTrait)) -> Result<(), DbErr> {
    use aduan_platform::proto::Message as _;
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set, TransactionSession as _};
    let since = window_start();
    loop {
        let transaction = db.begin().await?;
        let unsketched = routed_report::Entity::find()
            .filter(routed_report::Column::LikenessSketch.is_null())
            .filter(routed_report::Column::ReportId.gte(since))
            .limit(BACKFILLED_AT_A_TIME)
            .all(&transaction)
            .await?;
        if unsketched.is_empty() {
            return transaction.commit().await;
        }
        for routed in unsketched {
            let (text, untexted) = match &routed.search_text {
                Some(text) => (text.clone(), false),
                // Sketched even when the content cannot be read: the loop ends.
                None => (
                    ReportContent::decode(routed.content.as_slice())
                        .map(|content| search_text(&content))
                        .unwrap_or_default(),
                    true,
                ),
            };
            let mut active = routed.into_active_model();
            active.likeness_sketch = Set(Some(sketch(&text)));
            if untexted {
                active.search_text = Set(Some(text));
            }
            active.update(&transaction).await?;
        }
        transaction.commit().await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_starts_at_the_first_id_of_its_millisecond() {
        let at = chrono::Utc::now();
        let first = first_id_since(at);
        let later = Uuid::now_v7();
        assert!(first <= later);
        assert!(first_id_since(at + chrono::Duration::days(1)) > later);
        assert!(first_id_since(at - chrono::Duration::days(1)) < first);
    }
}
