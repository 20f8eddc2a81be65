//! Lockout of repeated failed sign-ins, per username whether or not the user
//! exists: after `lockout_threshold` consecutive failures, sign-in with that
//! username is refused for a time that doubles with each lockout (1 min up to
//! 1 h by default); a success clears it.

use aduan_platform::database::{begin_write, serialize_with};
use aduan_platform::http::ApiError;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, Set};
use sha2::{Digest, Sha256};

use crate::entities::sign_in_throttle;
use crate::events::{self, Change};
use crate::settings::AccountsSettings;

/// The throttle's key for `username` (already lowercased).
pub fn key_for(username: &str) -> String {
    hex::encode(Sha256::digest(format!("sign-in\0{username}").as_bytes()))
}

/// 429 `too_many_attempts` until `until`, with `Retry-After`.
fn locked(until: DateTime<Utc>, now: DateTime<Utc>) -> ApiError {
    let seconds = (until - now).num_seconds().max(1).unsigned_abs();
    ApiError {
        retry_after: Some(seconds),
        ..ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed attempts; try again in {seconds} s"),
        )
    }
}

/// Refuses with 429 while `key` is locked.
pub async fn check(db: &DatabaseConnection, key: &str) -> Result<(), ApiError> {
    let now = Utc::now();
    match sign_in_throttle::Entity::find_by_id(key.to_owned()).one(db).await? {
        Some(row) if row.locked_until.is_some_and(|until| until > now) => {
            Err(locked(row.locked_until.unwrap_or(now), now))
        }
        _ => Ok(()),
    }
}

/// How long the `lockouts`-th lockout lasts (1-based): the base, doubled
/// each time, at most the maximum.
pub fn lockout_length(settings: &AccountsSettings, lockouts: i32) -> chrono::Duration {
    let doublings = u32::try_from(lockouts.saturating_sub(1)).unwrap_or(0).min(30);
    let length = settings.lockout_base.saturating_mul(1_u32 << doublings).min(settings.lockout_max);
    chrono::Duration::from_std(length).unwrap_or(chrono::Duration::hours(1))
}

/// Counts a failure for `key`; locks it when the failures reach the
/// threshold, and then records a `locked` event for `user_id` if a user has
/// the username. Answers the 429 to give if this failure locked it.
pub async fn record_failure(
    db: &DatabaseConnection,
    settings: &AccountsSettings,
    key: &str,
    user_id: Option<&str>,
) -> Result<Option<ApiError>, DbErr> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    serialize_with(&txn, &format!("sign-in {key}")).await?;
    let row = sign_in_throttle::Entity::find_by_id(key.to_owned()).one(&txn).await?;
    let (failures, lockouts) = row.as_ref().map_or((0, 0), |row| (row.failures, row.lockouts));
    let failures = failures.saturating_add(1);
    let threshold = i32::try_from(settings.lockout_threshold).unwrap_or(i32::MAX);
    let (failures, lockouts, locked_until) = if failures >= threshold {
        let lockouts = lockouts.saturating_add(1);
        (0, lockouts, Some(now + lockout_length(settings, lockouts)))
    } else {
        (failures, lockouts, row.as_ref().and_then(|row| row.locked_until))
    };
    match row {
        Some(row) => {
            let mut active = row.into_active_model();
            active.failures = Set(failures);
            active.lockouts = Set(lockouts);
            active.locked_until = Set(locked_until);
            active.updated_at = Set(now);
            active.update(&txn).await?;
        }
        None => {
            sign_in_throttle::ActiveModel {
                key: Set(key.to_owned()),
                failures: Set(failures),
                lockouts: Set(lockouts),
                locked_until: Set(locked_until),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
    }
    let just_locked = failures == 0 && locked_until.is_some_and(|until| until > now);
    if just_locked && let Some(user_id) = user_id {
        events::record(&txn, events::system(), user_id, Change::Locked, &[]).await?;
        tracing::warn!(user = user_id, lockouts, "repeated failed sign-ins locked an account");
    }
    txn.commit().await?;
    Ok(just_locked.then(|| locked(locked_until.unwrap_or(now), now)))
}

/// Clears `key` after a success.
pub async fn clear(db: &DatabaseConnection, key: &str) -> Result<(), DbErr> {
    sign_in_throttle::Entity::delete_by_id(key.to_owned()).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_double_up_to_the_maximum() {
        let settings = AccountsSettings::default();
        let minutes = |n| lockout_length(&settings, n).num_minutes();
        assert_eq!([minutes(1), minutes(2), minutes(3), minutes(4)], [1, 2, 4, 8]);
        assert_eq!(minutes(7), 60);
        assert_eq!(minutes(100), 60);
    }

    #[test]
    fn keys_do_not_show_the_username() {
        assert!(!key_for("siti").contains("siti"));
        assert_ne!(key_for("siti"), key_for("budi"));
    }
}
