//! appbox's compiler: an app's VFS (path → text) to one JS bundle and one
//! CSS file, with swc and lightningcss.
//!
//! [`compile`] is the whole API. It is a function of its inputs: no I/O, no
//! HTTP, no global state. The only state is the [`ModuleCache`] the caller
//! passes in, which makes a recompile after a one-file edit redo that file
//! only.
//!
//! Pipeline:
//! 1. limits (500 files, 1 MB a file) and the entry `src/main.tsx`;
//! 2. every JS-like file is compiled on its own, in parallel ([`module`]):
//!    parse, strip types, JSX (automatic runtime), lower to ES2020, turn into
//!    a CommonJS function body, minify (release) or keep readable with a
//!    source map (dev);
//! 3. the import graph is walked from the entry ([`bundle::walk`]): every
//!    import resolved with esbuild's rules ([`resolve`]), every problem
//!    reported, CSS imports collected in order;
//! 4. the modules are joined into one script ([`bundle::link`]) and the CSS
//!    files into one stylesheet ([`css`]).
//!
//! Errors carry file, line, column and a code frame and print like esbuild's
//! ([`diagnostic`]). Invariant: this crate knows nothing of HTTP, databases or
//! the file system.

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod bundle;
pub mod css;
pub mod diagnostic;
mod jsx_tags;
mod lints;
mod module;
mod nesting;
pub mod resolve;
mod settled;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use diagnostic::{Diagnostic, Location, Severity};
use module::{
    compile_module, scan_module, Context, Loader, ModuleOptions, ModuleOutput, Parsed, Scan,
    StageTimes,
};

/// The file every app starts from.
pub const ENTRY: &str = "src/main.tsx";
/// Files an app may hold (spec 001 §20.4; NOTES #1).
pub const MAX_FILES: usize = 500;
/// Bytes a file may hold.
pub const MAX_FILE_BYTES: usize = 1_048_576;
/// Errors reported at most; the rest are counted in one more line.
pub const MAX_ERRORS: usize = 50;

/// How to compile.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// `true`: readable output with an inline source map. `false`: minified.
    pub dev: bool,
    /// Dev only: end the bundle with its inline source map. A dev page's
    /// hot updates carry no map, and joining a large app's (megabytes of
    /// base64) is most of an edit's link time, so the host skips it there.
    pub source_map: bool,
    /// A compile still running after this long is stopped with an error.
    pub time_limit: Duration,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            dev: false,
            source_map: true,
            time_limit: Duration::from_secs(30),
        }
    }
}

/// A successful compile.
#[derive(Debug, Clone)]
pub struct Output {
    pub bundle_js: String,
    pub css: String,
    /// Runtime pitfalls (spec 001 §10-§11), each with file and line.
    pub warnings: Vec<Diagnostic>,
    /// The bundle's module table.
    pub table: ModuleTable,
    /// Where the time went.
    pub timings: Timings,
}

/// Where each module's entry of the module table (`[factory, [targets]]`,
/// see `bundle.rs`) is in `bundle_js`, in table order, and the runtime
/// packages the table names. Two builds with the same paths and packages
/// differ only in the entries whose text differs: a dev bundle's page takes
/// those as a hot update (`globalThis.__APPBOX_HOT__.apply`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleTable {
    pub entries: Vec<(String, std::ops::Range<usize>)>,
    pub packages: Vec<String>,
    /// The app's files the stylesheet was made of (an edit of one changes
    /// the CSS, not the modules).
    pub stylesheet: Vec<String>,
    /// Dev builds: what each entry's targets depend on, in table order, so
    /// that an edit of a module's text alone replaces its entry alone
    /// ([`recompile_dev`]; the same with or without the source map, as the
    /// rest of the table is). Empty for minified builds.
    pub links: Vec<EntryLinks>,
}

/// What a dev table entry's targets (`[factory, [targets]]`) depend on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryLinks {
    /// Where the targets start, in bytes from the entry's start.
    pub targets_at: usize,
    /// The module's imports (specifier; whether of a stylesheet): with the
    /// app's paths unchanged, they decide its edges of the import graph.
    pub imports: Vec<(String, bool)>,
    /// What its code requires, in order (a type-only import is not
    /// required): one target each.
    pub requires: Vec<String>,
}

/// One module's new table entry, for a hot update of a dev page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotModule<'a> {
    /// Its index in the module table.
    pub index: usize,
    pub path: &'a str,
    /// The entry's source: `[factory, [targets]]`.
    pub entry: &'a str,
}

