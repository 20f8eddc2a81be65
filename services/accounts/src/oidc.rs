//! Optional sign-in with an OpenID Connect provider (authorization code flow
//! with PKCE). The state, nonce and PKCE verifier are kept server-side for
//! ten minutes; the provider's ID token is verified (signature, issuer,
//! audience, expiry, nonce); users are matched by the provider's subject, and
//! their grants are set at every sign-in from one claim (e.g. `groups`) by a
//! mapping the operator writes in a TOML file.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::time::{Duration, Instant};

use aduan_access::Grant;
use aduan_platform::database::begin_write;
use aduan_platform::http::ApiError;
use aduan_registry::Registry;
use anyhow::Context;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AsyncHttpClient, AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse as _,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use crate::AccountsState;
use crate::entities::{oidc_flow, user};
use crate::events::{self, Change};
use crate::grants::{self, parse_label};
use crate::secrets;
use crate::sessions::{self, Method, SignedIn};
use crate::users::{self, NewUser, Username};

/// How long a sign-in begun at the provider can be finished.
const FLOW_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);
/// How long the provider's discovery document and keys are kept.
const METADATA_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// The largest answer taken from the provider.
const MAX_PROVIDER_ANSWER_BYTES: usize = 1024 * 1024;

/// The provider and how its users' claims become grants.
#[derive(Clone)]
pub struct OidcSettings {
    /// The provider's issuer URL (its discovery document is below it).
    pub issuer_url: String,
    /// aduan's client id at the provider.
    pub client_id: String,
    /// aduan's client secret at the provider.
    pub client_secret: String,
    /// Where the provider sends the browser back (the page that calls
    /// `GET /api/v1/oidc/callback` with the code and state).
    pub redirect_url: String,
    /// Which claim values give which grants.
    pub mapping: ClaimMapping,
}

/// Never prints the client secret.
impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer_url", &self.issuer_url)
            .field("client_id", &self.client_id)
            .field("redirect_url", &self.redirect_url)
            .field("mapping", &self.mapping)
            .finish_non_exhaustive()
    }
}

impl OidcSettings {
    /// Refuses URLs that are not URLs and an empty client id or secret.
    pub fn validate(&self) -> anyhow::Result<()> {
        IssuerUrl::new(self.issuer_url.clone()).context("the OIDC issuer URL")?;
        RedirectUrl::new(self.redirect_url.clone()).context("the OIDC redirect URL")?;
        anyhow::ensure!(!self.client_id.trim().is_empty(), "the OIDC client id is empty");
        anyhow::ensure!(!self.client_secret.trim().is_empty(), "the OIDC client secret is empty");
        Ok(())
    }
}

/// The claim mapping file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimMappingFile {
    /// The claim whose values are mapped; `groups` if not given.
    claim: Option<String>,
    /// Scopes to ask for besides `openid` (`profile` if not given).
    scopes: Option<Vec<String>>,
    /// Claim value → grants, each `role` or `role@institution`.
    grants: BTreeMap<String, Vec<String>>,
}

/// Which values of one claim give which grants. For example:
///
/// ```toml
/// claim = "groups"
/// [grants]
/// "aduan-national-verifiers" = ["verifier"]
/// "bandung-roads" = ["officer@bandung-dpu"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimMapping {
    /// The claim read from the ID token (a string or an array of strings).
    pub claim: String,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// Claim value → grants.
    pub grants: BTreeMap<String, Vec<Grant>>,
}

