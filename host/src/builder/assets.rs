//! The assets every app page shares: the browser runtime script embedded in
//! the binary, the content hashes in asset URLs, HTML escaping for pages.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

/// `runtime/dist/appbox-runtime.js`, built from `runtime/src` by esbuild
/// (CI checks the committed file matches its sources).
pub static RUNTIME_JS: &[u8] = include_bytes!("../../../runtime/dist/appbox-runtime.js");

/// Hex characters of SHA-256 kept in asset URLs and ETags.
const HASH_CHARS: usize = 16;

pub fn short_hash(bytes: &[u8]) -> String {
    let mut hex = hex::encode(Sha256::digest(bytes));
    hex.truncate(HASH_CHARS);
    hex
}

/// The runtime's hash, known without compressing it.
static RUNTIME_HASH: LazyLock<String> = LazyLock::new(|| short_hash(RUNTIME_JS));

/// The runtime script's URL; its folder is the script's hash, so the URL
/// changes whenever the runtime does.
pub fn runtime_url() -> String {
    format!("/assets/runtime/{}/appbox-runtime.js", *RUNTIME_HASH)
}

pub fn runtime_hash() -> &'static str {
    &RUNTIME_HASH
}

/// Text made safe to place in HTML text and attribute values.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_is_embedded_and_named_by_its_content() {
        assert!(RUNTIME_JS.len() > 1000);
        assert_eq!(runtime_hash().len(), HASH_CHARS);
        assert!(runtime_url().ends_with(&format!("/{}/appbox-runtime.js", runtime_hash())));
    }
}