impl ModuleTable {
    /// The entries of `script` (built with this table) whose text differs
    /// from those of `before_script` (built with `before`): a page running
    /// the older build takes them as a hot update. `None` when the tables
    /// do not have the same modules in the same order and the same
    /// packages (an import added or removed): the page must load again.
    pub fn hot_update<'a>(
        &'a self,
        script: &'a str,
        before: &ModuleTable,
        before_script: &str,
    ) -> Option<Vec<HotModule<'a>>> {
        if self.packages != before.packages || self.entries.len() != before.entries.len() {
            return None;
        }
        let mut changed = Vec::new();
        for (index, ((path, range), (old_path, old_range))) in
            self.entries.iter().zip(&before.entries).enumerate()
        {
            if path != old_path {
                return None;
            }
            let entry = script.get(range.clone())?;
            if before_script.get(old_range.clone())? != entry {
                changed.push(HotModule { index, path, entry });
            }
        }
        Some(changed)
    }
}

/// Where a compile spent its time (read by the bench and the compile API's
/// `Server-Timing` header). Measuring costs a few clock reads per module.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Modules compiled this time (the others came from the cache).
    pub modules_compiled: usize,
    /// Each stage of a module's compile, summed over the modules compiled
    /// (CPU time: the modules compile on all cores at once).
    pub module_stages: Vec<(&'static str, Duration)>,
    /// Wall time of each step of the whole compile, in order.
    pub steps: Vec<(&'static str, Duration)>,
    /// The import graph, and what it tells each module, were the last
    /// compile's: no file's imports or exports changed, none was added or
    /// removed.
    pub graph_kept: bool,
}

/// Scanned and compiled modules kept between compiles, keyed by path,
/// options and content, so an unchanged module is never parsed twice; also
/// the last stylesheet and the last import graph of each mode. Shared by
/// threads.
#[derive(Default)]
pub struct ModuleCache {
    // foldhash, not std's SipHash: every compile looks up each module's key
    // (path and context, dozens of strings) twice; SipHash was ~7% of a
    // one-file edit of large. Its seed is random per map.
    entries: Mutex<foldhash::HashMap<CacheKey, CacheEntry>>,
    bytes: AtomicUsize,
    /// The last stylesheet, and what it was made of.
    css: Mutex<Option<LastCss>>,
    /// The last import graph of each mode (dev, minified), and what it was
    /// made of.
    graphs: Mutex<[Option<Arc<LastGraph>>; 2]>,
}

/// An import graph without errors, what it told each module's compile
/// ([`contexts`]), and what both were made of: which files exist (imports
/// resolve to them) and each file's scan (`None`: it did not parse). Both
/// are a function of these alone, so a compile whose files and scans match
/// them takes both as they are, whichever app it is.
struct LastGraph {
    paths: Vec<String>,
    scans: Vec<(String, Option<Arc<Scan>>)>,
    graph: bundle::Graph,
    contexts: HashMap<String, Arc<Context>>,
}

/// A stylesheet with its entries, its mode and the content hash of every
/// file its bundle read (an `@import` may name any file of the app).
struct LastCss {
    entries: Vec<String>,
    minify: bool,
    read: Vec<(String, u64)>,
    output: Arc<css::CssOutput>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    path: String,
    /// `None`: the module's scan (the same in every mode).
    options: Option<ModuleOptions>,
    content_hash: u64,
    /// Shared with the kept graph's and the job's (not copied per lookup).
    context: Arc<Context>,
}

struct CacheEntry {
    source: Arc<str>,
    value: Cached,
}

#[derive(Clone)]
enum Cached {
    Scan(Arc<Scan>),
    Module(Arc<ModuleOutput>),
}

/// The cache is cleared when the code it holds passes this size.
const CACHE_LIMIT_BYTES: usize = 256 * 1024 * 1024;

impl ModuleCache {
    pub fn new() -> ModuleCache {
        ModuleCache::default()
    }

    /// The hash a key of `source` carries: taken once per file and
    /// compile, for its scan's key and its module's. The text decides a hit
    /// (see [`ModuleCache::get`]); the seed, new in each process, keeps
    /// anyone from choosing sources whose keys collide.
    fn content_hash(source: &str) -> u64 {
        static SEED: std::sync::LazyLock<foldhash::quality::RandomState> =
            std::sync::LazyLock::new(foldhash::quality::RandomState::default);
        std::hash::BuildHasher::hash_one(&*SEED, source)
    }

    fn key(
        path: &str,
        content_hash: u64,
        options: Option<ModuleOptions>,
        context: Arc<Context>,
    ) -> CacheKey {
        CacheKey {
            path: path.to_owned(),
            options,
            content_hash,
            context,
        }
    }

    fn get(&self, key: &CacheKey, source: &str) -> Option<Cached> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        // The hash finds the entry; the text decides (no false hits).
        (*entry.source == *source).then(|| entry.value.clone())
    }

    fn get_module(&self, key: &CacheKey, source: &str) -> Option<Arc<ModuleOutput>> {
        match self.get(key, source)? {
            Cached::Module(output) => Some(output),
            Cached::Scan(_) => None,
        }
    }

    fn get_scan(&self, key: &CacheKey, source: &str) -> Option<Arc<Scan>> {
        match self.get(key, source)? {
            Cached::Scan(scan) => Some(scan),
            Cached::Module(_) => None,
        }
    }

    fn put(&self, key: CacheKey, source: &str, value: Cached) {
        let size = source.len()
            + match &value {
                // A dev module's map holds its source again.
                Cached::Module(output) => {
                    output.code.len() + output.source_map.as_ref().map_or(0, String::len)
                }
                Cached::Scan(_) => 0,
            };
        if let Ok(mut entries) = self.entries.lock() {
            if self.bytes.load(Ordering::Relaxed) + size > CACHE_LIMIT_BYTES {
                entries.clear();
                self.bytes.store(0, Ordering::Relaxed);
            }
            self.bytes.fetch_add(size, Ordering::Relaxed);
            entries.insert(
                key,
                CacheEntry {
                    source: source.into(),
                    value,
                },
            );
        }
    }

    /// Scans `source` (a miss of [`ModuleCache::get_scan`]) and keeps the
    /// scan under `key`; also the module parsed and the time it took.
    fn scan_and_keep(
        &self,
        key: CacheKey,
        path: &str,
        source: &str,
        loader: Loader,
    ) -> (ScanResult, Option<Parsed>, StageTimes) {
        let (scan, parsed, times) = scan_module(path, source, loader);
        let scan = scan.map(Arc::new);
        if let Ok(scan) = &scan {
            self.put(key, source, Cached::Scan(scan.clone()));
        }
        (scan, parsed, times)
    }

    /// Compiles `job` (a miss of [`ModuleCache::get_module`]) and keeps the
    /// module under `key`.
    fn compile_and_keep(
        &self,
        key: CacheKey,
        job: Job<'_>,
        options: ModuleOptions,
    ) -> ModuleResult {
        let result = compile_module(
            job.path,
            job.source,
            job.loader,
            options,
            &job.context,
            job.parsed,
        )
        .map(Arc::new);
        if let Ok(output) = &result {
            self.put(key, job.source, Cached::Module(output.clone()));
        }
        result
    }

    /// The app's stylesheet: the last one again if the entries, their order
    /// and the mode are the same and no file it read changed (an edit of a
    /// script).
    fn css(
        &self,
        entries: &[String],
        vfs: &Vfs<'_>,
        minify: bool,
    ) -> Result<Arc<css::CssOutput>, Vec<Diagnostic>> {
        let unchanged = |last: &&LastCss| {
            last.entries == entries
                && last.minify == minify
                && last.read.iter().all(|(path, hash)| {
                    vfs.get(path.as_str())
                        .is_some_and(|text| ModuleCache::content_hash(text) == *hash)
                })
        };
        if let Some(hit) = self
            .css
            .lock()
            .ok()
            .and_then(|last| last.as_ref().filter(unchanged).map(|l| l.output.clone()))
        {
            return Ok(hit);
        }
        let output = Arc::new(css::bundle_css(
            entries,
            &|path: &str| vfs.get(path).map(|text| text.to_string()),
            minify,
        )?);
        let read = output
            .files
            .iter()
            .filter_map(|path| {
                let text = vfs.get(path.as_str())?;
                Some((path.clone(), ModuleCache::content_hash(text)))
            })
            .collect();
        if let Ok(mut last) = self.css.lock() {
            *last = Some(LastCss {
                entries: entries.to_vec(),
                minify,
                read,
                output: output.clone(),
            });
        }
        Ok(output)
    }

    /// The last graph made in this mode, if `vfs` holds the same paths and
    /// every scan tells the graph what the last one's did (the same scan,
    /// or one of a text edited without touching its imports or exports).
    fn last_graph(&self, minify: bool, vfs: &Vfs<'_>, scans: &Scans) -> Option<Arc<LastGraph>> {
        let last = self.graphs.lock().ok()?[usize::from(minify)].clone()?;
        let same_scan = |last: &Option<Arc<Scan>>, now: &ScanResult| match (last, now) {
            (Some(last), Ok(now)) => Arc::ptr_eq(last, now) || last.same_shape(now),
            (None, Err(_)) => true,
            _ => false,
        };
        let same = last
            .paths
            .iter()
            .map(String::as_str)
            .eq(vfs.keys().copied())
            && last.scans.len() == scans.len()
            && last
                .scans
                .iter()
                .zip(scans)
                .all(|((path, last), (now_path, now))| path == now_path && same_scan(last, now));
        same.then_some(last)
    }

    /// Keeps `graph` and `contexts`, made of `vfs` and `scans`, as the last
    /// of this mode; returns them.
    fn keep_graph(
        &self,
        minify: bool,
        vfs: &Vfs<'_>,
        scans: &Scans,
        graph: bundle::Graph,
        contexts: HashMap<String, Arc<Context>>,
    ) -> Arc<LastGraph> {
        let last = Arc::new(LastGraph {
            paths: vfs.keys().map(|path| path.to_string()).collect(),
            scans: scans
                .iter()
                .map(|(path, scan)| (path.clone(), scan.as_ref().ok().cloned()))
                .collect(),
            graph,
            contexts,
        });
        if let Ok(mut graphs) = self.graphs.lock() {
            graphs[usize::from(minify)] = Some(last.clone());
        }
        last
    }

    /// Entries held: scans and compiled modules.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Compiles an app. `files` are the app's own files (the limits apply to
/// them); `injected` are files the host adds (the SDK), which win over an
/// app file of the same path and don't count towards the limits.
pub fn compile(
    files: &BTreeMap<String, String>,
    injected: &BTreeMap<String, String>,
    options: &CompileOptions,
    cache: &ModuleCache,
) -> Result<Output, Vec<Diagnostic>> {
    let started = Instant::now();
    let mut timings = Timings::default();
    let mut last = started;
    let mut step = |name: &'static str| {
        let now = Instant::now();
        timings.steps.push((name, now - last));
        last = now;
    };
    check_limits(files)?;
    // The app's files and the injected ones, borrowed (not a copy of the
    // app's megabytes per compile).
    let vfs: Vfs = files
        .iter()
        .chain(injected)
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    if !vfs.contains_key(ENTRY) {
        return Err(vec![Diagnostic::error(
            format!("Entry point \"{ENTRY}\" is missing from the app"),
            None,
        )
        .with_note(
            "Every app starts at src/main.tsx, which renders the root component (spec 001 §3)",
            None,
        )]);
    }
    let module_options = ModuleOptions {
        minify: !options.dev,
        source_map: options.dev,
    };
    // Modules keep their maps in dev either way (they are cached: a page
    // with the map may ask next); only the bundle's is joined on demand.
    let source_map = options.dev && options.source_map;
    step("limits and VFS");
    let deadline = started + options.time_limit;
    let too_long = |()| vec![timeout(options.time_limit)];
    // First pass: parse and scan every file, for the graph.
    let (scans, hashes, mut parsed, mut stages) =
        scan_all(&vfs, cache, deadline).map_err(too_long)?;
    step("scan (all cores)");
    // The last graph in this mode, when no file's imports or exports (nor
    // which files exist) changed: most edits.
    let minify = module_options.minify;
    let kept = cache.last_graph(minify, &vfs, &scans);
    let graph_kept = kept.is_some();
    let last = match kept {
        Some(last) => {
            step("import graph");
            last
        }
        None => {
            let mut errors = Vec::new();
            let graph = bundle::walk(ENTRY, &vfs, &scans, &mut errors);
            step("import graph");
            if !errors.is_empty() {
                return Err(cap(errors));
            }
            let contexts = contexts(&graph, &scans, minify);
            cache.keep_graph(minify, &vfs, &scans, graph, contexts)
        }
    };
    let mut graph = last.graph.clone();
    // Second pass: compile the modules reached, on all cores, beside the
    // stylesheet.
    let jobs: Vec<Job> = graph
        .modules
        .iter()
        .filter_map(|path| {
            let (&path, &source) = vfs.get_key_value(path.as_str())?;
            let job = Job {
                path,
                source,
                content_hash: hashes
                    .get(path)
                    .copied()
                    .unwrap_or_else(|| ModuleCache::content_hash(source)),
                loader: Loader::for_path(path)?,
                context: last.contexts.get(path).cloned().unwrap_or_default(),
                parsed: parsed.remove(path),
            };
            Some(job)
        })
        .collect();
    step("exports kept and read once");
    let (modules, css) = std::thread::scope(|scope| {
        let css = std::thread::Builder::new()
            .stack_size(WORKER_STACK)
            .spawn_scoped(scope, || cache.css(&graph.css, &vfs, !options.dev));
        let modules = compile_all(jobs, module_options, cache, deadline);
        let css = match css.map(|t| t.join()) {
            Ok(Ok(css)) => css,
            _ => Err(vec![Diagnostic::error(
                "Internal compiler error while bundling the CSS",
                None,
            )]),
        };
        (modules, css)
    });
    let (mut compiled, more_stages, modules_compiled) = modules.map_err(too_long)?;
    stages.add(&more_stages);
    let errors: Vec<Diagnostic> = graph
        .modules
        .iter()
        .filter_map(|m| compiled.get(m)?.as_ref().err())
        .flatten()
        .cloned()
        .collect();
    if !errors.is_empty() {
        return Err(cap(errors));
    }
    let css = css.map_err(cap)?;
    step("modules and CSS (all cores)");
    add_helpers(&mut graph, &mut compiled, module_options, cache)?;
    step("helpers");
    let mut warnings: Vec<Diagnostic> = graph
        .modules
        .iter()
        .filter_map(|m| scans.get(m)?.as_ref().ok())
        .flat_map(|scan| scan.warnings.iter().cloned())
        .collect();
    warnings.extend(css.warnings.iter().cloned());
    let bundle::Linked {
        script: mut bundle_js,
        starts,
        mut table,
    } = bundle::link(&graph, &compiled, &scans, !options.dev, source_map);
    table.stylesheet = css.files.clone();
    step("link");
    if source_map {
        bundle_js.push_str(&source_map_comment(&starts, &compiled));
        step("source map");
    }
    if started.elapsed() > options.time_limit {
        return Err(vec![timeout(options.time_limit)]);
    }
    timings.modules_compiled = modules_compiled;
    timings.graph_kept = graph_kept;
    timings.module_stages = module::STAGES.into_iter().zip(stages.0).collect();
    Ok(Output {
        bundle_js,
        css: css.code.clone(),
        warnings,
        table,
        timings,
    })
}

