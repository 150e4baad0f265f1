//! `appbox` as a client of any appbox server (issue 13): the commands of
//! [`ClientCommand`], one module per group — `session` (login, the kept
//! tokens, refresh), `apps` (list, create, new), `sync` (pull, push),
//! `build` (compile, publish), `dev` (watch, push, compile), `actions` (run, logs).
//!
//! Every command speaks the documented HTTP API (`/openapi.json`), nothing
//! else, so it works against a remote server of the same API. With `--json`
//! a command prints one JSON value on stdout (errors too:
//! `{"error": "…", "status": 409, …}`); the exit status is 0 on success and
//! 1 on any failure (an API error, compile errors, a refused push).

mod actions;
mod apps;
mod build;
mod dev;
mod progress;
mod session;
mod sync;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::cli::{ActionsCommand, AppsCommand, ClientCommand, ClientOpts};
use session::Session;

/// The server used when neither `--server`, `APPBOX_SERVER` nor the folder names one.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// Why a client command failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{detail} (HTTP {status})")]
    Api {
        status: StatusCode,
        detail: String,
        body: Value,
    },
    #[error("Not signed in to {0}: run `appbox login --server {0} --email …`")]
    NotSignedIn(String),
    #[error("Could not reach {server}: {source}")]
    Unreachable {
        server: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{0}")]
    Refused(String),
    /// The command printed its answer (with `--json`, the JSON) and failed.
    #[error("{0}")]
    Printed(String),
    /// A push whose `expected_version` is stale.
    #[error("The app changed on the server since your last pull (version {expected} → {current}); changed there: {}. Nothing more was pushed. Run `appbox pull --force` to take the server's files (your unpushed edits are overwritten), or `appbox push --force` to overwrite the server's", files.join(", "))]
    Conflict {
        expected: i64,
        current: i64,
        files: Vec<String>,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl ClientError {
    fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ClientError {
        let context = context.into();
        move |source| ClientError::Io { context, source }
    }

    /// The `--json` form of the error.
    fn to_json(&self) -> Value {
        match self {
            ClientError::Api { status, body, .. } => {
                json!({"error": self.to_string(), "status": status.as_u16(), "body": body})
            }
            ClientError::Conflict {
                expected,
                current,
                files,
            } => json!({"error": self.to_string(), "status": 409, "expected_version": expected,
                "current_version": current, "changed_on_server": files}),
            _ => json!({"error": self.to_string()}),
        }
    }
}

/// A signed-in connection to one server.
pub(crate) struct Client {
    http: reqwest::Client,
    server: String,
    session: Session,
}

/// A JSON answer with its status.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Client {
    /// A client of `server` with the kept session (an error if there is none).
    pub(crate) fn signed_in(server: &str) -> Result<Client, ClientError> {
        let server = server.trim_end_matches('/').to_owned();
        let session =
            Session::load(&server)?.ok_or_else(|| ClientError::NotSignedIn(server.clone()))?;
        Ok(Client {
            http: http_client(),
            server,
            session,
        })
    }

    pub(crate) fn server(&self) -> &str {
        &self.server
    }

    /// Sends a request with the session's token: refreshed first when it is
    /// about to expire, and once more on a 401. Any status is an answer;
    /// see [`Client::call`] for one that must succeed.
    pub(crate) async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ClientError> {
        if self.session.expires_soon() {
            self.session.refresh(&self.http, &self.server).await?;
        }
        let answer = self.send_once(method.clone(), path, body).await?;
        if answer.status != StatusCode::UNAUTHORIZED {
            return Ok(answer);
        }
        self.session.refresh(&self.http, &self.server).await?;
        self.send_once(method, path, body).await
    }

    async fn send_once(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ClientError> {
        let token = Some(self.session.access_token.as_str());
        request(&self.http, &self.server, method, path, token, body).await
    }

    /// Like [`Client::send`], but a status other than 2xx is an error.
    pub(crate) async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ClientError> {
        let answer = self.send(method, path, body).await?;
        if answer.status.is_success() {
            Ok(answer.body)
        } else {
            Err(api_error(answer))
        }
    }
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("appbox-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// One request to `server`, with a bearer token or none; any status is an answer.
pub(crate) async fn request(
    http: &reqwest::Client,
    server: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<Answer, ClientError> {
    let unreachable = |source| ClientError::Unreachable {
        server: server.to_owned(),
        source,
    };
    let mut request = http.request(method, format!("{server}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        let bytes = bytes::Bytes::from(serde_json::to_vec(body).unwrap_or_default());
        let bar = progress::bytes("Sending", bytes.len() as u64);
        request = request.header(reqwest::header::CONTENT_TYPE, "application/json");
        request = if bar.is_hidden() {
            request.body(bytes)
        } else {
            request.body(reqwest::Body::wrap_stream(progress::upload(bytes, bar)))
        };
    }
    let mut response = request.send().await.map_err(unreachable)?;
    let status = response.status();
    let bar = progress::bytes("Receiving", response.content_length().unwrap_or(0));
    let mut received = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        bar.inc(chunk.len() as u64);
        received.extend_from_slice(&chunk);
    }
    bar.finish_and_clear();
    let text = String::from_utf8_lossy(&received).into_owned();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Ok(Answer { status, body })
}

pub(crate) fn api_error(answer: Answer) -> ClientError {
    let detail = answer.body["detail"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("The server answered {}", answer.status));
    ClientError::Api {
        status: answer.status,
        detail,
        body: answer.body,
    }
}

/// A path segment, percent-encoded (an app key or action name is user input).
pub(crate) fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What a command prints: text for people, or one JSON value.
pub(crate) struct Output {
    json: bool,
}

impl Output {
    /// Prints `text` (people) or `value` (`--json`) on stdout.
    pub(crate) fn done(&self, text: impl AsRef<str>, value: Value) {
        if self.json {
            println!("{value}");
        } else {
            let text = text.as_ref();
            if !text.is_empty() {
                println!("{text}");
            }
        }
    }

    /// Progress for people, on stderr; nothing with `--json`.
    pub(crate) fn note(&self, text: impl AsRef<str>) {
        if !self.json {
            eprintln!("{}", text.as_ref());
        }
    }
}

/// The server a command talks to: `--server`/`APPBOX_SERVER`, else the
/// folder's, else [`DEFAULT_SERVER`].
pub(crate) fn server_of(opts: &ClientOpts, folder: Option<&str>) -> String {
    opts.server
        .as_deref()
        .or(folder)
        .unwrap_or(DEFAULT_SERVER)
        .trim_end_matches('/')
        .to_owned()
}

/// Runs one client command; with `--json` a failure is also printed as JSON.
pub async fn run(command: ClientCommand) -> anyhow::Result<()> {
    let json = match &command {
        ClientCommand::Login { opts, .. }
        | ClientCommand::New { opts, .. }
        | ClientCommand::Pull { opts, .. }
        | ClientCommand::Push { opts, .. }
        | ClientCommand::Compile { opts, .. }
        | ClientCommand::Dev { opts, .. }
        | ClientCommand::Publish { opts, .. }
        | ClientCommand::Logs { opts, .. }
        | ClientCommand::Apps(AppsCommand::List { opts } | AppsCommand::Create { opts, .. })
        | ClientCommand::Actions(ActionsCommand::Run { opts, .. }) => opts.json,
    };
    let out = Output { json };
    progress::enable(!json);
    let result = match command {
        ClientCommand::Login {
            opts,
            email,
            password,
        } => session::login(&out, &opts, &email, password).await,
        ClientCommand::Apps(AppsCommand::List { opts }) => apps::list(&out, &opts).await,
        ClientCommand::Apps(AppsCommand::Create {
            opts,
            name,
            description,
            access_mode,
        }) => apps::create(&out, &opts, &name, description, access_mode).await,
        ClientCommand::New { opts, name, dir } => apps::new(&out, &opts, &name, dir).await,
        ClientCommand::Pull {
            opts,
            app,
            dir,
            force,
        } => sync::pull(&out, &opts, &app, dir, force).await,
        ClientCommand::Push { opts, dir, force } => sync::push(&out, &opts, &dir, force).await,
        ClientCommand::Compile { opts, dir, dev } => build::compile(&out, &opts, &dir, dev).await,
        ClientCommand::Dev { opts, dir } => dev::dev(&out, &opts, &dir).await,
        ClientCommand::Publish {
            opts,
            dir,
            note,
            review,
        } => build::publish(&out, &opts, &dir, &note, review).await,
        ClientCommand::Actions(ActionsCommand::Run {
            opts,
            name,
            params,
            dir,
        }) => actions::run(&out, &opts, &dir, &name, &params).await,
        ClientCommand::Logs {
            opts,
            dir,
            action,
            limit,
            follow,
        } => actions::logs(&out, &opts, &dir, action.as_deref(), limit, follow).await,
    };
    result.map_err(|err| {
        if json && !matches!(err, ClientError::Printed(_)) {
            println!("{}", err.to_json());
        }
        anyhow::Error::new(err)
    })
}
