//! The CSS half of a compile: the CSS files imported from JS become one
//! stylesheet, with `@import`s inlined, `:root`/`html` made to work inside the
//! runtime's Shadow DOM (spec §11), nesting lowered, and optionally minified.
//!
//! The pipeline, all in memory:
//!
//! 1. **Load** ([`load_graph`]): starting from the entries, in order, every
//!    file is read through `read`, parsed once to find syntax errors, `@tailwind`
//!    directives and its `@import`s, whose targets are resolved against the VFS
//!    and loaded in turn. Every problem found is collected (at most one syntax
//!    error per file: lightningcss stops at the first), so a builder sees all of
//!    them at once. Nothing else runs if there is any.
//! 2. **Bundle**: lightningcss's [`Bundler`] runs over a virtual entry file that
//!    `@import`s the entries in order, with a [`SourceProvider`] over the files
//!    loaded in step 1 (so `read` need not be `Send + Sync`). It inlines imports
//!    with CSS semantics: a file imported twice appears once, at its last
//!    import; `@import … layer()/supports()/media` conditions wrap the rules.
//! 3. **Check**: each style rule whose selector uses `:root` or `html` without
//!    the `:host` twin gets a warning at its place in its file.
//! 4. **Lower**: the bundle is transformed and printed for [`targets`], which
//!    flattens CSS nesting (so `:root { .a {} }` becomes `:root .a`).
//! 5. **Rewrite** ([`add_host_twins`]): the flat output is parsed again and
//!    every selector starting at the document root gets its `:host` twin, then
//!    it is printed (minified or pretty). Rewriting after lowering means a
//!    nested rule under `:root` is rewritten as the plain `:root .a` it became,
//!    never as `:is(:host, :root) .a` (`:host` inside `:is()` is not reliably
//!    matched by browsers).
//!
//! External imports (`@import url(https://…)`, `//…`, `data:`) are kept, not
//! fetched: they are hoisted to the top of the output (in first-seen order,
//! deduplicated), where CSS requires `@import`s to be. A condition on the local
//! file that imported them is not carried over to them.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::path::Path;
use std::sync::{Arc, RwLock};

use lightningcss::bundler::{Bundler, ResolveResult, SourceProvider};
use lightningcss::error::{ParserError, SelectorError};
use lightningcss::rules::{CssRule, CssRuleList};
use lightningcss::selector::{Component, Selector, SelectorList};
use lightningcss::stylesheet::{MinifyOptions, ParserOptions, PrinterOptions, StyleSheet};
use lightningcss::targets::{Browsers, Targets};
use lightningcss::traits::ToCss;
use lightningcss::visit_types;
use lightningcss::visitor::{Visit, VisitTypes, Visitor};

use crate::diagnostic::{Diagnostic, Location};
use crate::nesting;

/// CSS of one compile: the files imported from JS, in import order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CssOutput {
    pub code: String,
    pub warnings: Vec<Diagnostic>,
    /// The app's files it was made of (the entries and every file they
    /// `@import`, CSS or not).
    pub files: Vec<String>,
}

/// Name of the virtual entry file that `@import`s the real entries. It holds
/// a NUL, which no VFS path can, so it never collides with a real file.
const ENTRY: &str = "\0entry.css";
/// Prefix of the virtual (empty) file an external `@import` resolves to.
const EXTERNAL: &str = "\0external:";
/// Prefix of the virtual (empty) file an `@import` closing a cycle resolves to.
const CYCLE: &str = "\0cycle:";

/// The browsers the CSS is compiled for: Chrome 90, Edge 90, Firefox 88,
/// Safari 14 (macOS and iOS), all from spring 2021. None of them supports CSS
/// nesting, so nesting is always flattened; newer syntax lightningcss knows
/// how to lower (e.g. `oklch()` colours, media query ranges) is lowered too.
pub fn targets() -> Targets {
    let version = |major: u32| Some(major << 16);
    Targets::from(Browsers {
        chrome: version(90),
        edge: version(90),
        firefox: version(88),
        safari: version(14),
        ios_saf: version(14),
        ..Browsers::default()
    })
}

/// Bundles `entries` (VFS paths of CSS files imported from JS, in import
/// order; each appears once) into one stylesheet.
///
/// - `@import` of another VFS CSS file is inlined in order. The specifier is a
///   URL relative to the importing file (`b.css`, `./b.css`, `../x/b.css`), or
///   relative to the app root when it starts with `/`. A target that is not in
///   the VFS is an error `Could not resolve "…"` at the `@import` (importer
///   file, line, column). `@import "tailwindcss"` is refused like `@tailwind`.
/// - External imports (`http://`, `https://`, `//`, `data:`) are kept as they
///   are, hoisted to the top of the output (see the module docs).
/// - `:root`/`html` selectors get their `:host` twin for Shadow DOM, with a
///   warning for each rule that lacked it (see [`add_host_twins`]).
/// - Nesting and other newer syntax are lowered for [`targets`].
/// - The output is minified when `minify` is true, pretty-printed otherwise,
///   and is the same for the same input.
///
/// `read(path)` returns a VFS file's text, or `None` if there is no such file.
/// Every error found is returned (at least the first of each file), each with
/// its file, line and column.
pub fn bundle_css(
    entries: &[String],
    read: &dyn Fn(&str) -> Option<String>,
    minify: bool,
) -> Result<CssOutput, Vec<Diagnostic>> {
    if entries.is_empty() {
        return Ok(CssOutput {
            code: String::new(),
            warnings: Vec::new(),
            files: Vec::new(),
        });
    }
    let graph = load_graph(entries, read, minify)?;
    let provider = VfsProvider {
        entry: entry_source(entries),
        files: graph.files,
        cycles: graph.cycles,
    };

    // Bundle, check and lower.
    let mut bundler = Bundler::new(&provider, None, ParserOptions::default());
    let mut sheet = bundler.bundle(Path::new(ENTRY)).map_err(|error| {
        let location = error.loc.as_ref().and_then(|loc| {
            provider.files.get(&loc.filename).map(|source| {
                location_at(
                    &loc.filename,
                    source,
                    loc.line,
                    loc.column,
                    LineEnd::Statement,
                )
            })
        });
        vec![Diagnostic::error(error.kind.to_string(), location)]
    })?;
    let mut checker = RootChecker { found: Vec::new() };
    visit(&mut sheet, &mut checker);
    let mut warnings = graph.warnings;
    warnings.extend(checker.found.into_iter()
        .map(|found| {
            let location = sheet.sources.get(found.source_index as usize).and_then(|file| {
                provider.files.get(file).map(|source| {
                    location_at(file, source, found.line, found.column, LineEnd::Selector)
                })
            });
            Diagnostic::warning(
                format!(
                    "\"{}\" selector rewritten to \"{}\" for Shadow DOM; write \"{}\" yourself to silence this warning",
                    found.before, found.after, found.after
                ),
                location,
            )
        }));
    let lowered = transform_and_print(&mut sheet, false)?;

    // Rewrite the flat CSS and print it in its final form.
    let mut flat = StyleSheet::parse(&lowered, ParserOptions::default()).map_err(|error| {
        vec![internal_error(
            "re-parsing the lowered CSS",
            &error.to_string(),
        )]
    })?;
    visit(&mut flat, &mut HostTwins);
    let body = if minify {
        transform_and_print(&mut flat, true)?
    } else {
        print(&flat, false)?
    };

    let separator = if minify { "" } else { "\n" };
    let mut code = String::new();
    for import in &graph.externals {
        code.push_str(import);
        code.push_str(separator);
    }
    if !graph.externals.is_empty() && !minify && !body.is_empty() {
        code.push('\n');
    }
    code.push_str(&body);
    // (Virtual files, the entry and external imports, start with a NUL.)
    let files = provider
        .files
        .keys()
        .filter(|path| !path.starts_with('\0'))
        .cloned()
        .collect();
    Ok(CssOutput {
        code,
        warnings,
        files,
    })
}

