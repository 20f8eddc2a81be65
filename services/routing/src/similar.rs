//! Possible duplicates of a waiting report: earlier reports, still being
//! handled, in the same category and region, filed within a window, whose
//! words are alike. Likeness is `pg_trgm`'s (shared trigrams over all of
//! them), computed here, so both databases suggest the same reports.
//!
//! Every report keeps a sketch of its trigrams: the smallest [`SKETCHED`] of
//! their hashes, a few hundred bytes whatever its length. Two sketches
//! estimate the likeness of two reports in a few hundred steps (a bottom-k
//! sketch: the smallest hashes of a union are an even sample of it, and
//! each sketch tells which of them its report holds), exactly when the two
//! together hold no more trigrams than a sketch keeps. A neighbourhood's
//! sketches are read in one query; the likeliest are ranked exactly by their
//! words.
//!
//! There is no text index: at ten million reports a trigram index read a
//! posting list across every report for each of a paragraph's trigrams, or
//! recomputed the likeness of every neighbour from its text, and a busy
//! neighbourhood's report took a second (PERFORMANCE.md).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::future::Future;

use aduan_platform::proto::ReportContent;
use aduan_procedure::Status;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use crate::routed_report;

/// How far back a duplicate's original may have been filed.
pub const WINDOW_DAYS: i64 = 30;
/// How alike two reports' words must be (`pg_trgm`'s own default threshold).
pub const LIKENESS: f64 = 0.3;
/// How many suggestions a report gets.
pub const SHOWN: usize = 3;
/// How many trigram hashes a sketch keeps. The estimate's standard error
/// at the threshold is about 0.04; texts of fewer trigrams are kept whole.
pub const SKETCHED: usize = 128;
/// How alike a sketch must look for its report to be ranked by its words:
/// nearly four standard errors below [`LIKENESS`], so that a report truly at
/// it is all but never missed.
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

/// A text's words, lower-cased; borrowed when they already are, as a
/// search text's are.
fn words(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    let unchanged_by_lowering = |word: &str| {
        word.chars().all(|c| {
            let mut lowered = c.to_lowercase();
            lowered.next() == Some(c) && lowered.next().is_none()
        })
    };
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).map(move |word| {
        if unchanged_by_lowering(word) { Cow::Borrowed(word) } else { Cow::Owned(word.to_lowercase()) }
    })
}

/// Gives each of a text's trigrams, as `pg_trgm` forms them, to `each`: each
/// word lower-cased, with two spaces before it and one after; repeated as
/// often as they occur. A window of three slides along the padded word, so
/// nothing is allocated for a word already lower-case.
fn for_each_trigram(text: &str, mut each: impl FnMut([char; 3])) {
    for word in words(text) {
        let mut window = [' '; 3];
        for next in word.chars().chain([' ']) {
            window = [window[1], window[2], next];
            each(window);
        }
    }
}

/// A text's trigrams, each once, three characters of 21 bits packed in a
/// `u64` and sorted: two texts are compared by one merge of two lists.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Trigrams(Vec<u64>);

impl Trigrams {
    /// The trigrams of `text`.
    fn of(text: &str) -> Self {
        let mut packed = Vec::with_capacity(text.len() + 2);
        for_each_trigram(text, |[a, b, c]| packed.push(u64::from(a) << 42 | u64::from(b) << 21 | u64::from(c)));
        packed.sort_unstable();
        packed.dedup();
        Self(packed)
    }
}

/// How many values two ascending lists share. The merge steps on by
/// comparisons, not branches: hashes and trigrams come in no order a branch
/// predictor could learn.
fn shared<T: Ord + Copy>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        shared += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    shared
}

/// How alike two texts are: shared trigrams over all of them (`pg_trgm`'s
/// `similarity`).
fn likeness(a: &Trigrams, b: &Trigrams) -> f64 {
    let both = shared(&a.0, &b.0);
    let union = a.0.len() + b.0.len() - both;
    if union == 0 { 0.0 } else { both as f64 / union as f64 }
}

