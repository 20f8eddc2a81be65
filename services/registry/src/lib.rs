//! The registry: institutions as a tree (national, province, regency or city,
//! unit), regions with their official codes, complaint categories, and routing
//! rules (category × region → institution). Routing falls back up the region
//! tree, then up the institution tree past those that returned the report, and
//! ends at the national verifier, so every report has somewhere to go.

mod document;
mod routing;

use std::collections::HashMap;

pub use document::{Category, Institution, Level, Region, RegistryDocument, Rule};
pub use routing::{MatchedBy, RouteDecision};

/// The registry file shipped for `aduan dev` and the tests: a small slice of
/// Indonesia's institutions.
pub const DEMO_REGISTRY: &str = include_str!("../data/demo-registry.toml");

/// A registry that failed validation; the message names the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The file could not be read.
    #[error("reading the registry {file}: {reason}")]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        reason: String,
    },
    /// The file is not valid TOML of the registry's shape.
    #[error("in the registry {file}: {reason}")]
    Parse {
        /// The file.
        file: String,
        /// The parser's message, with line and column.
        reason: String,
    },
    /// The file parses but contradicts itself.
    #[error("in the registry {file}, {key}: {reason}")]
    Invalid {
        /// The file.
        file: String,
        /// Where in the file, e.g. `rule[3].institution`.
        key: String,
        /// What is wrong.
        reason: String,
    },
}

/// A validated registry with its look-up indexes.
#[derive(Debug, Clone)]
pub struct Registry {
    document: RegistryDocument,
    institutions: HashMap<String, usize>,
    regions: HashMap<String, usize>,
    categories: HashMap<String, usize>,
}

impl Registry {
    /// Reads and validates the registry file at `path`.
    pub fn load(path: &std::path::Path) -> Result<Self, RegistryError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|error| RegistryError::Read { file: file.clone(), reason: error.to_string() })?;
        Self::parse(&file, &text)
    }

    /// The built-in demo registry.
    pub fn demo() -> Self {
        #[allow(clippy::expect_used)]
        Self::parse("demo-registry.toml", DEMO_REGISTRY).expect("the demo registry is validated by its tests")
    }

    /// Parses and validates registry text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, RegistryError> {
        let document: RegistryDocument = toml::from_str(text)
            .map_err(|error| RegistryError::Parse { file: file.to_owned(), reason: error.to_string() })?;
        document.validate(file)?;
        let index = |ids: Vec<&str>| ids.into_iter().enumerate().map(|(i, id)| (id.to_owned(), i)).collect();
        Ok(Self {
            institutions: index(document.institution.iter().map(|i| i.id.as_str()).collect()),
            regions: index(document.region.iter().map(|r| r.code.as_str()).collect()),
            categories: index(document.category.iter().map(|c| c.id.as_str()).collect()),
            document,
        })
    }

    /// The institution with `id`.
    pub fn institution(&self, id: &str) -> Option<&Institution> {
        self.institutions.get(id).map(|&i| &self.document.institution[i])
    }

    /// The region with official `code`.
    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.get(code).map(|&i| &self.document.region[i])
    }

    /// The category with `id`.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.get(id).map(|&i| &self.document.category[i])
    }

    /// Every institution, in file order.
    pub fn institutions(&self) -> &[Institution] {
        &self.document.institution
    }

    /// Every category, in file order.
    pub fn categories(&self) -> &[Category] {
        &self.document.category
    }

    /// Every region, in file order.
    pub fn regions(&self) -> &[Region] {
        &self.document.region
    }

    /// The institution that takes what no rule places.
    pub fn national_verifier(&self) -> &Institution {
        #[allow(clippy::expect_used)]
        self.institution(&self.document.national_verifier).expect("validated: the national verifier is an institution")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_registry_is_valid() {
        let registry = Registry::parse("demo-registry.toml", DEMO_REGISTRY).expect("valid");
        assert!(registry.institutions().len() >= 8);
        assert!(registry.category("roads").is_some());
        assert!(registry.region("32.73").is_some());
    }

    fn invalid(text: &str) -> String {
        Registry::parse("test.toml", text).expect_err("must be rejected").to_string()
    }

    const BASE: &str = r#"
        version = 1
        national_verifier = "nv"
        [[institution]]
        id = "nv"
        name = "National verifier"
        level = "national"
        [[region]]
        code = "31"
        name = "DKI Jakarta"
        [[category]]
        id = "roads"
        name = "Roads"
    "#;

    #[test]
    fn errors_name_the_file_and_the_key() {
        let text = format!("{BASE}\n[[rule]]\ncategory = \"roads\"\nregion = \"31\"\ninstitution = \"ghost\"\n");
        let error = invalid(&text);
        assert!(error.contains("test.toml"), "{error}");
        assert!(error.contains("rule[0].institution"), "{error}");
        assert!(error.contains("ghost"), "{error}");
    }

    #[test]
    fn cycles_and_unknown_parents_are_rejected() {
        let text = format!(
            "{BASE}\n[[institution]]\nid = \"a\"\nname = \"A\"\nlevel = \"unit\"\nparent = \"b\"\n\
             [[institution]]\nid = \"b\"\nname = \"B\"\nlevel = \"unit\"\nparent = \"a\"\n"
        );
        assert!(invalid(&text).contains("cycle"));
        let text = format!("{BASE}\n[[region]]\ncode = \"31.71\"\nname = \"X\"\nparent = \"99\"\n");
        assert!(invalid(&text).contains("region[1].parent"));
    }

    #[test]
    fn duplicates_and_unknown_keys_are_rejected() {
        let text = format!("{BASE}\n[[category]]\nid = \"roads\"\nname = \"Again\"\n");
        assert!(invalid(&text).contains("category[1].id"));
        let text = format!("{BASE}\nsurprise = true\n");
        assert!(invalid(&text).contains("surprise"));
    }
}
