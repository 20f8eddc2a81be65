//! A report waiting for a verifier comes with the earlier reports it may
//! duplicate, over every report, not only the queue's page (found by the
//! sketches of their trigrams, on PostgreSQL and SQLite alike), and is
//! merged in one step.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::citizen::{self, FiledReport};
use aduan_e2e::dev::DevProcess;
use aduan_e2e::staff::verifier_step;
use aduan_e2e::{ServiceName, eventually, start_cluster};
use serde_json::{Value, json};

fn report(region: &str, title: &str, description: &str) -> Value {
    json!({ "category": "other", "region": region, "title": title, "description": description, "privacy": "public" })
}

async fn queued(client: &reqwest::Client, routing: &str, report: &FiledReport) -> Option<Value> {
    let url = format!("{routing}/api/v1/verification-queue?region=31.71&limit=100");
    let page: Value = aduan_e2e::staff::get(client, &url).await.json().await.ok()?;
    aduan_e2e::items(page).into_iter().find(|entry| entry["tracking_code"] == report.tracking_code.as_str())
}

fn suggested_codes(entry: &Value) -> Vec<String> {
    entry["similar"]
        .as_array()
        .unwrap()
        .iter()
        .map(|similar| similar["tracking_code"].as_str().unwrap().to_owned())
        .collect()
}

async fn suggests_and_merges(intake: &str, routing: &str) {
    let client = reqwest::Client::new();
    let first = citizen::file(
        &client,
        intake,
        &report(
            "31.71",
            "Jalan berlubang besar di depan Pasar Kemang",
            "Lubang besar di Jalan Kemang Raya nomor 8, depan pasar.",
        ),
    )
    .await;
    let unrelated = citizen::file(
        &client,
        intake,
        &report("31.71", "Lampu taman mati sejak seminggu", "Semua lampu di taman kota padam setiap malam."),
    )
    .await;
    let elsewhere = citizen::file(
        &client,
        intake,
        &report(
            "31.73",
            "Jalan berlubang besar di depan Pasar Kemang",
            "Lubang besar di Jalan Kemang Raya nomor 8, depan pasar.",
        ),
    )
    .await;
    let second = citizen::file(
        &client,
        intake,
        &report(
            "31.71",
            "Lubang besar depan Pasar Kemang",
            "Ada jalan berlubang besar di Jalan Kemang Raya nomor 8 depan pasar.",
        ),
    )
    .await;

    let entry =
        eventually(Duration::from_secs(30), "the second report in the queue", || queued(&client, routing, &second))
            .await;
    assert_eq!(suggested_codes(&entry), std::slice::from_ref(&first.tracking_code), "{entry}");
    let likeness = entry["similar"][0]["likeness"].as_f64().unwrap();
    assert!((0.3..=1.0).contains(&likeness), "{likeness}");
    // Nothing alike came before the first; the lamp is another matter; the
    // same words in another region are another street.
    let first_entry =
        eventually(Duration::from_secs(30), "the first report in the queue", || queued(&client, routing, &first)).await;
    assert!(suggested_codes(&first_entry).is_empty(), "{first_entry}");
    let lamp =
        eventually(Duration::from_secs(30), "the lamp in the queue", || queued(&client, routing, &unrelated)).await;
    assert!(suggested_codes(&lamp).is_empty(), "{lamp}");
    let page: Value = aduan_e2e::staff::get(&client, &format!("{routing}/api/v1/verification-queue?region=31.73"))
        .await
        .json()
        .await
        .unwrap();
    let far = aduan_e2e::items(page)
        .into_iter()
        .find(|entry| entry["tracking_code"] == elsewhere.tracking_code.as_str())
        .unwrap();
    assert!(suggested_codes(&far).is_empty(), "{far}");

    // Merged into the suggestion in one step: it leaves the queue.
    let (second_id, original) = (entry["report_id"].as_str().unwrap(), entry["similar"][0]["report_id"].clone());
    let (status, body) =
        verifier_step(&client, routing, second_id, "merger", json!({ "into_report_id": original })).await;
    assert_eq!(status, 200, "{body}");
    assert!(queued(&client, routing, &second).await.is_none());
    citizen::wait_for_status(&client, intake, &second, "merged").await;

    // Filters: nothing has waited a day yet.
    let page: Value = aduan_e2e::staff::get(&client, &format!("{routing}/api/v1/verification-queue?waiting_days=1"))
        .await
        .json()
        .await
        .unwrap();
    assert!(aduan_e2e::items(page).is_empty());
    let refused =
        aduan_e2e::staff::get(&client, &format!("{routing}/api/v1/verification-queue?waiting_days=9999")).await;
    assert_eq!(refused.status(), 422);
}

