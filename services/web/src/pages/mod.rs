//! The pages: what every page shares (the layout's data, flash messages,
//! errors as pages), and one module per part of the workspace.

pub mod account;
pub mod administration;
pub mod api_tokens;
pub mod audit;
pub mod case;
pub mod citizen;
pub mod errors;
pub mod home;
pub mod inbox;
pub mod language;
pub mod photos;
pub mod public_record;
pub mod publication;
pub mod registry;
pub mod response_templates;
pub mod reviews;
pub mod sign_in;
pub mod verification;

/// The resolution tiers, as the pages offer them.
const TIERS: [&str; 4] = ["simple", "information_request", "dispute_without_field_check", "field_investigation"];

use aduan_access::StaffRole;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::api::ApiFailure;
use crate::i18n::{Lang, Tr};
use crate::staff_session::Staff;

/// What the layout shows around every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The translator.
    pub tr: Tr,
    /// This page's path (for the language switch to come back to).
    pub path: String,
    /// The signed-in user's name, if any.
    pub user: Option<String>,
    /// The main navigation.
    pub nav: Vec<NavLink>,
    /// A message from the previous step.
    pub flash: Option<Flash>,
}

/// A link of the main navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    /// Where it goes.
    pub href: String,
    /// Its text.
    pub label: String,
    /// Whether it is the page shown.
    pub current: bool,
}

impl Chrome {
    /// The layout for someone not signed in.
    pub fn public(lang: Lang, path: &str) -> Self {
        Self { tr: Tr(lang), path: path.to_owned(), user: None, nav: Vec::new(), flash: None }
    }

    /// The layout for a citizen (no account), with the session's flash message.
    pub async fn citizen(lang: Lang, session: &Session, path: &str) -> Result<Self, PageError> {
        let tr = Tr(lang);
        let nav = [
            ("/", "nav-home"),
            ("/file", "nav-file"),
            ("/track", "nav-track"),
            ("/reports", "nav-public"),
            ("/open-data", "nav-open-data"),
        ]
        .into_iter()
        .map(|(href, key)| NavLink {
            href: href.to_owned(),
            label: tr.t(key),
            current: path == href || (href != "/" && path.starts_with(href)),
        })
        .collect();
        let flash = Flash::take(session).await?;
        Ok(Self { tr, path: path.to_owned(), user: None, nav, flash })
    }

    /// The layout for `staff`, with their flash message (taken: it shows once).
    pub async fn staff(lang: Lang, staff: &Staff, path: &str) -> Result<Self, PageError> {
        let tr = Tr(lang);
        let mut links = vec![("/staff", "nav-workspace")];
        if staff.me.holds(StaffRole::Verifier) {
            links.push(("/staff/verification", "nav-verification"));
        }
        if staff.me.holds(StaffRole::Administrator) {
            links.push(("/staff/administration", "nav-administration"));
        }
        if staff.me.holds_nationally(StaffRole::Auditor) {
            links.push(("/staff/audit", "nav-audit"));
        }
        links.push(("/staff/account", "nav-account"));
        let nav = links
            .into_iter()
            .map(|(href, key)| NavLink {
                href: href.to_owned(),
                label: tr.t(key),
                current: path == href || (href != "/staff" && path.starts_with(href)),
            })
            .collect();
        let flash = Flash::take(&staff.session).await?;
        Ok(Self { tr, path: path.to_owned(), user: Some(staff.me.display_name.clone()), nav, flash })
    }

    /// The flash message's error if it belongs to the form `form`.
    pub fn error_for(&self, form: &str) -> Option<&str> {
        self.flash
            .as_ref()
            .filter(|flash| !flash.ok && flash.form.as_deref() == Some(form))
            .map(|flash| flash.message.as_str())
    }

    /// What was typed into the form `form` before it was refused.
    pub fn typed_in(&self, form: &str) -> &str {
        self.flash
            .as_ref()
            .filter(|flash| flash.form.as_deref() == Some(form))
            .and_then(|flash| flash.text.as_deref())
            .unwrap_or_default()
    }

    /// The flash message shown at the top: a success, or an error of no form.
    pub fn banner(&self) -> Option<&Flash> {
        self.flash.as_ref().filter(|flash| flash.ok || flash.form.is_none())
    }
}

/// A message carried to the next page across a redirect (post, redirect, get).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// A success (else an error).
    pub ok: bool,
    /// The message, already translated.
    pub message: String,
    /// The form an error belongs to, shown beside its field.
    pub form: Option<String>,
    /// What was typed in that form, to type it again no one must.
    pub text: Option<String>,
}

const FLASH_KEY: &str = "flash";

impl Flash {
    /// A success message.
    pub fn done(message: String) -> Self {
        Self { ok: true, message, form: None, text: None }
    }

    /// An error of the form `form`, keeping what was typed.
    pub fn refused(form: &str, message: String, text: Option<String>) -> Self {
        Self { ok: false, message, form: Some(form.to_owned()), text }
    }

