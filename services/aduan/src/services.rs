//! The three services, assembled the same way whatever the mode: state,
//! consumer, API router and OpenAPI document, and migrations.

use std::sync::Arc;
use std::time::Duration;

use aduan_platform::auth::Authenticator;
use aduan_platform::bus::{MessageHandler, Subscription};
use aduan_platform::clock::{ClockSettings, Today};
use aduan_platform::config::RateLimit;
use aduan_platform::outbox::OutboxSignal;
use aduan_procedure::{ProcedureBook, ProcedureDocument};
use aduan_registry::Registry;
use aduan_registry_store::{LiveRegistry, refresh_interval};
use aduan_resolution::deadlines::ClockKeeper;
use axum::Router;
use futures::future::BoxFuture;
use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;
use utoipa::openapi::OpenApi;

/// A service aduan can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ServiceName {
    /// Citizens' reports and their tracking.
    Intake,
    /// The registry and the routing of reports.
    Routing,
    /// Institutions' inboxes and case work.
    Resolution,
    /// Staff accounts, sign-in, and the access tokens every service checks.
    Accounts,
    /// The audit ledger: every event, signed checkpoints, proofs.
    Audit,
    /// The pages people use; on no bus, a client of the others' APIs.
    Web,
}

impl ServiceName {
    /// Every service on the bus (web, a client of their APIs, is not).
    pub const ALL: [ServiceName; 5] =
        [ServiceName::Intake, ServiceName::Routing, ServiceName::Resolution, ServiceName::Accounts, ServiceName::Audit];

    /// Its name in logs, traces and database names.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceName::Intake => aduan_intake::SERVICE,
            ServiceName::Routing => aduan_routing::SERVICE,
            ServiceName::Resolution => aduan_resolution::SERVICE,
            ServiceName::Accounts => aduan_accounts::SERVICE,
            ServiceName::Audit => aduan_audit::SERVICE,
            ServiceName::Web => aduan_web::SERVICE,
        }
    }

    /// The port it listens on when nothing says otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            ServiceName::Intake => 8081,
            ServiceName::Routing => 8082,
            ServiceName::Resolution => 8083,
            ServiceName::Accounts => 8084,
            ServiceName::Web => 8085,
            ServiceName::Audit => 8086,
        }
    }
}

/// Brings a service's own database up to date.
pub async fn migrate(service: ServiceName, db: &DatabaseConnection) -> anyhow::Result<()> {
    use aduan_platform::migrations::apply;
    match service {
        ServiceName::Intake => apply::<aduan_intake::Migrator>(db, "intake").await?,
        ServiceName::Routing => apply::<aduan_routing::Migrator>(db, "routing").await?,
        ServiceName::Resolution => apply::<aduan_resolution::Migrator>(db, "resolution").await?,
        ServiceName::Accounts => apply::<aduan_accounts::Migrator>(db, "accounts").await?,
        ServiceName::Audit => apply::<aduan_audit::Migrator>(db, "audit").await?,
        ServiceName::Web => apply::<aduan_web::Migrator>(db, "web").await?,
    }
    Ok(())
}

/// A service ready to run: its API and its consumer.
#[allow(missing_debug_implementations)] // the OpenAPI document and handlers have no Debug
pub struct AssembledService {
    /// The HTTP routes.
    pub router: Router,
    /// Their OpenAPI description.
    pub openapi: OpenApi,
    /// What it listens to on the bus, and how it handles it.
    pub consumer: (Subscription, Arc<dyn MessageHandler>),
    /// Work it does on its own schedule until the stop it was assembled with
    /// (looking for registry versions; resolution's clocks): spawn each.
    pub background: Vec<BoxFuture<'static, ()>>,
}

/// The registry `service` works with: the newest version in its database, or
/// the file before any is there. Routing, which keeps the registry, stores
/// the file as version 1 at its first start and publishes it.
pub async fn open_registry(
    service: ServiceName,
    db: &DatabaseConnection,
    file: &Registry,
) -> anyhow::Result<Arc<LiveRegistry>> {
    if service != ServiceName::Routing
        && let Some(routing_url) = std::env::var("ADUAN_ROUTING_URL").ok().filter(|url| !url.is_empty())
    {
        aduan_registry_store::bootstrap_from_routing(db, &routing_url).await?;
    }
    let live = LiveRegistry::open(db, file.clone()).await?;
    if service == ServiceName::Routing {
        aduan_routing::registry_keeping::seed(db, &live).await?;
    }
    Ok(live)
}

