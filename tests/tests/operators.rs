//! An operator's commands over what the system set aside, in both modes:
//! `aduan dlq list` shows what a consumer gave up on without taking it away,
//! `aduan dlq replay` brings it back to that consumer once the cause is gone,
//! and `aduan outbox parked` counts the events the broker refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::dev::DevProcess;
use aduan_e2e::rabbit::publish_raw;
use aduan_e2e::{ServiceName, aduan_binary, citizen, eventually, open_database, start_cluster};
use aduan_platform::proto::{
    Actor, CaseOpened, Envelope, Message as _, ReportContent, ReportFiled, ReturnedNotAuthority, Role, envelope::Event,
};
use sea_orm::{ConnectionTrait, Database, Statement};
use uuid::Uuid;

fn envelope(report_id: Uuid, sequence: u64, event: Event) -> Envelope {
    Envelope {
        message_id: Uuid::now_v7().to_string(),
        report_id: report_id.to_string(),
        occurred_at: None,
        actor: Some(Actor { role: Role::System as i32, pseudonym: "operator-test".into() }),
        sequence,
        event: Some(event),
    }
}

/// Runs `aduan <args>` with `env`; answers its standard output, or panics with its error.
fn aduan(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = std::process::Command::new(aduan_binary())
        .args(args)
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .output()
        .expect("running aduan");
    assert!(output.status.success(), "aduan {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dead_letters_of_rabbitmq_are_listed_and_replayed_once_the_cause_is_gone() {
    let cluster = start_cluster().await;
    let env = [("ADUAN_AMQP_URL", cluster.amqp_url()), ("ADUAN_BUS_NAMESPACE", cluster.namespace.as_str())];
    let env: Vec<(&str, &str)> = env.to_vec();

    // A return of a report routing has not placed yet: it cannot be applied, and is parked.
    let report = Uuid::now_v7();
    let returned =
        envelope(report, 3, Event::Returned(ReturnedNotAuthority { reason: "not ours".into(), ..Default::default() }));
    publish_raw(cluster.amqp_url(), &cluster.namespace, "report.returned", &returned.encode_to_vec()).await;
    let listed = eventually(Duration::from_secs(30), "the return in routing's dead letters", || async {
        let listed = aduan(&["dlq", "list", "routing"], &env);
        listed.contains(&returned.message_id).then_some(listed)
    })
    .await;
    assert!(listed.contains("1 dead letter(s) of routing") && listed.contains("never routed"), "{listed}");
    assert!(aduan(&["dlq", "list", "routing"], &env).contains(&returned.message_id), "listing leaves it parked");

    // The report it is about arrives after all; the replay applies the return.
    let content = ReportContent {
        category: "roads".into(),
        region: "32.73".into(),
        title: "Pothole".into(),
        description: "A pothole that came late".into(),
        tracking_code: "ADU-LATE-0000-0001".into(),
        ..Default::default()
    };
    let filed = envelope(report, 1, Event::Filed(ReportFiled { content: Some(content), channel: "api".into() }));
    publish_raw(cluster.amqp_url(), &cluster.namespace, "report.filed", &filed.encode_to_vec()).await;
    let routing_db = open_database(cluster.database_url(ServiceName::Routing)).await;
    let returns = format!("SELECT COUNT(*) FROM routed_report WHERE report_id = '{report}' AND returns = 1");
    let placed = format!("SELECT COUNT(*) FROM routed_report WHERE report_id = '{report}'");
    eventually(Duration::from_secs(30), "the late report placed", || async {
        (aduan_e2e::count(&routing_db, &placed).await == 1).then_some(())
    })
    .await;
    let replayed = aduan(&["dlq", "replay", "routing"], &env);
    assert!(replayed.contains("1 dead letter(s) of routing delivered again"), "{replayed}");
    eventually(Duration::from_secs(30), "the replayed return applied", || async {
        (aduan_e2e::count(&routing_db, &returns).await == 1).then_some(())
    })
    .await;
    assert!(aduan(&["dlq", "list", "routing"], &env).contains("0 dead letter(s) of routing"));
    let config = cluster.log_dir().join("routing-operator.toml");
    std::fs::write(&config, format!("database_url = \"{}\"\n", cluster.database_url(ServiceName::Routing))).unwrap();
    let parked = aduan(&["outbox", "parked", "routing", "--config", config.to_str().unwrap()], &[]);
    assert!(parked.contains("0 parked event(s) in routing's outbox"), "{parked}");
    routing_db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dead_letters_of_aduan_dev_are_listed_and_replayed_by_the_running_process() {
    let mut dev = DevProcess::start().await;
    let client = reqwest::Client::new();
    let base = dev.base_url();
    let report = citizen::file(&client, &base, &citizen::pothole(1)).await;
    citizen::wait_for_status(&client, &base, &report, "assigned").await;
    assert_eq!(dev.terminate().await, Some(0));

    // A message intake gave up on while it was down, as the bus keeps it.
    let intake = Database::connect(format!("sqlite://{}?mode=ro", dev.data_dir().join("intake.sqlite").display()))
        .await
        .unwrap();
    let row = intake
        .query_one_raw(Statement::from_string(intake.get_database_backend(), "SELECT id FROM report".to_owned()))
        .await
        .unwrap()
        .unwrap();
    let report_id: Uuid = row.try_get_by_index(0).unwrap();
    intake.close().await.unwrap();
    let opened = envelope(
        report_id,
        50,
        Event::CaseOpened(CaseOpened {
            case_id: Uuid::now_v7().to_string(),
            institution_id: "bandung-dpu".into(),
            ..Default::default()
        }),
    );
    let bus =
        Database::connect(format!("sqlite://{}?mode=rw", dev.data_dir().join("bus.sqlite").display())).await.unwrap();
    bus.execute_raw(Statement::from_sql_and_values(
        bus.get_database_backend(),
        "INSERT INTO dead_letter (id, consumer, message_id, routing_key, payload, reason, dead_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            Uuid::now_v7().into(),
            "intake".into(),
            Uuid::parse_str(&opened.message_id).unwrap().into(),
            "report.case_opened".into(),
            opened.encode_to_vec().into(),
            "failed 4 times, last: the database is locked".into(),
            chrono::Utc::now().into(),
        ],
    ))
    .await
    .unwrap();
    bus.close().await.unwrap();

    dev.spawn().await;
    let data_dir = dev.data_dir().to_str().unwrap().to_owned();
    let listed = aduan(&["dlq", "list", "intake", "--data-dir", &data_dir], &[]);
    assert!(listed.contains("1 dead letter(s) of intake") && listed.contains(&opened.message_id), "{listed}");
    let replayed = aduan(&["dlq", "replay", "intake", "--data-dir", &data_dir], &[]);
    assert!(replayed.contains("1 dead letter(s) of intake will be delivered again"), "{replayed}");
    eventually(Duration::from_secs(20), "the replayed message on the citizen's timeline", || async {
        let view = citizen::status(&client, &base, &report).await;
        let received = view["updates"].as_array()?.iter().filter(|update| update["kind"] == "received").count();
        (received == 2).then_some(())
    })
    .await;
    assert!(aduan(&["dlq", "list", "intake", "--data-dir", &data_dir], &[]).contains("0 dead letter(s) of intake"));
    assert!(aduan(&["outbox", "parked", "intake", "--data-dir", &data_dir], &[]).contains("0 parked event(s)"));
}

/// `aduan serve` refuses the development machine's defaults unless told:
/// the broker's guest account, and no registry file.
#[test]
fn serve_refuses_the_guest_account_and_the_demo_registry_outside_development() {
    let serve = |env: &[(&str, &str)]| {
        let output = std::process::Command::new(aduan_e2e::aduan_binary())
            .args(["serve", "routing"])
            .env_remove("ADUAN_ALLOW_DEVELOPMENT_DEFAULTS")
            .env_remove("ADUAN_REGISTRY")
            .env("ADUAN_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
            .envs(env.iter().copied())
            .output()
            .expect("running aduan serve");
        (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (ok, stderr) = serve(&[("ADUAN_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f")]);
    assert!(!ok && stderr.contains("guest account is refused"), "{stderr}");
    let (ok, stderr) = serve(&[("ADUAN_AMQP_URL", "amqp://127.0.0.1:5672/%2f")]);
    assert!(!ok && stderr.contains("guest account is refused"), "no credentials is guest too: {stderr}");
    for disguised in ["amqp://:pw@127.0.0.1:5672/%2f", "amqp://%67uest:pw@127.0.0.1:5672/%2f"] {
        let (ok, stderr) = serve(&[("ADUAN_AMQP_URL", disguised)]);
        assert!(!ok && stderr.contains("guest account is refused"), "{disguised}: {stderr}");
    }
    let (ok, stderr) = serve(&[("ADUAN_AMQP_URL", "amqp://aduan-routing:secret@127.0.0.1:5672/%2f")]);
    assert!(!ok && stderr.contains("no registry file"), "{stderr}");
    // Told, it goes on to the database (which is not there here).
    let (ok, stderr) = serve(&[
        ("ADUAN_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
        ("ADUAN_ALLOW_DEVELOPMENT_DEFAULTS", "true"),
    ]);
    assert!(!ok && !stderr.contains("guest account is refused") && !stderr.contains("no registry file"), "{stderr}");
}
