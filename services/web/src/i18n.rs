//! Indonesian and English: the catalogues in `locales/`, the language a
//! request is answered in (the `aduan_lang` cookie, else `Accept-Language`,
//! else Indonesian), and the translator templates call.

use std::borrow::Cow;
use std::collections::HashMap;
use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "id",
        // No Unicode isolation marks around arguments: they would show in form values and tests.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The cookie that remembers the language someone chose.
pub const LANGUAGE_COOKIE: &str = "aduan_lang";

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    Id,
    /// English.
    En,
}

impl Lang {
    /// Every language, in the order the switch shows them.
    pub const ALL: [Lang; 2] = [Lang::Id, Lang::En];

    /// Its code (`lang` attribute, cookie value).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// Its name in itself, for the switch.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::Id => "Bahasa Indonesia",
            Lang::En => "English",
        }
    }

    /// The language with `code`, if it is one of ours.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    fn identifier(self) -> LanguageIdentifier {
        match self {
            Lang::Id => langid!("id"),
            Lang::En => langid!("en"),
        }
    }

    /// The language for a request: the cookie's if valid, else the first
    /// language of `Accept-Language` (by weight) we have, else Indonesian.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = cookie.and_then(Lang::from_code) {
            return lang;
        }
        let Some(accept) = accept_language else { return Lang::Id };
        let mut offered: Vec<(f32, Lang)> = accept
            .split(',')
            .filter_map(|item| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim();
                let weight = parts
                    .find_map(|part| part.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                let primary = tag.split('-').next()?;
                Lang::from_code(primary).map(|lang| (weight, lang))
            })
            .filter(|(weight, _)| *weight > 0.0)
            .collect();
        offered.sort_by(|a, b| b.0.total_cmp(&a.0));
        offered.first().map_or(Lang::Id, |(_, lang)| *lang)
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let accept = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok());
        Ok(Lang::negotiate(cookie(parts, LANGUAGE_COOKIE), accept))
    }
}

/// The translator a template holds: `tr.t(key)`, `tr.t1(key, name, value)`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(&self.0.identifier(), key)
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &'static str, value: impl std::fmt::Display) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Borrowed(name), FluentValue::from(value.to_string()));
        LOCALES.lookup_with_args(&self.0.identifier(), key, &args)
    }

    /// The message `key` with several arguments.
    pub fn tn(&self, key: &str, named: &[(&'static str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> =
            named.iter().map(|(name, value)| (Cow::Borrowed(*name), FluentValue::from(value.clone()))).collect();
        LOCALES.lookup_with_args(&self.0.identifier(), key, &args)
    }

    /// The name of a status, category-like code or role, `prefix-code`
    /// (`status-in_follow_up`), or the code itself when there is none.
    pub fn name_of(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}-{code}");
        LOCALES.try_lookup(&self.0.identifier(), &key).unwrap_or_else(|| code.to_owned())
    }

    /// The language's code.
    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_wins_then_the_heaviest_language_we_have() {
        assert_eq!(Lang::negotiate(Some("en"), Some("id")), Lang::En);
        assert_eq!(Lang::negotiate(Some("xx"), Some("en-GB,en;q=0.8")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("fr-FR, id;q=0.5, en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("fr, de")), Lang::Id);
        assert_eq!(Lang::negotiate(None, Some("en;q=0")), Lang::Id);
        assert_eq!(Lang::negotiate(None, None), Lang::Id);
    }

    #[test]
    fn messages_come_in_both_languages_with_their_arguments() {
        assert_eq!(Tr(Lang::En).t("sign-in"), "Sign in");
        assert_eq!(Tr(Lang::Id).t("sign-in"), "Masuk");
        assert!(Tr(Lang::En).t1("page-of", "count", 3).contains('3'));
        assert_eq!(Tr(Lang::En).name_of("status", "in_follow_up"), "In follow-up");
        assert_eq!(Tr(Lang::En).name_of("status", "no_such_status"), "no_such_status");
    }
}
