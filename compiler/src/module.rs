//! One module: parse, strip types, JSX, lower to ES2020, turn into a CommonJS
//! function body, optionally minify, print. Each module is done on its own
//! (own swc globals and source map), so modules compile in parallel and a
//! module's output can be cached by its content.

use std::cell::RefCell;
// foldhash: the module passes' maps are keyed by identifiers and looked up
// for every identifier or member expression of a module (SipHash showed in
// a profile of a cold compile; foldhash is already the module cache's).
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use swc_core::common::comments::{SingleThreadedComments, SingleThreadedCommentsMapInner};
use swc_core::common::sync::Lrc;
use swc_core::common::{
    BytePos, FileName, Globals, Mark, SourceFile, SourceMap, Span, Spanned, SyntaxContext,
    DUMMY_SP, GLOBALS,
};
use swc_core::ecma::ast::{
    ArrowExpr, ArrowFunctionBody, AssignExpr, AssignOp, AssignTarget, CallExpr, Callee, ClassDecl,
    ClassExpr, Decl, DefaultDecl, EsVersion, ExportDefaultDecl, ExportSpecifier, Expr, ExprStmt,
    FnDecl, FnExpr, Function, FunctionBody, Ident, IdentName, ImportDecl, ImportSpecifier,
    KeyValueProp, Lit, MemberExpr, MemberProp, Module, ModuleDecl, ModuleExportName, ModuleItem,
    Number, ObjectLit, Param, Pat, Program, Prop, PropName, PropOrSpread, ReturnStmt, Script,
    SimpleAssignTarget, Stmt, Str, VarDecl, VarDeclKind, VarDeclarator,
};
use swc_core::ecma::codegen::text_writer::{omit_trailing_semi, JsWriter, WriteJs};
use swc_core::ecma::codegen::Emitter;
use swc_core::ecma::minifier::option::{
    CompressOptions, ExtraOptions, MangleOptions, MinifyOptions, TopLevelOptions,
};
use swc_core::ecma::parser::error::SyntaxError;
use swc_core::ecma::parser::{parse_file_as_module, EsSyntax, Syntax, TsSyntax};
use swc_core::ecma::transforms::base::fixer::fixer;
use swc_core::ecma::transforms::base::helpers::{inject_helpers, Helpers, HELPERS};
use swc_core::ecma::transforms::base::hygiene::hygiene;
use swc_core::ecma::transforms::base::resolver;
use swc_core::ecma::transforms::compat::{es2021, es2022};
use swc_core::ecma::transforms::module::common_js::{common_js, FeatureFlag};
use swc_core::ecma::transforms::module::path::Resolver;
use swc_core::ecma::transforms::react::{jsx, Options as JsxOptions, Runtime};
use swc_core::ecma::transforms::typescript::typescript;
use swc_core::ecma::visit::{visit_mut_pass, Visit, VisitMut, VisitMutWith, VisitWith};

use crate::diagnostic::{Diagnostic, Location};
use crate::jsx_tags;
use crate::lints::Lints;
use crate::nesting;

/// How a module imports another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportKind {
    /// `import …`, `export … from` of a JS-like module: part of the bundle.
    Module,
    /// `import "./x.css"`: collected into the CSS output, removed from the JS.
    Css,
}

/// One static import of a module, with where it is written.
#[derive(Debug, Clone)]
pub struct Import {
    pub specifier: String,
    pub kind: ImportKind,
    pub location: Location,
    /// The exports of the imported module this import reads.
    pub names: Names,
}

/// Which exports of a module an import reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Names {
    /// A namespace import: any of them.
    All,
    /// `export * from`: the names the module's own importers read.
    Star,
    /// These, by exported name (`default` for a default import).
    Some(Vec<String>),
}

/// What compiling one module produced.
#[derive(Debug, Clone)]
pub struct ModuleOutput {
    /// A function expression, the module's factory: `function (exports,
    /// require, module) { … }` (the parameters shortened when minified).
    /// Its code calls `require(i)` with `i` an index into `requires`.
    pub code: String,
    /// The specifiers the factory requires, by index: files of the app,
    /// runtime packages and [`HELPERS_PREFIX`] helpers.
    pub requires: Vec<String>,
    /// Mappings from `code` to the original file (dev builds only).
    /// Dev: the module's source map as JSON (sources content included),
    /// made once, so that a bundle's map is a concatenation of these.
    pub source_map: Option<String>,
    /// Where compiling this module spent its time.
    pub stages: StageTimes,
}

/// The stages of one module's compile, in pipeline order.
pub const STAGES: [&str; 8] = [
    "parse",
    "scan imports and lints",
    "strip TS",
    "JSX",
    "lower to ES2020",
    "CommonJS",
    "minify",
    "print",
];

/// Time per stage of [`STAGES`]; measuring costs two clock reads a stage.
#[derive(Debug, Clone, Copy, Default)]
pub struct StageTimes(pub [std::time::Duration; STAGES.len()]);

impl StageTimes {
    pub fn add(&mut self, other: &StageTimes) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine += theirs;
        }
    }
}

/// Times consecutive stages: each `lap` charges the time since the last one.
struct Laps {
    times: StageTimes,
    last: std::time::Instant,
}

impl Laps {
    fn start() -> Laps {
        Laps {
            times: StageTimes::default(),
            last: std::time::Instant::now(),
        }
    }

    fn lap(&mut self, stage: usize) {
        let now = std::time::Instant::now();
        self.times.0[stage] += now - self.last;
        self.last = now;
    }
}

/// How a file is loaded, by extension (esbuild's loaders).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loader {
    Ts { tsx: bool },
    Js,
    Json,
    Text,
    DataUrl(&'static str),
    Css,
}

impl Loader {
    pub fn for_path(path: &str) -> Option<Loader> {
        let ext = Path::new(path).extension()?.to_str()?;
        Some(match ext {
            "ts" | "mts" | "cts" => Loader::Ts { tsx: false },
            "tsx" => Loader::Ts { tsx: true },
            "js" | "jsx" | "mjs" | "cjs" => Loader::Js,
            "json" => Loader::Json,
            "txt" | "md" => Loader::Text,
            "svg" => Loader::DataUrl("image/svg+xml"),
            "png" => Loader::DataUrl("image/png"),
            "css" => Loader::Css,
            _ => return None,
        })
    }
}

/// Export names, shared: the same list goes to every importer of a module.
pub type ExportNames = Arc<[String]>;

/// What the rest of the graph tells a module's compile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Context {
    /// The exports to keep (tree shaking): the others become local, and go
    /// if unused. `None`: all.
    pub keep: Option<Vec<String>>,
    /// By specifier, the [`Scan::stable`] exports of the module it names,
    /// which the module may read once where it requires it.
    pub stable: Vec<(String, ExportNames)>,
    /// The specifiers naming [`Scan::esm`] modules: importing them needs no
    /// interop helper.
    pub esm: Vec<String>,
    /// The specifiers naming JSON, text and image files, whose exports
    /// object is the file's value: their default import is that value.
    pub values: Vec<String>,
}

/// Options that change a module's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModuleOptions {
    pub minify: bool,
    pub source_map: bool,
}

/// Compiles one file that is not CSS. Errors carry file, line and column.
/// `parsed`: the file as [`scan_module`] parsed it
/// (else it is parsed again).
pub fn compile_module(
    path: &str,
    source: &str,
    loader: Loader,
    options: ModuleOptions,
    context: &Context,
    parsed: Option<Parsed>,
) -> Result<ModuleOutput, Vec<Diagnostic>> {
    // A file loaded as a value: a factory that exports it.
    let value_module = |value: String| ModuleOutput {
        // Minified, `module` is the third parameter (see COMPACT_FRAME_NAMES).
        code: if options.minify {
            format!("(r,d,m)=>m.exports={value}")
        } else {
            format!("function (exports, require, module) {{\nmodule.exports = {value};\n}}")
        },
        requires: Vec::new(),
        source_map: None,
        stages: StageTimes::default(),
    };
    match loader {
        // The scan checked the file (a compile stops at any reached file
        // whose scan failed): what is left is writing its value as JS, in
        // dev too (JSON text as it is would make a `"__proto__"` key the
        // object's prototype).
        Loader::Json => Ok(value_module(json_to_js(source))),
        Loader::Text => Ok(value_module(json_string(source))),
        Loader::DataUrl(mime) => {
            use base64::Engine as _;
            let data = base64::engine::general_purpose::STANDARD.encode(source.as_bytes());
            Ok(value_module(format!("\"data:{mime};base64,{data}\"")))
        }
        Loader::Ts { .. } | Loader::Js => GLOBALS.set(&Globals::new(), || {
            script_module(path, source, loader, options, context, parsed)
        }),
        Loader::Css => Err(vec![Diagnostic::error(
            format!("{path} is CSS and cannot be compiled as a module"),
            Some(Location::file_only(path)),
        )]),
    }
}

fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// Checks the syntax of a JSON file without building its value (a large
/// fixture is thousands of maps and strings, allocated only to be dropped).
fn check_json(path: &str, source: &str) -> Result<(), Vec<Diagnostic>> {
    match serde_json::from_str::<serde::de::IgnoredAny>(source) {
        Ok(_) => Ok(()),
        Err(err) => {
            let line = err.line().max(1);
            let line_start: usize = source
                .split_inclusive('\n')
                .take(line - 1)
                .map(str::len)
                .sum();
            // serde_json's column is the 1-based column of the last
            // character read; 0 when that was the line break before.
            let offset = match err.column() {
                0 => line_start.saturating_sub(1),
                column => {
                    line_start
                        + source[line_start..]
                            .char_indices()
                            .nth(column - 1)
                            .map_or(0, |(i, _)| i)
                }
            };
            let message = err.to_string();
            let message = message.split(" at line").next().unwrap_or(&message);
            Err(vec![Diagnostic::error(
                format!("Invalid JSON: {message}"),
                Some(Location::from_offset(path, source, offset, 1)),
            )])
        }
    }
}