/// What a service needs beyond its database and the bus, from the
/// configuration (`aduan serve`) or `aduan dev`'s defaults.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// The keys that seal reporters' identities (intake).
    pub identity_keys: Option<Arc<aduan_intake::IdentityKeys>>,
    /// How long an identity is kept after its report is done (intake).
    pub identity_retention: Duration,
    /// Each citizen client's allowance (intake).
    pub citizen_rate: RateLimit,
    /// The proxies whose `X-Forwarded-For` names the client (intake's rate limit).
    pub trusted_proxies: aduan_platform::http::TrustedProxies,
    /// How long records of handled messages are kept.
    pub dedupe_retention: Duration,
    /// Where accounts publishes the keys that verify access tokens.
    pub accounts_url: String,
    /// Accounts' own settings (lifetimes, lockout, second factors, OIDC).
    pub accounts: aduan_accounts::AccountsSettings,
    /// The key that signs the ledger's checkpoints (audit).
    pub audit_key: Option<Arc<aduan_ledger::CheckpointSigner>>,
    /// Where citizens' photos are kept (intake).
    pub files: Option<aduan_intake::photos::FileStore>,
    /// The address people reach aduan at (`ADUAN_PUBLIC_URL`), for the links
    /// in messages to citizens (intake).
    pub public_url: Option<String>,
}

