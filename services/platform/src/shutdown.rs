//! One cancellation token for the whole process, cancelled by SIGTERM or
//! Ctrl-C, and the deadlines of the steps of stopping: a process asked to
//! stop always stops, whatever the broker or the database are doing.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How long each background task (relay, schedulers) may take to finish
/// once asked to stop.
pub const TASK_GRACE: Duration = Duration::from_secs(5);

/// However stopping goes, the process is gone this long after it was asked
/// to stop: the steps above each have a deadline, and this is the last one.
pub const HARD_STOP: Duration = Duration::from_secs(45);

/// Waits for `tasks` to finish, at most `grace` for them all; the ones still
/// running then are aborted.
pub async fn join_all_within(tasks: Vec<tokio::task::JoinHandle<()>>, grace: Duration) {
    let aborts: Vec<_> = tasks.iter().map(tokio::task::JoinHandle::abort_handle).collect();
    if tokio::time::timeout(grace, futures::future::join_all(tasks)).await.is_err() {
        tracing::warn!(?grace, "background work did not stop in time; abandoning it");
        for abort in aborts {
            abort.abort();
        }
    }
}

/// Closes a database's pool, at most `grace` long.
pub async fn close_within(db: sea_orm::DatabaseConnection, grace: Duration) {
    match tokio::time::timeout(grace, db.close()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "closing the database"),
        Err(_) => tracing::warn!("the database did not close in time"),
    }
}

/// A token cancelled when the process is asked to stop.
pub fn on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown requested; finishing in-flight work");
        cancel.cancel();
        // A thread, not a task: it must fire even if the runtime is wedged.
        std::thread::spawn(|| {
            std::thread::sleep(HARD_STOP);
            eprintln!("aduan: still stopping {HARD_STOP:?} after the signal; exiting now");
            std::process::exit(1);
        });
    });
    token
}

async fn wait_for_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