/// Valid JSON text as a compact JS expression of the same value, keys in
/// their order: no whitespace, keys unquoted where they are identifiers,
/// `true`/`false` as `!0`/`!1` (what esbuild prints for a JSON import).
fn json_to_js(json: &str) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                let literal = &json[start..i];
                let inner = &literal[1..literal.len().saturating_sub(1).max(1)];
                let next = json[i..].trim_start().as_bytes().first();
                if next == Some(&b':') && inner == "__proto__" {
                    // `__proto__: x` would set the prototype; JSON makes a key.
                    out.push_str("[\"__proto__\"]");
                } else if next == Some(&b':') && is_identifier(inner) {
                    out.push_str(inner);
                } else {
                    out.push_str(literal);
                }
            }
            b't' if json[i..].starts_with("true") => {
                out.push_str("!0");
                i += 4;
            }
            b'f' if json[i..].starts_with("false") => {
                out.push_str("!1");
                i += 5;
            }
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            _ => {
                // Outside strings, valid JSON is ASCII.
                out.push(char::from(bytes[i]));
                i += 1;
            }
        }
    }
    out
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Byte offsets of a span inside its file.
fn location(path: &str, source: &str, start: u32, span: Span) -> Location {
    let lo = span.lo.0.saturating_sub(start) as usize;
    let hi = span.hi.0.saturating_sub(start) as usize;
    Location::from_offset(path, source, lo, hi.saturating_sub(lo))
}

fn syntax_error(
    path: &str,
    source: &str,
    start: u32,
    error: swc_core::ecma::parser::error::Error,
) -> Diagnostic {
    let span = error.span();
    let offset = span.lo.0.saturating_sub(start) as usize;
    // A mismatched closing tag is told esbuild's way, whichever error swc
    // gave for it, with a note at the opening tag.
    let near_tag = matches!(error.kind(), SyntaxError::JSXExpectedClosingTag { .. })
        || error.kind().msg().starts_with("Expected '</'");
    if near_tag {
        if let Some(m) = jsx_tags::find_mismatch(source, span.hi.0.saturating_sub(start) as usize) {
            return Diagnostic::error(
                format!(
                    "Unexpected closing \"{}\" tag does not match opening \"{}\" tag",
                    m.closing, m.opening
                ),
                Some(Location::from_offset(
                    path,
                    source,
                    m.closing_at,
                    m.closing.len(),
                )),
            )
            .with_note(
                format!("The opening \"{}\" tag is here:", m.opening),
                Some(Location::from_offset(
                    path,
                    source,
                    m.opening_at,
                    m.opening.len(),
                )),
            );
        }
    }
    let at = Location::from_offset(
        path,
        source,
        offset,
        span.hi.0.saturating_sub(span.lo.0) as usize,
    );
    Diagnostic::error(error.kind().msg().into_owned(), Some(at))
}

/// What the first pass learns of a module (see [`scan_module`]).
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// The names the module exports (ES syntax); `None` when not known
    /// (`export *`, `export =`) or not an ES module.
    pub exports: Option<Vec<String>>,
    /// Exports bound to a function declaration the module never assigns:
    /// defined before the module's code runs (hoisted), even in an import
    /// cycle, and never changed, so an importer may read them once.
    pub stable: Vec<String>,
    /// Exports that never change once the module's code has run: bound to
    /// a top-level declaration the module never assigns after it (a
    /// function, class, enum, or a variable declared once), or an
    /// anonymous default. An importer the module cannot reach back to (in
    /// another strongly connected part of the import graph) may read them
    /// once, where it requires the module: the module has run by then.
    pub settled: Vec<String>,
    /// `export … from` re-exports: what another module's settled exports
    /// make settled here.
    pub reexports: Vec<Reexport>,
    /// Every name the module exports itself, `export *` aside.
    pub own_exports: Vec<String>,
    /// The module is written with ES import/export syntax (and no TS
    /// `export =`): its exports object is marked `__esModule`, so swc's
    /// interop helpers return it as it is.
    pub esm: bool,
    pub imports: Vec<Import>,
    pub warnings: Vec<Diagnostic>,
}

impl Scan {
    /// Whether `other` tells the import graph and every module's
    /// [`Context`] what this scan does: all of it but the warnings and
    /// where the imports are written (which only errors tell).
    pub fn same_shape(&self, other: &Scan) -> bool {
        let Scan {
            exports,
            stable,
            settled,
            reexports,
            own_exports,
            esm,
            imports,
            warnings: _,
        } = self;
        let same_import = |(a, b): (&Import, &Import)| {
            let Import {
                specifier,
                kind,
                names,
                location: _,
            } = a;
            *specifier == b.specifier && *kind == b.kind && *names == b.names
        };
        *exports == other.exports
            && *stable == other.stable
            && *settled == other.settled
            && *reexports == other.reexports
            && *own_exports == other.own_exports
            && *esm == other.esm
            && imports.len() == other.imports.len()
            && imports.iter().zip(&other.imports).all(same_import)
    }
}

/// `export { imported as exported } from "specifier"`; `imported` is
/// `None` for `export * as exported from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reexport {
    pub exported: String,
    pub specifier: String,
    pub imported: Option<String>,
}

/// A module parsed by [`scan_module`], handed to [`compile_module`] so that
/// a cold compile parses each file once. Plain data (no `Rc`), so it may
/// move to another thread.
pub struct Parsed {
    module: Module,
    leading: SingleThreadedCommentsMapInner,
    trailing: SingleThreadedCommentsMapInner,
}

/// The first pass over a file: parse it, collect its imports and exports
/// and lint it. Errors (syntax, dynamic `import()`, CSS modules, invalid
/// JSON) are the module's errors. Returns the parsed module for the
/// compile, and the time parsing and scanning took.
pub fn scan_module(
    path: &str,
    source: &str,
    loader: Loader,
) -> (Result<Scan, Vec<Diagnostic>>, Option<Parsed>, StageTimes) {
    match loader {
        Loader::Ts { .. } | Loader::Js => {
            let mut laps = Laps::start();
            let (_cm, fm) = source_file(path, source);
            let start = fm.start_pos.0;
            let comments = SingleThreadedComments::default();
            let (mut module, mut errors) = match parse(path, source, &fm, loader, &comments) {
                Ok(parsed) => parsed,
                Err(errors) => return (Err(errors), None, laps.times),
            };
            laps.lap(0);
            let mut scan = ImportScan {
                path,
                source,
                start,
                imports: Vec::new(),
                exports: Some(Vec::new()),
                functions: Vec::new(),
                bindings: Vec::new(),
                reexports: Vec::new(),
                own_exports: Vec::new(),
                export_assign: false,
                assigned: Vec::new(),
                module_syntax: false,
                errors: Vec::new(),
            };
            module.visit_with(&mut scan);
            errors.append(&mut scan.errors);
            let mut lints = Lints::new(path, source, start);
            module.visit_with(&mut lints);
            if !errors.is_empty() {
                return (Err(errors), None, laps.times);
            }
            remove_css_imports(&mut module);
            let (leading, trailing) = comments.take_all();
            let parsed = Parsed {
                module,
                leading: std::mem::take(&mut *leading.borrow_mut()),
                trailing: std::mem::take(&mut *trailing.borrow_mut()),
            };
            laps.lap(1);
            let stable = scan
                .functions
                .iter()
                .filter(|(_, local)| !local.as_ref().is_some_and(|l| scan.assigned.contains(l)))
                .map(|(name, _)| name.clone())
                .collect();
            let settled = settled_exports(&parsed.module, &scan.bindings, &scan.assigned);
            let scan = Scan {
                esm: scan.module_syntax && !scan.export_assign,
                exports: scan.exports,
                stable,
                settled,
                reexports: scan.reexports,
                own_exports: scan.own_exports,
                imports: scan.imports,
                warnings: lints.into_warnings(),
            };
            (Ok(scan), Some(parsed), laps.times)
        }
        Loader::Json => (
            check_json(path, source).map(|()| Scan::default()),
            None,
            StageTimes::default(),
        ),
        Loader::Text | Loader::DataUrl(_) | Loader::Css => {
            (Ok(Scan::default()), None, StageTimes::default())
        }
    }
}

/// A source map holding the one file. Made the same way in both passes,
/// so the spans of a [`Parsed`] module fit the second one.
fn source_file(path: &str, source: &str) -> (Lrc<SourceMap>, Lrc<SourceFile>) {
    let cm: Lrc<SourceMap> = Default::default();
    let fm = cm.new_source_file(FileName::Custom(path.to_owned()).into(), source.to_owned());
    (cm, fm)
}

/// Parses a script; errors the parser recovered from are returned beside
/// the module.
fn parse(
    path: &str,
    source: &str,
    fm: &SourceFile,
    loader: Loader,
    comments: &SingleThreadedComments,
) -> Result<(Module, Vec<Diagnostic>), Vec<Diagnostic>> {
    let start = fm.start_pos.0;
    let syntax = match loader {
        Loader::Ts { tsx } => Syntax::Typescript(TsSyntax {
            tsx,
            ..Default::default()
        }),
        _ => Syntax::Es(EsSyntax {
            jsx: true,
            ..Default::default()
        }),
    };
    // swc recurses once per level of nesting: a script nested too deeply
    // would overflow the compiler thread's stack, which aborts the process.
    let jsx = !matches!(loader, Loader::Ts { tsx: false });
    if let Some(at) = nesting::too_deep(source, nesting::MAX_NESTING, jsx) {
        return Err(vec![nesting::error(
            path,
            source,
            at,
            "levels of brackets, operators and tags",
            "split it into smaller expressions, components or functions",
        )]);
    }
    let mut recovered = Vec::new();
    let parsed = parse_file_as_module(
        fm,
        syntax,
        EsVersion::latest(),
        Some(comments),
        &mut recovered,
    );
    let recovered = recovered
        .into_iter()
        .map(|e| syntax_error(path, source, start, e));
    match parsed {
        Ok(module) => Ok((module, recovered.collect())),
        Err(error) => Err(std::iter::once(syntax_error(path, source, start, error))
            .chain(recovered)
            .collect()),
    }
}

