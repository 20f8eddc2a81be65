//! The Indonesian seed read as the national complaints office would sign it
//! off: every category in every region reaches the level the law gives it.

use std::collections::BTreeMap;

use aduan_registry::{Institution, Level, MatchedBy, Registry, calendar_warning};

const SEED: &str = include_str!("../data/indonesia/registry.toml");
const JAKARTA: &str = "31";

fn seed() -> Registry {
    Registry::parse("indonesia/registry.toml", SEED).unwrap_or_else(|error| panic!("{error}"))
}

/// Which level answers a category, by the annex of UU 23/2014 and the laws
/// the seed's rules cite. Written here a second time, apart from the
/// generator, so that a slip in either shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Authority {
    /// A concurrent affair served by the regency or city; the province
    /// answers a report filed at its own code.
    Regency,
    /// The province, wherever in it the report is filed.
    Province,
    /// A ministry or national agency, wherever the report is filed.
    National,
    /// No rule: the national verifier places it by hand.
    Verifier,
}

fn authority(category: &str) -> Authority {
    match category {
        "roads" | "health_services" | "education" | "population_admin" | "social_assistance" | "transport"
        | "public_order" | "environment" | "public_information" => Authority::Regency,
        "secondary_education" => Authority::Province,
        "health_insurance"
        | "employment_insurance"
        | "higher_education"
        | "land"
        | "religious_affairs"
        | "hajj_umrah" => Authority::National,
        "other" => Authority::Verifier,
        unknown => panic!("the category {unknown:?} is new: say here which level the law gives it"),
    }
}

/// The province code of a region code (`32.73` → `32`).
fn province_of(code: &str) -> &str {
    code.split('.').next().unwrap_or(code)
}

fn is_regency_region(code: &str) -> bool {
    code.contains('.')
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::National => "national",
        Level::Province => "province",
        Level::Regency => "regency",
        Level::Unit => "unit",
    }
}

/// The institutions from `id` up to the top of its tree.
fn chain<'a>(registry: &'a Registry, id: &str) -> Vec<&'a Institution> {
    let mut chain = Vec::new();
    let mut current = registry.institution(id);
    while let Some(institution) = current {
        assert!(chain.len() < 16, "{id}: the chain of parents does not end");
        chain.push(institution);
        current = institution.parent.as_deref().and_then(|parent| registry.institution(parent));
    }
    chain
}

#[test]
fn every_pair_reaches_the_level_the_law_gives_it_and_an_institution_whose_remit_has_it() {
    let registry = seed();
    let verifier = registry.national_verifier().id.clone();
    let mut by_level: BTreeMap<&str, usize> = BTreeMap::new();
    for category in registry.categories() {
        let category = category.id.as_str();
        for region in registry.regions() {
            let code = region.code.as_str();
            let decision = registry.route(category, code, &[]);
            let institution = decision.institution;
            let pair = format!("{category} in {code} ({}) → {}", region.name, institution.id);
            assert!(
                institution.remit.iter().any(|c| c == category),
                "{pair}: not in its remit {:?}",
                institution.remit
            );
            let province_government = format!("pemprov-{}", province_of(code));
            // Jakarta's cities and regency are administrative, not
            // autonomous: the province answers for them.
            let autonomous_regency = is_regency_region(code) && province_of(code) != JAKARTA;
            match authority(category) {
                Authority::Regency if autonomous_regency => {
                    assert_eq!(institution.level, Level::Regency, "{pair}");
                    assert!(institution.id.ends_with(&format!("-{code}")), "{pair}: not this region's government");
                    assert_eq!(institution.parent.as_deref(), Some(province_government.as_str()), "{pair}");
                    assert_eq!(decision.matched_by, MatchedBy::Rule, "{pair}");
                }
                Authority::Regency | Authority::Province => {
                    assert_eq!(institution.level, Level::Province, "{pair}");
                    assert_eq!(institution.id, province_government, "{pair}");
                }
                Authority::National => {
                    assert_eq!(institution.level, Level::National, "{pair}");
                    assert_ne!(institution.id, verifier, "{pair}: a ministry's matter left to the verifier");
                }
                Authority::Verifier => {
                    assert_eq!(institution.id, verifier, "{pair}");
                    assert_eq!(decision.matched_by, MatchedBy::NationalVerifier, "{pair}");
                }
            }
            let level = if institution.id == verifier { "national verifier" } else { level_name(institution.level) };
            *by_level.entry(level).or_default() += 1;
        }
    }
    println!("category × region pairs by the level that answers them: {by_level:?}");
    let pairs = registry.categories().len() * registry.regions().len();
    assert_eq!(by_level.values().sum::<usize>(), pairs);
    let count = |authority_wanted: Authority| {
        registry.categories().iter().filter(|c| authority(&c.id) == authority_wanted).count()
    };
    let autonomous_regencies =
        registry.regions().iter().filter(|r| is_regency_region(&r.code) && province_of(&r.code) != JAKARTA).count();
    assert_eq!(by_level.get("regency").copied(), Some(count(Authority::Regency) * autonomous_regencies));
    assert_eq!(by_level.get("national verifier").copied(), Some(count(Authority::Verifier) * registry.regions().len()));
    assert_eq!(by_level.get("national").copied(), Some(count(Authority::National) * registry.regions().len()));
}

