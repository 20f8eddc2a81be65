//! The language switch: a form that sets the `aduan_lang` cookie and comes back.

use axum::Form;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::local_path;
use crate::WebState;
use crate::i18n::{LANGUAGE_COOKIE, Lang};

/// What the switch sends.
#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    back: String,
}

/// `POST /language`: remembers the choice for a year.
pub async fn choose(State(state): State<WebState>, Form(form): Form<LanguageForm>) -> Response {
    let back = local_path(Some(&form.back), "/").to_owned();
    let Some(lang) = Lang::from_code(&form.lang) else { return Redirect::to(&back).into_response() };
    let secure = if state.services.settings().secure_cookies() { "; Secure" } else { "" };
    let cookie = format!("{LANGUAGE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}", lang.code());
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}