/// What the graph tells each module's compile, by path (minified: the
/// exports to keep, those it may read once, the imports that need no
/// interop helper or are a file's value; dev: nothing, every read live).
fn contexts<'a>(
    graph: &'a bundle::Graph,
    scans: &'a Scans,
    minify: bool,
) -> HashMap<String, Arc<Context>> {
    if !minify {
        return HashMap::new();
    }
    // Tree shaking: a module whose exports are not all imported is
    // compiled without the others.
    let mut keep: HashMap<&String, Vec<String>> =
        bundle::unused_exports(graph, scans).into_iter().collect();
    // A module reads the exports of the modules it imports that cannot
    // change once, where it requires them ([`settled`]).
    let readable = settled::Readable::new(graph, scans);
    let stable = |path: &String, links: &'a BTreeMap<String, String>| {
        links
            .iter()
            .filter_map(|(specifier, target)| {
                let names = readable.names(path, target);
                (!names.is_empty()).then(|| (specifier.clone(), names))
            })
            .collect()
    };
    // The specifiers of a module's imports whose target passes `test`.
    let linked = |links: &BTreeMap<String, String>, test: &dyn Fn(&str) -> bool| {
        links
            .iter()
            .filter(|(_, target)| test(target))
            .map(|(specifier, _)| specifier.clone())
            .collect()
    };
    // A default or namespace import of an ES module needs no interop
    // helper.
    let esm = |target: &str| {
        scans
            .get(target)
            .is_some_and(|s| s.as_ref().is_ok_and(|s| s.esm))
    };
    // A default import of a JSON, text or image file is the file's value
    // itself.
    let value = |target: &str| {
        matches!(
            Loader::for_path(target),
            Some(Loader::Json | Loader::Text | Loader::DataUrl(_))
        )
    };
    static NO_LINKS: BTreeMap<String, String> = BTreeMap::new();
    graph
        .modules
        .iter()
        .map(|path| {
            let links = graph.links.get(path).unwrap_or(&NO_LINKS);
            let context = Context {
                keep: keep.remove(path),
                stable: stable(path, links),
                esm: linked(links, &esm),
                values: linked(links, &value),
            };
            (path.clone(), Arc::new(context))
        })
        .collect()
}

