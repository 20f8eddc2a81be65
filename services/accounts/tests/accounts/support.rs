//! Accounts in-process over a PostgreSQL database of the test's own, driven
//! through its router, and staff members signed in with it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_access::{Claims, Grant, KeySet};
use aduan_accounts::{AccountsSettings, AccountsState, Migrator, PasswordHashing};
use aduan_platform::http::{Limits, finish_router};
use aduan_platform::outbox::{OutboxSignal, outbox_message};
use aduan_platform::proto::{AccountChanged, Envelope, Message as _, envelope::Event};
use aduan_registry::Registry;
use aduan_registry_store::LiveRegistry;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, QueryOrder};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// Every test's staff password.
pub const PASSWORD: &str = "kopi tubruk di pagi hari";

fn admin_url() -> String {
    std::env::var("ADUAN_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Settings for tests: the production policy, with cheap password hashes
/// and keys read afresh at every use (tests change them under the service).
pub fn test_settings() -> AccountsSettings {
    AccountsSettings {
        password_hashing: PasswordHashing { memory_kib: 1024, iterations: 1, parallelism: 1 },
        key_refresh: Duration::ZERO,
        ..AccountsSettings::default()
    }
}

/// An answer: status, headers, JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn text(&self, field: &str) -> String {
        self.body[field].as_str().unwrap_or_else(|| panic!("{field} in {}", self.body)).to_owned()
    }
}

/// Accounts over a database of its own.
pub struct App {
    pub state: AccountsState,
    pub db: DatabaseConnection,
    router: Router,
    place: Place,
}

/// Where the test's database lives.
enum Place {
    Postgres(String),
    Sqlite(std::path::PathBuf),
}

impl App {
    pub async fn start() -> Self {
        Self::with_settings(test_settings()).await
    }

    pub async fn with_settings(settings: AccountsSettings) -> Self {
        let name = format!("aduan_accounts_{}", uuid::Uuid::now_v7().simple());
        let admin = Database::connect(admin_url()).await.unwrap();
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
        admin.close().await.unwrap();
        let url = format!("{}/{name}", admin_url().rsplit_once('/').unwrap().0);
        Self::over(&url, settings, Place::Postgres(name)).await
    }

    /// Accounts on SQLite, as `aduan dev` runs it.
    pub async fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("aduan-accounts-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("accounts.sqlite").display());
        Self::over(&url, test_settings(), Place::Sqlite(dir)).await
    }

    async fn over(url: &str, settings: AccountsSettings, place: Place) -> Self {
        let db = aduan_platform::database::connect(url, Default::default()).await.unwrap();
        aduan_platform::migrations::apply::<Migrator>(&db, "accounts").await.unwrap();
        let registry = LiveRegistry::open(&db, Registry::demo()).await.unwrap();
        let state = AccountsState::new(db.clone(), registry, OutboxSignal::default(), settings).unwrap();
        let (router, _openapi) = aduan_accounts::api::router(state.clone()).split_for_parts();
        let router = finish_router(router, Limits::default());
        Self { state, db, router, place }
    }

