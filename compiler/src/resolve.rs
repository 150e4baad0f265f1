//! Import resolution inside the VFS, with esbuild's rules (spec 001 §20).

use crate::Vfs;

/// Packages the runtime provides; imports of these stay out of the bundle.
pub const EXTERNALS: [&str; 7] = [
    "react",
    "react/jsx-runtime",
    "react-dom",
    "react-dom/client",
    "react-router-dom",
    "lucide-react",
    "react-hot-toast",
];

/// Suffixes tried after the exact path, then after `/index`.
const EXTENSIONS: [&str; 7] = [".tsx", ".ts", ".jsx", ".js", ".mjs", ".json", ".css"];

/// Where an import specifier leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file of the VFS.
    File(String),
    /// A runtime-provided package.
    External(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// A relative path with no file behind it.
    NotFound,
    /// A package that is neither external nor in the VFS.
    Package,
}

/// Resolves `specifier`, imported from the file `importer`.
pub fn resolve(files: &Vfs<'_>, importer: &str, specifier: &str) -> Result<Target, ResolveError> {
    if EXTERNALS.contains(&specifier) {
        return Ok(Target::External(specifier.to_owned()));
    }
    let base = if let Some(absolute) = specifier.strip_prefix('/') {
        normalize(absolute)
    } else if specifier.starts_with("./")
        || specifier.starts_with("../")
        || specifier == "."
        || specifier == ".."
    {
        let dir = importer.rsplit_once('/').map_or("", |(dir, _)| dir);
        normalize(&format!("{dir}/{specifier}"))
    } else {
        return Err(ResolveError::Package);
    };
    let base = base.ok_or(ResolveError::NotFound)?;
    find(files, &base)
        .map(Target::File)
        .ok_or(ResolveError::NotFound)
}

fn find(files: &Vfs<'_>, base: &str) -> Option<String> {
    let exists = |p: &str| files.contains_key(p);
    if !base.is_empty() && exists(base) {
        return Some(base.to_owned());
    }
    for ext in EXTENSIONS {
        let candidate = format!("{base}{ext}");
        if exists(&candidate) {
            return Some(candidate);
        }
    }
    // TypeScript's ESM style: "./util.js" written for "./util.ts".
    for js in [".js", ".mjs", ".cjs"] {
        if let Some(stem) = base.strip_suffix(js) {
            for ts in [".ts", ".tsx", ".mts", ".cts"] {
                let candidate = format!("{stem}{ts}");
                if exists(&candidate) {
                    return Some(candidate);
                }
            }
        }
    }
    let dir = if base.is_empty() {
        String::new()
    } else {
        format!("{base}/")
    };
    EXTENSIONS
        .iter()
        .map(|ext| format!("{dir}index{ext}"))
        .find(|c| exists(c))
}

/// Joins `.` and `..` segments; `None` if the path climbs above the VFS root.
fn normalize(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    Some(out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vfs<'a>(paths: &[&'a str]) -> Vfs<'a> {
        paths.iter().map(|p| (*p, "")).collect()
    }

    #[test]
    fn follows_esbuilds_order() {
        let files = vfs(&[
            "src/a.ts",
            "src/a.tsx",
            "src/b/index.tsx",
            "src/c.json",
            "src/util.ts",
            "src/App.css",
            "src/d",
        ]);
        let r = |spec: &str| resolve(&files, "src/main.tsx", spec);
        assert_eq!(r("./a"), Ok(Target::File("src/a.tsx".into())));
        assert_eq!(r("./a.ts"), Ok(Target::File("src/a.ts".into())));
        assert_eq!(r("./b"), Ok(Target::File("src/b/index.tsx".into())));
        assert_eq!(r("./c.json"), Ok(Target::File("src/c.json".into())));
        assert_eq!(r("./util.js"), Ok(Target::File("src/util.ts".into())));
        assert_eq!(r("./App.css"), Ok(Target::File("src/App.css".into())));
        assert_eq!(r("./d"), Ok(Target::File("src/d".into())));
        assert_eq!(r("../src/a"), Ok(Target::File("src/a.tsx".into())));
        assert_eq!(r("/src/a.ts"), Ok(Target::File("src/a.ts".into())));
        assert_eq!(r("./missing"), Err(ResolveError::NotFound));
        assert_eq!(r("../../../etc/passwd"), Err(ResolveError::NotFound));
        assert_eq!(
            r("react-dom/client"),
            Ok(Target::External("react-dom/client".into()))
        );
        assert_eq!(r("lodash"), Err(ResolveError::Package));
        assert_eq!(r("react-dom/server"), Err(ResolveError::Package));
    }
}