/// Edited modules [`recompile_dev`] compiles at most (one after another).
pub const MAX_RECOMPILED: usize = 8;

/// A dev build after an edit of its modules' text alone: made by compiling
/// the edited modules alone, the same script and table a whole compile
/// gives (see [`recompile_dev`]).
#[derive(Debug, Clone)]
pub struct Recompiled {
    pub bundle_js: String,
    pub table: ModuleTable,
    /// The edited modules' warnings, in the order of `edited` (the other
    /// files' are the build's before; a whole compile lists all of them in
    /// the graph's order).
    pub warnings: Vec<Diagnostic>,
    pub timings: Timings,
}

/// Recompiles a dev build (`before_js`, built with the table `before`, no
/// source map) after an edit of the app that only changed the texts of
/// `edited` (path → new text; every file whose text changed, none added or
/// removed: the caller compares; an app file that an `injected` file of the
/// same path overrides is no edit). Each edited module of the build
/// compiles alone (through `cache`) and its table entry is replaced; files
/// the build does not reach cannot change it. `None` when that is not the
/// same as a whole compile, which then must run: a stylesheet or a file it
/// `@import`s edited, an import or a `require` added, removed or changed
/// (the graph or the targets move), an error or a file over the limit (the
/// whole compile reports it), or not a dev build without a source map; also
/// when more than [`MAX_RECOMPILED`] modules changed (one after another
/// here, they would take longer than the whole compile on all cores).
pub fn recompile_dev(
    before_js: &str,
    before: &ModuleTable,
    edited: &BTreeMap<String, String>,
    options: &CompileOptions,
    cache: &ModuleCache,
) -> Option<Recompiled> {
    let started = Instant::now();
    if !options.dev
        || options.source_map
        || before.links.len() != before.entries.len()
        || edited.values().any(|text| text.len() > MAX_FILE_BYTES)
    {
        return None;
    }
    let in_table = |path: &String| before.entries.iter().position(|(p, _)| p == path);
    if edited.keys().filter_map(in_table).count() > MAX_RECOMPILED {
        return None;
    }
    // The module options a dev compile uses, so both share cached modules.
    let module_options = ModuleOptions {
        minify: false,
        source_map: true,
    };
    // (index, new entry, where its targets start)
    let mut replaced: Vec<(usize, String, usize)> = Vec::new();
    let mut warnings = Vec::new();
    let mut stages = StageTimes::default();
    for (path, source) in edited {
        if before.stylesheet.contains(path) {
            return None;
        }
        let loader = match Loader::for_path(path) {
            Some(Loader::Css) => return None,
            Some(loader) => loader,
            // No module: nothing imports it.
            None => continue,
        };
        let Some(index) = in_table(path) else {
            continue;
        };
        if started.elapsed() > options.time_limit {
            return None;
        }
        let links = &before.links[index];
        let content_hash = ModuleCache::content_hash(source);
        let scan_key = ModuleCache::key(path, content_hash, None, Arc::default());
        let (scan, parsed) = match cache.get_scan(&scan_key, source) {
            Some(scan) => (scan, None),
            None => {
                let (scan, parsed, times) = cache.scan_and_keep(scan_key, path, source, loader);
                stages.add(&times);
                (scan.ok()?, parsed)
            }
        };
        let same_imports = scan.imports.len() == links.imports.len()
            && scan
                .imports
                .iter()
                .zip(&links.imports)
                .all(|(now, (specifier, css))| {
                    now.specifier == *specifier && (now.kind == module::ImportKind::Css) == *css
                });
        if !same_imports {
            return None;
        }
        let key = ModuleCache::key(path, content_hash, Some(module_options), Arc::default());
        let output = match cache.get_module(&key, source) {
            Some(output) => output,
            None => {
                let job = Job {
                    path,
                    source,
                    content_hash,
                    loader,
                    context: Arc::default(),
                    parsed,
                };
                let output = cache.compile_and_keep(key, job, module_options).ok()?;
                stages.add(&output.stages);
                output
            }
        };
        if output.requires != links.requires {
            return None;
        }
        let range = &before.entries[index].1;
        let targets = before_js.get(range.start + links.targets_at..range.end)?;
        let code = output.code.trim_end();
        replaced.push((index, format!("[{code}{targets}"), 1 + code.len()));
        warnings.extend(scan.warnings.iter().cloned());
    }
    if started.elapsed() > options.time_limit {
        return None;
    }
    let compiled_at = started.elapsed();
    // The script again, each replaced entry in its place.
    replaced.sort_by_key(|(index, _, _)| *index);
    let grown: usize = replaced.iter().map(|(_, entry, _)| entry.len()).sum();
    let mut bundle_js = String::with_capacity(before_js.len() + grown);
    let mut table = before.clone();
    let mut copied = 0;
    let mut shift: isize = 0;
    let mut next = replaced.iter().peekable();
    for (index, ((_, range), links)) in table.entries.iter_mut().zip(&mut table.links).enumerate() {
        let (start, end) = (range.start, range.end);
        let new_start = start.checked_add_signed(shift)?;
        if let Some((_, entry, targets_at)) = next.next_if(|(i, _, _)| *i == index) {
            bundle_js.push_str(before_js.get(copied..start)?);
            bundle_js.push_str(entry);
            copied = end;
            shift += entry.len() as isize - (end - start) as isize;
            links.targets_at = *targets_at;
        }
        *range = new_start..end.checked_add_signed(shift)?;
    }
    bundle_js.push_str(before_js.get(copied..)?);
    let timings = Timings {
        modules_compiled: replaced.len(),
        module_stages: module::STAGES.into_iter().zip(stages.0).collect(),
        steps: vec![
            ("edited modules", compiled_at),
            ("splice", started.elapsed() - compiled_at),
        ],
        // The build's: an edit that changes imports is compiled whole.
        graph_kept: true,
    };
    Some(Recompiled {
        bundle_js,
        table,
        warnings,
        timings,
    })
}

