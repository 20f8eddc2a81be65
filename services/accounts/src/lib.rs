//! Accounts: staff users, their roles and scopes, sessions, second factors,
//! API tokens for machines and optional OIDC sign-in. It signs the
//! short-lived access tokens (`aduan_access`) that every other service
//! verifies for itself with the keys accounts publishes.

pub mod api;
mod api_tokens;
mod authorization;
mod background;
mod demo;
pub mod entities;
mod events;
mod grants;
mod keys;
pub mod migration;
mod oidc;
mod passwords;
mod second_factor;
mod secrets;
mod sessions;
pub mod settings;
mod throttle;
mod users;

use std::sync::Arc;

use aduan_platform::bus::{HandlerError, MessageHandler, Subscription};
use aduan_platform::consumer::{ApplyEvent, TransactionalConsumer};
use aduan_platform::outbox::OutboxSignal;
use aduan_platform::proto::Envelope;
use aduan_registry_store::{LiveRegistry, WithRegistryCopy};
use sea_orm::{DatabaseConnection, DatabaseTransaction};

pub use authorization::{Action, RULES, Reach};
pub use background::{background_tasks, keep_keys_rotated, keep_purging, purge_expired};
pub use demo::{DEMO_OPEN311_KEY, DemoUser, add_user, seed_demo_open311_key, seed_demo_users};
pub use migration::Migrator;
pub use oidc::{ClaimMapping, OidcSettings};
pub use sessions::{IssuedToken, SignedIn};
pub use settings::{AccountsSettings, PasswordHashing};

/// The service's name on the bus and in traces.
pub const SERVICE: &str = "accounts";

/// What accounts' handlers share.
#[derive(Clone)]
pub struct AccountsState {
    /// Accounts' own database.
    pub db: DatabaseConnection,
    /// The tree of institutions that scopes grants.
    pub registry: Arc<LiveRegistry>,
    /// Wakes the outbox relay after a commit.
    pub outbox: OutboxSignal,
    /// Lifetimes, lockout, policy.
    pub settings: Arc<AccountsSettings>,
    /// The signing keys, read from the database and kept for a moment.
    keys: Arc<keys::KeyRing>,
    /// Password hashing, a few at a time.
    passwords: Arc<passwords::Passwords>,
    /// The OIDC provider, if one is configured.
    oidc: Option<Arc<oidc::Provider>>,
}

impl std::fmt::Debug for AccountsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountsState").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl AccountsState {
    /// How many passwords were checked against a hash so far: every sign-in
    /// attempt checks one, whether or not its user exists.
    pub fn password_checks(&self) -> u64 {
        self.passwords.checks_done()
    }

    /// Accounts over its database `db`, scoping grants with `registry`.
    pub fn new(
        db: DatabaseConnection,
        registry: Arc<LiveRegistry>,
        outbox: OutboxSignal,
        settings: AccountsSettings,
    ) -> anyhow::Result<Self> {
        settings.validate()?;
        let passwords = passwords::Passwords::new(settings.password_hashing, settings.max_concurrent_hashes)?;
        let oidc = settings.oidc.clone().map(oidc::Provider::new).transpose()?.map(Arc::new);
        Ok(Self {
            db,
            registry,
            outbox,
            keys: Arc::new(keys::KeyRing::new(settings.key_refresh)),
            passwords: Arc::new(passwords),
            oidc,
            settings: Arc::new(settings),
        })
    }

    /// Makes the first signing key if there is none (at first start); the
    /// first token issued would make it otherwise.
    pub async fn ensure_signing_key(&self) -> anyhow::Result<()> {
        self.keys.loaded(&self.db).await?;
        Ok(())
    }

    /// Creates a user with this state's password hashing (`add_user` uses
    /// the production cost): for set-up code and tests.
    pub async fn add_user(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
        grants: Vec<aduan_access::Grant>,
    ) -> anyhow::Result<String> {
        demo::create_user(
            &self.db,
            &self.passwords,
            Some(&self.registry.current()),
            username,
            display_name,
            password,
            grants,
            false,
        )
        .await
    }
}

/// Accounts keeps a copy of the registry and does nothing else with events.
#[derive(Debug, Clone, Copy)]
struct RegistryOnly;

#[async_trait::async_trait]
impl ApplyEvent for RegistryOnly {
    async fn apply(&self, _txn: &DatabaseTransaction, _envelope: &Envelope) -> Result<(), HandlerError> {
        Ok(())
    }
}

/// Accounts' consumer: the registry's changes, kept in its copy.
pub fn consumer(state: &AccountsState) -> (Subscription, Arc<dyn MessageHandler>) {
    let handler = TransactionalConsumer::new(
        SERVICE,
        state.db.clone(),
        state.outbox.clone(),
        WithRegistryCopy::new(RegistryOnly),
    );
    (aduan_platform::topology::accounts(), Arc::new(handler))
}
