//! Filings that arrive together are written together. Under load, many
//! citizens file at once and each filing alone costs a transaction (begin,
//! a sequence, an outbox row, the report, a durable commit). The filer hands
//! the filings waiting at a moment to one transaction, whose commit answers
//! them all: a citizen is still answered only once their report is durable.
//! Alone, a filing is written at once: nothing waits for company.

use std::sync::Arc;

use aduan_platform::http::ApiError;
use aduan_platform::telemetry;
use sea_orm::DatabaseConnection;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::filing::{self, Filed, NewReport};
use crate::sealing::IdentityKeys;

/// Most filings one transaction writes.
const MOST_AT_ONCE: usize = 64;
/// Transactions writing filings at once: while they all are busy, the
/// filings that arrive wait and go together in the next.
const WRITERS: usize = 4;

/// One citizen's filing, waiting for its transaction.
struct Waiting {
    report: NewReport,
    channel: &'static str,
    /// The filing request's trace, which the `filed` event continues.
    traceparent: Option<String>,
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
        let waiting = Waiting { report, channel, traceparent: telemetry::current_traceparent(), answer };
        if let Err(mpsc::error::SendError(waiting)) = self.waiting.send(waiting).await {
            // The writers stopped (the process is shutting down): file it alone.
            return filing::file_report(&self.db, &self.keys, waiting.report, channel).await;
        }
        answered.await.map_err(|_| ApiError::internal("the filing was dropped before it was written"))?
    }
}

/// Takes a writer, then every filing waiting (up to [`MOST_AT_ONCE`]), and
/// writes them together on that writer; until the filer is dropped.
async fn write_as_they_come(db: DatabaseConnection, keys: Arc<IdentityKeys>, mut arrivals: mpsc::Receiver<Waiting>) {
    let writers = Arc::new(Semaphore::new(WRITERS));
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

/// Writes `together` in one transaction and answers each. If writing fails
/// before the commit (one filing's tracking code taken, say), each is filed
/// alone, so that one filing's trouble is no other's; a failed commit is
/// answered as failed, not retried, since it may have been durable after all.
async fn write_together(db: &DatabaseConnection, keys: &IdentityKeys, together: Vec<Waiting>) {
    let prepared: Result<Vec<filing::Prepared>, _> = together
        .iter()
        .map(|waiting| filing::prepare(keys, &waiting.report, waiting.channel, waiting.traceparent.clone()))
        .collect();
    let written = async {
        let txn = aduan_platform::database::begin_write(db).await?;
        let filed = filing::write_all(&txn, prepared?).await?;
        Ok::<_, sea_orm::DbErr>((txn, filed))
    }
    .await;
    match written {
        Ok((txn, filed)) => match txn.commit().await {
            Ok(()) => {
                for (waiting, filed) in together.into_iter().zip(filed) {
                    // A citizen who left is not waiting for the answer; the report stands.
                    let _ = waiting.answer.send(Ok(filed));
                }
            }
            Err(error) => {
                let error = ApiError::from(error);
                for waiting in together {
                    let _ = waiting.answer.send(Err(error.clone()));
                }
            }
        },
        Err(error) => {
            tracing::debug!(%error, filings = together.len(), "filings written together failed; filing each alone");
            for waiting in together {
                let filed = filing::file_report(db, keys, waiting.report, waiting.channel).await;
                let _ = waiting.answer.send(filed);
            }
        }
    }
}