fn timeout(limit: Duration) -> Diagnostic {
    Diagnostic::error(
        format!(
            "The compile took longer than the {} s limit and was stopped",
            limit.as_secs()
        ),
        None,
    )
}

fn cap(mut errors: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if errors.len() > MAX_ERRORS {
        let more = errors.len() - MAX_ERRORS;
        errors.truncate(MAX_ERRORS);
        errors.push(Diagnostic::error(
            format!("{more} more errors not shown (the first {MAX_ERRORS} are listed)"),
            None,
        ));
    }
    errors
}

/// The 500-file and 1 MB limits, with the baseline's texts.
fn check_limits(files: &BTreeMap<String, String>) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    if files.len() > MAX_FILES {
        errors.push(Diagnostic::error(
            format!(
                "App has {} files; the limit is {MAX_FILES} files",
                files.len()
            ),
            None,
        ));
    }
    for (path, content) in files {
        if content.len() > MAX_FILE_BYTES {
            errors.push(Diagnostic::error(
                format!(
                    "{path} is {} bytes, which exceeds the per-file limit of {} bytes (1 MiB)",
                    thousands(content.len()),
                    thousands(MAX_FILE_BYTES)
                ),
                Some(Location::file_only(path)),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(cap(errors))
    }
}

pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One module's compile result.
type ModuleResult = Result<Arc<ModuleOutput>, Vec<Diagnostic>>;
/// Every module's compile result, by path.
pub(crate) type Compiled = BTreeMap<String, ModuleResult>;
/// One module's scan.
type ScanResult = Result<Arc<Scan>, Vec<Diagnostic>>;
/// Every JS-like file's scan, by path.
pub(crate) type Scans = BTreeMap<String, ScanResult>;
/// The files a compile sees (the app's and the injected ones), by path.
pub type Vfs<'a> = BTreeMap<&'a str, &'a str>;

/// Stack of a compiler thread: swc recurses deeply on big expressions.
const WORKER_STACK: usize = 64 * 1024 * 1024;

/// One module to compile.
struct Job<'a> {
    path: &'a str,
    source: &'a str,
    /// [`ModuleCache::content_hash`] of `source`, taken by the scan.
    content_hash: u64,
    loader: Loader,
    context: Arc<Context>,
    /// The module as the scan parsed it, if it was.
    parsed: Option<Parsed>,
}

/// Runs `work` on every item on all cores; the results come in the order
/// the items finished.
/// `Err(())` when the deadline passed.
fn on_all_cores<T: Send, R: Send>(
    items: Vec<T>,
    deadline: Instant,
    work: impl Fn(T) -> R + Sync,
) -> Result<Vec<R>, ()> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len().max(1));
    let queue = Mutex::new(items.into_iter());
    let timed_out = std::sync::atomic::AtomicBool::new(false);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let worker = std::thread::Builder::new()
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, || loop {
                    let Some(item) = queue.lock().ok().and_then(|mut q| q.next()) else {
                        break;
                    };
                    if Instant::now() > deadline {
                        timed_out.store(true, Ordering::Relaxed);
                        break;
                    }
                    let result = work(item);
                    if let Ok(mut results) = results.lock() {
                        results.push(result);
                    }
                });
            if worker.is_err() {
                timed_out.store(true, Ordering::Relaxed);
            }
        }
    });
    if timed_out.load(Ordering::Relaxed) {
        return Err(());
    }
    Ok(results.into_inner().unwrap_or_default())
}

