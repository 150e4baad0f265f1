//! Linking: walks the import graph from the entry, checks every import, and
//! joins the compiled modules into one script with a small module loader.
//!
//! The bundle's shape (also described in ARCHITECTURE.md):
//!
//! ```js
//! (function () {
//! "use strict";
//! var packages = ["react", "react/jsx-runtime"];
//! var defs = [
//!   [function (exports, require, module) { …CommonJS body… }, [3, 9, 7]],
//!   …
//! ];
//! …loader…
//! load(0);
//! })();
//! ```
//!
//! Module 0 is the entry. Each module is a CommonJS factory (its parameters
//! shortened when minified; an ES module defines its exports as getters
//! with one call of the loader's fourth parameter) plus its targets: the factory calls `require(i)`
//! and entry `i` is the index of a module of the table or, from
//! `defs.length` on, of a runtime package in `packages`. swc's helpers are modules of the table too, one each,
//! shared by every module that uses them. A module's exports object is cached
//! before its factory runs, so import cycles see the partly initialised
//! exports, and swc's CommonJS output reads imports through getters at use
//! time, which keeps ES live-binding semantics. Specifiers not in the map are
//! runtime-provided packages, looked up in `globalThis.__APPBOX_EXTERNALS__`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::diagnostic::Diagnostic;
use crate::module::{ImportKind, Loader, ModuleOutput, Names};
use crate::resolve::{resolve, ResolveError, Target, EXTERNALS};
use crate::{Compiled, EntryLinks, ModuleTable, Scans};

/// The loader that runs the module table. A module's `require(i)` reads
/// entry `i` of its targets: a number below `defs.length` is a module of
/// the table, above it a runtime package of `packages`, looked up in
/// `__APPBOX_EXTERNALS__` (the runtime's
/// registry: an object from package name to module object). A string
/// argument (a CommonJS file's own `require(name)`) is a package name.
const LOADER: &str = r#"var cache = [];
// How an ES module's export is read (the hot loader keeps components'
// identity through it).
var exported = function (id, name, get) { return get; };
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
  def[0].call(module.exports, module.exports, function (i) {
    var target = typeof i === "number" ? def[1][i] : i;
    if (typeof target !== "number") return external(target);
    return target < defs.length ? load(target) : external(packages[target - defs.length]);
  }, module, function (getters) {
    Object.defineProperty(module.exports, "__esModule", { value: true });
    for (var name in getters) Object.defineProperty(module.exports, name, { enumerable: true, get: exported(id, name, getters[name]) });
  });
  return module.exports;
}
"#;

