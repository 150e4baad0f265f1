//! Starts the real `appbox` binary on a free port with its own data directory
//! (and, when `APPBOX_TEST_DATABASE_URL` names a PostgreSQL server, its own
//! fresh database), and talks to it over HTTP. Dropping a [`Server`] kills the
//! process and removes what it created.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const ADMIN_EMAIL: &str = "admin@test.local";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

/// A database for one server: a SQLite file in the data dir, or a PostgreSQL
/// database created for the test and dropped after it.
struct TestDatabase {
    url: Option<String>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    fn create() -> TestDatabase {
        let Ok(admin_url) = std::env::var("APPBOX_TEST_DATABASE_URL") else {
            return TestDatabase {
                url: None,
                postgres: None,
            };
        };
        let name = format!("appbox_test_{}", uuid::Uuid::new_v4().simple());
        let template = migrated_template(&admin_url);
        run_sql(
            &admin_url,
            &format!("CREATE DATABASE {name} TEMPLATE {template}"),
        );
        let url = database_url(&admin_url, &name);
        TestDatabase {
            url: Some(url),
            postgres: Some((admin_url, name)),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres {
            run_sql(
                admin_url,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

fn database_url(admin_url: &str, name: &str) -> String {
    match admin_url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("APPBOX_TEST_DATABASE_URL must end in /DATABASE"),
    }
}

/// A database with every PostgreSQL migration applied, for the test
/// databases to be copied from: `CREATE DATABASE … TEMPLATE` copies files,
/// where migrating a fresh database costs seconds for every server a test
/// starts. Named after the migrations' content, so a changed migration makes
/// a new one; kept on the server and reused by later runs (one database).
fn migrated_template(admin_url: &str) -> String {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            use sha2::{Digest, Sha256};
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .filter_map(Result::ok)
                .map(|e| e.path())
                .collect();
            files.sort();
            let mut hash = Sha256::new();
            for file in &files {
                hash.update(file.file_name().unwrap_or_default().as_encoded_bytes());
                hash.update(std::fs::read(file).expect("migration"));
            }
            let name = format!("appbox_template_{}", &hex::encode(hash.finalize())[..16]);
            let exists = sql_rows(
                admin_url,
                &format!("SELECT datname::text FROM pg_database WHERE datname = '{name}'"),
            );
            if exists.is_empty() {
                // Migrated under another name first, so that a run that dies
                // half-way never leaves a half-migrated template behind.
                let building = format!("appbox_building_{}", uuid::Uuid::new_v4().simple());
                run_sql(admin_url, &format!("CREATE DATABASE {building}"));
                let url = database_url(admin_url, &building);
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    runtime.block_on(async {
                        let db = appbox_host::db::Db::connect(&url).await.expect("migrate");
                        db.close().await;
                    });
                })
                .join()
                .expect("migration thread");
                let renamed = try_sql(
                    admin_url,
                    &format!("ALTER DATABASE {building} RENAME TO {name}"),
                );
                if renamed.is_err() {
                    // Another test run on this server made it meanwhile.
                    run_sql(admin_url, &format!("DROP DATABASE {building}"));
                }
            }
            name
        })
        .clone()
}

/// Runs one statement on its own thread and runtime, so it works from `Drop`
/// and from inside a test's runtime alike.
fn run_sql(url: &str, sql: &str) {
    sql_rows(url, sql);
}

/// Runs one statement like [`run_sql`]; returns the first column of each row
/// as text.
fn sql_rows(url: &str, sql: &str) -> Vec<Option<String>> {
    try_sql(url, sql).unwrap_or_else(|e| panic!("admin SQL {sql}: {e}"))
}

/// Runs one statement like [`run_sql`]; the database's error if it fails.
fn try_sql(url: &str, sql: &str) -> Result<Vec<Option<String>>, String> {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            use sqlx::Connection;
            use sqlx::Row;
            let mut conn = sqlx::PgConnection::connect(&url)
                .await
                .expect("connect to APPBOX_TEST_DATABASE_URL");
            let rows = sqlx::query(&sql)
                .fetch_all(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            Ok(rows
                .iter()
                .map(|r| r.try_get::<Option<String>, _>(0).ok().flatten())
                .collect())
        })
    })
    .join()
    .expect("admin SQL thread")
}

