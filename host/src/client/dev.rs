//! `appbox dev [DIR]`: watches the app folder and, after each save, pushes
//! what changed (`sync::push`). The push rings the app's bell on the
//! server, which compiles the files in dev mode for every open dev page of
//! the app (`/dev/{slug}`) and tells it what changed over server-sent
//! events (`api/dev.rs`), so the browser follows without a reload by hand.
//! The folder is compiled here once at the start (errors printed as esbuild
//! does); after that the dev page shows them, so each save is compiled
//! once, for the page, and no answer carrying the whole bundle is written
//! back to this terminal.

use std::path::Path;
use std::time::Duration;

use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{new_debouncer, DebounceEventResult};
use serde_json::json;

use super::sync::{self, State};
use super::{build, server_of, ClientError, Output};
use crate::cli::ClientOpts;

/// How long the folder must stay quiet before a push: an editor's save
/// (write, rename, chmod: well under a millisecond apart) is one change,
/// not three. Every millisecond here is on the edit-to-pixels path.
const QUIET: Duration = Duration::from_millis(10);

/// Runs until Ctrl-C (or the process is stopped).
pub(crate) async fn dev(out: &Output, opts: &ClientOpts, dir: &Path) -> Result<(), ClientError> {
    let state = State::open(dir)?;
    let server = server_of(opts, Some(&state.server));
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
    update(out, opts, &dir, true).await;
    loop {
        tokio::select! {
            change = changes.recv() => match change {
                Some(Ok(events)) => {
                    if events.iter().any(|e| sync::is_app_path(&dir, &e.path)) {
                        update(out, opts, &dir, false).await;
                    }
                }
                Some(Err(e)) => out.note(format!("Watching {}: {e}", dir.display())),
                None => break,
            },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    Ok(())
}

/// Pushes the folder's changes (and compiles them, `compile`); a failure
/// is reported and the watch goes on.
async fn update(out: &Output, opts: &ClientOpts, dir: &Path, compile: bool) {
    let result = match sync::push(out, opts, dir, false).await {
        Ok(()) if compile => build::compile(out, opts, dir, true).await,
        other => other,
    };
    match result {
        Ok(()) => {}
        // The compile printed its errors already.
        Err(ClientError::Printed(summary)) => out.note(summary),
        Err(e) if out.json => println!("{}", e.to_json()),
        Err(e) => eprintln!("{e}"),
    }
}
