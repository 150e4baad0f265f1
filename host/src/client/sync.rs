//! `appbox pull` and `appbox push`: an app's VFS as a folder. The folder
//! remembers the pull in `.appbox/state.json` (server, app, version, and a
//! SHA-256 of each file as the server had it), so a push sends only the
//! files changed or deleted since, with that version as `expected_version`,
//! and a refused push can name the files that changed on the server.
//!
//! Host-owned SDK files are written read-only and listed in the state as
//! `host_owned`; a push never sends them. Files and folders whose name
//! starts with `.`, `node_modules/` and the builder's `APPBOX.md` are not
//! part of the app.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{api_error, segment, server_of, Client, ClientError, Output};
use crate::builder::sdk;
use crate::builder::vfs::{self, Files};
use crate::cli::ClientOpts;

/// The builder's notes that `appbox new` writes; not an app file.
pub(crate) const NOTES_FILE: &str = "APPBOX.md";
const STATE_DIR: &str = ".appbox";
const STATE_FILE: &str = "state.json";

/// What a folder remembers of its last pull or push.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct State {
    pub server: String,
    /// The app's id.
    pub app: String,
    pub slug: String,
    pub name: String,
    pub version: i64,
    /// Path → SHA-256 (hex) of the builder's files as the server has them.
    files: BTreeMap<String, String>,
    /// The SDK files the host owns (read-only here).
    host_owned: Vec<String>,
    /// Their SHA-256s, to tell the builder that an edit of one is not pushed.
    #[serde(default)]
    host_hashes: BTreeMap<String, String>,
}

impl State {
    /// The state of the folder `dir`; an error naming the next step if it
    /// was never pulled.
    pub(crate) fn open(dir: &Path) -> Result<State, ClientError> {
        let path = dir.join(STATE_DIR).join(STATE_FILE);
        let text = std::fs::read_to_string(&path).map_err(|_| {
            ClientError::Refused(format!(
                "{} is not an app folder (no {STATE_DIR}/{STATE_FILE}): run `appbox pull APP {}` or `appbox new NAME` first",
                dir.display(),
                dir.display()
            ))
        })?;
        serde_json::from_str(&text).map_err(|e| {
            ClientError::Refused(format!(
                "{} is damaged ({e}): pull the app again",
                path.display()
            ))
        })
    }

    fn save(&self, dir: &Path) -> Result<(), ClientError> {
        let state_dir = dir.join(STATE_DIR);
        let context = format!("Writing {}", state_dir.display());
        std::fs::create_dir_all(&state_dir).map_err(ClientError::io(&context))?;
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        std::fs::write(state_dir.join(STATE_FILE), text).map_err(ClientError::io(&context))
    }
}

/// A signed-in client for the app of the folder `dir`, and its state.
pub(crate) fn open_app(opts: &ClientOpts, dir: &Path) -> Result<(Client, State), ClientError> {
    let state = State::open(dir)?;
    let client = Client::signed_in(&server_of(opts, Some(&state.server)))?;
    Ok((client, state))
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A file or folder name that is no part of the app: hidden ones (the
/// folder's `.appbox/` state among them) and `node_modules`.
fn not_of_the_app(name: &str) -> bool {
    name.starts_with('.') || name == "node_modules"
}

/// Whether `path` (inside `dir`) may be one of the app's files, by the
/// rules the folder is read with.
pub(crate) fn is_app_path(dir: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(dir) else {
        return false;
    };
    relative != Path::new(NOTES_FILE)
        && relative
            .components()
            .all(|c| !not_of_the_app(&c.as_os_str().to_string_lossy()))
}

/// The VFS path of `path` inside `root`.
fn vfs_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads the app's files in the folder `dir` (inside `root`) into `files`.
fn collect(root: &Path, dir: &Path, files: &mut Files) -> Result<(), ClientError> {
    let context = format!("Reading {}", dir.display());
    for entry in std::fs::read_dir(dir).map_err(ClientError::io(&context))? {
        let entry = entry.map_err(ClientError::io(&context))?;
        if not_of_the_app(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(ClientError::io(&context))?;
        if kind.is_dir() {
            collect(root, &path, files)?;
        } else if kind.is_file() {
            read_into(root, &path, files)?;
        }
    }
    Ok(())
}

fn read_into(root: &Path, path: &Path, files: &mut Files) -> Result<(), ClientError> {
    let relative = vfs_path(root, path);
    let bytes =
        std::fs::read(path).map_err(ClientError::io(format!("Reading {}", path.display())))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        ClientError::Refused(format!(
            "{relative} is not UTF-8 text; an app holds text files only"
        ))
    })?;
    files.insert(relative, text);
    Ok(())
}

/// The folder's edits since the state.
pub(crate) struct Edits {
    /// Files changed or added.
    pub changed: Files,
    pub deleted: Vec<String>,
    /// Host-owned files edited here (never pushed).
    pub host_owned: Vec<String>,
}

impl Edits {
    /// Nothing to send and nothing to warn about.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.deleted.is_empty() && self.host_owned.is_empty()
    }

    /// The edits among `found` (files read from the folder); `gone` says
    /// whether a file the state knows and `found` lacks was deleted.
    fn of(state: &State, mut found: Files, gone: impl Fn(&str) -> bool) -> Edits {
        let host_owned = state
            .host_hashes
            .iter()
            .filter(|(path, hash)| found.get(*path).is_some_and(|text| sha256(text) != **hash))
            .map(|(path, _)| path.clone())
            .collect();
        found.remove(NOTES_FILE);
        found.retain(|path, _| !sdk::is_host_owned(path));
        let deleted = state
            .files
            .keys()
            .filter(|path| !found.contains_key(*path) && gone(path))
            .cloned()
            .collect();
        let changed = found
            .into_iter()
            .filter(|(path, text)| state.files.get(path) != Some(&sha256(text)))
            .collect();
        Edits {
            changed,
            deleted,
            host_owned,
        }
    }
}

