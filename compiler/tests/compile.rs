//! Compiler behaviour on small, purpose-written apps: what the bundle does
//! when run (in Node, with stand-in externals), and the errors and warnings
//! an agent gets back.

use std::collections::BTreeMap;
use std::process::Command;

use appbox_compiler::diagnostic::render_all;
use appbox_compiler::{
    compile, recompile_dev, CompileOptions, Diagnostic, ModuleCache, Output, Severity,
};

fn vfs(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect()
}

fn build(files: &[(&str, &str)], dev: bool) -> Result<Output, Vec<Diagnostic>> {
    compile(
        &vfs(files),
        &BTreeMap::new(),
        &CompileOptions {
            dev,
            ..Default::default()
        },
        &ModuleCache::new(),
    )
}

/// Runs a bundle in Node with a stand-in `react/jsx-runtime` and returns
/// what it logged.
fn run(bundle: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bundle.js");
    let prelude = r#"globalThis.__APPBOX_EXTERNALS__ = {
  "react/jsx-runtime": { jsx: (t, p) => ({ t, p }), jsxs: (t, p) => ({ t, p }), Fragment: "F" },
  "react": { __esModule: false, version: "stand-in", useState: (v) => [v, () => {}],
    // A component renders again by its reducer's dispatch: here it calls what the entry left in `renderAgain`.
    useReducer: (r, s) => [s, () => console.log("rerender " + globalThis.renderAgain())], useEffect: (f) => { f(); } },
  "react-dom/client": { createRoot: (c) => (console.log("createRoot " + c), { render: (x) => console.log("render " + x), unmount: () => console.log("unmount") }) },
};
"#;
    std::fs::write(&path, format!("{prelude}{bundle}")).expect("write");
    let output = Command::new("node").arg(&path).output().expect("node");
    assert!(
        output.status.success(),
        "bundle failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn both(files: &[(&str, &str)]) -> Vec<String> {
    [true, false]
        .iter()
        .map(|dev| {
            let output =
                build(files, *dev).unwrap_or_else(|e| panic!("dev={dev}:\n{}", render_all(&e)));
            run(&output.bundle_js)
        })
        .collect()
}