fn script_module(
    path: &str,
    source: &str,
    loader: Loader,
    options: ModuleOptions,
    context: &Context,
    parsed: Option<Parsed>,
) -> Result<ModuleOutput, Vec<Diagnostic>> {
    let mut laps = Laps::start();
    let (cm, fm) = source_file(path, source);
    let (is_ts, jsx_enabled) = match loader {
        Loader::Ts { tsx } => (true, tsx),
        _ => (false, true),
    };
    let (module, comments) = match parsed {
        Some(parsed) => (
            parsed.module,
            SingleThreadedComments::from_leading_and_trailing(
                Rc::new(RefCell::new(parsed.leading)),
                Rc::new(RefCell::new(parsed.trailing)),
            ),
        ),
        None => {
            let comments = SingleThreadedComments::default();
            let (mut module, errors) = parse(path, source, &fm, loader, &comments)?;
            if !errors.is_empty() {
                return Err(errors);
            }
            remove_css_imports(&mut module);
            (module, comments)
        }
    };
    laps.lap(0);

    // External helpers: `require`d from one helper module each, which the
    // bundle holds once, instead of a copy in every module.
    let code_and_map = HELPERS.set(&Helpers::new(true), || {
        let unresolved = Mark::new();
        let top_level = Mark::new();
        let mut program = Program::Module(module);
        program.mutate(resolver(unresolved, top_level, is_ts));
        if is_ts {
            program.mutate(typescript::typescript(
                Default::default(),
                unresolved,
                top_level,
            ));
        }
        laps.lap(2);
        let syntax = ToRewrite::of(&program);
        if jsx_enabled && syntax.jsx {
            let jsx_options = JsxOptions {
                runtime: Some(Runtime::Automatic),
                development: Some(false),
                ..Default::default()
            };
            program.mutate(jsx(
                cm.clone(),
                Some(comments.clone()),
                jsx_options,
                top_level,
                unresolved,
            ));
        }
        laps.lap(3);
        if syntax.node_env {
            program.mutate(visit_mut_pass(DefineNodeEnv {
                value: if options.minify {
                    "production"
                } else {
                    "development"
                },
            }));
        }
        if syntax.class || syntax.regex {
            program.mutate(es2022::es2022(Default::default(), unresolved));
        }
        if syntax.logical_assign {
            program.mutate(es2021::es2021());
        }
        laps.lap(4);
        let features = FeatureFlag {
            support_block_scoping: true,
            support_arrow: true,
        };
        if let (Some(keep), Program::Module(module)) = (&context.keep, &mut program) {
            unexport(module, keep);
        }
        // The bundle is strict as a whole: no "use strict" per module.
        let config = swc_core::ecma::transforms::module::util::Config {
            strict_mode: false,
            ..Default::default()
        };
        program.mutate(common_js(Resolver::Default, unresolved, config, features));
        program.mutate(inject_helpers(unresolved));
        let (mut program, requires) = into_factory(program, unresolved, context, options.minify);
        laps.lap(5);
        if options.minify {
            program = swc_core::ecma::minifier::optimize(
                program,
                cm.clone(),
                Some(&comments),
                None,
                &minify_options(!is_minified(path)),
                &ExtraOptions {
                    unresolved_mark: unresolved,
                    top_level_mark: top_level,
                    mangle_name_cache: None,
                },
            );
        }
        laps.lap(6);
        // Minified, the mangler gave every binding its own name: no hygiene
        // pass.
        if !options.minify {
            program.mutate(hygiene());
        }
        program.mutate(fixer(Some(&comments)));
        let printed = emit(
            &cm,
            &program,
            if options.minify {
                None
            } else {
                Some(&comments)
            },
            options,
        );
        printed.map(|(code, map)| (code, map, requires))
    });
    let not_printed = |e: String| {
        vec![Diagnostic::error(
            format!("Could not print {path}: {e}"),
            None,
        )]
    };
    let (code, source_map, requires) = code_and_map.map_err(|e| not_printed(e.to_string()))?;
    // `__appbox_factory = function (…) {…};` → the function expression.
    let code = code
        .strip_prefix(FACTORY_GLOBAL)
        .map(|rest| rest.trim_start().trim_start_matches('=').trim_start())
        .map(|rest| rest.trim_end().trim_end_matches(';').to_owned())
        .ok_or_else(|| not_printed("the module's factory is missing".into()))?;
    laps.lap(7);
    Ok(ModuleOutput {
        code,
        requires,
        source_map,
        stages: laps.times,
    })
}

/// A file its author already minified (`*.min.js`): its names are mangled
/// once more (they are now a factory's locals), but it is not compressed
/// again. That would buy 4% of its bytes at 2.5 times the cost (large's
/// 155 KB `microchart.min.js`: 6.5 KB for 24 of its 40 ms of minifying).
fn is_minified(path: &str) -> bool {
    [".min.js", ".min.mjs", ".min.cjs"]
        .iter()
        .any(|ending| path.ends_with(ending))
}

/// `compress`: whether the compressor runs, not only the mangler.
fn minify_options(compress: bool) -> MinifyOptions {
    // The module is a function (its factory), so its code is a function
    // scope: unused code may go and every name, the factory's parameters
    // included, may be mangled. Its declarations keep the top-level mark the
    // resolver gave them, hence the top-level options.
    // One compress pass, not swc's two: the second costs about 40% of the
    // minifier's time and buys 0.03% of JS (measured on the corpus).
    let options = CompressOptions {
        top_level: Some(TopLevelOptions { functions: true }),
        passes: 1,
        ..Default::default()
    };

    // No character frequencies: swc prints the whole module once more to
    // count them (~10% of the minifier's time in a profile of large), only
    // to choose which letters the short names use: the names keep their
    // lengths (the corpus apps' bundles kept their sizes to the byte).
    let mangle = serde_json::json!({"topLevel": true, "disableCharFreq": true});
    let mangle: Option<MangleOptions> = serde_json::from_value(mangle).ok();
    MinifyOptions {
        compress: compress.then_some(options),
        mangle,
        ..Default::default()
    }
}

/// Where helpers are required from (swc's external helpers' paths).
pub const HELPERS_PREFIX: &str = "@swc/helpers/_/";
/// The global the factory is assigned to while it is minified and printed
/// (an assignment keeps the minifier from dropping it); never in a bundle.
const FACTORY_GLOBAL: &str = "__appbox_factory";
/// The names CommonJS code reads from its frame, and the loader's
/// [`define_exports`], in the order of the factory's parameters (dev).
const FRAME_NAMES: [&str; 4] = ["exports", "require", "module", "define_exports"];
/// The same names in the order of a minified factory's parameters: those an
/// ES module uses first, so that it declares only them (the loader's
/// `COMPACT_LOADER` passes them in this order).
const COMPACT_FRAME_NAMES: [&str; 4] = ["require", "define_exports", "module", "exports"];

/// Turns a CommonJS module into `__appbox_factory = function (exports,
/// require, module) { … }`: the frame's names become the function's own
/// parameters (so the minifier may shorten them), helper imports become
/// `require`s, and every `require("specifier")` becomes `require(i)`, `i`
/// the index of the specifier in the list returned.
fn into_factory(
    program: Program,
    unresolved: Mark,
    context: &Context,
    minify: bool,
) -> (Program, Vec<String>) {
    let unresolved = SyntaxContext::empty().apply_mark(unresolved);
    let frame = SyntaxContext::empty().apply_mark(Mark::new());
    let items = match program {
        Program::Module(module) => module.body,
        Program::Script(script) => script.body.into_iter().map(ModuleItem::Stmt).collect(),
    };
    let mut body: Vec<Stmt> = items
        .into_iter()
        .filter_map(|item| match item {
            ModuleItem::Stmt(stmt) => Some(stmt),
            // What inject_helpers adds: `import { _ as local } from
            // "@swc/helpers/_/…"`, becoming `var local = require("…")._`.
            ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => {
                let local = import.specifiers.first().map(|s| s.local().clone())?;
                let require = CallExpr {
                    callee: Callee::Expr(Box::new(Expr::Ident(Ident::new(
                        "require".into(),
                        DUMMY_SP,
                        unresolved,
                    )))),
                    args: vec![Expr::Lit(Lit::Str(*import.src)).into()],
                    ..Default::default()
                };
                // The helper is the module's export `_`.
                let helper = MemberExpr {
                    span: DUMMY_SP,
                    obj: Box::new(Expr::Call(require)),
                    prop: MemberProp::Ident("_".into()),
                };
                Some(Stmt::Decl(Decl::Var(Box::new(VarDecl {
                    kind: VarDeclKind::Var,
                    decls: vec![VarDeclarator {
                        span: DUMMY_SP,
                        name: Pat::Ident(local.into()),
                        init: Some(Box::new(Expr::Member(helper))),
                        definite: false,
                    }],
                    ..Default::default()
                }))))
            }
            // common_js leaves no other module declaration.
            ModuleItem::ModuleDecl(_) => None,
        })
        .collect();
    drop_interop(&mut body, unresolved, &context.esm, &context.values);
    define_exports(&mut body, unresolved, minify);
    // One walk makes the frame and reads package members once.
    let mut factory = Factory {
        unresolved,
        frame,
        requires: Vec::new(),
        used: Vec::new(),
        arguments: false,
        members: package_members(&body, unresolved, &context.stable),
        in_delete: false,
    };
    body.visit_mut_with(&mut factory);
    if let Some(members) = factory.members.take() {
        insert_package_members(&mut body, members.members);
    }
    // Minified: the parameters up to the last one used, and an arrow
    // function (swc's CommonJS makes a top-level `this` `undefined`) unless
    // the module says `arguments`.
    let names: &[&str] = if minify {
        let used = COMPACT_FRAME_NAMES
            .iter()
            .rposition(|name| factory.used.contains(name))
            .map_or(0, |last| last + 1);
        &COMPACT_FRAME_NAMES[..used]
    } else {
        &FRAME_NAMES
    };
    let params: Vec<Pat> = names
        .iter()
        .map(|name| Pat::Ident(Ident::new((*name).into(), DUMMY_SP, frame).into()))
        .collect();
    let body = FunctionBody {
        span: DUMMY_SP,
        stmts: body,
    };
    let factory_expr = if minify && !factory.arguments {
        Expr::Arrow(ArrowExpr {
            params,
            body: Box::new(ArrowFunctionBody::FunctionBody(body)),
            ..Default::default()
        })
    } else {
        Expr::Fn(FnExpr {
            ident: None,
            function: Box::new(Function {
                params: params
                    .into_iter()
                    .map(|pat| Param {
                        span: DUMMY_SP,
                        decorators: Vec::new(),
                        pat,
                    })
                    .collect(),
                body: Some(body),
                ..Default::default()
            }),
        })
    };
    let assign = AssignExpr {
        span: DUMMY_SP,
        op: AssignOp::Assign,
        left: AssignTarget::Simple(SimpleAssignTarget::Ident(
            Ident::new(FACTORY_GLOBAL.into(), DUMMY_SP, unresolved).into(),
        )),
        right: Box::new(factory_expr),
    };
    let script = Script {
        span: DUMMY_SP,
        body: vec![Stmt::Expr(ExprStmt {
            span: DUMMY_SP,
            expr: Box::new(Expr::Assign(assign)),
        })],
        shebang: None,
    };
    (Program::Script(script), factory.requires)
}

