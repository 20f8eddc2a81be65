//! The keys access tokens are signed with, kept in accounts' database so
//! every replica signs with the same current key. The newest key not retired
//! signs; a retired key stays published until every token it signed has
//! expired (`MAX_LIFETIME_SECONDS` and a minute), then it is dropped.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use aduan_access::{Claims, Jwks, KeySet, MAX_LIFETIME_SECONDS, SigningKey};
use aduan_platform::database::{begin_write, serialize_with};
use aduan_platform::proto::Actor;
use chrono::Utc;
use sea_orm::ExprTrait as _;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::entities::signing_key;
use crate::events::{self, Change};

/// How long a retired key stays published: the longest a token it signed
/// can live, and a minute for clocks and caches.
pub fn retired_key_grace() -> chrono::Duration {
    chrono::Duration::seconds(MAX_LIFETIME_SECONDS + 60)
}

/// The keys as read from the database at one moment.
#[derive(Debug)]
pub struct Loaded {
    read_at: Instant,
    /// The key that signs now.
    pub current: SigningKey,
    /// Every key a valid token may be signed with, to verify with.
    pub keys: KeySet,
    /// The same, as published.
    pub jwks: Jwks,
}

/// The keys, read from the database and kept for a moment.
#[derive(Debug)]
pub struct KeyRing {
    refresh: Duration,
    cached: RwLock<Option<Arc<Loaded>>>,
}

impl KeyRing {
    /// Keys read again after `refresh` (another replica may have rotated them).
    pub fn new(refresh: Duration) -> Self {
        Self { refresh, cached: RwLock::new(None) }
    }

    /// The keys now; makes the first key if there is none.
    pub async fn loaded(&self, db: &DatabaseConnection) -> Result<Arc<Loaded>, DbErr> {
        if let Some(loaded) = self.cached.read().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref()
            && loaded.read_at.elapsed() < self.refresh
        {
            return Ok(loaded.clone());
        }
        let loaded = match read(db).await? {
            Some(loaded) => loaded,
            None => {
                ensure_current(db).await?;
                read(db).await?.ok_or_else(|| DbErr::Custom("no signing key after making one".into()))?
            }
        };
        let loaded = Arc::new(loaded);
        *self.cached.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(loaded.clone());
        Ok(loaded)
    }

    /// Forgets the keys read, so the next use reads them again.
    pub fn forget(&self) {
        *self.cached.write().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// Signs `claims` with the current key.
    pub async fn sign(&self, db: &DatabaseConnection, claims: &Claims) -> Result<String, DbErr> {
        let loaded = self.loaded(db).await?;
        Ok(aduan_access::sign(claims, &loaded.current))
    }
}

/// The published keys and the current one, or `None` if no key signs.
async fn read(db: &DatabaseConnection) -> Result<Option<Loaded>, DbErr> {
    let now = Utc::now();
    let rows = signing_key::Entity::find()
        .filter(
            signing_key::Column::RetiredAt.is_null().or(signing_key::Column::RetiredAt.gt(now - retired_key_grace())),
        )
        .order_by_desc(signing_key::Column::CreatedAt)
        .all(db)
        .await?;
    let to_key = |row: &signing_key::Model| -> Result<SigningKey, DbErr> {
        let secret: [u8; 32] = row
            .secret
            .as_slice()
            .try_into()
            .map_err(|_| DbErr::Custom(format!("signing key {} is not 32 bytes", row.kid)))?;
        Ok(SigningKey::from_bytes(row.kid.clone(), &secret))
    };
    let Some(current_row) = rows.iter().find(|row| row.retired_at.is_none()) else {
        return Ok(None);
    };
    let current = to_key(current_row)?;
    let public: Vec<_> =
        rows.iter().map(to_key).collect::<Result<Vec<_>, _>>()?.iter().map(SigningKey::public).collect();
    let jwks = Jwks { keys: public.iter().map(aduan_access::PublicKey::to_jwk).collect() };
    Ok(Some(Loaded { read_at: Instant::now(), current, keys: KeySet::of(public), jwks }))
}

/// Makes a key current if none is (the first start); replicas starting
/// together make one between them.
pub async fn ensure_current(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    serialize_with(&txn, "accounts signing keys").await?;
    let current = signing_key::Entity::find().filter(signing_key::Column::RetiredAt.is_null()).one(&txn).await?;
    if current.is_none() {
        let kid = insert_new_key(&txn).await?;
        events::record(&txn, events::system(), &kid, Change::SigningKeyRotated, &[]).await?;
        tracing::info!(kid, "made the first signing key");
    }
    txn.commit().await
}

/// Makes a new key current and retires the one before it; answers the new key's id.
pub async fn rotate(db: &DatabaseConnection, actor: Actor) -> Result<String, DbErr> {
    let txn = begin_write(db).await?;
    serialize_with(&txn, "accounts signing keys").await?;
    let kid = rotate_in(&txn, actor).await?;
    txn.commit().await?;
    Ok(kid)
}

async fn rotate_in<C: ConnectionTrait>(conn: &C, actor: Actor) -> Result<String, DbErr> {
    signing_key::Entity::update_many()
        .col_expr(signing_key::Column::RetiredAt, Expr::value(Some(Utc::now())))
        .filter(signing_key::Column::RetiredAt.is_null())
        .exec(conn)
        .await?;
    let kid = insert_new_key(conn).await?;
    events::record(conn, actor, &kid, Change::SigningKeyRotated, &[]).await?;
    tracing::info!(kid, "a new signing key is current");
    Ok(kid)
}

async fn insert_new_key<C: ConnectionTrait>(conn: &C) -> Result<String, DbErr> {
    let kid = crate::secrets::new_key_id();
    let secret = SigningKey::generate().to_bytes();
    signing_key::ActiveModel {
        kid: Set(kid.clone()),
        secret: Set(secret.to_vec()),
        created_at: Set(Utc::now()),
        retired_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(kid)
}

/// Rotates if the current key is older than `age` (or there is none);
/// answers whether it made a key.
pub async fn rotate_if_older_than(db: &DatabaseConnection, age: Duration) -> Result<bool, DbErr> {
    let age = chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
    let txn = begin_write(db).await?;
    serialize_with(&txn, "accounts signing keys").await?;
    let current = signing_key::Entity::find()
        .filter(signing_key::Column::RetiredAt.is_null())
        .order_by_desc(signing_key::Column::CreatedAt)
        .one(&txn)
        .await?;
    let due = current.is_none_or(|key| Utc::now() - key.created_at >= age);
    if due {
        rotate_in(&txn, events::system()).await?;
    }
    txn.commit().await?;
    Ok(due)
}

/// Drops retired keys no valid token can be signed with any more; answers how many.
pub async fn drop_expired(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let result = signing_key::Entity::delete_many()
        .filter(signing_key::Column::RetiredAt.lt(Utc::now() - retired_key_grace()))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
