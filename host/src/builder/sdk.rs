//! The files the host puts into every app: the SDK it owns (spec 001 §4, §7)
//! and the standard template a new app starts from.
//!
//! Both are the TypeScript sources in `sdk-js/`, embedded at build time so the
//! binary is self-contained; `sdk-js/` has their tests.

use include_dir::{include_dir, Dir};

use crate::builder::vfs::Files;

static SDK_SRC: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../sdk-js/src");
static TEMPLATE: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../sdk-js/template");

/// The host-owned files, at the VFS paths they take in every app.
pub const HOST_OWNED_PATHS: [&str; 5] = [
    "src/api.ts",
    "src/db.ts",
    "src/action.ts",
    "src/data.json",
    "src/db.json",
];

/// The host's current copies of the SDK files for one app.
///
/// `data.json` and `db.json` describe the app's custom tables and references
/// (NOTES #10); until the data plane fills them they are `[]`.
pub fn host_files() -> Files {
    HOST_OWNED_PATHS
        .iter()
        .map(|path| {
            let name = path.trim_start_matches("src/");
            let content = SDK_SRC
                .get_file(name)
                .and_then(|f| f.contents_utf8())
                .unwrap_or_else(|| panic!("sdk-js/src/{name} is missing from the build"));
            ((*path).to_owned(), content.to_owned())
        })
        .collect()
}

/// True when `path` is one of the host-owned SDK files.
pub fn is_host_owned(path: &str) -> bool {
    HOST_OWNED_PATHS.contains(&path)
}

/// The standard template of spec 001 §4, without the SDK files.
pub fn template_files() -> Files {
    let mut files = Files::new();
    collect(&TEMPLATE, &mut files);
    files
}

/// Adds every file below `dir` to `files`, replacing files of the same path.
pub(crate) fn collect(dir: &Dir<'_>, files: &mut Files) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        let content = file
            .contents_utf8()
            .unwrap_or_else(|| panic!("embedded app file {path} is not UTF-8"));
        files.insert(path, content.to_owned());
    }
    for sub in dir.dirs() {
        collect(sub, files);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_has_the_entry_point_and_no_sdk_files() {
        let files = template_files();
        assert!(files.contains_key("src/main.tsx"));
        assert!(files.contains_key("actions/manifest.json"));
        assert!(HOST_OWNED_PATHS.iter().all(|p| !files.contains_key(*p)));
        assert!(files
            .keys()
            .all(|p| crate::builder::vfs::normalize_path(p).as_deref() == Ok(p.as_str())));
    }

    #[test]
    fn every_host_file_is_embedded() {
        let files = host_files();
        assert_eq!(files.len(), HOST_OWNED_PATHS.len());
        assert!(files["src/api.ts"].contains("export async function listRecords"));
        assert_eq!(files["src/data.json"].trim(), "[]");
    }
}