/// Builds `service` over its database, its clocks reading `today`; its
/// background work runs until `stop`.
pub async fn assemble(
    service: ServiceName,
    db: DatabaseConnection,
    registry: Arc<LiveRegistry>,
    outbox: OutboxSignal,
    today: Today,
    settings: &ServiceSettings,
    stop: CancellationToken,
) -> anyhow::Result<AssembledService> {
    let mut background: Vec<BoxFuture<'static, ()>> = vec![
        Box::pin(registry.clone().keep_fresh(db.clone(), refresh_interval()?, stop.clone())),
        Box::pin(aduan_platform::dedupe::keep_purged(db.clone(), settings.dedupe_retention, stop.clone())),
    ];
    let procedures = Arc::new(load_procedures(&registry.current())?);
    let authenticator = Arc::new(Authenticator::new(&settings.accounts_url)?);
    let (router, openapi, consumer) = match service {
        ServiceName::Intake => {
            let identities = settings.identity_keys.clone().ok_or_else(|| {
                anyhow::anyhow!(
                    "intake needs the keys that seal reporters' identities: set ADUAN_IDENTITY_KEY_FILE \
                     (a file of lines `<key id> <32 random bytes in base64>`)"
                )
            })?;
            let sealed = aduan_intake::retention::seal_plaintext_identities(&db, &identities).await?;
            if sealed > 0 {
                tracing::info!(sealed, "sealed reporters' identities stored in plaintext by an earlier release");
            }
            background.push(Box::pin(aduan_intake::retention::keep_erasing(
                db.clone(),
                settings.identity_retention,
                stop.clone(),
            )));
            let (rate_limit, forget_clients) = aduan_platform::http::rate_limit_per_client(
                settings.citizen_rate,
                settings.trusted_proxies.clone(),
                stop.clone(),
            )?;
            background.push(Box::pin(forget_clients));
            let files = settings.files.clone().ok_or_else(|| {
                anyhow::anyhow!(
                    "intake needs somewhere to keep citizens' photos: set ADUAN_FILES_URL \
                     (file:///<folder>, or s3://<bucket> with the AWS_* variables)"
                )
            })?;
            let transports = aduan_intake::notifying::Transports::from_env()?;
            let notify = aduan_intake::notifying::NotifySettings::new(settings.public_url.as_deref(), &transports)?;
            let reminders = aduan_intake::notifying::ReminderClocks {
                registry: registry.clone(),
                procedures: procedures.clone(),
                today: today.clone(),
                tick: ClockSettings::from_env()?.tick,
            };
            let notifier =
                aduan_intake::notifying::Notifier::new(db.clone(), identities.clone(), transports, notify, reminders);
            background.push(Box::pin(notifier.run(stop.clone())));
            let api_keys = aduan_platform::auth::ApiKeys::new(&settings.accounts_url, authenticator.clone())?;
            let filer = aduan_intake::filer::Filer::start(db.clone(), identities.clone());
            let state = aduan_intake::IntakeState {
                db,
                registry,
                procedures,
                outbox,
                today,
                identities,
                api_keys,
                authenticator,
                files,
                filer,
            };
            let consumer = aduan_intake::consumer(&state);
            let (router, openapi) = aduan_intake::api::router(state).split_for_parts();
            (router.layer(rate_limit), openapi, consumer)
        }
        ServiceName::Routing => {
            let verification =
                aduan_routing::verification_clock::VerificationClocks { registry: registry.clone(), procedures, today };
            background.push(Box::pin(verification.clone().run(
                db.clone(),
                outbox.clone(),
                ClockSettings::from_env()?.tick,
                stop,
            )));
            let state = aduan_routing::RoutingState { db, registry, outbox, verification, authenticator };
            let consumer = aduan_routing::consumer(&state);
            let (router, openapi) = aduan_routing::api::router(state).split_for_parts();
            (router, openapi, consumer)
        }
        ServiceName::Resolution => {
            let keeper = ClockKeeper { registry, procedures, today };
            let state = aduan_resolution::ResolutionState {
                db: db.clone(),
                outbox: outbox.clone(),
                clocks: keeper.clone(),
                authenticator,
            };
            background.push(Box::pin(keeper.run(db, outbox, ClockSettings::from_env()?.tick, stop)));
            let consumer = aduan_resolution::consumer(&state);
            let (router, openapi) = aduan_resolution::api::router(state).split_for_parts();
            (router, openapi, consumer)
        }
        ServiceName::Accounts => {
            let state = aduan_accounts::AccountsState::new(db, registry, outbox, settings.accounts.clone())?;
            state.ensure_signing_key().await?;
            background.extend(aduan_accounts::background_tasks(&state, stop));
            let consumer = aduan_accounts::consumer(&state);
            let (router, openapi) = aduan_accounts::api::router(state).split_for_parts();
            (router, openapi, consumer)
        }
        ServiceName::Audit => {
            let signer = settings.audit_key.clone().ok_or_else(|| {
                anyhow::anyhow!(
                    "audit needs the key that signs its checkpoints: set ADUAN_AUDIT_KEY_FILE \
                     (a file of one line `<log name> <32-byte seed in base64>`)"
                )
            })?;
            let state = aduan_audit::AuditState {
                db: db.clone(),
                signer: signer.clone(),
                authenticator,
                registry: registry.clone(),
                today: today.clone(),
                outbox: outbox.clone(),
                open_data: aduan_audit::open_data::OpenDataCache::default(),
            };
            background.push(Box::pin(aduan_audit::projection::keep_caught_up(db.clone(), stop.clone())));
            background.push(Box::pin(aduan_audit::checkpoints::sign_every(
                db,
                signer,
                aduan_audit::CHECKPOINT_INTERVAL,
                stop,
            )));
            let consumer = aduan_audit::consumer(&state, outbox);
            let (router, openapi) = aduan_audit::api::router(state).split_for_parts();
            (router, openapi, consumer)
        }
        ServiceName::Web => anyhow::bail!("web is on no bus: it is served by itself (`aduan serve web`)"),
    };
    Ok(AssembledService { router, openapi, consumer, background })
}

/// `router`, with `POST /api/v1/test-clock` moving `today` when
/// `ADUAN_TEST_CLOCK=1`, in builds with the `test-clock` feature (tests only).
pub fn with_test_clock(router: Router, today: Today, registry: Arc<LiveRegistry>) -> anyhow::Result<Router> {
    if !ClockSettings::from_env()?.test_clock {
        return Ok(router);
    }
    #[cfg(feature = "test-clock")]
    let router =
        router.merge(aduan_platform::clock::test_clock_router(today, move || registry.current().national_utc_offset()));
    #[cfg(not(feature = "test-clock"))]
    let _ = (today, registry);
    Ok(router)
}

