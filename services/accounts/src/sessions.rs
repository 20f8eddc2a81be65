//! Signing in, sessions, and the access tokens they are exchanged for.
//!
//! A session is the long-lived credential (a random token, stored only as
//! its digest) that ends after the idle or the absolute timeout, at sign-out,
//! or when the user is disabled or changes their password. Access tokens are
//! short-lived and carry the grants the user holds at the moment of the
//! exchange, so a revocation takes effect within one token's lifetime.

use aduan_access::{AUDIENCE, Claims, Grant, ISSUER, SubjectKind};
use aduan_platform::http::ApiError;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::ExprTrait as _;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set,
};
use serde::Serialize;

use crate::AccountsState;
use crate::entities::{session, user};
use crate::grants;
use crate::second_factor;
use crate::secrets;
use crate::throttle;
use crate::users::{self, Username};

/// How a session was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Username, password and (where policy requires it) a TOTP code.
    Password,
    /// An OIDC provider's sign-in, whose own policy covers the second factor.
    Oidc,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Password => "password",
            Method::Oidc => "oidc",
        }
    }
}

/// An access token as handed out.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    /// The access token (a JWT signed with EdDSA): send it as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

/// What a successful sign-in answers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SignedIn {
    /// The session token: keep it secret; exchange it for access tokens at
    /// `POST /api/v1/tokens`, end it with `DELETE /api/v1/sessions/current`.
    pub session_token: String,
    /// When the session ends however much it is used (it ends sooner when unused).
    pub session_expires_at: DateTime<Utc>,
    /// A first access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The user's pseudonymous id.
    pub subject: String,
    /// The grants the access token carries.
    pub grants: Vec<Grant>,
    /// True when policy requires a second factor the user has not enrolled:
    /// the session's tokens carry no grants until one is (`POST /api/v1/me/totp`).
    pub totp_enrolment_required: bool,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn").field("subject", &self.subject).finish_non_exhaustive()
    }
}

/// 401 `invalid_credentials`: the same for a wrong username, a wrong
/// password, a wrong code and a disabled account.
pub fn invalid_credentials() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "the username, password or code is not right")
}

/// 401 `session_invalid`.
pub fn session_invalid() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "session_invalid",
        "the session has ended or was never valid; sign in again",
    )
}

/// Signs `username` in with `password` and, where they have one, a TOTP `code`.
pub async fn sign_in(
    state: &AccountsState,
    username: &str,
    password: &str,
    code: Option<&str>,
) -> Result<SignedIn, ApiError> {
    let username = username.trim().to_ascii_lowercase();
    let key = throttle::key_for(&username);
    throttle::check(&state.db, &key).await?;
    let user = match Username::read(&username) {
        Some(username) => users::find_by_username(&state.db, username.as_str()).await?,
        None => None,
    };
    let user_id = user.as_ref().map(|user| user.id.clone());
    // A missing user, a disabled one and one without a password are checked
    // against a dummy hash: every refusal takes the time of a real check.
    let hash = user.as_ref().filter(|user| !user.disabled).and_then(|user| user.password_hash.as_deref());
    let password_matches = state.passwords.verify(password, hash).await?;
    let user = match user {
        Some(user) if password_matches => user,
        _ => return Err(failed(state, &key, user_id.as_deref()).await),
    };
    if let Some(secret) = &user.totp_secret {
        let Some(code) = code.filter(|code| !code.trim().is_empty()) else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "totp_required",
                "this account has a second factor: send the code from your authenticator app as `totp`",
            ));
        };
        if !use_code(&state.db, &user, secret, code).await? {
            return Err(failed(state, &key, Some(&user.id)).await);
        }
    }
    throttle::clear(&state.db, &key).await?;
    let grants = grants::from_json(&user.grants);
    let enrolment_only = user.totp_secret.is_none() && second_factor::required(&state.settings, &user, &grants);
    let signed_in = open(state, &user, Method::Password, enrolment_only).await?;
    tracing::info!(user = %user.id, enrolment_only, "signed in");
    Ok(signed_in)
}

/// Counts a failed attempt and answers the error to give.
async fn failed(state: &AccountsState, key: &str, user_id: Option<&str>) -> ApiError {
    match throttle::record_failure(&state.db, &state.settings, key, user_id).await {
        Ok(Some(locked)) => {
            state.outbox.wake();
            locked
        }
        Ok(None) => invalid_credentials(),
        Err(error) => ApiError::from(error),
    }
}

