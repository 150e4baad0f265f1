//! Dev mode (issue 13): the builder's working copy, compiled in dev mode,
//! live in the browser. `appbox dev` pushes each saved file; every write of
//! an app's files rings the app's bell here ([`DevHub::changed`]); each open
//! dev page listens on a server-sent event stream that recompiles and says
//! what the page must do ([`step`]): run the changed modules again in place
//! (a hot update), swap the CSS in place, reload when the import graph
//! changed, show a compile error, or hide it.
//!
//! Only builders of the app's tenant reach it (`api/dev.rs`), with a ticket
//! that only the dev page (a top-level navigation) carries, and a bounded
//! number of streams per app and per user. Nothing here touches what end
//! users get: the published build and its page are `serving::runtime`'s.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use tokio::sync::watch;
use uuid::Uuid;

use super::apps::VersionFiles;
use super::assets::short_hash;
use super::compile::{Outcome, Problem};
use super::vfs::Files;

/// Event streams one user may hold open on one app (tabs of the dev page).
pub const STREAMS_PER_USER_AND_APP: usize = 8;
/// Event streams all users together may hold open on one app.
pub const STREAMS_PER_APP: usize = 32;

/// The dev page's script, inlined into the page only (never into the
/// published runtime).
pub const DEV_CLIENT_JS: &str = include_str!("dev_client.js");

#[derive(Debug, thiserror::Error)]
pub enum DevError {
    #[error("Too many open dev pages of this app ({0} at most): close some tabs of the dev page and reload")]
    TooManyStreams(usize),
}

/// The open streams of one app, and the bell its writes ring.
struct AppStreams {
    bell: watch::Sender<u64>,
    per_user: HashMap<Uuid, usize>,
    total: usize,
}

/// Dev-mode streams of every app, in this process.
pub struct DevHub {
    apps: Arc<Mutex<HashMap<Uuid, AppStreams>>>,
    /// Signs tickets; new at each start, so a ticket dies with the process.
    key: [u8; 32],
}

impl Default for DevHub {
    fn default() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        DevHub {
            apps: Arc::default(),
            key,
        }
    }
}

/// An open stream: counts against the limits until dropped.
pub struct Listener {
    pub bell: watch::Receiver<u64>,
    apps: Arc<Mutex<HashMap<Uuid, AppStreams>>>,
    app: Uuid,
    user: Uuid,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let Ok(mut apps) = self.apps.lock() else {
            return;
        };
        if let Some(streams) = apps.get_mut(&self.app) {
            streams.total -= 1;
            if let Some(count) = streams.per_user.get_mut(&self.user) {
                *count -= 1;
                if *count == 0 {
                    streams.per_user.remove(&self.user);
                }
            }
            if streams.total == 0 {
                apps.remove(&self.app);
            }
        }
    }
}

impl DevHub {
    /// The app's files changed: every open stream of it recompiles.
    pub fn changed(&self, app: Uuid) {
        if let Ok(apps) = self.apps.lock() {
            if let Some(streams) = apps.get(&app) {
                streams.bell.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
    }

    /// Opens a stream of `app` for `user`, within the limits.
    pub fn listen(&self, app: Uuid, user: Uuid) -> Result<Listener, DevError> {
        let mut apps = self.apps.lock().unwrap_or_else(|e| e.into_inner());
        let streams = apps.entry(app).or_insert_with(|| AppStreams {
            bell: watch::channel(0).0,
            per_user: HashMap::new(),
            total: 0,
        });
        let mine = streams.per_user.get(&user).copied().unwrap_or(0);
        if mine >= STREAMS_PER_USER_AND_APP {
            return Err(DevError::TooManyStreams(STREAMS_PER_USER_AND_APP));
        }
        if streams.total >= STREAMS_PER_APP {
            return Err(DevError::TooManyStreams(STREAMS_PER_APP));
        }
        streams.total += 1;
        *streams.per_user.entry(user).or_default() += 1;
        let mut bell = streams.bell.subscribe();
        bell.mark_unchanged();
        Ok(Listener {
            bell,
            apps: self.apps.clone(),
            app,
            user,
        })
    }

    /// The ticket the dev page of `app` carries for `user`: the event
    /// stream wants it besides the session cookie, so another app's script
    /// on this origin (which sends the same cookie) cannot open the stream.
    pub fn ticket(&self, app: Uuid, user: Uuid) -> String {
        hex::encode(self.mac(app, user).finalize().into_bytes())
    }

    /// Whether `ticket` is `user`'s ticket for `app` (in constant time).
    pub fn ticket_ok(&self, app: Uuid, user: Uuid, ticket: &str) -> bool {
        hex::decode(ticket).is_ok_and(|bytes| self.mac(app, user).verify_slice(&bytes).is_ok())
    }

    fn mac(&self, app: Uuid, user: Uuid) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(b"appbox dev ticket\0");
        mac.update(app.as_bytes());
        mac.update(user.as_bytes());
        mac
    }
}

/// What a dev page shows: the hashes of its JS and CSS (empty when the
/// page was served while the app did not compile), whether it shows a
/// compile error, and the build its JS came from when known (a hot update
/// is the difference between that build and the next; the JS's hash is
/// compared only while the build is not known).
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub js: String,
    pub css: String,
    pub error: bool,
    pub build: Option<Arc<Outcome>>,
}

