//! Filings that arrive together are written together. Under load, many
//! citizens file at once and each filing alone costs a transaction (begin,
//! a sequence, an outbox row, the report, a durable commit). The filer hands
//! the filings waiting at a moment to one transaction, whose commit answers
//! them all: a citizen is still answered only once their report is durable.
//! Nothing waits for company: a filing that finds a writer free is written
//! at once, alone if it came alone.

use std::sync::Arc;

use aduan_platform::http::ApiError;
use aduan_platform::telemetry;
use sea_orm::{DatabaseConnection, SqlErr};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tracing::Instrument as _;

use crate::filing::{self, Filed, NewReport};
use crate::sealing::IdentityKeys;

/// Most filings one transaction writes.
const MOST_AT_ONCE: usize = 64;
/// Transactions writing filings at once on PostgreSQL: while they all are
/// busy, the filings that arrive wait and go together in the next.
const WRITERS: usize = 4;

/// Transactions writing filings at once on `db`. SQLite lets one writer in
/// at a time, and one that finds the file locked sleeps and tries again
/// rather than being woken when it is free: a second writer would only
/// wait there, holding back filings that could have joined the first.
fn writers_for(db: &DatabaseConnection) -> usize {
    match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => 1,
        _ => WRITERS,
    }
}

/// One citizen's filing, waiting for its transaction.
struct Waiting {
    report: NewReport,
    channel: &'static str,
    /// The filing request's span: the `filed` event continues its trace.
    span: tracing::Span,
    answer: oneshot::Sender<Result<Filed, ApiError>>,
}

/// Files reports, those that arrive together in one transaction.
#[derive(Debug, Clone)]
pub struct Filer {
    waiting: mpsc::Sender<Waiting>,
    db: DatabaseConnection,
    keys: Arc<IdentityKeys>,
}

impl Filer {
    /// Starts the filer's writers on `db`, sealing reporters with `keys`.
    pub fn start(db: DatabaseConnection, keys: Arc<IdentityKeys>) -> Self {
        let (waiting, arrivals) = mpsc::channel(MOST_AT_ONCE * WRITERS * 4);
        tokio::spawn(write_as_they_come(db.clone(), keys.clone(), arrivals));
        Self { waiting, db, keys }
    }

    /// Files `report` from `channel`; answers once it is durable.
    pub async fn file(&self, report: NewReport, channel: &'static str) -> Result<Filed, ApiError> {
        let (answer, answered) = oneshot::channel();
        let waiting = Waiting { report, channel, span: tracing::Span::current(), answer };
        if let Err(mpsc::error::SendError(waiting)) = self.waiting.send(waiting).await {
            // The writers are gone (the runtime is going down): file it alone.
            return filing::file_report(&self.db, &self.keys, waiting.report, channel).await;
        }
        answered.await.map_err(|_| ApiError::internal("the filing was dropped before it was written"))?
    }
}

/// Takes a writer, then every filing waiting (up to [`MOST_AT_ONCE`]), and
/// writes them together on that writer; until the filer is dropped.
async fn write_as_they_come(db: DatabaseConnection, keys: Arc<IdentityKeys>, mut arrivals: mpsc::Receiver<Waiting>) {
    let writers = Arc::new(Semaphore::new(writers_for(&db)));
    loop {
        let Ok(writer) = writers.clone().acquire_owned().await else { return };
        let Some(first) = arrivals.recv().await else { return };
        let mut together = vec![first];
        while together.len() < MOST_AT_ONCE {
            match arrivals.try_recv() {
                Ok(waiting) => together.push(waiting),
                Err(_) => break,
            }
        }
        let (db, keys) = (db.clone(), keys.clone());
        tokio::spawn(async move {
            write_together(&db, &keys, together).await;
            drop(writer);
        });
    }
}

/// Writes `together` in one transaction and answers each.
async fn write_together(db: &DatabaseConnection, keys: &IdentityKeys, together: Vec<Waiting>) {
    let (ready, prepared) = prepare_all(keys, together);
    write_prepared(db, keys, ready, prepared).await;
}

/// Decides each filing (sealing its reporter); one that cannot be is
/// answered at once. Returns the others, with what was decided for each.
fn prepare_all(keys: &IdentityKeys, together: Vec<Waiting>) -> (Vec<Waiting>, Vec<filing::Prepared>) {
    let mut ready = Vec::with_capacity(together.len());
    let mut prepared = Vec::with_capacity(together.len());
    for waiting in together {
        let traceparent = waiting.span.in_scope(telemetry::current_traceparent);
        match filing::prepare(keys, &waiting.report, waiting.channel, traceparent) {
            Ok(one) => {
                prepared.push(one);
                ready.push(waiting);
            }
            Err(error) => answer(waiting, Err(error.into())),
        }
    }
    (ready, prepared)
}

