//! Staff users: what makes a username, a display name and an address
//! acceptable, and writing a new user with its `created` event.

use aduan_access::Grant;
use aduan_platform::database::{Failure, classify};
use aduan_platform::http::{ApiError, quoted};
use aduan_platform::proto::Actor;
use aduan_text::TextRule;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entities::user;
use crate::events::{self, Change};
use crate::grants;

/// A username: 3 to 64 characters of `a-z 0-9 . _ -`, starting with a
/// letter or digit; compared and stored lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// `input`, lowercased, if it is a username; else 422 `invalid_username`.
    pub fn parse(input: &str) -> Result<Self, ApiError> {
        Self::read(input).ok_or_else(|| {
            ApiError::invalid(
                "invalid_username",
                "a username is 3 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or a digit",
            )
        })
    }

    /// `input`, lowercased, if it is a username.
    pub fn read(input: &str) -> Option<Self> {
        let lowered = input.trim().to_ascii_lowercase();
        let mut bytes = lowered.bytes();
        let first = bytes.next()?;
        let fits = (3..=64).contains(&lowered.len())
            && (first.is_ascii_lowercase() || first.is_ascii_digit())
            && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
        fits.then_some(Self(lowered))
    }

    /// As stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: one line of 1 to 100 characters; else 422 `invalid_display_name`.
pub fn display_name(input: &str) -> Result<String, ApiError> {
    ApiError::check_text(input, "display_name", "invalid_display_name", TextRule::line(1, 100))
}

/// An e-mail address, roughly checked (one `@`, a dot in the domain, no
/// spaces, at most 254 characters); else 422 `invalid_email`.
pub fn email(input: &str) -> Result<String, ApiError> {
    let email = input.trim();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@') && !domain.starts_with('.')
        });
    if valid { Ok(email.to_owned()) } else { Err(ApiError::invalid("invalid_email", "this is not an e-mail address")) }
}

/// A user to be created, checked.
#[derive(Clone)]
pub struct NewUser {
    /// The username.
    pub username: Username,
    /// The display name.
    pub display_name: String,
    /// The address, if given.
    pub email: Option<String>,
    /// The institution the user belongs to; `None`: national.
    pub institution: Option<String>,
    /// The password hash, if a password is set now.
    pub password_hash: Option<String>,
    /// The grants, checked.
    pub grants: Vec<Grant>,
    /// A demo user (exempt from the second-factor policy in `aduan dev`).
    pub totp_exempt: bool,
    /// For an OIDC user: the digest of provider and subject.
    pub oidc_key: Option<String>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser").field("grants", &self.grants).finish_non_exhaustive()
    }
}

/// Writes `new` and its `created` event by `actor`; 409 `username_taken` if
/// the username is in use.
pub async fn insert<C: ConnectionTrait>(conn: &C, new: NewUser, actor: Actor) -> Result<user::Model, ApiError> {
    if find_by_username(conn, new.username.as_str()).await?.is_some() {
        return Err(username_taken(&new.username));
    }
    let now = Utc::now();
    let id = crate::secrets::new_user_id();
    let row = user::ActiveModel {
        id: Set(id.clone()),
        username: Set(new.username.as_str().to_owned()),
        display_name: Set(new.display_name),
        email: Set(new.email),
        institution: Set(new.institution),
        password_hash: Set(new.password_hash),
        disabled: Set(false),
        grants: Set(grants::to_json(&new.grants)),
        totp_secret: Set(None),
        totp_pending_secret: Set(None),
        totp_last_step: Set(None),
        totp_exempt: Set(new.totp_exempt),
        oidc_key: Set(new.oidc_key),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .map_err(|error| match classify(&error) {
        // Another request took the username at the same moment.
        Failure::Constraint => username_taken(&new.username),
        _ => ApiError::from(error),
    })?;
    events::record(conn, actor, &id, Change::Created, &new.grants).await?;
    tracing::info!(user = %id, "user created");
    Ok(row)
}

fn username_taken(username: &Username) -> ApiError {
    ApiError::conflict("username_taken", format!("the username {} is taken", quoted(username.as_str())))
}

/// The user named `username` (lowercase).
pub async fn find_by_username<C: ConnectionTrait>(conn: &C, username: &str) -> Result<Option<user::Model>, ApiError> {
    Ok(user::Entity::find().filter(user::Column::Username.eq(username)).one(conn).await?)
}

/// The user with `id`, or 404 `user_not_found`.
pub async fn find<C: ConnectionTrait>(conn: &C, id: &str) -> Result<user::Model, ApiError> {
    if id.len() > 64 {
        return Err(not_found());
    }
    user::Entity::find_by_id(id.to_owned()).one(conn).await?.ok_or_else(not_found)
}

fn not_found() -> ApiError {
    ApiError::not_found("user_not_found", "no user has this id")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercase_words() {
        assert_eq!(Username::read("Siti.Rahayu").map(|u| u.0), Some("siti.rahayu".into()));
        assert!(Username::read("ab").is_none());
        assert!(Username::read("-siti").is_none());
        assert!(Username::read("siti rahayu").is_none());
        assert!(Username::read("siti@kota").is_none());
        assert!(Username::read(&"a".repeat(64)).is_some());
        assert!(Username::read(&"a".repeat(65)).is_none());
        assert!(Username::read("sïti").is_none());
    }

    #[test]
    fn addresses_are_roughly_checked() {
        assert!(email("siti@bandung.go.id").is_ok());
        assert!(email("siti").is_err());
        assert!(email("siti@localhost").is_err());
        assert!(email("si ti@bandung.go.id").is_err());
        assert!(email("@bandung.go.id").is_err());
    }
}
