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

/// Writes `together` in one transaction and answers each. A tracking code
/// already taken (astronomically rare) fails the whole transaction: then
/// each is filed alone, with codes of its own, so that one filing's bad luck
/// is no other's. Any other failure (the database unreachable, say) is every
/// filing's answer; a failed commit too, and is not retried, since it may
/// have been durable after all.
async fn write_together(db: &DatabaseConnection, keys: &IdentityKeys, together: Vec<Waiting>) {
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
