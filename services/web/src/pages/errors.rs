//! Errors as pages, in the language of the request: handlers return a
//! [`PageError`](super::PageError), which leaves an [`ErrorPage`] mark on an
//! empty response; this layer, which knows the language, renders it.

use askama::Template;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::{Chrome, ErrorPage};
use crate::i18n::{Lang, Tr};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    chrome: Chrome,
    heading: String,
    explanation: String,
    code: String,
}

/// Renders the error marks of `next`'s answers as pages.
pub async fn render_error_pages(lang: Lang, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let Some(mark) = response.extensions().get::<ErrorPage>().cloned() else { return response };
    let status = response.status();
    let tr = Tr(lang);
    let (heading, explanation) = match status {
        StatusCode::FORBIDDEN => ("error-forbidden", "error-forbidden-text"),
        StatusCode::NOT_FOUND => ("error-not-found", "error-not-found-text"),
        StatusCode::UNPROCESSABLE_ENTITY => ("error-refused", "error-refused-text"),
        StatusCode::TOO_MANY_REQUESTS => ("error-too-many", "error-too-many-text"),
        StatusCode::SERVICE_UNAVAILABLE => ("error-unavailable", "error-unavailable-text"),
        _ => ("error-internal", "error-internal-text"),
    };
    let page = ErrorTemplate {
        chrome: Chrome::public(lang, &path),
        heading: tr.t(heading),
        explanation: tr.t(explanation),
        code: mark.code,
    };
    match page.render() {
        Ok(html) => {
            let mut rendered = (status, Html(html)).into_response();
            if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
                rendered.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            }
            rendered
        }
        Err(error) => {
            tracing::error!(%error, "the error page itself failed");
            (status, "aduan: something went wrong").into_response()
        }
    }
}
