//! Accounts' public keys, fetched from its JWK set and kept for a minute:
//! a token signed by a key not seen yet (a rotation) makes the set be
//! fetched again at once, at most every few seconds, so a forged key id
//! cannot make a service hammer accounts.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use aduan_access::{Claims, Jwks, KeySet, TokenError};

use crate::http::ApiError;

/// How long a fetched key set is used before it is fetched again.
const FRESH_FOR: Duration = Duration::from_secs(60);
/// The least time between two fetches.
const AT_MOST_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
struct Cached {
    keys: KeySet,
    fetched: Option<Instant>,
}

/// Verifies access tokens with accounts' published keys.
#[derive(Debug, Clone)]
pub struct Authenticator {
    keys_url: String,
    client: reqwest::Client,
    cached: Arc<RwLock<Cached>>,
    fetching: Arc<tokio::sync::Mutex<()>>,
}

impl Authenticator {
    /// Verifies with the keys accounts publishes at `accounts_url`
    /// (`GET /api/v1/keys`).
    pub fn new(accounts_url: &str) -> anyhow::Result<Self> {
        Ok(Self {
            keys_url: format!("{}/api/v1/keys", accounts_url.trim_end_matches('/')),
            client: reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?,
            cached: Arc::default(),
            fetching: Arc::default(),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cached> {
        self.cached.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The caller's claims, if `token` is a valid access token now.
    pub async fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let stale = self.read().fetched.is_none_or(|at| at.elapsed() > FRESH_FOR);
        if stale {
            self.fetch(false).await?;
        }
        let first = aduan_access::verify(token, &self.read().keys, now);
        match first {
            // A key not seen yet: accounts may have rotated since the last fetch.
            Err(TokenError::UnknownKey(_)) if self.fetch(true).await? => {
                aduan_access::verify(token, &self.read().keys, now).map_err(refusal)
            }
            result => result.map_err(refusal),
        }
    }

    /// Fetches the key set unless one was fetched just now; answers whether
    /// it fetched. Without any keys and with accounts unreachable, nothing
    /// can be verified: that is a 503, not a 401.
    async fn fetch(&self, on_unknown_key: bool) -> Result<bool, ApiError> {
        let _one_at_a_time = self.fetching.lock().await;
        let last = self.read().fetched;
        let recent = last.is_some_and(|at| at.elapsed() < if on_unknown_key { AT_MOST_EVERY } else { FRESH_FOR });
        if recent {
            return Ok(false);
        }
        let fetched: Result<Jwks, reqwest::Error> =
            async { self.client.get(&self.keys_url).send().await?.error_for_status()?.json().await }.await;
        match fetched {
            Ok(jwks) => {
                let mut cached = self.cached.write().unwrap_or_else(std::sync::PoisonError::into_inner);
                *cached = Cached { keys: KeySet::from_jwks(&jwks), fetched: Some(Instant::now()) };
                Ok(true)
            }
            Err(error) if self.read().keys.is_empty() => {
                tracing::warn!(url = %self.keys_url, %error, "cannot fetch accounts' public keys");
                Err(ApiError::unavailable(
                    "accounts_unavailable",
                    "access tokens cannot be checked now; try again shortly",
                ))
            }
            Err(error) => {
                // Keep using the keys we have; try again after a while.
                tracing::warn!(url = %self.keys_url, %error, "cannot refresh accounts' public keys; using the ones held");
                let mut cached = self.cached.write().unwrap_or_else(std::sync::PoisonError::into_inner);
                cached.fetched = Some(Instant::now());
                Ok(false)
            }
        }
    }
}

fn refusal(error: TokenError) -> ApiError {
    ApiError::new(axum::http::StatusCode::UNAUTHORIZED, error.code(), error.to_string())
}
