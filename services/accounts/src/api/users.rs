//! User administration: create, list, read, disable or enable, rename, set
//! grants. National administrators manage everyone; an administrator of a
//! subtree manages the users who belong to it and hold grants only inside
//! it, and grants nothing outside it.

use aduan_access::Grant;
use aduan_platform::database::begin_write;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery};
use aduan_registry::Registry;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};

use super::Caller;
use crate::AccountsState;
use crate::authorization::{Action, Authority, authority, outside_scope};
use crate::entities::user;
use crate::events::{self, Change};
use crate::grants::{self, check_grants, check_institution};
use crate::passwords::check_new_password;
use crate::sessions;
use crate::users::{self, NewUser, Username};

/// A user, as administrators see them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// The pseudonymous id.
    pub id: String,
    /// The username.
    pub username: String,
    /// The display name.
    pub display_name: String,
    /// The e-mail address, if known.
    pub email: Option<String>,
    /// The institution the user belongs to; absent: national staff.
    pub institution: Option<String>,
    /// Whether the user is disabled.
    pub disabled: bool,
    /// The grants.
    pub grants: Vec<Grant>,
    /// Whether a second factor is enrolled.
    pub totp_enabled: bool,
    /// Whether the user signs in with OIDC.
    pub oidc: bool,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When the user last changed.
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for UserView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserView").field("id", &self.id).finish_non_exhaustive()
    }
}

impl From<user::Model> for UserView {
    fn from(user: user::Model) -> Self {
        Self {
            grants: grants::from_json(&user.grants),
            totp_enabled: user.totp_secret.is_some(),
            oidc: user.oidc_key.is_some(),
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            email: user.email,
            institution: user.institution,
            disabled: user.disabled,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// A user to create.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 3 to 64 characters of a-z, 0-9, '.', '_', '-'.
    #[schema(min_length = 3, max_length = 64)]
    pub username: String,
    /// The name shown to colleagues.
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: String,
    /// An e-mail address.
    #[serde(default)]
    #[schema(min_length = 3, max_length = 254)]
    pub email: Option<String>,
    /// The institution the user belongs to; required from an administrator
    /// of a subtree; absent: national staff.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64)]
    pub institution: Option<String>,
    /// A first password; without one, issue a reset link for the user to set it.
    #[serde(default)]
    #[schema(min_length = 12, max_length = 128)]
    pub password: Option<String>,
    /// The grants.
    #[serde(default)]
    pub grants: Vec<Grant>,
}

impl std::fmt::Debug for CreateUserRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateUserRequest").field("grants", &self.grants).finish_non_exhaustive()
    }
}

/// 403 `grant_outside_scope` unless the caller may hand out every grant.
fn check_may_grant(reach: &Authority, grants: &[Grant], registry: &Registry) -> Result<(), ApiError> {
    match grants.iter().find(|grant| !reach.may_grant(grant, registry)) {
        None => Ok(()),
        Some(grant) => Err(ApiError::forbidden(
            "grant_outside_scope",
            format!("you cannot grant {}: it reaches beyond what you administer", grants::grant_label(grant)),
        )),
    }
}

/// Checks that the caller may place an account in `institution`.
pub(super) fn check_may_place(
    reach: &Authority,
    institution: Option<&str>,
    registry: &Registry,
) -> Result<(), ApiError> {
    if let Some(institution) = institution {
        check_institution(institution, registry)?;
    }
    if reach.reaches(institution, registry) {
        return Ok(());
    }
    Err(match institution {
        None => ApiError::invalid("institution_required", "name the institution (inside your reach) it belongs to"),
        Some(_) => outside_scope("this institution"),
    })
}