#[test]
fn typescript_and_jsx_are_compiled() {
    let files = [
        ("src/main.tsx", r#"
import type { Shape } from "./types";
import { type Kind, Color, area } from "./shapes";
import React from "react";
const pick = <T,>(items: T[]): T => items[0];
const config = { size: 2 } satisfies { size: number };
const shape: Shape = { kind: "square" as Kind, side: config.size };
const element = <div className="x">{pick(["a", "b"])}</div>;
console.log(area(shape), Color.Red, Color[Color.Green], element.t, element.p.className, element.p.children, React.version);
"#),
        ("src/types.ts", "export interface Shape { kind: string; side: number }\n"),
        ("src/shapes.ts", "export type Kind = 'square';\nexport enum Color { Red = 1, Green }\nexport function area(s: { side: number }): number { return s.side ** 2; }\n"),
    ];
    for out in both(&files) {
        assert_eq!(out.trim(), "4 1 Green div x a stand-in");
    }
}

/// Each module is lowered for what it holds: a module with only a class,
/// only a regular expression or only a logical assignment still has it
/// rewritten (the passes for the others are skipped).
#[test]
fn syntax_newer_than_es2020_is_lowered_in_every_module_that_has_it() {
    let files = [
        ("src/main.tsx", r#"
import { Counter } from "./counter";
import { year } from "./dates";
import { withDefault } from "./defaults";
const c = new Counter();
c.bump();
console.log(c.count, Counter.made, Counter.owns(c), year("on 2024-05-01"), withDefault({}).name);
"#),
        ("src/counter.ts", "export class Counter {\n  static made = 0;\n  static { Counter.made = 1; }\n  #step = 2;\n  count = 0;\n  bump() { this.count += this.#step; }\n  static owns(o: object) { return #step in o; }\n}\n"),
        ("src/dates.ts", "export function year(text: string) { return /(?<year>\\d{4})-\\d\\d/.exec(text)?.groups?.year; }\n"),
        ("src/defaults.ts", "export function withDefault(o: { name?: string }) { o.name ??= 'none'; o.name ||= 'never'; return o; }\n"),
    ];
    for dev in [true, false] {
        let output =
            build(&files, dev).unwrap_or_else(|e| panic!("dev={dev}:\n{}", render_all(&e)));
        let js = &output.bundle_js;
        for newer in ["??=", "||=", "#step", "static {", "static{", "/(?<year>"] {
            assert!(
                !js.contains(newer),
                "dev={dev}: `{newer}` is left in the bundle"
            );
        }
        assert_eq!(run(js).trim(), "2 1 true 2024 none", "dev={dev}");
    }
}

#[test]
fn delete_reaches_the_module_frame_and_keeps_package_members() {
    // One walk gives the module its frame and reads package members once:
    // under `delete` it still renames the frame's names (the minified
    // factory's parameters are shortened), while `delete pkg.x` stays.
    let files = [
        ("src/main.tsx", "import legacy from './legacy.js';\nimport * as React from 'react';\nconst [a] = React.useState(1), [b] = React.useState(2), [c] = React.useState(3);\nconst read = [React.version, React.version, React.version].join();\ndelete React.version;\nconsole.log(Object.keys(legacy).join(','), a + b + c, read, 'version' in React);\n"),
        ("src/legacy.js", "exports.kept = 1;\nexports.dropped = 2;\ndelete exports.dropped;\nif (delete module.exports.missing) exports.again = 3;\n"),
    ];
    for out in both(&files) {
        assert_eq!(out.trim(), "kept,again 6 stand-in,stand-in,stand-in false");
    }
}

#[test]
fn process_env_node_env_is_the_build_mode() {
    let files = [
        ("src/main.tsx", "import { mode } from './mode';\nconsole.log(mode(), process.env.NODE_ENV === 'production');\n"),
        ("src/mode.ts", "export function mode() { return process.env.NODE_ENV; }\n"),
    ];
    // Dev first (see `both`).
    assert_eq!(both(&files), ["development false\n", "production true\n"]);
}

#[test]
fn cycles_reexports_and_live_bindings() {
    let files = [
        ("src/main.tsx", r#"
import * as all from "./barrel";
import def, { counter, bump, fromB } from "./barrel";
bump(); bump();
console.log(counter, all.counter, def(), fromB(), Object.keys(all).sort().join(","));
"#),
        ("src/barrel.ts", "export * from './a';\nexport { default } from './b';\nexport { fromB } from './b';\n"),
        ("src/a.ts", "import { helper } from './b';\nexport let counter = 0;\nexport function bump() { counter += helper(); }\n"),
        ("src/b.ts", "import { counter } from './a';\nexport function helper() { return 1; }\nexport function fromB() { return 'b sees ' + counter; }\nexport default function () { return 'default'; }\n"),
    ];
    for out in both(&files) {
        assert_eq!(
            out.trim(),
            "2 2 default b sees 2 bump,counter,default,fromB"
        );
    }
}

#[test]
fn function_exports_read_once_still_work_in_cycles_and_reassigned_ones_stay_live() {
    let files = [
        ("src/main.tsx", r#"
import { early } from "./x";
import show, { mutable, change } from "./y";
console.log(early, mutable(), change(), mutable(), show(), show === show);
"#),
        ("src/x.ts", "import { yName } from './y';\nexport function xName() { return 'x'; }\nexport const early = yName();\n"),
        // y runs inside the cycle, before x's body: x's function is hoisted.
        ("src/y.ts", "import { xName } from './x';\nexport const atLoad = xName();\nexport function yName() { return 'y saw ' + atLoad; }\nexport function mutable() { return 'old'; }\nexport function change() { mutable = function () { return 'new'; }; return 'changed'; }\nexport default function () { return 'default'; }\n"),
    ];
    for out in both(&files) {
        assert_eq!(out.trim(), "y saw x old changed new default true");
    }
    let minified = build(&files, false).expect("compile").bundle_js;
    assert!(
        !minified.contains(".default)"),
        "a default-exported function is read once, not at each call: {minified}"
    );
    assert_eq!(
        minified.matches(".mutable)").count(),
        2,
        "a reassigned function is read at each call: {minified}"
    );
    assert!(
        !minified.contains("WeakMap"),
        "importing the app's own ES modules needs no interop helper: {minified}"
    );
}

#[test]
fn settled_exports_are_read_once_outside_cycles_and_live_inside() {
    let files = [
        ("src/main.tsx", r#"
import { LABEL, table, total, add, fromCycle } from "./barrel";
add(); add();
console.log(LABEL, LABEL.length, table.a, total, total + 1, fromCycle(), LABEL + "!");
"#),
        ("src/barrel.ts", "export * from './consts';\nexport { fromCycle } from './c1';\n"),
        ("src/consts.ts", "export const LABEL = 'label';\nexport const table = { a: 1 };\nexport let total = 0;\nexport function add() { total++; }\n"),
        // c1 and c2 import each other: c2 runs before c1's body, so it
        // must read NAME when called, not where it requires c1.
        ("src/c1.ts", "import { fromC2 } from './c2';\nexport const NAME = 'c1';\nexport const fromCycle = () => fromC2();\n"),
        ("src/c2.ts", "import { NAME } from './c1';\nexport function fromC2() { return 'c2 sees ' + NAME + NAME.length; }\n"),
    ];
    for out in both(&files) {
        assert_eq!(out.trim(), "label 5 1 2 3 c2 sees c12 label!");
    }
    let minified = build(&files, false).expect("compile").bundle_js;
    assert_eq!(
        minified.matches(".LABEL").count(),
        1,
        "a const read through a barrel is read once: {minified}"
    );
    assert_eq!(
        minified.matches(".total").count(),
        2,
        "a reassigned export is read at each use: {minified}"
    );
    assert_eq!(
        minified.matches(".NAME").count(),
        2,
        "inside a cycle a const is read at each use: {minified}"
    );
}

#[test]
fn a_commonjs_module_reading_its_frame_keeps_it_when_minified() {
    // A minified factory is an arrow function declaring only the frame
    // names it uses, unless it reads `arguments` (then all four, as dev).
    let files = [
        ("src/main.tsx", "import frame from './frame.js';\nimport { late } from './late.js';\nconsole.log(frame, late);\n"),
        ("src/frame.js", "module.exports = arguments.length + ' ' + typeof module;\n"),
        ("src/late.js", "exports.late = 'late';\n"),
    ];
    for out in both(&files) {
        assert_eq!(out.trim(), "4 object late");
    }
}

#[test]
fn function_exports_are_read_only_namespace_members_in_both_modes() {
    // Minified, an unassigned function export is a value, not a getter.
    let files = [
        ("src/main.tsx", "import * as ns from './f';\nlet threw = false;\ntry { (ns as any).f = 1; } catch { threw = true; }\nconsole.log(Object.keys(ns).sort().join(), ns.f(), ns.g(), typeof ns.C, threw);\n"),
        ("src/f.ts", "import { g } from './g';\nexport function f() { return 'f' + g(); }\nexport { g };\nexport class C {}\n"),
        ("src/g.ts", "import { f } from './f';\nexport function g() { return typeof f; }\n"),
    ];
    for out in both(&files) {
        assert_eq!(out.trim(), "C,f,g ffunction function function true");
    }
}

#[test]
fn a_bundle_of_more_modules_than_one_target_character_counts_still_links() {
    // Minified targets are one character each up to 91 targets, then two.
    let modules: Vec<(String, String)> = (0..100)
        .map(|i| {
            (
                format!("src/m{i}.ts"),
                format!("export const v{i}: number = {i};\n"),
            )
        })
        .collect();
    let main = format!(
        "{}console.log([{}].reduce((a, b) => a + b, 0));\n",
        (0..100)
            .map(|i| format!("import {{ v{i} }} from './m{i}';\n"))
            .collect::<String>(),
        (0..100)
            .map(|i| format!("v{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut files: Vec<(&str, &str)> = modules
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    files.push(("src/main.tsx", &main));
    for out in both(&files) {
        assert_eq!(out.trim(), "4950");
    }
}

#[test]
fn json_and_css_imports() {
    let files = [
        ("src/main.tsx", "import data from './data.json';\nimport { name } from './data.json';\nimport './b.css';\nimport './a.css';\nconsole.log(data.items.length, name);\n"),
        ("src/data.json", "{\n  \"name\": \"seed\",\n  \"items\": [1, 2, 3]\n}\n"),
        ("src/a.css", ".a { color: red; }\n"),
        ("src/b.css", ".b { color: blue; }\n"),
    ];
    for dev in [true, false] {
        let output = build(&files, dev).expect("compile");
        assert_eq!(run(&output.bundle_js).trim(), "3 seed");
        let (a, b) = (output.css.find(".a"), output.css.find(".b"));
        assert!(
            b.is_some() && a.is_some() && b < a,
            "CSS in import order: {}",
            output.css
        );
        assert!(
            !output.bundle_js.contains("color: red"),
            "CSS must not be in the JS"
        );
    }
    // A default import alone is the file's value: no interop helper.
    let files = [
        ("src/main.tsx", "import data from './data.json';\nimport text from './note.txt';\nconsole.log(data.items.length, text.length);\n"),
        ("src/data.json", "{\n  \"items\": [1, 2, 3]\n}\n"),
        ("src/note.txt", "hello"),
    ];
    for out in both(&files) {
        assert_eq!(out.trim(), "3 5");
    }
    let minified = build(&files, false).expect("compile").bundle_js;
    assert!(
        !minified.contains(".default") && !minified.contains("__esModule?"),
        "{minified}"
    );
}

#[test]
fn a_dev_bundle_without_its_source_map_is_the_same_code() {
    let files = vfs(&[
        (
            "src/main.tsx",
            "import { n } from './n';\nconsole.log(n + 1);\n",
        ),
        ("src/n.ts", "export const n: number = 41;\n"),
    ]);
    let with_map = |source_map| {
        let options = CompileOptions {
            dev: true,
            source_map,
            ..Default::default()
        };
        compile(&files, &BTreeMap::new(), &options, &ModuleCache::new()).expect("compile")
    };
    let (mapped, bare) = (with_map(true), with_map(false));
    let (code, map) = mapped
        .bundle_js
        .split_once("//# sourceMappingURL=")
        .expect("a dev bundle ends with its map");
    assert!(map.starts_with("data:application/json;base64,") && !map.trim_end().contains('\n'));
    assert_eq!(bare.bundle_js, code);
    assert_eq!(bare.table, mapped.table);
    assert_eq!(run(&bare.bundle_js).trim(), "42");
}

#[test]
fn minified_output_is_smaller_and_has_no_source_map() {
    let files = [("src/main.tsx", "export function greeting(name: string) {\n  const message = `hello ${name}`;\n  return message;\n}\nconsole.log(greeting('world'));\n")];
    let dev = build(&files, true).expect("dev");
    let min = build(&files, false).expect("min");
    assert!(dev
        .bundle_js
        .contains("sourceMappingURL=data:application/json;base64,"));
    assert!(!min.bundle_js.contains("sourceMappingURL"));
    assert!(min.bundle_js.len() < dev.bundle_js.len());
    // Mangled: the parameter's name is gone (the mangler's options parse).
    assert!(!min.bundle_js.contains("name"), "{}", min.bundle_js);
    assert_eq!(run(&min.bundle_js).trim(), "hello world");
    assert_eq!(run(&dev.bundle_js).trim(), "hello world");

    // The minifier is the only reader of `/*#__PURE__*/` marks (swc's
    // CommonJS puts one on each interop helper's call): they are not printed
    // after it.
    let marked = [
        (
            "src/main.tsx",
            "import legacy from './legacy.js';\nconsole.log(legacy.n);\n",
        ),
        ("src/legacy.js", "module.exports = { n: 7 };\n"),
    ];
    assert!(build(&marked, true)
        .expect("dev")
        .bundle_js
        .contains("/*#__PURE__*/"));
    let min = build(&marked, false).expect("min").bundle_js;
    assert!(!min.contains("__PURE__"), "{min}");
    assert_eq!(run(&min).trim(), "7");

    // The dev source map points back at the VFS path, with its text.
    use base64::Engine as _;
    let encoded = dev.bundle_js.rsplit("base64,").next().expect("map").trim();
    let map: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("base64"),
    )
    .expect("json");
    let map = &map["sections"][0]["map"];
    assert_eq!(map["sources"], serde_json::json!(["src/main.tsx"]));
    assert_eq!(map["sourcesContent"][0], files[0].1);
    assert!(map["mappings"].as_str().is_some_and(|m| m.len() > 10));
    // Readable: the dev bundle keeps names and lines.
    assert!(
        dev.bundle_js.contains("function greeting(name) {"),
        "{}",
        dev.bundle_js
    );
}

#[test]
fn an_already_minified_file_is_mangled_but_not_compressed_again() {
    let source = "export function pick(longParameterName) {\n  if (longParameterName) {\n    console.log(\"NAME\");\n  }\n}\n";
    let min = source.replace("NAME", "from min.js");
    let full = source.replace("NAME", "from js");
    let files = [
        (
            "src/main.tsx",
            "import { pick } from './vendor/pick.min.js';\nimport { pick as again } from './again.js';\npick(1);\nagain(2);\n",
        ),
        ("src/vendor/pick.min.js", min.as_str()),
        ("src/again.js", full.as_str()),
    ];
    let bundle = build(&files, false).expect("min").bundle_js;
    // Compressed: the `if` became `&&`; not compressed: the `if` stays.
    assert!(bundle.contains("&&console.log(\"from js\")"), "{bundle}");
    assert!(
        !bundle.contains("&&console.log(\"from min.js\")"),
        "{bundle}"
    );
    assert!(bundle.contains("console.log(\"from min.js\")"), "{bundle}");
    // Both mangled.
    assert!(!bundle.contains("longParameterName"), "{bundle}");
    assert_eq!(run(&bundle).trim(), "from min.js\nfrom js");
}

fn errors_of(files: &[(&str, &str)]) -> Vec<Diagnostic> {
    match build(files, false) {
        Ok(_) => panic!("expected errors"),
        Err(errors) => errors,
    }
}

#[test]
fn json_files_are_checked_and_imported_as_their_value() {
    let data = r#"{ "__proto__": { "x": 1 }, "a-b": [true, false, null, -1.5e3], "quote": "\"\u00e9\n", "id": 7 }"#;
    let files = [
        ("src/main.tsx", "import data from './data.json';\nconsole.log(JSON.stringify(data), Object.getPrototypeOf(data) === Object.prototype);\n"),
        ("src/data.json", data),
    ];
    // `__proto__` is a key (as `JSON.parse` makes it), not the prototype.
    let expected =
        r#"{"__proto__":{"x":1},"a-b":[true,false,null,-1500],"quote":"\"é\n","id":7} true"#;
    assert_eq!(
        both(&files),
        [format!("{expected}\n"), format!("{expected}\n")]
    );

    // Where the error is: the end of `tru`, the `]`, the `x`, `extra`.
    for (broken, line, column) in [
        ("{\n  \"a\": 1,\n  \"b\": tru\n}\n", 3, 10),
        ("{\n  \"a\": [1, 2,]\n}\n", 2, 13),
        ("{ \"a\": \"\\x\" }\n", 1, 9),
        ("{ \"a\": 1 } extra\n", 1, 11),
    ] {
        let errors = errors_of(&[
            (
                "src/main.tsx",
                "import data from './data.json';\nconsole.log(data);\n",
            ),
            ("src/data.json", broken),
        ]);
        let error = errors
            .iter()
            .find(|e| e.message.starts_with("Invalid JSON"))
            .unwrap_or_else(|| panic!("{broken:?}: {}", render_all(&errors)));
        let at = error.location.as_ref().expect("location");
        assert_eq!(
            (at.file.as_str(), at.line, at.column),
            ("src/data.json", line, column),
            "{broken:?}: {}",
            error.message
        );
    }
}

#[test]
fn unresolvable_imports_name_the_file_and_the_fix() {
    let errors = errors_of(&[(
        "src/main.tsx",
        "import { x } from './nope';\nimport _ from 'lodash';\nconsole.log(x, _);\n",
    )]);
    let text = render_all(&errors);
    assert_eq!(errors.len(), 2, "{text}");
    assert!(
        text.starts_with("✘ [ERROR] Could not resolve \"./nope\"\n\n    src/main.tsx:1:18:\n"),
        "{text}"
    );
    assert!(text.contains("Could not resolve \"lodash\""), "{text}");
    assert!(text.contains("src/main.tsx:2:14:"), "{text}");
    assert!(text.contains("vendor") && text.contains("§20.3"), "{text}");
}

#[test]
fn every_error_is_reported_not_only_the_first() {
    let errors = errors_of(&[
        ("src/main.tsx", "import './a';\nimport './b';\n"),
        ("src/a.ts", "export const a = ;\n"),
        ("src/b.tsx", "export const b = <div></span>;\n"),
    ]);
    let files: Vec<&str> = errors
        .iter()
        .filter_map(|e| e.location.as_ref())
        .map(|l| l.file.as_str())
        .collect();
    assert!(
        files.contains(&"src/a.ts") && files.contains(&"src/b.tsx"),
        "{}",
        render_all(&errors)
    );
    let b = errors
        .iter()
        .find(|e| e.location.as_ref().is_some_and(|l| l.file == "src/b.tsx"))
        .expect("b");
    assert_eq!(
        b.message,
        "Unexpected closing \"span\" tag does not match opening \"div\" tag"
    );
}

#[test]
fn platform_rules_are_errors() {
    let errors = errors_of(&[
        (
            "src/main.tsx",
            "const Page = import('./Page');\nimport s from './x.module.css';\n",
        ),
        ("src/Page.tsx", ""),
        ("src/x.module.css", ""),
    ]);
    let text = render_all(&errors);
    assert!(
        text.contains("Dynamic import() is not supported in custom apps: import(\"./Page\")"),
        "{text}"
    );
    assert!(text.contains("src/main.tsx:1:20:"), "{text}");
    assert!(text.contains("CSS modules are not supported"), "{text}");

    let errors = errors_of(&[("src/App.tsx", "")]);
    assert!(render_all(&errors).contains("Entry point \"src/main.tsx\" is missing"));
}

#[test]
fn limits_are_checked() {
    let big = "x".repeat(1_048_577);
    let errors = errors_of(&[("src/main.tsx", ""), ("src/big.txt", &big)]);
    assert!(render_all(&errors)
        .contains("src/big.txt is 1,048,577 bytes, which exceeds the per-file limit"));
    let many: Vec<(String, String)> = (0..501)
        .map(|i| (format!("src/f{i}.ts"), String::new()))
        .collect();
    let files: BTreeMap<String, String> = many
        .into_iter()
        .chain([("src/main.tsx".to_string(), String::new())])
        .collect();
    let errors = compile(
        &files,
        &BTreeMap::new(),
        &CompileOptions::default(),
        &ModuleCache::new(),
    )
    .expect_err("too many");
    assert!(render_all(&errors).contains("App has 502 files; the limit is 500 files"));
    // Injected (SDK) files don't count.
    let injected: BTreeMap<String, String> =
        [("src/api.ts".to_string(), "export {}".to_string())].into();
    let own: BTreeMap<String, String> = (0..499)
        .map(|i| (format!("src/f{i}.ts"), String::new()))
        .chain([("src/main.tsx".to_string(), String::new())])
        .collect();
    assert!(compile(
        &own,
        &injected,
        &CompileOptions::default(),
        &ModuleCache::new()
    )
    .is_ok());
}

/// A file nested deeper than the compiler's threads' stacks hold would
/// abort the process (every tenant's server): it is an error with its place.
/// Each shape here overflowed a compiler thread before it was refused.
#[test]
fn nesting_too_deep_is_an_error_not_a_crash() {
    let n = 200_000;
    let deep = [
        "(".repeat(n) + "1" + &")".repeat(n),
        "[".repeat(n) + &"]".repeat(n),
        "!".repeat(n) + "x",
        "x".to_owned() + &"?1:x".repeat(n),
        "1".to_owned() + &"+1".repeat(n),
        "<b>".repeat(n / 2) + &"</b>".repeat(n / 2),
        "x".to_owned() + &".a".repeat(n),
    ];
    for expression in &deep {
        let main = format!(
            "const x = 1;\nconst v = {expression};\nexport default function App() {{ return <div>{{String(v)}}</div>; }}\n"
        );
        for dev in [false, true] {
            let errors = build(&[("src/main.tsx", &main)], dev).expect_err("too deep");
            let text = render_all(&errors);
            assert!(
                text.contains("src/main.tsx:2:") && text.contains("nests too deeply to compile"),
                "{}…: {text}",
                &expression[..20]
            );
        }
    }
    let css = ".a{".repeat(n) + &"}".repeat(n);
    let errors = errors_of(&[
        (
            "src/main.tsx",
            "import './deep.css';\nexport default () => null;\n",
        ),
        ("src/deep.css", &css),
    ]);
    assert!(
        render_all(&errors).contains("src/deep.css:1:"),
        "{}",
        render_all(&errors)
    );
}

#[test]
fn runtime_pitfalls_are_warnings_with_places() {
    let output = build(
        &[
            ("src/main.tsx", "import { BrowserRouter } from 'react-router-dom';\nif (confirm('sure?')) window.alert('ok');\nexport const style = { minHeight: '100vh' };\nexport const fine = { minHeight: '100vh', overflowY: 'auto' };\nconsole.log(BrowserRouter);\n"),
        ],
        false,
    )
    .expect("warnings never fail a build");
    let lines: Vec<(u32, &str)> = output
        .warnings
        .iter()
        .map(|w| {
            assert_eq!(w.severity, Severity::Warning);
            (
                w.location.as_ref().expect("location").line,
                w.message.as_str(),
            )
        })
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].0 == 1 && lines[0].1.contains("HashRouter"));
    assert!(lines
        .iter()
        .any(|(l, m)| *l == 2 && m.starts_with("confirm()")));
    assert!(lines
        .iter()
        .any(|(l, m)| *l == 2 && m.starts_with("alert()")));
    assert!(lines
        .iter()
        .any(|(l, m)| *l == 3 && m.contains("overflowY")));
}

#[test]
fn a_one_file_edit_recompiles_one_module() {
    let cache = ModuleCache::new();
    let mut files = vfs(&[
        (
            "src/main.tsx",
            "import { a } from './a';\nconsole.log(a);\n",
        ),
        ("src/a.ts", "export const a = 1;\n"),
        ("src/b.ts", "export const b = 2;\n"),
    ]);
    let options = CompileOptions::default();
    let first = compile(&files, &BTreeMap::new(), &options, &cache).expect("compile");
    assert_eq!(
        first.timings.modules_compiled, 2,
        "src/b.ts is scanned, not compiled: the entry does not reach it"
    );
    files.insert("src/a.ts".into(), "export const a = 42;\n".into());
    let second = compile(&files, &BTreeMap::new(), &options, &cache).expect("compile");
    assert_eq!(
        second.timings.modules_compiled, 1,
        "only the edited module is compiled again"
    );
    assert_eq!(run(&first.bundle_js).trim(), "1");
    assert_eq!(run(&second.bundle_js).trim(), "42");
}

#[test]
fn a_dev_bundle_takes_a_hot_update_of_the_edited_module() {
    let cache = ModuleCache::new();
    let dev = dev_options();
    let mut files = vfs(&[
        (
            "src/main.tsx",
            "import { createRoot } from 'react-dom/client';\nimport { a } from './a';\nimport { b } from './b';\ncreateRoot('root').render(a + b);\n",
        ),
        ("src/a.ts", "export const a = 'one';\n"),
        ("src/b.ts", "console.log('b runs');\nexport const b = '!';\n"),
    ]);
    let first = compile(&files, &BTreeMap::new(), &dev, &cache).expect("compile");
    files.insert("src/a.ts".into(), "export const a = 'two';\n".into());
    let second = compile(&files, &BTreeMap::new(), &dev, &cache).expect("compile");
    let update = second
        .table
        .hot_update(&second.bundle_js, &first.table, &first.bundle_js)
        .expect("same modules: a hot update");
    let paths: Vec<&str> = update.iter().map(|m| m.path).collect();
    assert_eq!(paths, ["src/a.ts"]);
    let script = format!("{}\n{}", first.bundle_js, hot_apply(&first, &second));
    // The edited module and its importer run again, into the same root;
    // b.ts, which does not import it, does not.
    assert_eq!(
        run(&script).lines().collect::<Vec<_>>(),
        ["b runs", "createRoot root", "render one!", "render two!"]
    );
    // A root the app unmounted is not handed out again.
    let unmounting = compile(
        &vfs(&[(
            "src/main.tsx",
            "import { createRoot } from 'react-dom/client';\nconst root = createRoot('root');\nroot.render('one');\nroot.unmount();\ncreateRoot('root').render('two');\n",
        )]),
        &BTreeMap::new(),
        &dev,
        &cache,
    )
    .expect("compile");
    assert_eq!(
        run(&unmounting.bundle_js).lines().collect::<Vec<_>>(),
        [
            "createRoot root",
            "render one",
            "unmount",
            "createRoot root",
            "render two"
        ]
    );
    // A new import changes the table: no hot update, the page loads again.
    files.insert(
        "src/a.ts".into(),
        "import { b } from './b';\nexport const a = b;\n".into(),
    );
    files.insert("src/c.ts".into(), "export const c = 3;\n".into());
    files.insert(
        "src/b.ts".into(),
        "import { c } from './c';\nexport const b = c;\n".into(),
    );
    let third = compile(&files, &BTreeMap::new(), &dev, &cache).expect("compile");
    assert_eq!(
        third
            .table
            .hot_update(&third.bundle_js, &second.table, &second.bundle_js),
        None
    );
}

fn dev_options() -> CompileOptions {
    CompileOptions {
        dev: true,
        ..Default::default()
    }
}

/// `globalThis.__APPBOX_HOT__.apply(…)` with the hot update from `before`
/// to `after`.
fn hot_apply(before: &Output, after: &Output) -> String {
    let update = after
        .table
        .hot_update(&after.bundle_js, &before.table, &before.bundle_js)
        .expect("same modules: a hot update");
    let json: Vec<serde_json::Value> = update
        .iter()
        .map(|m| serde_json::json!({"index": m.index, "path": m.path, "entry": m.entry}))
        .collect();
    format!(
        "globalThis.__APPBOX_HOT__.apply({});\n",
        serde_json::Value::from(json)
    )
}

#[test]
fn a_hot_update_renders_a_component_again_in_place_unless_its_hooks_or_a_non_component_changed() {
    let cache = ModuleCache::new();
    let dev = dev_options();
    // The entry renders the page and says whether the page is the same
    // function as the last time it ran (React keeps the state of a
    // component whose function stays the same).
    let mut files = vfs(&[
        (
            "src/main.tsx",
            "import { createRoot } from 'react-dom/client';\nimport { version } from 'react';\nimport Page from './Page';\nconst g = globalThis as any;\ng.react = version;\ncreateRoot('root').render(Page() + (!g.last || g.last === Page ? ' same' : ' new'));\ng.last = Page;\ng.renderAgain = () => Page();\n",
        ),
        (
            "src/Page.tsx",
            "import { useState } from 'react';\nimport { label } from './label';\nexport default function Page() { const [v] = useState('one'); return label + v; }\n",
        ),
        ("src/label.ts", "export const label = 'a:';\n"),
    ]);
    let mut builds = vec![compile(&files, &BTreeMap::new(), &dev, &cache).expect("compile")];
    let mut script = builds[0].bundle_js.clone();
    for (path, text) in [
        // The same hooks: the same component, rendered again in place
        // (the entry does not run again).
        ("src/Page.tsx", "import { useState } from 'react';\nimport { label } from './label';\nexport default function Page() { const [v] = useState('two'); return label + v; }\n"),
        // A hook more: a new one (React mounts it afresh).
        ("src/Page.tsx", "import { useState } from 'react';\nimport { label } from './label';\nexport default function Page() { const [v] = useState('three'); const [w] = useState(''); return label + v + w; }\n"),
        // A module exporting something else changed: its importers' components are new.
        ("src/label.ts", "export const label = 'b:';\n"),
    ] {
        files.insert(path.into(), text.into());
        let next = compile(&files, &BTreeMap::new(), &dev, &cache).expect("compile");
        script.push_str(&hot_apply(builds.last().unwrap(), &next));
        builds.push(next);
    }
    assert_eq!(
        run(&script).lines().collect::<Vec<_>>(),
        [
            "createRoot root",
            "render a:one same",
            "rerender a:two",
            "render a:three new",
            "render b:three new"
        ]
    );
}

#[test]
fn the_dev_source_map_leads_from_the_bundle_to_each_file() {
    use base64::Engine as _;
    let output = build(
        &[
            (
                "src/main.tsx",
                "import { a } from './a';\nconsole.log(a);\n",
            ),
            (
                "src/a.ts",
                "// one\n// two\nexport const a: string = 'marker';\n",
            ),
        ],
        true,
    )
    .expect("compile");
    let (code, map) = output
        .bundle_js
        .split_once("//# sourceMappingURL=data:application/json;base64,")
        .expect("an inline source map");
    let json = base64::engine::general_purpose::STANDARD
        .decode(map.trim())
        .expect("base64");
    let map = match swc_sourcemap::decode_slice(&json).expect("a source map") {
        swc_sourcemap::DecodedMap::Index(index) => index.flatten().expect("sections"),
        _ => panic!("an index map, one section per module"),
    };
    let (line, text) = code
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("marker"))
        .expect("the marker in the bundle");
    let column = text.find("marker").expect("marker") as u32 - 1;
    let token = map.lookup_token(line as u32, column).expect("a mapping");
    assert_eq!(token.get_source().map(|s| &**s), Some("src/a.ts"));
    assert_eq!(token.get_src_line(), 2, "the third line of src/a.ts");
    let source = (0..map.get_source_count())
        .find(|i| map.get_source(*i).is_some_and(|s| &**s == "src/a.ts"))
        .expect("src/a.ts is a source");
    assert!(map
        .get_source_contents(source)
        .is_some_and(|c| c.contains("// two")));
}

/// Each edit through one cache gives the bundle a fresh cache gives; the
/// import graph (and what it tells each module) is the last one only when
/// no file's imports or exports changed and no file came or went.
#[test]
fn the_import_graph_is_kept_across_edits_only_while_imports_and_exports_stay() {
    let cache = ModuleCache::new();
    let mut files = vfs(&[
        (
            "src/main.tsx",
            "import { a } from './lib';\nimport { u } from './util';\nimport data from './data.json';\nconsole.log(a(), u, data.n);\n",
        ),
        (
            "src/lib.ts",
            "export function a() { return 'A1'; }\nexport function b() { return 'B_BODY'; }\n",
        ),
        ("src/util/index.ts", "export const u = 'DIR_UTIL';\n"),
        ("src/data.json", "{\"n\": 1}\n"),
    ]);
    let step = |files: &BTreeMap<String, String>, dev: bool, kept: bool, logs: &str| {
        let options = CompileOptions {
            dev,
            ..Default::default()
        };
        let output = compile(files, &BTreeMap::new(), &options, &cache)
            .unwrap_or_else(|e| panic!("{}", render_all(&e)));
        let fresh = compile(files, &BTreeMap::new(), &options, &ModuleCache::new())
            .unwrap_or_else(|e| panic!("{}", render_all(&e)));
        assert_eq!(output.bundle_js, fresh.bundle_js, "dev={dev}, {files:?}");
        assert_eq!(output.css, fresh.css, "dev={dev}, {files:?}");
        assert_eq!(output.timings.graph_kept, kept, "dev={dev}, {files:?}");
        assert_eq!(run(&output.bundle_js).trim(), logs);
        output.bundle_js
    };
    let first = step(&files, false, false, "A1 DIR_UTIL 1");
    assert!(!first.contains("B_BODY"), "b is not imported: left out");
    // The same files again, then text edits: the same graph.
    step(&files, false, true, "A1 DIR_UTIL 1");
    files.insert(
        "src/lib.ts".into(),
        "export function a() { return 'A2'; }\nexport function b() { return 'B_BODY'; }\n".into(),
    );
    files.insert("src/data.json".into(), "{\"n\": 2}\n".into());
    step(&files, false, true, "A2 DIR_UTIL 2");
    // Imports written elsewhere in the file (only errors tell where).
    let main = "// the imports moved down a line\nimport { a, b } from './lib';\nimport { u } from './util';\nimport data from './data.json';\nconsole.log(a(), b(), u, data.n);\n";
    files.insert("src/main.tsx".into(), main.into());
    // `b` is imported now: kept.
    assert!(step(&files, false, false, "A2 B_BODY DIR_UTIL 2").contains("B_BODY"));
    files.insert("src/main.tsx".into(), format!("\n{main}"));
    step(&files, false, true, "A2 B_BODY DIR_UTIL 2");
    // A stylesheet that `./util` now resolves to (a file before a folder;
    // no scan changes): a script may not import it so.
    files.insert("src/util.css".into(), ".u { color: red }\n".into());
    let options = CompileOptions::default();
    let errors = compile(&files, &BTreeMap::new(), &options, &cache).expect_err("a stylesheet");
    assert!(
        render_all(&errors).contains("\"./util\" leads to the stylesheet src/util.css"),
        "{}",
        render_all(&errors)
    );
    // Without it, the files of the graph kept before.
    files.remove("src/util.css");
    step(&files, false, true, "A2 B_BODY DIR_UTIL 2");
    // A new file that `./util` now resolves to.
    files.insert(
        "src/util.ts".into(),
        "export const u = 'FILE_UTIL';\n".into(),
    );
    step(&files, false, false, "A2 B_BODY FILE_UTIL 2");
    // An export that is reassigned is no longer read once.
    files.insert(
        "src/util.ts".into(),
        "export let u = 'FILE_UTIL';\nexport function set() { u = 'SET'; }\n".into(),
    );
    step(&files, false, false, "A2 B_BODY FILE_UTIL 2");
    // Each mode keeps its own graph.
    step(&files, true, false, "A2 B_BODY FILE_UTIL 2");
    step(&files, true, true, "A2 B_BODY FILE_UTIL 2");
    step(&files, false, true, "A2 B_BODY FILE_UTIL 2");
}

#[test]
fn the_stylesheet_is_rebuilt_only_when_css_changes() {
    let cache = ModuleCache::new();
    let mut files = vfs(&[
        ("src/main.tsx", "import './a.css';\nconsole.log(1);\n"),
        ("src/a.css", "@import './b.css';\n.a { color: red }\n"),
        ("src/b.css", ".b { color: blue }\n"),
    ]);
    let options = CompileOptions::default();
    let first = compile(&files, &BTreeMap::new(), &options, &cache).expect("compile");
    assert!(
        first.css.contains("#00f") || first.css.contains("blue"),
        "{}",
        first.css
    );
    // A file only reached by @import changes: the stylesheet follows.
    files.insert("src/b.css".into(), ".b { color: green }\n".into());
    let second = compile(&files, &BTreeMap::new(), &options, &cache).expect("compile");
    assert!(second.css.contains("green"), "{}", second.css);
    assert!(!second.css.contains("#00f") && !second.css.contains("blue"));
    // A script changes: the same stylesheet.
    files.insert(
        "src/main.tsx".into(),
        "import './a.css';\nconsole.log(2);\n".into(),
    );
    let third = compile(&files, &BTreeMap::new(), &options, &cache).expect("compile");
    assert_eq!(third.css, second.css);
    assert_eq!(run(&third.bundle_js).trim(), "2");
    // `@import` may name a file that is not `.css`: its edits count too.
    files.insert(
        "src/b.css".into(),
        "@import './tokens.txt';\n.b { color: green }\n".into(),
    );
    files.insert("src/tokens.txt".into(), ".t { color: teal }\n".into());
    let fourth = compile(&files, &BTreeMap::new(), &options, &cache).expect("compile");
    assert!(fourth.css.contains("teal"), "{}", fourth.css);
    files.insert("src/tokens.txt".into(), ".t { color: olive }\n".into());
    let fifth = compile(&files, &BTreeMap::new(), &options, &cache).expect("compile");
    assert!(fifth.css.contains("olive"), "{}", fifth.css);
    // Nor does a dev page's update take it for a file no module imports.
    let update = CompileOptions {
        source_map: false,
        ..dev_options()
    };
    let dev = compile(&files, &BTreeMap::new(), &update, &cache).expect("compile");
    let edited = vfs(&[("src/tokens.txt", ".t { color: navy }\n")]);
    assert!(recompile_dev(&dev.bundle_js, &dev.table, &edited, &update, &cache).is_none());
    let edited = vfs(&[("src/notes.md", "not read by anything\n")]);
    assert!(recompile_dev(&dev.bundle_js, &dev.table, &edited, &update, &cache).is_some());
}

#[test]
fn unused_exports_are_left_out_of_minified_bundles() {
    let files = [
        (
            "src/main.tsx",
            "import { used, Kept } from './lib';\nimport * as all from './all';\nimport './effect';\nconsole.log(used(), Object.keys(all).sort().join(), Kept.A);\n",
        ),
        (
            "src/lib.ts",
            "export function used() { return 'used'; }\nexport function unusedHelper() { return 'UNUSED_MARKER'; }\nexport default 'DEFAULT_MARKER';\nexport enum Kept { A = 'kept' }\nexport enum Unused { B = 'ENUM_MARKER' }\nexport const enum Sizes { M = 640 }\n",
        ),
        ("src/all.ts", "export const x = 'X_MARKER';\nexport const y = 2;\n"),
        ("src/effect.ts", "export const z = 3;\nconsole.log('effect');\n"),
    ];
    // Both modes behave the same: the side effect runs, a namespace keeps all.
    for out in both(&files) {
        assert_eq!(out, "effect\nused x,y kept\n");
    }
    let minified = build(&files, false).expect("compile").bundle_js;
    assert!(!minified.contains("UNUSED_MARKER") && !minified.contains("DEFAULT_MARKER"));
    assert!(
        !minified.contains("ENUM_MARKER") && !minified.contains("640"),
        "unused enums go too: {minified}"
    );
    assert!(
        minified.contains("X_MARKER"),
        "a namespace import keeps every export"
    );
    let dev = build(&files, true).expect("compile").bundle_js;
    assert!(
        dev.contains("UNUSED_MARKER"),
        "dev bundles keep every export"
    );
}

#[test]
fn names_read_through_export_star_barrels_are_the_only_ones_kept() {
    let files = [
        (
            "src/main.tsx",
            "import { one } from './utils';\nimport * as ns from './spread';\nconsole.log(one(), ns.three());\n",
        ),
        ("src/utils/index.ts", "export * from '../a';\nexport * from '../inner';\n"),
        ("src/inner.ts", "export * from './b';\n"),
        ("src/spread.ts", "export * from './c';\n"),
        ("src/a.ts", "export function one() { return 'one'; }\nexport function aUnused() { return 'A_UNUSED'; }\n"),
        ("src/b.ts", "export function bUnused() { return 'B_UNUSED'; }\nexport default 'B_DEFAULT';\n"),
        ("src/c.ts", "export function three() { return 'three'; }\nexport function cKept() { return 'C_KEPT'; }\n"),
    ];
    for out in both(&files) {
        assert_eq!(out, "one three\n");
    }
    let minified = build(&files, false).expect("compile").bundle_js;
    for gone in ["A_UNUSED", "B_UNUSED", "B_DEFAULT"] {
        assert!(!minified.contains(gone), "{gone}: {minified}");
    }
    assert!(
        minified.contains("C_KEPT"),
        "a namespace import of a barrel keeps every export behind it"
    );
}

#[test]
fn a_compile_over_its_time_limit_is_stopped_with_an_error() {
    let files = vfs(&[("src/main.tsx", "console.log(1);\n")]);
    let options = CompileOptions {
        time_limit: std::time::Duration::ZERO,
        ..Default::default()
    };
    let errors = compile(&files, &BTreeMap::new(), &options, &ModuleCache::new())
        .expect_err("no time at all");
    assert!(
        render_all(&errors).contains("took longer than the 0 s limit"),
        "{}",
        render_all(&errors)
    );
}

/// The loaders for files that are not code (README "other file types"):
/// `.txt` and `.md` import as their text, `.svg` and `.png` as data URLs of
/// their bytes; each can be imported from any module and used as a value.
#[test]
fn text_and_image_imports_are_values() {
    use base64::Engine as _;
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"1\" height=\"1\"/></svg>\n";
    let png = "\u{89}PNG\r\n\u{1a}\n not really an image";
    let notes = "line one\nline \"two\" with `ticks` and ${braces}\n";
    let readme = "# Title\n\n*emphasis* and 中文\n";
    let files = [
        ("src/main.tsx", "import notes from './notes.txt';\nimport readme from './docs/README.md';\nimport logo from './logo.svg';\nimport icon from './icon.png';\nconsole.log(JSON.stringify({ notes, readme, logo, icon }));\n"),
        ("src/notes.txt", notes),
        ("src/docs/README.md", readme),
        ("src/logo.svg", svg),
        ("src/icon.png", png),
    ];
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    let expected = serde_json::json!({
        "notes": notes,
        "readme": readme,
        "logo": format!("data:image/svg+xml;base64,{}", b64(svg)),
        "icon": format!("data:image/png;base64,{}", b64(png)),
    });
    for (dev, logged) in [true, false].into_iter().zip(both(&files)) {
        let logged: serde_json::Value = serde_json::from_str(logged.trim())
            .unwrap_or_else(|e| panic!("dev={dev}: {e}: {logged}"));
        assert_eq!(logged, expected, "dev={dev}");
    }
}
