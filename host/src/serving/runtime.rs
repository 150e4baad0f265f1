//! Serving apps to end users (spec 001 §11, §17, §18.4, §19.2): the browser
//! runtime embedded in the binary, the published build of an app as
//! content-hashed assets, who may open an app, and the page that starts it.
//!
//! No HTTP types here: `api/runtime.rs` turns these into responses.
//!
//! What an end user gets is always the **published** version
//! (`custom_apps.published_version`), compiled minified by the shared
//! [`CompileService`](crate::builder::compile::CompileService), whose cache is keyed
//! by content: the builder's working copy is never served, and a published
//! build is compiled once per process.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use sha2::{Digest, Sha256};

use crate::builder::apps::{self, AccessMode, AppRecord, AppsError};
use crate::builder::assets::{escape_html, runtime_url, short_hash, RUNTIME_JS};
use crate::builder::compile::{Mode, Outcome};
use crate::builder::vfs::Files;
use crate::state::AppState;

/// Published builds remembered with their hashes (one per app).
const BUILDS_KEPT: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// No such app, or it was never published.
    #[error("This app does not exist or has not been published yet")]
    NotPublished,
    /// The published version no longer compiles (e.g. the SDK changed).
    #[error("The published version of this app does not compile; its builder must publish a fixed version")]
    Broken,
    #[error(transparent)]
    Apps(#[from] AppsError),
}

/// Bytes shared between requests without copying.
#[derive(Clone)]
pub struct Blob(Arc<[u8]>);