impl PartialEq for Seen {
    fn eq(&self, other: &Seen) -> bool {
        (&self.js, &self.css, self.error) == (&other.js, &other.css, other.error)
    }
}

impl Seen {
    /// What a page built from `outcome` shows.
    pub fn of(outcome: &Arc<Outcome>) -> Seen {
        Seen {
            js: js_hash(outcome),
            ..Seen::followed(outcome)
        }
    }

    /// What a page shows once it followed the events of `outcome`: the
    /// stream knows its build and compares the next module by module, so
    /// the JS's hash (3.5 MB of a large app's code) is not taken.
    fn followed(outcome: &Arc<Outcome>) -> Seen {
        match &**outcome {
            Outcome::Success { css, .. } => Seen {
                js: String::new(),
                css: short_hash(css.as_bytes()),
                error: false,
                build: Some(outcome.clone()),
            },
            Outcome::Failure { .. } => Seen::default(),
        }
    }
}

/// What a build was made of: the app version's manifest (path → blob hash)
/// and the SDK files.
pub struct Basis {
    manifest: BTreeMap<String, String>,
    sdk: Files,
}

impl Basis {
    pub fn of(files: &VersionFiles, sdk: Files) -> Basis {
        Basis {
            manifest: files.manifest.clone(),
            sdk,
        }
    }

    /// The files whose text differs in `files` and `sdk` (path → new
    /// text), if no path was added or removed: an edit a dev page's build
    /// may follow by compiling those alone. App files compare by their
    /// blobs' hashes (not by their megabytes of text); an app file the SDK
    /// overrides is no edit.
    pub fn edited(&self, files: &VersionFiles, sdk: &Files) -> Option<Files> {
        if self.manifest.len() != files.manifest.len() || self.sdk.len() != sdk.len() {
            return None;
        }
        let mut edited = Files::new();
        for ((path, hash), (old_path, old_hash)) in files.manifest.iter().zip(&self.manifest) {
            if path != old_path {
                return None;
            }
            if hash != old_hash && !sdk.contains_key(path) {
                edited.insert(path.clone(), files.files.get(path)?.clone());
            }
        }
        for ((path, text), (old_path, old_text)) in sdk.iter().zip(&self.sdk) {
            if path != old_path {
                return None;
            }
            if text != old_text {
                edited.insert(path.clone(), text.clone());
            }
        }
        Some(edited)
    }
}

/// The hash of a build's code (empty for a failed compile).
fn js_hash(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Success { bundle_js, .. } => short_hash(code_of(bundle_js).as_bytes()),
        Outcome::Failure { .. } => String::new(),
    }
}

/// A dev bundle's code: without the inline source map that ends a page's
/// bundle (the stream compiles without it, `Mode::DevUpdate`), so the page
/// and the stream hash the same code the same.
fn code_of(bundle_js: &str) -> &str {
    const MAP: &str = "//# sourceMappingURL=data:application/json;base64,";
    let last_line = bundle_js
        .trim_end_matches('\n')
        .rfind('\n')
        .map_or(0, |end| end + 1);
    if bundle_js[last_line..].starts_with(MAP) {
        &bundle_js[..last_line]
    } else {
        bundle_js
    }
}

/// One module's new table entry (see `appbox_compiler::ModuleTable`).
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
pub struct HotModule {
    pub index: usize,
    pub path: String,
    pub entry: String,
}