impl ClaimMapping {
    /// Reads the mapping file at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the OIDC claim mapping {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in the OIDC claim mapping {}", path.display()))
    }

    /// Reads a mapping from TOML text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let file: ClaimMappingFile = toml::from_str(text)?;
        let mut grants = BTreeMap::new();
        for (value, labels) in file.grants {
            let parsed = labels
                .iter()
                .map(|label| {
                    parse_label(label).filter(Grant::is_well_formed).with_context(|| {
                        format!("{label:?} (for {value:?}) is not a grant: write role or role@institution")
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            grants.insert(value, parsed);
        }
        Ok(Self {
            claim: file.claim.unwrap_or_else(|| "groups".into()),
            scopes: file.scopes.unwrap_or_else(|| vec!["profile".into()]),
            grants,
        })
    }

    /// The grants the claim in `claims` gives, of institutions `registry` knows.
    pub fn grants_for(&self, claims: &serde_json::Value, registry: &Registry) -> Vec<Grant> {
        let values: Vec<&str> = match claims.get(&self.claim) {
            Some(serde_json::Value::String(value)) => vec![value.as_str()],
            Some(serde_json::Value::Array(values)) => values.iter().filter_map(serde_json::Value::as_str).collect(),
            _ => Vec::new(),
        };
        let mut grants: Vec<Grant> = values
            .into_iter()
            .filter_map(|value| self.grants.get(value))
            .flatten()
            .filter(|grant| {
                let known = grant.institution.as_deref().is_none_or(|id| registry.institution(id).is_some());
                if !known {
                    tracing::warn!(grant = %grants::grant_label(grant), "the OIDC claim mapping names an unknown institution");
                }
                known
            })
            .cloned()
            .collect();
        grants.sort();
        grants.dedup();
        grants
    }
}

/// An HTTP client for the provider: no redirects followed (they would open
/// the door to request forgery), a deadline, and a bounded answer.
#[derive(Debug, Clone)]
struct ProviderHttp(reqwest::Client);

/// Why a call to the provider failed.
#[derive(Debug, thiserror::Error)]
enum ProviderHttpError {
    #[error("the request to the provider failed: {0}")]
    Request(String),
    #[error("the provider's answer is larger than {MAX_PROVIDER_ANSWER_BYTES} bytes")]
    TooLarge,
}

impl<'c> AsyncHttpClient<'c> for ProviderHttp {
    type Error = ProviderHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let failed = |error: reqwest::Error| ProviderHttpError::Request(error.without_url().to_string());
            let request = reqwest::Request::try_from(request).map_err(failed)?;
            let mut response = self.0.execute(request).await.map_err(failed)?;
            let mut answer = openidconnect::http::Response::builder().status(response.status());
            if let Some(headers) = answer.headers_mut() {
                *headers = response.headers().clone();
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(failed)? {
                if body.len() + chunk.len() > MAX_PROVIDER_ANSWER_BYTES {
                    return Err(ProviderHttpError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            answer.body(body).map_err(|error| ProviderHttpError::Request(error.to_string()))
        })
    }
}

/// The configured provider, its discovery document fetched when first needed.
#[derive(Debug)]
pub struct Provider {
    settings: OidcSettings,
    http: ProviderHttp,
    metadata: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

/// 502 `oidc_provider_error`, logging why.
fn provider_error(error: impl std::fmt::Display) -> ApiError {
    tracing::warn!(%error, "the OIDC provider could not be used");
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "oidc_provider_error",
        "the sign-in provider did not answer as expected; try again",
    )
}

/// 401 `oidc_state_invalid`.
fn state_invalid() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "oidc_state_invalid",
        "this sign-in was not begun here, was already finished, or took longer than 10 minutes; begin again",
    )
}

impl Provider {
    /// The provider of `settings`.
    pub fn new(settings: OidcSettings) -> anyhow::Result<Self> {
        settings.validate()?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .context("building the HTTP client for the OIDC provider")?;
        Ok(Self { settings, http: ProviderHttp(client), metadata: Mutex::new(None) })
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, ApiError> {
        let mut cached = self.metadata.lock().await;
        if let Some((fetched, metadata)) = cached.as_ref()
            && fetched.elapsed() < METADATA_LIFETIME
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer_url.clone()).map_err(provider_error)?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(provider_error)?;
        *cached = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn redirect_url(&self) -> Result<RedirectUrl, ApiError> {
        RedirectUrl::new(self.settings.redirect_url.clone()).map_err(ApiError::internal)
    }

    /// Begins a sign-in: answers the provider's URL to send the browser to.
    pub async fn begin(&self, state: &AccountsState) -> Result<String, ApiError> {
        let metadata = self.metadata().await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect_url()?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .set_pkce_challenge(challenge);
        for scope in &self.settings.mapping.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, csrf, nonce) = request.url();
        let digest = secrets::digest(csrf.secret()).ok_or_else(|| ApiError::internal("an OIDC state has no digest"))?;
        let now = Utc::now();
        oidc_flow::ActiveModel {
            state_digest: Set(digest),
            nonce: Set(nonce.secret().clone()),
            pkce_verifier: Set(verifier.secret().clone()),
            created_at: Set(now),
            expires_at: Set(now + FLOW_LIFETIME),
        }
        .insert(&state.db)
        .await?;
        Ok(url.to_string())
    }

    /// Finishes a sign-in with the provider's `code` and `flow_state`: the
    /// same answer as a password sign-in.
    pub async fn finish(&self, state: &AccountsState, code: &str, flow_state: &str) -> Result<SignedIn, ApiError> {
        let flow = take_flow(state, flow_state).await?;
        let metadata = self.metadata().await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect_url()?);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(provider_error)?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(provider_error)?;
        let id_token = response.id_token().ok_or_else(|| provider_error("the token answer has no ID token"))?;
        let claims =
            id_token.claims(&client.id_token_verifier(), &Nonce::new(flow.nonce.clone())).map_err(|error| {
                tracing::warn!(%error, "an OIDC ID token was refused");
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "oidc_token_invalid",
                    "the sign-in provider's token was not valid",
                )
            })?;
        let subject = claims.subject().as_str().to_owned();
        let name = claims.name().and_then(|name| name.get(None)).map(|name| name.as_str().to_owned());
        // The signature was verified just above; read the claim the mapping names.
        let raw =
            raw_claims(&id_token.to_string()).ok_or_else(|| provider_error("the ID token's claims are unreadable"))?;
        let registry = state.registry.current();
        let granted = self.settings.mapping.grants_for(&raw, &registry);
        let user = self.user_for(state, &subject, name.as_deref(), granted.clone()).await?;
        if user.disabled {
            return Err(ApiError::forbidden("account_disabled", "this account is disabled"));
        }
        if granted.is_empty() {
            return Err(no_mapped_grants());
        }
        let signed_in = sessions::open(state, &user, Method::Oidc, false).await?;
        tracing::info!(user = %user.id, "signed in with OIDC");
        Ok(signed_in)
    }

    /// The user the provider's `subject` is, made at the first sign-in, with
    /// `granted` as their grants.
    async fn user_for(
        &self,
        state: &AccountsState,
        subject: &str,
        name: Option<&str>,
        granted: Vec<Grant>,
    ) -> Result<user::Model, ApiError> {
        let key = hex::encode(Sha256::digest(format!("{}\n{subject}", self.settings.issuer_url).as_bytes()));
        let txn = begin_write(&state.db).await?;
        let existing = user::Entity::find().filter(user::Column::OidcKey.eq(key.as_str())).one(&txn).await?;
        let user = match existing {
            Some(user) if grants::from_json(&user.grants) == granted => user,
            Some(user) => {
                let mut active = user.into_active_model();
                active.grants = Set(grants::to_json(&granted));
                active.updated_at = Set(Utc::now());
                let user = active.update(&txn).await?;
                events::record(&txn, events::system(), &user.id, Change::GrantsChanged, &granted).await?;
                user
            }
            None if granted.is_empty() => return Err(no_mapped_grants()),
            None => {
                let username = Username::parse(&format!("oidc-{}", &key[..16]))?;
                let display_name =
                    name.and_then(|name| users::display_name(name).ok()).unwrap_or_else(|| "OIDC user".to_owned());
                // Where every grant is in one institution, its administrators manage the user.
                let first = granted.first().and_then(|grant| grant.institution.clone());
                let institution = first.filter(|first| granted.iter().all(|g| g.institution.as_ref() == Some(first)));
                let new = NewUser {
                    username,
                    display_name,
                    email: None,
                    institution,
                    password_hash: None,
                    grants: granted,
                    totp_exempt: false,
                    oidc_key: Some(key),
                };
                users::insert(&txn, new, events::system()).await?
            }
        };
        txn.commit().await?;
        state.outbox.wake();
        Ok(user)
    }
}

