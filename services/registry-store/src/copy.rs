//! Taking in routing's registry changes: the consumer step every service but
//! routing puts in front of its own, so a service's copy of the registry and
//! its other effects commit the same way, exactly once per message. The
//! service's own step sees the change next, in the same transaction, to do
//! what a new registry asks of it.
//!
//! Version 1 carries the whole registry; every later version only its
//! change, which the copy makes to the version before, in order: a version
//! that arrives before the one it follows waits (is retried) until that one
//! is in, and the result must have the digest routing computed, or the copy
//! refuses it rather than drift from routing's registry.
//!
//! The version is used only once it is committed: the service's
//! [`LiveRegistry`](crate::LiveRegistry) picks it up from the database, so
//! what a replica uses never runs ahead of what its database holds.

use aduan_platform::bus::{HandlerError, Incoming};
use aduan_platform::consumer::ApplyEvent;
use aduan_platform::envelope::occurred_at;
use aduan_platform::proto::{Envelope, RegistryChanged, envelope::Event};
use async_trait::async_trait;
use sea_orm::DatabaseTransaction;

use crate::live::parse_version;
use crate::store::{self, RegistryVersion};

/// The SHA-256 (hex) of a registry document, as routing sends it with each version.
pub fn digest_of(document: &str) -> String {
    use sha2::{Digest as _, Sha256};
    hex::encode(Sha256::digest(document.as_bytes()))
}

/// `inner`, with `registry_changed` events stored in the service's database
/// before they reach it.
#[derive(Debug)]
pub struct WithRegistryCopy<A> {
    inner: A,
}

impl<A> WithRegistryCopy<A> {
    /// Keeps the registry copy in front of `inner`.
    pub fn new(inner: A) -> Self {
        Self { inner }
    }
}

#[async_trait]
impl<A: ApplyEvent> ApplyEvent for WithRegistryCopy<A> {
    async fn apply(&self, txn: &DatabaseTransaction, envelope: &Envelope) -> Result<(), HandlerError> {
        if let Some(Event::RegistryChanged(changed)) = &envelope.event {
            self.take(txn, envelope, changed).await?;
        }
        self.inner.apply(txn, envelope).await
    }

    /// The registry's changes are taken where they stand in the batch, and
    /// the events between them go to the inner service together.
    async fn apply_batch(&self, txn: &DatabaseTransaction, batch: &[&Incoming]) -> Result<(), HandlerError> {
        let mut from = 0;
        for (at, incoming) in batch.iter().enumerate() {
            if let Some(Event::RegistryChanged(changed)) = &incoming.envelope.event {
                if from < at {
                    self.inner.apply_batch(txn, &batch[from..at]).await?;
                }
                self.take(txn, &incoming.envelope, changed).await?;
                // The change itself goes on to the inner service too, first
                // of the next part, as `apply` hands it on after taking it.
                from = at;
            }
        }
        if from < batch.len() {
            self.inner.apply_batch(txn, &batch[from..]).await?;
        }
        Ok(())
    }
}

impl<A> WithRegistryCopy<A> {
    async fn take(
        &self,
        txn: &DatabaseTransaction,
        envelope: &Envelope,
        changed: &RegistryChanged,
    ) -> Result<(), HandlerError> {
        let version = i64::try_from(changed.version)
            .ok()
            .filter(|&version| version > 0)
            .ok_or_else(|| HandlerError::Permanent(format!("registry version {} is out of range", changed.version)))?;
        let newest = store::newest_version(txn).await?;
        if version <= newest {
            return Ok(());
        }
        let document = if changed.document.is_empty() {
            Self::made_from_the_one_before(txn, version, newest, &changed.change).await?
        } else {
            // Routing checked the document before it sent it; a document that
            // fails here was damaged or made by an incompatible build.
            parse_version(version, &changed.document).map_err(|error| HandlerError::Permanent(error.to_string()))?;
            changed.document.clone()
        };
        if !changed.digest.is_empty() && digest_of(&document) != changed.digest {
            return Err(HandlerError::Permanent(format!(
                "registry version {version} made here differs from routing's (digest mismatch): \
                 this build and routing's disagree on the registry's format"
            )));
        }
        let row = RegistryVersion {
            version,
            change: changed.change.clone(),
            actor: envelope.actor.as_ref().map(|actor| actor.pseudonym.clone()).unwrap_or_default(),
            changed_at: occurred_at(envelope),
            document: Some(document),
        };
        store::record(txn, row).await?;
        Ok(())
    }

    /// The document of `version`: `change` made to `newest`, which must be the
    /// version just before it.
    async fn made_from_the_one_before(
        txn: &DatabaseTransaction,
        version: i64,
        newest: i64,
        change: &str,
    ) -> Result<String, HandlerError> {
        if version != newest + 1 {
            return Err(HandlerError::Transient(anyhow::anyhow!(
                "registry version {version} arrived before version {}; waiting for it",
                newest + 1
            )));
        }
        let Some((_, document)) = store::newest(txn).await? else {
            return Err(HandlerError::Transient(anyhow::anyhow!("no registry version {newest} to change yet")));
        };
        let before = parse_version(newest, &document).map_err(|error| HandlerError::Permanent(error.to_string()))?;
        let change: aduan_registry::RegistryChange = serde_json::from_str(change)
            .map_err(|error| HandlerError::Permanent(format!("registry version {version}'s change: {error}")))?;
        let after = before
            .with_change(&change)
            .map_err(|error| HandlerError::Permanent(format!("registry version {version}'s change: {error}")))?;
        Ok(after.to_toml())
    }
}

/// Stores, before a service starts consuming, the registry routing serves at
/// `routing_url` (`GET /api/v1/registry`), when the service has no version
/// yet: a service deployed after the first versions were published would
/// otherwise wait for ever for version 1. Answers the version stored, if any;
/// routing not answering is not an error (the versions will come by the bus).
pub async fn bootstrap_from_routing(
    db: &sea_orm::DatabaseConnection,
    routing_url: &str,
) -> anyhow::Result<Option<i64>> {
    #[derive(serde::Deserialize)]
    struct Served {
        version: i64,
        document: aduan_registry::RegistryDocument,
    }
    if store::newest_version(db).await? > 0 {
        return Ok(None);
    }
    let url = format!("{}/api/v1/registry", routing_url.trim_end_matches('/'));
    let served: Served = match async {
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?
            .get(&url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
    .await
    {
        Ok(served) => served,
        Err(error) => {
            tracing::warn!(%url, %error, "could not fetch the registry from routing; waiting for its versions on the bus");
            return Ok(None);
        }
    };
    let document = toml::to_string(&served.document)?;
    parse_version(served.version, &document)?;
    let row = RegistryVersion {
        version: served.version,
        change: r#"{"kind":"fetched"}"#.to_owned(),
        actor: "routing".to_owned(),
        changed_at: chrono::Utc::now(),
        document: Some(document),
    };
    store::record(db, row).await?;
    tracing::info!(version = served.version, "registry fetched from routing");
    Ok(Some(served.version))
}
