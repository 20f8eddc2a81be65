//! Taking in routing's registry changes: the consumer step every service but
//! routing puts in front of its own, so a service's copy of the registry and
//! its other effects commit the same way, exactly once per message. The
//! service's own step sees the change next, in the same transaction, to do
//! what a new registry asks of it.
//!
//! The version is used only once it is committed: the service's
//! [`LiveRegistry`](crate::LiveRegistry) picks it up from the database, so
//! what a replica uses never runs ahead of what its database holds.

use aduan_platform::bus::HandlerError;
use aduan_platform::consumer::ApplyEvent;
use aduan_platform::envelope::occurred_at;
use aduan_platform::proto::{Envelope, RegistryChanged, envelope::Event};
use async_trait::async_trait;
use sea_orm::DatabaseTransaction;

use crate::live::parse_version;
use crate::store::{self, RegistryVersion};

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
        // Routing checked the document before it sent it; a document that
        // fails here was damaged or made by an incompatible build.
        parse_version(version, &changed.document).map_err(|error| HandlerError::Permanent(error.to_string()))?;
        let row = RegistryVersion {
            version,
            change: changed.change.clone(),
            actor: envelope.actor.as_ref().map(|actor| actor.pseudonym.clone()).unwrap_or_default(),
            changed_at: occurred_at(envelope),
            document: Some(changed.document.clone()),
        };
        store::record(txn, row).await?;
        Ok(())
    }
}
