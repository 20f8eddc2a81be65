//! My account: who I am and my roles, my second factor, my password.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Chrome, Flash, PageError, refusal_message, see_other};
use crate::WebState;
use crate::api::{ApiFailure, Service};
use crate::i18n::{Lang, Tr};
use crate::staff_session::{Me, Staff};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    username: String,
    display_name: String,
    roles: String,
    totp_enabled: bool,
    enrolment_only: bool,
    /// A second factor being enrolled: its secret and `otpauth://` link.
    enrolment: Option<(String, String)>,
    /// They administer, so they manage API tokens.
    administrator: bool,
}

async fn render(
    state: &WebState,
    lang: Lang,
    staff: &Staff,
    enrolment: Option<(String, String)>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let me: Me = state.services.get(Service::Accounts, "/api/v1/me", &[], staff.token()).await?;
    let institutions = state.directory.institutions(&state.services).await?;
    let roles = staff
        .me
        .grants
        .iter()
        .map(|grant| {
            let role = tr.name_of("role", grant.role.as_str());
            match &grant.institution {
                Some(id) => format!("{role} · {}", institutions.name(id)),
                None => format!("{role} · {}", tr.t("whole-country")),
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let chrome = Chrome::staff(lang, staff, "/staff/account").await?;
    let page = AccountPage {
        chrome,
        username: me.username,
        display_name: me.display_name,
        roles,
        totp_enabled: me.totp_enabled,
        enrolment_only: staff.me.enrolment_only,
        enrolment,
        administrator: staff.me.holds(aduan_access::StaffRole::Administrator),
    };
    Ok(Html(page.render()?).into_response())
}

/// `/staff/account`.
pub async fn account(State(state): State<WebState>, lang: Lang, staff: Staff) -> Result<Response, PageError> {
    render(&state, lang, &staff, None).await
}

/// `POST /staff/account/totp`: a new secret to put in the authenticator app.
pub async fn start_totp(State(state): State<WebState>, lang: Lang, staff: Staff) -> Result<Response, PageError> {
    let answer: Result<Value, ApiFailure> =
        state.services.send(Method::POST, Service::Accounts, "/api/v1/me/totp", None::<&()>, staff.token()).await;
    match answer {
        Ok(enrolment) => {
            let secret = enrolment["secret"].as_str().unwrap_or_default().to_owned();
            let url = enrolment["otpauth_url"].as_str().unwrap_or_default().to_owned();
            render(&state, lang, &staff, Some((secret, url))).await
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused("totp", refusal_message(Tr(lang), &failure), None).keep(&staff.session).await?;
            Ok(see_other("/staff/account#totp"))
        }
        Err(failure) => Err(failure.into()),
    }
}

/// The code from the app.
#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

/// Never prints what was typed: it holds a secret.
impl std::fmt::Debug for CodeForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeForm").finish_non_exhaustive()
    }
}

/// `POST /staff/account/totp/confirmation`: the second factor is on, and the
/// session carries the user's roles from now on.
pub async fn confirm_totp(
    State(state): State<WebState>,
    lang: Lang,
    mut staff: Staff,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let body = json!({ "code": form.code.trim() });
    let answer: Result<Value, ApiFailure> = state
        .services
        .send(Method::POST, Service::Accounts, "/api/v1/me/totp/confirmation", Some(&body), staff.token())
        .await;
    match answer {
        Ok(_) => {
            staff.me.enrolled();
            staff.me.keep(&staff.session).await?;
            Flash::done(tr.t("totp-enrolled")).keep(&staff.session).await?;
            Ok(see_other("/staff"))
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused("totp", refusal_message(tr, &failure), None).keep(&staff.session).await?;
            Ok(see_other("/staff/account#totp"))
        }
        Err(failure) => Err(failure.into()),
    }
}

/// The password form.
#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

/// Never prints what was typed: it holds a secret.
impl std::fmt::Debug for PasswordForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordForm").finish_non_exhaustive()
    }
}

/// `POST /staff/account/password`.
pub async fn change_password(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let body = json!({ "current_password": form.current_password, "new_password": form.new_password });
    let answer: Result<Value, ApiFailure> =
        state.services.send(Method::POST, Service::Accounts, "/api/v1/me/password", Some(&body), staff.token()).await;
    match answer {
        Ok(_) => {
            Flash::done(tr.t("password-changed")).keep(&staff.session).await?;
            Ok(see_other("/staff/account"))
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused("password", refusal_message(tr, &failure), None).keep(&staff.session).await?;
            Ok(see_other("/staff/account#password"))
        }
        Err(failure) => Err(failure.into()),
    }
}