/// A trigram's hash: FNV-1a over its UTF-8, then MurmurHash3's finaliser, so
/// that the smallest hashes are an even sample of the trigrams. Sketches are
/// stored: a change here must compute every report's sketch again.
fn trigram_hash(trigram: &[char; 3]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    let mut utf8 = [0_u8; 4];
    for character in trigram {
        for byte in character.encode_utf8(&mut utf8).bytes() {
            hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
        }
    }
    hash ^= hash >> 16;
    hash = hash.wrapping_mul(0x85eb_ca6b);
    hash ^= hash >> 13;
    hash = hash.wrapping_mul(0xc2b2_ae35);
    hash ^ (hash >> 16)
}

/// A text's sketch as stored: the smallest [`SKETCHED`] hashes of its
/// trigrams, ascending, four bytes each, big-endian.
pub fn sketch(text: &str) -> Vec<u8> {
    let mut hashes = Vec::with_capacity(text.len() + 2);
    for_each_trigram(text, |trigram| hashes.push(trigram_hash(&trigram)));
    hashes.sort_unstable();
    hashes.dedup();
    hashes.truncate(SKETCHED);
    hashes.into_iter().flat_map(u32::to_be_bytes).collect()
}

fn sketch_hashes(stored: &[u8]) -> Vec<u32> {
    stored.chunks_exact(4).map(|four| u32::from_be_bytes([four[0], four[1], four[2], four[3]])).collect()
}

/// The likeness two sketches estimate: of the smallest [`SKETCHED`] hashes
/// of both reports' trigrams together, the share both hold. A hash among
/// those that a report holds is among its own smallest, so its sketch tells.
fn estimated_likeness(a: &[u32], b: &[u32]) -> f64 {
    let (mut i, mut j, mut taken, mut shared) = (0, 0, 0_usize, 0_usize);
    // Stepped on by comparisons, not branches, as `shared` is: this runs
    // for every neighbour of every report on a page.
    while taken < SKETCHED && i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        shared += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
        taken += 1;
    }
    // Once one sketch is passed, the other's hashes left are held by it alone.
    taken += (SKETCHED - taken).min(a.len() - i + b.len() - j);
    if taken == 0 { 0.0 } else { shared as f64 / taken as f64 }
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
fn window_start() -> Uuid {
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
/// candidates' words are read alone; whole reports only for those shown.
pub async fn suggestions_for(
    db: &impl ConnectionTrait,
    reports: &[routed_report::Model],
) -> Result<HashMap<Uuid, Vec<Suggestion>>, DbErr> {
    let likeliest = likeliest_by_sketch(db, reports).await?;
    let wanted: HashSet<Uuid> = likeliest.iter().flat_map(|likely| likely.candidates.iter().copied()).collect();
    let words = read_words(db, wanted.into_iter().collect()).await?;
    let ranked = off_the_workers(move || ranked_by_words(likeliest, words)).await?;
    let shown: HashSet<Uuid> = ranked.values().flatten().map(|(original, _)| *original).collect();
    let originals = read_reports(db, shown.into_iter().collect()).await?;
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
            Some(stored) => sketch_hashes(stored),
            None => sketch_hashes(&sketch(&search_text)),
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
fn compared(neighbours: &[(Uuid, Vec<u32>)], asking: Vec<Likely>) -> Vec<Likely> {
    let likeliest_first = |a: &(f64, Uuid), b: &(f64, Uuid)| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1));
    asking
        .into_iter()
        .map(|mut likely| {
            let mut looked: Vec<(f64, Uuid)> = neighbours
                .iter()
                .filter(|(id, _)| *id < likely.report_id)
                .map(|(id, theirs)| (estimated_likeness(&likely.sketch, theirs), *id))
                .filter(|(estimate, _)| *estimate >= LOOKS_ALIKE)
                .collect();
            if looked.len() > CANDIDATES {
                looked.select_nth_unstable_by(CANDIDATES, likeliest_first);
                looked.truncate(CANDIDATES);
            }
            likely.candidates = looked.into_iter().map(|(_, id)| id).collect();
            likely
        })
        .collect()
}

