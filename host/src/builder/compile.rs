//! Compiling apps for the compile API (spec 001 §6): the app's files plus the
//! host's SDK go through `appbox_compiler`, off the async executor, at most
//! one compile per core at a time, with three caches: the last version's
//! files of recently written or compiled apps (so the compile after a write
//! reads nothing from the database), compiled modules (so a one-file edit
//! recompiles one module) and whole results by content hash.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use appbox_compiler::{compile, CompileOptions, Diagnostic, ModuleCache, ModuleTable, Timings};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::builder::apps::{self, AppsError, VersionFiles};
use crate::builder::vfs::Files;
use crate::db::Db;

/// Whole results kept, newest first.
const RESULT_CACHE_ENTRIES: usize = 64;
/// Apps whose last compiled version's files are kept, and the bytes of
/// content they may hold together (an app holds up to 500 MiB, spec 001 §20).
const SOURCE_CACHE_APPS: usize = 32;
const SOURCE_CACHE_BYTES: usize = 64 << 20;
/// The compile limit of spec 001 §20.4.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);

/// A compile error or warning with its place, as the compile API answers
/// it and the dev page's overlay shows it.
#[derive(Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Problem {
    pub file: Option<String>,
    /// 1-based; 0 when the problem is not in one file.
    pub line: u32,
    /// 0-based, in characters.
    pub column: u32,
    pub message: String,
}

impl From<&Diagnostic> for Problem {
    fn from(d: &Diagnostic) -> Problem {
        let location = d.location.as_ref();
        Problem {
            file: location.map(|l| l.file.clone()),
            line: location.map_or(0, |l| l.line),
            column: location.map_or(0, |l| l.column),
            message: d.message.clone(),
        }
    }
}

/// What a compile produced; errors are part of the outcome, not a failure.
#[derive(Debug)]
pub enum Outcome {
    Success {
        bundle_js: String,
        css: String,
        warnings: Vec<Diagnostic>,
        /// Where each module is in `bundle_js` (for dev pages' hot updates).
        table: ModuleTable,
    },
    Failure {
        errors: Vec<Diagnostic>,
    },
}

/// One compile's result and how it was obtained.
pub struct Compiled {
    pub outcome: Arc<Outcome>,
    pub duration: Duration,
    pub cached: bool,
    /// Where the time went: hashing the content, then (when it compiled)
    /// the compiler's own steps.
    pub timings: Vec<(&'static str, Duration)>,
}

/// Outcomes by content key, and the keys oldest first (for eviction).
type ResultCache = (HashMap<String, Arc<Outcome>>, VecDeque<String>);

/// The last version read of each app (by app id), oldest use first.
#[derive(Default)]
struct SourceCache {
    apps: VecDeque<(uuid::Uuid, Arc<VersionFiles>, usize)>,
    bytes: usize,
}

impl SourceCache {
    /// The app's kept files, which become the last used.
    fn get(&mut self, app: uuid::Uuid) -> Option<Arc<VersionFiles>> {
        let at = self.apps.iter().position(|(id, _, _)| *id == app)?;
        let hit = self.apps.remove(at)?;
        let files = hit.1.clone();
        self.apps.push_back(hit);
        Some(files)
    }

    fn put(&mut self, app: uuid::Uuid, files: Arc<VersionFiles>) {
        self.remove(app);
        let bytes = files.files.iter().map(|(p, c)| p.len() + c.len()).sum();
        if bytes > SOURCE_CACHE_BYTES {
            return;
        }
        self.apps.push_back((app, files, bytes));
        self.bytes += bytes;
        while self.apps.len() > SOURCE_CACHE_APPS || self.bytes > SOURCE_CACHE_BYTES {
            if let Some((_, _, old)) = self.apps.pop_front() {
                self.bytes -= old;
            }
        }
    }