pub struct Server {
    pub base: String,
    child: Option<Child>,
    data_dir: tempfile::TempDir,
    db: TestDatabase,
    env: Vec<(String, String)>,
    /// Whether the server runs with the spec's rate limits (see
    /// [`Server::start_with_spec_limits`]).
    spec_limits: bool,
}

/// The rate limits every other test server runs with: far above what a test
/// sends, so that only the tests of the limits (pub_edge.rs) meet them.
const RAISED_LIMITS: [&str; 4] = [
    "APPBOX_RATE_LIMIT_PUB",
    "APPBOX_RATE_LIMIT_APP_AUTH",
    "APPBOX_RATE_LIMIT_USER",
    "APPBOX_RATE_LIMIT_API_KEY",
];

impl Server {
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts a server with extra environment variables.
    pub fn start_with(env: &[(&str, &str)]) -> Server {
        Server::start_configured(env, false)
    }

    /// Starts a server with the rate limits at their defaults (the spec's
    /// numbers) unless `env` sets them; every other server has them raised.
    pub fn start_with_spec_limits(env: &[(&str, &str)]) -> Server {
        Server::start_configured(env, true)
    }

    fn start_configured(env: &[(&str, &str)], spec_limits: bool) -> Server {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let db = TestDatabase::create();
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut server = Server {
            base: String::new(),
            child: None,
            data_dir,
            db,
            env,
            spec_limits,
        };
        server.spawn();
        server
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_appbox"));
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("APPBOX_DATA_DIR", self.data_dir())
            .env("RUST_LOG", "warn");
        if let Some(url) = &self.db.url {
            command.env("DATABASE_URL", url);
        }
        command
    }

    fn spawn(&mut self) {
        let (child, base) = self.spawn_process();
        self.base = base;
        self.child = Some(child);
    }

    /// Starts one more `appbox serve` on this server's storage (same data
    /// directory, so the same JWT secret; same database), on its own port.
    /// Killed on drop.
    pub fn second_process(&self) -> Process {
        let (child, base) = self.spawn_process();
        Process { base, child }
    }