/// Scans every JS-like file of the VFS on all cores, reusing cached scans.
/// Files the entry never reaches are scanned too (cheaply) but their errors
/// are only reported if they are reached. Returns the scans, each file's
/// content hash (for the compile's cache keys), the modules parsed (for the
/// compile) and the time the stages took.
#[allow(clippy::type_complexity)]
fn scan_all<'a>(
    vfs: &Vfs<'a>,
    cache: &ModuleCache,
    deadline: Instant,
) -> Result<
    (
        Scans,
        HashMap<&'a str, u64>,
        HashMap<String, Parsed>,
        StageTimes,
    ),
    (),
> {
    let mut scans = Scans::new();
    let mut hashes = HashMap::new();
    let mut todo = Vec::new();
    for (&path, &source) in vfs {
        let Some(loader) = Loader::for_path(path).filter(|l| *l != Loader::Css) else {
            continue;
        };
        let hash = ModuleCache::content_hash(source);
        hashes.insert(path, hash);
        let key = ModuleCache::key(path, hash, None, Arc::default());
        match cache.get_scan(&key, source) {
            Some(scan) => {
                scans.insert(path.to_owned(), Ok(scan));
            }
            None => todo.push((path, source, loader, key)),
        }
    }
    // Big files first, so the last thread to finish does not start one late.
    todo.sort_by_key(|(_, source, _, _)| std::cmp::Reverse(source.len()));
    let results = on_all_cores(todo, deadline, |(path, source, loader, key)| {
        let (scan, parsed, times) = cache.scan_and_keep(key, path, source, loader);
        (path, scan, parsed, times)
    })?;
    let mut stages = StageTimes::default();
    let mut parsed = HashMap::new();
    for (path, scan, module, times) in results {
        stages.add(&times);
        scans.insert(path.to_owned(), scan);
        if let Some(module) = module {
            parsed.insert(path.to_owned(), module);
        }
    }
    Ok((scans, hashes, parsed, stages))
}

