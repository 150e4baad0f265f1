//! What the HTTP benches share: this build's `appbox serve` on a free port
//! with a fresh SQLite data folder, signed in as the admin.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const PASSWORD: &str = "bench-password-1234";

/// A running server, stopped when dropped.
pub struct Server {
    process: Child,
    /// `http://127.0.0.1:PORT/api/v1`
    pub base: String,
    pub client: reqwest::Client,
    /// The admin's access token.
    pub token: String,
    _data: tempfile::TempDir,
}

impl Server {
    /// Starts the server with `envs` added to its environment and waits
    /// until the admin can sign in.
    pub async fn start(envs: &[(&str, &str)]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let data = tempfile::tempdir().expect("temp dir");
        let process = Command::new(env!("CARGO_BIN_EXE_appbox"))
            .arg("serve")
            .env("APPBOX_ADDR", format!("127.0.0.1:{port}"))
            .env("APPBOX_DATA_DIR", data.path())
            .env("APPBOX_ADMIN_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .envs(envs.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .expect("start appbox");
        let base = format!("http://127.0.0.1:{port}/api/v1");
        let client = reqwest::Client::new();
        let started = Instant::now();
        let token = loop {
            if let Ok(r) = client
                .post(format!("{base}/auth/login"))
                .json(&json!({"email": "admin@appbox.local", "password": PASSWORD}))
                .send()
                .await
            {
                if r.status().is_success() {
                    let v: Value = r.json().await.expect("json");
                    break v["access_token"].as_str().expect("token").to_owned();
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "appbox did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        Server {
            process,
            base,
            client,
            token,
            _data: data,
        }
    }

    /// Sends `body` to `path` (under `/api/v1`) as the admin; panics unless
    /// the answer is a success.
    pub async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("send");
        let (status, url) = (response.status(), response.url().clone());
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{url}: {status} {body}");
        body
    }

    /// [`Server::send`] with POST.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, path, body).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// The 1-minute load average: the figures are only comparable at a
/// similar load (the development machine is shared).
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}
