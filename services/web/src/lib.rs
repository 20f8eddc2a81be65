//! The pages people use, server-rendered in Indonesian and English: a client
//! of the services' JSON APIs that acts with the signed-in user's own token,
//! so every rule stays in the service that owns it.

pub mod api;
pub mod directory;
pub mod entities;
pub mod i18n;
pub mod migration;
pub mod pages;
pub mod session_store;
pub mod settings;
pub mod staff_session;

use std::sync::Arc;

use aduan_platform::http::MAX_UPLOAD_BYTES;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio_util::sync::CancellationToken;
use tower_http::csrf::CsrfLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use migration::Migrator;
pub use session_store::DatabaseSessionStore;
pub use settings::WebSettings;

use crate::api::Services;
use crate::directory::Directory;
use crate::pages::{
    account, administration, api_tokens, audit, case, citizen, errors, home, inbox, language, photos, public_record,
    publication, registry, response_templates, reviews, sign_in, verification,
};

/// The name in logs and traces.
pub const SERVICE: &str = "web";

/// The cookie that carries the browser session's id.
pub const SESSION_COOKIE: &str = "aduan_session";

/// How long a browser session lives without being used.
const SESSION_IDLE_MINUTES: i64 = 30;

/// How often expired browser sessions are deleted.
const SESSION_PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(600);

/// What the pages share.
#[derive(Debug, Clone)]
pub struct WebState {
    /// The services' APIs.
    pub services: Services,
    /// The institutions, for names and pickers.
    pub directory: Directory,
}

impl FromRef<WebState> for Services {
    fn from_ref(state: &WebState) -> Self {
        state.services.clone()
    }
}

impl WebState {
    /// Pages calling the services `settings` names.
    pub fn new(settings: WebSettings) -> anyhow::Result<Self> {
        Ok(Self { services: Services::new(Arc::new(settings))?, directory: Directory::default() })
    }
}

/// Only the stylesheet may be cached: every page holds someone's work.
async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/aduan.css"),
    )
}

/// Pages take styles from this site only, run no script, post forms only to
/// this site, and are framed by nobody.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                           frame-ancestors 'none'; base-uri 'none'";

/// The pages and the chores they need run until shutdown.
#[allow(missing_debug_implementations)] // routers and futures have no Debug
pub struct Pages {
    /// The routes.
    pub router: Router,
    /// Deletes expired sessions until the stop.
    pub chores: Vec<futures::future::BoxFuture<'static, ()>>,
}

/// The pages, with their browser sessions in `store`; their chores run until `stop`.
pub fn pages(state: WebState, store: DatabaseSessionStore, stop: CancellationToken) -> anyhow::Result<Pages> {
    let settings = state.services.settings();
    // Forms from another site are refused (403) by their Origin and
    // Sec-Fetch-Site headers; the public address is trusted explicitly for
    // proxies that rewrite Host.
    let csrf = CsrfLayer::new()
        .add_trusted_origin(&settings.public_url)
        .map_err(|error| anyhow::anyhow!("ADUAN_PUBLIC_URL {:?} is not an origin: {error:?}", settings.public_url))?;
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(SESSION_COOKIE)
        .with_secure(settings.secure_cookies())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(SESSION_IDLE_MINUTES)));
    // Sign-in is limited per username by accounts (a lockout that doubles),
    // not per address here: behind the reverse proxy every browser has the
    // proxy's address, so a per-address limit belongs to the proxy.
    let purge = store.clone().purge_expired_until(SESSION_PURGE_INTERVAL, stop);
    let router = Router::new()
        .route("/", get(citizen::home))
        .route("/file", get(citizen::file_form).post(citizen::file).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)))
        .route("/track", get(citizen::track_form).post(citizen::track))
        .route("/track/{code}", get(citizen::report))
        .route("/track/{code}/{step}", post(citizen::citizen_step))
        .route("/track/{code}/photos", post(photos::add_photos).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)))
        .route("/track/{code}/photos/{id}", get(photos::citizens_photo))
        .route("/reports/{code}/photos/{id}", get(photos::published_photo))
        .route("/staff/reports/{code}/photos/{id}", get(photos::staff_photo))
        .route("/reports", get(public_record::list))
        .route("/open-data", get(audit::open_data))
        .route("/reports/{code}", get(public_record::report))
        .route("/sign-in", get(sign_in::sign_in_page).post(sign_in::sign_in))
        .route("/sign-in/oidc", get(sign_in::begin_oidc))
        .route("/sign-in/oidc/callback", get(sign_in::finish_oidc))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/language", post(language::choose))
        .route("/static/aduan.css", get(stylesheet))
        .route("/staff", get(home::workspace))
        .route("/staff/institutions/{institution}/inbox", get(inbox::inbox))
        .route("/staff/cases/{case}", get(case::case_page))
        .route("/staff/cases/{case}/{step}", post(case::take_step))
        .route("/staff/cases/{case}/publication", post(publication::change))
        .route("/staff/cases/{case}/notes", post(case::add_note))
        .route(
            "/staff/institutions/{institution}/templates",
            get(response_templates::list).post(response_templates::add),
        )
        .route("/staff/institutions/{institution}/templates/{template}/removal", post(response_templates::remove))
        .route("/staff/verification", get(verification::queue))
        .route("/staff/verification/{report}", get(verification::report))
        .route("/staff/verification/{report}/{step}", post(verification::verify))
        .route("/staff/account", get(account::account))
        .route("/staff/account/totp", post(account::start_totp))
        .route("/staff/account/totp/confirmation", post(account::confirm_totp))
        .route("/staff/account/password", post(account::change_password))
        .route("/staff/api-tokens", get(api_tokens::list).post(api_tokens::issue))
        .route("/staff/api-tokens/{id}/revocation", post(api_tokens::revoke))
        .route("/staff/audit", get(audit::figures))
        .route("/staff/audit/institutions/{institution}", get(audit::institution))
        .route("/staff/audit/institutions/{institution}/samples", post(reviews::draw))
        .route("/staff/audit/samples/{sample}", get(reviews::sample))
        .route("/staff/audit/samples/{sample}/reviews", post(reviews::review))
        .route("/staff/administration", get(administration::administration))
        .route("/staff/administration/registry", get(registry::registry))
        .route("/staff/administration/registry/institution", post(registry::put_institution))
        .route("/staff/administration/registry/category", post(registry::put_category))
        .route("/staff/administration/registry/rule-removal", post(registry::remove_rule))
        .route("/staff/administration/registry/holiday-removal", post(registry::remove_holiday))
        .route("/staff/administration/rule", post(administration::put_rule))
        .route("/staff/administration/holiday", post(administration::put_holiday))
        .route("/staff/administration/user", post(administration::create_user))
        .route("/staff/administration/users/{id}/grants", post(administration::set_grants))
        .route("/staff/administration/users/{id}/status", post(administration::set_status))
        .layer(middleware::from_fn(errors::render_error_pages))
        .layer(middleware::from_fn_with_state(settings.proxies.clone(), crate::api::on_behalf_of_client))
        .layer(sessions)
        .layer(csrf)
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_POLICY),
        ))
        .with_state(state);
    Ok(Pages { router, chores: vec![Box::pin(purge)] })
}