/// Every edit in the folder since the state (the whole folder is read).
pub(crate) fn local_changes(dir: &Path, state: &State) -> Result<Edits, ClientError> {
    let mut found = Files::new();
    collect(dir, dir, &mut found)?;
    Ok(Edits::of(state, found, |_| true))
}

/// The edits at `paths` only (files or folders inside `dir` that changed,
/// appeared or went away, as a watcher reports them): a save costs reading
/// what it touched, not the whole folder.
pub(crate) fn changes_at(
    dir: &Path,
    state: &State,
    paths: &[PathBuf],
) -> Result<Edits, ClientError> {
    let mut found = Files::new();
    let mut vanished = Vec::new();
    for path in paths.iter().filter(|path| is_app_path(dir, path)) {
        // Not followed, as the whole folder's read does not follow them: a
        // symbolic link is no file of the app (it could lead out of it).
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => collect(dir, path, &mut found)?,
            Ok(meta) if meta.is_file() => read_into(dir, path, &mut found)?,
            _ => vanished.push(vfs_path(dir, path)),
        }
    }
    Ok(Edits::of(state, found, |path| {
        vanished.iter().any(|gone| {
            path.strip_prefix(gone.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }))
}

/// The builder's files of the app's detail answer, and its host-owned ones.
fn split_detail(detail: &Value) -> Result<(Files, Files), ClientError> {
    let all: Files = serde_json::from_value(detail["vfs_state"].clone())
        .map_err(|_| ClientError::Refused("The app's answer has no vfs_state".into()))?;
    let (host, own) = all
        .into_iter()
        .partition(|(path, _)| sdk::is_host_owned(path));
    Ok((own, host))
}

/// Paths whose content differs between `state` and the server's `files`.
fn changed_since(state: &State, files: &Files) -> Vec<String> {
    let mut changed: Vec<String> = files
        .iter()
        .filter(|(path, text)| state.files.get(*path) != Some(&sha256(text)))
        .map(|(path, _)| path.clone())
        .chain(
            state
                .files
                .keys()
                .filter(|p| !files.contains_key(*p))
                .cloned(),
        )
        .collect();
    changed.sort();
    changed
}

/// Writes `text` to `dir/path`: only a path the VFS rules accept (a server
/// cannot make the client write outside the folder), replacing a
/// read-only file, read-only itself when `read_only`.
fn write_file(dir: &Path, path: &str, text: &str, read_only: bool) -> Result<(), ClientError> {
    if vfs::normalize_path(path).ok().as_deref() != Some(path) {
        return Err(ClientError::Refused(format!(
            "The server sent a file with an unsafe path {path:?}; nothing outside the folder is written"
        )));
    }
    let target = dir.join(path);
    let context = format!("Writing {}", target.display());
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(ClientError::io(&context))?;
    }
    if target.exists() {
        std::fs::remove_file(&target).map_err(ClientError::io(&context))?;
    }
    std::fs::write(&target, text).map_err(ClientError::io(&context))?;
    if read_only {
        let mut permissions = std::fs::metadata(&target)
            .map_err(ClientError::io(&context))?
            .permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&target, permissions).map_err(ClientError::io(&context))?;
    }
    Ok(())
}

