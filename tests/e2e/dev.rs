//! Dev mode (issue 13, `appbox dev`): the dev page `/dev/{slug}` and its
//! server-sent events. Attacks first: no session, another tenant, a member
//! without builder.access, a script instead of a navigation, a stream
//! without the page's ticket, too many streams; nothing of dev mode in the
//! published page. Then what a dev page hears after each write: `css` for a
//! CSS-only edit, `modules` (the edited module) for new JS, `reload` for a
//! new import, `compile-error` with file and line,
//! `fixed` when the same JS compiles again.

use std::time::Duration;

use reqwest::header::COOKIE;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{files_path, Api, Server};

const MAIN: &str = "import { createRoot } from \"react-dom/client\";\nimport App from \"./App\";\nimport \"./App.css\";\ncreateRoot(document.getElementById(\"root\")!).render(<App />);\n";
const APP: &str =
    "export default function App() {\n  return <h1 data-testid=\"title\">Hello dev</h1>;\n}\n";
const CSS: &str = "h1 { color: rgb(0, 0, 255); }\n";

/// The dev page as a browser (`Sec-Fetch-Dest`) with `token`'s session cookie.
async fn dev_page(api: &Api, slug: &str, token: Option<&str>, dest: &str) -> (StatusCode, String) {
    let mut request = api
        .client
        .get(format!("{}/dev/{slug}", api.base))
        .header("sec-fetch-dest", dest);
    if let Some(token) = token {
        request = request.header(COOKIE, format!("appbox_token={token}"));
    }
    let response = request.send().await.expect("dev page");
    (response.status(), response.text().await.expect("text"))
}

/// The events URL the dev page names.
fn events_url(page: &str) -> String {
    let start = page.find("\"/dev/").expect("events URL in the page") + 1;
    let url = &page[start..start + page[start..].find('"').expect("quote")];
    url.replace("\\u0026", "&")
}

async fn open_events(api: &Api, url: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = api.client.get(format!("{}{url}", api.base));
    if let Some(token) = token {
        request = request.header(COOKIE, format!("appbox_token={token}"));
    }
    request.send().await.expect("events")
}

/// Reads server-sent events off a stream.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    /// The next event (name, JSON data), skipping keep-alive comments.
    async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        name = value.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim_start());
                    }
                }
                if data.is_empty() && name == "message" {
                    continue;
                }
                return (name, serde_json::from_str(&data).unwrap_or(Value::Null));
            }
            let chunk = tokio::time::timeout(Duration::from_secs(30), self.response.chunk())
                .await
                .expect("an event within 30 s")
                .expect("stream")
                .expect("the stream ended");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// An app with the three files above; its id and slug.
