//! Users made outside the API: the first administrator of a fresh
//! installation (`aduan user add`), and the demo users of `aduan dev`, one per
//! role, with known passwords.

use aduan_access::{Grant, StaffRole};
use aduan_platform::database::begin_write;
use aduan_platform::http::ApiError;
use aduan_registry::Registry;
use sea_orm::DatabaseConnection;

use crate::events;
use crate::grants;
use crate::passwords::{Passwords, check_new_password};
use crate::settings::PasswordHashing;
use crate::users::{self, NewUser, Username};

fn refused(error: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{} ({})", error.message, error.code)
}

/// The registry accounts holds in `db`, if one was stored yet.
async fn stored_registry(db: &DatabaseConnection) -> anyhow::Result<Option<Registry>> {
    Ok(match aduan_registry_store::store::newest(db).await? {
        Some((version, document)) => Some(aduan_registry_store::parse_version(version, &document)?),
        None => None,
    })
}

/// Creates a user with a password and grants; answers their pseudonymous id.
/// The institutions of the grants are checked against the registry stored in
/// `db` (on a fresh installation, before routing published one, against the
/// demo registry only if it holds them; otherwise they are taken as given).
pub async fn add_user(
    db: &DatabaseConnection,
    username: &str,
    display_name: &str,
    password: &str,
    grants: Vec<Grant>,
) -> anyhow::Result<String> {
    let passwords = Passwords::new(PasswordHashing::default(), 1)?;
    let registry = stored_registry(db).await?;
    create_user(db, &passwords, registry.as_ref(), username, display_name, password, grants, false).await
}

/// Checks and writes a user, with its `created` event by accounts itself.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn create_user(
    db: &DatabaseConnection,
    passwords: &Passwords,
    registry: Option<&Registry>,
    username: &str,
    display_name: &str,
    password: &str,
    grants: Vec<Grant>,
    totp_exempt: bool,
) -> anyhow::Result<String> {
    let username = Username::parse(username).map_err(refused)?;
    let display_name = users::display_name(display_name).map_err(refused)?;
    check_new_password(password, username.as_str()).map_err(refused)?;
    let grants = match registry {
        Some(registry) => grants::check_grants(grants, registry).map_err(refused)?,
        None => {
            if let Some(grant) = grants.iter().find(|grant| !grant.is_well_formed()) {
                anyhow::bail!("a {} always belongs to an institution", grant.role.as_str());
            }
            grants
        }
    };
    // Where every grant is in one institution, its administrators manage the user.
    let first = grants.first().and_then(|grant| grant.institution.clone());
    let institution = first.filter(|first| grants.iter().all(|grant| grant.institution.as_ref() == Some(first)));
    let new = NewUser {
        username,
        display_name,
        email: None,
        institution,
        password_hash: Some(passwords.hash(password).await?),
        grants,
        totp_exempt,
        oidc_key: None,
    };
    let txn = begin_write(db).await?;
    let user = users::insert(&txn, new, events::system()).await.map_err(refused)?;
    txn.commit().await?;
    Ok(user.id)
}

/// A demo user, to print for whoever runs `aduan dev`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    /// What the user is for, e.g. "officer of bandung-dpu".
    pub role: String,
    /// Sign in with it.
    pub username: String,
    /// And with it (a demo password: never use these users outside `aduan dev`).
    pub password: String,
    /// Their pseudonymous id.
    pub subject: String,
    /// Their grants.
    pub grants: Vec<Grant>,
    /// False when the user was already there (its password may have changed since).
    pub created: bool,
}

