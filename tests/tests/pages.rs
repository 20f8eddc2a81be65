//! The staff and citizen pages in a real browser: Debian's chromium driven by npm
//! `playwright-core` (tests/browser/journeys.mjs) through `aduan dev`, every
//! journey once with JavaScript and once without, axe-core on every page.
//! `scripts/test.sh` installs the npm packages; CI installs chromium.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::citizen::{self, FiledReport};
use aduan_e2e::dev::DevProcess;
use aduan_e2e::{eventually, get_items};
use serde_json::{Value, json};

fn other(title: &str, description: &str) -> Value {
    json!({ "category": "other", "region": "31.71", "title": title, "description": description, "privacy": "public" })
}

/// The report's id once it waits in the verification queue.
async fn queued(client: &reqwest::Client, base: &str, report: &FiledReport) -> String {
    eventually(Duration::from_secs(30), "the report in the verification queue", || async {
        get_items(client, &format!("{base}/api/v1/verification-queue?category=other"))
            .await
            .into_iter()
            .find(|item| item["tracking_code"] == report.tracking_code.as_str())
            .map(|item| item["report_id"].as_str().unwrap().to_owned())
    })
    .await
}

/// What one pass of the journeys works on: reports of its own.
async fn seed_pass(
    client: &reqwest::Client,
    base: &str,
    texts: [(&str, &str); 3],
    holiday: (&str, &str),
    rule: (&str, &str),
) -> Value {
    let earlier = citizen::file(client, base, &other(texts[0].0, texts[0].1)).await;
    let earlier_id = queued(client, base, &earlier).await;
    let later = citizen::file(client, base, &other(texts[1].0, texts[1].1)).await;
    let later_id = queued(client, base, &later).await;
    let lone = citizen::file(client, base, &other(texts[2].0, texts[2].1)).await;
    let lone_id = queued(client, base, &lone).await;
    let pothole = citizen::pothole_case(client, base, base).await;
    json!({
        "duplicate_earlier": earlier_id,
        "duplicate_later": later_id,
        "to_assign": lone_id,
        "case_id": pothole.case_id,
        "unit_officer": "unit.officer",
        "unit_password": "unit-officer-password-1234",
        "holiday_date": holiday.0,
        "holiday_name": holiday.1,
        "rule_category": rule.0,
        "rule_region": rule.1,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_journeys_in_a_real_browser_with_and_without_javascript() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/browser/journeys.mjs");
    let modules = concat!(env!("CARGO_MANIFEST_DIR"), "/browser/node_modules/playwright-core");
    assert!(
        std::path::Path::new(modules).exists(),
        "the browser test's npm packages are missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    // Kota Bandung's roads agency wants a supervisor's approval of resolutions.
    let overrides = std::env::temp_dir().join(format!("aduan-pages-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&overrides).unwrap();
    std::fs::write(overrides.join("bandung-dpu.toml"), "tightens = \"2026.1\"\nsupervisor_approval = true\n").unwrap();
    let dev =
        DevProcess::start_with_env(vec![("ADUAN_PROCEDURE_OVERRIDES".into(), overrides.display().to_string())]).await;
    let base = dev.base_url();
    let client = reqwest::Client::new();
    let location = vec!["--data-dir".to_owned(), dev.data_dir().display().to_string()];
    aduan_e2e::staff::add_user(
        &location,
        "unit.officer",
        &["officer@bandung-dpu-roads".to_owned()],
        "unit-officer-password-1234",
    );

    let scripted = seed_pass(
        &client,
        &base,
        [
            (
                "Streetlights broken near Kemang market",
                "The streetlights near Kemang market have been broken for two weeks.",
            ),
            (
                "Broken streetlights at Kemang market",
                "Streetlights at the Kemang market are broken, two weeks now, very dark.",
            ),
            (
                "Noisy construction every night",
                "A building site on Jalan Sudirman works with loud machines after midnight.",
            ),
        ],
        ("2027-01-05", "Libur uji peramban"),
        ("education", "32.71"),
    )
    .await;
    let plain = seed_pass(
        &client,
        &base,
        [
            ("Garbage not collected in Cilandak", "Nobody collected the garbage on Jalan Cilandak for ten days."),
            ("Cilandak garbage not collected", "The garbage of Jalan Cilandak was not collected for ten days now."),
            ("Flooded underpass at Blok M", "The underpass near Blok M floods after every rain and cars stall."),
        ],
        ("2027-01-06", "Browser test holiday"),
        ("health", "32.71"),
    )
    .await;

    let output = tokio::process::Command::new("node")
        .arg(script)
        .env("ADUAN_BASE_URL", &base)
        .env("ADUAN_SEED", json!({ "scripted": scripted, "plain": plain }).to_string())
        .output()
        .await
        .expect("running node (Node.js 20 is needed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "the browser journeys failed:\n{stdout}\n{stderr}");
    assert_eq!(stdout.matches("ok   ").count(), 14, "every journey of both passes ran:\n{stdout}");
    std::fs::remove_dir_all(overrides).ok();
}
