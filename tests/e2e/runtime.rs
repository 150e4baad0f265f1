//! What end users' browsers get (issue 9, spec 001 §17, §19.2): the app page
//! behind a platform session, content-hashed assets with immutable caching,
//! ETags and compression, the last published build only, the root page and
//! the demo. (What the page does in a browser, and the demo's printed URL:
//! `tests/browser/`.)

use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, COOKIE, ETAG, IF_NONE_MATCH,
    LOCATION, SET_COOKIE,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{files_path, Api, Server};

/// A client that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn publish(api: &Api, id: &str) {
    let (status, body) = api
        .post(
            &format!("/api/v1/builder/apps/{id}/publish"),
            json!({"published_assets": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// GETs `path` with the session cookie of `token`; returns the status and body.
async fn page(server: &Server, path: &str, token: &str) -> (StatusCode, String) {
    let response = browser()
        .get(format!("{}{path}", server.base))
        .header(COOKIE, format!("appbox_token={token}"))
        .send()
        .await
        .expect("request");
    let status = response.status();
    (status, response.text().await.expect("body"))
}

fn attribute<'a>(html: &'a str, name: &str) -> &'a str {
    let start = html
        .find(&format!("{name}=\""))
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + name.len()
        + 2;
    &html[start..start + html[start..].find('"').expect("closing quote")]
}

fn runtime_src(html: &str) -> &str {
    let start = html.find("/assets/runtime/").expect("runtime script");
    &html[start..start + html[start..].find('"').expect("closing quote")]
}

#[tokio::test]
async fn members_open_the_published_build_with_immutable_compressed_assets() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = admin.create_app("Orders").await;
    let (id, slug) = (app["id"].as_str().unwrap(), app["slug"].as_str().unwrap());
    publish(&admin, id).await;
    let member = server.user("member@test.local", "member", None).await;
    let token = member.token.clone().unwrap();

    // No session: to the app's login page.
    let response = browser()
        .get(format!("{}/runtime/{slug}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], format!("/app-login/{slug}"));

    // A token in the URL starts no session (a link must not sign its visitor
    // in as someone else): still to the login page, no cookie.
    let response = browser()
        .get(format!(
            "{}/runtime/{slug}?token={token}&route=%23/orders",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], format!("/app-login/{slug}"));
    assert!(response.headers().get(SET_COOKIE).is_none());

    // The page: the §18.4 globals with the member's token, the hashed assets.
    let (status, html) = page(&server, &format!("/runtime/{slug}"), &token).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for global in [
        format!("window.__APP_TOKEN__ = \"{token}\""),
        format!("window.__APP_SLUG__ = \"{slug}\""),
        format!("window.__APP_ID__ = \"{id}\""),
        "window.__API_BASE__ = \"/api/v1\"".into(),
        "window.__IS_AUTHENTICATED__ = true".into(),
        "window.__INITIAL_ROUTE__ = null".into(),
    ] {
        assert!(html.contains(&global), "{global} in {html}");
    }
    let bundle = attribute(&html, "bundle-src").to_owned();
    let css = attribute(&html, "css-href").to_owned();
    for (path, content_type) in [
        (bundle.as_str(), "text/javascript"),
        (css.as_str(), "text/css"),
        (runtime_src(&html), "text/javascript"),
    ] {
        let response = browser()
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers().clone();
        assert!(headers[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with(content_type));
        assert_eq!(
            headers[CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        let etag = headers[ETAG].to_str().unwrap().to_owned();
        let body = response.bytes().await.unwrap();
        assert!(!body.is_empty());

        let again = browser()
            .get(format!("{}{path}", server.base))
            .header(IF_NONE_MATCH, &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");

        for encoding in ["br", "gzip"] {
            let compressed = browser()
                .get(format!("{}{path}", server.base))
                .header(ACCEPT_ENCODING, encoding)
                .send()
                .await
                .unwrap();
            assert_eq!(compressed.headers()[CONTENT_ENCODING], encoding, "{path}");
            let size = compressed.bytes().await.unwrap().len();
            assert!(
                size < body.len(),
                "{path}: {encoding} {size} of {}",
                body.len()
            );
        }
    }
    assert_eq!(
        browser()
            .get(format!(
                "{}/assets/apps/{slug}/0123456789abcdef.js",
                server.base
            ))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    // The builder's working copy is not served until it is published.
    let (status, _) = admin
        .patch(
            &files_path(id),
            json!({"files": {"src/pages/NotFoundPage.tsx": "export default () => <h1>Gone</h1>;\n"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = page(&server, &format!("/runtime/{slug}"), &token).await;
    assert_eq!(attribute(&html, "bundle-src"), bundle);
    publish(&admin, id).await;
    let (_, html) = page(&server, &format!("/runtime/{slug}"), &token).await;
    let republished = attribute(&html, "bundle-src").to_owned();
    assert_ne!(republished, bundle);
    // Only the published build's assets exist.
    let old = browser()
        .get(format!("{}{bundle}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::NOT_FOUND);

    // A rollback serves the older build again, under its old URL.
    let first_version = app["vfs_version"].as_i64().unwrap();
    let (status, body) = admin
        .post(
            &format!("/api/v1/builder/apps/{id}/rollback"),
            json!({"version": first_version}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, html) = page(&server, &format!("/runtime/{slug}"), &token).await;
    assert_eq!(attribute(&html, "bundle-src"), bundle);
    let again = browser()
        .get(format!("{}{bundle}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn drafts_other_tenants_and_access_modes() {
    let server = Server::start();
    let admin = server.admin().await;
    let token = admin.token.clone().unwrap();
    let draft = admin.create_app("Draft").await;
    let slug = draft["slug"].as_str().unwrap();
    let (status, html) = page(&server, &format!("/runtime/{slug}"), &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("has not been published"), "{html}");

    publish(&admin, draft["id"].as_str().unwrap()).await;
    let outsider = server
        .user("outsider@test.local", "admin", Some("Other company"))
        .await;
    let (status, html) = page(
        &server,
        &format!("/runtime/{slug}"),
        outsider.token.as_deref().unwrap(),
    )
    .await;
    // Another tenant's app is a 404, the same page as an app that never existed.
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, missing) = page(
        &server,
        "/runtime/no-such-app",
        outsider.token.as_deref().unwrap(),
    )
    .await;
    assert_eq!(html, missing);

    // External apps: their own page, no platform session, no token.
    let (status, external) = admin
        .post(
            "/api/v1/builder/apps",
            json!({"name": "Shop", "access_mode": "external"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let ext_slug = external["slug"].as_str().unwrap();
    publish(&admin, external["id"].as_str().unwrap()).await;
    let moved = browser()
        .get(format!("{}/runtime/{ext_slug}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        moved.headers()[LOCATION],
        format!("/externalAppRuntime/{ext_slug}")
    );
    let (status, html) = page(&server, &format!("/externalAppRuntime/{ext_slug}"), "").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("window.__APP_TOKEN__ = \"\"")
            && html.contains("window.__IS_AUTHENTICATED__ = false")
    );
}

#[tokio::test]
async fn the_root_page_offers_sign_in_then_the_apps() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = admin.create_app("Stock counts").await;
    publish(&admin, app["id"].as_str().unwrap()).await;
    admin.create_app("Unpublished idea").await;

    let (status, html) = page(&server, "/", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"sign-in\"") && html.contains("/api/v1/auth/login"));
    assert!(html.contains("href=\"/docs\""));

    // The sign-in form turns the login's token into the page session.
    let start = |token: &str| {
        browser()
            .post(format!("{}/session", server.base))
            .json(&json!({"access_token": token}))
            .send()
    };
    let refused = start("not-a-token").await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let started = start(admin.token.as_deref().unwrap()).await.unwrap();
    assert_eq!(started.status(), StatusCode::NO_CONTENT);
    let cookie = started.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("appbox_token="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && !cookie.contains("Secure"),
        "{cookie}"
    );

    let (_, html) = page(&server, "/", admin.token.as_deref().unwrap()).await;
    assert!(html.contains("Stock counts"), "{html}");
    assert!(html.contains(&format!("/runtime/{}", app["slug"].as_str().unwrap())));
    assert!(!html.contains("Unpublished idea"));
    assert!(!html.contains("id=\"sign-in\""));
}

#[tokio::test]
async fn the_demo_is_a_published_app_with_its_data() {
    let server = Server::start_with(&[("APPBOX_DEMO", "true")]);
    let admin = server.admin().await;
    let (_, apps) = admin.get("/api/v1/builder/apps").await;
    let demo = &apps[0];
    assert_eq!(demo["name"], "Demo app");
    assert_eq!(demo["status"], "published");
    let slug = demo["slug"].as_str().unwrap();
    let (status, tables) = admin
        .get(&format!(
            "/api/v1/data/objects?app_id={}",
            demo["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tables[0]["api_slug"], "tasks");
    let (status, customers) = admin
        .get(&format!(
            "/api/v1/proxy/{}/customers",
            demo["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{customers}");
    assert_eq!(customers.as_array().map(Vec::len), Some(3));
    let (status, html) = page(
        &server,
        &format!("/runtime/{slug}"),
        admin.token.as_deref().unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
}

/// Behind https (APPBOX_PUBLIC_URL), the session cookie is Secure, set and
/// cleared alike: it never travels over plain http.
#[tokio::test]
async fn sessions_behind_https_are_secure_cookies() {
    let server = Server::start_with(&[("APPBOX_PUBLIC_URL", "https://apps.example.com")]);
    let admin = server.admin().await;
    let started = browser()
        .post(format!("{}/session", server.base))
        .json(&json!({"access_token": admin.token.as_deref().unwrap()}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::NO_CONTENT);
    let cookie = started.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    let ended = browser()
        .post(format!("{}/sign-out", server.base))
        .send()
        .await
        .unwrap();
    let cleared = ended.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("; Secure"),
        "{cleared}"
    );
}