/// What a dev page must do next.
#[derive(Debug, PartialEq, Eq)]
pub enum DevEvent {
    /// Modules changed, the import graph did not: run these again in place.
    Modules(Vec<HotModule>),
    /// The import graph changed: load the page again.
    Reload,
    /// Only the CSS changed: this is the new CSS, swap it in place.
    Css(String),
    /// The app does not compile: show these errors (`text` as esbuild
    /// prints them, with code frames).
    CompileError { text: String, errors: Vec<Problem> },
    /// It compiles again with the same JS: hide the errors.
    Fixed,
}

impl DevEvent {
    /// The event's name on the stream.
    pub fn name(&self) -> &'static str {
        match self {
            DevEvent::Modules(_) => "modules",
            DevEvent::Reload => "reload",
            DevEvent::Css(_) => "css",
            DevEvent::CompileError { .. } => "compile-error",
            DevEvent::Fixed => "fixed",
        }
    }

    /// The event's data, as JSON.
    pub fn data(&self) -> serde_json::Value {
        match self {
            DevEvent::Reload | DevEvent::Fixed => serde_json::Value::Null,
            DevEvent::Modules(modules) => serde_json::json!({ "modules": modules }),
            DevEvent::Css(css) => serde_json::json!({ "css": css }),
            DevEvent::CompileError { text, errors } => {
                serde_json::json!({ "text": text, "errors": errors })
            }
        }
    }
}

/// What a page that shows `seen` must do after a compile with `outcome`;
/// `seen` becomes what it shows then.
pub fn step(seen: &mut Seen, outcome: &Arc<Outcome>) -> Vec<DevEvent> {
    let css = match &**outcome {
        Outcome::Success { css, .. } => css,
        Outcome::Failure { errors } => {
            seen.error = true;
            return vec![DevEvent::CompileError {
                text: appbox_compiler::diagnostic::render_all(errors),
                errors: errors.iter().map(Problem::from).collect(),
            }];
        }
    };
    let js = match seen.build.as_deref() {
        Some(before) => hot_update(before, outcome),
        // Only the page's hashes are known.
        None if js_hash(outcome) == seen.js => Some(Vec::new()),
        None => None,
    };
    let now = Seen::followed(outcome);
    let mut events = Vec::new();
    match js {
        Some(modules) if modules.is_empty() => {}
        Some(modules) => events.push(DevEvent::Modules(modules)),
        None => {
            *seen = now;
            return vec![DevEvent::Reload];
        }
    }
    if now.css != seen.css {
        events.push(DevEvent::Css(css.clone()));
    }
    if seen.error {
        events.push(DevEvent::Fixed);
    }
    *seen = now;
    events
}

