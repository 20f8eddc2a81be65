//! How accounts behaves: lifetimes, lockout, the second-factor policy,
//! password hashing, key rotation and the optional OIDC provider. Defaults
//! are the production values; `ADUAN_ACCOUNTS_*` and `ADUAN_OIDC_*`
//! environment variables change them (see [`AccountsSettings::from_env`]).

use std::path::Path;
use std::time::Duration;

use aduan_access::{MAX_LIFETIME_SECONDS, StaffRole};
use anyhow::Context;

use crate::oidc::{ClaimMapping, OidcSettings};

/// Everything accounts can be told.
#[derive(Debug, Clone)]
pub struct AccountsSettings {
    /// How long an access token lives: at most [`MAX_LIFETIME_SECONDS`].
    pub access_token_lifetime: Duration,
    /// A session unused this long ends.
    pub session_idle_timeout: Duration,
    /// A session ends this long after sign-in, however much it is used.
    pub session_absolute_timeout: Duration,
    /// Whether the second-factor policy holds for everyone. When false
    /// (`aduan dev`), users created with the demo flag are exempt from it;
    /// users without the flag never are.
    pub totp_required: bool,
    /// Holding a grant with one of these roles requires a second factor.
    pub totp_required_roles: Vec<StaffRole>,
    /// The issuer name authenticator apps show next to the code.
    pub totp_issuer: String,
    /// Consecutive failed sign-ins that lock an account.
    pub lockout_threshold: u32,
    /// The first lockout's length; each next one doubles it.
    pub lockout_base: Duration,
    /// The longest lockout.
    pub lockout_max: Duration,
    /// How long a password-reset link works.
    pub password_reset_lifetime: Duration,
    /// The current signing key is replaced once it is this old.
    pub key_rotation_age: Duration,
    /// How long a replica keeps the signing keys it read before reading them
    /// again (another replica may have rotated them).
    pub key_refresh: Duration,
    /// How often the background work (rotation, purges) looks for work.
    pub maintenance_tick: Duration,
    /// Argon2id's cost for new password hashes.
    pub password_hashing: PasswordHashing,
    /// Password hashes computed at once, at most: each takes its memory cost.
    pub max_concurrent_hashes: usize,
    /// The OIDC provider staff may sign in with; `None`: off.
    pub oidc: Option<OidcSettings>,
}

/// Argon2id's cost parameters (OWASP's: m = 19 MiB, t = 2, p = 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordHashing {
    /// Memory, in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for PasswordHashing {
    fn default() -> Self {
        Self { memory_kib: 19_456, iterations: 2, parallelism: 1 }
    }
}

impl Default for AccountsSettings {
    fn default() -> Self {
        Self {
            access_token_lifetime: Duration::from_secs(MAX_LIFETIME_SECONDS.unsigned_abs()),
            session_idle_timeout: Duration::from_secs(30 * 60),
            session_absolute_timeout: Duration::from_secs(12 * 3600),
            totp_required: true,
            totp_required_roles: vec![StaffRole::Verifier, StaffRole::Administrator],
            totp_issuer: "aduan".into(),
            lockout_threshold: 5,
            lockout_base: Duration::from_secs(60),
            lockout_max: Duration::from_secs(3600),
            password_reset_lifetime: Duration::from_secs(3600),
            key_rotation_age: Duration::from_secs(30 * 24 * 3600),
            key_refresh: Duration::from_secs(5),
            maintenance_tick: Duration::from_secs(60),
            password_hashing: PasswordHashing::default(),
            max_concurrent_hashes: std::thread::available_parallelism().map_or(2, usize::from),
            oidc: None,
        }
    }
}

/// Reads the variable `name`, parsed, if it is set.
fn env_var<T: std::str::FromStr>(name: &str) -> anyhow::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .map(Some)
            .map_err(|error| anyhow::anyhow!("environment variable {name}={value:?} is not valid: {error}")),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(error) => Err(anyhow::anyhow!("environment variable {name}: {error}")),
    }
}

fn seconds(name: &str, unit: u64, into: &mut Duration) -> anyhow::Result<()> {
    if let Some(value) = env_var::<u64>(name)? {
        *into = Duration::from_secs(value.saturating_mul(unit));
    }
    Ok(())
}