/// The source of the module behind a helper's specifier: the helper and the
/// helpers it uses, exporting it as `_` (what swc's external helpers read).
pub fn helper_source(specifier: &str) -> Option<String> {
    use swc_core::ecma::transforms::base::helpers::generated::ALL;
    let helper = ALL.iter().find(|h| h.import_path == specifier)?;
    let mut source: String = ALL
        .iter()
        .filter(|other| other.name == helper.name || helper.deps.contains(other.name))
        .map(|other| other.source)
        .collect();
    source.push_str(&format!("export {{ {} as _ }};\n", helper.local));
    Some(source)
}

/// `_interop_require_default(require("./x"))` (or `_wildcard`) becomes
/// `require("./x")` when `./x` is one of the `esm` specifiers, where the
/// helper would return its argument; a helper no longer called is not
/// required at all (so the bundle may not hold it).
///
/// A default import of a `values` specifier (a JSON, text or image file),
/// `const x = _interop_require_default(require("./f.json"))` read only as
/// `x.default`, becomes `const x = require("./f.json")` read as `x`.
fn drop_interop(
    body: &mut Vec<Stmt>,
    unresolved: SyntaxContext,
    esm: &[String],
    values: &[String],
) {
    /// Unwraps, and counts the helpers' names left in the same walk.
    struct Unwrap<'a> {
        unresolved: SyntaxContext,
        esm: &'a [String],
        uses: HelperUses,
    }
    impl VisitMut for Unwrap<'_> {
        fn visit_mut_ident(&mut self, ident: &mut Ident) {
            self.uses.note(ident);
        }

        fn visit_mut_expr(&mut self, expr: &mut Expr) {
            expr.visit_mut_children_with(self);
            let Expr::Call(call) = expr else {
                return;
            };
            let Callee::Expr(callee) = &call.callee else {
                return;
            };
            let Expr::Ident(helper) = &**callee else {
                return;
            };
            let is_interop = interop_helper(&helper.sym).is_some();
            let [arg] = call.args.as_slice() else {
                return;
            };
            let Expr::Call(inner) = &*arg.expr else {
                return;
            };
            let required = required_specifier(inner, self.unresolved);
            if is_interop && arg.spread.is_none() && required.is_some_and(|r| self.esm.contains(&r))
            {
                // The helper's name goes with the call.
                if let Some(count) = self.uses.0.get_mut(&helper.to_id()) {
                    *count -= 1;
                }
                *expr = Expr::Call(inner.clone());
            }
        }
    }
    if esm.is_empty() && values.is_empty() {
        return;
    }
    let mut unwrap = Unwrap {
        unresolved,
        esm,
        uses: HelperUses::default(),
    };
    body.visit_mut_with(&mut unwrap);
    let mut uses = unwrap.uses;
    if !values.is_empty() {
        value_defaults(body, unresolved, values, &mut uses);
    }
    // A helper's `var local = require("@swc/helpers/…")._` is the only
    // place its name appears once it is no longer called.
    body.retain(|stmt| {
        let Stmt::Decl(Decl::Var(var)) = stmt else {
            return true;
        };
        let [VarDeclarator {
            name: Pat::Ident(local),
            ..
        }] = var.decls.as_slice()
        else {
            return true;
        };
        let is_interop = interop_helper(&local.sym).is_some();
        !(is_interop && uses.0.get(&local.to_id()) == Some(&1))
    });
}

/// How often each name appears.
#[derive(Default)]
struct Uses(HashMap<swc_core::ecma::ast::Id, usize>);

impl Visit for Uses {
    fn visit_ident(&mut self, ident: &Ident) {
        *self.0.entry(ident.to_id()).or_default() += 1;
    }
}

/// How often each interop helper's name appears: the only names
/// [`drop_interop`] asks about (counting every name hashed every identifier).
#[derive(Default)]
struct HelperUses(HashMap<swc_core::ecma::ast::Id, usize>);

impl HelperUses {
    fn note(&mut self, ident: &Ident) {
        if interop_helper(&ident.sym).is_some() {
            *self.0.entry(ident.to_id()).or_default() += 1;
        }
    }
}

/// See [`drop_interop`]; `helpers`: how often each helper's name appears,
/// less the calls this drops.
fn value_defaults(
    body: &mut [Stmt],
    unresolved: SyntaxContext,
    values: &[String],
    helpers: &mut HelperUses,
) {
    /// The bindings in `reads` read as `x.default`, replaced by `x` or
    /// counted, with their other appearances (their declaration is one).
    struct Defaults {
        reads: HashMap<swc_core::ecma::ast::Id, (usize, usize)>,
        replace: bool,
    }
    impl VisitMut for Defaults {
        fn visit_mut_ident(&mut self, ident: &mut Ident) {
            if let Some((_, other)) = self.reads.get_mut(&ident.to_id()) {
                *other += 1;
            }
        }

        fn visit_mut_expr(&mut self, expr: &mut Expr) {
            if let Expr::Member(MemberExpr {
                obj,
                prop: MemberProp::Ident(prop),
                ..
            }) = expr
            {
                if let Expr::Ident(binding) = &**obj {
                    if prop.sym == *"default" {
                        if let Some((defaults, _)) = self.reads.get_mut(&binding.to_id()) {
                            *defaults += 1;
                            if self.replace {
                                *expr = Expr::Ident(binding.clone());
                            }
                            return;
                        }
                    }
                }
            }
            expr.visit_mut_children_with(self);
        }
    }
    // The bindings, with the `require` each interop helper wraps.
    let mut found: HashMap<swc_core::ecma::ast::Id, (usize, usize)> = HashMap::new();
    for (at, stmt) in body.iter().enumerate() {
        let Stmt::Decl(Decl::Var(var)) = stmt else {
            continue;
        };
        for (index, declarator) in var.decls.iter().enumerate() {
            let (Pat::Ident(binding), Some(init)) = (&declarator.name, &declarator.init) else {
                continue;
            };
            let Expr::Call(call) = &**init else {
                continue;
            };
            let is_interop = matches!(&call.callee, Callee::Expr(c)
                if matches!(&**c, Expr::Ident(i) if interop_helper(&i.sym) == Some(Interop::Default)));
            let required = match call.args.as_slice() {
                [arg] if is_interop && arg.spread.is_none() => match &*arg.expr {
                    Expr::Call(inner) => required_specifier(inner, unresolved),
                    _ => None,
                },
                _ => None,
            };
            if required.is_some_and(|r| values.contains(&r)) {
                found.insert(binding.to_id(), (at, index));
            }
        }
    }
    if found.is_empty() {
        return;
    }
    let mut count = Defaults {
        reads: found.keys().map(|id| (id.clone(), (0, 0))).collect(),
        replace: false,
    };
    body.iter_mut()
        .for_each(|stmt| stmt.visit_mut_with(&mut count));
    // Read as anything but `x.default` (past its declaration): kept.
    found.retain(|id, _| count.reads[id].1 == 1);
    for (at, index) in found.values() {
        let Stmt::Decl(Decl::Var(var)) = &mut body[*at] else {
            continue;
        };
        let init = var.decls[*index].init.as_mut();
        if let Some(init) = init {
            if let Expr::Call(call) = &mut **init {
                if let (Callee::Expr(callee), [arg]) = (&call.callee, call.args.as_mut_slice()) {
                    if let Expr::Ident(helper) = &**callee {
                        if let Some(count) = helpers.0.get_mut(&helper.to_id()) {
                            *count -= 1;
                        }
                    }
                    *init = arg.expr.clone();
                }
            }
        }
    }
    let mut replace = Defaults {
        reads: found.keys().map(|id| (id.clone(), (0, 0))).collect(),
        replace: true,
    };
    body.iter_mut()
        .for_each(|stmt| stmt.visit_mut_with(&mut replace));
}

/// The specifier of `require("specifier")`.
/// Which of swc's interop helpers a name is (the local name of its import:
/// `_interop_require_default`, possibly with a suffix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interop {
    Default,
    Wildcard,
}

fn interop_helper(name: &str) -> Option<Interop> {
    if name.starts_with("_interop_require_default") {
        Some(Interop::Default)
    } else if name.starts_with("_interop_require_wildcard") {
        Some(Interop::Wildcard)
    } else {
        None
    }
}

fn required_specifier(call: &CallExpr, unresolved: SyntaxContext) -> Option<String> {
    match (&call.callee, call.args.as_slice()) {
        (Callee::Expr(f), [spec]) if spec.spread.is_none() => match (&**f, &*spec.expr) {
            (Expr::Ident(f), Expr::Lit(Lit::Str(s)))
                if f.sym == *"require" && f.ctxt == unresolved =>
            {
                Some(s.value.to_string_lossy().into_owned())
            }
            _ => None,
        },
        _ => None,
    }
}

/// swc's CommonJS marks an ES module's exports object with
/// `Object.defineProperty(exports, "__esModule", { value: true })` and
/// defines each export as a getter, one `Object.defineProperty` each or an
/// `_export(exports, { … })` helper per module. All of it becomes one call
/// of the loader's `define_exports({ name: () => local, … })`, where the
/// first of them was (exports are defined before any import runs, for
/// cycles).
///
/// Minified, exports bound to a top-level function declaration the module
/// never assigns are values, not getters (`define_exports({ name: local },
/// { other: () => x })`): hoisted, such a function is there before the
/// module's code runs, and stays.
fn define_exports(body: &mut Vec<Stmt>, unresolved: SyntaxContext, minify: bool) {
    let is_exports =
        |expr: &Expr| matches!(expr, Expr::Ident(i) if i.sym == *"exports" && i.ctxt == unresolved);
    let mut getters: Vec<PropOrSpread> = Vec::new();
    let mut at = None;
    let mut index = 0;
    body.retain(|stmt| {
        let keep = match export_definition(stmt, &is_exports) {
            Some(ExportDefinition::EsModule) => false,
            Some(ExportDefinition::Getters(found)) => {
                getters.extend(found);
                false
            }
            None => true,
        };
        if !keep && at.is_none() {
            at = Some(index);
        }
        index += 1;
        keep
    });
    let Some(at) = at else {
        return;
    };
    let object = |props: Vec<PropOrSpread>| -> swc_core::ecma::ast::ExprOrSpread {
        Expr::Object(ObjectLit {
            span: DUMMY_SP,
            props,
        })
        .into()
    };
    let args = if minify {
        let functions = fixed_functions(body);
        let (values, getters): (Vec<PropOrSpread>, Vec<PropOrSpread>) =
            getters.into_iter().partition(|getter| {
                getter_local(getter).is_some_and(|local| functions.contains(&local.to_id()))
            });
        let values: Vec<PropOrSpread> = values
            .into_iter()
            .filter_map(|getter| {
                let PropOrSpread::Prop(prop) = getter else {
                    return None;
                };
                let Prop::KeyValue(KeyValueProp { key, value }) = *prop else {
                    return None;
                };
                let Expr::Arrow(arrow) = *value else {
                    return None;
                };
                let ArrowFunctionBody::Expr(local) = *arrow.body else {
                    return None;
                };
                Some(PropOrSpread::Prop(Box::new(Prop::KeyValue(KeyValueProp {
                    key,
                    value: local,
                }))))
            })
            .collect();
        match (values.is_empty(), getters.is_empty()) {
            (true, true) => Vec::new(),
            (_, true) => vec![object(values)],
            _ => vec![object(values), object(getters)],
        }
    } else {
        vec![object(getters)]
    };
    let call = CallExpr {
        callee: Callee::Expr(Box::new(Expr::Ident(Ident::new(
            "define_exports".into(),
            DUMMY_SP,
            unresolved,
        )))),
        args,
        ..Default::default()
    };
    let removed_before = at.min(body.len());
    body.insert(
        removed_before,
        Stmt::Expr(ExprStmt {
            span: DUMMY_SP,
            expr: Box::new(Expr::Call(call)),
        }),
    );
}

