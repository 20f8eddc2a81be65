//! Where the services web calls are, and the address people reach web at.

use anyhow::Context;

/// What web needs to know to run.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Intake's base URL.
    pub intake_url: String,
    /// Routing's base URL.
    pub routing_url: String,
    /// Resolution's base URL.
    pub resolution_url: String,
    /// Accounts' base URL.
    pub accounts_url: String,
    /// Audit's base URL (the ledger's receipts on the tracking page).
    pub audit_url: String,
    /// The address people reach web at (`https://lapor.example.go.id`): the
    /// only origin its forms are taken from, and, when it is `https`, the
    /// reason its cookies are `Secure`.
    pub public_url: String,
    /// The proxies in front of web whose `X-Forwarded-For` names the
    /// browser (`ADUAN_TRUSTED_PROXIES`); web names it to the services in
    /// turn, so their per-client limits count citizens, not web.
    pub proxies: aduan_platform::http::TrustedProxies,
}

impl WebSettings {
    /// Every service at one address, as in `aduan dev`.
    pub fn one_address(base_url: &str) -> Self {
        let base = base_url.trim_end_matches('/').to_owned();
        Self {
            intake_url: base.clone(),
            routing_url: base.clone(),
            resolution_url: base.clone(),
            accounts_url: base.clone(),
            audit_url: base.clone(),
            public_url: base,
            proxies: aduan_platform::http::TrustedProxies::default(),
        }
    }

    /// From `ADUAN_INTAKE_URL`, `ADUAN_ROUTING_URL`, `ADUAN_RESOLUTION_URL`,
    /// `ADUAN_AUDIT_URL` (each service's default port on this host when unset), `accounts_url`
    /// and `ADUAN_PUBLIC_URL` (required: forms from any other origin are refused).
    pub fn from_env(accounts_url: &str) -> anyhow::Result<Self> {
        let url = |name: &str, default: &str| {
            std::env::var(name).ok().filter(|value| !value.trim().is_empty()).unwrap_or_else(|| default.to_owned())
        };
        let public_url = std::env::var("ADUAN_PUBLIC_URL").context(
            "web needs ADUAN_PUBLIC_URL, the address people reach it at (e.g. https://lapor.example.go.id): \
             forms posted from any other origin are refused",
        )?;
        let settings = Self {
            intake_url: url("ADUAN_INTAKE_URL", "http://127.0.0.1:8081"),
            routing_url: url("ADUAN_ROUTING_URL", "http://127.0.0.1:8082"),
            resolution_url: url("ADUAN_RESOLUTION_URL", "http://127.0.0.1:8083"),
            accounts_url: accounts_url.to_owned(),
            audit_url: url("ADUAN_AUDIT_URL", "http://127.0.0.1:8086"),
            public_url: public_url.trim().trim_end_matches('/').to_owned(),
            proxies: aduan_platform::http::TrustedProxies::from_env()?,
        };
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> anyhow::Result<()> {
        for (name, url) in [
            ("intake", &self.intake_url),
            ("routing", &self.routing_url),
            ("resolution", &self.resolution_url),
            ("accounts", &self.accounts_url),
            ("audit", &self.audit_url),
            ("the public address", &self.public_url),
        ] {
            let parsed = reqwest::Url::parse(url).with_context(|| format!("{name}'s URL {url:?} is not a URL"))?;
            anyhow::ensure!(
                matches!(parsed.scheme(), "http" | "https"),
                "{name}'s URL {url:?} is neither http nor https"
            );
        }
        Ok(())
    }

    /// Whether cookies carry `Secure`: whenever people reach web over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_exactly_when_people_come_over_https() {
        assert!(!WebSettings::one_address("http://127.0.0.1:8080/").secure_cookies());
        let settings = WebSettings::one_address("https://lapor.example.go.id");
        assert!(settings.secure_cookies());
        assert_eq!(settings.public_url, "https://lapor.example.go.id");
        assert!(settings.check().is_ok());
        assert!(WebSettings::one_address("ftp://x").check().is_err());
    }
}
