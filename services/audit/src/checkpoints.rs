//! Signed checkpoints: the ledger's size and root, signed with the audit
//! key, on a schedule and on demand. A checkpoint is signed only after the
//! new tree is proved consistent with the last one signed, so the ledger
//! never answers for two histories; if the stored tree no longer extends
//! what was signed, signing stops and says so.

use std::path::Path;
use std::time::Duration;

use aduan_ledger::checkpoint::SigningKey;
use aduan_ledger::{Checkpoint, CheckpointSigner, Hash};
use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder, Set};
use tokio_util::sync::CancellationToken;

use crate::appending::size;
use crate::entities::ledger_checkpoint;
use crate::tree_store::{StoreError, with_nodes};

/// The key that signs checkpoints, from its file: one line `<log name> <32-byte seed in base64>`.
pub fn load_signer(path: &Path) -> anyhow::Result<CheckpointSigner> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading the audit key file {}", path.display()))?;
    let line = text.lines().map(str::trim).find(|line| !line.is_empty() && !line.starts_with('#'));
    let (name, seed) = line
        .and_then(|line| line.split_once(char::is_whitespace))
        .with_context(|| format!("{}: expected a line `<log name> <32-byte seed in base64>`", path.display()))?;
    let seed: [u8; 32] = STANDARD
        .decode(seed.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .with_context(|| format!("{}: the seed is not 32 bytes of base64", path.display()))?;
    CheckpointSigner::new(name.trim(), SigningKey::from_bytes(&seed))
        .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))
}

/// Writes a new key file for the log `name` at `path`, readable by its owner only.
pub fn create_key_file(path: &Path, name: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let seed: [u8; 32] = rand::random();
    let line = format!("{name} {}\n", STANDARD.encode(seed));
    let mut options = std::fs::OpenOptions::new();
    // Never over an existing key, and readable by its owner only from the start.
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating the audit key file {}", path.display()))?;
    file.write_all(line.as_bytes()).with_context(|| format!("writing the audit key file {}", path.display()))?;
    Ok(())
}

/// Why no checkpoint was signed.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The database or the stored tree.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored tree does not extend the last signed one: it was altered.
    #[error("the ledger no longer extends checkpoint {signed_size}: refusing to sign size {size}")]
    Inconsistent {
        /// The last signed size.
        signed_size: u64,
        /// The size found now.
        size: u64,
    },
    /// The note could not be made.
    #[error("{0}")]
    Note(String),
}

impl From<sea_orm::DbErr> for CheckpointError {
    fn from(error: sea_orm::DbErr) -> Self {
        CheckpointError::Store(StoreError::Database(error))
    }
}

/// The newest signed checkpoint, if any.
pub async fn latest(db: &DatabaseConnection) -> Result<Option<ledger_checkpoint::Model>, sea_orm::DbErr> {
    ledger_checkpoint::Entity::find().order_by_desc(ledger_checkpoint::Column::TreeSize).one(db).await
}

/// Signs the ledger as it is now, unless the newest checkpoint already
/// covers it; answers the newest checkpoint either way.
pub async fn sign_now(
    db: &DatabaseConnection,
    signer: &CheckpointSigner,
) -> Result<ledger_checkpoint::Model, CheckpointError> {
    let size = size(db).await?;
    let last = latest(db).await?;
    if let Some(last) = &last
        && u64::try_from(last.tree_size).unwrap_or(0) >= size
    {
        return Ok(last.clone());
    }
    let root = with_nodes(db, |source| aduan_ledger::root(size, source)).await?;
    if let Some(last) = &last {
        let signed_size = u64::try_from(last.tree_size).unwrap_or(0);
        let signed_root = Hash::try_from(last.root_hash.as_slice())
            .map_err(|_| CheckpointError::Inconsistent { signed_size, size })?;
        let proof = with_nodes(db, |source| aduan_ledger::consistency_proof(signed_size, size, source)).await?;
        if !aduan_ledger::verify_consistency(signed_size, size, &signed_root, &root, &proof) {
            return Err(CheckpointError::Inconsistent { signed_size, size });
        }
    }
    let origin = signer.verifier_key().name().to_owned();
    let note =
        signer.sign(&Checkpoint { origin, size, root }).map_err(|error| CheckpointError::Note(error.to_string()))?;
    let model = ledger_checkpoint::ActiveModel {
        tree_size: Set(i64::try_from(size).unwrap_or(i64::MAX)),
        root_hash: Set(root.as_bytes().to_vec()),
        note: Set(note),
        signed_at: Set(Utc::now()),
    };
    // Two replicas signing the same size sign the same root: the second insert is a no-op.
    ledger_checkpoint::Entity::insert(model)
        .on_conflict_do_nothing_on([ledger_checkpoint::Column::TreeSize])
        .exec(db)
        .await?;
    latest(db).await?.ok_or_else(|| CheckpointError::Note("the checkpoint just signed is missing".into()))
}

/// Signs a checkpoint every `interval` while the ledger grows, until `stop`.
pub async fn sign_every(
    db: DatabaseConnection,
    signer: std::sync::Arc<CheckpointSigner>,
    interval: Duration,
    stop: CancellationToken,
) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
        match sign_now(&db, &signer).await {
            Ok(_) => {}
            Err(error @ CheckpointError::Inconsistent { .. }) => {
                tracing::error!(%error, "the audit ledger was altered")
            }
            Err(error) => tracing::warn!(%error, "could not sign a checkpoint; will try again"),
        }
    }
}