#[test]
fn no_local_pothole_lands_on_a_ministry() {
    let registry = seed();
    for region in registry.regions().iter().filter(|r| is_regency_region(&r.code)) {
        let code = region.code.as_str();
        let first = registry.route("roads", code, &[]).institution;
        assert_ne!(first.level, Level::National, "a pothole in {code} went to {}", first.id);
        // The regency that says "not our road" hands it to its province,
        // whose road it may be; only a province's return reaches the ministry
        // (in Jakarta the province is the first to answer).
        let mut returned = vec![first.id.clone()];
        if first.level == Level::Regency {
            let province = registry.route("roads", code, &returned).institution;
            assert_eq!(province.id, format!("pemprov-{}", province_of(code)), "{code}");
            returned.push(province.id.clone());
        } else {
            assert_eq!(province_of(code), JAKARTA, "{code}: {}", first.id);
        }
        assert_eq!(registry.route("roads", code, &returned).institution.id, "kemenpu", "{code}");
    }
}

#[test]
fn every_institution_has_a_path_to_the_national_level_and_the_verifier() {
    let registry = seed();
    let verifier = registry.national_verifier().id.clone();
    for institution in registry.institutions() {
        let chain = chain(&registry, &institution.id);
        let top = chain.last().expect("the institution itself");
        assert_eq!(top.level, Level::National, "{}: its tree ends at {}", institution.id, top.id);
        if institution.level != Level::National {
            // Above a province is SP4N's national manager, who reassigns to
            // the ministry that supervises the matter (UU 23/2014 Pasal 373).
            assert_eq!(top.id, verifier, "{}: its tree ends at {}", institution.id, top.id);
        }
        let parent_level = chain.get(1).map(|parent| parent.level);
        match institution.level {
            Level::National => assert_eq!(parent_level, None, "{}", institution.id),
            Level::Province => assert_eq!(parent_level, Some(Level::National), "{}", institution.id),
            Level::Regency => assert_eq!(parent_level, Some(Level::Province), "{}", institution.id),
            Level::Unit => assert!(parent_level.is_some_and(|level| level != Level::National), "{}", institution.id),
        }
    }
}

#[test]
fn every_government_has_units_for_its_whole_remit_within_it() {
    let registry = seed();
    let governments: Vec<&Institution> =
        registry.institutions().iter().filter(|i| matches!(i.level, Level::Province | Level::Regency)).collect();
    assert_eq!(governments.len(), 38 + 514 - 6, "every province, and every regency and city but Jakarta's six");
    for government in &governments {
        assert!(!government.remit.is_empty(), "{}", government.id);
        let units: Vec<&Institution> =
            registry.institutions().iter().filter(|i| i.parent.as_deref() == Some(government.id.as_str())).collect();
        for category in &government.remit {
            assert!(
                units.iter().any(|unit| unit.level == Level::Unit && unit.remit.contains(category)),
                "{} has no unit to forward {category} to",
                government.id
            );
        }
    }
    for unit in registry.institutions().iter().filter(|i| i.level == Level::Unit) {
        let chain = chain(&registry, &unit.id);
        let government = chain.iter().find(|i| i.level != Level::Unit).expect("a government above every unit");
        for category in &unit.remit {
            assert!(government.remit.contains(category), "{}: {category} is not {}'s", unit.id, government.id);
        }
    }
}

