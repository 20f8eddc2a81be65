//! The procedure document: the versioned, human-readable TOML file in which
//! the national level publishes the clocks and the escalation chain, and the
//! overrides by which an institution tightens them. A looser value is refused
//! at load, with the file, the key and the reason.

use serde::Deserialize;

/// The national document shipped with aduan.
pub const NATIONAL_PROCEDURE: &str = include_str!("../data/national-procedure.toml");

/// A document that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Not TOML of the document's shape (the reason has line and column).
    #[error("in the procedure document {file}: {reason}")]
    Parse {
        /// The file.
        file: String,
        /// What the parser said.
        reason: String,
    },
    /// A value breaks a rule of the procedure.
    #[error("in the procedure document {file}, {key}: {reason}")]
    Invalid {
        /// The file.
        file: String,
        /// The key, e.g. `clocks.resolution.simple`.
        key: String,
        /// Why.
        reason: String,
    },
}

/// Who an overdue case goes to next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationStep {
    /// The holding institution's coordinator.
    Coordinator,
    /// The institution one level up the tree.
    ParentLevel,
    /// The national verifier, who may reassign.
    NationalVerifier,
}

/// How much work a report needs, which sets its resolution clock; a category
/// implies one, and the verifier may set another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// A simple complaint.
    #[default]
    Simple,
    /// An information request.
    InformationRequest,
    /// A dispute that needs no field check.
    DisputeWithoutFieldCheck,
    /// A complaint that needs a field investigation.
    FieldInvestigation,
}

impl Tier {
    /// Every tier.
    pub const ALL: [Tier; 4] =
        [Tier::Simple, Tier::InformationRequest, Tier::DisputeWithoutFieldCheck, Tier::FieldInvestigation];

    /// The stable name used in files, events and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Simple => "simple",
            Tier::InformationRequest => "information_request",
            Tier::DisputeWithoutFieldCheck => "dispute_without_field_check",
            Tier::FieldInvestigation => "field_investigation",
        }
    }

    /// The tier named `name`, if any.
    pub fn parse(name: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|tier| tier.as_str() == name)
    }
}

impl EscalationStep {
    /// Every step.
    pub const ALL: [EscalationStep; 3] =
        [EscalationStep::Coordinator, EscalationStep::ParentLevel, EscalationStep::NationalVerifier];

    /// The stable name used in events.
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationStep::Coordinator => "coordinator",
            EscalationStep::ParentLevel => "parent_level",
            EscalationStep::NationalVerifier => "national_verifier",
        }
    }

    /// The step named `name`.
    pub fn parse(name: &str) -> Option<EscalationStep> {
        EscalationStep::ALL.into_iter().find(|step| step.as_str() == name)
    }
}

/// Resolution deadlines by tier, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolutionClocks {
    /// A simple complaint.
    pub simple: u32,
    /// An information request.
    pub information_request: u32,
    /// A dispute that needs no field check.
    pub dispute_without_field_check: u32,
    /// A complaint that needs a field investigation.
    pub field_investigation: u32,
}

/// Every clock of the procedure, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clocks {
    /// Verify and assign.
    pub verify_and_assign: u32,
    /// First follow-up after assignment.
    pub first_follow_up: u32,
    /// The citizen's silence after a resolution before closing.
    pub citizen_silence_before_close: u32,
    /// Dispute or appeal window after a resolution.
    pub dispute_window: u32,
    /// The citizen's answer to an institution's question: the case's clocks
    /// are paused meanwhile, and resume when this runs out unanswered.
    pub citizen_answer_window: u32,
    /// Resolution, by tier.
    pub resolution: ResolutionClocks,
}

/// The escalation chain.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// In order; each step once.
    pub chain: Vec<EscalationStep>,
}

/// The procedure in force for an institution.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureDocument {
    /// The version the national level gave it.
    pub version: String,
    /// Who published it.
    pub published_by: String,
    /// The clocks.
    pub clocks: Clocks,
    /// The escalation chain.
    pub escalation: Escalation,
    /// Whether an officer's resolution waits for a supervisor's approval
    /// before the citizen sees it (an institution may require it; the
    /// national procedure does not).
    #[serde(default)]
    pub supervisor_approval: bool,
}

