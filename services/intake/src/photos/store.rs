//! Where photos' bytes are kept: one trait, `object_store`'s, with local
//! files (`aduan dev`, or `file:///path`) or any S3-compatible store
//! (`s3://bucket`, configured by the usual `AWS_*` variables: endpoint,
//! region, keys). Writes are whole objects; local files are synced to disk
//! before the write counts.

use std::sync::Arc;

use axum::body::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

/// The file store.
#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    described: String,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore").field("at", &self.described).finish()
    }
}

impl FileStore {
    /// Local files under `folder` (created if missing).
    pub fn local(folder: &std::path::Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(folder)
            .map_err(|error| anyhow::anyhow!("creating the photo folder {}: {error}", folder.display()))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(folder)?.with_fsync(true);
        Ok(Self { store: Arc::new(store), described: folder.display().to_string() })
    }

    /// The store `url` names: `file:///path` or `s3://bucket` (S3 settings
    /// from `AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP`).
    pub fn open(url: &str) -> anyhow::Result<Self> {
        if let Some(path) = url.strip_prefix("file://") {
            return Self::local(std::path::Path::new(path));
        }
        if url.starts_with("s3://") {
            let store = object_store::aws::AmazonS3Builder::from_env().with_url(url).build()?;
            return Ok(Self { store: Arc::new(store), described: url.to_owned() });
        }
        anyhow::bail!("ADUAN_FILES_URL must be file:///<folder> or s3://<bucket>, not {url:?}")
    }

    /// Keeps `bytes` at `key`.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), object_store::Error> {
        self.store.put(&ObjectPath::from(key), bytes.into()).await.map(|_| ())
    }

    /// The bytes at `key`.
    pub async fn get(&self, key: &str) -> Result<Bytes, object_store::Error> {
        self.store.get(&ObjectPath::from(key)).await?.bytes().await
    }
}