async fn dev_app(admin: &Api) -> (String, String) {
    let app = admin.create_app("Dev shop").await;
    let id = app["id"].as_str().unwrap().to_owned();
    let (status, body) = admin
        .put(
            &format!("/api/v1/builder/apps/{id}/source"),
            json!({"files": {"src/main.tsx": MAIN, "src/App.tsx": APP, "src/App.css": CSS}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (id, app["slug"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_dev_page_and_its_stream_are_for_builders_of_the_app_only() {
    let server = Server::start();
    let admin = server.admin().await;
    let admin_token = admin.token.clone().unwrap();
    let (id, slug) = dev_app(&admin).await;
    let anonymous = server.anonymous();

    // No session: 401, and the page says how to get one.
    let (status, page) = dev_page(&anonymous, &slug, None, "document").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
    assert!(page.contains("sign in"), "{page}");
    // Another tenant's builder: the app does not exist for them.
    let other = server
        .user("dev-other@x.test", "admin", Some("Other"))
        .await;
    let other_token = other.token.clone().unwrap();
    let (status, _) = dev_page(&anonymous, &slug, Some(&other_token), "document").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A member of the same tenant without builder.access.
    let member = server.user("dev-member@x.test", "member", None).await;
    let (status, _) = dev_page(&anonymous, &slug, member.token.as_deref(), "document").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A script of another app on this origin fetching the page (it carries the token).
    let (status, _) = dev_page(&anonymous, &slug, Some(&admin_token), "empty").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, page) = dev_page(&anonymous, &slug, Some(&admin_token), "document").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Hello dev"),
        "the working copy's bundle is inline"
    );
    assert!(page.contains("EventSource"), "the dev client is inline");
    let url = events_url(&page);
    assert!(
        url.starts_with(&format!("/dev/{id}/events?ticket=")),
        "{url}"
    );

    // The stream: no cookie, another tenant's cookie (with the right
    // ticket), the builder without the page's ticket.
    let response = open_events(&anonymous, &url, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = open_events(&anonymous, &url, Some(&other_token)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let forged = format!("/dev/{id}/events?ticket={}", "0".repeat(64));
    let response = open_events(&anonymous, &forged, Some(&admin_token)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let ticket_only = url.split("&js=").next().unwrap();
    let long = format!("{ticket_only}&js={}", "a".repeat(200));
    let response = open_events(&anonymous, &long, Some(&admin_token)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // At most 8 open streams per builder and app.
    let mut open = Vec::new();
    for _ in 0..8 {
        let response = open_events(&anonymous, &url, Some(&admin_token)).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        open.push(response);
    }
    let response = open_events(&anonymous, &url, Some(&admin_token)).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("close some tabs"),
        "{body}"
    );
    // A closed tab frees its place.
    drop(open.pop());
    let mut freed = false;
    for _ in 0..50 {
        let response = open_events(&anonymous, &url, Some(&admin_token)).await;
        if response.status() == StatusCode::OK {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(freed, "a closed stream was not released");

    // The published page knows nothing of dev mode.
    let (status, body) = admin
        .post(&format!("/api/v1/builder/apps/{id}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let published = anonymous
        .client
        .get(format!("{}/runtime/{slug}", anonymous.base))
        .header(COOKIE, format!("appbox_token={admin_token}"))
        .header("sec-fetch-dest", "document")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(published.contains("custom-app-runtime"), "{published}");
    assert!(!published.contains("/dev/") && !published.contains("__APPBOX_DEV__"));
}

#[tokio::test]
async fn each_write_tells_the_dev_page_what_to_do() {
    let server = Server::start();
    let admin = server.admin().await;
    let token = admin.token.clone().unwrap();
    let (id, slug) = dev_app(&admin).await;
    let (status, page) = dev_page(&admin, &slug, Some(&token), "document").await;
    assert_eq!(status, StatusCode::OK);
    let response = open_events(&admin, &events_url(&page), Some(&token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut events = Events {
        response,
        buffer: String::new(),
    };
    let write = |files: Value| {
        let admin = admin.clone();
        let path = files_path(&id);
        async move {
            let (status, body) = admin.patch(&path, json!({"files": files})).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };

    // Only the CSS changed: the new CSS, to swap in place.
    write(json!({"src/App.css": "h1 { color: rgb(255, 0, 0); }\n"})).await;
    let (name, data) = events.next().await;
    assert_eq!(name, "css", "{data}");
    assert!(
        data["css"].as_str().unwrap().contains("255, 0, 0")
            || data["css"].as_str().unwrap().contains("red"),
        "{data}"
    );

    // New JS, same imports: the edited module, to run again in place.
    write(json!({"src/App.tsx": APP.replace("Hello dev", "Hello again")})).await;
    let (name, data) = events.next().await;
    assert_eq!(name, "modules", "{data}");
    let modules = data["modules"].as_array().unwrap();
    assert_eq!(modules.len(), 1, "only the edited module: {data}");
    assert_eq!(modules[0]["path"], "src/App.tsx");
    let entry = modules[0]["entry"].as_str().unwrap();
    assert!(
        entry.starts_with("[function") && entry.contains("Hello again"),
        "{entry}"
    );
    assert!(modules[0]["index"].as_u64().unwrap() > 0, "{data}");

    // A new import changes the module table: the page loads again.
    write(json!({
        "src/extra.ts": "export const extra = '!';\n",
        "src/App.tsx": format!("import {{ extra }} from './extra';\nconsole.log(extra);\n{}", APP.replace("Hello dev", "Hello again")),
    }))
    .await;
    assert_eq!(events.next().await.0, "reload");

    // A syntax error: file, line and the esbuild text with its code frame.
    // (With a good edit beside it, which the page gets once it compiles.)
    write(json!({
        "src/App.tsx": "export default function App() {\n  return <h1>Broken</h1\n}\n",
        "src/extra.ts": "export const extra = '?';\n",
    }))
    .await;
    let (name, data) = events.next().await;
    assert_eq!(name, "compile-error", "{data}");
    assert_eq!(data["errors"][0]["file"], "src/App.tsx", "{data}");
    assert!(data["errors"][0]["line"].as_u64().unwrap() >= 2, "{data}");
    assert!(
        data["text"].as_str().unwrap().contains("src/App.tsx:"),
        "{data}"
    );

    // Fixed: the overlay goes, and the page gets what changed since the
    // build it runs (not only since the failed compile).
    write(json!({"src/App.tsx": format!("import {{ extra }} from './extra';\nconsole.log(extra);\n{}", APP.replace("Hello dev", "Hello again"))})).await;
    let (name, data) = events.next().await;
    assert_eq!(name, "modules", "{data}");
    let modules = data["modules"].as_array().unwrap();
    assert_eq!(modules.len(), 1, "{data}");
    assert_eq!(modules[0]["path"], "src/extra.ts", "{data}");
    assert_eq!(events.next().await.0, "fixed");
}
