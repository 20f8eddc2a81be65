//! Passwords: what a new one must be, and argon2id hashing and checking off
//! the async threads, a few at a time (each hash takes its memory cost).

use std::sync::Arc;

use aduan_platform::http::ApiError;
use anyhow::Context;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{OnceCell, Semaphore};

use crate::settings::PasswordHashing;

/// The fewest characters a password may have.
pub const MIN_CHARACTERS: usize = 12;
/// The most characters a password may have.
pub const MAX_CHARACTERS: usize = 128;

/// Passwords of 12 characters or more that lists of leaked passwords show
/// people choose most, and words anyone would try against aduan first.
const COMMON: &[&str] = &[
    "password1234",
    "password12345",
    "password123!",
    "passwordpassword",
    "p@ssw0rd1234",
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123123123123",
    "111111111111",
    "000000000000",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwerty123456",
    "qwertyqwerty",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "iloveyou1234",
    "abcdefghijkl",
    "abc123abc123",
    "welcome12345",
    "admin1234567",
    "administrator",
    "letmein12345",
    "changeme1234",
    "indonesia123",
    "indonesia1945",
    "jakarta12345",
    "bismillah123",
    "sayangku1234",
    "aduan1234567",
    "lapor1234567",
];

/// Refuses a new password that is too short or long, one of the most common,
/// one character repeated, or the username.
pub fn check_new_password(password: &str, username: &str) -> Result<(), ApiError> {
    let weak = |why: &str| Err(ApiError::invalid("weak_password", format!("the new password {why}")));
    let length = password.chars().count();
    if length < MIN_CHARACTERS {
        return weak(&format!("must be at least {MIN_CHARACTERS} characters; it has {length}"));
    }
    if length > MAX_CHARACTERS {
        return weak(&format!("must be at most {MAX_CHARACTERS} characters; it has {length}"));
    }
    let lowered = password.to_lowercase();
    if COMMON.contains(&lowered.as_str()) {
        return weak("is one of the most common passwords");
    }
    let mut characters = password.chars();
    if let Some(first) = characters.next()
        && characters.all(|c| c == first)
    {
        return weak("is one character repeated");
    }
    if !username.is_empty() && lowered == username.to_lowercase() {
        return weak("must not be the username");
    }
    Ok(())
}

/// Hashes and checks passwords with argon2id.
#[derive(Debug)]
pub struct Passwords {
    params: Params,
    permits: Arc<Semaphore>,
    /// A hash of a random password, checked against when there is no real
    /// one, so "no such user" takes as long as "wrong password".
    dummy: OnceCell<String>,
    /// How many argon2 checks were run: one per sign-in attempt, whatever its fate.
    checks: std::sync::atomic::AtomicU64,
}

impl Passwords {
    /// New hashes with `cost`; at most `at_once` hashes computed together.
    pub fn new(cost: PasswordHashing, at_once: usize) -> anyhow::Result<Self> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|error| anyhow::anyhow!("argon2 parameters {cost:?} are not valid: {error}"))?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(at_once.max(1))),
            dummy: OnceCell::new(),
            checks: std::sync::atomic::AtomicU64::new(0),
        })
    }

    fn argon2(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// The PHC string of `password` (`$argon2id$v=19$m=…`), with a random salt.
    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await.context("the password hasher is closed")?;
        let params = self.params.clone();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            Self::argon2(params)
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|error| anyhow::anyhow!("hashing a password: {error}"))
        })
        .await
        .context("the password hashing task failed")?
    }

    /// Whether `password` matches `hash`; with no hash, checks against a
    /// dummy so that the answer takes as long, and is false.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> anyhow::Result<bool> {
        let (hash, real) = match hash {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy().await?.to_owned(), false),
        };
        let _permit = self.permits.acquire().await.context("the password hasher is closed")?;
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            // The parameters come from the stored hash, so old hashes keep working.
            let parsed =
                PasswordHash::new(&hash).map_err(|error| anyhow::anyhow!("a stored hash is unreadable: {error}"))?;
            Ok::<bool, anyhow::Error>(
                Self::argon2(Params::default()).verify_password(password.as_bytes(), &parsed).is_ok(),
            )
        })
        .await
        .context("the password checking task failed")??;
        self.checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(matches && real)
    }

    /// How many passwords were checked against a hash (real or dummy) so far.
    pub fn checks_done(&self) -> u64 {
        self.checks.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn dummy(&self) -> anyhow::Result<&str> {
        self.dummy
            .get_or_try_init(|| async {
                let random = crate::secrets::random_secret();
                self.hash(&random).await
            })
            .await
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(result: Result<(), ApiError>) -> &'static str {
        result.err().map_or("ok", |error| error.code)
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert_eq!(code_of(check_new_password("short", "siti")), "weak_password");
        assert_eq!(code_of(check_new_password(&"x".repeat(129), "siti")), "weak_password");
        assert_eq!(code_of(check_new_password("Password1234", "siti")), "weak_password");
        assert_eq!(code_of(check_new_password("aaaaaaaaaaaaaa", "siti")), "weak_password");
        assert_eq!(code_of(check_new_password("Siti.Rahayu.01", "siti.rahayu.01")), "weak_password");
        assert_eq!(code_of(check_new_password("kopi tubruk di pagi hari", "siti")), "ok");
        assert_eq!(code_of(check_new_password(&"ab".repeat(64), "siti")), "ok");
    }

    #[tokio::test]
    async fn a_hash_checks_its_password_only() {
        let passwords = Passwords::new(PasswordHashing { memory_kib: 1024, iterations: 1, parallelism: 1 }, 2)
            .unwrap_or_else(|error| panic!("{error}"));
        let hash = passwords.hash("kopi tubruk di pagi hari").await.unwrap_or_default();
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{hash}");
        assert!(passwords.verify("kopi tubruk di pagi hari", Some(&hash)).await.unwrap_or(false));
        assert!(!passwords.verify("kopi tubruk di sore hari", Some(&hash)).await.unwrap_or(true));
        assert!(!passwords.verify("kopi tubruk di pagi hari", None).await.unwrap_or(true));
    }

    #[tokio::test]
    async fn the_production_cost_is_owasp_s() {
        let passwords = Passwords::new(PasswordHashing::default(), 1).unwrap_or_else(|error| panic!("{error}"));
        let hash = passwords.hash("kopi tubruk di pagi hari").await.unwrap_or_default();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    }
}
