//! The services' JSON APIs, called with the signed-in user's own token: web
//! holds no rule of its own, so a page can never do what its user could not.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::settings::WebSettings;

/// A service web calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Citizens' reports.
    Intake,
    /// The registry and verification.
    Routing,
    /// Case work.
    Resolution,
    /// Staff accounts.
    Accounts,
    /// The audit ledger.
    Audit,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Intake => "intake",
            Service::Routing => "routing",
            Service::Resolution => "resolution",
            Service::Accounts => "accounts",
            Service::Audit => "audit",
        }
    }
}

/// Why a call did not give what was asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiFailure {
    /// The service answered with an error: its status, stable code and message.
    #[error("{status} {code}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The stable error code.
        code: String,
        /// The service's explanation, for people.
        message: String,
    },
    /// The service could not be reached, or answered what is not its API.
    #[error("{0} could not be reached: {1}")]
    Unavailable(&'static str, String),
}

impl ApiFailure {
    /// The stable code of a refusal.
    pub fn code(&self) -> &str {
        match self {
            ApiFailure::Refused { code, .. } => code,
            ApiFailure::Unavailable(..) => "unavailable",
        }
    }

    /// The HTTP status of a refusal; 503 when the service was not reached.
    pub fn status(&self) -> u16 {
        match self {
            ApiFailure::Refused { status, .. } => *status,
            ApiFailure::Unavailable(..) => 503,
        }
    }
}

tokio::task_local! {
    /// The browser a request is served for, named to the services it calls.
    static CLIENT: std::net::IpAddr;
}

/// Middleware: the services called while serving a request hear whose it is
/// (`X-Forwarded-For`), so their per-client limits count each citizen, not web.
pub async fn on_behalf_of_client(
    axum::extract::State(proxies): axum::extract::State<aduan_platform::http::TrustedProxies>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match proxies.client_of(&request) {
        Some(client) => CLIENT.scope(client, next.run(request)).await,
        None => next.run(request).await,
    }
}

/// `request`, naming the client it is made for, if there is one.
fn for_client(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    match CLIENT.try_with(|client| *client) {
        Ok(client) => request.header(aduan_platform::http::FORWARDED_FOR, client.to_string()),
        Err(_) => request,
    }
}

/// A photo a citizen chose in a form, passed on to intake as it came.
#[derive(Debug, Clone)]
pub struct UploadedPhoto {
    /// The file's bytes.
    pub bytes: bytes::Bytes,
    /// The name the browser gave it.
    pub file_name: String,
}

/// The services, reached over HTTP.
#[derive(Debug, Clone)]
pub struct Services {
    http: reqwest::Client,
    /// For the one answer that is a redirect to pass on: where accounts
    /// sends the browser to sign in with the OIDC provider.
    no_redirects: reqwest::Client,
    settings: Arc<WebSettings>,
}

/// How long a page waits for a service.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