/// The virtual entry: one `@import` per entry, in order.
fn entry_source(entries: &[String]) -> String {
    entries
        .iter()
        .map(|entry| {
            format!(
                "@import \"{}\";\n",
                entry.replace('\\', "\\\\").replace('"', "\\\"")
            )
        })
        .collect()
}

fn internal_error(doing: &str, error: &str) -> Diagnostic {
    Diagnostic::error(format!("Internal error while {doing}: {error}"), None)
}

/// `minify()` (lightningcss's transform pass: lowering, prefixes, merging) and
/// print.
fn transform_and_print(
    sheet: &mut StyleSheet<'_>,
    minify: bool,
) -> Result<String, Vec<Diagnostic>> {
    sheet
        .minify(MinifyOptions {
            targets: targets(),
            ..MinifyOptions::default()
        })
        .map_err(|error| vec![internal_error("transforming the CSS", &error.to_string())])?;
    print(sheet, minify)
}

fn print(sheet: &StyleSheet<'_>, minify: bool) -> Result<String, Vec<Diagnostic>> {
    sheet
        .to_css(PrinterOptions {
            minify,
            targets: targets(),
            ..PrinterOptions::default()
        })
        .map(|result| result.code)
        .map_err(|error| vec![internal_error("printing the CSS", &error.to_string())])
}

fn visit<'i, V: Visitor<'i, Error = Infallible>>(sheet: &mut StyleSheet<'i>, visitor: &mut V) {
    match sheet.visit(visitor) {
        Ok(()) => {}
        Err(never) => match never {},
    }
}

// ---------------------------------------------------------------------------
// Loading: read, parse, resolve imports, collect every error.

/// What step 1 found: every file reached, and the external imports.
struct Graph {
    files: BTreeMap<String, String>,
    /// Printed external `@import` rules, first-seen order, deduplicated.
    externals: Vec<String>,
    /// `(importer, url)` of each `@import` that closes a cycle.
    cycles: BTreeSet<(String, String)>,
    /// Things lightningcss accepts but does not know (see [`Loader::scan`]).
    warnings: Vec<Diagnostic>,
}

/// An `@import` found in a file, owned so the parse can be dropped.
struct Import {
    url: String,
    line: u32,
    column: u32,
    /// The rule printed, for external imports.
    printed: String,
}

struct Loader<'r> {
    read: &'r dyn Fn(&str) -> Option<String>,
    minify: bool,
    files: BTreeMap<String, String>,
    externals: Vec<String>,
    cycles: BTreeSet<(String, String)>,
    /// The files being loaded, outermost first.
    stack: Vec<String>,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

