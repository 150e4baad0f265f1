//! `appbox login` and the kept session: one access/refresh token pair per
//! server in `credentials.json` under the user's config dir
//! (`$APPBOX_CONFIG_DIR`, else `$XDG_CONFIG_HOME/appbox`, else
//! `~/.config/appbox`), written with mode 0600 in a 0700 directory. The
//! access token is refreshed (the refresh token is single use, so the new
//! pair is kept at once) when it is about to expire or is refused.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{api_error, http_client, request, server_of, ClientError, Output};
use crate::cli::ClientOpts;

/// Refresh this long before the access token expires.
const REFRESH_MARGIN_SECONDS: i64 = 30;

#[derive(Serialize, Deserialize, Clone, Debug)]
pub(crate) struct Session {
    pub email: String,
    pub access_token: String,
    refresh_token: String,
    /// Unix seconds.
    expires_at: i64,
}

#[derive(Serialize, Deserialize, Default)]
struct Credentials {
    servers: BTreeMap<String, Session>,
}

fn config_dir() -> Result<PathBuf, ClientError> {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    from_env("APPBOX_CONFIG_DIR")
        .or_else(|| from_env("XDG_CONFIG_HOME").map(|d| d.join("appbox")))
        .or_else(|| from_env("HOME").map(|d| d.join(".config").join("appbox")))
        .ok_or_else(|| {
            ClientError::Refused(
                "No config directory: set APPBOX_CONFIG_DIR (or HOME) so the login can be kept"
                    .into(),
            )
        })
}

fn credentials_path() -> Result<PathBuf, ClientError> {
    Ok(config_dir()?.join("credentials.json"))
}

fn load_all() -> Result<Credentials, ClientError> {
    let path = credentials_path()?;
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(serde_json::from_str(&text).unwrap_or_default()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Credentials::default()),
        Err(e) => Err(ClientError::io(format!("Reading {}", path.display()))(e)),
    }
}

/// Writes the credentials readable by the user only: a 0600 temp file
/// renamed over the old one, so a crash never leaves half a file.
fn save_all(credentials: &Credentials) -> Result<(), ClientError> {
    let path = credentials_path()?;
    let dir = path.parent().map(PathBuf::from).unwrap_or_default();
    let context = format!("Writing {}", path.display());
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&dir).map_err(ClientError::io(&context))?;
    let temp = dir.join(".credentials.json.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp).map_err(ClientError::io(&context))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(ClientError::io(&context))?;
    }
    let text = serde_json::to_string_pretty(credentials).unwrap_or_default();
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(ClientError::io(&context))?;
    std::fs::rename(&temp, &path).map_err(ClientError::io(&context))
}

impl Session {
    pub(crate) fn load(server: &str) -> Result<Option<Session>, ClientError> {
        Ok(load_all()?.servers.remove(server))
    }

    fn save(&self, server: &str) -> Result<(), ClientError> {
        let mut all = load_all()?;
        all.servers.insert(server.to_owned(), self.clone());
        save_all(&all)
    }

    fn from_answer(email: &str, body: &Value) -> Option<Session> {
        Some(Session {
            email: email.to_owned(),
            access_token: body["access_token"].as_str()?.to_owned(),
            refresh_token: body["refresh_token"].as_str()?.to_owned(),
            expires_at: chrono::Utc::now().timestamp() + body["expires_in"].as_i64()?,
        })
    }

    pub(crate) fn expires_soon(&self) -> bool {
        chrono::Utc::now().timestamp() + REFRESH_MARGIN_SECONDS >= self.expires_at
    }

    /// Spends the refresh token for a new pair and keeps it.
    pub(crate) async fn refresh(
        &mut self,
        http: &reqwest::Client,
        server: &str,
    ) -> Result<(), ClientError> {
        let body = json!({"refresh_token": self.refresh_token});
        let answer = request(
            http,
            server,
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(&body),
        )
        .await?;
        if answer.status == StatusCode::UNAUTHORIZED {
            return Err(ClientError::NotSignedIn(server.to_owned()));
        }
        if !answer.status.is_success() {
            return Err(api_error(answer));
        }
        *self = Session::from_answer(&self.email, &answer.body)
            .ok_or_else(|| ClientError::Refused("The refresh answer has no tokens".into()))?;
        self.save(server)
    }
}

/// `appbox login`: signs in with e-mail and password (from `--password`,
/// `APPBOX_PASSWORD` or the first line of stdin) and keeps the tokens.
pub(crate) async fn login(
    out: &Output,
    opts: &ClientOpts,
    email: &str,
    password: Option<String>,
) -> Result<(), ClientError> {
    let server = server_of(opts, None);
    let password = match password {
        Some(password) => password,
        None => {
            out.note("Password:");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(ClientError::io("Reading the password from stdin"))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let body = json!({"email": email, "password": password});
    let answer = request(
        &http_client(),
        &server,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&body),
    )
    .await?;
    if !answer.status.is_success() {
        return Err(api_error(answer));
    }
    let session = Session::from_answer(email, &answer.body)
        .ok_or_else(|| ClientError::Refused("The login answer has no tokens".into()))?;
    session.save(&server)?;
    let path = credentials_path()?;
    out.done(
        format!(
            "Signed in to {server} as {email} (tokens kept in {})",
            path.display()
        ),
        json!({"server": server, "email": email, "credentials": path}),
    );
    Ok(())
}