/// What an institution may change: any clock, shorter only.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideDocument {
    /// The national version it tightens; must match the one in force.
    tightens: String,
    #[serde(default)]
    clocks: ClockOverrides,
    /// Requiring a supervisor's approval of resolutions is a tightening too.
    #[serde(default)]
    supervisor_approval: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockOverrides {
    verify_and_assign: Option<u32>,
    first_follow_up: Option<u32>,
    citizen_silence_before_close: Option<u32>,
    dispute_window: Option<u32>,
    citizen_answer_window: Option<u32>,
    #[serde(default)]
    resolution: ResolutionOverrides,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolutionOverrides {
    simple: Option<u32>,
    information_request: Option<u32>,
    dispute_without_field_check: Option<u32>,
    field_investigation: Option<u32>,
}

fn parse<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<T, DocumentError> {
    toml::from_str(text).map_err(|error| DocumentError::Parse { file: file.to_owned(), reason: error.to_string() })
}

impl ProcedureDocument {
    /// Reads the national document; every clock at least one working day,
    /// the escalation chain non-empty and without repeats.
    pub fn national(file: &str, text: &str) -> Result<Self, DocumentError> {
        let document: Self = parse(file, text)?;
        let invalid =
            |key: &str, reason: String| DocumentError::Invalid { file: file.to_owned(), key: key.to_owned(), reason };
        if document.version.trim().is_empty() {
            return Err(invalid("version", "must not be empty".into()));
        }
        for (key, value) in document.clocks.entries() {
            if value == 0 {
                return Err(invalid(key, "a clock of 0 working days leaves no time to act".into()));
            }
        }
        if document.escalation.chain.is_empty() {
            return Err(invalid("escalation.chain", "an overdue case must go somewhere".into()));
        }
        for (n, step) in document.escalation.chain.iter().enumerate() {
            if document.escalation.chain[..n].contains(step) {
                return Err(invalid("escalation.chain", format!("{step:?} appears twice")));
            }
        }
        Ok(document)
    }

    /// The document shipped with aduan.
    pub fn shipped() -> Self {
        #[allow(clippy::expect_used)]
        Self::national("national-procedure.toml", NATIONAL_PROCEDURE).expect("the shipped document is tested")
    }

    /// This document tightened by an institution's override in `file`.
    pub fn tightened_by(&self, file: &str, text: &str) -> Result<Self, DocumentError> {
        let overrides: OverrideDocument = parse(file, text)?;
        let invalid =
            |key: &str, reason: String| DocumentError::Invalid { file: file.to_owned(), key: key.to_owned(), reason };
        if overrides.tightens != self.version {
            return Err(invalid(
                "tightens",
                format!(
                    "names version {:?}, but the national procedure in force is {:?}",
                    overrides.tightens, self.version
                ),
            ));
        }
        let mut effective = self.clone();
        effective.supervisor_approval |= overrides.supervisor_approval;
        let national = self.clocks.entries();
        let wanted = overrides.clocks.values();
        for ((slot, (key, national)), wanted) in effective.clocks.values_mut().into_iter().zip(national).zip(wanted) {
            let Some(wanted) = wanted else { continue };
            if wanted > national {
                return Err(invalid(
                    key,
                    format!(
                        "{wanted} working days is looser than the national {national}; an institution may only tighten"
                    ),
                ));
            }
            if wanted == 0 {
                return Err(invalid(key, "a clock of 0 working days leaves no time to act".into()));
            }
            *slot = wanted;
        }
        Ok(effective)
    }
}

/// The national document and the institutions' stricter versions of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureBook {
    national: ProcedureDocument,
    by_institution: std::collections::HashMap<String, ProcedureDocument>,
}

impl ProcedureBook {
    /// The national document alone.
    pub fn national(national: ProcedureDocument) -> Self {
        Self { national, by_institution: Default::default() }
    }

    /// Adds `institution`'s override, read from `file`; refused if it loosens anything.
    pub fn with_override(mut self, institution: &str, file: &str, text: &str) -> Result<Self, DocumentError> {
        let tightened = self.national.tightened_by(file, text)?;
        self.by_institution.insert(institution.to_owned(), tightened);
        Ok(self)
    }