    /// The process id of the running server.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server is running").id()
    }

    /// The URL of this server's database (`sqlite://…` or `postgres://…`).
    pub fn database_url(&self) -> String {
        match &self.db.url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir().join("appbox.db").display()),
        }
    }

    /// The secret the server signs access tokens with.
    pub fn jwt_secret(&self) -> String {
        std::fs::read_to_string(self.data_dir().join("jwt_secret"))
            .expect("jwt_secret in the data directory")
            .trim()
            .to_owned()
    }

    /// Runs one SQL statement straight on the server's database (for what no
    /// API can do: moving a timestamp into the past, bulk rows) and returns
    /// the first column of each row, read as text (write `CAST(x AS TEXT)`).
    pub fn sql(&self, sql: &str) -> Vec<Option<String>> {
        let (url, sql) = (self.database_url(), sql.to_owned());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                use sqlx::{Connection, Row};
                if url.starts_with("postgres") {
                    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
                    let rows = sqlx::query(&sql).fetch_all(&mut conn).await.expect("SQL");
                    rows.iter()
                        .map(|r| {
                            (!r.columns().is_empty())
                                .then(|| r.get::<Option<String>, _>(0))
                                .flatten()
                        })
                        .collect()
                } else {
                    use std::str::FromStr;
                    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                        .expect("sqlite url")
                        .busy_timeout(Duration::from_secs(30));
                    let mut conn = sqlx::SqliteConnection::connect_with(&options)
                        .await
                        .expect("connect");
                    let rows = sqlx::query(&sql).fetch_all(&mut conn).await.expect("SQL");
                    rows.iter()
                        .map(|r| {
                            (!r.columns().is_empty())
                                .then(|| r.get::<Option<String>, _>(0))
                                .flatten()
                        })
                        .collect()
                }
            })
        })
        .join()
        .expect("SQL thread")
    }

    /// PostgreSQL only: drops the server's database under it (its
    /// connections are ended). `false` on SQLite, where nothing is done.
    pub fn drop_database(&self) -> bool {
        match &self.db.postgres {
            Some((admin_url, name)) => {
                run_sql(admin_url, &format!("DROP DATABASE {name} WITH (FORCE)"));
                true
            }
            None => false,
        }
    }

    /// Sends SIGTERM and returns at once (see [`Server::wait_for_exit`]).
    pub fn send_sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits (at most `limit`) until the log holds `text`.
    pub fn wait_for_log(&self, text: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.log().contains(text) {
            assert!(
                Instant::now() < deadline,
                "no {text:?} in the log within {limit:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn spawn_process(&self) -> (Child, String) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data_dir().join("server.log"))
            .expect("log file");
        let mut command = self.command(&["serve"]);
        if !self.spec_limits {
            command.envs(RAISED_LIMITS.map(|name| (name, "1000000")));
        }
        command
            .env("APPBOX_ADDR", "127.0.0.1:0")
            .env("APPBOX_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("APPBOX_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::piped())
            .stderr(log);
        let mut child = command.spawn().expect("start appbox");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(base) = line.strip_prefix("appbox listening on ") {
                    let _ = tx.send(base.trim().to_owned());
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("appbox did not start; log:\n{}", self.log())
            });
        (child, base)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir().join("server.log")).unwrap_or_default()
    }

    /// Kills the server with SIGKILL: no shutdown code runs.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits for a clean exit; returns the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        self.send_sigterm();
        self.wait_for_exit()
    }

    /// Waits (at most 20 s) for the server to exit; returns the exit status.
    pub fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("server is running");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "appbox did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts the server again on the same data directory and database.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Runs `appbox ARGS…` on this server's storage; returns (success, stdout+stderr).
    pub fn cli(&self, args: &[&str]) -> (bool, String) {
        let output = self.command(args).output().expect("run appbox");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    /// Adds a user with the CLI and logs in as them.
    pub async fn user(&self, email: &str, role: &str, tenant: Option<&str>) -> Api {
        let password = "user-password-1";
        let mut args = vec![
            "user",
            "add",
            "--email",
            email,
            "--password",
            password,
            "--role",
            role,
        ];
        if let Some(tenant) = tenant {
            args.extend(["--tenant", tenant]);
        }
        let (ok, out) = self.cli(&args);
        assert!(ok, "user add failed: {out}");
        self.login(email, password).await
    }

    pub async fn admin(&self) -> Api {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Api {
        let anonymous = self.anonymous();
        let (status, body) = anonymous
            .call(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login as {email}: {body}");
        Api {
            token: body["access_token"].as_str().map(str::to_owned),
            ..anonymous
        }
    }

    pub fn anonymous(&self) -> Api {
        Api {
            base: self.base.clone(),
            client: reqwest::Client::new(),
            token: None,
        }
    }
}

/// A second `appbox` process on a [`Server`]'s storage.
pub struct Process {
    pub base: String,
    child: Child,
}

impl Process {
    pub fn anonymous(&self) -> Api {
        Api {
            base: self.base.clone(),
            client: reqwest::Client::new(),
            token: None,
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("--- appbox log ---\n{}", self.log());
        }
    }
}

/// An HTTP client for one caller.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
    pub token: Option<String>,
}

impl Api {
    pub fn with_token(&self, token: &str) -> Api {
        Api {
            token: Some(token.to_owned()),
            ..self.clone()
        }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Sends a request with an optional JSON body; returns status and JSON
    /// body (`Null` when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        read(response).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(body)).await
    }

    /// Creates an app and returns its detail (asserting 201).
    pub async fn create_app(&self, name: &str) -> Value {
        let (status, app) = self
            .post("/api/v1/builder/apps", json!({"name": name}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{app}");
        app
    }

    pub async fn app(&self, key: &str) -> Value {
        let (status, app) = self.get(&format!("/api/v1/builder/apps/{key}")).await;
        assert_eq!(status, StatusCode::OK, "{app}");
        app
    }
}

pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// The `detail` text of an error body.
pub fn detail(body: &Value) -> &str {
    body["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("no detail in {body}"))
}

pub fn files_path(id: &str) -> String {
    format!("/api/v1/builder/apps/{id}/source/files")
}