/// Accepts `code` for `user` if it is right and was not used before, and
/// remembers its time step (only if no other request took a later one).
pub async fn use_code(db: &DatabaseConnection, user: &user::Model, secret: &str, code: &str) -> Result<bool, DbErr> {
    let Some(step) = second_factor::accept(secret, code, Utc::now().timestamp(), user.totp_last_step) else {
        return Ok(false);
    };
    let result = user::Entity::update_many()
        .col_expr(user::Column::TotpLastStep, Expr::value(Some(step)))
        .filter(user::Column::Id.eq(user.id.as_str()))
        .filter(user::Column::TotpLastStep.is_null().or(user::Column::TotpLastStep.lt(step)))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Opens a session for `user` and issues its first access token.
pub async fn open(
    state: &AccountsState,
    user: &user::Model,
    method: Method,
    enrolment_only: bool,
) -> Result<SignedIn, ApiError> {
    let token = secrets::random_secret();
    let digest = secrets::digest(&token).ok_or_else(|| ApiError::internal("a new session token has no digest"))?;
    let now = Utc::now();
    let expires_at = now + chrono::Duration::from_std(state.settings.session_absolute_timeout).unwrap_or_default();
    let session = session::ActiveModel {
        id: Set(secrets::new_session_id()),
        token_digest: Set(digest),
        user_id: Set(user.id.clone()),
        method: Set(method.as_str().to_owned()),
        enrolment_only: Set(enrolment_only),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    }
    .insert(&state.db)
    .await?;
    let grants = effective_grants(state, user, &session);
    let issued = issue(state, &user.id, SubjectKind::User, grants.clone(), &session.id).await?;
    Ok(SignedIn {
        session_token: token,
        session_expires_at: expires_at,
        access_token: issued.access_token,
        token_type: issued.token_type,
        expires_in: issued.expires_in,
        subject: user.id.clone(),
        grants,
        totp_enrolment_required: enrolment_only,
    })
}

/// The grants a session's access tokens carry now: none for an
/// enrolment-only session, nor for a password session of a user whom policy
/// has since come to require a second factor they lack.
pub fn effective_grants(state: &AccountsState, user: &user::Model, session: &session::Model) -> Vec<Grant> {
    let grants = grants::from_json(&user.grants);
    let lacks_factor = session.method == Method::Password.as_str()
        && user.totp_secret.is_none()
        && second_factor::required(&state.settings, user, &grants);
    if session.enrolment_only || lacks_factor { Vec::new() } else { grants }
}

/// Signs an access token for `subject`.
pub async fn issue(
    state: &AccountsState,
    subject: &str,
    kind: SubjectKind,
    grants: Vec<Grant>,
    sid: &str,
) -> Result<IssuedToken, ApiError> {
    let lifetime = state.settings.access_token_lifetime.as_secs();
    let now = Utc::now().timestamp();
    let claims = Claims {
        iss: ISSUER.into(),
        sub: subject.to_owned(),
        aud: AUDIENCE.into(),
        iat: now,
        exp: now.saturating_add(i64::try_from(lifetime).unwrap_or(0)),
        jti: uuid::Uuid::now_v7().to_string(),
        kind,
        grants,
        sid: Some(sid.to_owned()),
    };
    let access_token = state.keys.sign(&state.db, &claims).await?;
    Ok(IssuedToken { access_token, token_type: "Bearer".into(), expires_in: lifetime })
}

/// The live session whose token is `token`, and its user; 401
/// `session_invalid` if it ended, was revoked, or the user is disabled.
pub async fn find_live(state: &AccountsState, token: &str) -> Result<(session::Model, user::Model), ApiError> {
    let digest = secrets::digest(token).ok_or_else(session_invalid)?;
    let session = session::Entity::find()
        .filter(session::Column::TokenDigest.eq(digest))
        .one(&state.db)
        .await?
        .ok_or_else(session_invalid)?;
    let now = Utc::now();
    let idle = chrono::Duration::from_std(state.settings.session_idle_timeout).unwrap_or_default();
    if session.revoked_at.is_some() || session.expires_at <= now || session.last_used_at + idle <= now {
        return Err(session_invalid());
    }
    let user = user::Entity::find_by_id(session.user_id.clone())
        .one(&state.db)
        .await?
        .filter(|user| !user.disabled)
        .ok_or_else(session_invalid)?;
    Ok((session, user))
}

/// A new access token for the session whose token is `token`.
pub async fn exchange(state: &AccountsState, token: &str) -> Result<IssuedToken, ApiError> {
    let (session, user) = find_live(state, token).await?;
    let grants = effective_grants(state, &user, &session);
    let mut active = session.clone().into_active_model();
    active.last_used_at = Set(Utc::now());
    active.update(&state.db).await?;
    issue(state, &user.id, SubjectKind::User, grants, &session.id).await
}

/// Ends the session with id `id`.
pub async fn revoke<C: ConnectionTrait>(conn: &C, id: &str) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of `user_id` but `except`; answers how many.
pub async fn revoke_all<C: ConnectionTrait>(conn: &C, user_id: &str, except: Option<&str>) -> Result<u64, DbErr> {
    let mut update = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(except) = except {
        update = update.filter(session::Column::Id.ne(except));
    }
    Ok(update.exec(conn).await?.rows_affected)
}