/// Compiles modules on all cores, reusing cached ones. Returns the modules,
/// the time each stage took summed over the modules compiled, and how many
/// were compiled; `Err(())` when the deadline passed.
fn compile_all(
    jobs: Vec<Job<'_>>,
    options: ModuleOptions,
    cache: &ModuleCache,
    deadline: Instant,
) -> Result<(Compiled, StageTimes, usize), ()> {
    let mut compiled = Compiled::new();
    let mut todo = Vec::new();
    for job in jobs {
        let key = ModuleCache::key(
            job.path,
            job.content_hash,
            Some(options),
            job.context.clone(),
        );
        match cache.get_module(&key, job.source) {
            Some(output) => {
                compiled.insert(job.path.to_owned(), Ok(output));
            }
            None => todo.push((job, key)),
        }
    }
    todo.sort_by_key(|(job, _)| std::cmp::Reverse(job.source.len()));
    let results = on_all_cores(todo, deadline, |(job, key)| {
        let path = job.path;
        (path, cache.compile_and_keep(key, job, options))
    })?;
    let mut stages = StageTimes::default();
    for (_, result) in &results {
        if let Ok(output) = result {
            stages.add(&output.stages);
        }
    }
    let count = results.len();
    compiled.extend(results.into_iter().map(|(path, r)| (path.to_owned(), r)));
    Ok((compiled, stages, count))
}