/// Warns when the registry's calendar of holidays runs out soon.
pub fn warn_if_the_calendar_runs_out(registry: &Registry) {
    let today = chrono::Utc::now().with_timezone(&registry.national_utc_offset()).date_naive();
    if let Some(warning) = aduan_registry::calendar_warning(registry, today) {
        tracing::warn!("{warning}");
    }
}

/// Adds the document's title and version, and serves it at `/api/openapi.json`.
pub fn with_openapi(router: Router, mut openapi: OpenApi, title: &str) -> Router {
    // utoipa-axum fills `info` from its own package metadata; say who we are.
    openapi.info = utoipa::openapi::InfoBuilder::new()
        .title(title)
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some("aduan: routing and resolving complaints about public services"))
        .license(Some(utoipa::openapi::License::new("Apache-2.0")))
        .build();
    router.route("/api/openapi.json", axum::routing::get(move || async move { axum::Json(openapi.clone()) }))
}

/// The national procedure as shipped, tightened by the institutions' overrides
/// in the folder `ADUAN_PROCEDURE_OVERRIDES` (one `<institution id>.toml` each).
pub fn load_procedures(registry: &Registry) -> anyhow::Result<ProcedureBook> {
    match std::env::var_os("ADUAN_PROCEDURE_OVERRIDES") {
        Some(folder) => load_procedures_from(registry, std::path::Path::new(&folder)),
        None => Ok(ProcedureBook::national(ProcedureDocument::shipped())),
    }
}

fn load_procedures_from(registry: &Registry, folder: &std::path::Path) -> anyhow::Result<ProcedureBook> {
    let mut book = ProcedureBook::national(ProcedureDocument::shipped());
    let entries = std::fs::read_dir(folder)
        .map_err(|error| anyhow::anyhow!("reading the procedure overrides in {}: {error}", folder.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_none_or(|extension| extension != "toml") {
            continue;
        }
        let file = path.display().to_string();
        let institution = path.file_stem().and_then(|stem| stem.to_str()).unwrap_or_default();
        anyhow::ensure!(
            registry.institution(institution).is_some(),
            "the procedure override {file} is named after {institution:?}, which is not an institution"
        );
        let text = std::fs::read_to_string(&path).map_err(|error| anyhow::anyhow!("reading {file}: {error}"))?;
        book = book.with_override(institution, &file, &text)?;
    }
    Ok(book)
}

/// The registry at `path`, or the demo registry.
pub fn load_registry(path: Option<&std::path::Path>) -> anyhow::Result<Arc<Registry>> {
    Ok(Arc::new(match path {
        Some(path) => Registry::load(path)?,
        None => Registry::demo(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with(files: &[(&str, &str)]) -> std::path::PathBuf {
        let folder = std::env::temp_dir().join(format!("aduan-overrides-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&folder).expect("a temporary folder");
        for (name, text) in files {
            std::fs::write(folder.join(name), text).expect("writing an override");
        }
        folder
    }

    #[test]
    fn institutions_tighten_their_clocks_from_files() {
        let registry = Registry::demo();
        let folder = folder_with(&[("bandung-dpu.toml", "tightens = \"2026.1\"\n[clocks]\nfirst_follow_up = 2\n")]);
        let book = load_procedures_from(&registry, &folder).expect("loads");
        assert_eq!(book.for_institution("bandung-dpu").clocks.first_follow_up, 2);
        assert_eq!(book.for_institution("kemenkes").clocks.first_follow_up, 5);
        std::fs::remove_dir_all(folder).ok();
    }

    #[test]
    fn a_looser_or_unknown_override_stops_the_start_with_the_file_named() {
        let registry = Registry::demo();
        let folder = folder_with(&[("bandung-dpu.toml", "tightens = \"2026.1\"\n[clocks]\ndispute_window = 30\n")]);
        let error = format!("{:#}", load_procedures_from(&registry, &folder).expect_err("looser"));
        assert!(error.contains("bandung-dpu.toml") && error.contains("clocks.dispute_window"), "{error}");
        std::fs::remove_dir_all(folder).ok();
        let folder = folder_with(&[("ghost-agency.toml", "tightens = \"2026.1\"\n")]);
        let error = format!("{:#}", load_procedures_from(&registry, &folder).expect_err("unknown"));
        assert!(error.contains("ghost-agency.toml") && error.contains("not an institution"), "{error}");
        std::fs::remove_dir_all(folder).ok();
    }
}