fn load_graph(
    entries: &[String],
    read: &dyn Fn(&str) -> Option<String>,
    minify: bool,
) -> Result<Graph, Vec<Diagnostic>> {
    let mut loader = Loader {
        read,
        minify,
        files: BTreeMap::new(),
        externals: Vec::new(),
        cycles: BTreeSet::new(),
        stack: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    for entry in entries {
        if loader.files.contains_key(entry) {
            continue;
        }
        match (loader.read)(entry) {
            Some(source) => loader.load(entry, source),
            None => loader.errors.push(Diagnostic::error(
                format!("Could not read \"{entry}\": no such file"),
                None,
            )),
        }
    }
    if loader.errors.is_empty() {
        Ok(Graph {
            files: loader.files,
            externals: loader.externals,
            cycles: loader.cycles,
            warnings: loader.warnings,
        })
    } else {
        Err(loader.errors)
    }
}

impl Loader<'_> {
    /// Parses `source` (the text of `path`), records it, and loads its imports
    /// depth first, in order.
    fn load(&mut self, path: &str, source: String) {
        let imports = self.scan(path, &source);
        self.files.insert(path.to_owned(), source);
        self.stack.push(path.to_owned());
        for import in imports {
            self.load_import(path, import);
        }
        self.stack.pop();
    }

    /// Syntax errors and `@tailwind` directives go to `self.errors`; the
    /// `@import`s are returned.
    ///
    /// What is an error is what lightningcss's strict parse (the one the
    /// Bundler does) refuses. A second parse that recovers from errors
    /// (skipping the bad rule or declaration) finds the file's other errors and
    /// its imports, so every file is followed and every error reported. The
    /// recovering parse also notes things the strict one accepts (unknown
    /// at-rules and pseudo-classes): those become warnings.
    fn scan(&mut self, path: &str, source: &str) -> Vec<Import> {
        // lightningcss recurses on nested blocks: too deep a file would
        // overflow the compiler thread's stack, which aborts the process.
        if let Some(at) = nesting::css_too_deep(source, nesting::MAX_NESTING) {
            self.errors.push(nesting::error(
                path,
                source,
                at,
                "blocks and functions",
                "flatten the rules",
            ));
            return Vec::new();
        }
        let strict = ParserOptions {
            filename: path.to_owned(),
            ..ParserOptions::default()
        };
        let strict_error = StyleSheet::parse(source, strict).err().map(|error| {
            (
                error.kind.to_string(),
                error.loc.map(|loc| (loc.line, loc.column)),
            )
        });
        let recovered = Arc::new(RwLock::new(Vec::new()));
        let options = ParserOptions {
            filename: path.to_owned(),
            error_recovery: true,
            warnings: Some(Arc::clone(&recovered)),
            ..ParserOptions::default()
        };
        let parsed = StyleSheet::parse(source, options);
        let mut found: Vec<(bool, String, Place)> = match recovered.read() {
            Ok(errors) => errors
                .iter()
                .map(|error| {
                    let place = error.loc.as_ref().map(|loc| (loc.line, loc.column));
                    (is_benign(&error.kind), error.kind.to_string(), place)
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        let sheet = match parsed {
            Ok(sheet) => Some(sheet),
            Err(error) => {
                found.push((
                    false,
                    error.kind.to_string(),
                    error.loc.map(|loc| (loc.line, loc.column)),
                ));
                None
            }
        };
        let to_location = |place: Place| {
            place.map(|(line, column)| location_at(path, source, line, column, LineEnd::Token))
        };
        match strict_error {
            None => {
                for (benign, message, place) in found {
                    if benign && message != "Unknown at rule: @tailwind" {
                        self.warnings
                            .push(Diagnostic::warning(message, to_location(place)));
                    }
                }
            }
            Some((message, place)) => {
                if !found.iter().any(|(_, m, p)| *m == message && *p == place) {
                    self.errors
                        .push(Diagnostic::error(message, to_location(place)));
                }
                for (benign, message, place) in found {
                    if !benign {
                        self.errors
                            .push(Diagnostic::error(message, to_location(place)));
                    }
                }
            }
        }
        let Some(sheet) = sheet else {
            return Vec::new();
        };
        self.find_tailwind(path, source, &sheet.rules);
        sheet
            .rules
            .0
            .iter()
            .filter_map(|rule| match rule {
                CssRule::Import(import) => Some(Import {
                    url: import.url.to_string(),
                    line: import.loc.line,
                    column: import.loc.column,
                    printed: rule
                        .to_css_string(PrinterOptions {
                            minify: self.minify,
                            ..PrinterOptions::default()
                        })
                        .unwrap_or_default(),
                }),
                _ => None,
            })
            .collect()
    }

    fn find_tailwind(&mut self, path: &str, source: &str, rules: &CssRuleList<'_>) {
        for rule in &rules.0 {
            match rule {
                CssRule::Unknown(unknown) if unknown.name.eq_ignore_ascii_case("tailwind") => {
                    let loc = unknown.loc;
                    self.errors
                        .push(tailwind_error(path, source, loc.line, loc.column));
                }
                CssRule::Media(media) => self.find_tailwind(path, source, &media.rules),
                CssRule::Supports(supports) => self.find_tailwind(path, source, &supports.rules),
                CssRule::LayerBlock(layer) => self.find_tailwind(path, source, &layer.rules),
                _ => {}
            }
        }
    }

    fn load_import(&mut self, importer: &str, import: Import) {
        let location = || {
            let source = self.files.get(importer).map_or("", String::as_str);
            location_at(
                importer,
                source,
                import.line,
                import.column,
                LineEnd::Statement,
            )
        };
        if is_tailwind_package(&import.url) {
            let source = self.files.get(importer).map_or("", String::as_str);
            let error = tailwind_error(importer, source, import.line, import.column);
            self.errors.push(error);
            return;
        }
        if is_external(&import.url) {
            if !self.externals.contains(&import.printed) {
                self.externals.push(import.printed);
            }
            return;
        }
        let Some(path) = resolve_path(importer, &import.url) else {
            let error = Diagnostic::error(
                format!("Could not resolve \"{}\"", import.url),
                Some(location()),
            );
            self.errors
                .push(error.with_note("The path goes above the app's root folder.", None));
            return;
        };
        if self.files.contains_key(&path) {
            // An import of a file still being loaded closes a cycle, which
            // lightningcss's Bundler would resolve by dropping every file of
            // it; the bundle skips that one import instead (as browsers do).
            if self.stack.contains(&path) {
                self.cycles.insert((importer.to_owned(), import.url));
            }
            return;
        }
        match (self.read)(&path) {
            Some(source) => self.load(&path, source),
            None => {
                let error = Diagnostic::error(
                    format!("Could not resolve \"{}\"", import.url),
                    Some(location()),
                );
                self.errors.push(
                    error.with_note(format!("There is no file \"{path}\" in the app."), None),
                );
            }
        }
    }
}

/// A lightningcss place: line from 0, column from 1.
type Place = Option<(u32, u32)>;

/// Whether the recovering parse noted something the strict parse accepts.
fn is_benign(error: &ParserError<'_>) -> bool {
    matches!(
        error,
        ParserError::AtRuleInvalid(_)
            | ParserError::DeprecatedNestRule
            | ParserError::SelectorError(
                SelectorError::UnsupportedPseudoClass(_)
                    | SelectorError::UnsupportedPseudoElement(_)
            )
    )
}

fn tailwind_error(path: &str, source: &str, line: u32, column: u32) -> Diagnostic {
    Diagnostic::error(
        format!("Tailwind directives are not supported in custom apps ({path})"),
        Some(location_at(path, source, line, column, LineEnd::Statement)),
    )
}

/// `@import "tailwindcss"` (Tailwind 4's entry) and its sub-paths.
fn is_tailwind_package(url: &str) -> bool {
    url == "tailwindcss" || url.starts_with("tailwindcss/")
}

fn is_external(url: &str) -> bool {
    url.starts_with("//")
        || url.contains("://")
        || url
            .get(..5)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:"))
}

/// Resolves an `@import` URL against the importing file's folder (or the app
/// root for `/…`). `None` when `..` climbs above the root or nothing is left.
fn resolve_path(importer: &str, url: &str) -> Option<String> {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    let (mut segments, relative) = match url.strip_prefix('/') {
        Some(absolute) => (Vec::new(), absolute),
        None => {
            let mut folder: Vec<&str> = importer.split('/').collect();
            folder.pop();
            (folder, url)
        }
    };
    for segment in relative.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            other => segments.push(other),
        }
    }
    if segments.is_empty() {
        None
    } else {
        Some(segments.join("/"))
    }
}

/// lightningcss's view of the VFS: the files step 1 loaded, the virtual entry,
/// and an empty file for each external import (which step 1 recorded) and
/// each import that closes a cycle.
struct VfsProvider {
    entry: String,
    files: BTreeMap<String, String>,
    cycles: BTreeSet<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
#[error("Could not resolve \"{0}\"")]
struct ResolveError(String);

impl SourceProvider for VfsProvider {
    type Error = ResolveError;

    fn read<'a>(&'a self, file: &Path) -> Result<&'a str, Self::Error> {
        let name = file.to_string_lossy();
        if name == ENTRY {
            return Ok(&self.entry);
        }
        if name.starts_with(EXTERNAL) || name.starts_with(CYCLE) {
            return Ok("");
        }
        self.files
            .get(name.as_ref())
            .map(String::as_str)
            .ok_or_else(|| ResolveError(name.into_owned()))
    }

    fn resolve(
        &self,
        specifier: &str,
        originating_file: &Path,
    ) -> Result<ResolveResult, Self::Error> {
        if is_external(specifier) {
            return Ok(ResolveResult::File(format!("{EXTERNAL}{specifier}").into()));
        }
        let importer = originating_file.to_string_lossy();
        let importer = if importer == ENTRY {
            ""
        } else {
            importer.as_ref()
        };
        if self
            .cycles
            .contains(&(importer.to_owned(), specifier.to_owned()))
        {
            return Ok(ResolveResult::File(
                format!("{CYCLE}{importer}\0{specifier}").into(),
            ));
        }
        resolve_path(importer, specifier)
            .map(|path| ResolveResult::File(path.into()))
            .ok_or_else(|| ResolveError(specifier.to_owned()))
    }
}