/// Adds the swc helpers the modules require to the graph, compiled once
/// each (through the cache), so the bundle holds one copy of each.
fn add_helpers(
    graph: &mut bundle::Graph,
    compiled: &mut Compiled,
    options: ModuleOptions,
    cache: &ModuleCache,
) -> Result<(), Vec<Diagnostic>> {
    let mut next = 0;
    while next < graph.modules.len() {
        let wanted: Vec<String> = match compiled.get(&graph.modules[next]) {
            Some(Ok(output)) => output
                .requires
                .iter()
                .filter(|s| s.starts_with(module::HELPERS_PREFIX) && !compiled.contains_key(*s))
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        next += 1;
        for specifier in wanted {
            let Some(source) = module::helper_source(&specifier) else {
                continue;
            };
            let key = ModuleCache::key(
                &specifier,
                ModuleCache::content_hash(&source),
                Some(options),
                Arc::default(),
            );
            let output = match cache.get_module(&key, &source) {
                Some(output) => output,
                None => {
                    let output = Arc::new(compile_module(
                        &specifier,
                        &source,
                        Loader::Js,
                        options,
                        &Context::default(),
                        None,
                    )?);
                    cache.put(key, &source, Cached::Module(output.clone()));
                    output
                }
            };
            compiled.insert(specifier.clone(), Ok(output));
            graph.modules.push(specifier);
        }
    }
    Ok(())
}

/// An inline source map for a dev bundle: an index map with one section
/// per module, at the line the module starts on in the bundle. Each
/// module's map is made once (and cached with the module), so a recompile
/// after an edit only joins them.
fn source_map_comment(starts: &[(String, u32)], compiled: &Compiled) -> String {
    use base64::Engine as _;
    let mut json = String::from(r#"{"version":3,"sections":["#);
    let mut first = true;
    for (path, first_line) in starts {
        let Some(Ok(output)) = compiled.get(path) else {
            continue;
        };
        let Some(map) = &output.source_map else {
            continue;
        };
        if !std::mem::take(&mut first) {
            json.push(',');
        }
        json.push_str(&format!(
            r#"{{"offset":{{"line":{first_line},"column":0}},"map":"#
        ));
        json.push_str(map);
        json.push('}');
    }
    json.push_str("]}");
    format!(
        "//# sourceMappingURL=data:application/json;base64,{}\n",
        base64::engine::general_purpose::STANDARD.encode(json)
    )
}