    /// The procedure in force for `institution`.
    pub fn for_institution(&self, institution: &str) -> &ProcedureDocument {
        self.by_institution.get(institution).unwrap_or(&self.national)
    }

    /// The national document.
    pub fn national_document(&self) -> &ProcedureDocument {
        &self.national
    }
}

/// The keys of the clocks in the document, in the order of [`Clocks::entries`].
const CLOCK_KEYS: [&str; 9] = [
    "clocks.verify_and_assign",
    "clocks.first_follow_up",
    "clocks.citizen_silence_before_close",
    "clocks.dispute_window",
    "clocks.citizen_answer_window",
    "clocks.resolution.simple",
    "clocks.resolution.information_request",
    "clocks.resolution.dispute_without_field_check",
    "clocks.resolution.field_investigation",
];

impl ResolutionClocks {
    /// The working days allowed to resolve a report of `tier`.
    pub fn for_tier(&self, tier: Tier) -> u32 {
        match tier {
            Tier::Simple => self.simple,
            Tier::InformationRequest => self.information_request,
            Tier::DisputeWithoutFieldCheck => self.dispute_without_field_check,
            Tier::FieldInvestigation => self.field_investigation,
        }
    }
}

impl Clocks {
    fn values_mut(&mut self) -> [&mut u32; 9] {
        let Clocks {
            verify_and_assign,
            first_follow_up,
            citizen_silence_before_close,
            dispute_window,
            citizen_answer_window,
            resolution:
                ResolutionClocks { simple, information_request, dispute_without_field_check, field_investigation },
        } = self;
        [
            verify_and_assign,
            first_follow_up,
            citizen_silence_before_close,
            dispute_window,
            citizen_answer_window,
            simple,
            information_request,
            dispute_without_field_check,
            field_investigation,
        ]
    }

