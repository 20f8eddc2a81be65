//! One loaded report's story: the events the pipeline would have carried
//! for it, in order and numbered as the report's clock numbers them, and the
//! rows each service would hold after them. Intake's timeline and
//! resolution's history are made by the services' own code from those
//! events; the rest is built here as filing, placing and opening a case
//! build it, with the procedure's own clocks.

use aduan_intake::entities::{report, report_update};
use aduan_platform::clock::start_of_day;
use aduan_platform::proto::{self, Envelope, Message as _, envelope::Event};
use aduan_platform::report_order::report_clock;
use aduan_procedure::{Action, Calendar, CaseClocks, ProcedureBook, Tier, VerificationClock};
use aduan_registry::Registry;
use aduan_resolution::entities::{case, case_clocks, case_entry, report_history};
use aduan_routing::routed_report;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use sea_orm::TryIntoModel as _;
use uuid::Uuid;

use super::copy::CopyRows;

/// Where a report stands once loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for a verifier: no rule places it.
    Queued,
    /// In an institution's inbox, not yet answered.
    Assigned,
    /// Answered once; the resolution clock runs.
    FollowedUp,
    /// Resolved, accepted by the citizen with a rating, closed.
    Closed,
}

impl Stage {
    /// Every stage, in the order of the loader's counts.
    pub const ALL: [Stage; 4] = [Stage::Queued, Stage::Assigned, Stage::FollowedUp, Stage::Closed];

    /// Its name in the loader's summary.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Queued => "waiting for a verifier",
            Stage::Assigned => "in an inbox, unanswered",
            Stage::FollowedUp => "in an inbox, followed up",
            Stage::Closed => "closed",
        }
    }

    /// The stage of a report by its mixed number: of every 10,000, 5 wait for a
    /// verifier, 500 are unanswered, 500 are followed up, the rest closed.
    fn of(mixed: u64) -> Self {
        match mixed % 10_000 {
            0..5 => Stage::Queued,
            5..505 => Stage::Assigned,
            505..1005 => Stage::FollowedUp,
            _ => Stage::Closed,
        }
    }
}

/// A category in a region and the institution a rule sends it to.
#[derive(Debug, Clone)]
pub struct Placement {
    category: String,
    region: String,
    institution_id: String,
    institution_name: String,
    tier: Tier,
    calendar: Calendar,
    offset: FixedOffset,
}

/// What every report's story is told against.
pub struct Scene {
    procedures: ProcedureBook,
    placements: Vec<Placement>,
    /// The busy inbox: this placement takes one report in a hundred.
    busy: usize,
    /// Reports no rule places, with the national verifier: in the busy
    /// region first, then in every region.
    verifier: Vec<Placement>,
    now: DateTime<Utc>,
    /// Makes this load's tracking codes its own.
    salt: u64,
}

impl Scene {
    /// The placements of `registry`'s rules (each category in each region a
    /// rule of its own region covers), `busy` among them.
    pub fn new(
        registry: &Registry,
        procedures: ProcedureBook,
        busy: (&str, &str),
        now: DateTime<Utc>,
    ) -> anyhow::Result<Self> {
        let placement = |category: &str, region: &str, institution: &aduan_registry::Institution| Placement {
            category: category.to_owned(),
            region: region.to_owned(),
            institution_id: institution.id.clone(),
            institution_name: institution.name.clone(),
            tier: registry.category(category).map(|category| category.tier).unwrap_or_default(),
            calendar: registry.calendar_for(region),
            offset: registry.utc_offset_for(region),
        };
        let mut placements = Vec::new();
        for category in registry.categories() {
            for region in registry.regions() {
                let decision = registry.route(&category.id, &region.code, &[]);
                if decision.matched_by == aduan_registry::MatchedBy::Rule {
                    placements.push(placement(&category.id, &region.code, decision.institution));
                }
            }
        }
        let busy = placements
            .iter()
            .position(|placement| placement.category == busy.0 && placement.region == busy.1)
            .ok_or_else(|| anyhow::anyhow!("no rule of the registry places {} in {}", busy.0, busy.1))?;
        let unplaced = |region: &str| {
            registry
                .categories()
                .iter()
                .find(|category| {
                    registry.route(&category.id, region, &[]).matched_by == aduan_registry::MatchedBy::NationalVerifier
                })
                .map(|category| placement(&category.id, region, registry.national_verifier()))
        };
        let verifier: Vec<Placement> = std::iter::once(placements[busy].region.as_str())
            .chain(
                registry
                    .regions()
                    .iter()
                    .map(|region| region.code.as_str())
                    .filter(|code| *code != placements[busy].region),
            )
            .filter_map(unplaced)
            .collect();
        anyhow::ensure!(!verifier.is_empty(), "every category has a rule everywhere: nothing waits for a verifier");
        Ok(Self { procedures, placements, busy, verifier, now, salt: rand::random::<u64>() })
    }