/// The modules of `now` that differ from `before`'s, when both compiled
/// with the same import graph; `None` when a reload is needed.
fn hot_update(before: &Outcome, now: &Outcome) -> Option<Vec<HotModule>> {
    let (
        Outcome::Success {
            bundle_js: old_js,
            table: old_table,
            ..
        },
        Outcome::Success {
            bundle_js, table, ..
        },
    ) = (before, now)
    else {
        return None;
    };
    let modules = table.hot_update(bundle_js, old_table, old_js)?;
    Some(
        modules
            .into_iter()
            .map(|m| HotModule {
                index: m.index,
                path: m.path.to_owned(),
                entry: m.entry.to_owned(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::vfs::files_of;
    use appbox_compiler::{Diagnostic, ModuleTable};

    /// A build of `modules` (path, table entry), with `css`.
    fn built(modules: &[(&str, &str)], css: &str) -> Arc<Outcome> {
        let mut bundle_js = String::from("var defs = [");
        let mut entries = Vec::new();
        for (path, entry) in modules {
            let start = bundle_js.len();
            bundle_js.push_str(entry);
            entries.push((path.to_string(), start..bundle_js.len()));
            bundle_js.push(',');
        }
        bundle_js.push_str("];\n");
        Arc::new(Outcome::Success {
            bundle_js,
            css: css.into(),
            warnings: Vec::new(),
            table: ModuleTable {
                entries,
                packages: vec!["react".into()],
                stylesheet: Vec::new(),
                links: Vec::new(),
            },
        })
    }

    fn broken() -> Arc<Outcome> {
        Arc::new(Outcome::Failure {
            errors: vec![Diagnostic::error("Expected \";\"", None)],
        })
    }

    const MAIN: (&str, &str) = ("src/main.tsx", "[function(){ main() }, [1]]");
    const PAGE: (&str, &str) = ("src/Page.tsx", "[function(){ page() }, []]");
    const PAGE_EDITED: (&str, &str) = ("src/Page.tsx", "[function(){ edited() }, []]");

    fn hot(index: usize, (path, entry): (&str, &str)) -> HotModule {
        HotModule {
            index,
            path: path.into(),
            entry: entry.into(),
        }
    }

    #[test]
    fn a_js_edit_is_a_hot_update_a_css_edit_a_swap_and_a_new_import_a_reload() {
        let mut seen = Seen::of(&built(&[MAIN, PAGE], "p{}"));
        assert_eq!(step(&mut seen, &built(&[MAIN, PAGE], "p{}")), vec![]);
        assert_eq!(
            step(&mut seen, &built(&[MAIN, PAGE], "p{color:red}")),
            vec![DevEvent::Css("p{color:red}".into())]
        );
        assert_eq!(
            step(&mut seen, &built(&[MAIN, PAGE_EDITED], "p{color:red}")),
            vec![DevEvent::Modules(vec![hot(1, PAGE_EDITED)])]
        );
        assert_eq!(
            step(
                &mut seen,
                &built(&[MAIN, PAGE, ("src/New.tsx", "[0,[]]")], "p{}")
            ),
            vec![DevEvent::Reload]
        );
        // The stream knows the new build.
        assert_eq!(
            step(
                &mut seen,
                &built(&[MAIN, PAGE, ("src/New.tsx", "[0,[]]")], "p{}")
            ),
            vec![]
        );
        // A page whose build the stream does not know (it only has the
        // page's hashes) loads again when the JS differs.
        let mut from_page = Seen {
            build: None,
            ..Seen::of(&built(&[MAIN, PAGE], "p{}"))
        };
        assert_eq!(step(&mut from_page, &built(&[MAIN, PAGE], "p{}")), vec![]);
        assert!(
            from_page.build.is_some(),
            "the stream now knows the page's build"
        );
        let mut stale = Seen {
            build: None,
            ..Seen::of(&built(&[MAIN, PAGE], "p{}"))
        };
        assert_eq!(
            step(&mut stale, &built(&[MAIN, PAGE_EDITED], "p{}")),
            vec![DevEvent::Reload]
        );
    }

    #[test]
    fn the_pages_build_with_its_source_map_is_the_streams_without() {
        let mapped = |outcome: Arc<Outcome>| {
            let Outcome::Success {
                bundle_js,
                css,
                warnings,
                table,
            } = Arc::into_inner(outcome).unwrap()
            else {
                unreachable!()
            };
            Arc::new(Outcome::Success {
                bundle_js: format!(
                    "{bundle_js}//# sourceMappingURL=data:application/json;base64,e30=\n"
                ),
                css,
                warnings,
                table,
            })
        };
        let mut page = Seen::of(&mapped(built(&[MAIN, PAGE], "p{}")));
        assert_eq!(page, Seen::of(&built(&[MAIN, PAGE], "p{}")));
        page.build = None;
        assert_eq!(step(&mut page, &built(&[MAIN, PAGE], "p{}")), vec![]);
        assert_ne!(
            Seen::of(&mapped(built(&[MAIN, PAGE], "p{}"))),
            Seen::of(&mapped(built(&[MAIN, PAGE_EDITED], "p{}")))
        );
    }

    #[test]
    fn an_error_shows_until_fixed_and_the_fix_is_a_hot_update() {
        let mut seen = Seen::of(&built(&[MAIN, PAGE], "p{}"));
        let events = step(&mut seen, &broken());
        assert!(
            matches!(&events[..], [DevEvent::CompileError { errors, .. }] if errors[0].message.contains("Expected")),
            "{events:?}"
        );
        assert_eq!(
            step(&mut seen, &built(&[MAIN, PAGE], "p{}")),
            vec![DevEvent::Fixed]
        );
        step(&mut seen, &broken());
        assert_eq!(
            step(&mut seen, &built(&[MAIN, PAGE_EDITED], "p{}")),
            vec![
                DevEvent::Modules(vec![hot(1, PAGE_EDITED)]),
                DevEvent::Fixed
            ]
        );
        // A page served while the app did not compile has nothing to keep.
        let mut empty = Seen::of(&broken());
        assert_eq!(
            step(&mut empty, &built(&[MAIN, PAGE], "")),
            vec![DevEvent::Reload]
        );
    }

    #[test]
    fn streams_are_bounded_per_user_and_released_when_dropped() {
        let hub = DevHub::default();
        let (app, user) = (Uuid::new_v4(), Uuid::new_v4());
        let open: Vec<Listener> = (0..STREAMS_PER_USER_AND_APP)
            .map(|_| hub.listen(app, user).expect("within the limit"))
            .collect();
        assert!(hub.listen(app, user).is_err());
        assert!(hub.listen(app, Uuid::new_v4()).is_ok());
        drop(open);
        assert!(hub.listen(app, user).is_ok());
        assert!(hub.apps.lock().unwrap().is_empty());
    }

    #[test]
    fn tickets_name_one_user_and_one_app() {
        let hub = DevHub::default();
        let (app, user) = (Uuid::new_v4(), Uuid::new_v4());
        let ticket = hub.ticket(app, user);
        assert!(hub.ticket_ok(app, user, &ticket));
        assert!(!hub.ticket_ok(Uuid::new_v4(), user, &ticket));
        assert!(!hub.ticket_ok(app, Uuid::new_v4(), &ticket));
        assert!(!hub.ticket_ok(app, user, "zz"));
        assert!(!DevHub::default().ticket_ok(app, user, &ticket));
    }

    #[tokio::test]
    async fn a_change_rings_the_apps_streams() {
        let hub = DevHub::default();
        let (app, user) = (Uuid::new_v4(), Uuid::new_v4());
        let mut listener = hub.listen(app, user).unwrap();
        hub.changed(Uuid::new_v4());
        assert!(!listener.bell.has_changed().unwrap());
        hub.changed(app);
        listener.bell.changed().await.unwrap();
    }

    /// A version of an app: (path, text, blob hash).
    fn version(app: &[(&str, &str, &str)]) -> VersionFiles {
        let hashes: Vec<(&str, &str)> = app.iter().map(|(p, _, h)| (*p, *h)).collect();
        let texts: Vec<(&str, &str)> = app.iter().map(|(p, t, _)| (*p, *t)).collect();
        VersionFiles {
            version: 1,
            manifest: files_of(&hashes),
            files: Arc::new(files_of(&texts)),
        }
    }

    #[test]
    fn an_edit_is_the_files_whose_text_changed_if_no_path_came_or_went() {
        let kit = files_of(&[("src/api.ts", "api"), ("src/db.json", "{}")]);
        let app = [("src/App.tsx", "a", "h1"), ("src/Page.tsx", "p", "h2")];
        let before = Basis::of(&version(&app), kit.clone());
        let edited = |app: &[(&str, &str, &str)], sdk: &Files| before.edited(&version(app), sdk);

        let page_edited = [("src/App.tsx", "a", "h1"), ("src/Page.tsx", "p2", "h3")];
        assert_eq!(
            edited(&page_edited, &kit),
            Some(Files::from([("src/Page.tsx".into(), "p2".into())]))
        );
        assert_eq!(edited(&app, &kit), Some(Files::new()));
        // The SDK's data files change with the app's tables.
        let tables = files_of(&[("src/api.ts", "api"), ("src/db.json", "{\"t\": 1}")]);
        assert_eq!(
            edited(&app, &tables),
            Some(Files::from([("src/db.json".into(), "{\"t\": 1}".into())]))
        );
        // An app file the SDK overrides is no edit.
        let overridden = [
            ("src/App.tsx", "a", "h1"),
            ("src/Page.tsx", "p", "h2"),
            ("src/api.ts", "x", "h5"),
        ];
        let with_own_api = Basis::of(
            &version(&[
                ("src/App.tsx", "a", "h1"),
                ("src/Page.tsx", "p", "h2"),
                ("src/api.ts", "y", "h6"),
            ]),
            kit.clone(),
        );
        assert_eq!(
            with_own_api.edited(&version(&overridden), &kit),
            Some(Files::new())
        );
        // A path added, removed or renamed moves the graph: compile it all.
        let added = [
            ("src/App.tsx", "a", "h1"),
            ("src/New.tsx", "n", "h4"),
            ("src/Page.tsx", "p", "h2"),
        ];
        assert_eq!(edited(&added, &kit), None);
        assert_eq!(edited(&app[..1], &kit), None);
        let renamed = [("src/App.tsx", "a", "h1"), ("src/Page2.tsx", "p", "h2")];
        assert_eq!(edited(&renamed, &kit), None);
        assert_eq!(edited(&app, &files_of(&[("src/api.ts", "api")])), None);
    }
}
