//! `appbox dev [DIR]`: watches the app folder and, after each save, pushes
//! what changed (`sync::push`). The push rings the app's bell on the
//! server, which compiles the files in dev mode for every open dev page of
//! the app (`/dev/{slug}`) and tells it what changed over server-sent
//! events (`api/dev.rs`), so the browser follows without a reload by hand.
//! The folder is compiled here once at the start (errors printed as esbuild
//! does); after that the dev page shows them, so each save is compiled
//! once, for the page, and no answer carrying the whole bundle is written
//! back to this terminal.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{new_debouncer, DebounceEventResult};
use serde_json::json;

use super::sync::{self, State};
use super::{build, server_of, Client, ClientError, Output};
use crate::cli::ClientOpts;

/// How long the folder must stay quiet before a push: an editor's save
/// (write, rename, chmod: well under a millisecond apart) is one change,
/// not three. Every millisecond here is on the edit-to-pixels path.
const QUIET: Duration = Duration::from_millis(5);

/// Runs until Ctrl-C (or the process is stopped).
pub(crate) async fn dev(out: &Output, opts: &ClientOpts, dir: &Path) -> Result<(), ClientError> {
    let state = State::open(dir)?;
    let server = server_of(opts, Some(&state.server));
    // One client for the whole watch: its connection to the server is kept.
    let mut client = Client::signed_in(&server)?;
    let dir = dir
        .canonicalize()
        .map_err(ClientError::io(format!("Reading {}", dir.display())))?;
    let cannot_watch = |e: notify_debouncer_mini::notify::Error| {
        ClientError::Refused(format!("Cannot watch {}: {e}", dir.display()))
    };
    let (sender, mut changes) = tokio::sync::mpsc::unbounded_channel();
    let mut watcher = new_debouncer(QUIET, move |result: DebounceEventResult| {
        let _ = sender.send(result);
    })
    .map_err(cannot_watch)?;
    watcher
        .watcher()
        .watch(&dir, RecursiveMode::Recursive)
        .map_err(cannot_watch)?;
    let page = format!("{server}/dev/{}", state.slug);
    out.done(
        format!(
            "Watching {} for {}. Open {page} in a browser signed in to {server}: it follows every save. Ctrl-C stops.",
            dir.display(),
            state.name
        ),
        json!({"watching": dir, "app": state.app, "dev_page": page}),
    );
    let pushed = update(out, &mut client, &dir, None).await;
    // After a failed push the next one reads the whole folder again: the
    // edits it carried are still to be sent.
    let mut failed = pushed.is_err();
    if let Err(e) = match pushed {
        Ok(()) => build::compile(out, opts, &dir, true).await,
        Err(e) => Err(e),
    } {
        report(out, e);
    }
    loop {
        // The paths to read, or `None`: the whole folder.
        let paths: Option<Vec<PathBuf>> = tokio::select! {
            change = changes.recv() => match change {
                Some(Ok(events)) => {
                    let paths: Vec<PathBuf> = events
                        .into_iter()
                        .map(|e| e.path)
                        .filter(|path| sync::is_app_path(&dir, path))
                        .collect();
                    if paths.is_empty() {
                        continue;
                    }
                    Some(paths)
                }
                Some(Err(e)) => {
                    // Events may have been lost.
                    out.note(format!("Watching {}: {e}", dir.display()));
                    None
                }
                None => break,
            },
            _ = tokio::signal::ctrl_c() => break,
        };
        let scope = paths.as_deref().filter(|_| !failed);
        failed = match update(out, &mut client, &dir, scope).await {
            Ok(()) => false,
            Err(e) => {
                report(out, e);
                true
            }
        };
    }
    Ok(())
}

/// Pushes the folder's edits at `paths` (the whole folder's when `None`).
/// The state is read again each time: an `appbox push` or `pull` in
/// another terminal moves it on.
async fn update(
    out: &Output,
    client: &mut Client,
    dir: &Path,
    paths: Option<&[PathBuf]>,
) -> Result<(), ClientError> {
    let mut state = State::open(dir)?;
    let edits = match paths {
        Some(paths) => sync::changes_at(dir, &state, paths)?,
        None => sync::local_changes(dir, &state)?,
    };
    sync::send(out, client, &mut state, dir, edits, false).await
}

/// Reports a failed push or compile; the watch goes on.
fn report(out: &Output, error: ClientError) {
    match error {
        // The compile printed its errors already.
        ClientError::Printed(summary) => out.note(summary),
        e if out.json => println!("{}", e.to_json()),
        e => eprintln!("{e}"),
    }
}
