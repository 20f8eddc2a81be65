//! Connecting to a service's own database, PostgreSQL or SQLite, by URL.

use std::time::Duration;

use anyhow::Context;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// How big a pool to keep; SQLite takes one writer at a time anyway.
#[derive(Debug, Clone, Copy)]
pub struct PoolSize {
    /// Connections kept open at most.
    pub max: u32,
}

impl Default for PoolSize {
    fn default() -> Self {
        Self { max: 16 }
    }
}

/// The longest a statement may run on PostgreSQL before the server cancels
/// it: a runaway query must not hold a connection (and its locks) for ever.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a request waits for a pooled connection before it is told the
/// database is unavailable; long enough for a busy moment, short enough that
/// a database outage answers 503 rather than hanging.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// What a database error means for whoever got it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The database cannot be reached (connection refused or lost, pool
    /// exhausted, server shutting down): nothing is wrong with the work;
    /// wait and try again without counting it as a failure.
    Unavailable,
    /// The work contradicts what is stored (a unique or foreign key
    /// constraint): trying again will not help.
    Constraint,
    /// Anything else (a deadlock, a serialization failure, a timeout): may
    /// pass on another try.
    Other,
}

/// Sorts a database error into what the caller should do about it.
pub fn classify(error: &DbErr) -> Failure {
    use sea_orm::{RuntimeErr, SqlErr, SqlxError};
    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_) | SqlErr::ForeignKeyConstraintViolation(_)))
    {
        return Failure::Constraint;
    }
    let sqlx_error = match error {
        DbErr::ConnectionAcquire(_) => return Failure::Unavailable,
        DbErr::Conn(RuntimeErr::SqlxError(error))
        | DbErr::Exec(RuntimeErr::SqlxError(error))
        | DbErr::Query(RuntimeErr::SqlxError(error)) => error,
        DbErr::Conn(_) => return Failure::Unavailable,
        _ => return Failure::Other,
    };
    match sqlx_error.as_ref() {
        SqlxError::Io(_)
        | SqlxError::Tls(_)
        | SqlxError::PoolTimedOut
        | SqlxError::PoolClosed
        | SqlxError::WorkerCrashed
        | SqlxError::Protocol(_) => Failure::Unavailable,
        SqlxError::Database(database) => {
            let code = database.code().unwrap_or_default();
            // PostgreSQL: class 08 is a connection exception; 57P01-57P03 an
            // administrator shutdown, a crash shutdown, "cannot connect now";
            // 53300 too many connections.
            let unavailable = code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "53300");
            if unavailable { Failure::Unavailable } else { Failure::Other }
        }
        _ => Failure::Other,
    }
}

/// How much of a SQLite file each connection maps into memory (address
/// space, not memory used: the pages are the kernel's page cache).
const SQLITE_MMAP_BYTES: &str = "1073741824";

/// Opens the database at `url`; for SQLite, creates the file and switches it to
/// WAL so readers do not wait for the writer.
pub async fn connect(url: &str, pool: PoolSize) -> anyhow::Result<DatabaseConnection> {
    let is_sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(if is_sqlite { pool.max.min(4) } else { pool.max })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .statement_timeout(STATEMENT_TIMEOUT)
        .sqlx_logging(false);
    if is_sqlite {
        // In WAL mode a connection drops its whole page cache whenever
        // another connection of the pool wrote since its last transaction,
        // which under steady writes is almost always: it would read (and
        // copy) every page again. Mapping the file lets it read them in place.
        options.map_sqlx_sqlite_opts(|sqlite| sqlite.pragma("mmap_size", SQLITE_MMAP_BYTES));
    } else {
        // No statement of the services runs long enough to repay
        // compiling it. The planner decides to compile by its estimate of
        // a query's cost, which on a table without statistics yet (a new
        // deployment, a restored database) can be far above the truth:
        // audit's fold of a ledger's new entries was compiled on every
        // round, about a tenth of a core spent in LLVM at 500 reports/s.
        // Set at connection start, after any `options` of the URL, so
        // neither the URL nor the role's or database's settings turn it on.
        options.map_sqlx_postgres_opts(|postgres| postgres.options([("jit", "off")]));
    }
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database at {}", redact_url(url)))?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL keeps every commit durable (synchronous=FULL is sqlx's default)
        // while letting the HTTP handlers read during a write.
        db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
        db.execute_unprepared("PRAGMA foreign_keys=ON;").await?;
    }
    Ok(db)
}

/// Begins a transaction that will write. On SQLite it takes the write lock at
/// once (`BEGIN IMMEDIATE`): a deferred transaction that reads, then writes
/// after another writer committed fails with SQLITE_BUSY_SNAPSHOT instead of
/// waiting its turn. PostgreSQL is unaffected.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Makes the transactions that call this with the same `name` take turns
/// until each commits or rolls back: a PostgreSQL advisory lock. On SQLite,
/// [`begin_write`] has already made every writer take its turn.
pub async fn serialize_with(txn: &DatabaseTransaction, name: &str) -> Result<(), DbErr> {
    use sea_orm::{ConnectionTrait, DbBackend};
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({})", advisory_lock_key(name))).await?;
    Ok(())
}

/// A stable 63-bit key for PostgreSQL's advisory locks.
fn advisory_lock_key(name: &str) -> i64 {
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = name
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3));
    <i64 as TryFrom<u64>>::try_from(hash >> 1).unwrap_or(i64::MAX)
}

/// Answers whether the database takes a query now, for `/readyz`.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// The URL without its password, fit for a log line or an error.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &credentials[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `sql` with PostgreSQL's numbered placeholders, or SQLite's `?` (the
/// values are given in the order the placeholders appear).
pub fn placeholders(backend: DbBackend, sql: &str) -> String {
    if backend == DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// The rows of a one-column `VALUES` list of `count` values, numbered from
/// `$1`: `($1), ($2), …`.
pub fn one_column_rows(count: usize) -> String {
    (1..=count).map(|n| format!("(${n})")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::{one_column_rows, redact_url};

    #[test]
    fn a_values_list_numbers_its_rows_from_one() {
        assert_eq!(one_column_rows(3), "($1), ($2), ($3)");
        assert_eq!(one_column_rows(1), "($1)");
    }

    #[test]
    fn passwords_never_reach_a_log_line() {
        assert_eq!(redact_url("postgres://aduan:s3cret@db:5432/intake"), "postgres://aduan:***@db:5432/intake");
        assert_eq!(redact_url("amqp://guest:guest@127.0.0.1:5672/%2f"), "amqp://guest:***@127.0.0.1:5672/%2f");
        assert_eq!(redact_url("sqlite://data/intake.sqlite?mode=rwc"), "sqlite://data/intake.sqlite?mode=rwc");
        assert_eq!(redact_url("postgres://postgres@127.0.0.1/x"), "postgres://postgres@127.0.0.1/x");
    }
}