// ---------------------------------------------------------------------------
// Locations.

/// Where the underlined span of a location ends.
#[derive(Clone, Copy)]
enum LineEnd {
    /// One character.
    Token,
    /// At the `;` ending an at-rule statement (or the line's end).
    Statement,
    /// At the `{` after a selector (or the line's end), trailing spaces trimmed.
    Selector,
}

/// A lightningcss location (line from 0, column from 1 in UTF-16 units) as a
/// diagnostic [`Location`].
fn location_at(file: &str, source: &str, line: u32, column: u32, end: LineEnd) -> Location {
    let mut offset = 0;
    for _ in 0..line {
        match source[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => break,
        }
    }
    let mut units = column.saturating_sub(1) as usize;
    for ch in source[offset..].chars() {
        if units == 0 || ch == '\n' {
            break;
        }
        units = units.saturating_sub(ch.len_utf16());
        offset += ch.len_utf8();
    }
    let rest = &source[offset..];
    let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let len = match end {
        LineEnd::Token => rest.chars().next().map_or(0, char::len_utf8),
        LineEnd::Statement => rest[..line_end].find(';').map_or(line_end, |i| i + 1),
        LineEnd::Selector => rest[..line_end].find('{').unwrap_or(line_end),
    };
    let len = rest[..len].trim_end().len();
    Location::from_offset(file, source, offset, len)
}

// ---------------------------------------------------------------------------
// The Shadow DOM rewrite.

/// Which root selector a complex selector starts with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RootKind {
    /// `:root…`: the twin goes before it (`:host, :root`).
    Root,
    /// `html…`: the twin goes after it (`html, :host`).
    Html,
}

fn is_html(component: &Component<'_>) -> bool {
    matches!(component, Component::LocalName(name) if name.lower_name.eq_ignore_ascii_case("html"))
}

/// The `:host` twin of a selector whose first compound is `:root…` or
/// `html…`: that compound becomes `:host`, or `:host(…)` with the compound's
/// other simple selectors (`:root.dark .x` → `:host(.dark) .x`); the rest of
/// the selector is kept. `None` for any other selector.
fn host_twin<'i>(selector: &Selector<'i>) -> Option<(RootKind, Selector<'i>)> {
    // The components are stored compound by compound from right to left, each
    // compound's simple selectors from left to right.
    let mut compounds: Vec<Vec<&Component<'i>>> = vec![Vec::new()];
    let mut combinators = Vec::new();
    for component in selector.iter_raw_match_order() {
        match component {
            Component::Combinator(combinator) => {
                combinators.push(*combinator);
                compounds.push(Vec::new());
            }
            simple => compounds.last_mut()?.push(simple),
        }
    }
    let first = compounds.pop()?;
    if first
        .iter()
        .any(|c| matches!(c, Component::Nesting | Component::Host(_)))
    {
        return None;
    }
    let kind = if first.iter().any(|c| matches!(c, Component::Root)) {
        RootKind::Root
    } else if first.iter().any(|c| is_html(c)) {
        RootKind::Html
    } else {
        return None;
    };
    let inner: Vec<Component<'i>> = first
        .into_iter()
        .filter(|c| {
            !matches!(
                c,
                Component::Root | Component::ExplicitUniversalType | Component::DefaultNamespace(_)
            ) && !is_html(c)
        })
        .cloned()
        .collect();
    let host = if inner.is_empty() {
        Component::Host(None)
    } else {
        Component::Host(Some(Selector::from(inner)))
    };
    let mut twin = vec![host];
    while let (Some(combinator), Some(compound)) = (combinators.pop(), compounds.pop()) {
        twin.push(Component::Combinator(combinator));
        twin.extend(compound.into_iter().cloned());
    }
    Some((kind, Selector::from(twin)))
}