/// The local a getter `name: () => local` returns.
fn getter_local(getter: &PropOrSpread) -> Option<&Ident> {
    let PropOrSpread::Prop(prop) = getter else {
        return None;
    };
    let Prop::KeyValue(KeyValueProp { value, .. }) = &**prop else {
        return None;
    };
    let Expr::Arrow(ArrowExpr { body, .. }) = &**value else {
        return None;
    };
    match &**body {
        ArrowFunctionBody::Expr(expr) => match &**expr {
            Expr::Ident(local) => Some(local),
            _ => None,
        },
        ArrowFunctionBody::FunctionBody(_) => None,
    }
}

/// The functions declared at the top of `body` that nothing assigns or
/// declares again.
fn fixed_functions(body: &[Stmt]) -> HashSet<swc_core::ecma::ast::Id> {
    /// Every name bound or assigned: declarations, assignments,
    /// destructuring, `++`.
    #[derive(Default)]
    struct Bound(HashSet<swc_core::ecma::ast::Id>);
    impl Visit for Bound {
        fn visit_simple_assign_target(&mut self, target: &SimpleAssignTarget) {
            if let SimpleAssignTarget::Ident(ident) = target {
                self.0.insert(ident.to_id());
            }
            target.visit_children_with(self);
        }
        fn visit_update_expr(&mut self, update: &swc_core::ecma::ast::UpdateExpr) {
            if let Expr::Ident(ident) = &*update.arg {
                self.0.insert(ident.to_id());
            }
            update.visit_children_with(self);
        }
        fn visit_pat(&mut self, pat: &Pat) {
            if let Pat::Ident(ident) = pat {
                self.0.insert(ident.to_id());
            }
            pat.visit_children_with(self);
        }
        fn visit_assign_pat_prop(&mut self, prop: &swc_core::ecma::ast::AssignPatProp) {
            self.0.insert(prop.key.to_id());
            prop.visit_children_with(self);
        }
        fn visit_fn_decl(&mut self, f: &FnDecl) {
            self.0.insert(f.ident.to_id());
            f.visit_children_with(self);
        }
        fn visit_class_decl(&mut self, c: &ClassDecl) {
            self.0.insert(c.ident.to_id());
            c.visit_children_with(self);
        }
    }
    // Every binding but each top-level function's own declaration.
    let mut bound = Bound::default();
    let mut functions = Vec::new();
    for stmt in body {
        match stmt {
            Stmt::Decl(Decl::Fn(f)) => {
                let id = f.ident.to_id();
                if functions.contains(&id) {
                    bound.0.insert(id.clone());
                }
                functions.push(id);
                f.function.visit_with(&mut bound);
            }
            other => other.visit_with(&mut bound),
        }
    }
    functions
        .into_iter()
        .filter(|id| !bound.0.contains(id))
        .collect()
}

enum ExportDefinition {
    EsModule,
    Getters(Vec<PropOrSpread>),
}

/// Recognises swc's export statements (see [`define_exports`]).
fn export_definition(stmt: &Stmt, is_exports: &dyn Fn(&Expr) -> bool) -> Option<ExportDefinition> {
    let Stmt::Expr(ExprStmt { expr, .. }) = stmt else {
        return None;
    };
    let Expr::Call(CallExpr {
        callee: Callee::Expr(callee),
        args,
        ..
    }) = &**expr
    else {
        return None;
    };
    if args.iter().any(|a| a.spread.is_some()) || !args.first().is_some_and(|a| is_exports(&a.expr))
    {
        return None;
    }
    match (&**callee, args.as_slice()) {
        // Object.defineProperty(exports, "name", { … })
        (
            Expr::Member(MemberExpr {
                obj,
                prop: MemberProp::Ident(method),
                ..
            }),
            [_, name, descriptor],
        ) if method.sym == *"defineProperty"
            && matches!(&**obj, Expr::Ident(o) if o.sym == *"Object") =>
        {
            let (Expr::Lit(Lit::Str(name)), Expr::Object(descriptor)) =
                (&*name.expr, &*descriptor.expr)
            else {
                return None;
            };
            let name = name.value.to_string_lossy();
            let props: Vec<(&str, &Expr)> = descriptor
                .props
                .iter()
                .filter_map(|p| match p {
                    PropOrSpread::Prop(p) => match &**p {
                        Prop::KeyValue(KeyValueProp {
                            key: PropName::Ident(key),
                            value,
                        }) => Some((&*key.sym, &**value)),
                        _ => None,
                    },
                    PropOrSpread::Spread(_) => None,
                })
                .collect();
            if props.len() != descriptor.props.len() {
                return None;
            }
            match props.as_slice() {
                [("value", Expr::Lit(Lit::Bool(b)))] if name == "__esModule" && b.value => {
                    Some(ExportDefinition::EsModule)
                }
                [("enumerable", Expr::Lit(Lit::Bool(b))), ("get", Expr::Fn(FnExpr { function, .. }))]
                    if b.value && name != "__esModule" && function.params.is_empty() =>
                {
                    let getter = getter_prop(&name, &function.body.as_ref()?.stmts)?;
                    Some(ExportDefinition::Getters(vec![getter]))
                }
                _ => None,
            }
        }
        // _export(exports, { name: function () { return local; }, … }) or
        // _export(exports, { get name() { return local; }, … })
        (Expr::Ident(helper), [_, all]) if helper.sym.starts_with("_export") => {
            let Expr::Object(all) = &*all.expr else {
                return None;
            };
            let name_of = |key: &PropName| match key {
                PropName::Ident(i) => Some(i.sym.to_string()),
                PropName::Str(s) => Some(s.value.to_string_lossy().into_owned()),
                _ => None,
            };
            all.props
                .iter()
                .map(|p| match p {
                    PropOrSpread::Prop(p) => match &**p {
                        Prop::KeyValue(KeyValueProp { key, value }) => {
                            let Expr::Fn(FnExpr { function, .. }) = &**value else {
                                return None;
                            };
                            if !function.params.is_empty() {
                                return None;
                            }
                            getter_prop(&name_of(key)?, &function.body.as_ref()?.stmts)
                        }
                        Prop::Getter(getter) => getter_prop(
                            &name_of(&getter.key)?,
                            &getter.function.body.as_ref()?.stmts,
                        ),
                        _ => None,
                    },
                    PropOrSpread::Spread(_) => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(ExportDefinition::Getters)
        }
        _ => None,
    }
}

/// `name: () => local` from a getter's body `{ return local; }`.
fn getter_prop(name: &str, body: &[Stmt]) -> Option<PropOrSpread> {
    let [Stmt::Return(ReturnStmt {
        arg: Some(value), ..
    })] = body
    else {
        return None;
    };
    let key = if is_identifier(name) {
        PropName::Ident(IdentName::new(name.into(), DUMMY_SP))
    } else {
        PropName::Str(Str::from(name.to_owned()))
    };
    let arrow = ArrowExpr {
        body: Box::new(ArrowFunctionBody::Expr(value.clone())),
        ..Default::default()
    };
    Some(PropOrSpread::Prop(Box::new(Prop::KeyValue(KeyValueProp {
        key,
        value: Box::new(Expr::Arrow(arrow)),
    }))))
}

/// Reads the members a module uses of a runtime package once, where the
/// package is required: `const _react = require("react")` gains
/// `const _react_useState = _react.useState`, and `(0, _react.useState)(…)`
/// becomes `(0, _react_useState)(…)`, which the minifier shortens to `a(…)`.
/// For the runtime's packages, which are complete before the bundle runs,
/// and for the `stable` exports of the app's own modules (by specifier: see
/// [`Scan::stable`]); their other exports keep live bindings and cycles.
///
/// The members worth a `const` of their own, if any: [`Factory`] replaces
/// their reads, then [`insert_package_members`] declares them.
fn package_members(
    body: &[Stmt],
    unresolved: SyntaxContext,
    stable: &[(String, ExportNames)],
) -> Option<PackageMembers> {
    let mut hoist = PackageMembers {
        packages: Vec::new(),
        worth: HashSet::new(),
        members: Vec::new(),
    };
    for (at, stmt) in body.iter().enumerate() {
        let Stmt::Decl(Decl::Var(var)) = stmt else {
            continue;
        };
        for declarator in &var.decls {
            let (Pat::Ident(binding), Some(init)) = (&declarator.name, &declarator.init) else {
                continue;
            };
            let Expr::Call(call) = &**init else {
                continue;
            };
            // `_interop_require_default(require("./x"))` (and `_wildcard`)
            // is the module itself when it is an ES module, which every
            // module with stable exports is.
            let interop = matches!(&call.callee, Callee::Expr(callee)
                if matches!(&**callee, Expr::Ident(i) if interop_helper(&i.sym).is_some()));
            let call = match (call.args.as_slice(), interop) {
                (_, false) => call,
                ([arg], true) if arg.spread.is_none() => match &*arg.expr {
                    Expr::Call(inner) => inner,
                    _ => continue,
                },
                _ => continue,
            };
            let is_require = matches!(&call.callee, Callee::Expr(callee)
                if matches!(&**callee, Expr::Ident(i) if i.sym == *"require" && i.ctxt == unresolved));
            let package = match call.args.as_slice() {
                [arg] if is_require && arg.spread.is_none() => match &*arg.expr {
                    Expr::Lit(Lit::Str(s)) => s.value.to_string_lossy(),
                    _ => continue,
                },
                _ => continue,
            };
            // A runtime package is complete before the bundle runs, and so
            // is what an interop helper makes of it.
            let names = if crate::resolve::EXTERNALS.contains(&&*package) {
                None
            } else if let Some((_, names)) = stable.iter().find(|(s, _)| *s == package) {
                Some(names.clone())
            } else {
                continue;
            };
            // A binding declared again: its last declaration counts.
            let id = binding.id.to_id();
            hoist.packages.retain(|(known, _, _)| *known != id);
            hoist.packages.push((id, at, names));
        }
    }
    if hoist.packages.is_empty() {
        return None;
    }
    let mut uses = MemberUses {
        hoist: &hoist,
        uses: HashMap::new(),
    };
    body.visit_with(&mut uses);
    hoist.worth = uses.worth();
    (!hoist.worth.is_empty()).then_some(hoist)
}

/// Declares the members [`Factory`] read once: `const _react_useState =
/// _react.useState` after the package's `require`.
fn insert_package_members(body: &mut Vec<Stmt>, mut members: Vec<PackageMember>) {
    // The last statement first, so that the earlier indices hold.
    members.sort_by_key(|m| std::cmp::Reverse(m.at));
    for member in members {
        let read = VarDecl {
            kind: VarDeclKind::Const,
            decls: vec![VarDeclarator {
                span: DUMMY_SP,
                name: Pat::Ident(member.local.into()),
                init: Some(Box::new(Expr::Member(MemberExpr {
                    span: DUMMY_SP,
                    obj: Box::new(Expr::Ident(member.package.into())),
                    prop: MemberProp::Ident(member.name.into()),
                }))),
                definite: false,
            }],
            ..Default::default()
        };
        body.insert(member.at + 1, Stmt::Decl(Decl::Var(Box::new(read))));
    }
}

/// See [`package_members`].
struct PackageMembers {
    /// The bindings of required packages, with the statement requiring each
    /// and the members that may be read once (`None`: all). A few per
    /// module: a list, searched without cloning each name read.
    packages: Vec<(swc_core::ecma::ast::Id, usize, Option<ExportNames>)>,
    /// The members worth a `const` of their own (see [`MemberUses`]).
    worth: HashSet<(swc_core::ecma::ast::Id, swc_core::atoms::Atom)>,
    members: Vec<PackageMember>,
}

impl PackageMembers {
    /// `package.name`, when it may be read once: the package's binding and
    /// the statement requiring it.
    fn hoistable(&self, expr: &Expr) -> Option<(swc_core::ecma::ast::Id, usize)> {
        let Expr::Member(MemberExpr {
            obj,
            prop: MemberProp::Ident(name),
            ..
        }) = expr
        else {
            return None;
        };
        let Expr::Ident(package) = &**obj else {
            return None;
        };
        let (id, at, names) = self
            .packages
            .iter()
            .find(|((sym, ctxt), _, _)| package.sym == *sym && package.ctxt == *ctxt)?;
        let allowed = names
            .as_ref()
            .is_none_or(|n| n.iter().any(|n| name.sym == *n));
        allowed.then(|| (id.clone(), *at))
    }
}

/// Counts the reads of each hoistable member, to hoist only those where a
/// `const` of their own makes the module shorter once minified: a read
/// costs `(0,p.name)` when called (swc's CommonJS calls imports that way)
/// and `p.name` otherwise, the `const` costs `,x=p.name` once and `x` (one
/// or two characters) per read.
struct MemberUses<'a> {
    hoist: &'a PackageMembers,
    /// By package and member: reads, and reads that are calls.
    uses: HashMap<(swc_core::ecma::ast::Id, swc_core::atoms::Atom), (usize, usize)>,
}

impl MemberUses<'_> {
    fn worth(self) -> HashSet<(swc_core::ecma::ast::Id, swc_core::atoms::Atom)> {
        self.uses
            .into_iter()
            .filter(|((_, name), (reads, calls))| {
                let name = name.len();
                let inline = calls * (name + 5) + (reads - calls) * (name + 2);
                // In halves of a byte: a mangled name is 1.5 bytes on average.
                2 * inline > 2 * (name + 5) + 3 * reads
            })
            .map(|(key, _)| key)
            .collect()
    }

    fn key(&self, expr: &Expr) -> Option<(swc_core::ecma::ast::Id, swc_core::atoms::Atom)> {
        let (id, _) = self.hoist.hoistable(expr)?;
        let Expr::Member(MemberExpr {
            prop: MemberProp::Ident(name),
            ..
        }) = expr
        else {
            return None;
        };
        Some((id, name.sym.clone()))
    }
}