    fn remove(&mut self, app: uuid::Uuid) {
        if let Some(i) = self.apps.iter().position(|(id, _, _)| *id == app) {
            if let Some((_, _, bytes)) = self.apps.remove(i) {
                self.bytes -= bytes;
            }
        }
    }
}

pub struct CompileService {
    sources: Mutex<SourceCache>,
    modules: Arc<ModuleCache>,
    results: Mutex<ResultCache>,
    permits: Semaphore,
}

impl Default for CompileService {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        CompileService {
            sources: Mutex::default(),
            modules: Arc::default(),
            results: Mutex::default(),
            permits: Semaphore::new(cores),
        }
    }
}

/// How an app is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Minified: what end users get, and the compile API by default.
    Minified,
    /// Readable, with an inline source map (`?dev=true`, the dev page).
    Dev,
    /// Readable, without the map: what a dev page's event stream compiles
    /// to find the modules an edit changed (a hot update carries no map).
    DevUpdate,
}

impl Mode {
    fn options(self) -> CompileOptions {
        CompileOptions {
            dev: self != Mode::Minified,
            source_map: self == Mode::Dev,
            time_limit: TIME_LIMIT,
        }
    }
}

/// Why work [`off_executor`] ran gave no answer.
enum Stopped {
    Panicked,
    TooLong,
}

/// Runs CPU-bound compiler work on a blocking thread, not the executor.
/// The compiler stops itself at the limit; the timeout here is the
/// backstop. A panic is logged.
async fn off_executor<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Stopped> {
    let task = tokio::task::spawn_blocking(work);
    match tokio::time::timeout(TIME_LIMIT + Duration::from_secs(5), task).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(join_error)) => {
            tracing::error!(error = %join_error, "the compiler panicked");
            Err(Stopped::Panicked)
        }
        Err(_) => Err(Stopped::TooLong),
    }
}

/// Counts a compile that ran, and how long it took, in the metrics.
fn record(outcome: &Outcome, started: Instant) {
    let result = if matches!(outcome, Outcome::Success { .. }) {
        "success"
    } else {
        "failure"
    };
    metrics::counter!("appbox_compiles_total", "result" => result).increment(1);
    metrics::histogram!("appbox_compile_duration_seconds").record(started.elapsed().as_secs_f64());
}