fn same_selector<'i>(a: &Selector<'i>, b: &Selector<'i>) -> bool {
    a.iter_raw_match_order().eq(b.iter_raw_match_order())
}

/// Adds the `:host` twin of each selector of `list` that starts at the
/// document root, unless the list already has it: `:root` → `:host, :root`;
/// `html` → `html, :host`; `:root.dark` → `:host(.dark), :root.dark`;
/// `html.dark` → `html.dark, :host(.dark)`; `:root .btn` → `:host .btn, :root .btn`;
/// `:root, .x` → `:host, :root, .x`. `None` when nothing is to add, so
/// applying it to its own output changes nothing.
pub fn add_host_twins<'i>(list: &SelectorList<'i>) -> Option<SelectorList<'i>> {
    let mut out: Vec<Selector<'i>> = Vec::with_capacity(list.0.len() * 2);
    let mut changed = false;
    for selector in &list.0 {
        let twin = host_twin(selector).filter(|(_, twin)| {
            !list
                .0
                .iter()
                .chain(out.iter())
                .any(|existing| same_selector(existing, twin))
        });
        match twin {
            Some((RootKind::Root, twin)) => {
                out.push(twin);
                out.push(selector.clone());
                changed = true;
            }
            Some((RootKind::Html, twin)) => {
                out.push(selector.clone());
                out.push(twin);
                changed = true;
            }
            None => out.push(selector.clone()),
        }
    }
    changed.then(|| SelectorList::from_vec(out))
}

/// Step 5: applies [`add_host_twins`] to every style rule, at any depth.
struct HostTwins;

impl<'i> Visitor<'i> for HostTwins {
    type Error = Infallible;

    fn visit_types(&self) -> VisitTypes {
        visit_types!(RULES)
    }

    fn visit_rule(&mut self, rule: &mut CssRule<'i>) -> Result<(), Self::Error> {
        if let CssRule::Style(style) = rule {
            if let Some(list) = add_host_twins(&style.selectors) {
                style.selectors = list;
            }
        }
        rule.visit_children(self)
    }
}

/// A rule that lacked the `:host` twin, for its warning.
struct MissingTwin {
    source_index: u32,
    line: u32,
    column: u32,
    before: String,
    after: String,
}

/// Step 3: finds the rules [`HostTwins`] will change, with their places.
struct RootChecker {
    found: Vec<MissingTwin>,
}

impl<'i> Visitor<'i> for RootChecker {
    type Error = Infallible;

    fn visit_types(&self) -> VisitTypes {
        visit_types!(RULES)
    }

    fn visit_rule(&mut self, rule: &mut CssRule<'i>) -> Result<(), Self::Error> {
        if let CssRule::Style(style) = rule {
            if let Some(list) = add_host_twins(&style.selectors) {
                let print = |list: &SelectorList<'_>| {
                    list.to_css_string(PrinterOptions::default())
                        .unwrap_or_default()
                };
                self.found.push(MissingTwin {
                    source_index: style.loc.source_index,
                    line: style.loc.line,
                    column: style.loc.column,
                    before: print(&style.selectors),
                    after: print(&list),
                });
            }
        }
        rule.visit_children(self)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn bundle(
        files: &[(&str, &str)],
        entries: &[&str],
        minify: bool,
    ) -> Result<CssOutput, Vec<Diagnostic>> {
        let vfs: BTreeMap<String, String> = files
            .iter()
            .map(|(path, text)| ((*path).to_owned(), (*text).to_owned()))
            .collect();
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        let result = bundle_css(&entries, &|path| vfs.get(path).cloned(), minify);
        if let Ok(output) = &result {
            assert_reparses(&output.code);
        }
        result
    }

    fn assert_reparses(code: &str) {
        if let Err(error) = StyleSheet::parse(code, ParserOptions::default()) {
            panic!("output does not re-parse: {error}\n{code}");
        }
    }

    /// One file `src/a.css`, pretty.
    fn pretty(source: &str) -> CssOutput {
        bundle(&[("src/a.css", source)], &["src/a.css"], false).unwrap()
    }

    /// One file `src/a.css`, minified.
    fn minified(source: &str) -> CssOutput {
        bundle(&[("src/a.css", source)], &["src/a.css"], true).unwrap()
    }

    fn errors(files: &[(&str, &str)], entries: &[&str]) -> Vec<Diagnostic> {
        bundle(files, entries, false).unwrap_err()
    }

    fn place(diagnostic: &Diagnostic) -> (String, u32, u32) {
        let location = diagnostic.location.as_ref().unwrap();
        (location.file.clone(), location.line, location.column)
    }

    /// Feeding the output back in changes nothing and warns about nothing.
    fn assert_idempotent(output: &CssOutput, minify: bool) {
        let again = bundle(&[("src/a.css", &output.code)], &["src/a.css"], minify).unwrap();
        assert_eq!(again.code, output.code);
        assert_eq!(again.warnings, vec![]);
    }

    #[test]
    fn root_gets_a_host_twin_and_a_warning() {
        let output = pretty(":root {\n  --primary: #2563eb;\n}\n");
        assert_eq!(output.code, ":host, :root {\n  --primary: #2563eb;\n}\n");
        assert_eq!(output.warnings.len(), 1);
        let warning = &output.warnings[0];
        assert_eq!(warning.severity, Severity::Warning);
        assert_eq!(
            warning.message,
            "\":root\" selector rewritten to \":host, :root\" for Shadow DOM; write \":host, :root\" yourself to silence this warning"
        );
        assert_eq!(place(warning), ("src/a.css".to_owned(), 1, 0));
        assert_eq!(warning.location.as_ref().unwrap().length, 5);
        assert_idempotent(&output, false);
    }

    #[test]
    fn html_gets_a_host_twin_after_it() {
        let output = pretty("html {\n  line-height: 1.5;\n}\n");
        assert_eq!(output.code, "html, :host {\n  line-height: 1.5;\n}\n");
        assert_eq!(output.warnings.len(), 1);
        assert!(output.warnings[0]
            .message
            .starts_with("\"html\" selector rewritten to \"html, :host\""));
        assert_idempotent(&output, false);
    }

