//! The database: one handle over SQLite (embedded default) or PostgreSQL.
//!
//! SQL text is shared by both backends: it uses `$1`-style placeholders (which
//! sqlx's SQLite driver accepts too) and only syntax both dialects know
//! (`ON CONFLICT`, `RETURNING`). Functions that touch the database are written
//! once and run on either backend through [`on_db!`], which expands the same
//! body once per concrete pool type, so every query is type-checked for both.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use std::time::Instant;

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool,
    SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Database, Decode, Encode, Type};
use uuid::Uuid;

/// A connection pool on one of the two supported backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of `$db`.
///
/// The body is compiled twice, once per backend, so it may use
/// `sqlx::query(...)`, transactions and row decoding without generic bounds.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and runs the
    /// migrations of that backend.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Migrations first, on a connection of their own: the pool's
            // statement timeout is for requests, not for schema changes.
            let mut conn = PgConnection::connect(url).await?;
            sqlx::migrate!("../migrations/postgres")
                .run(&mut conn)
                .await?;
            conn.close().await?;
            // One slow statement must not hold a connection for long.
            let options = PgConnectOptions::from_str(url)?
                .options([("statement_timeout", query_timeout().as_millis().to_string())]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Db::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            // WAL lets readers run beside the one writer; FULL makes every
            // acknowledged commit survive a crash or power loss; the busy
            // timeout queues concurrent writers instead of failing them.
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true);
            // No ping before handing out an idle connection: a SQLite
            // connection is in this process and cannot lose its server, and
            // the ping is a round trip to the connection's worker thread
            // before every statement (sqlx still pings on release, off the
            // caller's path). An action's `ctx.db.query` loop pays it once a
            // query.
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .test_before_acquire(false)
                .connect_with(options)
                .await?;
            sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
            Ok(Db::Sqlite(pool))
        } else {
            Err(sqlx::Error::Configuration(
                format!("unsupported DATABASE_URL {url:?}: use sqlite://PATH or postgres://…")
                    .into(),
            ))
        }
    }

    /// `sqlite` or `postgres`, for logs and `/health`.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// A round trip to the database.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_db!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Waits for in-flight queries and closes every connection.
    pub async fn close(&self) {
        on_db!(self, |pool| pool.close().await)
    }
}

/// A UUID that is stored as `UUID` on PostgreSQL and as hyphenated `TEXT` on
/// SQLite (sqlx would store a bare `Uuid` as a 16-byte BLOB there, which no
/// person or tool reading the file can make sense of).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub Uuid);

impl Id {
    pub fn new() -> Id {
        Id(Uuid::new_v4())
    }
}