/// The originals among each report's likeliest, by id, with how alike
/// they are: those still being handled and alike enough by their words,
/// most alike first. Each candidate's trigrams are formed once, whichever
/// reports it is likely for.
fn ranked_by_words(likeliest: Vec<Likely>, words: Vec<Words>) -> HashMap<Uuid, Vec<(Uuid, f64)>> {
    let trigrams: HashMap<Uuid, Trigrams> = words
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
    let not_original: Vec<&str> =
        Status::ALL.into_iter().filter(|status| !may_be_original(*status)).map(|status| status.as_str()).collect();
    // The text only of a report without a sketch (one written by an older
    // version while this one was rolled out), to sketch it here.
    let rows: Vec<(Uuid, Option<Vec<u8>>, Option<String>)> = routed_report::Entity::find()
        .select_only()
        .column(routed_report::Column::ReportId)
        .column(routed_report::Column::LikenessSketch)
        .expr(Expr::cust("CASE WHEN likeness_sketch IS NULL THEN search_text END"))
        .filter(routed_report::Column::Category.eq(category))
        .filter(routed_report::Column::Region.eq(region))
        .filter(routed_report::Column::ReportId.gte(since))
        .filter(routed_report::Column::ReportId.lt(before))
        .filter(routed_report::Column::Status.is_not_in(not_original))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, stored, text)| {
            let stored = stored.unwrap_or_else(|| sketch(text.as_deref().unwrap_or_default()));
            (id, sketch_hashes(&stored))
        })
        .collect())
}

/// A candidate's id, status and search text.
type Words = (Uuid, String, Option<String>);