/// A key for the app's exact content and options. The app's files count by
/// their manifest's blob hashes (SHA-256 of each file, taken when it was
/// written), so a compile hashes a few kilobytes, not the app's megabytes
/// (a 3.6 MB app: ~2.8 ms per compile request); the SDK files are small
/// and hashed whole.
fn content_key(manifest: &BTreeMap<String, String>, injected: &Files, mode: Mode) -> String {
    let mut hasher = Sha256::new();
    hasher.update([mode as u8]);
    let blobs = manifest.iter().map(|(path, blob)| (b'a', path, blob));
    let sdk = injected.iter().map(|(path, content)| (b'h', path, content));
    for (set, path, text) in blobs.chain(sdk) {
        hasher.update([set]);
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    hex::encode(hasher.finalize())
}

impl CompileService {
    /// The files of `version` of an app, with its manifest (the caller
    /// found the app in the caller's tenant): the kept files when the
    /// version is the one read last, else read from the database, reusing
    /// the kept files' blobs. Versions never change, so a kept version is
    /// always right.
    pub async fn version(
        &self,
        db: &Db,
        app: uuid::Uuid,
        version: i64,
    ) -> Result<Arc<VersionFiles>, AppsError> {
        let known = self.kept(app);
        if let Some(known) = known.as_ref().filter(|k| k.version == version) {
            return Ok(known.clone());
        }
        let read = Arc::new(apps::read_files_reusing(db, app, version, known.as_deref()).await?);
        self.keep(app, read.clone());
        Ok(read)
    }

    /// Keeps `files` (a version just read or written) as the app's.
    pub fn keep(&self, app: uuid::Uuid, files: Arc<VersionFiles>) {
        if let Ok(mut sources) = self.sources.lock() {
            sources.put(app, files);
        }
    }

    /// The app's kept files (of the version compiled or read last), if any.
    pub fn kept(&self, app: uuid::Uuid) -> Option<Arc<VersionFiles>> {
        self.sources.lock().ok()?.get(app)
    }

    /// Compiles `app` (a version of the app's own files) with `injected`
    /// (the SDK).
    pub async fn compile(&self, app: Arc<VersionFiles>, injected: Files, mode: Mode) -> Compiled {
        let started = Instant::now();
        // A dev update is asked for by the streams of one app's open dev
        // pages right after an edit, never again: its outcome (a dev bundle,
        // megabytes for a large app) would only push others out of the
        // whole-result cache (the module cache still makes it an edit's
        // work).
        let key = (mode != Mode::DevUpdate).then(|| content_key(&app.manifest, &injected, mode));
        let mut timings = vec![("hash", started.elapsed())];
        if let Some(outcome) = key.as_ref().and_then(|key| self.cached(key)) {
            return Compiled {
                outcome,
                duration: started.elapsed(),
                cached: true,
                timings,
            };
        }
        let (outcome, compiler) = match self.permits.acquire().await {
            Ok(_permit) => self.run(app.files.clone(), injected, mode).await,
            Err(_) => (
                Outcome::Failure {
                    errors: vec![Diagnostic::error("The compiler is shutting down", None)],
                },
                Timings::default(),
            ),
        };
        timings.extend(compiler.steps);
        let outcome = Arc::new(outcome);
        if let Some(key) = key {
            self.remember(key, outcome.clone());
        }
        record(&outcome, started);
        Compiled {
            outcome,
            duration: started.elapsed(),
            cached: false,
            timings,
        }
    }

    /// A dev page's build `before` after an edit that changed only the
    /// texts of `edited` (path → new text; every file whose text changed,
    /// none added or removed), made by compiling those modules alone, when
    /// that gives what a whole compile gives (`appbox_compiler::recompile_dev`);
    /// `None`: compile the app.
    pub async fn recompile_dev(&self, before: Arc<Outcome>, edited: Files) -> Option<Compiled> {
        let started = Instant::now();
        if edited.is_empty() {
            // A write that changed no file's text: the page's build it is.
            return Some(Compiled {
                outcome: before,
                duration: started.elapsed(),
                cached: true,
                timings: Vec::new(),
            });
        }
        let _permit = self.permits.acquire().await.ok()?;
        let modules = self.modules.clone();
        let recompiled = off_executor(move || {
            let Outcome::Success {
                bundle_js,
                css,
                warnings,
                table,
            } = &*before
            else {
                return None;
            };
            let options = Mode::DevUpdate.options();
            let recompiled =
                appbox_compiler::recompile_dev(bundle_js, table, &edited, &options, &modules)?;
            let edited_file = |d: &Diagnostic| {
                d.location
                    .as_ref()
                    .is_some_and(|at| edited.contains_key(&at.file))
            };
            let mut warnings: Vec<Diagnostic> = warnings
                .iter()
                .filter(|d| !edited_file(d))
                .cloned()
                .collect();
            warnings.extend(recompiled.warnings);
            let outcome = Outcome::Success {
                bundle_js: recompiled.bundle_js,
                css: css.clone(),
                warnings,
                table: recompiled.table,
            };
            Some((outcome, recompiled.timings.steps))
        })
        .await;
        let (outcome, timings) = recompiled.ok()??;
        let outcome = Arc::new(outcome);
        record(&outcome, started);
        Some(Compiled {
            outcome,
            duration: started.elapsed(),
            cached: false,
            timings,
        })
    }

    async fn run(&self, files: Arc<Files>, injected: Files, mode: Mode) -> (Outcome, Timings) {
        let modules = self.modules.clone();
        let options = mode.options();
        let compiled = off_executor(move || compile(&files, &injected, &options, &modules)).await;
        let outcome = match compiled {
            Ok(Ok(output)) => {
                return (
                    Outcome::Success {
                        bundle_js: output.bundle_js,
                        css: output.css,
                        warnings: output.warnings,
                        table: output.table,
                    },
                    output.timings,
                )
            }
            Ok(Err(errors)) => Outcome::Failure { errors },
            Err(Stopped::Panicked) => Outcome::Failure {
                errors: vec![Diagnostic::error(
                    "Internal compiler error; the server log has details",
                    None,
                )],
            },
            Err(Stopped::TooLong) => Outcome::Failure {
                errors: vec![Diagnostic::error(
                    format!(
                        "The compile took longer than the {} s limit and was stopped",
                        TIME_LIMIT.as_secs()
                    ),
                    None,
                )],
            },
        };
        (outcome, Timings::default())
    }

    fn cached(&self, key: &str) -> Option<Arc<Outcome>> {
        self.results.lock().ok()?.0.get(key).cloned()
    }

    fn remember(&self, key: String, outcome: Arc<Outcome>) {
        if let Ok(mut guard) = self.results.lock() {
            let (map, order) = &mut *guard;
            if map.insert(key.clone(), outcome).is_none() {
                order.push_back(key);
            }
            while order.len() > RESULT_CACHE_ENTRIES {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
        }
    }
}

/// Text written inside an HTML `<script>` or `<style>` element, made safe
/// there: `</element`, in any case (HTML's end tags ignore it), cannot end
/// it. Only the slash is escaped, so the text keeps its value in JS and CSS.
struct RawText<'a>(&'a str, &'static str);

impl fmt::Display for RawText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let RawText(mut text, element) = *self;
        while let Some(i) = end_tag(text, element) {
            write!(f, "{}<\\/", &text[..i])?;
            text = &text[i + 2..];
        }
        f.write_str(text)
    }
}

