//! Accounts' JSON API: signing in and out, access tokens and the keys that
//! verify them, the caller's own account, user administration, API tokens
//! and OIDC sign-in. Each resource has its own module.

mod api_tokens;
mod keys;
mod me;
mod oidc;
mod passwords;
mod sessions;
mod users;

use aduan_access::{Claims, SubjectKind};
use aduan_platform::http::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use chrono::Utc;
use sea_orm::EntityTrait;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AccountsState;
use crate::entities::{api_token, session, user};

pub use api_tokens::{ApiTokenView, IssueApiTokenRequest, IssuedApiToken};
pub use keys::RotatedKey;
pub use me::{MeView, TotpCodeRequest, TotpEnrolment};
pub use passwords::{ChangePasswordRequest, PasswordResetIssued, UsePasswordResetRequest};
pub use sessions::{SignInRequest, TokenRequest};
pub use users::{CreateUserRequest, SetGrantsRequest, UpdateUserRequest, UserView};

/// Accounts' routes and their OpenAPI description.
pub fn router(state: AccountsState) -> OpenApiRouter {
    routes().with_state(state)
}

/// The OpenAPI description alone, without a database (for documentation).
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().split_for_parts().1
}

fn routes() -> OpenApiRouter<AccountsState> {
    OpenApiRouter::new()
        .routes(routes!(sessions::sign_in))
        .routes(routes!(sessions::sign_out))
        .routes(routes!(sessions::exchange))
        .routes(routes!(keys::published_keys))
        .routes(routes!(keys::rotate_keys))
        .routes(routes!(me::me))
        .routes(routes!(me::sign_out_everywhere))
        .routes(routes!(me::begin_totp, me::remove_totp))
        .routes(routes!(me::confirm_totp))
        .routes(routes!(passwords::change_password))
        .routes(routes!(passwords::issue_password_reset))
        .routes(routes!(passwords::use_password_reset))
        .routes(routes!(users::create_user, users::list_users))
        .routes(routes!(users::get_user, users::update_user))
        .routes(routes!(users::set_grants))
        .routes(routes!(users::reset_totp))
        .routes(routes!(api_tokens::issue_api_token, api_tokens::list_api_tokens))
        .routes(routes!(api_tokens::revoke_api_token))
        .routes(routes!(oidc::oidc_status))
        .routes(routes!(oidc::begin_oidc))
        .routes(routes!(oidc::finish_oidc))
}

/// The credential in `Authorization: Bearer …`, if there is one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credential) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| credential.trim()).filter(|credential| !credential.is_empty())
}

fn unauthenticated() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "send an access token as `Authorization: Bearer …`")
}

/// Who is calling: the claims of a valid access token signed by accounts.
#[derive(Debug, Clone)]
pub struct Caller {
    /// What the token says.
    pub claims: Claims,
}

impl FromRequestParts<AccountsState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AccountsState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(unauthenticated)?;
        let keys = state.keys.loaded(&state.db).await?;
        let claims = aduan_access::verify(token, &keys.keys, Utc::now().timestamp())
            .map_err(|error| ApiError::new(StatusCode::UNAUTHORIZED, error.code(), error.to_string()))?;
        let caller = Self { claims };
        // Other services accept a token until it expires; accounts, which
        // holds the sessions, refuses one whose session or API token ended.
        match caller.claims.kind {
            SubjectKind::User => {
                caller.user(state).await?;
            }
            SubjectKind::Machine => {
                let live = api_token::Entity::find_by_id(caller.claims.sub.clone())
                    .one(&state.db)
                    .await?
                    .is_some_and(|row| row.revoked_at.is_none() && row.expires_at > Utc::now());
                if !live {
                    return Err(crate::api_tokens::api_token_invalid());
                }
            }
        }
        Ok(caller)
    }
}

impl Caller {
    /// The calling user, as stored now: 403 `users_only` for a machine, 401
    /// `session_invalid` if the user was disabled or the token's session ended.
    pub async fn user(&self, state: &AccountsState) -> Result<user::Model, ApiError> {
        if self.claims.kind != SubjectKind::User {
            return Err(ApiError::forbidden("users_only", "only a signed-in user can do this, not an API token"));
        }
        let sid = self.claims.sid.clone().unwrap_or_default();
        let live = session::Entity::find_by_id(sid)
            .one(&state.db)
            .await?
            .is_some_and(|session| session.revoked_at.is_none() && session.user_id == self.claims.sub);
        if !live {
            return Err(crate::sessions::session_invalid());
        }
        user::Entity::find_by_id(self.claims.sub.clone())
            .one(&state.db)
            .await?
            .filter(|user| !user.disabled)
            .ok_or_else(crate::sessions::session_invalid)
    }
}

/// The session token in `Authorization: Bearer …`, for the endpoints whose
/// credential it is.
#[derive(Clone)]
pub struct SessionBearer(pub String);

impl std::fmt::Debug for SessionBearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionBearer(..)")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SessionBearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        bearer(&parts.headers).map(|token| Self(token.to_owned())).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "send the session token as `Authorization: Bearer …`",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_is_read_from_the_authorization_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "bearer  abc ".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(bearer(&headers), None);
    }
}
