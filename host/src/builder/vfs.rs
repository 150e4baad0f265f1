//! The rules of an app's virtual file system (spec 001 §4-§6, §20.4; NOTES #1).
//!
//! Pure functions, no I/O: path normalisation, limits, the host-owned SDK
//! files, and the three edits (replace all, patch, delete). The store calls
//! these before it writes anything, so a rejected write leaves no trace.

use std::collections::BTreeMap;

/// Path → file content (UTF-8 text), ordered so output is deterministic.
pub type Files = BTreeMap<String, String>;

/// Files from (path, text) pairs, for tests.
#[cfg(test)]
pub(crate) fn files_of(pairs: &[(&str, &str)]) -> Files {
    pairs
        .iter()
        .map(|(path, text)| (path.to_string(), text.to_string()))
        .collect()
}

/// Files an app may hold, not counting the host-owned SDK files.
pub const MAX_FILES: usize = 500;
/// Bytes a file may hold, counted in UTF-8.
pub const MAX_FILE_BYTES: usize = 1_048_576;
/// Characters a path may hold.
pub const MAX_PATH_LEN: usize = 512;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum VfsError {
    #[error("Invalid path {path:?}: {reason}")]
    InvalidPath { path: String, reason: &'static str },
    #[error("Paths {first:?} and {second:?} name the same file")]
    DuplicatePath { first: String, second: String },
    #[error("File {path:?} is {size} bytes; the limit is {MAX_FILE_BYTES} bytes (1 MB) per file")]
    FileTooLarge { path: String, size: usize },
    #[error("The VFS would hold {count} files; the limit is {MAX_FILES} files")]
    TooManyFiles { count: usize },
    #[error("These files are owned by the host and cannot be changed: {}. Send them back unchanged or leave them out", .paths.join(", "))]
    HostOwned { paths: Vec<String> },
    #[error("No such file: {}", .paths.join(", "))]
    NotFound { paths: Vec<String> },
}

/// Normalises a VFS path: `./` and `.` segments are dropped; `..`, absolute
/// paths, backslashes, empty segments and control characters are refused.
pub fn normalize_path(raw: &str) -> Result<String, VfsError> {
    let invalid = |reason| VfsError::InvalidPath {
        path: raw.to_owned(),
        reason,
    };
    if raw.is_empty() {
        return Err(invalid("the path is empty"));
    }
    if raw.len() > MAX_PATH_LEN {
        return Err(invalid("the path is longer than 512 bytes"));
    }
    if raw.contains('\\') {
        return Err(invalid(
            "backslashes are not allowed; separate folders with '/'",
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(invalid("control characters are not allowed"));
    }
    if raw.starts_with('/') {
        return Err(invalid(
            "absolute paths are not allowed; use a path relative to the app root, like src/App.tsx",
        ));
    }
    let mut segments = Vec::new();
    for segment in raw.split('/') {
        match segment {
            "" => return Err(invalid("empty path segment ('//' or a trailing '/')")),
            "." => {}
            ".." => return Err(invalid("'..' is not allowed")),
            s => segments.push(s),
        }
    }
    if segments.is_empty() {
        return Err(invalid("the path names no file"));
    }
    Ok(segments.join("/"))
}

/// Normalises every path of `files`, refusing two paths that name one file.
pub fn normalize_files(files: Files) -> Result<Files, VfsError> {
    let mut out = Files::new();
    let mut original: BTreeMap<String, String> = BTreeMap::new();
    for (raw, content) in files {
        let path = normalize_path(&raw)?;
        if let Some(first) = original.insert(path.clone(), raw.clone()) {
            return Err(VfsError::DuplicatePath { first, second: raw });
        }
        out.insert(path, content);
    }
    Ok(out)
}

/// Normalises a list of paths (for deletes); duplicates are merged.
pub fn normalize_paths(paths: &[String]) -> Result<Vec<String>, VfsError> {
    let mut out: Vec<String> = paths
        .iter()
        .map(|p| normalize_path(p))
        .collect::<Result<_, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// Refuses a file over the per-file limit.
pub fn check_file_sizes(files: &Files) -> Result<(), VfsError> {
    match files
        .iter()
        .find(|(_, content)| content.len() > MAX_FILE_BYTES)
    {
        Some((path, content)) => Err(VfsError::FileTooLarge {
            path: path.clone(),
            size: content.len(),
        }),
        None => Ok(()),
    }
}

/// Drops host-owned files that are sent back unchanged (an agent PUTs back
/// what it read) and refuses the write if any of them was changed.
///
/// `host` holds the host's current copies. JSON files compare as JSON values,
/// other files after normalising line endings and trailing whitespace, so a
/// round trip through an editor is not mistaken for a change.
pub fn strip_host_owned(mut files: Files, host: &Files) -> Result<Files, VfsError> {
    let mut changed = Vec::new();
    for (path, host_content) in host {
        if let Some(sent) = files.remove(path) {
            if !same_content(path, &sent, host_content) {
                changed.push(path.clone());
            }
        }
    }
    if changed.is_empty() {
        Ok(files)
    } else {
        Err(VfsError::HostOwned { paths: changed })
    }
}

fn same_content(path: &str, a: &str, b: &str) -> bool {
    if path.ends_with(".json") {
        if let (Ok(a), Ok(b)) = (
            serde_json::from_str::<serde_json::Value>(a),
            serde_json::from_str::<serde_json::Value>(b),
        ) {
            return a == b;
        }
    }
    let normalize = |s: &str| s.replace("\r\n", "\n").trim_end().to_owned();
    normalize(a) == normalize(b)
}

/// One change to an app's files, as the API receives it (paths normalised,
/// host-owned files stripped).
#[derive(Debug)]
pub enum Edit {
    /// Replace every file (`PUT …/source`).
    Replace(Files),
    /// Add or overwrite these files (`PATCH …/source/files`).
    Patch(Files),
    /// Remove these paths (`DELETE …/source/files`).
    Delete(Vec<String>),
    /// Bring back an earlier version's files (`POST …/source/restore`).
    Restore(Files),
}

impl Edit {
    pub fn operation(&self) -> &'static str {
        match self {
            Edit::Replace(_) => "put",
            Edit::Patch(_) => "patch",
            Edit::Delete(_) => "delete",
            Edit::Restore(_) => "restore",
        }
    }

    /// Applies the edit to `current`, checking the limits on the result.
    /// Returns the new file set and the paths that changed.
    pub fn apply(self, current: &Files) -> Result<(Files, Vec<String>), VfsError> {
        let next = match self {
            Edit::Replace(files) | Edit::Restore(files) => {
                check_file_sizes(&files)?;
                files
            }
            Edit::Patch(files) => {
                check_file_sizes(&files)?;
                let mut next = current.clone();
                next.extend(files);
                next
            }
            Edit::Delete(paths) => {
                let missing: Vec<String> = paths
                    .iter()
                    .filter(|p| !current.contains_key(*p))
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    return Err(VfsError::NotFound { paths: missing });
                }
                let mut next = current.clone();
                for path in &paths {
                    next.remove(path);
                }
                next
            }
        };
        if next.len() > MAX_FILES {
            return Err(VfsError::TooManyFiles { count: next.len() });
        }
        let changed = current
            .keys()
            .chain(next.keys())
            .filter(|path| current.get(*path) != next.get(*path))
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok((next, changed))
    }
}

#[cfg(test)]
mod tests {
    use super::files_of as files;
    use super::*;

    #[test]
    fn paths_are_normalised_or_refused() {
        assert_eq!(normalize_path("./src/./App.tsx").unwrap(), "src/App.tsx");
        assert_eq!(
            normalize_path("src/pages/Home.tsx").unwrap(),
            "src/pages/Home.tsx"
        );
        for bad in [
            "",
            "/etc/passwd",
            "src/../x.ts",
            "..",
            "src//a.ts",
            "src/",
            "src\\a.ts",
            "a\u{0}b",
            ".",
            "./",
        ] {
            assert!(
                matches!(normalize_path(bad), Err(VfsError::InvalidPath { .. })),
                "{bad:?} was accepted"
            );
        }
        assert!(normalize_path(&"a/".repeat(300)).is_err());
    }

    #[test]
    fn two_spellings_of_one_path_are_refused() {
        let err = normalize_files(files(&[("./src/a.ts", "1"), ("src/a.ts", "2")])).unwrap_err();
        assert!(matches!(err, VfsError::DuplicatePath { .. }));
    }

    #[test]
    fn host_owned_files_pass_only_unchanged() {
        let host = files(&[
            ("src/api.ts", "export const a = 1;\n"),
            ("src/data.json", "[]"),
        ]);
        let sent = files(&[
            ("src/api.ts", "export const a = 1;\r\n"),
            ("src/data.json", " [ ] "),
            ("src/App.tsx", "x"),
        ]);
        assert_eq!(
            strip_host_owned(sent, &host).unwrap(),
            files(&[("src/App.tsx", "x")])
        );
        let sent = files(&[
            ("src/api.ts", "export const a = 2;"),
            ("src/data.json", "[1]"),
        ]);
        assert_eq!(
            strip_host_owned(sent, &host).unwrap_err(),
            VfsError::HostOwned {
                paths: vec!["src/api.ts".into(), "src/data.json".into()]
            }
        );
    }

    #[test]
    fn patch_merges_and_reports_changes() {
        let current = files(&[("a.ts", "1"), ("b.ts", "2")]);
        let (next, changed) = Edit::Patch(files(&[("b.ts", "2"), ("c.ts", "3")]))
            .apply(&current)
            .unwrap();
        assert_eq!(next, files(&[("a.ts", "1"), ("b.ts", "2"), ("c.ts", "3")]));
        assert_eq!(changed, vec!["c.ts".to_string()]);
    }

    #[test]
    fn delete_of_a_missing_file_changes_nothing() {
        let current = files(&[("a.ts", "1")]);
        let err = Edit::Delete(vec!["a.ts".into(), "nope.ts".into()])
            .apply(&current)
            .unwrap_err();
        assert_eq!(
            err,
            VfsError::NotFound {
                paths: vec!["nope.ts".into()]
            }
        );
    }

    #[test]
    fn limits_are_enforced_on_the_result() {
        let big = "x".repeat(MAX_FILE_BYTES + 1);
        let err = Edit::Patch(files(&[("big.txt", &big)]))
            .apply(&Files::new())
            .unwrap_err();
        assert_eq!(
            err,
            VfsError::FileTooLarge {
                path: "big.txt".into(),
                size: MAX_FILE_BYTES + 1
            }
        );
        let exactly = "é".repeat(MAX_FILE_BYTES / 2);
        assert!(Edit::Patch(files(&[("ok.txt", &exactly)]))
            .apply(&Files::new())
            .is_ok());
        let many: Files = (0..=MAX_FILES)
            .map(|i| (format!("f{i}.ts"), String::new()))
            .collect();
        assert_eq!(
            Edit::Replace(many).apply(&Files::new()).unwrap_err(),
            VfsError::TooManyFiles { count: 501 }
        );
    }
}