impl Visit for MemberUses<'_> {
    fn visit_unary_expr(&mut self, unary: &swc_core::ecma::ast::UnaryExpr) {
        if unary.op != swc_core::ecma::ast::UnaryOp::Delete {
            unary.visit_children_with(self);
        }
    }

    fn visit_call_expr(&mut self, call: &CallExpr) {
        // `(0, p.name)(…)`
        if let Callee::Expr(callee) = &call.callee {
            let mut callee = &**callee;
            while let Expr::Paren(paren) = callee {
                callee = &paren.expr;
            }
            if let Expr::Seq(seq) = callee {
                if let [first, member] = seq.exprs.as_slice() {
                    if matches!(&**first, Expr::Lit(Lit::Num(n)) if n.value == 0.0) {
                        if let Some(key) = self.key(member) {
                            self.uses.entry(key).or_default().1 += 1;
                        }
                    }
                }
            }
        }
        call.visit_children_with(self);
    }

    fn visit_expr(&mut self, expr: &Expr) {
        if let Some(key) = self.key(expr) {
            self.uses.entry(key).or_default().0 += 1;
            return;
        }
        expr.visit_children_with(self);
    }
}

struct PackageMember {
    package: swc_core::ecma::ast::Id,
    name: swc_core::atoms::Atom,
    local: Ident,
    at: usize,
}

impl PackageMembers {
    /// Replaces `expr` by its member's `const` if it is a read worth one.
    fn replace(&mut self, expr: &mut Expr) -> bool {
        let hoisted = self.hoistable(expr);
        if let Expr::Member(MemberExpr {
            obj,
            prop: MemberProp::Ident(name),
            ..
        }) = expr
        {
            if let Expr::Ident(package) = &**obj {
                let hoisted =
                    hoisted.filter(|(id, _)| self.worth.contains(&(id.clone(), name.sym.clone())));
                if let Some((id, at)) = hoisted {
                    let existing = self
                        .members
                        .iter()
                        .find(|m| m.package == id && m.name == name.sym);
                    let local = match existing {
                        Some(member) => member.local.clone(),
                        None => {
                            let local = Ident::new(
                                format!("{}_{}", package.sym, name.sym).into(),
                                DUMMY_SP,
                                SyntaxContext::empty().apply_mark(Mark::new()),
                            );
                            self.members.push(PackageMember {
                                package: id,
                                name: name.sym.clone(),
                                local: local.clone(),
                                at,
                            });
                            local
                        }
                    };
                    *expr = Expr::Ident(local);
                    return true;
                }
            }
        }
        false
    }
}

/// See [`into_factory`].
struct Factory {
    unresolved: SyntaxContext,
    frame: SyntaxContext,
    requires: Vec<String>,
    /// The frame's names the module uses.
    used: Vec<&'static str>,
    /// The module says `arguments` somewhere.
    arguments: bool,
    /// Package members read once ([`package_members`]).
    members: Option<PackageMembers>,
    /// Within `delete …`, which must keep `pkg.x` (`delete local` is not
    /// valid strict code).
    in_delete: bool,
}

impl VisitMut for Factory {
    fn visit_mut_unary_expr(&mut self, unary: &mut swc_core::ecma::ast::UnaryExpr) {
        let outer = self.in_delete;
        self.in_delete |= unary.op == swc_core::ecma::ast::UnaryOp::Delete;
        unary.visit_mut_children_with(self);
        self.in_delete = outer;
    }

    fn visit_mut_expr(&mut self, expr: &mut Expr) {
        if let (Some(members), false) = (&mut self.members, self.in_delete) {
            if members.replace(expr) {
                return;
            }
        }
        expr.visit_mut_children_with(self);
    }

    fn visit_mut_ident(&mut self, ident: &mut Ident) {
        if ident.sym == *"arguments" {
            self.arguments = true;
        }
        if ident.ctxt == self.unresolved {
            if let Some(name) = FRAME_NAMES.iter().find(|n| ident.sym == **n) {
                ident.ctxt = self.frame;
                if !self.used.contains(name) {
                    self.used.push(name);
                }
            }
        }
    }

    fn visit_mut_call_expr(&mut self, call: &mut CallExpr) {
        call.visit_mut_children_with(self);
        let Callee::Expr(callee) = &call.callee else {
            return;
        };
        let is_require =
            matches!(&**callee, Expr::Ident(i) if i.sym == *"require" && i.ctxt == self.frame);
        if !is_require || call.args.len() != 1 || call.args[0].spread.is_some() {
            return;
        }
        let Expr::Lit(Lit::Str(specifier)) = &*call.args[0].expr else {
            return;
        };
        let specifier = specifier.value.to_string_lossy().into_owned();
        let index = match self.requires.iter().position(|s| *s == specifier) {
            Some(index) => index,
            None => {
                self.requires.push(specifier);
                self.requires.len() - 1
            }
        };
        *call.args[0].expr = Expr::Lit(Lit::Num(Number::from(index as f64)));
    }
}

fn emit(
    cm: &Lrc<SourceMap>,
    program: &Program,
    comments: Option<&SingleThreadedComments>,
    options: ModuleOptions,
) -> std::io::Result<(String, Option<String>)> {
    let mut buf = Vec::new();
    let mut mappings = Vec::new();
    {
        let writer = JsWriter::new(
            cm.clone(),
            "\n",
            &mut buf,
            options.source_map.then_some(&mut mappings),
        );
        let cfg = swc_core::ecma::codegen::Config::default()
            .with_minify(options.minify)
            .with_target(EsVersion::Es2020);
        let comments = comments.map(|c| c as &dyn swc_core::common::comments::Comments);
        if options.minify {
            // No `;` before a `}`.
            emit_to(
                cm,
                program,
                comments,
                cfg,
                NoComments(omit_trailing_semi(writer)),
            )?;
        } else {
            emit_to(cm, program, comments, cfg, writer)?;
        }
    }
    let code = String::from_utf8(buf).map_err(std::io::Error::other)?;
    let map = if options.source_map {
        let mut json = Vec::new();
        cm.build_source_map(&mappings, None, SourceNames)
            .to_writer(&mut json)
            .map_err(std::io::Error::other)?;
        Some(String::from_utf8(json).map_err(std::io::Error::other)?)
    } else {
        None
    };
    Ok((code, map))
}

