//! Signing in with a password (and a second factor's code), and signing out.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use tower_sessions::Session;

use super::{Chrome, Flash, PageError, local_path, refusal_message, see_other};
use crate::WebState;
use crate::api::{ApiFailure, Service};
use crate::i18n::{Lang, Tr};
use crate::staff_session::{IssuedTokens, Me, StaffSession};

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    next: String,
    username: String,
    error: Option<String>,
    /// Accounts offers sign-in with an OIDC provider.
    oidc: bool,
}

/// Whether accounts offers sign-in with an OIDC provider; not when it
/// cannot be asked (the password form still works then).
async fn oidc_offered(state: &WebState) -> bool {
    let status: Result<serde_json::Value, ApiFailure> =
        state.services.get(Service::Accounts, "/api/v1/oidc", &[], None).await;
    status.is_ok_and(|status| status["enabled"] == true)
}

/// Where to go after signing in; whether the last session was refused by a service.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    expired: Option<String>,
}

/// The sign-in form.
pub async fn sign_in_page(
    State(state): State<WebState>,
    lang: Lang,
    session: Session,
    Query(query): Query<NextQuery>,
) -> Result<Response, PageError> {
    if query.expired.is_some() {
        // A service refused the session's token: it is over, whatever it holds.
        session.flush().await?;
    }
    if StaffSession::kept(&session).await?.is_some() {
        return Ok(see_other(local_path(query.next.as_deref(), "/staff")));
    }
    let mut chrome = Chrome::public(lang, "/sign-in");
    chrome.flash = session.remove::<Flash>("flash").await?;
    let next = local_path(query.next.as_deref(), "/staff").to_owned();
    let oidc = oidc_offered(&state).await;
    Ok(Html(SignInPage { chrome, next, username: String::new(), error: None, oidc }.render()?).into_response())
}

/// What the sign-in form sends.
#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default)]
    next: String,
}

/// Never prints what was typed: it holds a secret.
impl std::fmt::Debug for SignInForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInForm").finish_non_exhaustive()
    }
}

/// Signs in through accounts; on success the browser session gets a new id
/// (no fixation) and holds the session; on failure the form comes back with
/// the reason, the password never echoed.
pub async fn sign_in(
    State(state): State<WebState>,
    lang: Lang,
    session: Session,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let mut body = serde_json::json!({ "username": form.username.trim(), "password": form.password });
    if !form.totp.trim().is_empty() {
        body["totp"] = serde_json::Value::String(form.totp.trim().to_owned());
    }
    let next = local_path(Some(&form.next), "/staff").to_owned();
    let signed_in: Result<IssuedTokens, ApiFailure> =
        state.services.send(Method::POST, Service::Accounts, "/api/v1/sessions", Some(&body), None).await;
    let tokens = match signed_in {
        Ok(tokens) => tokens,
        Err(failure @ ApiFailure::Refused { .. }) => {
            let username = form.username.trim().chars().take(64).collect();
            return refused(&state, lang, next, username, &failure).await;
        }
        Err(failure) => return Err(failure.into()),
    };
    start_session(&state, tr, &session, tokens, &next).await
}

/// The sign-in form again, with why accounts refused.
async fn refused(
    state: &WebState,
    lang: Lang,
    next: String,
    username: String,
    failure: &ApiFailure,
) -> Result<Response, PageError> {
    let page = SignInPage {
        chrome: Chrome::public(lang, "/sign-in"),
        next,
        username,
        error: Some(refusal_message(Tr(lang), failure)),
        oidc: oidc_offered(state).await,
    };
    let status = axum::http::StatusCode::from_u16(failure.status()).unwrap_or(axum::http::StatusCode::UNAUTHORIZED);
    Ok((status, Html(page.render()?)).into_response())
}