/// Creates a user (administrators).
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "accounts",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "not_permitted, outside_scope or grant_outside_scope", body = ErrorBody),
        (status = 409, description = "username_taken", body = ErrorBody),
        (status = 422, description = "invalid_username, invalid_display_name, invalid_email, weak_password, invalid_grant, unknown_institution, institution_required", body = ErrorBody),
    )
)]
pub(super) async fn create_user(
    State(state): State<AccountsState>,
    caller: Caller,
    ApiJson(request): ApiJson<CreateUserRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let reach = authority(&caller.claims.grants, Action::ManageUsers)?;
    let registry = state.registry.current();
    let username = Username::parse(&request.username)?;
    let display_name = users::display_name(&request.display_name)?;
    let email = request.email.as_deref().map(users::email).transpose()?;
    check_may_place(&reach, request.institution.as_deref(), &registry)?;
    let grants = check_grants(request.grants, &registry)?;
    check_may_grant(&reach, &grants, &registry)?;
    let password_hash = match request.password.as_deref() {
        Some(password) => {
            check_new_password(password, username.as_str())?;
            Some(state.passwords.hash(password).await?)
        }
        None => None,
    };
    let new = NewUser {
        username,
        display_name,
        email,
        institution: request.institution,
        password_hash,
        grants,
        totp_exempt: false,
        oidc_key: None,
    };
    let txn = begin_write(&state.db).await?;
    let user = users::insert(&txn, new, events::administrator(&caller.claims.sub)).await?;
    txn.commit().await?;
    state.outbox.wake();
    let location = format!("/api/v1/users/{}", user.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], ApiJson(UserView::from(user))))
}

/// The users the caller administers, oldest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "accounts",
    params(PageQuery),
    responses(
        (status = 200, body = Page<UserView>),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "not_permitted", body = ErrorBody),
        (status = 422, description = "invalid_cursor or invalid_limit", body = ErrorBody),
    )
)]
pub(super) async fn list_users(
    State(state): State<AccountsState>,
    caller: Caller,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<ApiJson<Page<UserView>>, ApiError> {
    let reach = authority(&caller.claims.grants, Action::ReadUsers)?;
    let Query(query) = query?;
    let limit = query.limit(50)?;
    let mut select = user::Entity::find();
    if let Some(cursor) = query.cursor()? {
        select = select.filter(user::Column::Id.gt(cursor.id));
    }
    if let Some(institutions) = reach.institutions(&state.registry.current()) {
        select = select.filter(user::Column::Institution.is_in(institutions));
    }
    let rows = select.order_by_asc(user::Column::Id).limit(limit + 1).all(&state.db).await?;
    let page = Page::from_rows(rows, limit, |user| Cursor::new(&user.id, &user.id));
    Ok(ApiJson(page.map(UserView::from)))
}

/// The user with `id`, if the caller administers them.
async fn managed_user(
    state: &AccountsState,
    reach: &Authority,
    id: &str,
    manage: bool,
) -> Result<user::Model, ApiError> {
    let user = users::find(&state.db, id).await?;
    let registry = state.registry.current();
    let allowed = if manage {
        reach.may_manage(user.institution.as_deref(), &grants::from_json(&user.grants), &registry)
    } else {
        reach.reaches(user.institution.as_deref(), &registry)
    };
    if allowed { Ok(user) } else { Err(outside_scope("this user")) }
}

/// One user.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "accounts",
    params(("id" = String, Path, description = "The user's pseudonymous id")),
    responses(
        (status = 200, body = UserView),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "not_permitted or outside_scope", body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
    )
)]
pub(super) async fn get_user(
    State(state): State<AccountsState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<ApiJson<UserView>, ApiError> {
    let reach = authority(&caller.claims.grants, Action::ReadUsers)?;
    Ok(ApiJson(UserView::from(managed_user(&state, &reach, &id, false).await?)))
}

/// Changes to a user; absent fields stay as they are.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// Disable (ending every session) or enable the user.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// A new display name.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: Option<String>,
    /// A new e-mail address.
    #[serde(default)]
    #[schema(min_length = 3, max_length = 254)]
    pub email: Option<String>,
}

impl std::fmt::Debug for UpdateUserRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateUserRequest").field("disabled", &self.disabled).finish_non_exhaustive()
    }
}

