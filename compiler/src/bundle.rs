//! Linking: walks the import graph from the entry, checks every import, and
//! joins the compiled modules into one script with a small module loader.
//!
//! The bundle's shape (also described in ARCHITECTURE.md):
//!
//! ```js
//! (function () {
//! "use strict";
//! var defs = {
//!   "src/App.tsx": [function (exports, require, module) { …CommonJS body… },
//!                   {"./pages/Home": "src/pages/Home.tsx"}],
//!   …
//! };
//! …loader…
//! load("src/main.tsx");
//! })();
//! ```
//!
//! Each module is a CommonJS factory plus a map from the specifiers it wrote
//! to the modules they resolved to. A module's exports object is cached
//! before its factory runs, so import cycles see the partly initialised
//! exports, and swc's CommonJS output reads imports through getters at use
//! time, which keeps ES live-binding semantics. Specifiers not in the map are
//! runtime-provided packages, looked up in `globalThis.__APPBOX_EXTERNALS__`.

use std::collections::{BTreeMap, HashSet};

use crate::diagnostic::Diagnostic;
use crate::module::{ImportKind, Loader, ModuleOutput};
use crate::resolve::{resolve, ResolveError, Target, EXTERNALS};
use crate::Compiled;

/// The loader that runs the module table. `__APPBOX_EXTERNALS__` is the
/// runtime's registry: an object from package name to module object.
const LOADER: &str = r#"var cache = {};
function external(name) {
  var registry = globalThis.__APPBOX_EXTERNALS__;
  if (registry && Object.prototype.hasOwnProperty.call(registry, name)) return registry[name];
  throw new Error("appbox: the runtime does not provide the module \"" + name + "\"");
}
function load(id) {
  var hit = cache[id];
  if (hit) return hit.exports;
  var def = defs[id];
  var module = cache[id] = { exports: {} };
  def[0].call(module.exports, module.exports, function (specifier) {
    var target = def[1][specifier];
    return target === undefined ? external(specifier) : load(target);
  }, module);
  return module.exports;
}
"#;

/// What the graph walk found.
pub struct Graph {
    /// Reached JS-like modules, in the order first reached (depth first).
    pub modules: Vec<String>,
    /// Per module: specifier → resolved VFS path (files only).
    pub links: BTreeMap<String, BTreeMap<String, String>>,
    /// CSS files imported from JS, in import order.
    pub css: Vec<String>,
}

