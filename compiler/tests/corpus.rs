//! The corpus of `../shared/corpus/`: every valid app compiles, in dev and
//! minified mode, and its bundle renders every route in jsdom with the real
//! React packages; every broken app fails with an error at the right file and
//! line. Needs Node and `sdk-js/node_modules` (`npm ci` in sdk-js/).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use appbox_compiler::{compile, recompile_dev, CompileOptions, ModuleCache};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn corpus_dir() -> PathBuf {
    let dir = root().join("../shared/corpus");
    assert!(
        dir.join("expected.json").exists(),
        "the corpus is missing: expected {}",
        dir.display()
    );
    dir
}

fn load(name: &str) -> BTreeMap<String, String> {
    let text =
        std::fs::read_to_string(corpus_dir().join(format!("{name}.json"))).expect("corpus app");
    serde_json::from_str(&text).expect("corpus app is a JSON object of strings")
}

/// The host's SDK files, as the host injects them.
fn sdk() -> BTreeMap<String, String> {
    ["api.ts", "db.ts", "action.ts", "data.json", "db.json"]
        .iter()
        .map(|name| {
            (
                format!("src/{name}"),
                std::fs::read_to_string(root().join("sdk-js/src").join(name)).expect("sdk file"),
            )
        })
        .collect()
}

fn expected() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(corpus_dir().join("expected.json")).expect("expected.json"),
    )
    .expect("json")
}

fn render(app: &str, dev: bool, bundle: &str, routes: &Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle_path = dir.path().join("bundle.js");
    let routes_path = dir.path().join("routes.json");
    std::fs::write(&bundle_path, bundle).expect("write bundle");
    std::fs::write(&routes_path, routes.to_string()).expect("write routes");
    assert!(
        root().join("sdk-js/node_modules/jsdom").exists(),
        "run `npm ci` in sdk-js/ first (the render test uses its packages)"
    );
    let output = Command::new("node")
        .arg(root().join("compiler/tests/render.mjs"))
        .arg(&bundle_path)
        .arg(&routes_path)
        .output()
        .expect("run node");
    assert!(
        output.status.success(),
        "{app} (dev={dev}) did not render:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn valid_apps_compile_and_render_every_route() {
    let expected = expected();
    let cache = ModuleCache::new();
    for (name, app) in expected["apps"].as_object().expect("apps") {
        if app["expect"] != "ok" {
            continue;
        }
        let files = load(name);
        for dev in [true, false] {
            let options = CompileOptions {
                dev,
                // Tests run swc unoptimised (the dev profile), many times
                // slower than a release build: the 30 s limit is tested on
                // its own (tests/compile.rs), here it would only measure
                // the build profile.
                time_limit: std::time::Duration::from_secs(300),
                ..Default::default()
            };
            let output = compile(&files, &sdk(), &options, &cache).unwrap_or_else(|errors| {
                panic!(
                    "{name} (dev={dev}) failed:\n{}",
                    appbox_compiler::diagnostic::render_all(&errors)
                )
            });
            assert!(!output.css.is_empty(), "{name}: no CSS");
            if dev {
                assert!(
                    output
                        .bundle_js
                        .contains("sourceMappingURL=data:application/json;base64,"),
                    "{name}: no source map"
                );
            } else {
                assert!(
                    !output.bundle_js.contains("sourceMappingURL"),
                    "{name}: minified output has a source map"
                );
            }
            render(name, dev, &output.bundle_js, &app["routes"]);
        }
    }
}

#[test]
fn broken_apps_fail_at_the_right_place() {
    let expected = expected();
    for (name, app) in expected["apps"].as_object().expect("apps") {
        if app["expect"] != "error" {
            continue;
        }
        let errors = match compile(
            &load(name),
            &sdk(),
            &CompileOptions::default(),
            &ModuleCache::new(),
        ) {
            Ok(_) => panic!("{name} compiled but must fail"),
            Err(errors) => errors,
        };
        let text = appbox_compiler::diagnostic::render_all(&errors);
        assert!(text.starts_with("✘ [ERROR] "), "{name}: {text}");
        let wanted = app["error_contains"].as_str().expect("error_contains");
        assert!(
            text.contains(wanted),
            "{name}: expected {wanted:?} in:\n{text}"
        );
        if let Some(file) = app["file"].as_str() {
            let hit = errors
                .iter()
                .find_map(|e| e.location.as_ref().filter(|l| l.file == file));
            let location = hit.unwrap_or_else(|| panic!("{name}: no error in {file}:\n{text}"));
            if let Some(line) = app["line"].as_u64() {
                assert_eq!(
                    u64::from(location.line),
                    line,
                    "{name}: wrong line:\n{text}"
                );
            }
        }
    }
}

/// The standard template a new app starts from (sdk-js/template) compiles
/// and renders its dashboard, in both modes, with no pitfall warnings.
#[test]
fn the_standard_template_compiles_and_renders() {
    let template = root().join("sdk-js/template");
    let mut files = BTreeMap::new();
    let mut dirs = vec![template.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("template dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let relative = path
                    .strip_prefix(&template)
                    .expect("inside")
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(relative, std::fs::read_to_string(&path).expect("text file"));
            }
        }
    }
    let routes = serde_json::json!([
        {"hash": "#/", "testid": "page-dashboard", "heading": "Dashboard", "marker": "Dashboard"},
        {"hash": "#/no-such-page", "testid": "page-not-found", "heading": "Page not found", "marker": "Page not found"}
    ]);
    for dev in [true, false] {
        let output = compile(
            &files,
            &sdk(),
            &CompileOptions {
                dev,
                ..Default::default()
            },
            &ModuleCache::new(),
        )
        .unwrap_or_else(|errors| {
            panic!(
                "template (dev={dev}):\n{}",
                appbox_compiler::diagnostic::render_all(&errors)
            )
        });
        assert!(
            output.warnings.is_empty(),
            "template warnings: {:?}",
            output.warnings
        );
        render("template", dev, &output.bundle_js, &routes);
    }
}