/// Disables or enables a user, or changes their name or address.
#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    tag = "accounts",
    params(("id" = String, Path, description = "The user's pseudonymous id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, body = UserView),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "not_permitted or outside_scope", body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
        (status = 409, description = "cannot_disable_self", body = ErrorBody),
        (status = 422, description = "invalid_display_name or invalid_email", body = ErrorBody),
    )
)]
pub(super) async fn update_user(
    State(state): State<AccountsState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UpdateUserRequest>,
) -> Result<ApiJson<UserView>, ApiError> {
    let reach = authority(&caller.claims.grants, Action::ManageUsers)?;
    let user = managed_user(&state, &reach, &id, true).await?;
    if request.disabled == Some(true) && user.id == caller.claims.sub {
        return Err(ApiError::conflict("cannot_disable_self", "you cannot disable your own account"));
    }
    let display_name = request.display_name.as_deref().map(users::display_name).transpose()?;
    let email = request.email.as_deref().map(users::email).transpose()?;
    let change = match request.disabled {
        Some(true) if !user.disabled => Some(Change::Disabled),
        Some(false) if user.disabled => Some(Change::Enabled),
        _ => None,
    };
    let txn = begin_write(&state.db).await?;
    let mut active = user.into_active_model();
    if let Some(disabled) = request.disabled {
        active.disabled = Set(disabled);
    }
    if let Some(display_name) = display_name {
        active.display_name = Set(display_name);
    }
    if let Some(email) = email {
        active.email = Set(Some(email));
    }
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    if let Some(change) = change {
        if change == Change::Disabled {
            sessions::revoke_all(&txn, &user.id, None).await?;
        }
        events::record(&txn, events::administrator(&caller.claims.sub), &user.id, change, &[]).await?;
        tracing::info!(user = %user.id, change = change.as_str(), "user changed");
    }
    txn.commit().await?;
    state.outbox.wake();
    Ok(ApiJson(UserView::from(user)))
}

/// A user's grants, all of them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetGrantsRequest {
    /// The grants the user holds from now on.
    pub grants: Vec<Grant>,
}

/// Sets a user's grants. Nobody grants beyond what they administer, nor
/// changes their own grants.
#[utoipa::path(
    put,
    path = "/api/v1/users/{id}/grants",
    tag = "accounts",
    params(("id" = String, Path, description = "The user's pseudonymous id")),
    request_body = SetGrantsRequest,
    responses(
        (status = 200, body = UserView),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "not_permitted, outside_scope, grant_outside_scope or cannot_change_own_grants", body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
        (status = 422, description = "invalid_grant or unknown_institution", body = ErrorBody),
    )
)]
pub(super) async fn set_grants(
    State(state): State<AccountsState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SetGrantsRequest>,
) -> Result<ApiJson<UserView>, ApiError> {
    let reach = authority(&caller.claims.grants, Action::ManageUsers)?;
    let user = managed_user(&state, &reach, &id, true).await?;
    if user.id == caller.claims.sub {
        return Err(ApiError::forbidden("cannot_change_own_grants", "another administrator must change your grants"));
    }
    let registry = state.registry.current();
    let grants = check_grants(request.grants, &registry)?;
    check_may_grant(&reach, &grants, &registry)?;
    let txn = begin_write(&state.db).await?;
    let mut active = user.into_active_model();
    active.grants = Set(grants::to_json(&grants));
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    events::record(&txn, events::administrator(&caller.claims.sub), &user.id, Change::GrantsChanged, &grants).await?;
    txn.commit().await?;
    state.outbox.wake();
    tracing::info!(user = %user.id, "grants changed");
    Ok(ApiJson(UserView::from(user)))
}

/// Removes a user's second factor, for one who lost it (administrators,
/// inside their reach), and ends their sessions: where policy requires a
/// factor, their next sign-in can only enrol a new one.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}/totp",
    tag = "accounts",
    params(("id" = String, Path, description = "The user's pseudonymous id")),
    responses(
        (status = 204, description = "Removed (or there was none)"),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "not_permitted or outside_scope", body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
    )
)]
pub(super) async fn reset_totp(
    State(state): State<AccountsState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let reach = authority(&caller.claims.grants, Action::ManageUsers)?;
    let user = managed_user(&state, &reach, &id, true).await?;
    if user.totp_secret.is_none() && user.totp_pending_secret.is_none() {
        return Ok(StatusCode::NO_CONTENT);
    }
    let txn = begin_write(&state.db).await?;
    let user_id = user.id.clone();
    let mut active = user.into_active_model();
    active.totp_secret = Set(None);
    active.totp_pending_secret = Set(None);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    sessions::revoke_all(&txn, &user_id, None).await?;
    events::record(&txn, events::administrator(&caller.claims.sub), &user_id, Change::TotpRemoved, &[]).await?;
    txn.commit().await?;
    state.outbox.wake();
    tracing::info!(user = %user_id, "second factor removed by an administrator");
    Ok(StatusCode::NO_CONTENT)
}