impl Default for Id {
    fn default() -> Self {
        Id::new()
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Type<Sqlite> for Id {
    fn type_info() -> <Sqlite as Database>::TypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &<Sqlite as Database>::TypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Id {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, Sqlite>>::encode(self.0.hyphenated().to_string(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Id {
    fn decode(value: <Sqlite as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
        Ok(Id(Uuid::parse_str(text)?))
    }
}

impl Type<Postgres> for Id {
    fn type_info() -> <Postgres as Database>::TypeInfo {
        <Uuid as Type<Postgres>>::type_info()
    }
}

impl<'q> Encode<'q, Postgres> for Id {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        <Uuid as Encode<'q, Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Id {
    fn decode(value: <Postgres as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Id(<Uuid as Decode<'r, Postgres>>::decode(value)?))
    }
}

/// Deletes the row `id` of `table` if it belongs to `tenant`; answers how
/// many rows went (0 or 1). `table` is one of the platform's own tables,
/// never a name from a request.
pub async fn delete_owned(
    db: &Db,
    table: &'static str,
    id: Id,
    tenant: Id,
) -> Result<u64, sqlx::Error> {
    let sql = format!("DELETE FROM {table} WHERE id = $1 AND tenant_id = $2");
    on_db!(db, |pool| sqlx::query(&sql)
        .bind(id)
        .bind(tenant)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
}

/// True when `err` is a unique-constraint violation (on either backend).
/// How long one statement may run: PostgreSQL's `statement_timeout`, and
/// SQLite's progress handler on the proxy's reads ([`timed`]). Set once at
/// start (`APPBOX_QUERY_TIMEOUT_MS`); 5 s unless configured.
static QUERY_TIMEOUT: OnceLock<Duration> = OnceLock::new();
const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// Sets the query timeout; the first call wins (the server calls it once,
/// before connecting).
pub fn set_query_timeout(timeout: Duration) {
    let _ = QUERY_TIMEOUT.set(timeout);
}

pub fn query_timeout() -> Duration {
    *QUERY_TIMEOUT.get().unwrap_or(&DEFAULT_QUERY_TIMEOUT)
}

/// Milliseconds on a clock of this process (never 0, which means
/// "disarmed" in a [`TimedSqlite`]'s deadline).
fn clock_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

/// A pooled SQLite connection whose statements stop at the query timeout
/// (SQLite has no statement timeout: a progress handler interrupts it).
/// The handler reads the deadline from an atomic this value shares, so
/// re-arming it for the next statement ([`TimedSqlite::arm`]) needs no
/// round trip to the connection's worker thread; installing the handler
/// does, once per acquire. Fields drop in order: the deadline is disarmed
/// before the connection goes back to the pool, so the next user of the
/// connection is never interrupted.
struct TimedSqlite {
    /// [`clock_ms`] at which statements stop; 0: disarmed.
    deadline: Arc<AtomicU64>,
    conn: PoolConnection<Sqlite>,
}

impl TimedSqlite {
    /// Gives the next statement the whole query timeout.
    fn arm(&self) {
        self.deadline.store(
            clock_ms() + query_timeout().as_millis() as u64,
            Ordering::Relaxed,
        );
    }
}

impl Drop for TimedSqlite {
    fn drop(&mut self) {
        self.deadline.store(0, Ordering::Relaxed);
    }
}

impl std::ops::Deref for TimedSqlite {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for TimedSqlite {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}

/// A connection from `pool` whose statements stop at the query timeout.
async fn timed(pool: &SqlitePool) -> Result<TimedSqlite, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let deadline = Arc::new(AtomicU64::new(0));
    let flag = deadline.clone();
    // Checked every 10,000 virtual machine steps (well under a millisecond).
    conn.lock_handle()
        .await?
        .set_progress_handler(10_000, move || {
            let at = flag.load(Ordering::Relaxed);
            at == 0 || clock_ms() < at
        });
    let timed = TimedSqlite { deadline, conn };
    timed.arm();
    Ok(timed)
}

/// Connections kept by leases at once, process-wide: a quarter of the pool,
/// so requests always find the rest.
fn lease_slots(pool: &SqlitePool) -> Arc<tokio::sync::Semaphore> {
    static SLOTS: OnceLock<Arc<tokio::sync::Semaphore>> = OnceLock::new();
    SLOTS
        .get_or_init(|| {
            let n = (pool.options().get_max_connections() as usize / 4).max(1);
            Arc::new(tokio::sync::Semaphore::new(n))
        })
        .clone()
}

/// One SQLite connection kept between the reads of a short job with many
/// of them (an action run's `ctx.db.query` calls): each read re-arms the
/// query timeout instead of acquiring a connection, installing the timeout
/// handler and pinging it back into the pool — three round trips to the
/// connection's worker thread per read, two thirds of an action's cost per
/// query on a small machine. Only the connection is kept, never a
/// transaction or a statement: every read still runs the whole proxy
/// pipeline (references, permissions, tenant) and sees the latest commits.
/// At most [`lease_slots`] leases keep one at a time; beyond them a lease
/// reads like any request. Dropping the lease returns its connection.
#[derive(Default)]
pub struct Lease {
    held: std::sync::Mutex<Option<(TimedSqlite, tokio::sync::OwnedSemaphorePermit)>>,
}

/// A connection for one read: the lease's (given back when dropped), or
/// one of the pool's.
pub struct Reader<'a> {
    conn: Option<TimedSqlite>,
    kept: Option<(&'a Lease, tokio::sync::OwnedSemaphorePermit)>,
}

impl Lease {
    /// A connection for the next read, armed with the whole query timeout.
    pub async fn reader(&self, pool: &SqlitePool) -> Result<Reader<'_>, sqlx::Error> {
        if let Some((conn, slot)) = self.held.lock().ok().and_then(|mut h| h.take()) {
            conn.arm();
            return Ok(Reader {
                conn: Some(conn),
                kept: Some((self, slot)),
            });
        }
        let slot = lease_slots(pool).try_acquire_owned().ok();
        let conn = timed(pool).await?;
        Ok(Reader {
            conn: Some(conn),
            kept: slot.map(|slot| (self, slot)),
        })
    }
}

/// A connection for one read: `lease`'s if given, else the pool's.
pub async fn reader<'a>(
    pool: &SqlitePool,
    lease: Option<&'a Lease>,
) -> Result<Reader<'a>, sqlx::Error> {
    match lease {
        Some(lease) => lease.reader(pool).await,
        None => Ok(Reader {
            conn: Some(timed(pool).await?),
            kept: None,
        }),
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let (Some(conn), Some((lease, slot))) = (self.conn.take(), self.kept.take()) {
            if let Ok(mut held) = lease.held.lock() {
                *held = Some((conn, slot));
            }
        }
    }
}

impl std::ops::Deref for Reader<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.conn
            .as_deref()
            .expect("a reader has its connection until dropped")
    }
}

impl std::ops::DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn
            .as_deref_mut()
            .expect("a reader has its connection until dropped")
    }
}

/// The pool had no connection free within its acquire timeout.
pub fn is_pool_timeout(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::PoolTimedOut)
}

/// A statement stopped at the query timeout (PostgreSQL's query_canceled,
/// SQLite's SQLITE_INTERRUPT).
pub fn is_query_timeout(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if matches!(e.code().as_deref(), Some("57014") | Some("9")))
}

pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}