#[test]
fn output_is_deterministic() {
    let files = load("medium");
    for dev in [true, false] {
        let options = CompileOptions {
            dev,
            ..Default::default()
        };
        let a = compile(&files, &sdk(), &options, &ModuleCache::new()).expect("compile");
        let b = compile(&files, &sdk(), &options, &ModuleCache::new()).expect("compile");
        assert_eq!(a.bundle_js, b.bundle_js);
        assert_eq!(a.css, b.css);
    }
}

/// A dev page's update after an edit of modules' text alone (what
/// `appbox dev` sends on most saves) compiles those modules alone and
/// splices them in: the same script and table as a whole compile of the
/// edited app, edit after edit. An edit that moves the import graph, a
/// stylesheet or a syntax error is left to the whole compile.
#[test]
fn an_edit_of_module_text_alone_gives_what_a_whole_compile_gives() {
    let mut files = load("medium");
    let sdk = sdk();
    let options = CompileOptions {
        dev: true,
        source_map: false,
        ..Default::default()
    };
    let cache = ModuleCache::new();
    let whole = |files: &BTreeMap<String, String>| {
        compile(files, &sdk, &options, &ModuleCache::new()).expect("compiles")
    };
    let mut build = compile(&files, &sdk, &options, &cache).expect("compiles");
    let page = "src/pages/DashboardPage.tsx";
    let card = "src/components/StatCard.tsx";
    let action = "actions/refresh_metrics.py";
    let edit = |files: &BTreeMap<String, String>, path: &str, from: &str, to: &str| {
        let text = &files[path];
        assert!(text.contains(from), "{path} has no {from}");
        (path.to_owned(), text.replacen(from, to, 1))
    };
    let edits = [
        vec![edit(
            &files,
            page,
            "title=\"Dashboard\"",
            "title=\"Dashboard, edited\"",
        )],
        // Two modules at once, and a file no module imports.
        vec![
            edit(
                &files,
                page,
                "title=\"Dashboard\"",
                "title=\"Dashboard again\"",
            ),
            edit(&files, card, "return", "return /* edited */"),
            edit(&files, action, "def ", "# edited\ndef "),
        ],
        // The entry (the table's first module) and a JSON module.
        vec![
            edit(
                &files,
                "src/main.tsx",
                "createRoot",
                "/* edited */ createRoot",
            ),
            edit(&files, "src/fixtures/seed.json", "\"", "\"edited_"),
        ],
    ];
    for edited in edits {
        let edited: BTreeMap<String, String> = edited.into_iter().collect();
        files.extend(edited.clone());
        let recompiled = recompile_dev(&build.bundle_js, &build.table, &edited, &options, &cache)
            .expect("an edit of text alone is recompiled alone");
        let expected = whole(&files);
        // (Not assert_eq!: a failure would print megabytes.)
        assert!(
            recompiled.bundle_js == expected.bundle_js,
            "the same script"
        );
        assert!(recompiled.table == expected.table, "the same table");
        let modules = edited.keys().filter(|path| !path.ends_with(".py")).count();
        assert_eq!(recompiled.timings.modules_compiled, modules);
        build.bundle_js = recompiled.bundle_js;
        build.table = recompiled.table;
    }

    let refused = |path: &str, from: &str, to: &str| {
        let edited = BTreeMap::from([edit(&files, path, from, to)]);
        recompile_dev(&build.bundle_js, &build.table, &edited, &options, &cache)
    };
    let import = "import Card from \"../components/Card\";";
    assert!(
        refused(page, import, &format!("{import}\nimport \"../db\";")).is_none(),
        "a new import"
    );
    assert!(refused(page, import, "").is_none(), "an import removed");
    assert!(
        refused(page, "return", "return (").is_none(),
        "a syntax error"
    );
    assert!(
        refused("src/App.css", "{", "{ color: red;").is_none(),
        "a stylesheet"
    );
    // More modules than one core should compile one after another.
    let many: BTreeMap<String, String> = build
        .table
        .entries
        .iter()
        .filter(|(path, _)| path.starts_with("src/pages/") && path.ends_with(".tsx"))
        .map(|(path, _)| (path.clone(), format!("{}\n// edited\n", files[path])))
        .collect();
    assert!(many.len() > appbox_compiler::MAX_RECOMPILED);
    assert!(recompile_dev(&build.bundle_js, &build.table, &many, &options, &cache).is_none());
    let minified = CompileOptions::default();
    let edited = BTreeMap::from([edit(&files, page, "title=", "data-edited title=")]);
    assert!(recompile_dev(&build.bundle_js, &build.table, &edited, &minified, &cache).is_none());
}