    #[test]
    fn compound_root_moves_into_host_parentheses() {
        let output = pretty(":root.dark { --bg: #000 }\nhtml.dark { color: white }\n:root[data-theme=\"dark\"]:not(.x) { --a: 1 }\n");
        assert_eq!(
            output.code,
            ":host(.dark), :root.dark {\n  --bg: #000;\n}\n\nhtml.dark, :host(.dark) {\n  color: #fff;\n}\n\n:host([data-theme=\"dark\"]:not(.x)), :root[data-theme=\"dark\"]:not(.x) {\n  --a: 1;\n}\n"
        );
        assert_eq!(output.warnings.len(), 3);
        assert_eq!(place(&output.warnings[2]), ("src/a.css".to_owned(), 3, 0));
        assert_idempotent(&output, false);
    }

    #[test]
    fn descendant_selectors_from_the_root() {
        let output = pretty(":root .btn { color: red }\nhtml body { margin: 0 }\n:root > main::before { content: \"\" }\n");
        assert_eq!(
            output.code,
            ":host .btn, :root .btn {\n  color: red;\n}\n\nhtml body, :host body {\n  margin: 0;\n}\n\n:host > main:before, :root > main:before {\n  content: \"\";\n}\n"
        );
        assert_idempotent(&output, false);
    }

    #[test]
    fn selector_lists() {
        let output =
            pretty(":root, .x { color: red }\n.y, html { color: blue }\n:root, html { --a: 1 }\n");
        assert_eq!(
            output.code,
            ":host, :root, .x {\n  color: red;\n}\n\n.y, html, :host {\n  color: #00f;\n}\n\n:host, :root, html {\n  --a: 1;\n}\n"
        );
        assert_eq!(output.warnings.len(), 3);
        assert_eq!(
            output.warnings[0].message,
            "\":root, .x\" selector rewritten to \":host, :root, .x\" for Shadow DOM; write \":host, :root, .x\" yourself to silence this warning"
        );
        assert_idempotent(&output, false);
    }

    #[test]
    fn inside_media_supports_and_layer() {
        let source = "@media (prefers-color-scheme: dark) {\n  :root { --bg: #000 }\n}\n@supports (display: grid) {\n  html { display: block }\n}\n@layer base {\n  :root .card { color: red }\n}\n";
        let output = pretty(source);
        assert_eq!(
            output.code,
            "@media (prefers-color-scheme: dark) {\n  :host, :root {\n    --bg: #000;\n  }\n}\n\n@supports (display: grid) {\n  html, :host {\n    display: block;\n  }\n}\n\n@layer base {\n  :host .card, :root .card {\n    color: red;\n  }\n}\n"
        );
        let lines: Vec<u32> = output.warnings.iter().map(|w| place(w).1).collect();
        assert_eq!(lines, vec![2, 5, 8]);
        assert_eq!(place(&output.warnings[0]).2, 2);
        assert_idempotent(&output, false);
        let small = minified(source);
        assert_eq!(
            small.code,
            "@media (prefers-color-scheme:dark){:host,:root{--bg:#000}}@supports (display:grid){html,:host{display:block}}@layer base{:host .card,:root .card{color:red}}"
        );
        assert_idempotent(&small, true);
    }

    #[test]
    fn nesting_is_lowered_and_rewritten() {
        let output = pretty(".a {\n  color: blue;\n  .b { color: red }\n}\n");
        assert_eq!(
            output.code,
            ".a {\n  color: #00f;\n}\n\n.a .b {\n  color: red;\n}\n"
        );
        let output =
            pretty(":root {\n  --a: 1;\n  .card { color: var(--a) }\n  &.dark { --a: 2 }\n}\n");
        assert_eq!(
            output.code,
            ":host, :root {\n  --a: 1;\n}\n\n:host .card, :root .card {\n  color: var(--a);\n}\n\n:host(.dark), :root.dark {\n  --a: 2;\n}\n"
        );
        // One warning, for the rule that wrote `:root`; nested rules inherit it.
        assert_eq!(output.warnings.len(), 1);
        assert_idempotent(&output, false);
        let output = pretty("@media (min-width: 600px) {\n  .a { html & { color: red } }\n}\n");
        assert_eq!(
            output.code,
            "@media (min-width: 600px) {\n  html .a, :host .a {\n    color: red;\n  }\n}\n"
        );
        assert_eq!(place(&output.warnings[0]).1, 2);
    }

    #[test]
    fn already_correct_rules_are_untouched() {
        let source = ":host, :root {\n  --a: 1;\n}\n\nhtml, :host {\n  line-height: 1.5;\n}\n\n:root, :host {\n  --b: 2;\n}\n\n:host(.dark), :root.dark {\n  --a: 3;\n}\n\n.x :host {\n  color: red;\n}\n";
        let output = pretty(source);
        assert_eq!(output.code, source);
        assert_eq!(output.warnings, vec![]);
        let small = minified(source);
        assert_eq!(small.warnings, vec![]);
        assert_idempotent(&small, true);
    }

    #[test]
    fn rewrite_is_idempotent_minified_and_pretty() {
        let source = ":root { --a: 1 }\n:root.dark .x, html > body { color: red }\n@media print { html { color: black } }\n.a { :root & { color: blue } }\n";
        for minify in [false, true] {
            let output = bundle(&[("src/a.css", source)], &["src/a.css"], minify).unwrap();
            assert_eq!(output.warnings.len(), 4);
            assert_idempotent(&output, minify);
        }
    }

    #[test]
    fn minified_output_has_no_newlines_or_indentation() {
        let output = minified(":root {\n  --a: 1;\n}\n\n.a {\n  .b { color: red; }\n}\n@media (max-width: 10px) {\n  .c { margin: 0 }\n}\n");
        assert_eq!(
            output.code,
            ":host,:root{--a:1}.a .b{color:red}@media (max-width:10px){.c{margin:0}}"
        );
        assert!(!output.code.contains('\n'));
        assert!(!output.code.contains("  "));
    }

