//! The second factor: TOTP (RFC 6238; SHA-1, 6 digits, 30 s steps, one
//! step of skew), each code accepted once, and the policy of who must have one.

use aduan_access::Grant;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::entities::user;
use crate::settings::AccountsSettings;

/// Seconds a code lasts.
const STEP_SECONDS: u64 = 30;

/// A new random secret (160 bits, as RFC 4226 recommends), base32.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::from(bytes.to_vec()).to_base32()
}

fn totp(secret: &str, issuer: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .ok()
}

/// The `otpauth://` URL an authenticator app takes (usually as a QR code).
pub fn otpauth_url(secret: &str, issuer: &str, account: &str) -> Option<String> {
    totp(secret, issuer, account)?.to_url().ok()
}

/// The time step `code` belongs to if it is right for `secret` at
/// `now_seconds` and newer than `last_step` (a code is accepted once).
pub fn accept(secret: &str, code: &str, now_seconds: i64, last_step: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = u64::try_from(now_seconds).ok()?;
    let step = i64::try_from(totp(secret, "aduan", "")?.check(&code, now)?).ok()?;
    if last_step.is_some_and(|last| step <= last) {
        return None;
    }
    Some(step)
}

/// Whether policy requires `user`, holding `grants`, to have a second factor.
pub fn required(settings: &AccountsSettings, user: &user::Model, grants: &[Grant]) -> bool {
    let exempt = user.totp_exempt && !settings.totp_required;
    !exempt && grants.iter().any(|grant| settings.totp_required_roles.contains(&grant.role))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_at(secret: &str, seconds: i64) -> String {
        totp(secret, "aduan", "")
            .map(|totp| totp.generate(u64::try_from(seconds).unwrap_or(0)).to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_code_is_accepted_once_and_only_near_its_time() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let step = accept(&secret, &code_at(&secret, now), now, None);
        assert_eq!(step, Some(now / 30));
        assert_eq!(accept(&secret, &code_at(&secret, now), now, step), None, "replayed");
        assert_eq!(accept(&secret, &code_at(&secret, now + 30), now, step), Some(now / 30 + 1), "the next step");
        assert_eq!(accept(&secret, &code_at(&secret, now - 90), now, None), None, "too old");
        assert_eq!(accept(&secret, "12345", now, None), None);
        assert_eq!(accept(&secret, "abcdef", now, None), None);
        let spaced = code_at(&secret, now);
        assert!(accept(&secret, &format!("{} {}", &spaced[..3], &spaced[3..]), now, None).is_some());
    }

    #[test]
    fn the_url_names_the_issuer() {
        let url = otpauth_url(&new_secret(), "aduan", "siti").unwrap_or_default();
        assert!(url.starts_with("otpauth://totp/aduan:siti?"), "{url}");
        assert!(url.contains("issuer=aduan"), "{url}");
    }
}
