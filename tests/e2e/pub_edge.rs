//! The public edge (spec 001 §18, 000 §8.3): anonymous reads through
//! `/api/v1/pub/*` of published apps that allow them, only public tables and
//! references, the usage a builder reads, and the rate limits with their
//! headers — the per-address ones counted by the client a trusted proxy
//! names, never by what an untrusted client writes in X-Forwarded-For.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{read, Api, Server, ADMIN_EMAIL, ADMIN_PASSWORD};

const TOO_MANY: &str = "請求過於頻繁,請稍後再試";

/// An external app with a public table `venues`, a private table `secrets`,
/// a public reference to `crm_tags` (three rows) and a private one to
/// `customers`; published, anonymous access allowed. Returns (id, slug).
async fn public_app(server: &Server, admin: &Api, name: &str) -> (String, String) {
    let (status, app) = admin
        .post(
            "/api/v1/builder/apps",
            json!({"name": name, "access_mode": "external"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().expect("id").to_owned();
    let slug = app["slug"].as_str().expect("slug").to_owned();
    for (slug, public) in [("venues", true), ("secrets", false)] {
        let (status, out) = admin
            .post(
                "/api/v1/data/objects",
                json!({"app_id": id, "name": slug, "api_slug": slug, "is_public_readable": public,
                       "fields": [{"name": "名稱", "field_key": "name", "field_type": "text"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
        let (status, out) = admin
            .post(
                &format!("/api/v1/data/objects/{slug}/records?app_id={id}"),
                json!({"data": {"name": format!("{slug} row")}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
    }
    for (table, columns, public) in [
        ("crm_tags", json!(["name", "color"]), true),
        ("customers", json!(["name", "email"]), false),
    ] {
        let (status, out) = admin
            .post(
                &format!("/api/v1/refs/apps/{id}"),
                json!({"table_name": table, "columns": columns, "permissions": ["read", "create", "update", "delete"],
                       "is_public_readable": public}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
    }
    let tenant = admin.get("/api/v1/auth/me").await.1["tenant_id"]
        .as_str()
        .expect("tenant_id")
        .to_owned();
    for tag in ["VIP", "新客", "回購"] {
        server.sql(&format!(
            "INSERT INTO crm_tags (id, tenant_id, name, color) VALUES ('{}', '{tenant}', '{tag}', 'red')",
            uuid::Uuid::new_v4()
        ));
    }
    let (status, out) = admin
        .patch(
            &format!("/api/v1/builder/apps/{id}"),
            json!({"allow_anonymous_access": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    publish(admin, &id).await;
    (id, slug)
}

async fn publish(admin: &Api, id: &str) {
    let (status, out) = admin
        .post(
            &format!("/api/v1/builder/apps/{id}/publish"),
            json!({"published_assets": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
}

fn names(rows: &Value) -> Vec<String> {
    let mut names: Vec<String> = rows
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| {
            r["name"]
                .as_str()
                .or(r["api_slug"].as_str())
                .or(r["data"]["name"].as_str())
                .expect("name")
                .to_owned()
        })
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn anonymous_visitors_read_only_what_is_published_public_and_never_write() {
    let server = Server::start();
    let admin = server.admin().await;
    let (id, slug) = public_app(&server, &admin, "場館介紹").await;
    let visitor = server.anonymous();

    // Reads: the public table and the public reference, nothing else.
    let (status, objects) = visitor
        .get(&format!("/api/v1/pub/data/{slug}/objects"))
        .await;
    assert_eq!(status, StatusCode::OK, "{objects}");
    assert_eq!(names(&objects), ["venues"]);
    assert_eq!(objects[0]["fields"][0]["field_key"], "name");
    let (status, rows) = visitor
        .get(&format!(
            "/api/v1/pub/data/{slug}/objects/venues/records?limit=10&offset=0"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    assert_eq!(names(&rows), ["venues row"]);
    let (status, out) = visitor
        .get(&format!("/api/v1/pub/data/{slug}/objects/secrets/records"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    assert!(out["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("is_public_readable"));
    let (status, rows) = visitor
        .get(&format!("/api/v1/pub/proxy/{slug}/crm_tags"))
        .await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    assert_eq!(names(&rows), ["VIP", "回購", "新客"]);
    let (status, out) = visitor
        .post(
            &format!("/api/v1/pub/proxy/{slug}/crm_tags/query"),
            json!({"filters": [{"column": "name", "op": "eq", "value": "VIP"}], "order_by": [{"column": "name", "direction": "asc"}], "limit": 500, "offset": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(names(&out["data"]), ["VIP"]);
    assert_eq!(out["limit"], 100, "pub/proxy cuts limit to 100: {out}");
    let (status, out) = visitor
        .get(&format!("/api/v1/pub/proxy/{slug}/customers"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");

    // Writes: no such method under /pub (405 where the path reads, 404
    // where /pub has no such path at all), whatever the table.
    let record = rows[0]["id"].as_str().expect("id").to_owned();
    let venue = visitor
        .get(&format!("/api/v1/pub/data/{slug}/objects/venues/records"))
        .await
        .1[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for (method, path, refusal) in [
        (
            Method::POST,
            format!("/api/v1/pub/data/{slug}/objects/venues/records"),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::PATCH,
            format!("/api/v1/pub/data/{slug}/objects/venues/records/{venue}"),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::DELETE,
            format!("/api/v1/pub/data/{slug}/objects/venues/records/{venue}"),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::POST,
            format!("/api/v1/pub/proxy/{slug}/crm_tags"),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::PATCH,
            format!("/api/v1/pub/proxy/{slug}/crm_tags/{record}"),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            format!("/api/v1/pub/proxy/{slug}/crm_tags/{record}"),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, out) = visitor
            .call(method.clone(), &path, Some(json!({"data": {"name": "x"}})))
            .await;
        assert_eq!(status, refusal, "{method} {path}: {out}");
    }
    let (_, rows) = visitor
        .get(&format!("/api/v1/pub/data/{slug}/objects/venues/records"))
        .await;
    assert_eq!(names(&rows), ["venues row"], "nothing was written");
    let (_, rows) = admin.get(&format!("/api/v1/proxy/{id}/crm_tags")).await;
    assert_eq!(
        rows.as_array().map(Vec::len),
        Some(3),
        "nothing was written"
    );

    // The public flag of a reference is part of the published snapshot: a
    // reference made public after publishing stays closed until the next.
    let (_, refs) = admin.get(&format!("/api/v1/refs/apps/{id}")).await;
    let customers = refs
        .as_array()
        .and_then(|r| r.iter().find(|r| r["table_name"] == "customers"))
        .expect("customers ref")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, _) = admin
        .patch(
            &format!("/api/v1/refs/{customers}"),
            json!({"is_public_readable": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/api/v1/pub/proxy/{slug}/customers");
    assert_eq!(visitor.get(&path).await.0, StatusCode::FORBIDDEN);
    publish(&admin, &id).await;
    assert_eq!(visitor.get(&path).await.0, StatusCode::OK);
}

#[tokio::test]
async fn pub_refuses_unpublished_private_and_other_tenants_apps() {
    let server = Server::start();
    let admin = server.admin().await;
    let (_, slug) = public_app(&server, &admin, "Public").await;
    let visitor = server.anonymous();

    // Another tenant's public app: its own rows only; a table id of the
    // first tenant under the second's slug is not found.
    let other = server
        .user("other@test.local", "admin", Some("Other Org"))
        .await;
    let (_, other_slug) = public_app(&server, &other, "Other public").await;
    let (_, objects) = admin.get("/api/v1/data/objects").await;
    let venues_a = objects
        .as_array()
        .and_then(|o| o.iter().find(|o| o["api_slug"] == "venues"))
        .expect("venues")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, out) = visitor
        .get(&format!(
            "/api/v1/pub/data/{other_slug}/objects/{venues_a}/records"
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    let (status, out) = visitor
        .get(&format!(
            "/api/v1/pub/data/{slug}/objects/{venues_a}/records"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");

    // Not published: 404, as for a slug that does not exist.
    let (status, draft) = admin
        .post(
            "/api/v1/builder/apps",
            json!({"name": "Draft", "access_mode": "external"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let draft_id = draft["id"].as_str().expect("id");
    admin
        .patch(
            &format!("/api/v1/builder/apps/{draft_id}"),
            json!({"allow_anonymous_access": true}),
        )
        .await;
    for slug in [draft["slug"].as_str().expect("slug"), "000000000000"] {
        let (status, out) = visitor
            .get(&format!("/api/v1/pub/data/{slug}/objects"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    }

    // Published without allow_anonymous_access, or internal: 403 naming the setting.
    publish(&admin, draft_id).await;
    admin
        .patch(
            &format!("/api/v1/builder/apps/{draft_id}"),
            json!({"allow_anonymous_access": false}),
        )
        .await;
    let (status, internal) = admin
        .post(
            "/api/v1/builder/apps",
            json!({"name": "Internal", "access_mode": "internal"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let internal_id = internal["id"].as_str().expect("id");
    admin
        .patch(
            &format!("/api/v1/builder/apps/{internal_id}"),
            json!({"allow_anonymous_access": true}),
        )
        .await;
    publish(&admin, internal_id).await;
    for slug in [
        draft["slug"].as_str().expect("slug"),
        internal["slug"].as_str().expect("slug"),
    ] {
        for path in [
            format!("/api/v1/pub/data/{slug}/objects"),
            format!("/api/v1/pub/proxy/{slug}/crm_tags"),
        ] {
            let (status, out) = visitor.get(&path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {out}");
            assert!(
                out["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("allow_anonymous_access"),
                "{out}"
            );
        }
    }

    // Usage: every call served by an app open to the public, counted for
    // its tenant only (refused apps serve nothing and count nothing).
    let (status, usage) = admin.get("/api/v1/builder/usage").await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    assert_eq!(usage["pub"]["total"], 1, "{usage}");
    assert_eq!(usage["pub"]["errors"], 0, "{usage}");
    assert_eq!(usage["pub"]["by_kind"]["pub.data"], 1, "{usage}");
    let (_, usage) = other.get("/api/v1/builder/usage").await;
    assert_eq!(usage["pub"]["total"], 1, "{usage}");
    assert_eq!(
        usage["pub"]["errors"], 1,
        "the 404 of the foreign table: {usage}"
    );
    let (status, _) = admin.get("/api/v1/builder/usage?days=365").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        visitor.get("/api/v1/builder/usage").await.0,
        StatusCode::UNAUTHORIZED
    );
}

/// Spec 001 §18.8 as written (only the base URL and what the reader fills
/// in replaced): it turns Public mode on, then reads anonymously.
#[tokio::test]
async fn public_mode_script_of_spec_001_18_8_runs_as_written() {
    let server = Server::start();
    let admin = server.admin().await;
    let (status, app) = admin
        .post(
            "/api/v1/builder/apps",
            json!({"name": "場館", "access_mode": "external"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = app["id"].as_str().expect("id").to_owned();
    let slug = app["slug"].as_str().expect("slug").to_owned();
    for table in ["venues", "products", "prices", "staff_notes"] {
        let (status, out) = admin
            .post(
                "/api/v1/data/objects",
                json!({"app_id": id, "name": table, "api_slug": table,
                       "fields": [{"name": "名稱", "field_key": "name", "field_type": "text"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
    }
    let (status, _) = admin
        .post(
            &format!("/api/v1/refs/apps/{id}"),
            json!({"table_name": "crm_tags", "columns": ["name"], "permissions": ["read"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // The script's httpx calls time out after 5 s: compile once first, so
    // that its publish finds the sandbox that trial-loads the template's
    // action ready (a debug build needs longer for the first).
    let (status, out) = admin
        .post(&format!("/api/v1/compile/compile/{id}"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");

    let text = std::fs::read_dir(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec"),
    )
    .expect("spec dir")
    .filter_map(Result::ok)
    .find(|e| e.file_name().to_string_lossy().starts_with("001_"))
    .map(|e| std::fs::read_to_string(e.path()).expect("spec"))
    .expect("spec 001");
    let from = text.find("18.8 Builder API").expect("§18.8");
    let start = from + text[from..].find("import httpx").expect("script");
    let end = start + text[start..].find("18.9 ").expect("§18.9");
    let script = reindent(&text[start..end])
        .replace(
            "https://ai-go.app/api/v1",
            &format!("{}/api/v1", server.base),
        )
        .replace("admin@company.com", ADMIN_EMAIL)
        .replace("admin_password", ADMIN_PASSWORD)
        .replace("your-app-uuid", &id)
        .replace("your-app-slug", &slug);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("public_mode.py");
    std::fs::write(&path, script).expect("write");
    let output = Command::new("python3")
        .arg(&path)
        .output()
        .expect("python3");
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "the spec's script failed:\n{out}");
    assert!(out.contains("匿名存取:True"), "{out}");
    assert!(out.contains("✓ ref crm_tags → public"), "{out}");
    assert!(out.contains("發布結果:200"), "{out}");
    assert!(out.contains("匿名存取測試:200 → 3 個公開表"), "{out}");
    let (_, objects) = server
        .anonymous()
        .get(&format!("/api/v1/pub/data/{slug}/objects"))
        .await;
    assert_eq!(names(&objects), ["prices", "products", "venues"]);
    let (status, _) = server
        .anonymous()
        .get(&format!("/api/v1/pub/proxy/{slug}/crm_tags"))
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// The stored spec text lost the script's leading whitespace; Python's
/// blocks are put back by rule: a line ending in `:` (outside brackets)
/// opens a block, and each numbered step comment (`# 4. …`) is back at the
/// top level. Nothing else in the script is touched.
fn reindent(script: &str) -> String {
    let (mut depth, mut brackets) = (0usize, 0i32);
    let mut out = String::new();
    for line in script.lines() {
        let line = line.trim();
        let numbered_step = line
            .strip_prefix("# ")
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
        if numbered_step {
            depth = 0;
        }
        out.push_str(&"    ".repeat(depth));
        out.push_str(line);
        out.push('\n');
        brackets += line.matches(['(', '[', '{']).count() as i32
            - line.matches([')', ']', '}']).count() as i32;
        if brackets == 0 && line.ends_with(':') && !line.starts_with('#') {
            depth += 1;
        }
    }
    out
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Sends `request` and returns (status, X-RateLimit-Remaining, body).
async fn limited(request: reqwest::RequestBuilder) -> (StatusCode, Option<String>, Value) {
    let response = request.send().await.expect("request");
    let remaining = header(&response, "x-ratelimit-remaining");
    let (status, body) = read(response).await;
    (status, remaining, body)
}

/// The spec's numbers, with the server's defaults: 10 custom-app-auth POSTs
/// and 120 `/pub` calls a minute per address. The server trusts 127.0.0.1 as
/// a proxy; a client on 127.0.0.2 is an untrusted peer.
#[tokio::test]
async fn rate_limits_count_the_client_a_trusted_proxy_names_with_the_spec_defaults() {
    let server = Server::start_with_spec_limits(&[("APPBOX_TRUSTED_PROXIES", "127.0.0.1/32")]);
    let admin = server.admin().await;
    let (_, slug) = public_app(&server, &admin, "Limits").await;
    let proxy = reqwest::Client::new();
    let untrusted = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()
        .expect("client");
    let login = format!("{}/api/v1/custom-app-auth/{slug}/login", server.base);
    // Each client signs in as its own account, so that the per-account
    // sign-in limit (20 a minute) stays out of the way.
    let attempt = |client: &reqwest::Client, forwarded: Option<&str>| {
        let email = if forwarded.is_some_and(|f| f.starts_with("198.")) {
            "forger@test.local"
        } else {
            "nobody@test.local"
        };
        let request = client
            .post(&login)
            .json(&json!({"email": email, "password": "wrong-1"}));
        match forwarded {
            Some(address) => request.header("x-forwarded-for", address),
            None => request,
        }
    };

    // Eleven sign-in attempts from one address: ten answered, the 11th is 429.
    for n in 1..=10 {
        let (status, remaining, body) = limited(attempt(&proxy, None)).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "attempt {n}: {body} {remaining:?}"
        );
        assert_eq!(remaining.as_deref(), Some((10 - n).to_string().as_str()));
    }
    let response = attempt(&proxy, None).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        header(&response, "x-ratelimit-limit").as_deref(),
        Some("10")
    );
    assert_eq!(
        header(&response, "x-ratelimit-remaining").as_deref(),
        Some("0")
    );
    let retry: u64 = header(&response, "retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(read(response).await.1["detail"], TOO_MANY);

    // The trusted proxy forwarding for another client: that client's count.
    let (status, remaining, _) = limited(attempt(&proxy, Some("203.0.113.7"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(remaining.as_deref(), Some("9"));

    // An untrusted peer's X-Forwarded-For is ignored: a new address in the
    // header each time does not buy it an 11th attempt.
    for n in 1..=10 {
        let forged = format!("198.51.100.{n}");
        let (status, remaining, _) = limited(attempt(&untrusted, Some(&forged))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {n}");
        assert_eq!(remaining.as_deref(), Some((10 - n).to_string().as_str()));
    }
    let (status, _, _) = limited(attempt(&untrusted, Some("198.51.100.99"))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // 121 /pub calls: the 121st is refused, each answer says what is left.
    let objects = format!("{}/api/v1/pub/data/{slug}/objects", server.base);
    for n in 1..=120 {
        let (status, remaining, body) = limited(proxy.get(&objects)).await;
        assert_eq!(status, StatusCode::OK, "call {n}: {body}");
        assert_eq!(remaining.as_deref(), Some((120 - n).to_string().as_str()));
    }
    let response = proxy.get(&objects).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        header(&response, "x-ratelimit-limit").as_deref(),
        Some("120")
    );
    assert!(header(&response, "retry-after").is_some());
    assert_eq!(read(response).await.1["detail"], TOO_MANY);
    let (status, remaining, _) =
        limited(proxy.get(&objects).header("x-forwarded-for", "203.0.113.7")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(remaining.as_deref(), Some("119"));

    // Limits are separate: the signed-in admin's data calls are unaffected.
    let (status, _) = admin.get("/api/v1/data/objects").await;
    assert_eq!(status, StatusCode::OK);
}

/// Signed-in data and proxy calls count per user, API keys per app (both
/// lowered here so the test stays short).
#[tokio::test]
async fn users_and_api_keys_have_their_own_counts() {
    let server = Server::start_with(&[
        ("APPBOX_RATE_LIMIT_USER", "3"),
        ("APPBOX_RATE_LIMIT_API_KEY", "2"),
    ]);
    let admin = server.admin().await;
    let builder = server.user("builder@test.local", "builder", None).await;
    for n in 1..=3 {
        let response = admin
            .request(Method::GET, "/api/v1/data/objects")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK, "call {n}");
        assert_eq!(
            header(&response, "x-ratelimit-remaining"),
            Some((3 - n).to_string())
        );
    }
    let response = admin
        .request(Method::GET, "/api/v1/data/objects")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(header(&response, "retry-after").is_some());
    assert_eq!(read(response).await.1["detail"], TOO_MANY);
    // Another user has a count of their own; routes outside data and proxy
    // are not counted.
    assert_eq!(builder.get("/api/v1/data/objects").await.0, StatusCode::OK);
    let response = admin
        .request(Method::GET, "/api/v1/builder/apps")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-ratelimit-remaining"), None);

    let (_, app) = admin
        .post("/api/v1/integrations", json!({"name": "ERP"}))
        .await;
    let app_id = app["id"].as_str().expect("id");
    let mut keys = Vec::new();
    for name in ["a", "b"] {
        let (_, key) = admin
            .post(
                &format!("/api/v1/integrations/{app_id}/api-keys"),
                json!({"name": name}),
            )
            .await;
        keys.push(key["api_key"].as_str().expect("key").to_owned());
    }
    let open = |key: &str| {
        server
            .anonymous()
            .request(Method::GET, "/api/v1/open/data/objects")
            .header("x-api-key", key)
    };
    // Two keys of one app share its count.
    assert_eq!(limited(open(&keys[0])).await.1.as_deref(), Some("1"));
    assert_eq!(limited(open(&keys[1])).await.1.as_deref(), Some("0"));
    assert_eq!(
        limited(open(&keys[0])).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}