/// Dev bundles only: hot updates for `appbox dev`'s page. `apply` replaces
/// table entries (each the source of `[factory, [targets]]`) and runs the
/// changed modules again with every module that imports them, the entry
/// last. The entry's `createRoot` gets the root it made before (until it is
/// unmounted), so running the entry again renders into it instead of
/// stacking a second root.
///
/// The runtime's production React has no Fast Refresh, so the loader keeps
/// components' identity itself: a component (a function, not a class,
/// exported under a capitalised name) is read through a proxy that stays
/// the same across updates and calls the latest implementation, so React
/// renders it again in place and keeps its state and DOM. When every
/// changed module exports only components and kept its hook calls, only
/// their mounted instances render again (the proxy registered how, with a
/// hook of its own); nothing else runs. A module whose hook calls changed
/// gets new proxies (React mounts its components afresh: hooks must keep
/// their order), and so does every module run again when an update
/// changed a module that exports anything but components (a changed
/// custom hook changes the hooks of its callers).
const HOT_LOADER: &str = r#"var plainExternal = external, hotClient;
external = function (name) {
  var found = plainExternal(name);
  if (name !== "react-dom/client") return found;
  if (!hotClient) {
    var roots = new Map();
    hotClient = Object.assign({}, found, {
      createRoot: function (container, options) {
        var root = roots.get(container);
        if (root) return root;
        root = found.createRoot(container, options);
        var unmount = root.unmount;
        root.unmount = function () {
          roots.delete(container);
          return unmount.apply(root, arguments);
        };
        roots.set(container, root);
        return root;
      }
    });
  }
  return hotClient;
};
// families[module][export]: a component's proxy, latest implementation
// and mounted instances.
var families = [], generations = [], proxyOf = new WeakMap(), proxies = new WeakSet();
function sourceOf(fn) { return Function.prototype.toString.call(fn); }
// Hook calls by name, in order (a compiled module may call `_useState`).
function hooksOf(fn) { return (sourceOf(fn).match(/use[A-Z][$\w]*/g) || []).join(); }
// Where React renders a proxy, it registers how to render it again. A
// capitalised function called outside a render has no hooks to call:
// React throws, harmlessly, and nothing is registered.
function useHotUpdates(family) {
  var React = plainExternal("react"), rerender;
  try {
    rerender = React.useReducer(function (n) { return n + 1; }, 0)[1];
  } catch (e) {
    return;
  }
  React.useEffect(function () {
    family.instances.add(rerender);
    return function () { family.instances.delete(rerender); };
  }, [rerender]);
}
exported = function (id, name, get) {
  return function () {
    var value = get();
    if (typeof value !== "function") return value;
    var known = proxyOf.get(value);
    if (known) return known;
    if (!/^[A-Z]/.test(name === "default" ? value.name : name) || /^class\b/.test(sourceOf(value))) {
      proxyOf.set(value, value);
      return value;
    }
    var components = families[id] || (families[id] = {}), family = components[name], generation = generations[id] || 0;
    if (!family || family.generation !== generation) {
      family = components[name] = { generation: generation, impl: value, instances: new Set() };
      family.proxy = new Proxy(value, {
        apply: function (_, self, args) {
          useHotUpdates(family);
          return family.impl.apply(self, args);
        },
        get: function (_, property) { return family.impl[property]; }
      });
      proxies.add(family.proxy);
    }
    family.impl = value;
    proxyOf.set(value, family.proxy);
    return family.proxy;
  };
};
function renew(i) { generations[i] = (generations[i] || 0) + 1; }
// Renders again, in place, the mounted components of the updated modules
// (which export only components and kept their hooks); false if none is
// mounted.
function rerenderInPlace(updates) {
  var mounted = [];
  updates.forEach(function (update) {
    var components = families[update.index] || {};
    Object.keys(components).forEach(function (name) {
      components[name].instances.forEach(function (r) { mounted.push(r); });
    });
  });
  if (!mounted.length) return false;
  updates.forEach(function (update) {
    delete cache[update.index];
    var exports = load(update.index);
    // Reading each export hands its family the new implementation.
    Object.keys(exports).forEach(function (name) { return exports[name]; });
  });
  mounted.forEach(function (rerender) { rerender(); });
  return true;
}
globalThis.__APPBOX_HOT__ = {
  apply: function (updates) {
    var stale = {}, everything = false, inPlace = true;
    updates.forEach(function (update) {
      var before = defs[update.index];
      defs[update.index] = (0, eval)("\"use strict\";(" + update.entry + ")\n//# sourceURL=" + update.path);
      stale[update.index] = true;
      var exports = cache[update.index] && cache[update.index].exports;
      var names = exports ? Object.keys(exports) : [];
      var others = names.some(function (k) { try { return !proxies.has(exports[k]); } catch (e) { return true; } });
      if (!names.length || others) inPlace = false;
      if (others) everything = true;
      else if (hooksOf(before[0]) !== hooksOf(defs[update.index][0])) {
        renew(update.index);
        inPlace = false;
      }
    });
    if (inPlace && rerenderInPlace(updates)) return;
    for (var grew = true; grew; ) {
      grew = false;
      defs.forEach(function (def, i) {
        if (!stale[i] && def[1].some(function (t) { return stale[t]; })) grew = stale[i] = true;
      });
    }
    Object.keys(stale).forEach(function (i) {
      if (everything) renew(i);
      delete cache[i];
    });
    load(0);
  }
};
"#;