    #[test]
    fn imports_are_inlined_in_order() {
        let files = [
            (
                "src/styles/a.css",
                "@import \"b.css\";\n@import './c.css';\n.a { color: red }\n",
            ),
            (
                "src/styles/b.css",
                "@import url(\"../shared/d.css\");\n.b { margin: 1px }\n",
            ),
            ("src/styles/c.css", ".c { padding: 2px }\n"),
            ("src/shared/d.css", ".d { top: 3px }\n"),
            (
                "src/e.css",
                "@import \"/src/styles/c.css\";\n.e { left: 4px }\n",
            ),
        ];
        let output = bundle(&files, &["src/styles/a.css", "src/e.css"], true).unwrap();
        // `c.css` is imported twice; CSS keeps the last import.
        assert_eq!(
            output.code,
            ".d{top:3px}.b{margin:1px}.a{color:red}.c{padding:2px}.e{left:4px}"
        );
        let output = bundle(&files, &["src/styles/a.css", "src/e.css"], false).unwrap();
        let order: Vec<&str> = output.code.lines().filter(|l| l.ends_with('{')).collect();
        assert_eq!(order, vec![".d {", ".b {", ".a {", ".c {", ".e {"]);
    }

    #[test]
    fn import_conditions_wrap_the_rules() {
        let files = [
            ("src/a.css", "@import \"./print.css\" print;\n@import \"./grid.css\" supports(display: grid);\n.a { color: red }\n"),
            ("src/print.css", ":root { --ink: black }\n"),
            ("src/grid.css", ".g { display: grid }\n"),
        ];
        let output = bundle(&files, &["src/a.css"], true).unwrap();
        assert_eq!(
            output.code,
            "@media print{:host,:root{--ink:black}}@supports (display:grid){.g{display:grid}}.a{color:red}"
        );
        assert_eq!(
            place(&output.warnings[0]),
            ("src/print.css".to_owned(), 1, 0)
        );
    }

    #[test]
    fn external_imports_are_kept_and_hoisted() {
        let files = [
            ("src/a.css", ".a { color: red }\n"),
            ("src/b.css", "@import url(https://fonts.googleapis.com/css2?family=Inter);\n@import \"./c.css\";\n.b { color: red }\n"),
            ("src/c.css", "@import \"https://example.com/x.css\" screen;\n@import \"https://fonts.googleapis.com/css2?family=Inter\";\n.c { margin: 0 }\n"),
        ];
        let output = bundle(&files, &["src/a.css", "src/b.css"], false).unwrap();
        assert_eq!(
            output.code,
            "@import \"https://fonts.googleapis.com/css2?family=Inter\";\n@import \"https://example.com/x.css\" screen;\n\n.a {\n  color: red;\n}\n\n.c {\n  margin: 0;\n}\n\n.b {\n  color: red;\n}\n"
        );
        let output = bundle(&files, &["src/a.css", "src/b.css"], true).unwrap();
        assert_eq!(
            output.code,
            "@import \"https://fonts.googleapis.com/css2?family=Inter\";@import \"https://example.com/x.css\" screen;.a{color:red}.c{margin:0}.b{color:red}"
        );
    }

    #[test]
    fn import_cycles_terminate() {
        let files = [
            ("src/a.css", "@import \"./b.css\";\n.a { color: red }\n"),
            ("src/b.css", "@import \"./a.css\";\n.b { margin: 0 }\n"),
        ];
        let output = bundle(&files, &["src/a.css"], true).unwrap();
        assert_eq!(output.code, ".b{margin:0}.a{color:red}");
    }