/// The words of the candidates by id: their text, and their status to tell
/// whether they may still be originals.
async fn read_words(db: &impl ConnectionTrait, ids: Vec<Uuid>) -> Result<Vec<Words>, DbErr> {
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
    fn alike_reports_are_offered_and_different_ones_are_not() {
        let a = Trigrams::of("Jalan berlubang besar di depan nomor 12 Jalan Braga");
        let b = Trigrams::of("Lubang besar di Jalan Braga depan nomor 12");
        let c = Trigrams::of("Lampu jalan mati sejak seminggu");
        assert!(likeness(&a, &b) >= LIKENESS, "{}", likeness(&a, &b));
        assert!(likeness(&a, &c) < LIKENESS, "{}", likeness(&a, &c));
        assert_eq!(likeness(&a, &a), 1.0);
        assert_eq!(likeness(&Trigrams::of(""), &Trigrams::of("")), 0.0);
    }

    fn each_trigram(text: &str) -> Vec<[char; 3]> {
        let mut all = Vec::new();
        for_each_trigram(text, |trigram| all.push(trigram));
        all
    }

    /// Trigrams as they were formed when the first sketches were stored:
    /// each word lower-cased whole, padded, and cut in windows.
    fn padded_windows(text: &str) -> Vec<[char; 3]> {
        let words = text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty());
        words
            .flat_map(|word| {
                let padded: Vec<char> = format!("  {} ", word.to_lowercase()).chars().collect();
                padded.windows(3).map(|three| [three[0], three[1], three[2]]).collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn trigrams_are_formed_as_pg_trgm_forms_them() {
        // SELECT show_trgm('Cat'): {"  c"," ca","at ",cat}
        assert_eq!(each_trigram("Cat"), [[' ', ' ', 'c'], [' ', 'c', 'a'], ['c', 'a', 't'], ['a', 't', ' ']]);
        assert_eq!(each_trigram("a, b"), [[' ', ' ', 'a'], [' ', 'a', ' '], [' ', ' ', 'b'], [' ', 'b', ' ']]);
        // Words that lower-casing changes, one letter at a time or as a
        // whole (a final sigma), are formed as before.
        for text in ["Jalan BRAGA no. 12", "ΟΔΟΣ Αθηνάς", "İstanbul ǅemal", "jalan_rusak 3km ke-2", ""] {
            assert_eq!(each_trigram(text), padded_windows(text), "{text}");
        }
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

    fn hashes(text: &str) -> Vec<u32> {
        sketch_hashes(&sketch(text))
    }

    #[test]
    fn short_texts_are_sketched_whole_and_estimated_exactly() {
        let (a, b) =
            ("Jalan berlubang besar di depan nomor 12 Jalan Braga", "Lubang besar di Jalan Braga depan nomor 12");
        assert_eq!(hashes(a).len(), Trigrams::of(a).0.len());
        let exact = likeness(&Trigrams::of(a), &Trigrams::of(b));
        assert!((estimated_likeness(&hashes(a), &hashes(b)) - exact).abs() < 1e-9, "{exact}");
        assert_eq!(estimated_likeness(&hashes(a), &hashes(a)), 1.0);
        assert_eq!(estimated_likeness(&[], &[]), 0.0);
    }

    /// A text of `count` words of eight random-looking letters, the same
    /// words for the same numbers: texts share trigrams only as they share
    /// words.
    fn paragraph(first: u64, count: u64) -> String {
        let word = |n: u64| {
            let mut bits = n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            bits ^= bits >> 31;
            (0..8)
                .map(|_| {
                    let letter = char::from(b'a' + (bits % 26) as u8);
                    bits /= 26;
                    letter
                })
                .collect::<String>()
        };
        (first..first + count).map(word).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn long_texts_keep_their_smallest_hashes_and_estimate_near_the_truth() {
        let a = paragraph(0, 120);
        let stored = hashes(&a);
        assert_eq!(stored.len(), SKETCHED);
        assert!(stored.windows(2).all(|pair| pair[0] < pair[1]));
        let mut all: Vec<u32> = each_trigram(&a).iter().map(trigram_hash).collect();
        all.sort_unstable();
        all.dedup();
        assert!(all.len() > SKETCHED * 2, "{}", all.len());
        assert_eq!(stored, all[..SKETCHED]);
        // A third, a half and two thirds of their words shared: about 0.2,
        // 0.33 and 0.5 alike, around the threshold. The estimate's standard
        // error is about 0.04; the hash is fixed, so these never vary.
        for offset in [80_u64, 60, 40] {
            let b = paragraph(offset, 120);
            let exact = likeness(&Trigrams::of(&a), &Trigrams::of(&b));
            let estimate = estimated_likeness(&stored, &hashes(&b));
            assert!((estimate - exact).abs() < 0.12, "offset {offset}: exact {exact}, estimated {estimate}");
        }
        let unrelated = paragraph(5_000, 120);
        assert!(estimated_likeness(&stored, &hashes(&unrelated)) < LOOKS_ALIKE);
    }

    /// The estimate as it is defined: of the smallest [`SKETCHED`] hashes
    /// of both sketches together, the share both hold.
    fn share_among_the_smallest(a: &[u32], b: &[u32]) -> f64 {
        let mut both: Vec<u32> = a.iter().chain(b).copied().collect();
        both.sort_unstable();
        both.dedup();
        both.truncate(SKETCHED);
        let held = both.iter().filter(|hash| a.contains(hash) && b.contains(hash)).count();
        if both.is_empty() { 0.0 } else { held as f64 / both.len() as f64 }
    }

    #[test]
    fn the_estimate_is_the_share_held_by_both_among_the_smallest() {
        // Sketches whole and cut, of texts sharing none to all of their words.
        let texts: Vec<String> = [(0, 3), (1, 3), (0, 120), (40, 120), (60, 20), (100, 60), (5_000, 120)]
            .into_iter()
            .map(|(first, count)| paragraph(first, count))
            .collect();
        for a in &texts {
            for b in &texts {
                let (a, b) = (hashes(a), hashes(b));
                assert_eq!(estimated_likeness(&a, &b), share_among_the_smallest(&a, &b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn a_sketch_is_stored_as_it_always_was() {
        // Sketches are kept in the database: the hash must not drift.
        assert_eq!(sketch("Cat"), sketch("cat"));
        assert_eq!(hashes("cat"), [1_409_838_845, 1_777_262_737, 3_793_438_448, 4_028_485_276]);
    }
}