/// Walks the graph from `entry`; every problem found becomes a diagnostic.
pub fn walk(
    entry: &str,
    files: &BTreeMap<String, String>,
    compiled: &Compiled,
    errors: &mut Vec<Diagnostic>,
) -> Graph {
    let mut graph = Graph {
        modules: Vec::new(),
        links: BTreeMap::new(),
        css: Vec::new(),
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut stack = vec![entry.to_owned()];
    seen.insert(entry.to_owned());
    // Depth first in source order: push imports reversed so the first import
    // is visited first.
    while let Some(path) = stack.pop() {
        let output = match compiled.get(&path) {
            Some(Ok(output)) => output,
            Some(Err(diagnostics)) => {
                errors.extend(diagnostics.iter().cloned());
                continue;
            }
            None => {
                errors.push(Diagnostic::error(
                    format!("No loader is configured for \"{path}\""),
                    None,
                ));
                continue;
            }
        };
        graph.modules.push(path.clone());
        let mut links = BTreeMap::new();
        let mut next = Vec::new();
        for import in &output.imports {
            match resolve(files, &path, &import.specifier) {
                Ok(Target::External(_)) => {}
                Ok(Target::File(target)) => {
                    let is_css = Loader::for_path(&target) == Some(Loader::Css);
                    if is_css {
                        if !graph.css.contains(&target) {
                            graph.css.push(target);
                        }
                    } else if import.kind == ImportKind::Css {
                        errors.push(Diagnostic::error(format!("\"{}\" is not a CSS file", import.specifier), Some(import.location.clone())));
                    } else {
                        links.insert(import.specifier.clone(), target.clone());
                        if seen.insert(target.clone()) {
                            next.push(target);
                        }
                    }
                }
                Err(ResolveError::NotFound) => {
                    errors.push(Diagnostic::error(format!("Could not resolve \"{}\"", import.specifier), Some(import.location.clone())));
                }
                Err(ResolveError::Package) => errors.push(
                    Diagnostic::error(format!("Could not resolve \"{}\"", import.specifier), Some(import.location.clone())).with_note(
                        format!(
                            "Packages are not installed for custom apps; the runtime provides only: {}. To use another package, put its source in the VFS (for example src/vendor/{}.js) and import it by relative path (spec 001 §20.3)",
                            EXTERNALS.join(", "),
                            import.specifier.split('/').next_back().unwrap_or("package")
                        ),
                        None,
                    ),
                ),
            }
        }
        graph.links.insert(path, links);
        stack.extend(next.into_iter().rev());
    }
    graph
}

/// The frame around the modules, readable or compact.
struct Frame {
    open: &'static str,
    module_open: &'static str,
    module_close: &'static str,
    entry_close: &'static str,
    loader: &'static str,
}

const READABLE: Frame = Frame {
    open: "(function () {\n\"use strict\";\nvar defs = {\n",
    module_open: ": [function (exports, require, module) {\n",
    module_close: "\n}, ",
    entry_close: "],\n",
    loader: LOADER,
};

const COMPACT: Frame = Frame {
    open: "(function(){\"use strict\";var defs={",
    module_open: ":[function(exports,require,module){",
    module_close: "},",
    entry_close: "],",
    loader: "var cache={};function external(n){var r=globalThis.__APPBOX_EXTERNALS__;if(r&&Object.prototype.hasOwnProperty.call(r,n))return r[n];throw new Error(\"appbox: the runtime does not provide the module \\\"\"+n+\"\\\"\")}function load(i){var h=cache[i];if(h)return h.exports;var d=defs[i],m=cache[i]={exports:{}};d[0].call(m.exports,m.exports,function(s){var t=d[1][s];return t===void 0?external(s):load(t)},m);return m.exports}",
};

/// Joins the modules into one script. Returns the script and the line each
/// module's code starts on (for the dev source map).
pub fn link(
    entry: &str,
    graph: &Graph,
    compiled: &Compiled,
    minify: bool,
) -> (String, Vec<(String, u32)>) {
    let frame = if minify { &COMPACT } else { &READABLE };
    let modules: Vec<(&String, &ModuleOutput)> = graph
        .modules
        .iter()
        .filter_map(|path| match compiled.get(path) {
            Some(Ok(output)) => Some((path, &**output)),
            _ => None,
        })
        .collect();
    let size = modules
        .iter()
        .map(|(p, o)| p.len() + o.code.len() + 128)
        .sum::<usize>()
        + 2048;
    let mut out = String::with_capacity(size);
    let mut starts = Vec::with_capacity(modules.len());
    let mut line = 0u32;
    let push = |out: &mut String, line: &mut u32, text: &str| {
        *line += text.matches('\n').count() as u32;
        out.push_str(text);
    };
    push(&mut out, &mut line, frame.open);
    for (path, output) in modules {
        let links = graph
            .links
            .get(path)
            .and_then(|l| serde_json::to_string(l).ok())
            .unwrap_or_else(|| "{}".into());
        push(
            &mut out,
            &mut line,
            &serde_json::Value::String(path.clone()).to_string(),
        );
        push(&mut out, &mut line, frame.module_open);
        starts.push((path.clone(), line));
        push(&mut out, &mut line, output.code.trim_end());
        push(&mut out, &mut line, frame.module_close);
        push(&mut out, &mut line, &links);
        push(&mut out, &mut line, frame.entry_close);
    }
    push(&mut out, &mut line, if minify { "};" } else { "};\n" });
    push(&mut out, &mut line, frame.loader);
    push(
        &mut out,
        &mut line,
        &format!("load({});", serde_json::Value::String(entry.to_owned())),
    );
    push(
        &mut out,
        &mut line,
        if minify { "})();\n" } else { "\n})();\n" },
    );
    (out, starts)
}