    #[test]
    fn missing_import_names_the_importer() {
        let files = [
            (
                "src/a.css",
                "/* x */\n  @import \"./missing.css\";\n.a { color: red }\n",
            ),
            ("src/b.css", "@import '../../up.css';\n"),
        ];
        let errors = errors(&files, &["src/a.css", "src/b.css"]);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].message, "Could not resolve \"./missing.css\"");
        assert_eq!(place(&errors[0]), ("src/a.css".to_owned(), 2, 2));
        assert_eq!(
            errors[0].location.as_ref().unwrap().length,
            "@import \"./missing.css\";".len() as u32
        );
        assert_eq!(
            errors[0].notes[0].text,
            "There is no file \"src/missing.css\" in the app."
        );
        assert_eq!(errors[1].message, "Could not resolve \"../../up.css\"");
        assert_eq!(place(&errors[1]), ("src/b.css".to_owned(), 1, 0));
        let rendered = errors[0].render();
        assert!(rendered.contains("src/a.css:2:2:"), "{rendered}");
    }

    #[test]
    fn syntax_errors_have_file_line_and_column() {
        let files = [
            ("src/a.css", "@import \"./b.css\";\n.a { color: red }\n.b..c { color: red }\n.d { width: 10px !imp; }\n"),
            ("src/b.css", "\n.ok { color: red }\n.x > > .y { }\n"),
            ("src/c.css", ".日本..x { }\n"),
        ];
        let errors = errors(&files, &["src/a.css", "src/c.css"]);
        let places: Vec<(String, u32, u32)> = errors.iter().map(place).collect();
        assert_eq!(
            places,
            vec![
                ("src/a.css".to_owned(), 3, 3),
                ("src/a.css".to_owned(), 4, 17),
                ("src/b.css".to_owned(), 3, 5),
                ("src/c.css".to_owned(), 1, 4)
            ],
            "{errors:#?}"
        );
        assert!(errors.iter().all(|e| e.severity == Severity::Error));
        assert_eq!(
            errors[0].message,
            "Expected identifier in class selector, got Delim('.')"
        );
        assert_eq!(errors[2].message, "Invalid dangling combinator in selector");
        // A stray `}` starts a rule that never ends: reported where the input ends.
        let errors = errors_of("src/d.css", ".a { color: red; }\n}\n");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "Unexpected end of input");
        assert_eq!(place(&errors[0]), ("src/d.css".to_owned(), 3, 0));
        // A block left open at the end is closed by the end (CSS syntax).
        assert_eq!(
            pretty(".a { color: red;\n").code,
            ".a {\n  color: red;\n}\n"
        );
    }

    fn errors_of(path: &str, source: &str) -> Vec<Diagnostic> {
        errors(&[(path, source)], &[path])
    }

    #[test]
    fn unknown_at_rules_and_pseudo_classes_are_warnings() {
        let output = pretty(".a:hovr { color: red }\n@foo bar;\n");
        assert_eq!(output.code, ".a:hovr {\n  color: red;\n}\n\n@foo bar;\n");
        let found: Vec<(&str, u32)> = output
            .warnings
            .iter()
            .map(|w| (w.message.as_str(), w.location.as_ref().unwrap().line))
            .collect();
        assert_eq!(
            found,
            vec![
                ("'hovr' is not recognized as a valid pseudo-class. Did you mean '::hovr' (pseudo-element) or is this a typo?", 1),
                ("Unknown at rule: @foo", 2)
            ]
        );
        assert!(output
            .warnings
            .iter()
            .all(|w| w.severity == Severity::Warning));
    }

    #[test]
    fn tailwind_is_refused() {
        let files = [
            ("src/a.css", "@tailwind base;\n@tailwind components;\n"),
            ("src/b.css", "@import \"tailwindcss\";\n"),
        ];
        let errors = errors(&files, &["src/a.css", "src/b.css"]);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert_eq!(
            errors[0].message,
            "Tailwind directives are not supported in custom apps (src/a.css)"
        );
        assert_eq!(place(&errors[1]), ("src/a.css".to_owned(), 2, 0));
        assert_eq!(
            errors[2].message,
            "Tailwind directives are not supported in custom apps (src/b.css)"
        );
    }

    #[test]
    fn missing_entry_and_empty_input() {
        let errors = errors(&[], &["src/gone.css"]);
        assert_eq!(
            errors[0].message,
            "Could not read \"src/gone.css\": no such file"
        );
        let output = bundle(&[], &[], true).unwrap();
        assert_eq!(
            output,
            CssOutput {
                code: String::new(),
                warnings: vec![],
                files: vec![],
            }
        );
    }

    #[test]
    fn output_is_deterministic() {
        let files: Vec<(String, String)> = (0..20)
            .map(|i| {
                (
                    format!("src/f{i}.css"),
                    format!("@import \"./g{i}.css\";\n:root .f{i} {{ color: red }}\n"),
                )
            })
            .chain((0..20).map(|i| {
                (
                    format!("src/g{i}.css"),
                    format!(".g{i} {{ margin: {i}px }}\n"),
                )
            }))
            .collect();
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let entries: Vec<String> = (0..20).map(|i| format!("src/f{i}.css")).collect();
        let entries: Vec<&str> = entries.iter().map(String::as_str).collect();
        let first = bundle(&files, &entries, false).unwrap();
        for _ in 0..5 {
            assert_eq!(bundle(&files, &entries, false).unwrap(), first);
        }
        assert_eq!(first.warnings.len(), 20);
        assert_eq!(place(&first.warnings[7]), ("src/f7.css".to_owned(), 2, 0));
    }

    #[test]
    fn host_twin_unit() {
        let parse = |text: &str| {
            let sheet = StyleSheet::parse(text, ParserOptions::default()).unwrap();
            let CssRule::Style(style) = &sheet.rules.0[0] else {
                panic!("not a style rule")
            };
            let out = add_host_twins(&style.selectors)
                .map(|list| list.to_css_string(PrinterOptions::default()).unwrap());
            out
        };
        assert_eq!(parse(":root {}").as_deref(), Some(":host, :root"));
        assert_eq!(
            parse(":root:hover .x {}").as_deref(),
            Some(":host(:hover) .x, :root:hover .x")
        );
        assert_eq!(
            parse(":root.a[b] > .c.d:hover + p::after {}").as_deref(),
            Some(":host(.a[b]) > .c.d:hover + p:after, :root.a[b] > .c.d:hover + p:after")
        );
        assert_eq!(parse(":host, :root {}"), None);
        assert_eq!(parse(".a :root {}"), None);
        assert_eq!(parse("body {}"), None);
    }

    /// `code` without the `--lightningcss-light/dark` declarations.
    fn without_light_dark_helpers(code: &str) -> String {
        let mut out = String::new();
        let mut rest = code;
        while let Some(start) = rest.find("--lightningcss-") {
            out.push_str(&rest[..start]);
            rest = &rest[start..];
            let end = rest.find([';', '}']).unwrap_or(rest.len());
            rest = rest[end..].strip_prefix(';').unwrap_or(&rest[end..]);
        }
        out.push_str(rest);
        out.replace(";}", "}")
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn corpus(name: &str) {
        let path = format!(
            "{}/../../shared/corpus/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("the corpus file {path} is missing ({e}); it lives in the shared folder next to the repository"));
        let vfs: BTreeMap<String, String> = serde_json::from_str(&text).unwrap();
        let entries: Vec<String> = vfs
            .keys()
            .filter(|p| p.ends_with(".css"))
            .cloned()
            .collect();
        assert!(!entries.is_empty(), "{path} has no CSS");
        for minify in [false, true] {
            let output = bundle_css(&entries, &|p| vfs.get(p).cloned(), minify)
                .unwrap_or_else(|e| panic!("{name}: {}", crate::diagnostic::render_all(&e)));
            assert_reparses(&output.code);
            assert!(
                output.code.contains(":host,")
                    || output.code.contains(":host ,")
                    || output.code.contains(":host, ")
            );
            assert!(!output.warnings.is_empty());
            let again = bundle_css(
                &["x.css".to_owned()],
                &|_| Some(output.code.clone()),
                minify,
            )
            .unwrap();
            assert_eq!(again.warnings, vec![]);
            // lightningcss adds its `light-dark()` helper variables to every
            // `color-scheme` declaration again on each pass; apart from them,
            // a second pass changes nothing.
            assert_eq!(
                without_light_dark_helpers(&again.code),
                without_light_dark_helpers(&output.code),
                "{name}: not idempotent (minify: {minify})"
            );
        }
    }

    #[test]
    fn corpus_small() {
        corpus("small");
    }

    #[test]
    fn corpus_medium() {
        corpus("medium");
    }

    #[test]
    fn corpus_large() {
        corpus("large");
    }
}