/// `appbox pull APP [DIR]`.
pub(crate) async fn pull(
    out: &Output,
    opts: &ClientOpts,
    app: &str,
    dir: Option<PathBuf>,
    force: bool,
) -> Result<(), ClientError> {
    let previous_server = dir
        .as_deref()
        .and_then(|d| State::open(d).ok())
        .map(|s| s.server);
    let mut client = Client::signed_in(&server_of(opts, previous_server.as_deref()))?;
    let detail = client
        .call(
            Method::GET,
            &format!("/api/v1/builder/apps/{}", segment(app)),
            None,
        )
        .await?;
    let slug = detail["slug"].as_str().unwrap_or(app).to_owned();
    let dir = dir.unwrap_or_else(|| PathBuf::from(&slug));
    pull_into(out, &client, &detail, &dir, force)
}

/// Writes the app of `detail` into `dir`, replacing the previous pull.
pub(crate) fn pull_into(
    out: &Output,
    client: &Client,
    detail: &Value,
    dir: &Path,
    force: bool,
) -> Result<(), ClientError> {
    let previous = State::open(dir).ok();
    if let Some(previous) = &previous {
        if previous.app != detail["id"].as_str().unwrap_or_default() {
            return Err(ClientError::Refused(format!(
                "{} holds another app ({}); pull into another folder",
                dir.display(),
                previous.slug
            )));
        }
        let edits = local_changes(dir, previous)?;
        let unpushed: Vec<String> = edits.changed.into_keys().chain(edits.deleted).collect();
        if !unpushed.is_empty() && !force {
            return Err(ClientError::Refused(format!(
                "{} has edits that were not pushed: {}. Push them first, or pull with --force to overwrite them",
                dir.display(),
                unpushed.join(", ")
            )));
        }
    }
    let (own, host) = split_detail(detail)?;
    for (path, text) in &own {
        write_file(dir, path, text, false)?;
    }
    for (path, text) in &host {
        write_file(dir, path, text, true)?;
    }
    if let Some(previous) = &previous {
        for path in previous.files.keys().filter(|p| !own.contains_key(*p)) {
            if vfs::normalize_path(path).ok().as_deref() == Some(path.as_str()) {
                let _ = std::fs::remove_file(dir.join(path));
            }
        }
    }
    let state = State {
        server: client.server().to_owned(),
        app: detail["id"].as_str().unwrap_or_default().to_owned(),
        slug: detail["slug"].as_str().unwrap_or_default().to_owned(),
        name: detail["name"].as_str().unwrap_or_default().to_owned(),
        version: detail["vfs_version"].as_i64().unwrap_or_default(),
        files: own.iter().map(|(p, t)| (p.clone(), sha256(t))).collect(),
        host_owned: host.keys().cloned().collect(),
        host_hashes: host.iter().map(|(p, t)| (p.clone(), sha256(t))).collect(),
    };
    state.save(dir)?;
    out.done(
        format!(
            "Pulled {} (version {}, {} files) into {}; read-only, owned by the host: {}",
            state.name,
            state.version,
            own.len(),
            dir.display(),
            state.host_owned.join(", ")
        ),
        json!({"app": state.app, "slug": state.slug, "dir": dir, "version": state.version,
            "files": own.keys().collect::<Vec<_>>(), "host_owned": state.host_owned}),
    );
    Ok(())
}

/// `appbox push [DIR]`: one PATCH of the changed files and one DELETE of
/// the deleted ones, each with `expected_version`.
pub(crate) async fn push(
    out: &Output,
    opts: &ClientOpts,
    dir: &Path,
    force: bool,
) -> Result<(), ClientError> {
    let (mut client, mut state) = open_app(opts, dir)?;
    let edits = local_changes(dir, &state)?;
    send(out, &mut client, &mut state, dir, edits, force).await
}

