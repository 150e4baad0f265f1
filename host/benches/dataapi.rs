//! `cargo bench -p appbox-host --bench dataapi`: the data-API benchmark of
//! ../shared/dataapi in one run. 100,000 `customers` rows go into PocketBase
//! 0.40.6 and into appbox (this build, SQLite); wrk then reads a page of 50
//! and a filtered, searched, sorted page of 50 with 32 connections, and the
//! ratios are printed. With `APPBOX_BENCH_DATABASE_URL=postgres://…/db` appbox
//! is measured on PostgreSQL too. Needs wrk, Python 3 and the registries
//! (PocketBase comes from PyPI); see ../shared/dataapi/README.md.

use std::path::Path;
use std::process::Command;

fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> bool {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .status();
    status.is_ok_and(|s| s.success())
}

fn main() {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = checkout.join("../shared/dataapi");
    let binary = env!("CARGO_BIN_EXE_appbox");
    let checkout = checkout.to_string_lossy().into_owned();
    let both = shared.join("run_both.sh");
    // PocketBase, then appbox on SQLite, then the ratios (on stderr).
    let ok = run(
        "sh",
        &[&both.to_string_lossy(), &checkout, "--binary", binary],
        &[],
    );
    if let Ok(url) = std::env::var("APPBOX_BENCH_DATABASE_URL") {
        let appbox = shared.join("run_appbox.py");
        run(
            "python3",
            &[
                &appbox.to_string_lossy(),
                &checkout,
                "--binary",
                binary,
                "--database-url",
                &url,
            ],
            &[],
        );
    }
    if !ok {
        std::process::exit(1);
    }
}