impl AccountsSettings {
    /// The defaults, changed by these variables where set:
    /// `ADUAN_ACCOUNTS_TOKEN_LIFETIME_SECONDS`, `ADUAN_ACCOUNTS_SESSION_IDLE_MINUTES`,
    /// `ADUAN_ACCOUNTS_SESSION_ABSOLUTE_HOURS`, `ADUAN_ACCOUNTS_TOTP_REQUIRED` (true/false),
    /// `ADUAN_ACCOUNTS_TOTP_REQUIRED_ROLES` (comma-separated roles),
    /// `ADUAN_ACCOUNTS_LOCKOUT_THRESHOLD`, `ADUAN_ACCOUNTS_KEY_ROTATION_DAYS`,
    /// `ADUAN_ACCOUNTS_PASSWORD_RESET_MINUTES`; and OIDC, on when
    /// `ADUAN_OIDC_ISSUER_URL` is set: `ADUAN_OIDC_CLIENT_ID`,
    /// `ADUAN_OIDC_CLIENT_SECRET_FILE` (or `ADUAN_OIDC_CLIENT_SECRET`),
    /// `ADUAN_OIDC_REDIRECT_URL`, `ADUAN_OIDC_CLAIMS_FILE`.
    pub fn from_env() -> anyhow::Result<Self> {
        let mut settings = Self::default();
        seconds("ADUAN_ACCOUNTS_TOKEN_LIFETIME_SECONDS", 1, &mut settings.access_token_lifetime)?;
        seconds("ADUAN_ACCOUNTS_SESSION_IDLE_MINUTES", 60, &mut settings.session_idle_timeout)?;
        seconds("ADUAN_ACCOUNTS_SESSION_ABSOLUTE_HOURS", 3600, &mut settings.session_absolute_timeout)?;
        seconds("ADUAN_ACCOUNTS_KEY_ROTATION_DAYS", 24 * 3600, &mut settings.key_rotation_age)?;
        seconds("ADUAN_ACCOUNTS_PASSWORD_RESET_MINUTES", 60, &mut settings.password_reset_lifetime)?;
        if let Some(value) = env_var("ADUAN_ACCOUNTS_TOTP_REQUIRED")? {
            settings.totp_required = value;
        }
        if let Some(value) = env_var::<String>("ADUAN_ACCOUNTS_TOTP_REQUIRED_ROLES")? {
            settings.totp_required_roles = parse_roles(&value).context("ADUAN_ACCOUNTS_TOTP_REQUIRED_ROLES")?;
        }
        if let Some(value) = env_var("ADUAN_ACCOUNTS_LOCKOUT_THRESHOLD")? {
            settings.lockout_threshold = value;
        }
        settings.oidc = oidc_from_env()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Refuses settings that would weaken what accounts promises.
    pub fn validate(&self) -> anyhow::Result<()> {
        let lifetime = self.access_token_lifetime.as_secs();
        anyhow::ensure!(
            (1..=MAX_LIFETIME_SECONDS.unsigned_abs()).contains(&lifetime),
            "the access token lifetime must be 1 to {MAX_LIFETIME_SECONDS} seconds, not {lifetime}"
        );
        anyhow::ensure!(!self.session_idle_timeout.is_zero(), "the session idle timeout must be above 0");
        anyhow::ensure!(
            self.session_absolute_timeout >= self.session_idle_timeout,
            "the absolute session timeout must be at least the idle timeout"
        );
        anyhow::ensure!(self.lockout_threshold >= 1, "the lockout threshold must be at least 1");
        anyhow::ensure!(self.lockout_base <= self.lockout_max, "the first lockout must not be longer than the longest");
        anyhow::ensure!(!self.password_reset_lifetime.is_zero(), "a password-reset link must live above 0 s");
        anyhow::ensure!(
            self.key_rotation_age.as_secs() > 2 * MAX_LIFETIME_SECONDS.unsigned_abs(),
            "signing keys must live longer than two access token lifetimes"
        );
        anyhow::ensure!(self.max_concurrent_hashes >= 1, "at least one password hash must be allowed at once");
        anyhow::ensure!(!self.maintenance_tick.is_zero(), "the maintenance tick must be above 0");
        Ok(())
    }
}

fn parse_roles(text: &str) -> anyhow::Result<Vec<StaffRole>> {
    text.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| StaffRole::parse(name).with_context(|| format!("{name:?} is not a staff role")))
        .collect()
}

fn oidc_from_env() -> anyhow::Result<Option<OidcSettings>> {
    let Some(issuer_url) = env_var::<String>("ADUAN_OIDC_ISSUER_URL")? else {
        return Ok(None);
    };
    let required = |name: &str| -> anyhow::Result<String> {
        env_var::<String>(name)?.with_context(|| format!("ADUAN_OIDC_ISSUER_URL is set, so {name} must be too"))
    };
    let client_secret = match env_var::<String>("ADUAN_OIDC_CLIENT_SECRET_FILE")? {
        Some(path) => std::fs::read_to_string(&path)
            .with_context(|| format!("reading the OIDC client secret from {path}"))?
            .trim()
            .to_owned(),
        None => required("ADUAN_OIDC_CLIENT_SECRET")?,
    };
    let claims_file = required("ADUAN_OIDC_CLAIMS_FILE")?;
    let mapping = ClaimMapping::load(Path::new(&claims_file))?;
    let settings = OidcSettings {
        issuer_url,
        client_id: required("ADUAN_OIDC_CLIENT_ID")?,
        client_secret,
        redirect_url: required("ADUAN_OIDC_REDIRECT_URL")?,
        mapping,
    };
    settings.validate()?;
    Ok(Some(settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_policy() {
        let settings = AccountsSettings::default();
        assert!(settings.validate().is_ok());
        assert_eq!(settings.access_token_lifetime, Duration::from_secs(300));
        assert_eq!(settings.session_idle_timeout, Duration::from_secs(1800));
        assert_eq!(settings.session_absolute_timeout, Duration::from_secs(43_200));
        assert_eq!(settings.password_hashing, PasswordHashing { memory_kib: 19_456, iterations: 2, parallelism: 1 });
        assert!(settings.totp_required);
        assert_eq!(settings.totp_required_roles, vec![StaffRole::Verifier, StaffRole::Administrator]);
    }

    #[test]
    fn a_token_may_not_outlive_the_maximum() {
        let settings =
            AccountsSettings { access_token_lifetime: Duration::from_secs(301), ..AccountsSettings::default() };
        assert!(settings.validate().is_err());
    }

    #[test]
    fn roles_are_read_by_name() {
        assert_eq!(parse_roles("verifier, auditor").ok(), Some(vec![StaffRole::Verifier, StaffRole::Auditor]));
        assert!(parse_roles("verifier,king").is_err());
    }
}