    /// Drops the database.
    pub async fn finish(self) {
        self.db.close().await.unwrap();
        match self.place {
            Place::Postgres(name) => {
                let admin = Database::connect(admin_url()).await.unwrap();
                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.unwrap();
                admin.close().await.unwrap();
            }
            Place::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    pub async fn call(&self, method: Method, path: &str, bearer: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(bearer) = bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
        }
        let request = match body {
            Some(body) => request.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        Answer { status, headers, body }
    }

    pub async fn get(&self, path: &str, bearer: &str) -> Answer {
        self.call(Method::GET, path, Some(bearer), None).await
    }

    pub async fn post(&self, path: &str, bearer: Option<&str>, body: Value) -> Answer {
        self.call(Method::POST, path, bearer, Some(body)).await
    }

    pub async fn sign_in(&self, username: &str, password: &str, totp: Option<&str>) -> Answer {
        let mut body = json!({"username": username, "password": password});
        if let Some(totp) = totp {
            body["totp"] = json!(totp);
        }
        self.post("/api/v1/sessions", None, body).await
    }

    pub async fn exchange(&self, session_token: &str) -> Answer {
        self.post("/api/v1/tokens", None, json!({"grant_type": "session", "session_token": session_token})).await
    }

    /// The published keys.
    pub async fn keys(&self) -> KeySet {
        let answer = self.call(Method::GET, "/api/v1/keys", None, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        KeySet::from_jwks(&serde_json::from_value(answer.body).unwrap())
    }

    /// The claims of `token`, verified with the published keys.
    pub async fn verify(&self, token: &str) -> Result<Claims, aduan_access::TokenError> {
        aduan_access::verify(token, &self.keys().await, chrono::Utc::now().timestamp())
    }

    /// A member of staff holding `grants`, signed in, with a second factor
    /// enrolled where policy requires one.
    pub async fn staff(&self, username: &str, grants: Vec<Grant>) -> Staff {
        let subject = self.state.add_user(username, "Staf Uji", PASSWORD, grants).await.unwrap();
        let signed_in = self.sign_in(username, PASSWORD, None).await;
        assert_eq!(signed_in.status, StatusCode::CREATED, "{:?}", signed_in.body);
        let mut staff = Staff {
            username: username.to_owned(),
            subject,
            session_token: signed_in.text("session_token"),
            access_token: signed_in.text("access_token"),
            totp_secret: None,
        };
        if signed_in.body["totp_enrolment_required"] == json!(true) {
            staff.enrol_totp(self).await;
        }
        staff
    }

    /// Every `AccountChanged` in the outbox, oldest first, with its actor's pseudonym and raw bytes.
    pub async fn account_events(&self) -> Vec<(AccountChanged, String, Vec<u8>)> {
        outbox_message::Entity::find()
            .order_by_asc(outbox_message::Column::MessageId)
            .all(&self.db)
            .await
            .unwrap()
            .into_iter()
            .map(|row| {
                let envelope = Envelope::decode(row.payload.as_slice()).unwrap();
                let actor = envelope.actor.as_ref().map(|actor| actor.pseudonym.clone()).unwrap_or_default();
                match envelope.event {
                    Some(Event::AccountChanged(changed)) => (changed, actor, row.payload),
                    other => panic!("not an account change: {other:?}"),
                }
            })
            .collect()
    }
}

/// A signed-in member of staff.
#[derive(Debug, Clone)]
pub struct Staff {
    pub username: String,
    pub subject: String,
    pub session_token: String,
    pub access_token: String,
    pub totp_secret: Option<String>,
}

impl Staff {
    /// Enrols a second factor and takes a fresh access token.
    pub async fn enrol_totp(&mut self, app: &App) {
        let begun = app.post("/api/v1/me/totp", Some(&self.access_token), json!({})).await;
        assert_eq!(begun.status, StatusCode::CREATED, "{:?}", begun.body);
        let secret = begun.text("secret");
        let confirmed = app
            .post("/api/v1/me/totp/confirmation", Some(&self.access_token), json!({"code": code_at(&secret, 0)}))
            .await;
        assert_eq!(confirmed.status, StatusCode::NO_CONTENT, "{:?}", confirmed.body);
        self.totp_secret = Some(secret);
        self.refresh(app).await;
    }

    /// A fresh access token from the session.
    pub async fn refresh(&mut self, app: &App) {
        let exchanged = app.exchange(&self.session_token).await;
        assert_eq!(exchanged.status, StatusCode::OK, "{:?}", exchanged.body);
        self.access_token = exchanged.text("access_token");
    }
}

/// The TOTP code for `secret`, `offset_steps` steps from now.
pub fn code_at(secret: &str, offset_steps: i64) -> String {
    let totp = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    let now = chrono::Utc::now().timestamp() + offset_steps * 30;
    totp.generate(u64::try_from(now).unwrap()).to_string()
}

/// Runs `sql` on the test's database (to move a timestamp into the past).
pub async fn sql(app: &App, sql: &str) {
    app.db.execute_unprepared(sql).await.unwrap();
}