fn emit_to<W: WriteJs>(
    cm: &Lrc<SourceMap>,
    program: &Program,
    comments: Option<&dyn swc_core::common::comments::Comments>,
    cfg: swc_core::ecma::codegen::Config,
    wr: W,
) -> std::io::Result<()> {
    let mut emitter = Emitter {
        cfg,
        cm: cm.clone(),
        comments,
        wr,
    };
    emitter.emit_program(program)
}

/// Source map `sources` are the VFS paths themselves.
struct SourceNames;

impl swc_core::common::source_map::SourceMapGenConfig for SourceNames {
    fn file_name_to_source(&self, f: &FileName) -> String {
        match f {
            FileName::Custom(path) => path.clone(),
            other => other.to_string(),
        }
    }
    fn inline_sources_content(&self, _: &FileName) -> bool {
        true
    }
}

/// Collects static imports and refuses dynamic `import()`.
struct ImportScan<'a> {
    path: &'a str,
    source: &'a str,
    start: u32,
    imports: Vec<Import>,
    exports: Option<Vec<String>>,
    /// Exports bound to a function declaration: exported name, local name
    /// (`None`: an anonymous default export).
    functions: Vec<(String, Option<String>)>,
    /// Exports bound to a local name (`None`: an anonymous default).
    bindings: Vec<(String, Option<String>)>,
    reexports: Vec<Reexport>,
    own_exports: Vec<String>,
    /// A TS `export =`.
    export_assign: bool,
    /// Names bound or assigned anywhere in the module (any scope), once per
    /// binding pattern or assignment.
    assigned: Vec<String>,
    /// An import or export was seen.
    module_syntax: bool,
    errors: Vec<Diagnostic>,
}

impl ImportScan<'_> {
    fn export(&mut self, name: String) {
        self.own_exports.push(name.clone());
        if let Some(exports) = &mut self.exports {
            exports.push(name);
        }
    }

    fn add(&mut self, src: &Str, names: Names) {
        let specifier = src.value.to_string_lossy().into_owned();
        let kind = if specifier.ends_with(".css") {
            ImportKind::Css
        } else {
            ImportKind::Module
        };
        let location = location(self.path, self.source, self.start, src.span);
        if specifier.ends_with(".module.css") || specifier.ends_with(".module.scss") {
            self.errors.push(Diagnostic::error(
                format!("CSS modules are not supported in custom apps: \"{specifier}\""),
                Some(location),
            ).with_note("Import a global stylesheet instead (import \"./App.css\") and use plain class names (spec 001 §20.4)", None));
            return;
        }
        self.imports.push(Import {
            specifier,
            kind,
            location,
            names,
        });
    }
}

impl Visit for ImportScan<'_> {
    fn visit_module_decl(&mut self, decl: &ModuleDecl) {
        self.module_syntax = true;
        match decl {
            ModuleDecl::Import(import) if !import.type_only => {
                let mut names = Vec::new();
                let mut all = false;
                for specifier in &import.specifiers {
                    match specifier {
                        ImportSpecifier::Named(named) if !named.is_type_only => names.push(
                            named
                                .imported
                                .as_ref()
                                .map_or_else(|| named.local.sym.to_string(), export_name),
                        ),
                        ImportSpecifier::Named(_) => {}
                        ImportSpecifier::Default(_) => names.push("default".into()),
                        ImportSpecifier::Namespace(_) => all = true,
                    }
                }
                self.add(
                    &import.src,
                    if all { Names::All } else { Names::Some(names) },
                );
            }
            ModuleDecl::ExportAll(export) if !export.type_only => {
                self.exports = None;
                self.add(&export.src, Names::Star);
            }
            ModuleDecl::ExportNamed(export) if !export.type_only => {
                let mut names = Vec::new();
                let mut all = false;
                for specifier in &export.specifiers {
                    match specifier {
                        ExportSpecifier::Named(named) if !named.is_type_only => {
                            let orig = export_name(&named.orig);
                            names.push(orig.clone());
                            let exported =
                                export_name(named.exported.as_ref().unwrap_or(&named.orig));
                            self.export(exported.clone());
                            match &export.src {
                                Some(src) => self.reexports.push(Reexport {
                                    exported,
                                    specifier: src.value.to_string_lossy().into_owned(),
                                    imported: Some(orig),
                                }),
                                None => self.bindings.push((exported, Some(orig))),
                            }
                        }
                        ExportSpecifier::Named(_) => {}
                        ExportSpecifier::Default(default) => {
                            names.push("default".into());
                            self.export(default.exported.sym.to_string());
                        }
                        ExportSpecifier::Namespace(namespace) => {
                            all = true;
                            let exported = export_name(&namespace.name);
                            self.export(exported.clone());
                            if let Some(src) = &export.src {
                                self.reexports.push(Reexport {
                                    exported,
                                    specifier: src.value.to_string_lossy().into_owned(),
                                    imported: None,
                                });
                            }
                        }
                    }
                }
                if let Some(src) = &export.src {
                    self.add(src, if all { Names::All } else { Names::Some(names) });
                }
            }
            ModuleDecl::ExportDecl(export) => {
                if let Decl::Fn(f) = &export.decl {
                    let name = f.ident.sym.to_string();
                    self.functions.push((name.clone(), Some(name)));
                }
                for name in decl_names(&export.decl) {
                    self.bindings.push((name.clone(), Some(name.clone())));
                    self.export(name);
                }
            }
            ModuleDecl::ExportDefaultDecl(ExportDefaultDecl {
                decl: DefaultDecl::Fn(f),
                ..
            }) => {
                let local = f.ident.as_ref().map(|i| i.sym.to_string());
                self.functions.push(("default".into(), local.clone()));
                self.bindings.push(("default".into(), local));
                self.export("default".into());
            }
            ModuleDecl::ExportDefaultDecl(ExportDefaultDecl {
                decl: DefaultDecl::Class(c),
                ..
            }) => {
                let local = c.ident.as_ref().map(|i| i.sym.to_string());
                self.bindings.push(("default".into(), local));
                self.export("default".into());
            }
            ModuleDecl::ExportDefaultDecl(_) => self.export("default".into()),
            ModuleDecl::ExportDefaultExpr(_) => {
                // swc keeps the value in a `const` of its own.
                self.bindings.push(("default".into(), None));
                self.export("default".into());
            }
            ModuleDecl::TsExportAssignment(_) => {
                self.exports = None;
                self.export_assign = true;
            }
            _ => {}
        }
        decl.visit_children_with(self);
    }

    fn visit_simple_assign_target(&mut self, target: &SimpleAssignTarget) {
        if let SimpleAssignTarget::Ident(ident) = target {
            self.assigned.push(ident.sym.to_string());
        }
        target.visit_children_with(self);
    }

    fn visit_update_expr(&mut self, update: &swc_core::ecma::ast::UpdateExpr) {
        if let Expr::Ident(ident) = &*update.arg {
            self.assigned.push(ident.sym.to_string());
        }
        update.visit_children_with(self);
    }

    fn visit_assign_pat_prop(&mut self, prop: &swc_core::ecma::ast::AssignPatProp) {
        self.assigned.push(prop.key.sym.to_string());
        prop.visit_children_with(self);
    }

    fn visit_pat(&mut self, pat: &Pat) {
        // `[f] = …` and `({ f } = …)` assign too (and declarations, which
        // only makes this more careful).
        if let Pat::Ident(ident) = pat {
            self.assigned.push(ident.sym.to_string());
        }
        pat.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, call: &CallExpr) {
        if let Callee::Import(_) = call.callee {
            let argument = call.args.first().map(|arg| &*arg.expr);
            let (shown, span) = match argument {
                Some(Expr::Lit(Lit::Str(s))) => {
                    (format!("\"{}\"", s.value.to_string_lossy()), s.span)
                }
                Some(other) => ("…".to_owned(), other.span()),
                None => (String::new(), call.span),
            };
            self.errors.push(
                Diagnostic::error(
                    format!("Dynamic import() is not supported in custom apps: import({shown})"),
                    Some(location(self.path, self.source, self.start, span)),
                )
                .with_note(
                    "Import the module statically at the top of the file (spec 001 §20.4)",
                    None,
                ),
            );
        }
        call.visit_children_with(self);
    }
}

/// [`Scan::settled`]: of the exports bound to a local name, those whose
/// name is declared at the top level and bound nowhere else: a function,
/// class or enum never assigned, a variable whose declaration is its only
/// binding or assignment (`assigned` has one entry per binding pattern and
/// assignment, any scope, so a shadowing parameter also counts, to be safe).
fn settled_exports(
    module: &Module,
    bindings: &[(String, Option<String>)],
    assigned: &[String],
) -> Vec<String> {
    // Top-level declarations, with whether they are variables.
    let mut declared: HashMap<String, bool> = HashMap::new();
    for item in &module.body {
        let decl = match item {
            ModuleItem::Stmt(Stmt::Decl(decl)) => decl,
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) => &export.decl,
            ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultDecl(export)) => {
                let ident = match &export.decl {
                    DefaultDecl::Fn(f) => f.ident.as_ref(),
                    DefaultDecl::Class(c) => c.ident.as_ref(),
                    DefaultDecl::TsInterfaceDecl(_) => None,
                };
                if let Some(ident) = ident {
                    declared.insert(ident.sym.to_string(), false);
                }
                continue;
            }
            _ => continue,
        };
        let is_var = matches!(decl, Decl::Var(_));
        for name in decl_names(decl) {
            // A variable declared twice is bound twice: `assigned` counts it.
            declared.insert(name, is_var);
        }
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for name in assigned {
        *counts.entry(name).or_default() += 1;
    }
    bindings
        .iter()
        .filter(|(_, local)| match local {
            None => true,
            Some(local) => declared.get(local).is_some_and(|is_var| {
                counts.get(local.as_str()).copied().unwrap_or(0) <= usize::from(*is_var)
            }),
        })
        .map(|(name, _)| name.clone())
        .collect()
}

fn export_name(name: &ModuleExportName) -> String {
    match name {
        ModuleExportName::Ident(ident) => ident.sym.to_string(),
        ModuleExportName::Str(s) => s.value.to_string_lossy().into_owned(),
    }
}