/// [`LOADER`], minified: `packages` is `P`, `defs` `D`, `cache` `C`,
/// `external` `X` and `load` `L`; `R` reads a module's targets, a string
/// (see [`target_chars`]). A target below `P.length` is a package, from
/// there on a module of the table. A factory (most are arrow functions) gets
/// `require`, `define_exports`, `module`, `exports`, in this order, so that
/// an ES module declares only the first two. `define_exports(values,
/// getters)`: an export that cannot change is a value, the others getters.
const COMPACT_LOADER: &str = "var C=[],O=Object,N=\"number\",X=n=>{var r=globalThis.__APPBOX_EXTERNALS__;if(r&&O.prototype.hasOwnProperty.call(r,n))return r[n];throw Error('appbox: the runtime does not provide the module \"'+n+'\"')},L=i=>{var m=C[i];if(!m){var d=D[i],e={},F=(k,o)=>O.defineProperty(e,k,(o.enumerable=!0,o));m=C[i]={exports:e};d[0].call(e,s=>(s=typeof s==N?R(d[1],s):s,typeof s!=N?X(s):s<P.length?X(P[s]):L(s-P.length)),(v,g)=>{O.defineProperty(e,\"__esModule\",{value:!0});for(var k in v)F(k,{value:v[k]});for(k in g)F(k,{get:g[k]})},m,e)}return m.exports};";

