//! A member of staff: their username, name, password hash, second factor and
//! grants. Only accounts' own answers to administrators and to the user show
//! a username, a name or an address; events and log lines use the id.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_user")]
pub struct Model {
    /// The pseudonymous id, `u-…`: what tokens and events name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Lowercase; unique.
    #[sea_orm(unique)]
    pub username: String,
    /// The name shown to colleagues.
    pub display_name: String,
    /// For notices; never in an event or a log line.
    pub email: Option<String>,
    /// The institution the user belongs to, whose administrators manage
    /// them; `None`: national staff, managed by national administrators.
    #[sea_orm(indexed)]
    pub institution: Option<String>,
    /// The argon2id PHC string; `None` until a password is set (an account
    /// made for OIDC sign-in, or one waiting for its reset link).
    #[sea_orm(column_type = "Text", nullable)]
    pub password_hash: Option<String>,
    /// A disabled user can neither sign in nor exchange a session.
    pub disabled: bool,
    /// The grants, a JSON array of `aduan_access::Grant`.
    #[sea_orm(column_type = "Text")]
    pub grants: String,
    /// The confirmed TOTP secret (base32); `None`: no second factor.
    pub totp_secret: Option<String>,
    /// A TOTP secret handed out and not yet confirmed with a code.
    pub totp_pending_secret: Option<String>,
    /// The last TOTP time step accepted, so no code is accepted twice.
    pub totp_last_step: Option<i64>,
    /// A demo user, exempt from the second-factor policy where settings say
    /// so (`aduan dev` only).
    pub totp_exempt: bool,
    /// For users who sign in with OIDC: a digest of the provider and its
    /// subject.
    #[sea_orm(unique)]
    pub oidc_key: Option<String>,
    /// When the user was created.
    pub created_at: DateTimeUtc,
    /// When the user last changed.
    pub updated_at: DateTimeUtc,
}

/// Shows only the id, so a stray `{:?}` cannot leak a name, an address or a hash.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffUser").field("id", &self.id).finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