/// The names a declaration binds.
fn decl_names(decl: &Decl) -> Vec<String> {
    match decl {
        Decl::Var(var) => {
            let ids: Vec<Ident> = swc_core::ecma::utils::find_pat_ids(&var.decls);
            ids.into_iter().map(|i| i.sym.to_string()).collect()
        }
        Decl::Fn(f) => vec![f.ident.sym.to_string()],
        Decl::Class(c) => vec![c.ident.sym.to_string()],
        Decl::TsEnum(e) => vec![e.id.sym.to_string()],
        Decl::TsModule(_) | Decl::TsInterface(_) | Decl::TsTypeAlias(_) | Decl::Using(_) => {
            Vec::new()
        }
    }
}

/// Tree shaking within a module: exports not in `keep` become local
/// declarations (which the minifier drops if nothing else uses them). An
/// `export … from` left with nothing keeps its import for its side effects.
///
/// A declaration left unused this way whose value is a pure call (what
/// swc makes of a TS enum) goes too: the minifier keeps an enum's object
/// once it has inlined the call.
fn unexport(module: &mut Module, keep: &[String]) {
    let kept = |name: &str| keep.iter().any(|k| k == name);
    let items = std::mem::take(&mut module.body);
    // The unexported `var x = /*#__PURE__*/ f()` declarations.
    let mut pure: Vec<swc_core::ecma::ast::Id> = Vec::new();
    for item in items {
        let ModuleItem::ModuleDecl(decl) = item else {
            module.body.push(item);
            continue;
        };
        let item = match decl {
            ModuleDecl::ExportDecl(export) => {
                if decl_names(&export.decl).iter().any(|n| kept(n)) {
                    ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export))
                } else {
                    if let Decl::Var(var) = &export.decl {
                        if let [VarDeclarator {
                            name: Pat::Ident(name),
                            init: Some(init),
                            ..
                        }] = var.decls.as_slice()
                        {
                            if matches!(&**init, Expr::Call(call) if call.span.lo.is_pure()) {
                                pure.push(name.to_id());
                            }
                        }
                    }
                    ModuleItem::Stmt(Stmt::Decl(export.decl))
                }
            }
            ModuleDecl::ExportNamed(mut export) => {
                export.specifiers.retain(|specifier| match specifier {
                    ExportSpecifier::Named(named) => {
                        kept(&export_name(named.exported.as_ref().unwrap_or(&named.orig)))
                    }
                    ExportSpecifier::Default(default) => kept(&default.exported.sym),
                    ExportSpecifier::Namespace(namespace) => kept(&export_name(&namespace.name)),
                });
                match (export.specifiers.is_empty(), export.src) {
                    (false, src) => {
                        export.src = src;
                        ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(export))
                    }
                    (true, Some(src)) => ModuleItem::ModuleDecl(ModuleDecl::Import(ImportDecl {
                        span: export.span,
                        specifiers: Vec::new(),
                        src,
                        type_only: false,
                        with: None,
                        phase: Default::default(),
                    })),
                    (true, None) => continue,
                }
            }
            ModuleDecl::ExportDefaultDecl(export) if !kept("default") => match export.decl {
                DefaultDecl::Fn(FnExpr {
                    ident: Some(ident),
                    function,
                }) => ModuleItem::Stmt(Stmt::Decl(Decl::Fn(FnDecl {
                    ident,
                    declare: false,
                    function,
                }))),
                DefaultDecl::Class(ClassExpr {
                    ident: Some(ident),
                    class,
                }) => ModuleItem::Stmt(Stmt::Decl(Decl::Class(ClassDecl {
                    ident,
                    declare: false,
                    class,
                }))),
                DefaultDecl::Class(class) => ModuleItem::Stmt(Stmt::Expr(ExprStmt {
                    span: DUMMY_SP,
                    expr: Box::new(Expr::Class(class)),
                })),
                // An anonymous function or an interface: nothing runs.
                DefaultDecl::Fn(_) | DefaultDecl::TsInterfaceDecl(_) => continue,
            },
            ModuleDecl::ExportDefaultExpr(export) if !kept("default") => {
                ModuleItem::Stmt(Stmt::Expr(ExprStmt {
                    span: export.span,
                    expr: export.expr,
                }))
            }
            other => ModuleItem::ModuleDecl(other),
        };
        module.body.push(item);
    }
    if pure.is_empty() {
        return;
    }
    let mut uses = Uses::default();
    module.visit_with(&mut uses);
    // Named only in its own declaration (swc's enum function names its
    // parameter the same).
    pure.retain(|id| {
        let own = module.body.iter().find_map(|item| match item {
            ModuleItem::Stmt(Stmt::Decl(Decl::Var(var))) => match var.decls.as_slice() {
                [VarDeclarator {
                    name: Pat::Ident(name),
                    ..
                }] if name.to_id() == *id => {
                    let mut own = Uses::default();
                    var.visit_with(&mut own);
                    own.0.get(id).copied()
                }
                _ => None,
            },
            _ => None,
        });
        own.is_some() && own == uses.0.get(id).copied()
    });
    module.body.retain(|item| {
        let ModuleItem::Stmt(Stmt::Decl(Decl::Var(var))) = item else {
            return true;
        };
        !matches!(var.decls.as_slice(), [VarDeclarator { name: Pat::Ident(name), .. }] if pure.contains(&name.to_id()))
    });
}

/// `import "./x.css"` goes to the CSS output, not into the JS.
fn remove_css_imports(module: &mut Module) {
    module.body.retain(|item| {
        !matches!(item, ModuleItem::ModuleDecl(ModuleDecl::Import(ImportDecl { src, .. })) if src.value.to_string_lossy().ends_with(".css"))
    });
}

/// Replaces `process.env.NODE_ENV` with a string, as esbuild's `define` does.
struct DefineNodeEnv {
    value: &'static str,
}

impl VisitMut for DefineNodeEnv {
    fn visit_mut_expr(&mut self, expr: &mut Expr) {
        if is_node_env(expr) {
            *expr = Expr::Lit(Lit::Str(Str::from(self.value)));
            return;
        }
        expr.visit_mut_children_with(self);
    }
}

fn is_node_env(expr: &Expr) -> bool {
    let Expr::Member(MemberExpr {
        obj,
        prop: MemberProp::Ident(prop),
        ..
    }) = expr
    else {
        return false;
    };
    if prop.sym != *"NODE_ENV" {
        return false;
    }
    let Expr::Member(MemberExpr {
        obj,
        prop: MemberProp::Ident(env),
        ..
    }) = &**obj
    else {
        return false;
    };
    matches!(&**obj, Expr::Ident(process) if process.sym == *"process") && env.sym == *"env"
}

/// What a module holds of what the JSX, `NODE_ENV` and lowering passes
/// rewrite. Each of those passes walks the whole module; most modules have
/// nothing for most of them (in `large`, a class or a regular expression is
/// rare), and one walk to find out costs less than the passes it saves.
#[derive(Default)]
struct ToRewrite {
    jsx: bool,
    /// `process.env.NODE_ENV`.
    node_env: bool,
    /// Class fields, private names and static blocks (ES2022).
    class: bool,
    /// A regular expression literal: one with newer features (named
    /// groups, lookbehind, the `s` and `d` flags…) becomes a call (ES2022's
    /// pass).
    regex: bool,
    /// `||=`, `&&=`, `??=` (ES2021).
    logical_assign: bool,
}

impl ToRewrite {
    fn of(program: &Program) -> Self {
        let mut found = Self::default();
        program.visit_with(&mut found);
        found
    }
}

impl Visit for ToRewrite {
    fn visit_jsx_element(&mut self, element: &swc_core::ecma::ast::JSXElement) {
        self.jsx = true;
        element.visit_children_with(self);
    }
    fn visit_jsx_fragment(&mut self, fragment: &swc_core::ecma::ast::JSXFragment) {
        self.jsx = true;
        fragment.visit_children_with(self);
    }
    fn visit_expr(&mut self, expr: &Expr) {
        self.node_env |= is_node_env(expr);
        expr.visit_children_with(self);
    }
    fn visit_class(&mut self, class: &swc_core::ecma::ast::Class) {
        self.class = true;
        class.visit_children_with(self);
    }
    fn visit_regex(&mut self, _: &swc_core::ecma::ast::Regex) {
        self.regex = true;
    }
    fn visit_assign_op(&mut self, op: &AssignOp) {
        self.logical_assign |= matches!(
            op,
            AssignOp::AndAssign | AssignOp::OrAssign | AssignOp::NullishAssign
        );
    }
}

/// A writer that drops comments. Minified, the printer has no comments to
/// print but the `/*#__PURE__*/` marks, and the module has been through the
/// minifier, their only reader (dropping them here saves a walk of the
/// module to clear them).
struct NoComments<W>(W);

/// `fn name(&mut self, args…)` forwarded to the writer inside.
macro_rules! forward {
    ($(fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        $(fn $name(&mut self $(, $arg: $ty)*) -> $ret {
            self.0.$name($($arg),*)
        })*
    };
}

impl<W: WriteJs> WriteJs for NoComments<W> {
    fn write_comment(&mut self, _: &str) -> std::io::Result<()> {
        Ok(())
    }

    fn care_about_srcmap(&self) -> bool {
        self.0.care_about_srcmap()
    }

    forward! {
        fn increase_indent(&mut self) -> std::io::Result<()>;
        fn decrease_indent(&mut self) -> std::io::Result<()>;
        fn write_semi(&mut self, span: Option<Span>) -> std::io::Result<()>;
        fn write_space(&mut self) -> std::io::Result<()>;
        fn write_keyword(&mut self, span: Option<Span>, s: &'static str) -> std::io::Result<()>;
        fn write_operator(&mut self, span: Option<Span>, s: &str) -> std::io::Result<()>;
        fn write_param(&mut self, s: &str) -> std::io::Result<()>;
        fn write_property(&mut self, s: &str) -> std::io::Result<()>;
        fn write_line(&mut self) -> std::io::Result<()>;
        fn write_lit(&mut self, span: Span, s: &str) -> std::io::Result<()>;
        fn write_str_lit(&mut self, span: Span, s: &str) -> std::io::Result<()>;
        fn write_str(&mut self, s: &str) -> std::io::Result<()>;
        fn write_symbol(&mut self, span: Span, s: &str) -> std::io::Result<()>;
        fn write_punct(&mut self, span: Option<Span>, s: &'static str, commit: bool) -> std::io::Result<()>;
        fn add_srcmap(&mut self, pos: BytePos) -> std::io::Result<()>;
        fn commit_pending_semi(&mut self) -> std::io::Result<()>;
        fn can_ignore_invalid_unicodes(&mut self) -> bool;
    }
}