    /// The busy inbox's institution.
    pub fn busy_institution(&self) -> &str {
        &self.placements[self.busy].institution_id
    }
}

/// A report a bench can open as its citizen and as its institution.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Where it stands.
    pub stage: Stage,
    /// Its id.
    pub report_id: Uuid,
    /// Its tracking code.
    pub tracking_code: String,
    /// Its citizen's secret.
    pub secret: String,
    /// Its case in resolution, once assigned.
    pub case_id: Option<Uuid>,
    /// The institution holding it.
    pub institution_id: String,
}

/// The rows of many reports, table by table, for each service.
#[derive(Default)]
pub struct Rows {
    /// Intake's reports.
    pub report: CopyRows<report::Entity>,
    /// Intake's timelines.
    pub report_update: CopyRows<report_update::Entity>,
    /// Intake's report clocks.
    pub intake_clock: CopyRows<report_clock::Entity>,
    /// Routing's placements.
    pub routed_report: CopyRows<routed_report::Entity>,
    /// Routing's report clocks.
    pub routing_clock: CopyRows<report_clock::Entity>,
    /// Resolution's cases.
    pub case: CopyRows<case::Entity>,
    /// Their clocks.
    pub case_clocks: CopyRows<case_clocks::Entity>,
    /// Their follow-ups and resolutions.
    pub case_entry: CopyRows<case_entry::Entity>,
    /// Every report's history.
    pub report_history: CopyRows<report_history::Entity>,
    /// Resolution's report clocks.
    pub resolution_clock: CopyRows<report_clock::Entity>,
}

/// A fixed permutation of 64-bit numbers (splitmix64's finaliser): spreads
/// report numbers over stages, places, times and words, so that a load's
/// shape is the same whatever its chunking (its ids and secrets are random).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A number below `below` for the `field`-th choice about a report: each
/// choice from its own mix, so that none depends on another.
fn draw(mixed: u64, field: u64, below: u64) -> u64 {
    mix(mixed ^ field.wrapping_mul(0xA076_1D64_78BD_642F)) % below.max(1)
}

/// Crockford's base32, as intake writes tracking codes.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A tracking code of intake's form from 60 bits.
fn tracking_code(bits: u64) -> String {
    let mut code = String::from("ADU");
    for group in 0..3 {
        code.push('-');
        for digit in 0..4 {
            let shift = 55 - 5 * (group * 4 + digit);
            code.push(char::from(ALPHABET[((bits >> shift) & 31) as usize]));
        }
    }
    code
}

/// 60 bits for report `n`, distinct for distinct `n` below 2^60 (an odd
/// multiplier and an xor-shift are both invertible modulo 2^60).
fn code_bits(salt: u64, n: u64) -> u64 {
    const MASK: u64 = (1 << 60) - 1;
    let x = salt.wrapping_add(n) & MASK;
    let x = x.wrapping_mul(0x5DEE_CE66_D1CE_4E5B) & MASK;
    x ^ (x >> 29)
}

/// A UUIDv7 for the moment `at`.
fn id_at(at: DateTime<Utc>) -> Uuid {
    let seconds = u64::try_from(at.timestamp()).unwrap_or(0);
    Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, seconds, at.timestamp_subsec_nanos()))
}

/// Syllables words are made of, as Indonesian words are.
const ONSETS: [&str; 18] = ["", "b", "c", "d", "g", "h", "j", "k", "l", "m", "n", "ng", "ny", "p", "r", "s", "t", "w"];
const VOWELS: [&str; 5] = ["a", "i", "u", "e", "o"];
const CODAS: [&str; 8] = ["", "", "", "n", "ng", "r", "k", "t"];