    /// Every clock with its key in the document.
    pub fn entries(&self) -> [(&'static str, u32); 9] {
        let mut copy = *self;
        let values = copy.values_mut().map(|value| *value);
        std::array::from_fn(|i| (CLOCK_KEYS[i], values[i]))
    }
}

impl ClockOverrides {
    /// In the order of [`CLOCK_KEYS`].
    fn values(&self) -> [Option<u32>; 9] {
        let r = &self.resolution;
        [
            self.verify_and_assign,
            self.first_follow_up,
            self.citizen_silence_before_close,
            self.dispute_window,
            self.citizen_answer_window,
            r.simple,
            r.information_request,
            r.dispute_without_field_check,
            r.field_investigation,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tier_is_named_the_same_in_files_events_and_apis() {
        for tier in Tier::ALL {
            assert_eq!(Tier::parse(tier.as_str()), Some(tier));
            let in_a_file: Tier = toml::Value::String(tier.as_str().into()).try_into().expect("a tier");
            assert_eq!(in_a_file, tier);
        }
        assert_eq!(Tier::parse("urgent"), None);
    }

    #[test]
    fn the_shipped_document_gives_the_published_clock_table() {
        let document = ProcedureDocument::shipped();
        let clocks = document.clocks;
        assert_eq!(clocks.verify_and_assign, 3, "verify and assign: 3 working days (LAPOR!-SP4N)");
        assert_eq!(clocks.first_follow_up, 5, "first follow-up: 5 working days (LAPOR!-SP4N)");
        assert_eq!(
            [
                clocks.resolution.simple,
                clocks.resolution.information_request,
                clocks.resolution.dispute_without_field_check,
                clocks.resolution.field_investigation
            ],
            [2, 5, 14, 60]
        );
        assert_eq!(clocks.citizen_silence_before_close, 10);
        assert_eq!(clocks.dispute_window, 10);
        assert_eq!(clocks.citizen_answer_window, 10, "the citizen's answer: 10 working days, then the clock resumes");
        assert_eq!(
            document.escalation.chain,
            vec![EscalationStep::Coordinator, EscalationStep::ParentLevel, EscalationStep::NationalVerifier]
        );
    }

    #[test]
    fn a_book_gives_each_institution_its_procedure() {
        let book = ProcedureBook::national(ProcedureDocument::shipped())
            .with_override("bandung-dpu", "bandung-dpu.toml", "tightens = \"2026.1\"\n[clocks]\nfirst_follow_up = 2\n")
            .expect("stricter is allowed");
        assert_eq!(book.for_institution("bandung-dpu").clocks.first_follow_up, 2);
        assert_eq!(book.for_institution("kemenkes").clocks.first_follow_up, 5);
        let looser = ProcedureBook::national(ProcedureDocument::shipped()).with_override(
            "kemenkes",
            "kemenkes.toml",
            "tightens = \"2026.1\"\n[clocks]\nfirst_follow_up = 9\n",
        );
        assert!(looser.expect_err("looser").to_string().contains("kemenkes.toml"));
    }

    #[test]
    fn an_institution_may_require_a_supervisors_approval() {
        let national = ProcedureDocument::shipped();
        assert!(!national.supervisor_approval);
        let effective =
            national.tightened_by("x.toml", "tightens = \"2026.1\"\nsupervisor_approval = true\n").expect("stricter");
        assert!(effective.supervisor_approval);
    }

    #[test]
    fn an_institution_may_tighten() {
        let national = ProcedureDocument::shipped();
        let text = "tightens = \"2026.1\"\n[clocks]\nfirst_follow_up = 3\n[clocks.resolution]\nsimple = 1\n";
        let effective = national.tightened_by("kota-bandung.toml", text).expect("stricter is allowed");
        assert_eq!(effective.clocks.first_follow_up, 3);
        assert_eq!(effective.clocks.resolution.simple, 1);
        assert_eq!(effective.clocks.verify_and_assign, 3, "what it does not name stays national");
        assert_eq!(effective.clocks.resolution.field_investigation, 60);
    }

    #[test]
    fn a_looser_clock_is_refused_naming_the_file_the_key_and_why() {
        let national = ProcedureDocument::shipped();
        let text = "tightens = \"2026.1\"\n[clocks.resolution]\nfield_investigation = 90\n";
        let error = national.tightened_by("kota-bandung.toml", text).expect_err("looser is refused").to_string();
        assert!(error.contains("kota-bandung.toml"), "{error}");
        assert!(error.contains("clocks.resolution.field_investigation"), "{error}");
        assert!(error.contains("looser than the national 60"), "{error}");
    }

    #[test]
    fn overrides_of_another_version_zero_clocks_and_unknown_keys_are_refused() {
        let national = ProcedureDocument::shipped();
        let stale = national.tightened_by("x.toml", "tightens = \"2025.2\"\n").expect_err("stale").to_string();
        assert!(stale.contains("tightens") && stale.contains("2025.2"), "{stale}");
        let zero = national.tightened_by("x.toml", "tightens = \"2026.1\"\n[clocks]\ndispute_window = 0\n");
        assert!(zero.expect_err("zero").to_string().contains("clocks.dispute_window"));
        let unknown = national.tightened_by("x.toml", "tightens = \"2026.1\"\n[clocks]\nlunch_break = 1\n");
        assert!(unknown.expect_err("unknown").to_string().contains("lunch_break"));
        let escalation = national.tightened_by("x.toml", "tightens = \"2026.1\"\n[escalation]\nchain = []\n");
        assert!(escalation.is_err(), "an institution cannot rewrite the escalation chain");
    }

    #[test]
    fn a_national_document_must_be_whole_and_sane() {
        let broken = NATIONAL_PROCEDURE.replace("simple = 2", "simple = 0");
        let error = ProcedureDocument::national("n.toml", &broken).expect_err("zero").to_string();
        assert!(error.contains("clocks.resolution.simple"), "{error}");
        let missing = NATIONAL_PROCEDURE.replace("first_follow_up = 5\n", "");
        assert!(
            ProcedureDocument::national("n.toml", &missing)
                .expect_err("missing")
                .to_string()
                .contains("first_follow_up")
        );
        let repeated = NATIONAL_PROCEDURE.replace("\"parent_level\", ", "\"coordinator\", ");
        assert!(ProcedureDocument::national("n.toml", &repeated).expect_err("repeat").to_string().contains("twice"));
    }
}