impl AsRef<[u8]> for Blob {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// How an asset travels, from the request's `Accept-Encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// Brotli if accepted, else gzip, else none (`q=0` refuses a coding).
    pub fn choose(accept_encoding: &str) -> Encoding {
        let accepted = |name: &str| {
            accept_encoding.split(',').any(|item| {
                let mut parts = item.split(';').map(str::trim);
                let coding = parts.next().unwrap_or("");
                let q = parts
                    .find_map(|p| p.strip_prefix("q="))
                    .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
                coding.eq_ignore_ascii_case(name) && q > 0.0
            })
        };
        if accepted("br") {
            Encoding::Brotli
        } else if accepted("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    /// The `Content-Encoding` value, if any.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

/// An immutable asset: its content hash and its bytes in each encoding,
/// compressed once when the asset is made (never per request).
#[derive(Clone)]
pub struct Asset {
    pub hash: String,
    pub content_type: &'static str,
    identity: Blob,
    brotli: Blob,
    gzip: Blob,
}

impl Asset {
    /// Hashes and compresses `bytes`; CPU-bound, so call it off the executor.
    fn new(bytes: &[u8], content_type: &'static str) -> Asset {
        use std::io::Write;
        let mut brotli = Vec::new();
        {
            // Quality 9: within a few percent of 11 at a fraction of the time.
            let mut writer = brotli::CompressorWriter::new(&mut brotli, 64 * 1024, 9, 22);
            let _ = writer.write_all(bytes);
        }
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = gzip.write_all(bytes);
        let gzip = gzip.finish().unwrap_or_default();
        Asset {
            hash: short_hash(bytes),
            content_type,
            identity: Blob(bytes.into()),
            brotli: Blob(brotli.into()),
            gzip: Blob(gzip.into()),
        }
    }

    async fn made_from(bytes: Vec<u8>, content_type: &'static str) -> Asset {
        match tokio::task::spawn_blocking(move || Asset::new(&bytes, content_type)).await {
            Ok(asset) => asset,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// The bytes to send for `encoding`.
    pub fn body(&self, encoding: Encoding) -> Blob {
        match encoding {
            Encoding::Brotli => self.brotli.clone(),
            Encoding::Gzip => self.gzip.clone(),
            Encoding::Identity => self.identity.clone(),
        }
    }

    pub fn len(&self, encoding: Encoding) -> usize {
        self.body(encoding).0.len()
    }
}

static RUNTIME: tokio::sync::OnceCell<Asset> = tokio::sync::OnceCell::const_new();

/// The runtime script as an asset (compressed on first use).
pub async fn runtime_asset() -> &'static Asset {
    RUNTIME
        .get_or_init(|| Asset::made_from(RUNTIME_JS.to_vec(), "text/javascript; charset=utf-8"))
        .await
}

/// What a published build was made from.
#[derive(PartialEq, Eq)]
struct SourceKey {
    version: i64,
    published_at: Option<chrono::DateTime<chrono::Utc>>,
    sdk: String,
}

/// An app's published build as the assets that its page names.
pub struct PublishedBuild {
    pub app: AppRecord,
    source: SourceKey,
    pub js: Asset,
    pub css: Asset,
}

impl PublishedBuild {
    pub fn js_url(&self) -> String {
        format!("/assets/apps/{}/{}.js", self.app.slug, self.js.hash)
    }

    pub fn css_url(&self) -> String {
        format!("/assets/apps/{}/{}.css", self.app.slug, self.css.hash)
    }

    /// The asset named `file` (`{hash}.js` or `{hash}.css`), if this build has it.
    pub fn asset(&self, file: &str) -> Option<&Asset> {
        let (hash, ext) = file.rsplit_once('.')?;
        match ext {
            "js" if hash == self.js.hash => Some(&self.js),
            "css" if hash == self.css.hash => Some(&self.css),
            _ => None,
        }
    }
}

/// The builds being served, by app id (one per app).
static HASHED: LazyLock<Mutex<HashMap<uuid::Uuid, Arc<PublishedBuild>>>> =
    LazyLock::new(Mutex::default);

/// The published app named `key` (slug or subdomain), any tenant.
pub async fn published_app(state: &AppState, key: &str) -> Result<AppRecord, ServeError> {
    match apps::find_app(state.db(), None, key).await {
        Ok(app) if app.status == "published" && app.published_version.is_some() => Ok(app),
        Ok(_) | Err(AppsError::NotFound) => Err(ServeError::NotPublished),
        Err(e) => Err(e.into()),
    }
}

/// The build end users get: `app`'s published version with the host's
/// `sdk` files (as the app gets them now), minified.
pub async fn published_build(
    state: &AppState,
    app: AppRecord,
    sdk: Files,
) -> Result<Arc<PublishedBuild>, ServeError> {
    let version = app.published_version.ok_or(ServeError::NotPublished)?;
    // A version's files never change: the published version, when it was
    // published (a rollback republishes) and the SDK files name the build,
    // so a page load neither reads the VFS nor hashes it again.
    let source = SourceKey {
        version,
        published_at: app.published_at,
        sdk: sdk_hash(&sdk),
    };
    let known = HASHED
        .lock()
        .ok()
        .and_then(|builds| builds.get(&app.id).cloned())
        .filter(|known| known.source == source);
    if let Some(known) = known {
        if known.app.updated_at == app.updated_at {
            return Ok(known);
        }
        // Same build, changed settings (e.g. the name): keep the assets.
        return Ok(remember(Arc::new(PublishedBuild {
            app,
            source,
            js: known.js.clone(),
            css: known.css.clone(),
        })));
    }
    // The compile API's kept files, when it holds this app's, spare the
    // blobs this version shares with them.
    let known = state.compiler().kept(app.id);
    let files = apps::read_files_reusing(state.db(), app.id, version, known.as_deref()).await?;
    let compiled = state
        .compiler()
        .compile(Arc::new(files), sdk, Mode::Minified)
        .await;
    let (js, css) = match &*compiled.outcome {
        Outcome::Success { bundle_js, css, .. } => (bundle_js.clone(), css.clone()),
        Outcome::Failure { errors } => {
            tracing::error!(app = %app.id, version, errors = errors.len(), "a published version does not compile");
            return Err(ServeError::Broken);
        }
    };
    let build = Arc::new(PublishedBuild {
        js: Asset::made_from(js.into_bytes(), "text/javascript; charset=utf-8").await,
        css: Asset::made_from(css.into_bytes(), "text/css; charset=utf-8").await,
        app,
        source,
    });
    Ok(remember(build))
}

fn sdk_hash(sdk: &Files) -> String {
    let mut hasher = Sha256::new();
    for (path, content) in sdk {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(content.as_bytes());
    }
    hex::encode(hasher.finalize())
}

fn remember(build: Arc<PublishedBuild>) -> Arc<PublishedBuild> {
    if let Ok(mut builds) = HASHED.lock() {
        if builds.len() >= BUILDS_KEPT && !builds.contains_key(&build.app.id) {
            if let Some(evict) = builds.keys().next().copied() {
                builds.remove(&evict);
            }
        }
        builds.insert(build.app.id, build.clone());
    }
    build
}

/// Which page serves an app of this access mode (spec 001 §17, §19.2).
pub fn page_path(app: &AppRecord) -> String {
    match app.access_mode {
        AccessMode::Internal => format!("/runtime/{}", app.slug),
        AccessMode::External | AccessMode::SelfBuilt => {
            format!("/externalAppRuntime/{}", app.slug)
        }
    }
}

/// What the page tells the runtime (spec 001 §18.4).
pub struct PageGlobals<'a> {
    /// The signed-in member's access token for an internal app; `""` otherwise.
    pub token: &'a str,
    /// A hash route to start on (`#/orders`), from `?route=`.
    pub initial_route: Option<&'a str>,
}

/// A JSON string that is safe inside an HTML `<script>` (no `</script>`,
/// no `<!--`).
pub(crate) fn script_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned())
        .to_string()
        .replace('<', "\\u003c")
}

/// The page that opens a published app: the §18.4 globals, the runtime
/// element pointing at the hashed CSS and bundle, the runtime script.
pub fn app_page(build: &PublishedBuild, globals: &PageGlobals<'_>) -> String {
    let app = &build.app;
    let route = globals
        .initial_route
        .map_or_else(|| "null".to_owned(), script_string);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n\
         <link rel=\"preload\" href=\"{css}\" as=\"style\">\n\
         <link rel=\"preload\" href=\"{js}\" as=\"script\">\n\
         <style>html,body{{margin:0;height:100%}}</style>\n</head>\n<body>\n\
         <script>window.__API_BASE__ = \"/api/v1\"; window.__APP_ID__ = {id}; window.__APP_SLUG__ = {slug}; \
         window.__APP_TOKEN__ = {token}; window.__IS_AUTHENTICATED__ = {authenticated}; window.__INITIAL_ROUTE__ = {route};</script>\n\
         <custom-app-runtime app-id=\"{id_attr}\" app-slug=\"{slug_attr}\" css-href=\"{css}\" bundle-src=\"{js}\"></custom-app-runtime>\n\
         <script src=\"{runtime}\"></script>\n</body>\n</html>\n",
        title = escape_html(&app.name),
        js = build.js_url(),
        css = build.css_url(),
        id = script_string(&app.id.to_string()),
        slug = script_string(&app.slug),
        token = script_string(globals.token),
        authenticated = !globals.token.is_empty(),
        id_attr = app.id,
        slug_attr = escape_html(&app.slug),
        runtime = runtime_url(),
    )
}