    /// Keeps it for the next page of `session`.
    pub async fn keep(self, session: &Session) -> Result<(), PageError> {
        session.insert(FLASH_KEY, self).await.map_err(PageError::from)
    }

    async fn take(session: &Session) -> Result<Option<Self>, PageError> {
        session.remove(FLASH_KEY).await.map_err(PageError::from)
    }
}

/// A step's form on a page (a case's, a tracking page's): what it does,
/// what its text is called, and the refusal and the text of its last try.
pub struct StepForm {
    /// The step, as it is posted.
    pub name: String,
    /// Its button and heading.
    pub label: String,
    /// What its text field is called.
    pub field: String,
    /// Whether the text is required.
    pub required: bool,
    /// Why the last try was refused.
    pub error: Option<String>,
    /// What was typed in the last try.
    pub typed: String,
}

/// Never prints what was typed: a citizen's words may name them.
impl std::fmt::Debug for StepForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StepForm").field("name", &self.name).finish_non_exhaustive()
    }
}

/// The message for a service's refusal, in `tr`'s language: a translation
/// of its stable code where there is one, else the service's own words.
pub fn refusal_message(tr: Tr, failure: &ApiFailure) -> String {
    match failure {
        ApiFailure::Refused { code, message, .. } => {
            let translated = tr.name_of("error", code);
            if translated == *code { message.clone() } else { translated }
        }
        ApiFailure::Unavailable(..) => tr.t("error-unavailable"),
    }
}

/// The string at `key` of a service's JSON answer, or empty: pages show
/// what there is rather than fail on a field a service left out.
pub fn text(value: &serde_json::Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

/// What stays as it is in a path segment or a query value: letters, digits and `-._~`.
const UNRESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `value` made safe as one segment of a path.
pub fn path_segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, UNRESERVED).collect()
}

/// `value` made safe as a query string value.
pub fn query_value(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, UNRESERVED).collect()
}

/// A redirect after a form (303: the browser GETs the next page).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// `next` if it is a path on this site, else `fallback`: no open redirects.
/// Only visible ASCII: browsers drop tabs and newlines from a URL, so
/// `/\t/evil.example` would become `//evil.example`.
pub fn local_path<'a>(next: Option<&'a str>, fallback: &'a str) -> &'a str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.bytes().all(|byte| byte.is_ascii_graphic()) =>
        {
            path
        }
        _ => fallback,
    }
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum PageError {
    /// Not signed in, or the session ended: to the sign-in page, then back to `next`.
    SignIn {
        /// Where to come back to.
        next: String,
    },
    /// Somewhere else first.
    Redirect(String),
    /// A service refused or could not be reached.
    Api(ApiFailure),
    /// Something web itself could not do.
    Internal(String),
}

impl From<ApiFailure> for PageError {
    fn from(failure: ApiFailure) -> Self {
        PageError::Api(failure)
    }
}

impl From<tower_sessions::session::Error> for PageError {
    fn from(error: tower_sessions::session::Error) -> Self {
        PageError::Internal(format!("the browser session: {error}"))
    }
}

impl From<askama::Error> for PageError {
    fn from(error: askama::Error) -> Self {
        PageError::Internal(format!("a template: {error}"))
    }
}

/// What [`errors::render_error_pages`] turns into a page in the request's language.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// The stable code, shown for support.
    pub code: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, code) = match self {
            PageError::SignIn { next } => {
                return Redirect::to(&format!("/sign-in?next={}", query_value(&next))).into_response();
            }
            PageError::Redirect(to) => return Redirect::to(&to).into_response(),
            // The token was refused after all (revoked a moment ago): the
            // browser session is over; sign in again.
            PageError::Api(ApiFailure::Refused { status: 401, .. }) => {
                return Redirect::to("/sign-in?expired=1").into_response();
            }
            PageError::Api(failure) => {
                let status = match failure.status() {
                    403 => StatusCode::FORBIDDEN,
                    404 => StatusCode::NOT_FOUND,
                    429 => StatusCode::TOO_MANY_REQUESTS,
                    // Any other refusal of the request itself.
                    400..=499 => StatusCode::UNPROCESSABLE_ENTITY,
                    _ => StatusCode::SERVICE_UNAVAILABLE,
                };
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    tracing::warn!(%failure, "a page could not be made");
                }
                (status, failure.code().to_owned())
            }
            PageError::Internal(message) => {
                tracing::error!(%message, "a page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal".to_owned())
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage { code });
        response
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_of_this_site_are_followed() {
        assert_eq!(local_path(Some("/staff/cases/1?after=x"), "/staff"), "/staff/cases/1?after=x");
        for elsewhere in
            ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example", "/\n/x", "/ x", ""]
        {
            assert_eq!(local_path(Some(elsewhere), "/staff"), "/staff", "{elsewhere:?}");
        }
        assert_eq!(local_path(None, "/staff"), "/staff");
    }
}