#[test]
fn jakarta_is_governed_by_its_province() {
    let registry = seed();
    for code in ["31.01", "31.71", "31.72", "31.73", "31.74", "31.75"] {
        assert!(registry.region(code).is_some(), "{code}");
        assert!(
            registry.document().rule.iter().all(|rule| rule.region != code),
            "{code} is administrative: it has no rules of its own"
        );
        let prefix = if code == "31.01" { "pemkab" } else { "pemkot" };
        let administration = registry.institution(&format!("{prefix}-{code}")).expect("its administration");
        assert_eq!(administration.level, Level::Unit, "{code}");
        assert_eq!(administration.parent.as_deref(), Some("pemprov-31"));
        let decision = registry.route("roads", code, &[]);
        assert_eq!(decision.institution.id, "pemprov-31");
        assert_eq!(decision.matched_by, MatchedBy::RegionFallback);
        // The Suku Dinas of the city sits under the provincial Dinas.
        let sudin = registry.institution(&format!("pemprov-31-pu-{code}")).expect("its Suku Dinas Bina Marga");
        assert_eq!(sudin.parent.as_deref(), Some("pemprov-31-pu"));
        assert!(sudin.name.starts_with("Suku Dinas Bina Marga"), "{}", sudin.name);
    }
}

#[test]
fn names_ministries_and_rules_are_as_the_primary_sources_give_them() {
    let registry = seed();
    assert!(
        SEED.starts_with("# aduan's registry seed for Indonesia. Generated by scripts/generate-indonesia-registry.py")
    );
    assert!(SEED.len() < 4 * 1024 * 1024, "the seed is {} bytes", SEED.len());
    assert_eq!(registry.region("92.03").map(|r| r.name.as_str()), Some("Kabupaten Fakfak"));
    assert!(!SEED.contains("Fak Fak"));
    let hajj = registry.route("hajj_umrah", "32.73", &[]).institution;
    assert_eq!((hajj.id.as_str(), hajj.name.as_str()), ("kemenhaj", "Kementerian Haji dan Umrah"));
    assert_eq!(registry.route("religious_affairs", "32.73", &[]).institution.id, "kemenag");
    assert_eq!(registry.route("land", "32.73", &[]).institution.id, "atr-bpn");
    assert_eq!(registry.route("secondary_education", "32.73", &[]).institution.id, "pemprov-32");
    assert_eq!(registry.route("transport", "32.73", &[]).institution.id, "pemkot-32.73");
    assert_eq!(registry.route("public_information", "32.73", &[]).institution.id, "pemkot-32.73");
    assert_eq!(registry.institution("pemprov-11").map(|i| i.name.as_str()), Some("Pemerintah Aceh"));
    for rule in &registry.document().rule {
        let source = rule.source.as_deref().unwrap_or_default();
        assert!(!source.trim().is_empty(), "{} in {} has no legal source", rule.category, rule.region);
    }
    let valid_id = |id: &str| {
        let mut chars = id.chars();
        id.len() <= 64
            && chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    };
    for institution in registry.institutions() {
        assert!(valid_id(&institution.id), "{:?}", institution.id);
        assert!(institution.name.chars().count() <= 200, "{}", institution.id);
    }
    for category in registry.categories() {
        assert!(valid_id(&category.id), "{:?}", category.id);
        assert!(category.name.chars().count() <= 200, "{}", category.id);
    }
    for region in registry.regions() {
        assert!(region.name.chars().count() <= 200, "{}", region.code);
    }
}

#[test]
fn the_calendar_ends_with_2027_and_says_so_in_time() {
    let registry = seed();
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    let calendar = registry.document().calendar.as_ref().expect("a calendar");
    let last = calendar.holiday.iter().map(|h| h.date).max().expect("holidays");
    // The 2028 decree was not published as of November 2026.
    assert_eq!(chrono::Datelike::year(&last), 2027);
    assert_eq!(calendar_warning(&registry, date(2026, 11, 29)), None);
    let warning = calendar_warning(&registry, date(2027, 10, 15)).expect("less than 90 days left");
    assert!(warning.contains("2027"), "{warning}");
}

#[test]
fn a_remit_must_name_categories_the_registry_has() {
    let edited = SEED.replacen("remit = [\"other\"]", "remit = [\"ghosts\"]", 1);
    assert_ne!(edited, SEED, "the verifier's remit is where this test expects it");
    let error = Registry::parse("edited.toml", &edited).expect_err("an unknown category in a remit").to_string();
    assert!(error.contains("institution[0].remit[0]") && error.contains("ghosts"), "{error}");
}