impl Services {
    /// The services `settings` names.
    pub fn new(settings: Arc<WebSettings>) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(CALL_TIMEOUT).build()?;
        let no_redirects =
            reqwest::Client::builder().timeout(CALL_TIMEOUT).redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(Self { http, no_redirects, settings })
    }

    /// The settings web runs with.
    pub fn settings(&self) -> &WebSettings {
        &self.settings
    }

    fn url(&self, service: Service, path: &str) -> String {
        let base = match service {
            Service::Intake => &self.settings.intake_url,
            Service::Routing => &self.settings.routing_url,
            Service::Resolution => &self.settings.resolution_url,
            Service::Accounts => &self.settings.accounts_url,
            Service::Audit => &self.settings.audit_url,
        };
        format!("{base}{path}")
    }

    /// GET `path` with `query`, as the holder of `token`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        service: Service,
        path: &str,
        query: &[(&str, &str)],
        token: Option<&str>,
    ) -> Result<T, ApiFailure> {
        let request = self.http.get(self.url(service, path)).query(query);
        self.answer(service, request, token).await
    }

    /// GET `path` as the citizen who holds a report's `secret`, if any.
    pub async fn get_as_owner<T: DeserializeOwned>(
        &self,
        service: Service,
        path: &str,
        secret: Option<&str>,
    ) -> Result<T, ApiFailure> {
        let mut request = self.http.get(self.url(service, path));
        if let Some(secret) = secret {
            request = request.header("X-Report-Secret", secret);
        }
        self.answer(service, request, None).await
    }

    /// `method` on `path` with a JSON `body`, as the holder of `token`.
    pub async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        service: Service,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
        token: Option<&str>,
    ) -> Result<T, ApiFailure> {
        let mut request = self.http.request(method, self.url(service, path));
        if let Some(body) = body {
            request = request.json(body);
        }
        self.answer(service, request, token).await
    }

    /// Where accounts sends the browser to sign in with its OIDC provider.
    pub async fn oidc_authorization(&self) -> Result<String, ApiFailure> {
        let service = Service::Accounts;
        let request = for_client(self.no_redirects.get(self.url(service, "/api/v1/oidc/authorization")));
        let unavailable = |error: reqwest::Error| ApiFailure::Unavailable(service.name(), error.to_string());
        let response = request.send().await.map_err(unavailable)?;
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .filter(|location| location.starts_with("https://") || location.starts_with("http://"))
            .map(str::to_owned);
        match location {
            Some(location) if response.status().is_redirection() => Ok(location),
            _ => {
                let status = response.status().as_u16();
                let error: serde_json::Value = response.json().await.unwrap_or_default();
                Err(ApiFailure::Refused {
                    status,
                    code: error["error"]["code"].as_str().unwrap_or("oidc_provider_error").to_owned(),
                    message: error["error"]["message"].as_str().unwrap_or("the provider cannot be reached").to_owned(),
                })
            }
        }
    }

    /// Adds `photos` to the report `code` as the holder of its `secret`.
    pub async fn upload_photos(
        &self,
        code: &str,
        secret: &str,
        photos: Vec<UploadedPhoto>,
    ) -> Result<serde_json::Value, ApiFailure> {
        let form = photos.into_iter().fold(reqwest::multipart::Form::new(), |form, photo| {
            form.part("photo", reqwest::multipart::Part::bytes(photo.bytes.to_vec()).file_name(photo.file_name))
        });
        let path = format!("/api/v1/reports/{}/photos", crate::pages::path_segment(code));
        let request =
            self.http.post(self.url(Service::Intake, &path)).header("X-Report-Secret", secret).multipart(form);
        self.answer(Service::Intake, request, None).await
    }

    /// A photo's type and bytes from intake's `path`, as the holder of a
    /// report's `secret`, of a staff `token`, or as anyone.
    pub async fn photo(
        &self,
        path: &str,
        secret: Option<&str>,
        token: Option<&str>,
    ) -> Result<(String, bytes::Bytes), ApiFailure> {
        let mut request = for_client(self.http.get(self.url(Service::Intake, path)));
        if let Some(secret) = secret {
            request = request.header("X-Report-Secret", secret);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let unavailable = |error: reqwest::Error| ApiFailure::Unavailable(Service::Intake.name(), error.to_string());
        let response = request.send().await.map_err(unavailable)?;
        let status = response.status();
        if !status.is_success() {
            return Err(ApiFailure::Refused {
                status: status.as_u16(),
                code: format!("http_{}", status.as_u16()),
                message: status.to_string(),
            });
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .filter(|value| matches!(*value, "image/jpeg" | "image/png"))
            .unwrap_or("application/octet-stream")
            .to_owned();
        Ok((content_type, response.bytes().await.map_err(unavailable)?))
    }

    /// GET `path` with `query` as the holder of `token`, and its text as it
    /// came (a CSV export, passed on to the browser).
    pub async fn get_text(
        &self,
        service: Service,
        path: &str,
        query: &[(&str, &str)],
        token: Option<&str>,
    ) -> Result<String, ApiFailure> {
        let bytes = self.fetch(service, self.http.get(self.url(service, path)).query(query), token).await?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiFailure::Unavailable(service.name(), "an answer that is not UTF-8 text".into()))
    }

    async fn answer<T: DeserializeOwned>(
        &self,
        service: Service,
        request: reqwest::RequestBuilder,
        token: Option<&str>,
    ) -> Result<T, ApiFailure> {
        let bytes = self.fetch(service, request, token).await?;
        // An empty answer (204) reads as JSON null.
        let body = if bytes.is_empty() { b"null".as_slice() } else { &bytes };
        serde_json::from_slice(body)
            .map_err(|error| ApiFailure::Unavailable(service.name(), format!("an answer web cannot read: {error}")))
    }

    /// The body of a successful answer; a refusal with the service's code.
    async fn fetch(
        &self,
        service: Service,
        request: reqwest::RequestBuilder,
        token: Option<&str>,
    ) -> Result<bytes::Bytes, ApiFailure> {
        let mut request = for_client(request);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let unavailable = |error: reqwest::Error| ApiFailure::Unavailable(service.name(), error.to_string());
        let response = request.send().await.map_err(unavailable)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(unavailable)?;
        if status.is_success() {
            return Ok(bytes);
        }
        let error: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let text = |key: &str| error["error"][key].as_str().map(str::to_owned);
        Err(ApiFailure::Refused {
            status: status.as_u16(),
            code: text("code").unwrap_or_else(|| format!("http_{}", status.as_u16())),
            message: text("message").unwrap_or_else(|| status.to_string()),
        })
    }
}
