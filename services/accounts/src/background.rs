//! Accounts' work on its own schedule: a new signing key when the current one
//! is old, retired keys dropped once no valid token can use them, and ended
//! sessions, used or expired reset links, stale OIDC flows and old throttle
//! records purged.

use chrono::Utc;
use futures::future::BoxFuture;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, ExprTrait as _, QueryFilter};
use tokio_util::sync::CancellationToken;

use crate::AccountsState;
use crate::entities::{oidc_flow, password_reset, session, sign_in_throttle};
use crate::keys;

/// How long ended sessions and used reset links are kept before the purge
/// (long enough to answer "why was I signed out?").
const KEEP_ENDED: chrono::Duration = chrono::Duration::days(1);

/// Every background task, to spawn; each runs until `stop`.
pub fn background_tasks(state: &AccountsState, stop: CancellationToken) -> Vec<BoxFuture<'static, ()>> {
    vec![Box::pin(keep_keys_rotated(state.clone(), stop.clone())), Box::pin(keep_purging(state.clone(), stop))]
}

async fn every_tick<F, Fut>(state: &AccountsState, stop: &CancellationToken, what: &str, mut work: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), DbErr>>,
{
    loop {
        if let Err(error) = work().await {
            tracing::warn!(%error, "{what} failed; will retry");
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(state.settings.maintenance_tick) => {}
        }
    }
}

/// Makes the first key, rotates the current one when it is older than
/// `key_rotation_age`, and drops retired keys past their grace, every tick until `stop`.
pub async fn keep_keys_rotated(state: AccountsState, stop: CancellationToken) {
    every_tick(&state, &stop, "key rotation", || async {
        if keys::rotate_if_older_than(&state.db, state.settings.key_rotation_age).await? {
            state.keys.forget();
            state.outbox.wake();
        }
        if keys::drop_expired(&state.db).await? > 0 {
            state.keys.forget();
        }
        Ok(())
    })
    .await;
}

/// Purges what has ended, every tick until `stop`.
pub async fn keep_purging(state: AccountsState, stop: CancellationToken) {
    every_tick(&state, &stop, "the purge of ended sessions", || async {
        let purged = purge_expired(&state).await?;
        if purged > 0 {
            tracing::debug!(purged, "purged ended sessions, reset links and sign-in records");
        }
        Ok(())
    })
    .await;
}

/// Deletes sessions ended a day ago or more, reset links used or expired a
/// day ago or more, expired OIDC flows and throttle records idle for a day
/// and not locked; answers how many rows went.
pub async fn purge_expired(state: &AccountsState) -> Result<u64, DbErr> {
    let now = Utc::now();
    let idle = chrono::Duration::from_std(state.settings.session_idle_timeout).unwrap_or_default();
    let sessions = session::Entity::delete_many()
        .filter(
            session::Column::ExpiresAt
                .lt(now - KEEP_ENDED)
                .or(session::Column::RevokedAt.lt(now - KEEP_ENDED))
                .or(session::Column::LastUsedAt.lt(now - idle - KEEP_ENDED)),
        )
        .exec(&state.db)
        .await?
        .rows_affected;
    let resets = password_reset::Entity::delete_many()
        .filter(
            password_reset::Column::ExpiresAt
                .lt(now - KEEP_ENDED)
                .or(password_reset::Column::UsedAt.lt(now - KEEP_ENDED)),
        )
        .exec(&state.db)
        .await?
        .rows_affected;
    let flows = oidc_flow::Entity::delete_many()
        .filter(oidc_flow::Column::ExpiresAt.lt(now))
        .exec(&state.db)
        .await?
        .rows_affected;
    let throttles = sign_in_throttle::Entity::delete_many()
        .filter(sign_in_throttle::Column::UpdatedAt.lt(now - chrono::Duration::days(1)))
        .filter(sign_in_throttle::Column::LockedUntil.is_null().or(sign_in_throttle::Column::LockedUntil.lt(now)))
        .exec(&state.db)
        .await?
        .rows_affected;
    Ok(sessions + resets + flows + throttles)
}