/// The word of a rank: two or three syllables, fixed for the rank.
fn word(rank: u64) -> String {
    let mut bits = mix(rank ^ 0x5EED);
    let syllables = 2 + bits % 2;
    bits /= 2;
    let mut word = String::new();
    for _ in 0..syllables {
        word.push_str(ONSETS[(bits % ONSETS.len() as u64) as usize]);
        bits /= ONSETS.len() as u64;
        word.push_str(VOWELS[(bits % VOWELS.len() as u64) as usize]);
        bits /= VOWELS.len() as u64;
        word.push_str(CODAS[(bits % CODAS.len() as u64) as usize]);
        bits /= CODAS.len() as u64;
    }
    word
}

/// `count` words drawn as a language uses them: ranks skewed towards the
/// common ones (the cube of a uniform draw over 50,000 ranks puts a fifth
/// of the words among the 500 commonest) with a long tail of rarer ones, so
/// that texts share common words and differ in the rest, and few reports
/// are found alike, as in life.
fn words(seed: u64, count: usize) -> String {
    (0..count)
        .map(|i| {
            let uniform = (mix(seed.wrapping_add(i as u64)) % 1_000_000) as f64 / 1_000_000.0;
            word((uniform.powi(3) * 50_000.0) as u64)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An event of the story, numbered and timed.
fn envelope(report_id: Uuid, sequence: u64, at: DateTime<Utc>, actor: proto::Actor, event: Event) -> Envelope {
    Envelope {
        message_id: id_at(at).to_string(),
        report_id: report_id.to_string(),
        occurred_at: Some(proto::Timestamp {
            seconds: at.timestamp(),
            nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
        }),
        actor: Some(actor),
        event: Some(event),
        sequence,
    }
}

fn actor(role: proto::Role, pseudonym: &str) -> proto::Actor {
    proto::Actor { role: role as i32, pseudonym: pseudonym.to_owned() }
}

/// The day `at` is where the case is.
fn day_at(at: DateTime<Utc>, offset: FixedOffset) -> NaiveDate {
    at.with_timezone(&offset).date_naive()
}

/// A case's clocks as resolution keeps them after `action` on `at`.
struct ClockStep<'a> {
    clocks: CaseClocks,
    placement: &'a Placement,
    tier: Tier,
    procedures: &'a ProcedureBook,
}

impl ClockStep<'_> {
    /// The running clocks' deadlines after `action` on `at`.
    fn after(&mut self, action: Action, at: DateTime<Utc>) -> Vec<proto::Deadline> {
        let procedure = self.procedures.for_institution(&self.placement.institution_id);
        let on = day_at(at, self.placement.offset);
        self.clocks.on_action(action, on, self.tier, procedure, &self.placement.calendar);
        aduan_resolution::deadlines::deadlines_of(&self.clocks, &self.placement.calendar)
    }
}

impl Rows {
    /// Tells report `n`'s story and adds its rows; answers where it ended
    /// and how to open it.
    pub fn add(&mut self, scene: &Scene, n: u64) -> anyhow::Result<Sample> {
        let mixed = mix(n);
        let stage = Stage::of(mixed);
        let placement = match stage {
            // Half of them in the busy neighbourhood, the rest over the country.
            Stage::Queued if draw(mixed, 1, 2) == 0 => &scene.verifier[0],
            Stage::Queued => &scene.verifier[draw(mixed, 2, scene.verifier.len() as u64) as usize],
            _ if draw(mixed, 3, 100) == 0 => &scene.placements[scene.busy],
            _ => &scene.placements[draw(mixed, 4, scene.placements.len() as u64) as usize],
        };
        // Closed reports were filed over the last three years; open ones
        // today, so that no clock is overdue (a loaded system is not asked
        // to escalate a backlog the moment it starts).
        let filed_at = match stage {
            Stage::Closed => {
                scene.now - Duration::days(30) - Duration::seconds(draw(mixed, 5, 3 * 365 * 86_400) as i64)
            }
            _ => scene.now - Duration::seconds(draw(mixed, 5, 6 * 3_600) as i64) - Duration::minutes(10),
        };
        let report_id = id_at(filed_at);
        let secret = hex::encode(rand::random::<[u8; 16]>());
        let content = proto::ReportContent {
            kind: match draw(mixed, 6, 10) {
                0 => proto::ReportKind::Aspiration,
                1 => proto::ReportKind::InformationRequest,
                _ => proto::ReportKind::Complaint,
            } as i32,
            category: placement.category.clone(),
            region: placement.region.clone(),
            title: format!("Laporan {}", words(mix(mixed ^ 7), 5)),
            description: words(mix(mixed ^ 8), 40 + draw(mixed, 9, 40) as usize),
            privacy: match draw(mixed, 10, 10) {
                0 => proto::Privacy::Confidential,
                1 | 2 => proto::Privacy::Anonymous,
                _ => proto::Privacy::Public,
            } as i32,
            tracking_code: tracking_code(code_bits(scene.salt, n)),
        };
        let channel = if draw(mixed, 11, 3) == 0 { "api" } else { "web" };
        let citizen = aduan_intake::citizen_pseudonym(report_id);
        let story = vec![envelope(
            report_id,
            1,
            filed_at,
            actor(proto::Role::Citizen, &citizen),
            Event::Filed(proto::ReportFiled { content: Some(content.clone()), channel: channel.to_owned() }),
        )];
        let filed = filed_report(report_id, &content, channel, &secret, filed_at);
        let routed_at = filed_at + Duration::seconds(2);
        let search_text = aduan_routing::similar::search_text(&content);
        let routed = routed_report::Model {
            report_id,
            category: content.category.clone(),
            region: content.region.clone(),
            content: content.encode_to_vec(),
            status: "submitted".to_owned(),
            institution_id: placement.institution_id.clone(),
            matched_by: "national_verifier".to_owned(),
            returned_by: "[]".to_owned(),
            returns: 0,
            routed_at,
            escalated_to_verifier_at: None,
            escalation_reason: None,
            case_sequence: 0,
            verification_clock: None,
            verification_overdue_at: None,
            likeness_sketch: Some(aduan_routing::similar::sketch(&search_text)),
            search_text: Some(search_text),
        };
        let mut told = Told { story, routed, filed };
        let mut case_id = None;
        if stage == Stage::Queued {
            let procedure = scene.procedures.for_institution(&placement.institution_id);
            let clock =
                VerificationClock::start(day_at(routed_at, placement.offset), procedure.clocks.verify_and_assign);
            told.routed.verification_clock = Some(serde_json::to_string(&clock)?);
            told.routed.verification_overdue_at =
                clock.overdue_from(&placement.calendar).map(|day| start_of_day(day, placement.offset));
        } else {
            case_id = Some(self.add_case(scene, (placement, stage, mixed), &content, &mut told)?);
        }

        let Told { story, routed, mut filed } = told;
        let last = story.last().map_or(1, |envelope| envelope.sequence);
        let updates = aduan_intake::following::follow_story(&mut filed, &story[1..])
            .map_err(|error| anyhow::anyhow!("intake's timeline: {error}"))?;
        self.report.push(&filed)?;
        for update in updates {
            self.report_update.push(&update.try_into_model()?)?;
        }
        for envelope in &story {
            for row in aduan_resolution::history::rows_of(envelope) {
                self.report_history.push(&row.try_into_model()?)?;
            }
        }
        self.routed_report.push(&routed)?;
        let clock = report_clock::Model { report_id, sequence: i64::try_from(last)? };
        self.intake_clock.push(&clock)?;
        self.routing_clock.push(&clock)?;
        self.resolution_clock.push(&clock)?;
        Ok(Sample {
            stage,
            report_id,
            tracking_code: content.tracking_code,
            secret,
            case_id,
            institution_id: placement.institution_id.clone(),
        })
    }

    /// The story from placement on: assigned by rule, opened, and as far as
    /// `stage` goes; the case's rows. Answers the case.
    fn add_case(
        &mut self,
        scene: &Scene,
        (placement, stage, mixed): (&Placement, Stage, u64),
        content: &proto::ReportContent,
        told: &mut Told,
    ) -> anyhow::Result<Uuid> {
        let Told { story, routed, filed } = told;
        let report_id = routed.report_id;
        let mut at = routed.routed_at;
        let next = |story: &mut Vec<Envelope>, at: DateTime<Utc>, actor: proto::Actor, event: Event| {
            let sequence = story.len() as u64 + 1;
            story.push(envelope(report_id, sequence, at, actor, event));
        };
        let routing = actor(proto::Role::System, aduan_routing::SERVICE);
        let resolution = actor(proto::Role::System, aduan_resolution::SERVICE);
        let officer = actor(
            proto::Role::Officer,
            &format!("u-{}", Uuid::new_v5(&Uuid::NAMESPACE_OID, placement.institution_id.as_bytes()).simple()),
        );
        let citizen = story[0].actor.clone().unwrap_or_default();

        routed.status = "assigned".to_owned();
        routed.matched_by = "rule".to_owned();
        next(
            story,
            at,
            routing.clone(),
            Event::Assigned(proto::AssignedToInstitution {
                institution_id: placement.institution_id.clone(),
                institution_name: placement.institution_name.clone(),
                content: Some(content.clone()),
                returns_so_far: 0,
                matched_by: "rule".to_owned(),
                note: String::new(),
                tier: String::new(),
            }),
        );
        at += Duration::seconds(1);
        let case_id = id_at(at);
        let tier = if content.kind == proto::ReportKind::InformationRequest as i32 {
            Tier::InformationRequest
        } else {
            placement.tier
        };
        let mut clocks = ClockStep { clocks: CaseClocks::default(), placement, tier, procedures: &scene.procedures };
        let mut case = case::Model {
            id: case_id,
            report_id,
            institution_id: placement.institution_id.clone(),
            institution_name: placement.institution_name.clone(),
            status: "assigned".to_owned(),
            tracking_code: content.tracking_code.clone(),
            kind: filed.kind.clone(),
            category: content.category.clone(),
            region: content.region.clone(),
            tier: tier.as_str().to_owned(),
            privacy: filed.privacy.clone(),
            title: content.title.clone(),
            description: content.description.clone(),
            pending_resolution: None,
            rating: None,
            fixed: None,
            opened_at: at,
            updated_at: at,
            next_due_on: None,
        };
        let deadlines = |story: &mut Vec<Envelope>, clocks: &mut ClockStep, action: Action, at: DateTime<Utc>| {
            let set = proto::DeadlinesSet { case_id: case_id.to_string(), deadlines: clocks.after(action, at) };
            next(story, at, resolution.clone(), Event::DeadlinesSet(set));
        };
        // A new case announces the deadlines it opens with.
        next(
            story,
            at,
            resolution.clone(),
            Event::CaseOpened(proto::CaseOpened {
                case_id: case_id.to_string(),
                institution_id: placement.institution_id.clone(),
                deadlines: clocks.after(Action::Assign, at),
            }),
        );
        let entry = |kind: &str, at: DateTime<Utc>, text: String| case_entry::Model {
            id: id_at(at),
            case_id,
            institution_id: placement.institution_id.clone(),
            kind: kind.to_owned(),
            author: officer.pseudonym.clone(),
            author_role: Some("officer".to_owned()),
            text,
            created_at: at,
        };
        if stage != Stage::Assigned {
            // Followed up, and for closed cases resolved, within twenty
            // hours each: within every tier's deadline, so that no story
            // owes an escalation it does not tell.
            at += match stage {
                Stage::Closed => Duration::minutes(30 + draw(mixed, 12, 20 * 60) as i64),
                _ => Duration::minutes(5),
            };
            let posted = entry("follow_up", at, format!("Kami akan memeriksa: {}", words(mix(mixed ^ 13), 8)));
            deadlines(story, &mut clocks, Action::PostFollowUp, at);
            next(
                story,
                at,
                officer.clone(),
                Event::FollowUpPosted(proto::FollowUpPosted {
                    case_id: case_id.to_string(),
                    institution_id: placement.institution_id.clone(),
                    message: posted.text.clone(),
                    entry_id: posted.id.to_string(),
                }),
            );
            self.case_entry.push(&posted)?;
            case.status = "in_follow_up".to_owned();
            case.updated_at = at;
        }
        if stage == Stage::Closed {
            at += Duration::minutes(30 + draw(mixed, 14, 20 * 60) as i64);
            let answer = entry("resolution", at, format!("Sudah ditangani: {}", words(mix(mixed ^ 15), 10)));
            deadlines(story, &mut clocks, Action::Resolve, at);
            next(
                story,
                at,
                officer.clone(),
                Event::Resolved(proto::Resolved {
                    case_id: case_id.to_string(),
                    institution_id: placement.institution_id.clone(),
                    summary: answer.text.clone(),
                    entry_id: answer.id.to_string(),
                }),
            );
            self.case_entry.push(&answer)?;
            at += Duration::hours(1 + draw(mixed, 16, 90) as i64);
            let rating = 1 + draw(mixed, 17, 5);
            let fixed = match draw(mixed, 18, 3) {
                0 => (proto::Fixed::Yes, "yes"),
                1 => (proto::Fixed::Partly, "partly"),
                _ => (proto::Fixed::No, "no"),
            };
            next(
                story,
                at,
                citizen,
                Event::Accepted(proto::Accepted {
                    rating: rating as u32,
                    comment: String::new(),
                    fixed: fixed.0 as i32,
                }),
            );
            filed.rating = Some(rating as i32);
            filed.fixed = Some(fixed.1.to_owned());
            case.rating = filed.rating;
            case.fixed = filed.fixed.clone();
            at += Duration::seconds(1);
            deadlines(story, &mut clocks, Action::Accept, at);
            next(
                story,
                at,
                resolution.clone(),
                Event::Closed(proto::Closed { case_id: case_id.to_string(), reason: "accepted".to_owned() }),
            );
            case.status = "closed".to_owned();
            case.updated_at = at;
            routed.case_sequence = i64::try_from(story.len())?;
        }
        case.next_due_on = aduan_resolution::deadlines::next_due_on(&clocks.clocks, &placement.calendar);
        let procedure = scene.procedures.for_institution(&placement.institution_id);
        self.case_clocks.push(&case_clocks::Model {
            case_id,
            state: serde_json::to_string(&clocks.clocks)?,
            next_check_at: clocks
                .clocks
                .next_check(procedure, &placement.calendar)
                .map(|day| start_of_day(day, placement.offset)),
        })?;
        self.case.push(&case)?;
        Ok(case_id)
    }
}

/// A report's story so far and the rows it has given intake and routing.
struct Told {
    story: Vec<Envelope>,
    routed: routed_report::Model,
    filed: report::Model,
}

/// Intake's report as filing writes it: submitted, its first fact.
fn filed_report(
    report_id: Uuid,
    content: &proto::ReportContent,
    channel: &str,
    secret: &str,
    filed_at: DateTime<Utc>,
) -> report::Model {
    report::Model {
        id: report_id,
        tracking_code: content.tracking_code.clone(),
        secret_hash: aduan_intake::hash_secret(secret),
        kind: proto::ReportKind::try_from(content.kind).map_or("complaint", kind_name).to_owned(),
        category: content.category.clone(),
        region: content.region.clone(),
        title: content.title.clone(),
        description: content.description.clone(),
        privacy: proto::Privacy::name_of(content.privacy).to_owned(),
        channel: channel.to_owned(),
        status: "submitted".to_owned(),
        status_changed_at: filed_at,
        status_sequence: 1,
        merged_into: None,
        rating: None,
        fixed: None,
        institution_id: None,
        institution_name: None,
        filed_at,
        latitude: None,
        longitude: None,
        address: None,
        language: "id".to_owned(),
        notify_token: None,
        notifications_stopped_at: None,
        public_title: None,
        public_description: None,
        withdrawn_at: None,
        deadlines: None,
        deadlines_sequence: 0,
    }
}

fn kind_name(kind: proto::ReportKind) -> &'static str {
    match kind {
        proto::ReportKind::Aspiration => "aspiration",
        proto::ReportKind::InformationRequest => "information_request",
        _ => "complaint",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_codes_are_distinct_and_of_intakes_form() {
        let codes: std::collections::HashSet<String> = (0..100_000).map(|n| tracking_code(code_bits(7, n))).collect();
        assert_eq!(codes.len(), 100_000);
        let code = tracking_code(code_bits(7, 1));
        assert_eq!(code.len(), 18);
        assert!(code.starts_with("ADU-") && code[4..].chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
    }

    #[test]
    fn stages_are_spread_as_said() {
        let mut counts = [0u64; 4];
        for n in 0..200_000 {
            let stage = Stage::of(mix(n));
            counts[Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0)] += 1;
        }
        // 0.05 %, 5 %, 5 %, 89.95 %, within sampling error.
        assert!((50..=150).contains(&counts[0]), "{counts:?}");
        assert!((9_400..=10_600).contains(&counts[1]) && (9_400..=10_600).contains(&counts[2]), "{counts:?}");
    }
}