/// What the graph walk found.
#[derive(Clone)]
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
    files: &crate::Vfs<'_>,
    scans: &Scans,
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
    // The modules of a folder import the same specifiers over and over:
    // each (folder, specifier) is resolved once.
    let mut resolved: HashMap<(&str, &str), Result<Target, ResolveError>> = HashMap::new();
    // Depth first in source order: push imports reversed so the first import
    // is visited first.
    while let Some(path) = stack.pop() {
        let (scanned, output) = match scans.get_key_value(&path) {
            Some((scanned, Ok(output))) => (scanned, output),
            Some((_, Err(diagnostics))) => {
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
        let folder = scanned.rsplit_once('/').map_or("", |(folder, _)| folder);
        graph.modules.push(path.clone());
        let mut links = BTreeMap::new();
        let mut next = Vec::new();
        for import in &output.imports {
            let target = resolved
                .entry((folder, import.specifier.as_str()))
                .or_insert_with(|| resolve(files, &path, &import.specifier))
                .clone();
            match target {
                Ok(Target::External(_)) => {}
                Ok(Target::File(target)) => {
                    let is_css = Loader::for_path(&target) == Some(Loader::Css);
                    if is_css && import.kind != ImportKind::Css {
                        // The script would keep the import, which nothing
                        // provides at run time.
                        errors.push(Diagnostic::error(format!("\"{}\" leads to the stylesheet {target}: import a stylesheet by a path ending in \".css\"", import.specifier), Some(import.location.clone())));
                    } else if is_css {
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

/// For tree shaking: the modules, the entry aside, that export names no
/// other module imports, each with the exports to keep (sorted). A name
/// read through an `export *` barrel counts for the modules behind it.
pub fn unused_exports<'a>(graph: &'a Graph, scans: &Scans) -> Vec<(&'a String, Vec<String>)> {
    // By module: the names imported from it; `None`: all of them.
    let mut used: HashMap<&str, Option<BTreeSet<String>>> = HashMap::new();
    if let Some(entry) = graph.modules.first() {
        used.insert(entry, None);
    }
    // `export * from` edges: (barrel, target).
    let mut stars: Vec<(&str, &str)> = Vec::new();
    for path in &graph.modules {
        let (Some(Ok(output)), Some(links)) = (scans.get(path), graph.links.get(path)) else {
            continue;
        };
        for import in &output.imports {
            let Some(target) = links.get(&import.specifier) else {
                continue;
            };
            let names = used.entry(target).or_insert_with(|| Some(BTreeSet::new()));
            match (&import.names, names) {
                (Names::All, names) => *names = None,
                (Names::Some(read), Some(names)) => names.extend(read.iter().cloned()),
                (Names::Some(_), None) => {}
                (Names::Star, _) => stars.push((path, target)),
            }
        }
    }
    // What a barrel's importers read, its targets export (`default` aside,
    // which `export *` does not pass on); barrels of barrels too.
    let mut changed = true;
    while changed {
        changed = false;
        for (barrel, target) in &stars {
            let from = used.get(barrel).cloned().unwrap_or_default();
            let to = used.entry(target).or_insert_with(|| Some(BTreeSet::new()));
            match (from, to) {
                (_, None) => {}
                (None, to) => {
                    *to = None;
                    changed = true;
                }
                (Some(read), Some(to)) => {
                    for name in read {
                        if name != "default" && to.insert(name) {
                            changed = true;
                        }
                    }
                }
            }
        }
    }
    graph
        .modules
        .iter()
        .filter_map(|path| {
            let exports = scans.get(path)?.as_ref().ok()?.exports.as_ref()?;
            let used = used.get(path.as_str()).cloned().unwrap_or_default()?;
            exports
                .iter()
                .any(|e| !used.contains(e))
                .then(|| (path, used.into_iter().collect()))
        })
        .collect()
}

/// A linked bundle.
pub struct Linked {
    pub script: String,
    /// The line each module's code starts on (for the dev source map;
    /// empty unless asked for).
    pub starts: Vec<(String, u32)>,
    /// Where each module's table entry is in the script.
    pub table: ModuleTable,
}

/// Joins the modules into one script, the entry first. `map_lines`: count
/// the lines each module starts on ([`Linked::starts`], for a source map).
pub fn link(
    graph: &Graph,
    compiled: &Compiled,
    scans: &Scans,
    minify: bool,
    map_lines: bool,
) -> Linked {
    let modules: Vec<(&String, &ModuleOutput)> = graph
        .modules
        .iter()
        .filter_map(|path| match compiled.get(path) {
            Some(Ok(output)) => Some((path, &**output)),
            _ => None,
        })
        .collect();
    let index: HashMap<&str, usize> = modules
        .iter()
        .enumerate()
        .map(|(i, (path, _))| (path.as_str(), i))
        .collect();
    let size = modules
        .iter()
        .map(|(p, o)| p.len() + o.code.len() + 16 * o.requires.len() + 64)
        .sum::<usize>()
        + 2048;
    let mut out = String::with_capacity(size);
    let mut starts = Vec::with_capacity(modules.len());
    // The runtime packages the modules use, each named once: a target of
    // `defs.length + i` is `packages[i]`.
    let mut packages: Vec<&str> = Vec::new();
    for (path, output) in &modules {
        for specifier in &output.requires {
            let internal = if minify {
                // Anything not in the table is looked up by name (so
                // every minified target is a number).
                let target = graph.links.get(*path).and_then(|l| l.get(specifier));
                index.contains_key(target.map_or(specifier.as_str(), String::as_str))
            } else {
                graph
                    .links
                    .get(*path)
                    .is_some_and(|l| l.contains_key(specifier))
                    || index.contains_key(specifier.as_str())
            };
            if !internal && !packages.contains(&specifier.as_str()) {
                packages.push(specifier);
            }
        }
    }
    // Minified, a module's targets are a string, `width` characters each.
    let width = target_width(packages.len() + modules.len());
    let mut entries = Vec::with_capacity(modules.len());
    let mut entry_links = Vec::new();
    let mut line = 0u32;
    let push = |out: &mut String, line: &mut u32, text: &str| {
        if map_lines {
            // A byte count vectorises; `matches` calls memchr once a line
            // (a large app's bundle has ~100,000).
            *line += text.bytes().filter(|&b| b == b'\n').count() as u32;
        }
        out.push_str(text);
    };
    let names: Vec<String> = packages.iter().map(|p| json_string(p)).collect();
    push(
        &mut out,
        &mut line,
        &if minify {
            format!(
                "(function(){{\"use strict\";var P=[{}],D=[",
                names.join(",")
            )
        } else {
            format!(
                "(function () {{\n\"use strict\";\nvar packages = [{}];\nvar defs = [\n",
                names.join(", ")
            )
        },
    );
    for (path, output) in &modules {
        let links = graph.links.get(*path);
        let targets: Vec<String> = output
            .requires
            .iter()
            .map(|specifier| {
                let target = links
                    .and_then(|l| l.get(specifier))
                    .map_or(specifier.as_str(), String::as_str);
                // Minified, the packages come first (few, and required
                // by most modules: one digit each), then the table.
                let (modules_from, packages_from) = if minify {
                    (packages.len(), 0)
                } else {
                    (0, modules.len())
                };
                let number = match index.get(target) {
                    Some(i) => Some(modules_from + i),
                    None => packages
                        .iter()
                        .position(|p| p == specifier)
                        .map(|i| packages_from + i),
                };
                match number {
                    Some(n) if minify => target_chars(n, width),
                    Some(n) => n.to_string(),
                    None => json_string(specifier),
                }
            })
            .collect();
        if !minify {
            push(&mut out, &mut line, &format!("// {path}\n"));
        }
        let entry_start = out.len();
        push(&mut out, &mut line, "[");
        if map_lines {
            starts.push(((*path).clone(), line));
        }
        push(&mut out, &mut line, output.code.trim_end());
        if !minify {
            let imports = scans.get(*path).and_then(|scan| scan.as_ref().ok());
            entry_links.push(EntryLinks {
                targets_at: out.len() - entry_start,
                imports: imports.map_or_else(Vec::new, |scan| {
                    scan.imports
                        .iter()
                        .map(|i| (i.specifier.clone(), i.kind == ImportKind::Css))
                        .collect()
                }),
                requires: output.requires.clone(),
            });
        }
        if minify && targets.is_empty() {
            // Minified, a module that requires nothing has no targets.
            push(&mut out, &mut line, "]");
        } else if minify {
            push(&mut out, &mut line, ",\"");
            push(&mut out, &mut line, &targets.concat());
            push(&mut out, &mut line, "\"]");
        } else {
            push(&mut out, &mut line, ", [");
            push(&mut out, &mut line, &targets.join(","));
            push(&mut out, &mut line, "]]");
        }
        entries.push(((*path).clone(), entry_start..out.len()));
        push(&mut out, &mut line, if minify { "," } else { ",\n" });
    }
    push(&mut out, &mut line, if minify { "];" } else { "];\n" });
    push(
        &mut out,
        &mut line,
        &if minify {
            format!("{}{COMPACT_LOADER}", target_decoder(width))
        } else {
            LOADER.to_owned()
        },
    );
    if !minify {
        push(&mut out, &mut line, HOT_LOADER);
    }
    push(
        &mut out,
        &mut line,
        if minify {
            "L(0)})();\n"
        } else {
            "load(0);\n})();\n"
        },
    );
    Linked {
        script: out,
        starts,
        table: ModuleTable {
            entries,
            packages: packages.iter().map(|p| (*p).to_owned()).collect(),
            stylesheet: Vec::new(),
            links: entry_links,
        },
    }
}

/// Characters a minified target is written with: base 91, printable ASCII
/// from `#` on, without `\\` (nor `"`, below `#`), so a target string needs
/// no escapes.
const TARGET_BASE: usize = 91;

/// Characters per target for `count` possible targets.
fn target_width(count: usize) -> u32 {
    let mut width = 1;
    while TARGET_BASE.pow(width) < count {
        width += 1;
    }
    width
}

/// Target `n` in `width` characters, the most significant first.
fn target_chars(n: usize, width: u32) -> String {
    (0..width)
        .rev()
        .map(|place| {
            let digit = (n / TARGET_BASE.pow(place)) % TARGET_BASE;
            let code = 35 + digit + usize::from(35 + digit >= 92);
            char::from(code as u8)
        })
        .collect()
}

/// The loader's `R(t,s)`: target `s` of the target string `t` (the inverse
/// of [`target_chars`]).
fn target_decoder(width: u32) -> String {
    if width == 1 {
        "var R=(t,s)=>(s=t.charCodeAt(s))-35-(s>92);".to_owned()
    } else {
        format!("var R=(t,s)=>{{for(var j=0,r=0,c;j<{width};j++)c=t.charCodeAt(s*{width}+j),r=r*91+c-35-(c>92);return r}};")
    }
}

fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}
