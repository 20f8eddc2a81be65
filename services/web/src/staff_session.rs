//! A signed-in member of staff: what web keeps in their browser session
//! (accounts' session token, and a short-lived access token it renews
//! before it runs out), and the extractor handlers take it from.

use aduan_access::{Grant, StaffRole};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::api::{ApiFailure, Service, Services};
use crate::pages::PageError;

/// The session key it is kept under.
const STAFF_KEY: &str = "staff";

/// Renew the access token when it has less than this many seconds left.
const RENEW_BEFORE_SECONDS: i64 = 30;

/// What a staff member's browser session holds.
#[derive(Clone, Serialize, Deserialize)]
pub struct StaffSession {
    /// Their pseudonymous id.
    pub subject: String,
    /// Their username.
    pub username: String,
    /// The name shown to colleagues.
    pub display_name: String,
    /// Their roles and where.
    pub grants: Vec<Grant>,
    /// They must enrol a second factor before anything else.
    pub enrolment_only: bool,
    session_token: String,
    access_token: String,
    access_expires_at: i64,
}

/// Never prints a token.
impl std::fmt::Debug for StaffSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffSession")
            .field("subject", &self.subject)
            .field("grants", &self.grants)
            .field("enrolment_only", &self.enrolment_only)
            .finish_non_exhaustive()
    }
}

/// Accounts' answer to a sign-in or a token request.
#[derive(Deserialize)]
pub struct IssuedTokens {
    /// The session token (sign-in only).
    #[serde(default)]
    pub session_token: Option<String>,
    /// The access token.
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in: i64,
    /// The user's second factor must be enrolled first (sign-in only).
    #[serde(default)]
    pub totp_enrolment_required: bool,
}

/// Never prints a token.
impl std::fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedTokens").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

/// Accounts' `GET /api/v1/me`.
#[derive(Debug, Deserialize)]
pub struct Me {
    /// Pseudonymous id.
    pub subject: String,
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Grants.
    pub grants: Vec<Grant>,
    /// Whether a second factor is enrolled.
    pub totp_enabled: bool,
    /// Whether policy requires one.
    pub totp_required: bool,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl StaffSession {
    /// A session from a sign-in's tokens and who signed in.
    pub fn new(session_token: String, tokens: &IssuedTokens, me: &Me) -> Self {
        Self {
            subject: me.subject.clone(),
            username: me.username.clone(),
            display_name: me.display_name.clone(),
            grants: me.grants.clone(),
            enrolment_only: tokens.totp_enrolment_required,
            session_token,
            access_token: tokens.access_token.clone(),
            access_expires_at: now() + tokens.expires_in,
        }
    }

    /// Keeps it in `session` (after [`Session::cycle_id`] at sign-in).
    pub async fn keep(&self, session: &Session) -> Result<(), PageError> {
        session.insert(STAFF_KEY, self).await.map_err(PageError::from)
    }

    /// The one kept in `session`, if any. One this release cannot read (kept
    /// by an older one) counts as signed out, not as an error.
    pub async fn kept(session: &Session) -> Result<Option<Self>, PageError> {
        match session.get::<Self>(STAFF_KEY).await {
            Ok(kept) => Ok(kept),
            Err(tower_sessions::session::Error::SerdeJson(_)) => {
                session.flush().await?;
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Accounts' session token, to sign out with.
    pub fn session_token(&self) -> &str {
        &self.session_token
    }

    /// Their second factor is enrolled: the session now carries their grants,
    /// which the next access token (renewed at once) holds.
    pub fn enrolled(&mut self) {
        self.enrolment_only = false;
        self.access_expires_at = 0;
    }

    /// Whether they hold `role` anywhere.
    pub fn holds(&self, role: StaffRole) -> bool {
        self.grants.iter().any(|grant| grant.role == role)
    }

    /// Whether they hold `role` for the whole country.
    pub fn holds_nationally(&self, role: StaffRole) -> bool {
        self.grants.iter().any(|grant| grant.role == role && grant.institution.is_none())
    }

    /// A fresh access token: the one held, or a new one from accounts.
    async fn renew_if_due(&mut self, services: &Services) -> Result<bool, ApiFailure> {
        if self.access_expires_at - now() > RENEW_BEFORE_SECONDS {
            return Ok(false);
        }
        let body = serde_json::json!({ "grant_type": "session", "session_token": self.session_token });
        let tokens: IssuedTokens =
            services.send(Method::POST, Service::Accounts, "/api/v1/tokens", Some(&body), None).await?;
        self.access_token = tokens.access_token;
        self.access_expires_at = now() + tokens.expires_in;
        Ok(true)
    }
}

/// A signed-in member of staff, as a handler sees them.
#[derive(Clone)]
pub struct Staff {
    /// What their session holds.
    pub me: StaffSession,
    /// Their browser session, for flash messages.
    pub session: Session,
}

/// Never prints the session (its id is the cookie) or the tokens.
impl std::fmt::Debug for Staff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Staff").field("me", &self.me).finish_non_exhaustive()
    }
}

impl Staff {
    /// Their access token for the services.
    pub fn token(&self) -> Option<&str> {
        Some(&self.me.access_token)
    }
}

impl<S> FromRequestParts<S> for Staff
where
    Services: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| PageError::Internal(message.to_owned()))?;
        // After signing in again, back to the page; a form's own address
        // answers only POST, so a form comes back to the workspace.
        let next = if parts.method == axum::http::Method::GET {
            parts.uri.path_and_query().map_or("/staff", |path| path.as_str()).to_owned()
        } else {
            "/staff".to_owned()
        };
        let Some(mut me) = StaffSession::kept(&session).await? else {
            return Err(PageError::SignIn { next });
        };
        let services = Services::from_ref(state);
        match me.renew_if_due(&services).await {
            Ok(true) => me.keep(&session).await?,
            Ok(false) => {}
            // Signed out elsewhere, disabled, or the session ran out.
            Err(failure) if failure.status() == 401 => {
                session.flush().await?;
                return Err(PageError::SignIn { next });
            }
            Err(failure) => return Err(PageError::Api(failure)),
        }
        // Until a second factor is enrolled, the account page is the only one.
        if me.enrolment_only && !parts.uri.path().starts_with("/staff/account") {
            return Err(PageError::Redirect("/staff/account".into()));
        }
        Ok(Staff { me, session })
    }
}
