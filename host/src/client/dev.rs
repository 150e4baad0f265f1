//! `appbox dev [DIR]`: watches the app folder and, after each save, pushes
//! what changed (`sync::send`). The push rings the app's bell on the
//! server, which compiles the files in dev mode for every open dev page of
//! the app (`/dev/{slug}`) and tells it what changed over server-sent
//! events (`api/dev.rs`), so the browser follows without a reload by hand.
//! The folder is compiled here once at the start (errors printed as esbuild
//! does); after that the dev page shows them, so each save is compiled
//! once, for the page, and no answer carrying the whole bundle is written
//! back to this terminal.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use serde_json::json;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

use super::sync::{self, State};
use super::{build, server_of, Client, ClientError, Output};
use crate::cli::ClientOpts;

/// How long the folder must stay quiet before a push: an editor's save
/// (write, rename, chmod: well under a millisecond apart) is one change,
/// not three. Every millisecond here is on the edit-to-pixels path.
const QUIET: Duration = Duration::from_millis(5);
/// A folder that never stays quiet (a tool writing into it) is still
/// pushed this often.
const LONGEST_BATCH: Duration = Duration::from_millis(250);

/// Runs until Ctrl-C (or the process is stopped).
pub(crate) async fn dev(out: &Output, opts: &ClientOpts, dir: &Path) -> Result<(), ClientError> {
    let state = State::open(dir)?;
    let server = server_of(opts, Some(&state.server));
    // One client for the whole watch: its connection to the server is kept.
    let mut client = Client::signed_in(&server)?;
    let dir = dir
        .canonicalize()
        .map_err(ClientError::io(format!("Reading {}", dir.display())))?;
    let mut watch = FolderWatch::new(&dir)
        .map_err(|e| ClientError::Refused(format!("Cannot watch {}: {e}", dir.display())))?;
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
            batch = watch.next() => match batch {
                Some(Batch::Edited(paths)) => Some(paths),
                Some(Batch::Lost(why)) => {
                    out.note(format!("Watching {}: {why}; reading the whole folder", dir.display()));
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

/// What the folder's watcher saw since the last batch.
enum Batch {
    /// The app's paths that were edited (files, or folders created or moved).
    Edited(Vec<PathBuf>),
    /// Events may have been lost: only the whole folder tells what changed.
    Lost(String),
}

/// The app folder's watcher (inotify & co. through `notify`), in batches
/// of edits, each once the folder stayed quiet for [`QUIET`].
struct FolderWatch {
    dir: PathBuf,
    events: UnboundedReceiver<notify::Result<Event>>,
    // Watches until dropped.
    _watcher: RecommendedWatcher,
}

impl FolderWatch {
    fn new(dir: &Path) -> notify::Result<FolderWatch> {
        let (sender, events) = unbounded_channel();
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = sender.send(event);
        })?;
        watcher.watch(dir, RecursiveMode::Recursive)?;
        Ok(FolderWatch {
            dir: dir.to_owned(),
            events,
            _watcher: watcher,
        })
    }

    /// The next batch of edits; `None` once the watcher stopped.
    async fn next(&mut self) -> Option<Batch> {
        // Each path once: a save is several events (written, closed,
        // renamed), and the push reads each path named.
        let mut edited = BTreeSet::new();
        let mut lost = None;
        // When the batch ends: QUIET after its last edit, LONGEST_BATCH
        // after its first at the latest (other events, such as an editor
        // reading files, do not move it). `None` until the first edit.
        let mut ends: Option<(Instant, Instant)> = None;
        loop {
            let event = match ends {
                None => self.events.recv().await?,
                Some((first, last)) => {
                    let at = (last + QUIET).min(first + LONGEST_BATCH);
                    match tokio::time::timeout_at(at.into(), self.events.recv()).await {
                        Ok(Some(event)) => event,
                        Ok(None) | Err(_) => break,
                    }
                }
            };
            match event {
                Ok(event) if event.need_rescan() => lost = Some("the system dropped events".into()),
                Ok(event) if is_edit(&event.kind) => {
                    let mut app_paths = event
                        .paths
                        .into_iter()
                        .filter(|path| sync::is_app_path(&self.dir, path))
                        .peekable();
                    // Not the app's (the sync state this process writes).
                    if app_paths.peek().is_none() {
                        continue;
                    }
                    edited.extend(app_paths);
                }
                Ok(_) => continue,
                Err(e) => lost = Some(e.to_string()),
            }
            let now = Instant::now();
            ends = Some((ends.map_or(now, |(first, _)| first), now));
        }
        Some(match lost {
            Some(why) => Batch::Lost(why),
            None => Batch::Edited(edited.into_iter().collect()),
        })
    }
}

/// Whether an event can change what a push sends. Opening a file is not:
/// inotify reports every open, the push's own reads included, and
/// following those would read the folder again and again.
fn is_edit(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(access) => *access == AccessKind::Close(AccessMode::Write),
        _ => true,
    }
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
        // A save that left the files as they were (touched, or saved
        // unchanged) is not worth a line in the terminal.
        Some(paths) => match sync::changes_at(dir, &state, paths)? {
            edits if edits.is_empty() => return Ok(()),
            edits => edits,
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The paths of the next batch, which `what` makes.
    async fn edited(watch: &mut FolderWatch, what: &str) -> Vec<PathBuf> {
        let batch = tokio::time::timeout(Duration::from_secs(5), watch.next())
            .await
            .unwrap_or_else(|_| panic!("{what} is seen"))
            .unwrap();
        match batch {
            Batch::Edited(paths) => paths,
            Batch::Lost(why) => panic!("events lost: {why}"),
        }
    }

    /// A push reads the files it was told of; the watcher must not take
    /// those reads for edits (it did: `appbox dev` then read and reported
    /// "Nothing to push" in a loop, a core busy for nothing), while an
    /// editor's save, a deleted file and a new folder are one batch each.
    #[tokio::test]
    async fn reading_a_file_is_no_edit_and_a_save_is_one_batch() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().canonicalize().unwrap();
        let page = dir.join("src/pages/Home.tsx");
        std::fs::create_dir_all(page.parent().unwrap()).unwrap();
        std::fs::write(&page, "export default 1;\n").unwrap();
        let mut watch = FolderWatch::new(&dir).unwrap();
        let quiet = Duration::from_millis(300);

        std::fs::read_to_string(&page).unwrap();
        std::fs::write(dir.join(sync::NOTES_FILE), "not the app's").unwrap();
        assert!(
            tokio::time::timeout(quiet, watch.next()).await.is_err(),
            "a read or a file outside the app is no edit"
        );

        // As editors save: a hidden file renamed over the old one.
        let hidden = dir.join("src/pages/.Home.tsx.swp");
        std::fs::write(&hidden, "export default 2;\n").unwrap();
        std::fs::rename(&hidden, &page).unwrap();
        let paths = edited(&mut watch, "a save").await;
        assert!(paths.contains(&page), "{paths:?}");
        assert!(tokio::time::timeout(quiet, watch.next()).await.is_err());

        std::fs::remove_file(&page).unwrap();
        let paths = edited(&mut watch, "a deletion").await;
        assert!(
            !paths.is_empty() && paths.iter().all(|path| *path == page),
            "{paths:?}"
        );

        // A new folder with a file (the push reads the folder named).
        let widgets = dir.join("src/widgets");
        std::fs::create_dir(&widgets).unwrap();
        std::fs::write(widgets.join("Chart.tsx"), "export default 3;\n").unwrap();
        let paths = edited(&mut watch, "a new folder").await;
        assert!(paths.contains(&widgets), "{paths:?}");
    }
}