/// A route from `?route=` is a hash route of the app, nothing else.
pub fn valid_route(route: &str) -> Option<&str> {
    let ok = route.len() <= 512
        && (route.starts_with("#/") || route.starts_with('/'))
        && !route.contains(['<', '>', '"', '\\'])
        && !route.chars().any(char::is_control);
    ok.then_some(route)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_strings_cannot_end_the_script() {
        let s = script_string("</script><!--");
        assert!(!s.contains('<'), "{s}");
        assert_eq!(serde_json::from_str::<String>(&s).unwrap(), "</script><!--");
    }

    #[test]
    fn only_hash_routes_are_initial_routes() {
        assert_eq!(valid_route("#/orders/7"), Some("#/orders/7"));
        assert_eq!(valid_route("/orders"), Some("/orders"));
        assert_eq!(valid_route("javascript:alert(1)"), None);
        assert_eq!(valid_route("#/a\"b"), None);
    }

    #[test]
    fn the_best_accepted_encoding_is_chosen() {
        assert_eq!(
            Encoding::choose("gzip, deflate, br, zstd"),
            Encoding::Brotli
        );
        assert_eq!(Encoding::choose("gzip, deflate"), Encoding::Gzip);
        assert_eq!(Encoding::choose("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(Encoding::choose(""), Encoding::Identity);
        assert_eq!(Encoding::choose("identity"), Encoding::Identity);
    }

    #[test]
    fn assets_decompress_to_their_content() {
        use std::io::Read;
        let text = "console.log('appbox');".repeat(100);
        let asset = Asset::new(text.as_bytes(), "text/javascript");
        let mut unbrotli = String::new();
        brotli::Decompressor::new(asset.body(Encoding::Brotli).as_ref(), 4096)
            .read_to_string(&mut unbrotli)
            .unwrap();
        let mut ungzip = String::new();
        flate2::read::GzDecoder::new(asset.body(Encoding::Gzip).as_ref())
            .read_to_string(&mut ungzip)
            .unwrap();
        assert_eq!(
            (unbrotli.as_str(), ungzip.as_str()),
            (text.as_str(), text.as_str())
        );
        assert!(asset.len(Encoding::Brotli) < text.len() / 10);
        assert_eq!(asset.hash, short_hash(text.as_bytes()));
    }
}