/// Where `text` says `</element`, in any case, first.
fn end_tag(text: &str, element: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memmem::find_iter(bytes, b"</").find(|&i| {
        bytes
            .get(i + 2..i + 2 + element.len())
            .is_some_and(|name| name.eq_ignore_ascii_case(element.as_bytes()))
    })
}

/// The page that runs a compiled app (the compile API's preview): the
/// runtime element with the app's CSS inline, the runtime script, then the
/// bundle, which the runtime mounts in its Shadow DOM (spec 001 §11).
/// Written where it goes (serialised as a JSON string, it is escaped as it
/// is written, without building the page first).
pub struct AppPage<'a> {
    pub name: &'a str,
    pub app_id: &'a str,
    pub slug: &'a str,
    pub css: &'a str,
    pub bundle_js: &'a str,
}

/// The end of an [`AppPage`], after its bundle.
const PAGE_END: &str = "\n</script>\n</body>\n</html>\n";

impl fmt::Display for AppPage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_start(f)?;
        write!(f, "{}{PAGE_END}", RawText(self.bundle_js, "script"))
    }
}

impl AppPage<'_> {
    /// Whether the page holds the bundle as it is (it never says
    /// `</script`), so that one JSON escape of it serves both of the compile
    /// answer's copies ([`AppPage::write_json`]).
    pub fn holds_bundle_as_is(&self) -> bool {
        end_tag(self.bundle_js, "script").is_none()
    }

    /// The page as a JSON string, around its bundle: `"start` and `end"`,
    /// which joined with the bundle's own JSON escape between them (its
    /// quotes left off) make the page's (JSON escapes each character on its
    /// own). Only for a page that [holds the bundle as it
    /// is](AppPage::holds_bundle_as_is).
    pub fn json_around_bundle(&self) -> serde_json::Result<(String, String)> {
        let mut start = String::new();
        self.write_start(&mut start)
            .map_err(serde::ser::Error::custom)?;
        let mut start = serde_json::to_string(&start)?;
        start.pop();
        let mut end = serde_json::to_string(PAGE_END)?;
        end.remove(0);
        Ok((start, end))
    }

    /// The page up to its bundle.
    fn write_start(&self, f: &mut impl fmt::Write) -> fmt::Result {
        let json = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
        let (app_id, slug) = (json(self.app_id), json(self.slug));
        write!(
            f,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
             <style>html,body{{margin:0;height:100%}}</style>\n</head>\n<body>\n\
             <script>window.__API_BASE__ = \"/api/v1\"; window.__APP_ID__ = {}; window.__APP_SLUG__ = {}; window.__APP_TOKEN__ = window.__APP_TOKEN__ || \"\";</script>\n\
             <custom-app-runtime app-id={app_id} app-slug={slug}><template data-appbox-app-css><style>\n{}\n</style></template></custom-app-runtime>\n\
             <script src=\"{}\"></script>\n\
             <script data-appbox-app-bundle>\n",
            super::assets::escape_html(self.name),
            RawText(&app_id, "script"),
            RawText(&slug, "script"),
            RawText(self.css, "style"),
            super::assets::runtime_url(),
        )
    }
}