#[tokio::test(flavor = "multi_thread")]
async fn on_postgresql_the_queue_suggests_earlier_alike_reports_to_merge() {
    let cluster = start_cluster().await;
    suggests_and_merges(&cluster.base_url(ServiceName::Intake), &cluster.base_url(ServiceName::Routing)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_sqlite_the_queue_suggests_earlier_alike_reports_to_merge() {
    let dev = DevProcess::start().await;
    suggests_and_merges(&dev.base_url(), &dev.base_url()).await;
}

/// A report waiting for a verifier in the roads of Jakarta Selatan, sketched.
fn waiting(n: usize, title: &str, description: &str) -> aduan_routing::routed_report::ActiveModel {
    use aduan_platform::proto::{self, Message as _};
    use aduan_routing::{routed_report, similar};
    use sea_orm::Set;
    let content = proto::ReportContent {
        category: "roads".into(),
        region: "31.71".into(),
        title: title.into(),
        description: description.into(),
        tracking_code: format!("ADU-TEST-{n:04}"),
        ..proto::ReportContent::default()
    };
    let text = similar::search_text(&content);
    routed_report::ActiveModel {
        report_id: Set(uuid::Uuid::now_v7()),
        category: Set("roads".into()),
        region: Set("31.71".into()),
        likeness_sketch: Set(Some(similar::sketch(&text))),
        search_text: Set(Some(text)),
        content: Set(content.encode_to_vec()),
        status: Set("submitted".into()),
        institution_id: Set("sp4n-verifier".into()),
        matched_by: Set("national_verifier".into()),
        returned_by: Set("[]".into()),
        returns: Set(0),
        routed_at: Set(chrono::Utc::now()),
        escalated_to_verifier_at: Set(None),
        escalation_reason: Set(None),
        case_sequence: Set(0),
        verification_clock: Set(None),
        verification_overdue_at: Set(None),
    }
}

/// A busy neighbourhood: the sketches find the alike one among hundreds,
/// on either database, for one report and for a page of them, including an
/// original routed before there were sketches; a closed alike report is not
/// offered.
async fn the_sketches_find_the_original_in_a_busy_neighbourhood(db: &sea_orm::DatabaseConnection) {
    use aduan_routing::{routed_report, similar};
    use sea_orm::{EntityTrait, Set};
    let bridge = "Retakan panjang di lantai jembatan Cikapundung dekat taman.";
    let mut closed = waiting(1, "Jembatan Cikapundung retak", bridge);
    closed.status = Set("closed".into());
    routed_report::Entity::insert(closed).exec(db).await.unwrap();
    // Routed before there were sketches: neither text nor sketch yet.
    let mut original = waiting(0, "Jembatan Cikapundung retak", bridge);
    (original.search_text, original.likeness_sketch) = (Set(None), Set(None));
    let original_id = original.report_id.clone().unwrap();
    routed_report::Entity::insert(original).exec(db).await.unwrap();
    let streets = ["Sudirman", "Thamrin", "Gatot Subroto", "Rasuna Said", "Kuningan", "Senayan"];
    let others: Vec<routed_report::ActiveModel> = (2..=400)
        .map(|n| {
            let street = streets[n % streets.len()];
            waiting(
                n,
                &format!("Lampu jalan {street} padam {n}"),
                &format!("Lampu penerangan jalan di {street} nomor {n} mati sejak minggu lalu."),
            )
        })
        .collect();
    for chunk in others.chunks(100) {
        routed_report::Entity::insert_many(chunk.to_vec()).exec(db).await.unwrap();
    }
    let later =
        waiting(999, "Retak di jembatan Cikapundung", "Lantai jembatan Cikapundung retak panjang, dekat taman kota.");
    let lamp = waiting(
        998,
        "Lampu jalan Thamrin padam 7",
        "Lampu penerangan jalan di Thamrin nomor 7 mati sejak minggu lalu.",
    );
    let (later_id, lamp_id) = (later.report_id.clone().unwrap(), lamp.report_id.clone().unwrap());
    routed_report::Entity::insert_many([later, lamp]).exec(db).await.unwrap();
    similar::backfill(db).await.unwrap();

    let report = routed_report::Entity::find_by_id(later_id).one(db).await.unwrap().unwrap();
    let found = similar::suggestions(db, &report).await.unwrap();
    let ids: Vec<_> = found.iter().map(|suggestion| suggestion.original.report_id).collect();
    assert_eq!(ids, [original_id], "{:?}", found.iter().map(|s| s.likeness).collect::<Vec<_>>());
    assert!(found[0].likeness >= similar::LIKENESS);

    // A page: each report gets its own, the lamp the lamps before it, and
    // so do other lamps of the page, as they get them one at a time (a
    // page's reports of a neighbourhood are compared with it together).
    let lamp = routed_report::Entity::find_by_id(lamp_id).one(db).await.unwrap().unwrap();
    let mut on_the_page = vec![report, lamp];
    for other in &others[others.len() - 3..] {
        let id = other.report_id.clone().unwrap();
        on_the_page.push(routed_report::Entity::find_by_id(id).one(db).await.unwrap().unwrap());
    }
    let page = similar::suggestions_for(db, &on_the_page).await.unwrap();
    for other in &on_the_page[2..] {
        let alone = similar::suggestions(db, other).await.unwrap();
        let found = |suggestions: &[similar::Suggestion]| {
            suggestions
                .iter()
                .map(|suggestion| (suggestion.original.report_id, suggestion.likeness))
                .collect::<Vec<_>>()
        };
        assert_eq!(found(&page[&other.report_id]), found(&alone));
        assert_eq!(alone.len(), similar::SHOWN);
    }
    let ids: Vec<_> = page[&later_id].iter().map(|suggestion| suggestion.original.report_id).collect();
    assert_eq!(ids, [original_id]);
    let lamps = &page[&lamp_id];
    assert_eq!(lamps.len(), similar::SHOWN, "{lamps:?}");
    assert!(lamps.iter().all(|suggestion| suggestion.original.search_text.as_deref().unwrap().contains("thamrin")));
    assert!(lamps.windows(2).all(|pair| pair[0].likeness >= pair[1].likeness));
}

#[tokio::test(flavor = "multi_thread")]
async fn on_postgresql_the_sketches_find_the_original_among_hundreds() {
    let fresh = aduan_e2e::FreshDatabase::create(aduan::services::ServiceName::Routing).await;
    the_sketches_find_the_original_in_a_busy_neighbourhood(&fresh.db).await;
    fresh.drop_it().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_sqlite_the_sketches_find_the_original_among_hundreds() {
    let file = std::env::temp_dir().join(format!("aduan-similar-{}.sqlite", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let db = aduan_platform::database::connect(&url, Default::default()).await.unwrap();
    aduan::services::migrate(aduan::services::ServiceName::Routing, &db).await.unwrap();
    the_sketches_find_the_original_in_a_busy_neighbourhood(&db).await;
    db.close().await.unwrap();
    std::fs::remove_file(&file).ok();
}

/// An installation from before sketches: the text index it kept (a
/// `pg_trgm` index, or an FTS5 table kept by triggers) is dropped, and the
/// reports in the window get their sketches, so they are suggested.
async fn an_installation_from_before_sketches_is_brought_over(db: &sea_orm::DatabaseConnection, legacy: &[&str]) {
    use aduan_routing::{Migrator, routed_report, similar};
    use sea_orm::{ConnectionTrait, EntityTrait, Set, Statement};
    use sea_orm_migration::MigratorTrait;
    // Up to the migration that brought sketches, not including it.
    let before = Migrator::migrations()
        .iter()
        .position(|migration| migration.name() == "m20261201_000001_routing_likeness_sketches")
        .unwrap();
    Migrator::up(db, Some(u32::try_from(before).unwrap())).await.unwrap();
    for statement in legacy {
        db.execute_unprepared(statement).await.unwrap();
    }
    // As routed before sketches: a text, no sketch.
    let unsketched = |n: usize, description: &str| {
        let mut report = waiting(n, "Jembatan Cikapundung retak", description);
        report.likeness_sketch = Set(None);
        report
    };
    let original = unsketched(1, "Retakan panjang di lantai jembatan dekat taman.");
    let later = unsketched(2, "Lantai jembatan retak panjang, dekat taman kota.");
    let (original_id, later_id) = (original.report_id.clone().unwrap(), later.report_id.clone().unwrap());
    routed_report::Entity::insert_many([original, later]).exec(db).await.unwrap();

    Migrator::up(db, None).await.unwrap();
    let backend = db.get_database_backend();
    let left = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT count(*) AS n FROM pg_indexes WHERE indexname = 'routed_report_search_text_trgm'"
        }
        _ => "SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'routed_report_text%'",
    };
    let row = db.query_one_raw(Statement::from_string(backend, left)).await.unwrap().unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 0, "the text index is left");
    let later = routed_report::Entity::find_by_id(later_id).one(db).await.unwrap().unwrap();
    assert!(later.likeness_sketch.as_ref().is_some_and(|sketch| !sketch.is_empty()));
    let ids: Vec<_> = similar::suggestions(db, &later)
        .await
        .unwrap()
        .iter()
        .map(|suggestion| suggestion.original.report_id)
        .collect();
    assert_eq!(ids, [original_id]);

    // Written without a sketch by an older version still running while
    // this one is rolled out: still suggested.
    let straggler = unsketched(3, "Retakan panjang di lantai jembatan dekat taman kota.");
    let straggler_id = straggler.report_id.clone().unwrap();
    routed_report::Entity::insert(straggler).exec(db).await.unwrap();
    let newest = waiting(4, "Jembatan Cikapundung retak", "Lantai jembatan retak panjang dekat taman kota.");
    let newest_id = newest.report_id.clone().unwrap();
    routed_report::Entity::insert(newest).exec(db).await.unwrap();
    let newest = routed_report::Entity::find_by_id(newest_id).one(db).await.unwrap().unwrap();
    let ids: Vec<_> = similar::suggestions(db, &newest)
        .await
        .unwrap()
        .iter()
        .map(|suggestion| suggestion.original.report_id)
        .collect();
    assert!(ids.contains(&straggler_id), "{ids:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn on_postgresql_an_installation_from_before_sketches_is_brought_over() {
    let fresh = aduan_e2e::FreshDatabase::create_empty(aduan::services::ServiceName::Routing).await;
    let legacy = [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX routed_report_search_text_trgm ON routed_report USING gin (search_text gin_trgm_ops)",
    ];
    an_installation_from_before_sketches_is_brought_over(&fresh.db, &legacy).await;
    fresh.drop_it().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_sqlite_an_installation_from_before_sketches_is_brought_over() {
    let file = std::env::temp_dir().join(format!("aduan-sketches-{}.sqlite", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let db = aduan_platform::database::connect(&url, Default::default()).await.unwrap();
    let legacy = [
        "CREATE VIRTUAL TABLE routed_report_text USING fts5(report_id UNINDEXED, search_text, tokenize = 'trigram')",
        "CREATE TRIGGER routed_report_text_insert AFTER INSERT ON routed_report WHEN new.search_text IS NOT NULL \
         BEGIN INSERT INTO routed_report_text (report_id, search_text) VALUES (new.report_id, new.search_text); END",
        "CREATE TRIGGER routed_report_text_update AFTER UPDATE OF search_text ON routed_report BEGIN \
         DELETE FROM routed_report_text WHERE report_id = old.report_id; \
         INSERT INTO routed_report_text (report_id, search_text) \
         SELECT new.report_id, new.search_text WHERE new.search_text IS NOT NULL; END",
        "CREATE TRIGGER routed_report_text_delete AFTER DELETE ON routed_report BEGIN \
         DELETE FROM routed_report_text WHERE report_id = old.report_id; END",
    ];
    an_installation_from_before_sketches_is_brought_over(&db, &legacy).await;
    db.close().await.unwrap();
    std::fs::remove_file(&file).ok();
}

/// At the size of years, a neighbourhood's sketches are read by the
/// neighbourhood's index, however long its report has waited: for a report
/// waiting since early in the window, PostgreSQL once guessed the window
/// before it to hold no report at all, both of its ends falling in one of
/// the statistics' buckets, and read every report in the country filed in
/// it through the primary key instead.
#[tokio::test(flavor = "multi_thread")]
async fn on_postgresql_a_neighbourhood_is_read_by_its_index_however_long_its_report_waited() {
    use aduan_routing::similar;
    use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, Statement};
    let fresh = aduan_e2e::FreshDatabase::create(aduan::services::ServiceName::Routing).await;
    // Ten years of reports in 200 regions, one every 5,256 s, so that each
    // of the statistics' hundred buckets holds more than the window, and
    // the window before the neighbourhood's first report in it mostly lies
    // within one bucket, which is what misled the planner (the old bounds
    // failed here five runs in five); ids are UUIDv7s, their first 48 bits
    // the milliseconds they were filed.
    fresh
        .db
        .execute_unprepared(
            "INSERT INTO routed_report (report_id, category, region, content, status, institution_id, \
             matched_by, returned_by, returns, routed_at, case_sequence, likeness_sketch) \
             SELECT (lpad(to_hex(floor(extract(epoch FROM filed) * 1000)::bigint), 12, '0') || '7000' \
                     || lpad(to_hex(n), 16, '0'))::uuid, \
                    'roads', '31.' || (n % 200), ''::bytea, 'submitted', 'sp4n-verifier', \
                    'national_verifier', '[]', 0, filed, 0, ''::bytea \
             FROM (SELECT n, now() - interval '3650 days' + n * interval '5256 seconds' AS filed \
                   FROM generate_series(1, 60000) AS n) AS reports; \
             ANALYZE routed_report",
        )
        .await
        .unwrap();
    // The neighbourhood's first report in the window, still waiting.
    let since = similar::window_start();
    let early = fresh
        .db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT report_id FROM routed_report WHERE region = '31.7' AND report_id >= $1 ORDER BY report_id LIMIT 1",
            [since.into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<uuid::Uuid>(0)
        .unwrap();
    let read = similar::neighbours(DbBackend::Postgres, "roads", "31.7", since, early).build(DbBackend::Postgres);
    let explain =
        Statement::from_sql_and_values(DbBackend::Postgres, format!("EXPLAIN {}", read.sql), read.values.unwrap());
    let plan = fresh.db.query_all_raw(explain).await.unwrap();
    let plan: Vec<String> = plan.iter().map(|row| row.try_get_by_index::<String>(0).unwrap()).collect();
    assert!(plan.iter().any(|line| line.contains("routed_report_neighbours")), "{plan:#?}");
    assert!(!plan.iter().any(|line| line.contains("routed_report_pkey")), "{plan:#?}");
    // Both bounds are the index's conditions: the scan is positioned at the
    // window's start, and the upper bound is checked in the index's entries
    // rather than on rows fetched from the table.
    let index_conditions: Vec<&String> = plan.iter().filter(|line| line.contains("Index Cond")).collect();
    assert!(index_conditions.iter().any(|line| line.contains("report_id >=")), "{plan:#?}");
    assert!(index_conditions.iter().any(|line| line.contains("ROW((region)::text, report_id) <")), "{plan:#?}");
    assert!(!plan.iter().any(|line| line.contains("Filter") && line.contains("report_id")), "{plan:#?}");
    fresh.drop_it().await;
}