/// Sends the folder's `edits` since `state` (one PATCH, one DELETE), and
/// keeps each accepted write in `state` and in the folder's state file.
pub(crate) async fn send(
    out: &Output,
    client: &mut Client,
    state: &mut State,
    dir: &Path,
    edits: Edits,
    force: bool,
) -> Result<(), ClientError> {
    let Edits {
        changed,
        deleted,
        host_owned,
    } = edits;
    if !host_owned.is_empty() {
        out.note(format!(
            "Not pushed: {} (owned by the host, the server keeps its own; `appbox pull --force` restores them)",
            host_owned.join(", ")
        ));
    }
    if changed.is_empty() && deleted.is_empty() {
        out.done(
            format!(
                "Nothing to push: {} is at version {}",
                state.name, state.version
            ),
            json!({"version": state.version, "changed": [], "deleted": []}),
        );
        return Ok(());
    }
    let files_path = format!("/api/v1/builder/apps/{}/source/files", segment(&state.app));
    let mut expected = state.version;
    if force {
        let detail = app_detail(client, state).await?;
        expected = detail["vfs_version"].as_i64().unwrap_or(expected);
    }
    let writes = [
        (!changed.is_empty()).then(|| (Method::PATCH, json!({"files": changed}))),
        (!deleted.is_empty()).then(|| (Method::DELETE, json!({"paths": deleted}))),
    ];
    for (method, mut body) in writes.into_iter().flatten() {
        body["expected_version"] = json!(expected);
        let answer = client
            .send(method.clone(), &files_path, Some(&body))
            .await?;
        if answer.status == StatusCode::CONFLICT {
            let detail = app_detail(client, state).await?;
            let (own, _) = split_detail(&detail)?;
            return Err(ClientError::Conflict {
                expected,
                current: detail["vfs_version"].as_i64().unwrap_or_default(),
                files: changed_since(state, &own),
            });
        }
        if !answer.status.is_success() {
            return Err(api_error(answer));
        }
        expected = answer.body["vfs_version"].as_i64().unwrap_or(expected + 1);
        // Remember each write at once: a later refusal must not resend it.
        if method == Method::PATCH {
            for (path, text) in &changed {
                state.files.insert(path.clone(), sha256(text));
            }
        } else {
            for path in &deleted {
                state.files.remove(path);
            }
        }
        state.version = expected;
        state.save(dir)?;
    }
    let changed: Vec<&String> = changed.keys().collect();
    out.done(
        format!(
            "Pushed {}: version {} ({} changed, {} deleted)",
            state.name,
            state.version,
            changed.len(),
            deleted.len()
        ),
        json!({"version": state.version, "changed": changed, "deleted": deleted}),
    );
    Ok(())
}

async fn app_detail(client: &mut Client, state: &State) -> Result<Value, ClientError> {
    client
        .call(
            Method::GET,
            &format!("/api/v1/builder/apps/{}", segment(&state.app)),
            None,
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pulled folder with `files`, its state knowing them as pushed.
    fn pulled(files: &[(&str, &str)]) -> (tempfile::TempDir, State) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let target = dir.path().join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, text).unwrap();
        }
        let state = State {
            server: "http://localhost".into(),
            app: "app".into(),
            slug: "app".into(),
            name: "App".into(),
            version: 1,
            files: files
                .iter()
                .map(|(p, t)| (p.to_string(), sha256(t)))
                .collect(),
            host_owned: Vec::new(),
            host_hashes: BTreeMap::new(),
        };
        (dir, state)
    }

    #[test]
    fn a_watched_change_reads_only_the_paths_it_names_and_sees_what_the_whole_folder_does() {
        let (dir, state) = pulled(&[
            ("src/main.tsx", "main"),
            ("src/pages/A.tsx", "a"),
            ("src/pages/B.tsx", "b"),
            ("src/old/C.tsx", "c"),
        ]);
        let root = dir.path();
        std::fs::write(root.join("src/pages/A.tsx"), "a edited").unwrap();
        std::fs::remove_file(root.join("src/pages/B.tsx")).unwrap();
        std::fs::rename(root.join("src/old"), root.join("src/new")).unwrap();
        // Not named by the watcher: not read (a save elsewhere is its own event).
        std::fs::write(root.join("src/main.tsx"), "main edited").unwrap();
        let events = [
            "src/pages/A.tsx",
            "src/pages/B.tsx",
            "src/old",
            "src/new",
            ".hidden.tmp",
        ]
        .map(|p| root.join(p));
        let edits = changes_at(root, &state, &events).unwrap();
        assert_eq!(
            edits.changed.keys().collect::<Vec<_>>(),
            ["src/new/C.tsx", "src/pages/A.tsx"]
        );
        assert_eq!(edits.deleted, ["src/old/C.tsx", "src/pages/B.tsx"]);
        // The whole folder: the same, and the file no event named.
        let all = local_changes(root, &state).unwrap();
        assert_eq!(
            all.changed.keys().collect::<Vec<_>>(),
            ["src/main.tsx", "src/new/C.tsx", "src/pages/A.tsx"]
        );
        assert_eq!(all.deleted, edits.deleted);
        // A path outside the folder is no part of the app, nor is a link
        // out of it (the whole folder's read skips links too).
        let outside = changes_at(root, &state, &[PathBuf::from("/etc/passwd")]).unwrap();
        assert!(outside.changed.is_empty() && outside.deleted.is_empty());
        std::os::unix::fs::symlink("/etc/passwd", root.join("src/passwd.ts")).unwrap();
        let linked = changes_at(root, &state, &[root.join("src/passwd.ts")]).unwrap();
        assert!(linked.changed.is_empty() && linked.deleted.is_empty());
        assert!(!local_changes(root, &state)
            .unwrap()
            .changed
            .contains_key("src/passwd.ts"));
    }
}
