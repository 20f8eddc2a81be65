//! API keys given in a request (Open311's `api_key`): they are accounts' API
//! tokens. A key is exchanged at accounts for an access token, which is then
//! verified like any other; the answer is kept for a minute, so a busy
//! partner costs accounts one exchange a minute and a revoked key stops
//! working within that minute.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aduan_access::Claims;
use axum::http::StatusCode;
use sha2::{Digest, Sha256};

use super::Authenticator;
use crate::http::ApiError;

/// How long an accepted key is taken without asking accounts again.
const ACCEPTED_FOR: Duration = Duration::from_secs(60);
/// How long a refused key is refused without asking accounts again, so a
/// flood of made-up keys costs accounts one exchange per key and window.
const REFUSED_FOR: Duration = Duration::from_secs(10);
/// Past this many remembered keys, the memory is cleared: a flood of made-up
/// keys must not grow it.
const MOST_REMEMBERED: usize = 10_000;
/// The longest key sent to accounts at all.
const MAX_KEY_CHARACTERS: usize = 200;

/// Keys by their SHA-256: their claims (or `None`: refused) and when they were checked.
type Remembered = HashMap<[u8; 32], (Option<Claims>, Instant)>;

/// Checks API keys with accounts.
#[derive(Debug, Clone)]
pub struct ApiKeys {
    tokens_url: String,
    client: reqwest::Client,
    authenticator: Arc<Authenticator>,
    remembered: Arc<Mutex<Remembered>>,
}

#[derive(serde::Deserialize)]
struct Exchanged {
    access_token: String,
}

/// 403 `api_key_invalid`: Open311 answers a bad key with 403.
fn refused() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "api_key_invalid", "the api_key is unknown, expired or revoked")
}

impl ApiKeys {
    /// Exchanges keys at accounts (`accounts_url`), verifying what comes back
    /// with `authenticator`.
    pub fn new(accounts_url: &str, authenticator: Arc<Authenticator>) -> anyhow::Result<Self> {
        Ok(Self {
            tokens_url: format!("{}/api/v1/tokens", accounts_url.trim_end_matches('/')),
            client: reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?,
            authenticator,
            remembered: Arc::default(),
        })
    }

    fn remembered(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.remembered.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn remember(&self, digest: [u8; 32], claims: Option<Claims>) {
        let mut remembered = self.remembered();
        if remembered.len() >= MOST_REMEMBERED {
            remembered.clear();
        }
        remembered.insert(digest, (claims, Instant::now()));
    }

    /// The claims of the machine (or user) whose API token `key` is.
    pub async fn check(&self, key: &str) -> Result<Claims, ApiError> {
        let key = key.trim();
        if key.is_empty() {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "api_key_required", "an api_key is required"));
        }
        if key.chars().count() > MAX_KEY_CHARACTERS {
            return Err(refused());
        }
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let known = self.remembered().get(&digest).cloned();
        match known {
            Some((Some(claims), at)) if at.elapsed() < ACCEPTED_FOR => return Ok(claims),
            Some((None, at)) if at.elapsed() < REFUSED_FOR => return Err(refused()),
            _ => {}
        }
        match self.exchange(key).await {
            Ok(claims) => {
                self.remember(digest, Some(claims.clone()));
                Ok(claims)
            }
            Err(error) if error.status == StatusCode::FORBIDDEN => {
                self.remember(digest, None);
                Err(error)
            }
            Err(error) => Err(error),
        }
    }

    async fn exchange(&self, key: &str) -> Result<Claims, ApiError> {
        let body = serde_json::json!({ "grant_type": "api_token", "api_token": key });
        let response = self.client.post(&self.tokens_url).json(&body).send().await.map_err(|error| {
            tracing::warn!(url = %self.tokens_url, %error, "cannot reach accounts to check an api_key");
            unavailable()
        })?;
        match response.status() {
            status if status.is_success() => {
                let exchanged: Exchanged = response.json().await.map_err(|error| {
                    tracing::warn!(%error, "accounts answered an api_key exchange with something unreadable");
                    unavailable()
                })?;
                self.authenticator.verify(&exchanged.access_token).await
            }
            StatusCode::UNAUTHORIZED | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => Err(refused()),
            status => {
                tracing::warn!(%status, "accounts refused to exchange an api_key");
                Err(unavailable())
            }
        }
    }
}

fn unavailable() -> ApiError {
    ApiError::unavailable("accounts_unavailable", "api keys cannot be checked now; try again shortly")
}