/// Keeps the signed-in session in a browser session with a new id (no
/// fixation), then goes on to `next` (or to TOTP enrolment first).
async fn start_session(
    state: &WebState,
    tr: Tr,
    session: &Session,
    tokens: IssuedTokens,
    next: &str,
) -> Result<Response, PageError> {
    let session_token =
        tokens.session_token.clone().ok_or_else(|| PageError::Internal("accounts gave no session token".into()))?;
    let me: Me = state.services.get(Service::Accounts, "/api/v1/me", &[], Some(&tokens.access_token)).await?;
    session.cycle_id().await?;
    StaffSession::new(session_token, &tokens, &me).keep(session).await?;
    if tokens.totp_enrolment_required {
        Flash::done(tr.t("totp-enrol-first")).keep(session).await?;
        return Ok(see_other("/staff/account"));
    }
    Ok(see_other(next))
}

/// Where the browser session keeps the state of the sign-in it began at the
/// provider: the answer that comes back is taken only in that browser, so
/// nobody can sign someone else in as themselves (login CSRF).
const OIDC_STATE: &str = "oidc_state";

/// `GET /sign-in/oidc`: on to the OIDC provider, through accounts.
pub async fn begin_oidc(State(state): State<WebState>, lang: Lang, session: Session) -> Result<Response, PageError> {
    match state.services.oidc_authorization().await {
        Ok(location) => {
            let flow_state = reqwest::Url::parse(&location)
                .ok()
                .and_then(|url| url.query_pairs().find(|(key, _)| key == "state").map(|(_, value)| value.into_owned()))
                .ok_or_else(|| PageError::Internal("the provider's address carries no state".into()))?;
            session.insert(OIDC_STATE, flow_state).await?;
            Ok((axum::http::StatusCode::FOUND, [(axum::http::header::LOCATION, location)]).into_response())
        }
        Err(failure @ ApiFailure::Refused { .. }) => {
            refused(&state, lang, "/staff".into(), String::new(), &failure).await
        }
        Err(failure) => Err(failure.into()),
    }
}

/// What the OIDC provider sends the browser back with.
#[derive(Deserialize)]
pub struct OidcCallback {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// Never prints the code: it signs someone in.
impl std::fmt::Debug for OidcCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcCallback").field("error", &self.error).finish_non_exhaustive()
    }
}

/// `GET /sign-in/oidc/callback` (the redirect URL given to the provider):
/// accounts checks the code and state and signs the user in.
pub async fn finish_oidc(
    State(state): State<WebState>,
    lang: Lang,
    session: Session,
    Query(callback): Query<OidcCallback>,
) -> Result<Response, PageError> {
    let begun_here: Option<String> = session.remove(OIDC_STATE).await?;
    if callback.error.is_none() && (begun_here.is_none() || begun_here != callback.state) {
        let failure = ApiFailure::Refused {
            status: 401,
            code: "oidc_state_invalid".into(),
            message: "this sign-in was not begun in this browser; begin again".into(),
        };
        return refused(&state, lang, "/staff".into(), String::new(), &failure).await;
    }
    let mut query: Vec<(&str, &str)> = Vec::new();
    for (key, value) in [("code", &callback.code), ("state", &callback.state), ("error", &callback.error)] {
        if let Some(value) = value {
            query.push((key, value.as_str()));
        }
    }
    let signed_in: Result<IssuedTokens, ApiFailure> =
        state.services.get(Service::Accounts, "/api/v1/oidc/callback", &query, None).await;
    match signed_in {
        Ok(tokens) => start_session(&state, Tr(lang), &session, tokens, "/staff").await,
        Err(failure @ ApiFailure::Refused { .. }) => {
            refused(&state, lang, "/staff".into(), String::new(), &failure).await
        }
        Err(failure) => Err(failure.into()),
    }
}

/// Signs out: accounts ends the session, the browser's is deleted.
pub async fn sign_out(State(state): State<WebState>, lang: Lang, session: Session) -> Result<Response, PageError> {
    if let Some(me) = StaffSession::kept(&session).await? {
        let ended: Result<serde_json::Value, ApiFailure> = state
            .services
            .send(Method::DELETE, Service::Accounts, "/api/v1/sessions/current", None::<&()>, Some(me.session_token()))
            .await;
        // Already ended elsewhere is as good as ended now.
        if let Err(failure) = ended
            && failure.status() != 401
        {
            return Err(failure.into());
        }
    }
    session.flush().await?;
    Flash::done(Tr(lang).t("signed-out")).keep(&session).await?;
    Ok(see_other("/sign-in"))
}
