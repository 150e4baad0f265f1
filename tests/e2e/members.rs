//! Members of internal apps (issue 12 part 1, spec 001 §17): check-access
//! with its three reasons and the role allow-list, invitations (single
//! use, expiring, bound to one e-mail and app), password reset links, the
//! `/app-login/{slug}` page and its error pages, and members' own data
//! calls (their app's tables, nothing else). The outbox folder stands in
//! for a mail relay: the tests read the links from it.

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{detail, Api, Server};

async fn publish(api: &Api, id: &str) {
    let (status, body) = api
        .post(
            &format!("/api/v1/builder/apps/{id}/publish"),
            json!({"published_assets": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A published internal app: (id, slug).
async fn published_app(admin: &Api, name: &str) -> (String, String) {
    let app = admin.create_app(name).await;
    let id = app["id"].as_str().expect("id").to_owned();
    publish(admin, &id).await;
    (id, app["slug"].as_str().expect("slug").to_owned())
}

/// The decoded text bodies of the outbox messages to `to`.
fn mails_to(data_dir: &Path, to: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(data_dir.join("outbox")) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter(|raw| raw.lines().any(|l| l.starts_with("To:") && l.contains(to)))
        .filter_map(|raw| {
            let (_, body) = raw.split_once("\r\n\r\n")?;
            let compact: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .ok()?;
            String::from_utf8(bytes).ok()
        })
        .collect()
}

/// Waits (bounded) until `count` complete messages to `to` are in the outbox.
fn wait_for_mails(data_dir: &Path, to: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mails = mails_to(data_dir, to);
        if mails.len() >= count || Instant::now() > deadline {
            return mails;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The first link in `text` that contains `marker`.
fn link_in(text: &str, marker: &str) -> String {
    text.split_whitespace()
        .find(|w| w.contains(marker))
        .unwrap_or_else(|| panic!("no {marker} link in {text}"))
        .to_owned()
}

fn query_value(link: &str, name: &str) -> String {
    link.split_once(&format!("{name}="))
        .unwrap_or_else(|| panic!("no {name}= in {link}"))
        .1
        .split('&')
        .next()
        .expect("value")
        .to_owned()
}

/// GETs a page, with the session cookie of `token` if given (redirects
/// are not followed).
async fn open(server: &Server, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}{path}", server.base));
    if let Some(token) = token {
        request = request.header("cookie", format!("appbox_token={token}"));
    }
    request.send().await.expect("request")
}

async fn page(server: &Server, path: &str) -> (StatusCode, String) {
    with_session(server, path, None).await
}

async fn with_session(server: &Server, path: &str, token: Option<&str>) -> (StatusCode, String) {
    let response = open(server, path, token).await;
    let status = response.status();
    (status, response.text().await.expect("body"))
}

async fn check_access(api: &Api, slug: &str) -> Value {
    let (status, body) = api
        .get(&format!("/api/v1/builder/apps/check-access/{slug}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn check_access_gives_the_three_reasons_and_follows_the_allow_list() {
    let server = Server::start();
    let admin = server.admin().await;
    let (id, slug) = published_app(&admin, "後廚訂單管理").await;
    let draft = admin.create_app("Draft").await;
    let member = server.user("member@test.local", "member", None).await;
    let outsider = server
        .user("boss@other.local", "admin", Some("Other Co"))
        .await;

    let open = check_access(&member, &slug).await;
    assert_eq!(
        open,
        json!({"has_access": true, "app_name": "後廚訂單管理", "reason": null})
    );
    // 1: not published (or no such app).
    for key in [draft["slug"].as_str().expect("slug"), "000000000000"] {
        let body = check_access(&member, key).await;
        assert_eq!(body["has_access"], false);
        assert_eq!(body["reason"], "App 不存在或尚未發布");
    }
    // 2: another organisation.
    let body = check_access(&outsider, &slug).await;
    assert_eq!(body["has_access"], false);
    assert_eq!(body["reason"], "您的帳號不屬於此應用所屬的組織");

    // 3: a role not on the allow-list.
    let roles = format!("/api/v1/builder/apps/{id}/allowed-roles");
    assert_eq!(
        admin.get(&roles).await,
        (StatusCode::OK, json!({"role_ids": null}))
    );
    let (status, body) = admin
        .put(&roles, json!({"role_ids": ["admin", "admin"]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"role_ids": ["admin"]}));
    let body = check_access(&member, &slug).await;
    assert_eq!(body["has_access"], false);
    assert_eq!(body["reason"], "您的角色不在此應用的允許名單內");
    assert_eq!(check_access(&admin, &slug).await["has_access"], true);
    // The page refuses them the same way, with the same words.
    let token = member.token.clone().expect("token");
    let (status, html) = with_session(&server, &format!("/runtime/{slug}"), Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("您的角色不在此應用的允許名單內"), "{html}");
    // The home page lists only the apps they may open.
    let home = with_session(&server, "/", Some(&token)).await.1;
    assert!(!home.contains("後廚訂單管理"), "{home}");

    // Adding the role lets them in at once; null opens it to every role.
    let (status, _) = admin
        .put(&roles, json!({"role_ids": ["member", "admin"]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(check_access(&member, &slug).await["has_access"], true);
    let home = with_session(&server, "/", Some(&token)).await.1;
    assert!(home.contains("後廚訂單管理"), "{home}");
    assert_eq!(
        admin.put(&roles, json!({"role_ids": null})).await.1,
        json!({"role_ids": null})
    );

    // The allow-list is validated, and only builders of the app's own
    // organisation touch it.
    for (bad, text) in [
        (json!({"role_ids": []}), "at least one role"),
        (json!({"role_ids": ["owner"]}), "no role \"owner\""),
        (json!({"role_ids": vec!["member"; 21]}), "at most 20"),
    ] {
        let (status, body) = admin.put(&roles, bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(detail(&body).contains(text), "{body}");
    }
    let (status, _) = member.put(&roles, json!({"role_ids": ["member"]})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = outsider.put(&roles, json!({"role_ids": ["admin"]})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = outsider.get(&roles).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // An outsider's role of the same name is not this organisation's role.
    assert_eq!(check_access(&outsider, &slug).await["has_access"], false);
}

#[tokio::test]
async fn invitations_work_once_until_they_expire_for_their_email_only() {
    let server = Server::start();
    let admin = server.admin().await;
    let (_, slug) = published_app(&admin, "Orders").await;
    let (_, other_slug) = published_app(&admin, "Stock").await;
    let builder = server.user("builder@test.local", "builder", None).await;
    let outsider = server
        .user("boss@other.local", "admin", Some("Other Co"))
        .await;
    let anonymous = server.anonymous();

    let (status, invite) = admin
        .post(
            "/api/v1/invitations",
            json!({"email": "New.Member@Example.com", "name": "新成員", "role_ids": ["member"],
                   "redirect_url": format!("/app-login/{slug}")}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    let token = invite["token"].as_str().expect("token").to_owned();
    let link = invite["chat_invite_link"]
        .as_str()
        .expect("link")
        .to_owned();
    assert_eq!(
        link,
        format!("{}/app-login/{slug}?token={token}", server.base)
    );
    // The invitee got the same link by mail; only its hash is stored.
    let mails = wait_for_mails(server.data_dir(), "new.member@example.com", 1);
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(link_in(&mails[0], "/app-login/"), link);
    assert!(mails[0].contains("邀請您加入"), "{}", mails[0]);
    let stored = server.sql("SELECT token_hash FROM invitations");
    assert!(stored.iter().all(|h| h.as_deref() != Some(token.as_str())));

    // The page: registration, the e-mail locked, the inviter shown.
    let (status, html) = page(&server, &format!("/app-login/{slug}?token={token}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("註冊 Orders"), "{html}");
    assert!(
        html.contains("value=\"new.member@example.com\" readonly"),
        "{html}"
    );
    assert!(html.contains("邀請您加入"), "{html}");
    // The token belongs to one app: another app's page does not take it.
    let (status, html) = page(&server, &format!("/app-login/{other_slug}?token={token}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        html.contains("邀請連結無效") && html.contains("前往登入"),
        "{html}"
    );

    // Accepting: the invitation's e-mail, whatever the request says.
    let (status, tokens) = anonymous
        .post(
            "/api/v1/invitations/accept",
            json!({"token": token, "name": "Mia", "password": "member-pass-1", "email": "attacker@evil.test"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{tokens}");
    let mia = anonymous.with_token(tokens["access_token"].as_str().expect("access"));
    let (_, me) = mia.get("/api/v1/auth/me").await;
    assert_eq!(me["email"], "new.member@example.com");
    assert_eq!(me["name"], "Mia");
    assert_eq!(me["roles"], json!(["member"]));
    assert_eq!(check_access(&mia, &slug).await["has_access"], true);
    let (status, _) = anonymous
        .post(
            "/api/v1/auth/login",
            json!({"email": "attacker@evil.test", "password": "member-pass-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Once only.
    let (status, body) = anonymous
        .post(
            "/api/v1/invitations/accept",
            json!({"token": token, "name": "Again", "password": "member-pass-2"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(detail(&body).contains("邀請連結無效"));
    let (status, html) = page(&server, &format!("/app-login/{slug}?token={token}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("邀請連結無效"), "{html}");
    // An e-mail with an account is not invited again.
    let (status, body) = admin
        .post(
            "/api/v1/invitations",
            json!({"email": "new.member@example.com", "redirect_url": format!("/app-login/{slug}")}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Expired: refused, and the page says so.
    let (_, late) = admin
        .post(
            "/api/v1/invitations",
            json!({"email": "late@example.com", "redirect_url": format!("/app-login/{slug}")}),
        )
        .await;
    let late = late["token"].as_str().expect("token").to_owned();
    server.sql("UPDATE invitations SET expires_at = created_at WHERE email = 'late@example.com'");
    let (status, _) = anonymous
        .post(
            "/api/v1/invitations/accept",
            json!({"token": late, "password": "member-pass-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, html) = page(&server, &format!("/app-login/{slug}?token={late}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("邀請連結無效"), "{html}");
    let (status, _) = anonymous
        .post(
            "/api/v1/auth/login",
            json!({"email": "late@example.com", "password": "member-pass-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Who may invite, to what.
    let (status, body) = builder
        .post(
            "/api/v1/invitations",
            json!({"email": "x@example.com", "role_ids": ["admin"], "redirect_url": format!("/app-login/{slug}")}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = mia
        .post(
            "/api/v1/invitations",
            json!({"email": "x@example.com", "redirect_url": format!("/app-login/{slug}")}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = outsider
        .post(
            "/api/v1/invitations",
            json!({"email": "x@example.com", "redirect_url": format!("/app-login/{slug}")}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for bad in [
        json!({"email": "x@example.com", "redirect_url": "https://evil.test/"}),
        json!({"email": "x@example.com", "redirect_url": format!("/app-login/{slug}"), "role_ids": ["owner"]}),
        json!({"email": "not-an-email", "redirect_url": format!("/app-login/{slug}")}),
        json!({"email": "x@example.com", "name": "n".repeat(101), "redirect_url": format!("/app-login/{slug}")}),
    ] {
        let (status, body) = admin.post("/api/v1/invitations", bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (status, _) = anonymous
        .post(
            "/api/v1/invitations",
            json!({"email": "x@example.com", "redirect_url": format!("/app-login/{slug}")}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once() {
    let server = Server::start();
    let admin = server.admin().await;
    let (_, slug) = published_app(&admin, "Orders").await;
    server.user("member@test.local", "member", None).await;
    let anonymous = server.anonymous();

    // Unknown e-mails get the same answer, and no mail.
    let (status, unknown) = anonymous
        .post(
            "/api/v1/auth/forgot-password",
            json!({"email": "nobody@test.local", "slug": slug}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, known) = anonymous
        .post(
            "/api/v1/auth/forgot-password",
            json!({"email": "Member@Test.local", "slug": slug}),
        )
        .await;
    assert_eq!((status, &known), (StatusCode::ACCEPTED, &unknown));
    let mails = wait_for_mails(server.data_dir(), "member@test.local", 1);
    assert_eq!(mails.len(), 1);
    assert!(mails_to(server.data_dir(), "nobody@test.local").is_empty());
    let link = link_in(&mails[0], "?reset=");
    assert!(
        link.starts_with(&format!("{}/app-login/{slug}?reset=", server.base)),
        "{link}"
    );
    let reset = query_value(&link, "reset");
    let (status, html) = page(&server, &format!("/app-login/{slug}?reset={reset}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("重設密碼"), "{html}");

    let (status, body) = anonymous
        .post(
            "/api/v1/auth/reset-password",
            json!({"token": reset, "password": "short"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = anonymous
        .post(
            "/api/v1/auth/reset-password",
            json!({"token": reset, "password": "brand-new-pass"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    server.login("member@test.local", "brand-new-pass").await;
    let (status, _) = anonymous
        .post(
            "/api/v1/auth/login",
            json!({"email": "member@test.local", "password": "user-password-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The link works once.
    let (status, body) = anonymous
        .post(
            "/api/v1/auth/reset-password",
            json!({"token": reset, "password": "another-pass-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(detail(&body).contains("重設連結無效"));
    // And only for an hour.
    anonymous
        .post(
            "/api/v1/auth/forgot-password",
            json!({"email": "member@test.local", "slug": slug}),
        )
        .await;
    let mails = wait_for_mails(server.data_dir(), "member@test.local", 2);
    let second = mails
        .iter()
        .map(|m| query_value(&link_in(m, "?reset="), "reset"))
        .find(|t| *t != reset)
        .expect("a second link");
    server.sql("UPDATE password_resets SET expires_at = created_at WHERE used_at IS NULL");
    let (status, _) = anonymous
        .post(
            "/api/v1/auth/reset-password",
            json!({"token": second, "password": "another-pass-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A slug that is no internal app's login page.
    let (status, _) = anonymous
        .post(
            "/api/v1/auth/forgot-password",
            json!({"email": "member@test.local", "slug": "000000000000"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_login_page_shows_the_spec_error_pages_and_skips_itself_with_a_session() {
    let server = Server::start();
    let admin = server.admin().await;
    let (id, slug) = published_app(&admin, "Orders").await;
    let draft = admin.create_app("Draft").await;

    let (status, html) = page(&server, "/app-login/000000000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("應用不存在"), "{html}");
    let (status, html) = page(
        &server,
        &format!("/app-login/{}", draft["slug"].as_str().expect("slug")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("應用不存在"), "{html}");
    let (status, html) = page(&server, &format!("/app-login/{slug}?token=nonsense")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        html.contains("邀請連結無效") && html.contains(&format!("href=\"/app-login/{slug}\"")),
        "{html}"
    );
    let (status, html) = page(&server, &format!("/app-login/{slug}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<h1>Orders</h1>") && html.contains("忘記密碼"),
        "{html}"
    );

    // With a session: on to the app, or the refusal with its reason.
    let member = server.user("member@test.local", "member", None).await;
    let token = member.token.clone().expect("token");
    let response = open(&server, &format!("/app-login/{slug}"), Some(&token)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], format!("/runtime/{slug}"));
    admin
        .put(
            &format!("/api/v1/builder/apps/{id}/allowed-roles"),
            json!({"role_ids": ["admin"]}),
        )
        .await;
    let (status, html) = with_session(&server, &format!("/app-login/{slug}"), Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        html.contains("無法存取此應用") && html.contains("聯繫"),
        "{html}"
    );
}

#[tokio::test]
async fn members_reach_their_apps_tables_and_nothing_else() {
    let server = Server::start();
    let admin = server.admin().await;
    let (orders, orders_slug) = published_app(&admin, "Orders").await;
    let (stock, _) = published_app(&admin, "Stock").await;
    let draft = admin.create_app("Draft").await;
    let draft = draft["id"].as_str().expect("id").to_owned();
    for app in [&orders, &stock, &draft] {
        let (status, body) = admin
            .post(
                "/api/v1/data/objects",
                json!({"app_id": app, "name": "Notes", "api_slug": "notes",
                       "fields": [{"name": "Text", "field_key": "text", "field_type": "text"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = admin
        .put(
            &format!("/api/v1/builder/apps/{stock}/allowed-roles"),
            json!({"role_ids": ["admin"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let member = server.user("member@test.local", "member", None).await;
    let outsider = server
        .user("member@other.local", "member", Some("Other Co"))
        .await;
    let as_member_of = |api: &Api, app: &str, method: Method, path: &str, body: Option<Value>| {
        let mut request = api.request(method, path).header("X-App-Id", app.to_owned());
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move { crate::harness::read(request.send().await.expect("send")).await }
    };

    // Their app: read and write its records (what the SDK's api.ts does).
    let (status, objects) =
        as_member_of(&member, &orders, Method::GET, "/api/v1/data/objects", None).await;
    assert_eq!(status, StatusCode::OK, "{objects}");
    assert_eq!(objects.as_array().map(Vec::len), Some(1));
    let (status, record) = as_member_of(
        &member,
        &orders,
        Method::POST,
        "/api/v1/data/objects/notes/records",
        Some(json!({"data": {"text": "from a member"}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{record}");
    let record_id = record["id"].as_str().expect("id").to_owned();
    let (status, list) = as_member_of(
        &member,
        &orders,
        Method::GET,
        "/api/v1/data/objects/notes/records",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list[0]["data"]["text"], "from a member");
    let (status, _) = as_member_of(
        &member,
        &orders,
        Method::PATCH,
        &format!("/api/v1/data/records/{record_id}"),
        Some(json!({"data": {"text": "edited"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The app's record is not reachable through another app's scope.
    let (status, _) = as_member_of(
        &admin,
        &stock,
        Method::GET,
        &format!("/api/v1/data/objects/notes/records/{record_id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // An app their role may not open: 403 with the reason.
    let (status, body) =
        as_member_of(&member, &stock, Method::GET, "/api/v1/data/objects", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(detail(&body).contains("允許名單"), "{body}");
    // An unpublished app, or another organisation's: 404.
    let (status, _) =
        as_member_of(&member, &draft, Method::GET, "/api/v1/data/objects", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for path in [
        "/api/v1/data/objects".to_owned(),
        "/api/v1/data/objects/notes/records".to_owned(),
        format!("/api/v1/data/objects/notes/records/{record_id}"),
    ] {
        let (status, body) = as_member_of(&outsider, &orders, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, _) = as_member_of(
        &outsider,
        &orders,
        Method::DELETE,
        &format!("/api/v1/data/records/{record_id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // No app named: no tenant-wide scope for a member.
    let (status, body) = member.get("/api/v1/data/objects").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Schema changes and builder routes stay builders'.
    let (_, object) = as_member_of(
        &member,
        &orders,
        Method::GET,
        "/api/v1/data/objects/notes",
        None,
    )
    .await;
    let object_id = object["id"].as_str().expect("id").to_owned();
    for (method, path, body) in [
        (
            Method::POST,
            "/api/v1/data/objects".to_owned(),
            Some(json!({"app_id": orders, "name": "X", "api_slug": "x"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/data/objects/{object_id}"),
            Some(json!({"name": "Renamed"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/data/objects/{object_id}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/data/objects/{object_id}/fields"),
            None,
        ),
        (Method::GET, "/api/v1/builder/apps".to_owned(), None),
        (Method::GET, format!("/api/v1/builder/apps/{orders}"), None),
        (
            Method::GET,
            format!("/api/v1/builder/apps/{orders}/allowed-roles"),
            None,
        ),
    ] {
        let (status, body) = as_member_of(&member, &orders, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
    }
    // The proxy follows the same rule: their app only.
    let (status, body) = member
        .get(&format!("/api/v1/proxy/{stock}/res_partner"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = outsider
        .get(&format!("/api/v1/proxy/{orders_slug}/res_partner"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = member
        .get(&format!("/api/v1/proxy/{draft}/res_partner"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // What the member wrote is there for the builder, in that app.
    let (_, list) = admin
        .get(&format!(
            "/api/v1/data/objects/notes/records?app_id={orders}"
        ))
        .await;
    assert_eq!(list[0]["data"]["text"], "edited");
}