impl Serialize for AppPage<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// [`AppPage`] as a string.
pub fn app_page(name: &str, app_id: &str, slug: &str, css: &str, bundle_js: &str) -> String {
    AppPage {
        name,
        app_id,
        slug,
        css,
        bundle_js,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_cannot_end_the_script_element() {
        let page = app_page(
            "<b>Shop</b>",
            "id",
            "abc",
            "a{}",
            "console.log('</script><script>alert(1)</script>')",
        );
        assert_eq!(page.matches("</script>").count(), 3, "{page}");
        assert!(page.contains("<title>&lt;b&gt;Shop&lt;/b&gt;</title>"));
    }

    #[test]
    fn the_page_is_serialised_as_the_string_it_writes() {
        let page = AppPage {
            name: "Shop \"1\"",
            app_id: "id",
            slug: "shop",
            css: "a{content:\"</style>\"}",
            bundle_js: "x(\"</script>\\n\u{2028}\t\", '</scrip', \"</SCRIPT\")",
        };
        let text = page.to_string();
        assert_eq!(text.matches("</script>").count(), 3, "{text}");
        assert_eq!(text.matches("</style>").count(), 2, "{text}");
        assert!(
            !text.contains("</SCRIPT") && text.contains("<\\/SCRIPT"),
            "an end tag in any case is escaped, its text kept: {text}"
        );
        assert_eq!(
            serde_json::to_string(&page).expect("json"),
            serde_json::to_string(&text).expect("json")
        );
    }

    #[test]
    fn kept_files_go_least_recently_used_first() {
        let version = |n: i64| {
            Arc::new(VersionFiles {
                version: n,
                manifest: Default::default(),
                files: Arc::new([("src/main.tsx".to_string(), "x".to_string())].into()),
            })
        };
        let mut cache = SourceCache::default();
        let apps: Vec<uuid::Uuid> = (0..SOURCE_CACHE_APPS)
            .map(|_| uuid::Uuid::new_v4())
            .collect();
        for (n, app) in apps.iter().enumerate() {
            cache.put(*app, version(n as i64));
        }
        assert_eq!(cache.get(apps[0]).map(|v| v.version), Some(0));
        cache.put(uuid::Uuid::new_v4(), version(99));
        assert!(cache.get(apps[0]).is_some(), "used last: kept");
        assert!(cache.get(apps[1]).is_none(), "used least recently: gone");
    }

    #[test]
    fn content_keys_change_with_any_byte_and_the_mode() {
        let files: Files = [("src/main.tsx".to_string(), "a".to_string())].into();
        let other: Files = [("src/main.tsx".to_string(), "b".to_string())].into();
        let none = Files::new();
        assert_ne!(
            content_key(&files, &none, Mode::Minified),
            content_key(&other, &none, Mode::Minified)
        );
        let modes = [Mode::Minified, Mode::Dev, Mode::DevUpdate];
        for (i, a) in modes.iter().enumerate() {
            for b in &modes[i + 1..] {
                assert_ne!(
                    content_key(&files, &none, *a),
                    content_key(&files, &none, *b)
                );
            }
        }
        assert_eq!(
            content_key(&files, &none, Mode::Dev),
            content_key(&files, &none, Mode::Dev)
        );
    }
}