/// One demo user per role, on the demo registry (`aduan dev`): the national
/// verifier, the coordinator of Pemerintah Kota Bandung, an officer of its
/// roads and water agency, a supervisor of Kota Bandung, a national auditor
/// and a national administrator. They carry the demo flag: exempt from the
/// second-factor policy where `AccountsSettings::totp_required` is false.
/// Idempotent: users already there are left as they are.
pub async fn seed_demo_users(db: &DatabaseConnection) -> anyhow::Result<Vec<DemoUser>> {
    let registry = Registry::demo();
    let passwords = Passwords::new(PasswordHashing::default(), 1)?;
    let people = [
        ("demo.verifier", "Verifikator Nasional (demo)", Grant::national(StaffRole::Verifier)),
        (
            "demo.coordinator",
            "Koordinator Kota Bandung (demo)",
            Grant::in_institution(StaffRole::Coordinator, "pemkot-bandung"),
        ),
        ("demo.officer", "Petugas DSDABM Bandung (demo)", Grant::in_institution(StaffRole::Officer, "bandung-dpu")),
        (
            "demo.supervisor",
            "Supervisor Kota Bandung (demo)",
            Grant::in_institution(StaffRole::Supervisor, "pemkot-bandung"),
        ),
        ("demo.auditor", "Auditor Nasional (demo)", Grant::national(StaffRole::Auditor)),
        ("demo.admin", "Administrator Nasional (demo)", Grant::national(StaffRole::Administrator)),
    ];
    let mut seeded = Vec::with_capacity(people.len());
    for (username, display_name, grant) in people {
        let password = format!("{}-demo-password", grant.role.as_str());
        let role = match &grant.institution {
            None => format!("national {}", grant.role.as_str()),
            Some(institution) => format!("{} of {institution}", grant.role.as_str()),
        };
        let (subject, created) = match users::find_by_username(db, username).await.map_err(refused)? {
            Some(existing) => (existing.id, false),
            None => {
                let subject = create_user(
                    db,
                    &passwords,
                    Some(&registry),
                    username,
                    display_name,
                    &password,
                    vec![grant.clone()],
                    true,
                )
                .await?;
                (subject, true)
            }
        };
        seeded.push(DemoUser { role, username: username.to_owned(), password, subject, grants: vec![grant], created });
    }
    Ok(seeded)
}

/// The demo Open311 partner's API key, printed by `aduan dev` (a demo key,
/// like the demo passwords: never issue it outside `aduan dev`).
pub const DEMO_OPEN311_KEY: &str = "aduan_pat_open311-demo-partner-for-aduan-dev-only";

/// How long the demo key works from each start of `aduan dev`.
const DEMO_KEY_DAYS: i64 = 365;

/// Issues the demo Open311 partner's API token (no staff grants: it files
/// reports, nothing else), or renews it when it expired; a revoked one stays
/// revoked. Answers the key.
pub async fn seed_demo_open311_key(db: &DatabaseConnection) -> anyhow::Result<&'static str> {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

    use crate::entities::api_token;

    let digest =
        crate::secrets::digest(DEMO_OPEN311_KEY).ok_or_else(|| anyhow::anyhow!("the demo key has no digest"))?;
    let now = chrono::Utc::now();
    let expires_at = now + chrono::Duration::days(DEMO_KEY_DAYS);
    let txn = begin_write(db).await?;
    match api_token::Entity::find().filter(api_token::Column::TokenDigest.eq(digest.as_str())).one(&txn).await? {
        Some(existing) if existing.expires_at <= now && existing.revoked_at.is_none() => {
            let mut renewed: api_token::ActiveModel = existing.into();
            renewed.expires_at = Set(expires_at);
            renewed.update(&txn).await?;
        }
        Some(_) => {}
        None => {
            let id = crate::secrets::new_machine_id();
            api_token::ActiveModel {
                id: Set(id.clone()),
                token_digest: Set(digest),
                name: Set("Open311 demo partner".to_owned()),
                institution: Set(None),
                grants: Set(grants::to_json(&[])),
                issued_by: Set(events::system().pseudonym),
                created_at: Set(now),
                expires_at: Set(expires_at),
                revoked_at: Set(None),
                last_used_at: Set(None),
            }
            .insert(&txn)
            .await?;
            events::record(&txn, events::system(), &id, events::Change::ApiTokenIssued, &[]).await?;
        }
    }
    txn.commit().await?;
    Ok(DEMO_OPEN311_KEY)
}