/// Writes `prepared` (one for each of `ready`) in one transaction and
/// answers each. A tracking code already taken (astronomically rare) fails
/// the whole transaction: then each is filed alone, with codes of its own,
/// so that one filing's bad luck is no other's. Any other failure (the
/// database unreachable, say) is every filing's answer; a failed commit too,
/// and is not retried, since it may have been durable after all.
async fn write_prepared(
    db: &DatabaseConnection,
    keys: &IdentityKeys,
    ready: Vec<Waiting>,
    prepared: Vec<filing::Prepared>,
) {
    if ready.is_empty() {
        return;
    }
    let written = async {
        let txn = aduan_platform::database::begin_write(db).await?;
        let filed = filing::write_all(&txn, prepared).await?;
        Ok::<_, sea_orm::DbErr>((txn, filed))
    }
    .await;
    let (txn, filed) = match written {
        Ok(written) => written,
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            tracing::debug!(%error, filings = ready.len(), "a tracking code was taken; filing each alone");
            for waiting in ready {
                let span = waiting.span.clone();
                let filed = filing::file_report(db, keys, waiting.report, waiting.channel).instrument(span).await;
                let _ = waiting.answer.send(filed);
            }
            return;
        }
        Err(error) => return answer_all(ready, ApiError::from(error)),
    };
    match txn.commit().await {
        Ok(()) => {
            for (waiting, filed) in ready.into_iter().zip(filed) {
                answer(waiting, Ok(filed));
            }
        }
        Err(error) => answer_all(ready, ApiError::from(error)),
    }
}

fn answer(waiting: Waiting, result: Result<Filed, ApiError>) {
    // A citizen who left is not waiting for the answer; a filed report stands.
    let _ = waiting.answer.send(result);
}

fn answer_all(waiting: Vec<Waiting>, error: ApiError) {
    for waiting in waiting {
        answer(waiting, Err(error.clone()));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use aduan_registry::Registry;
    use base64::Engine as _;
    use sea_orm::{ConnectionTrait as _, Database, EntityTrait as _, PaginatorTrait as _};
    use sea_orm_migration::MigratorTrait as _;

    use super::*;
    use crate::entities::report;

    fn keys() -> IdentityKeys {
        let key = base64::engine::general_purpose::STANDARD.encode([3u8; 32]);
        IdentityKeys::parse(&format!("k1 {key}\n")).expect("keys")
    }

    fn a_report() -> NewReport {
        NewReport::parse(filing::good_request(), &Registry::demo()).expect("valid")
    }

    fn admin_url() -> String {
        std::env::var("ADUAN_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
    }

    /// A migrated PostgreSQL database of the test's own, and its name.
    async fn postgres() -> (DatabaseConnection, String) {
        let name = format!("aduan_test_filer_{}", uuid::Uuid::now_v7().simple());
        let admin = Database::connect(admin_url()).await.expect("connecting to PostgreSQL");
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("creating a database");
        admin.close().await.expect("closing");
        let url = format!("{}/{name}", admin_url().rsplit_once('/').expect("a database URL").0);
        let db = aduan_platform::database::connect(&url, Default::default()).await.expect("connecting");
        crate::migration::Migrator::up(&db, None).await.expect("migrating");
        (db, name)
    }

    async fn drop_postgres(db: DatabaseConnection, name: &str) {
        db.close().await.expect("closing");
        let admin = Database::connect(admin_url()).await.expect("connecting to PostgreSQL");
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.expect("dropping");
    }

    /// A migrated SQLite file of the test's own, and its directory.
    async fn sqlite() -> (DatabaseConnection, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("aduan-filer-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let url = format!("sqlite://{}?mode=rwc", dir.join("intake.db").display());
        let db = aduan_platform::database::connect(&url, Default::default()).await.expect("connecting");
        crate::migration::Migrator::up(&db, None).await.expect("migrating");
        (db, dir)
    }

    /// Three filings written together, one of which drew the tracking code
    /// of a report filed before: all three are filed, each with a code of
    /// its own, and nothing of the failed group's transaction is left.
    async fn a_group_meeting_a_taken_code_is_filed_one_by_one(db: &DatabaseConnection) {
        let keys = keys();
        let taken = filing::file_report(db, &keys, a_report(), "web").await.expect("filed");
        let mut answers = Vec::new();
        let together: Vec<Waiting> = (0..3)
            .map(|_| {
                let (answer, answered) = oneshot::channel();
                answers.push(answered);
                Waiting { report: a_report(), channel: "api", span: tracing::Span::none(), answer }
            })
            .collect();
        let (ready, prepared) = prepare_all(&keys, together);
        let prepared = prepared
            .into_iter()
            .enumerate()
            .map(|(index, one)| if index == 1 { one.with_tracking_code(&taken.tracking_code) } else { one })
            .collect();
        write_prepared(db, &keys, ready, prepared).await;
        let mut codes = HashSet::from([taken.tracking_code]);
        for answered in answers {
            let filed = answered.await.expect("answered").expect("filed");
            assert!(codes.insert(filed.tracking_code), "each filing has a code of its own");
        }
        assert_eq!(report::Entity::find().count(db).await.expect("counted"), 4);
        let events = aduan_platform::outbox::outbox_message::Entity::find().count(db).await.expect("counted");
        assert_eq!(events, 4, "one `filed` event each, none left by the group that failed");
    }

    #[tokio::test]
    async fn a_group_meeting_a_taken_tracking_code_is_filed_one_by_one() {
        let (db, name) = postgres().await;
        a_group_meeting_a_taken_code_is_filed_one_by_one(&db).await;
        drop_postgres(db, &name).await;
        let (db, dir) = sqlite().await;
        a_group_meeting_a_taken_code_is_filed_one_by_one(&db).await;
        db.close().await.expect("closing");
        std::fs::remove_dir_all(dir).expect("removing the test's files");
    }
}
