//! One module: parse, strip types, JSX, lower to ES2020, turn into a CommonJS
//! function body, optionally minify, print. Each module is done on its own
//! (own swc globals and source map), so modules compile in parallel and a
//! module's output can be cached by its content.

use std::path::Path;

use swc_core::common::comments::SingleThreadedComments;
use swc_core::common::sync::Lrc;
use swc_core::common::{FileName, Globals, Mark, SourceMap, Span, Spanned, GLOBALS};
use swc_core::ecma::ast::{
    CallExpr, Callee, EsVersion, Expr, ImportDecl, Lit, MemberExpr, MemberProp, Module, ModuleDecl,
    ModuleItem, Program, Str,
};
use swc_core::ecma::codegen::text_writer::JsWriter;
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
}

/// What compiling one module produced.
#[derive(Debug, Clone)]
pub struct ModuleOutput {
    /// CommonJS function body: reads `require`, `module`, `exports`.
    pub code: String,
    pub imports: Vec<Import>,
    pub warnings: Vec<Diagnostic>,
    /// Mappings from `code` to the original file (dev builds only).
    pub source_map: Option<swc_sourcemap::SourceMap>,
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

/// Options that change a module's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModuleOptions {
    pub minify: bool,
    pub source_map: bool,
}

/// Compiles one file that is not CSS. Errors carry file, line and column.
pub fn compile_module(
    path: &str,
    source: &str,
    loader: Loader,
    options: ModuleOptions,
) -> Result<ModuleOutput, Vec<Diagnostic>> {
    let value_module = |code: String| ModuleOutput {
        code,
        imports: Vec::new(),
        warnings: Vec::new(),
        source_map: None,
    };
    match loader {
        Loader::Json => json_module(path, source, options.minify).map(value_module),
        Loader::Text => Ok(value_module(format!(
            "module.exports = {};",
            json_string(source)
        ))),
        Loader::DataUrl(mime) => {
            use base64::Engine as _;
            let data = base64::engine::general_purpose::STANDARD.encode(source.as_bytes());
            Ok(value_module(format!(
                "module.exports = \"data:{mime};base64,{data}\";"
            )))
        }
        Loader::Ts { .. } | Loader::Js => GLOBALS.set(&Globals::new(), || {
            script_module(path, source, loader, options)
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

fn json_module(path: &str, source: &str, minify: bool) -> Result<String, Vec<Diagnostic>> {
    match serde_json::from_str::<serde_json::Value>(source) {
        Ok(value) if minify => Ok(format!("module.exports = {value};")),
        Ok(_) => Ok(format!("module.exports = {};", source.trim())),
        Err(err) => {
            let line = err.line().max(1);
            let line_start: usize = source
                .split_inclusive('\n')
                .take(line - 1)
                .map(str::len)
                .sum();
            let column = err.column().saturating_sub(1);
            let offset = line_start
                + source[line_start..]
                    .char_indices()
                    .nth(column)
                    .map_or(0, |(i, _)| i);
            let message = err.to_string();
            let message = message.split(" at line").next().unwrap_or(&message);
            Err(vec![Diagnostic::error(
                format!("Invalid JSON: {message}"),
                Some(Location::from_offset(path, source, offset, 1)),
            )])
        }
    }
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

fn script_module(
    path: &str,
    source: &str,
    loader: Loader,
    options: ModuleOptions,
) -> Result<ModuleOutput, Vec<Diagnostic>> {
    let cm: Lrc<SourceMap> = Default::default();
    let fm = cm.new_source_file(FileName::Custom(path.to_owned()).into(), source.to_owned());
    let start = fm.start_pos.0;
    let comments = SingleThreadedComments::default();
    let (syntax, is_ts, jsx_enabled) = match loader {
        Loader::Ts { tsx } => (
            Syntax::Typescript(TsSyntax {
                tsx,
                ..Default::default()
            }),
            true,
            tsx,
        ),
        _ => (
            Syntax::Es(EsSyntax {
                jsx: true,
                ..Default::default()
            }),
            false,
            true,
        ),
    };
    let mut recovered = Vec::new();
    let parsed = parse_file_as_module(
        &fm,
        syntax,
        EsVersion::latest(),
        Some(&comments),
        &mut recovered,
    );
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut module = match parsed {
        Ok(module) => module,
        Err(error) => {
            errors.push(syntax_error(path, source, start, error));
            errors.extend(
                recovered
                    .into_iter()
                    .map(|e| syntax_error(path, source, start, e)),
            );
            return Err(errors);
        }
    };
    errors.extend(
        recovered
            .into_iter()
            .map(|e| syntax_error(path, source, start, e)),
    );

    let mut scan = ImportScan {
        path,
        source,
        start,
        imports: Vec::new(),
        errors: Vec::new(),
    };
    module.visit_with(&mut scan);
    errors.append(&mut scan.errors);
    let mut lints = Lints::new(path, source, start);
    module.visit_with(&mut lints);
    if !errors.is_empty() {
        return Err(errors);
    }
    remove_css_imports(&mut module);

    let code_and_map = HELPERS.set(&Helpers::new(false), || {
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
        if jsx_enabled {
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
        program.mutate(visit_mut_pass(DefineNodeEnv {
            value: if options.minify {
                "production"
            } else {
                "development"
            },
        }));
        program.mutate(es2022::es2022(Default::default(), unresolved));
        program.mutate(es2021::es2021());
        let features = FeatureFlag {
            support_block_scoping: true,
            support_arrow: true,
        };
        program.mutate(common_js(
            Resolver::Default,
            unresolved,
            Default::default(),
            features,
        ));
        program.mutate(inject_helpers(unresolved));
        if options.minify {
            program = swc_core::ecma::minifier::optimize(
                program,
                cm.clone(),
                Some(&comments),
                None,
                &minify_options(),
                &ExtraOptions {
                    unresolved_mark: unresolved,
                    top_level_mark: top_level,
                    mangle_name_cache: None,
                },
            );
        }
        program.mutate(hygiene());
        program.mutate(fixer(Some(&comments)));
        emit(
            &cm,
            &program,
            if options.minify {
                None
            } else {
                Some(&comments)
            },
            options,
        )
    });
    let (code, source_map) = code_and_map.map_err(|e| {
        vec![Diagnostic::error(
            format!("Could not print {path}: {e}"),
            None,
        )]
    })?;
    Ok(ModuleOutput {
        code,
        imports: scan.imports,
        warnings: lints.into_warnings(),
        source_map,
    })
}

fn minify_options() -> MinifyOptions {
    // The module body ends up inside a function, so its top level is a
    // function scope: unused top-level code may go and names may be mangled.
    let compress = CompressOptions {
        top_level: Some(TopLevelOptions { functions: true }),
        ..Default::default()
    };
    let mangle: Option<MangleOptions> =
        serde_json::from_value(serde_json::json!({"topLevel": true})).ok();
    MinifyOptions {
        compress: Some(compress),
        mangle,
        ..Default::default()
    }
}

fn emit(
    cm: &Lrc<SourceMap>,
    program: &Program,
    comments: Option<&SingleThreadedComments>,
    options: ModuleOptions,
) -> std::io::Result<(String, Option<swc_sourcemap::SourceMap>)> {
    let mut buf = Vec::new();
    let mut mappings = Vec::new();
    {
        let writer = JsWriter::new(
            cm.clone(),
            "\n",
            &mut buf,
            options.source_map.then_some(&mut mappings),
        );
        let mut emitter = Emitter {
            cfg: swc_core::ecma::codegen::Config::default()
                .with_minify(options.minify)
                .with_target(EsVersion::Es2020),
            cm: cm.clone(),
            comments: comments.map(|c| c as &dyn swc_core::common::comments::Comments),
            wr: writer,
        };
        emitter.emit_program(program)?;
    }
    let code = String::from_utf8(buf).map_err(std::io::Error::other)?;
    let map = options
        .source_map
        .then(|| cm.build_source_map(&mappings, None, SourceNames));
    Ok((code, map))
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
    errors: Vec<Diagnostic>,
}

impl ImportScan<'_> {
    fn add(&mut self, src: &Str) {
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
        });
    }
}

impl Visit for ImportScan<'_> {
    fn visit_module_decl(&mut self, decl: &ModuleDecl) {
        match decl {
            ModuleDecl::Import(import) if !import.type_only => self.add(&import.src),
            ModuleDecl::ExportAll(export) if !export.type_only => self.add(&export.src),
            ModuleDecl::ExportNamed(export) if !export.type_only => {
                if let Some(src) = &export.src {
                    self.add(src);
                }
            }
            _ => {}
        }
        decl.visit_children_with(self);
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