fn no_mapped_grants() -> ApiError {
    ApiError::forbidden("no_mapped_grants", "the sign-in provider gives this account no role in aduan")
}

/// The flow `flow_state` names, taken out (a state works once); 401
/// `oidc_state_invalid` if there is none or it expired.
async fn take_flow(state: &AccountsState, flow_state: &str) -> Result<oidc_flow::Model, ApiError> {
    let digest = secrets::digest(flow_state).ok_or_else(state_invalid)?;
    let flow = oidc_flow::Entity::find_by_id(digest.clone()).one(&state.db).await?.ok_or_else(state_invalid)?;
    let taken = oidc_flow::Entity::delete_by_id(digest).exec(&state.db).await?.rows_affected == 1;
    if !taken || flow.expires_at <= Utc::now() {
        return Err(state_invalid());
    }
    Ok(flow)
}

/// The payload of a JWS whose signature was already verified.
fn raw_claims(jwt: &str) -> Option<serde_json::Value> {
    let payload = jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aduan_access::StaffRole;

    const MAPPING: &str = r#"
        claim = "groups"
        [grants]
        "aduan-verifiers" = ["verifier"]
        "bandung-roads" = ["officer@bandung-dpu", "supervisor@bandung-dpu"]
        "atlantis" = ["officer@atlantis"]
    "#;

    #[test]
    fn claim_values_map_to_grants_of_known_institutions() {
        let mapping = ClaimMapping::parse(MAPPING).unwrap_or_else(|error| panic!("{error:#}"));
        let registry = Registry::demo();
        let claims = serde_json::json!({"groups": ["bandung-roads", "aduan-verifiers", "atlantis", "other"]});
        assert_eq!(
            mapping.grants_for(&claims, &registry),
            vec![
                Grant::national(StaffRole::Verifier),
                Grant::in_institution(StaffRole::Officer, "bandung-dpu"),
                Grant::in_institution(StaffRole::Supervisor, "bandung-dpu"),
            ]
        );
        let one = serde_json::json!({"groups": "aduan-verifiers"});
        assert_eq!(mapping.grants_for(&one, &registry), vec![Grant::national(StaffRole::Verifier)]);
        assert!(mapping.grants_for(&serde_json::json!({}), &registry).is_empty());
    }

    #[test]
    fn the_example_mapping_reads() {
        let example = include_str!("../oidc-claims.example.toml");
        let mapping = ClaimMapping::parse(example).unwrap_or_else(|error| panic!("{error:#}"));
        assert_eq!(mapping.claim, "groups");
        let registry = Registry::demo();
        for grants in mapping.grants.values() {
            for grant in grants {
                assert!(grant.institution.as_deref().is_none_or(|id| registry.institution(id).is_some()), "{grant:?}");
            }
        }
    }

    #[test]
    fn a_mapping_with_a_bad_grant_or_key_is_refused() {
        assert!(ClaimMapping::parse("[grants]\n\"x\" = [\"officer\"]\n").is_err(), "an officer needs an institution");
        assert!(ClaimMapping::parse("[grants]\n\"x\" = [\"king\"]\n").is_err());
        assert!(ClaimMapping::parse("claims = \"groups\"\n[grants]\n").is_err(), "unknown key");
    }
}
