//! App users (spec 000 §2.3-§2.4, spec 001 §19; issue 11): sign-up and
//! sign-in per app, refresh rotation with reuse detection, builder
//! management, `allowed_origins`, the token attacks, and `/ext` in front of
//! the same data and proxy engines.

use base64::Engine;
use jsonwebtoken::{encode, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{detail, read, Api, Server};

/// An app whose users sign in: an integration (self-built) or an external app.
pub struct UserApp {
    pub admin: Api,
    pub id: String,
    pub slug: String,
}

impl UserApp {
    /// A self-built app (an integration).
    pub async fn integration(admin: &Api, name: &str) -> UserApp {
        let (status, app) = admin
            .post("/api/v1/integrations", json!({"name": name}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{app}");
        UserApp {
            admin: admin.clone(),
            id: app["id"].as_str().expect("id").to_owned(),
            slug: app["slug"].as_str().expect("slug").to_owned(),
        }
    }

    /// An app of the given access mode through the Builder API.
    pub async fn builder_app(admin: &Api, name: &str, mode: &str) -> UserApp {
        let (status, app) = admin
            .post(
                "/api/v1/builder/apps",
                json!({"name": name, "access_mode": mode}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{app}");
        UserApp {
            admin: admin.clone(),
            id: app["id"].as_str().expect("id").to_owned(),
            slug: app["slug"].as_str().expect("slug").to_owned(),
        }
    }

    pub fn auth(&self, rest: &str) -> String {
        format!("/api/v1/custom-app-auth/{}/{rest}", self.slug)
    }

    pub async fn register(&self, server: &Server, email: &str) -> Value {
        let (status, out) = server
            .anonymous()
            .post(
                &self.auth("register"),
                json!({"email": email, "password": "secret-1", "display_name": "王小明"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
        out
    }

    pub async fn login(&self, server: &Server, email: &str) -> Value {
        let (status, out) = server
            .anonymous()
            .post(
                &self.auth("login"),
                json!({"email": email, "password": "secret-1"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        out
    }

    pub async fn reference_customers(&self) {
        let (status, out) = self
            .admin
            .post(
                &format!("/api/v1/refs/apps/{}", self.id),
                json!({"table_name": "customers", "columns": ["name", "email", "status"],
                       "permissions": ["read", "create", "update", "delete"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
        let (status, out) = self
            .admin
            .post(
                &format!("/api/v1/integrations/{}/publish", self.id),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
    }

    pub async fn key(&self) -> String {
        let (_, key) = self
            .admin
            .post(
                &format!("/api/v1/integrations/{}/api-keys", self.id),
                json!({"name": "k"}),
            )
            .await;
        key["api_key"].as_str().expect("key").to_owned()
    }
}

fn token(out: &Value) -> &str {
    out["access_token"].as_str().expect("access_token")
}

fn refresh_token(out: &Value) -> String {
    out["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned()
}

/// The payload of a JWT, decoded without checking it.
fn payload(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).expect("payload part");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64");
    serde_json::from_slice(&bytes).expect("json")
}

fn spec(name_prefix: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec");
    let entry = std::fs::read_dir(&dir)
        .expect("spec dir")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(name_prefix))
        .expect("spec file");
    std::fs::read_to_string(entry.path()).expect("spec text")
}

/// Spec 000 §2.4.1 step 3: the front-end JavaScript, run in Node as
/// written with only `API_BASE` and `APP_SLUG` replaced (the spec tells the
/// reader to fill them in). Node has no `localStorage`; a Map stands in.
#[tokio::test]
async fn quick_start_javascript_of_spec_000_2_4_1_runs_in_node() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = UserApp::integration(&admin, "Quick Start").await;
    app.reference_customers().await;
    let key = app.key().await;
    let response = admin
        .client
        .post(format!("{}/api/v1/open/proxy/customers", server.base))
        .header("X-API-Key", &key)
        .json(&json!({"name": "大明商行", "email": "shop@example.com"}))
        .send()
        .await
        .expect("insert");
    assert_eq!(response.status(), StatusCode::CREATED);

    let text = spec("000_");
    let step = text.find("Step 3").expect("Step 3");
    let start = step + text[step..].find("const API_BASE").expect("API_BASE");
    let end = start + text[start..].find("Step 4").expect("Step 4");
    let script = text[start..end]
        .replace(
            "'https://api.ai-go.app/api/v1'",
            &format!("'{}/api/v1'", server.base),
        )
        .replace("'e9abbb866184'", &format!("'{}'", app.slug));
    assert!(script.contains(&server.base) && script.contains(&app.slug));
    let program = format!(
        "const __store = new Map();\n\
         globalThis.localStorage = {{ getItem: (k) => __store.has(k) ? __store.get(k) : null, setItem: (k, v) => __store.set(k, String(v)), removeItem: (k) => __store.delete(k) }};\n\
         {script}\n\
         (async () => {{\n\
           const user = await register('Ada@Example.com', 'secret-1', '王小明');\n\
           let duplicate = null;\n\
           try {{ await register('ada@example.com', 'secret-1', 'again'); }} catch (e) {{ duplicate = e.message; }}\n\
           const again = await login('ada@example.com', 'secret-1');\n\
           const customers = await fetchCustomers();\n\
           const oldRefresh = localStorage.getItem('refresh_token');\n\
           const refreshed = await refreshTokens();\n\
           let replay = null;\n\
           localStorage.setItem('refresh_token', oldRefresh);\n\
           try {{ await refreshTokens(); }} catch (e) {{ replay = e.message; }}\n\
           const afterRefresh = await fetchCustomers();\n\
           console.log(JSON.stringify({{ user, duplicate, again, customers, refreshed: !!refreshed.access_token, replay, afterRefresh }}));\n\
         }})().catch((e) => {{ console.error(e); process.exit(1); }});\n"
    );
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("quick_start.js");
    std::fs::write(&file, program).expect("write");
    let output = tokio::process::Command::new("node")
        .arg(&file)
        .output()
        .await
        .expect("node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_str(stdout.trim()).expect("json output");
    assert_eq!(result["user"]["email"], "ada@example.com");
    assert_eq!(result["user"]["display_name"], "王小明");
    assert_eq!(result["duplicate"], "此 Email 已被註冊");
    assert_eq!(result["again"]["id"], result["user"]["id"]);
    assert_eq!(result["customers"][0]["name"], "大明商行", "{result}");
    assert_eq!(result["refreshed"], true);
    assert_eq!(result["replay"], "無效的 Refresh Token");
    assert_eq!(result["afterRefresh"][0]["name"], "大明商行");
}

#[tokio::test]
async fn sign_up_sign_in_me_refresh_and_logout_follow_the_spec() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = UserApp::builder_app(&admin, "Shop", "external").await;
    let other = UserApp::integration(&admin, "Other").await;
    let anon = server.anonymous();

    let out = app.register(&server, " Ada@Example.COM ").await;
    let keys: Vec<&str> = out
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_in",
            "refresh_token",
            "token_type",
            "user"
        ]
    );
    assert_eq!(
        (out["expires_in"].as_i64(), out["token_type"].as_str()),
        (Some(900), Some("Bearer"))
    );
    let refresh = refresh_token(&out);
    assert!(
        refresh.len() == 64 && refresh.chars().all(|c| c.is_ascii_hexdigit()),
        "{refresh}"
    );
    let user = &out["user"];
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["custom_app_id"], app.id.as_str());
    assert_eq!(user["extra_data"], json!({}));
    assert_eq!(user["is_active"], true);
    assert_eq!(user["last_login_at"], Value::Null);
    assert_eq!(user["updated_at"], Value::Null);
    let claims = payload(token(&out));
    let mut claim_names: Vec<&str> = claims
        .as_object()
        .expect("claims")
        .keys()
        .map(String::as_str)
        .collect();
    claim_names.sort_unstable();
    assert_eq!(
        claim_names,
        [
            "auth_type",
            "custom_app_id",
            "exp",
            "iat",
            "scope",
            "sub",
            "tenant_id"
        ]
    );
    assert_eq!(claims["auth_type"], "custom_app_user");
    assert_eq!(claims["scope"], "app_runtime");
    assert_eq!(claims["sub"], user["id"]);
    assert_eq!(claims["tenant_id"], user["tenant_id"]);
    assert_eq!(
        claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat"),
        900
    );

    // The same e-mail again in this app: 409; in another app: a new user.
    let (status, dup) = anon
        .post(
            &app.auth("register"),
            json!({"email": "ADA@example.com", "password": "secret-1", "display_name": "x"}),
        )
        .await;
    assert_eq!(
        (status, detail(&dup)),
        (StatusCode::CONFLICT, "此 Email 已被註冊")
    );
    let elsewhere = other.register(&server, "ada@example.com").await;
    assert_ne!(elsewhere["user"]["id"], user["id"]);

    // Validation: 422 for each rule.
    for body in [
        json!({"email": "not-an-email", "password": "secret-1", "display_name": "x"}),
        json!({"email": format!("{}@x.io", "a".repeat(251)), "password": "secret-1", "display_name": "x"}),
        json!({"email": "b@x.io", "password": "12345", "display_name": "x"}),
        json!({"email": "b@x.io", "password": "x".repeat(129), "display_name": "x"}),
        json!({"email": "b@x.io", "password": "secret-1", "display_name": ""}),
        json!({"email": "b@x.io", "password": "secret-1", "display_name": "名".repeat(101)}),
        json!({"email": "b@x.io", "password": "secret-1"}),
    ] {
        let (status, out) = anon.post(&app.auth("register"), body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {out}");
    }
    let (status, _) = anon
        .post(
            &app.auth("register"),
            json!({"email": "b@x.io", "password": "x".repeat(128), "display_name": "名".repeat(100)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Bounded before any work: a long password is a 422, a big body a 413.
    let (status, _) = anon
        .post(
            &app.auth("login"),
            json!({"email": "ada@example.com", "password": "x".repeat(5000)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = anon
        .post(
            &app.auth("register"),
            json!({"email": "ada@example.com", "password": "secret-1", "display_name": "x".repeat(20_000)}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // Internal apps have no users; unknown apps are 404.
    let internal = UserApp::builder_app(&admin, "Inside", "internal").await;
    let (status, out) = anon
        .post(
            &internal.auth("register"),
            json!({"email": "y@y.io", "password": "secret-1", "display_name": "y"}),
        )
        .await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::FORBIDDEN, "此 App 不支援用戶認證")
    );
    let (status, out) = anon
        .post(
            "/api/v1/custom-app-auth/000000000000/login",
            json!({"email": "a@b.io", "password": "secret-1"}),
        )
        .await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::NOT_FOUND, "App 不存在")
    );

    // Login, wrong password, me.
    let signed = app.login(&server, "ADA@example.com").await;
    assert!(signed["user"]["last_login_at"].is_string());
    let (status, out) = anon
        .post(
            &app.auth("login"),
            json!({"email": "ada@example.com", "password": "wrong-1"}),
        )
        .await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::UNAUTHORIZED, "帳號或密碼錯誤")
    );
    let (status, me) = anon.with_token(token(&signed)).get(&app.auth("me")).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "ada@example.com");
    let (status, out) = anon.get(&app.auth("me")).await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::UNAUTHORIZED, "未提供認證 Token")
    );

    // Refresh rotates; the old token no longer works; logout ends the session.
    let first = refresh_token(&signed);
    let (status, rotated) = anon
        .post(&app.auth("refresh"), json!({"refresh_token": first}))
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_ne!(refresh_token(&rotated), first);
    assert_eq!(rotated["user"]["id"], user["id"]);
    let (status, out) = anon
        .post(
            &app.auth("refresh"),
            json!({"refresh_token": "f".repeat(64)}),
        )
        .await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::UNAUTHORIZED, "無效的 Refresh Token")
    );
    // Another app's path does not take this app's refresh token (and does not spend it).
    let (status, _) = anon
        .post(
            &other.auth("refresh"),
            json!({"refresh_token": refresh_token(&rotated)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, out) = anon
        .with_token(token(&rotated))
        .post(
            &app.auth("logout"),
            json!({"refresh_token": refresh_token(&rotated)}),
        )
        .await;
    assert_eq!(
        (status, out),
        (StatusCode::OK, json!({"message": "已登出"}))
    );
    let (status, _) = anon
        .post(
            &app.auth("refresh"),
            json!({"refresh_token": refresh_token(&rotated)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // An expired refresh token: 401 with the spec's text.
    let late = app.login(&server, "ada@example.com").await;
    server
        .sql("UPDATE custom_app_refresh_tokens SET expires_at = created_at WHERE spent_at IS NULL");
    let (status, out) = anon
        .post(
            &app.auth("refresh"),
            json!({"refresh_token": refresh_token(&late)}),
        )
        .await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::UNAUTHORIZED, "Refresh Token 已過期")
    );
}

#[tokio::test]
async fn a_reused_refresh_token_kills_its_session_and_only_that_one() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = UserApp::integration(&admin, "Devices").await;
    let anon = server.anonymous();
    app.register(&server, "ada@example.com").await;
    let phone = app.login(&server, "ada@example.com").await;
    let laptop = app.login(&server, "ada@example.com").await;

    let stolen = refresh_token(&phone);
    let (status, rotated) = anon
        .post(&app.auth("refresh"), json!({"refresh_token": stolen}))
        .await;
    assert_eq!(status, StatusCode::OK);
    // The thief replays the rotated token: 401, and the phone's session is over.
    let (status, out) = anon
        .post(&app.auth("refresh"), json!({"refresh_token": stolen}))
        .await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::UNAUTHORIZED, "無效的 Refresh Token")
    );
    let (status, _) = anon
        .post(
            &app.auth("refresh"),
            json!({"refresh_token": refresh_token(&rotated)}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the whole session is revoked"
    );
    // The laptop's session is another device's: untouched.
    let (status, out) = anon
        .post(
            &app.auth("refresh"),
            json!({"refresh_token": refresh_token(&laptop)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
}

fn sign(claims: &Value, key: &[u8]) -> String {
    encode(&Header::default(), claims, &EncodingKey::from_secret(key)).expect("sign")
}

/// The app-user signing key the server derives from its JWT secret.
fn app_user_key(server: &Server) -> [u8; 32] {
    appbox_host::app_users::tokens::derive_key(server.jwt_secret().as_bytes())
}

#[tokio::test]
async fn token_attacks_all_get_401() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = UserApp::integration(&admin, "Target").await;
    app.reference_customers().await;
    let other = UserApp::integration(&admin, "Neighbour").await;
    let anon = server.anonymous();
    let signed = app.register(&server, "ada@example.com").await;
    let good = token(&signed).to_owned();
    let claims = payload(&good);
    let now = chrono::Utc::now().timestamp();

    // The real token works on its app's /ext routes and its own me.
    for path in ["/api/v1/ext/proxy/customers", "/api/v1/ext/data/objects"] {
        let (status, out) = anon.with_token(&good).get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {out}");
    }

    let none_alg = {
        let b64 =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT"})),
            b64(&claims)
        )
    };
    let wrong_key = sign(&claims, b"not the server's key");
    let mut expired_claims = claims.clone();
    expired_claims["iat"] = json!(now - 2000);
    expired_claims["exp"] = json!(now - 1000);
    let expired = sign(&expired_claims, &app_user_key(&server));
    let mut wrong_type = claims.clone();
    wrong_type["auth_type"] = json!("platform");
    let wrong_type = sign(&wrong_type, &app_user_key(&server));
    // The right key, but the user moved to another app (or tenant): the
    // user row says otherwise.
    let mut moved = claims.clone();
    moved["custom_app_id"] = json!(other.id);
    let moved = sign(&moved, &app_user_key(&server));
    // Signed with the platform's own secret (the key platform tokens use).
    let platform_secret = sign(&claims, server.jwt_secret().as_bytes());
    let platform = admin.token.clone().expect("platform token");

    let ext = ["/api/v1/ext/proxy/customers", "/api/v1/ext/data/objects"];
    for (name, bad) in [
        ("alg none", none_alg.as_str()),
        ("wrong key", &wrong_key),
        ("expired", &expired),
        ("auth_type", &wrong_type),
        ("another app in the claims", &moved),
        ("platform secret", &platform_secret),
        ("platform token", &platform),
    ] {
        for path in ext {
            let (status, out) = anon.with_token(bad).get(path).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name} on {path}: {out}");
        }
        let (status, _) = anon.with_token(bad).get(&app.auth("me")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name} on me");
    }
    // Another app's token: not on this app's me or logout.
    let neighbour = other.register(&server, "eve@example.com").await;
    for (method, path) in [
        (Method::GET, app.auth("me")),
        (Method::POST, app.auth("logout")),
    ] {
        let (status, out) = anon
            .with_token(token(&neighbour))
            .call(
                method,
                &path,
                Some(json!({"refresh_token": refresh_token(&signed)})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {out}");
    }
    // The app-user token on builder and platform routes, and on /proxy/{app_id}.
    for path in [
        "/api/v1/builder/apps".to_owned(),
        format!("/api/v1/builder/apps/{}", app.id),
        format!("/api/v1/proxy/{}/customers", app.id),
        "/api/v1/data/objects".to_owned(),
        "/api/v1/auth/me".to_owned(),
        format!("/api/v1/custom-app-auth/manage/{}/users", app.id),
        "/api/v1/open/proxy/customers".to_owned(),
    ] {
        let (status, out) = anon.with_token(&good).get(&path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {out}");
    }
}

#[tokio::test]
async fn builders_manage_users_and_a_disabled_user_stops_at_once() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = UserApp::integration(&admin, "Managed").await;
    app.reference_customers().await;
    let anon = server.anonymous();
    let ada = app.register(&server, "ada@example.com").await;
    app.register(&server, "bob@example.com").await;
    let ada_id = ada["user"]["id"].as_str().expect("id").to_owned();
    let manage = format!("/api/v1/custom-app-auth/manage/{}/users", app.id);

    let (status, users) = admin.get(&manage).await;
    assert_eq!(status, StatusCode::OK, "{users}");
    let emails: Vec<&str> = users
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert_eq!(emails, ["ada@example.com", "bob@example.com"]);

    // Another tenant's builder: 404; a member without builder.access: 403.
    let stranger = server
        .user("b-admin@test.local", "admin", Some("Tenant B"))
        .await;
    let (status, _) = stranger.get(&manage).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = stranger
        .patch(&format!("{manage}/{ada_id}"), json!({"is_active": false}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let member = server.user("member@test.local", "member", None).await;
    let (status, _) = member.get(&manage).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Disable: the live access token stops at once; refresh and login too.
    let (status, out) = admin
        .patch(&format!("{manage}/{ada_id}"), json!({"is_active": false}))
        .await;
    assert_eq!((status, &out["is_active"]), (StatusCode::OK, &json!(false)));
    let live = anon.with_token(token(&ada));
    let (status, out) = live.get(&app.auth("me")).await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::FORBIDDEN, "帳號已被停用")
    );
    let (status, _) = live.get("/api/v1/ext/proxy/customers").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = anon
        .post(
            &app.auth("refresh"),
            json!({"refresh_token": refresh_token(&ada)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, out) = anon
        .post(
            &app.auth("login"),
            json!({"email": "ada@example.com", "password": "secret-1"}),
        )
        .await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::FORBIDDEN, "帳號已被停用")
    );

    // Enable again: she signs in.
    let (status, _) = admin
        .patch(&format!("{manage}/{ada_id}"), json!({"is_active": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let again = app.login(&server, "ada@example.com").await;

    // Delete: gone from the list, her tokens are refused, her sessions gone.
    let (status, _) = admin.delete(&format!("{manage}/{ada_id}"), json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = admin.delete(&format!("{manage}/{ada_id}"), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = anon.with_token(token(&again)).get(&app.auth("me")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = anon
        .post(
            &app.auth("refresh"),
            json!({"refresh_token": refresh_token(&again)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let left = server.sql(
        "SELECT CAST(COUNT(*) AS TEXT) FROM custom_app_sessions s JOIN custom_app_users u ON u.id = s.user_id WHERE u.email = 'ada@example.com'",
    );
    assert_eq!(left, [Some("0".to_owned())]);
    let (_, users) = admin.get(&manage).await;
    assert_eq!(users.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn allowed_origins_are_matched_exactly_on_scheme_host_and_port() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = UserApp::integration(&admin, "Origins").await;
    let signed = app.register(&server, "ada@example.com").await;
    let (status, out) = admin
        .patch(
            &format!("/api/v1/integrations/{}/settings", app.id),
            json!({"allowed_origins": ["http://localhost:3000"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let login = |origin: Option<&'static str>| {
        let mut request = server
            .anonymous()
            .client
            .post(format!("{}{}", server.base, app.auth("login")))
            .json(&json!({"email": "ada@example.com", "password": "secret-1"}));
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        async move { read(request.send().await.expect("send")).await }
    };
    let (status, _) = login(Some("http://localhost:3000")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = login(None).await;
    assert_eq!(status, StatusCode::OK, "servers send no Origin");
    for bad in [
        "http://localhost:8000",
        "https://localhost:3000",
        "http://evil.example",
    ] {
        let (status, out) = login(Some(bad)).await;
        assert_eq!(
            (status, detail(&out)),
            (StatusCode::FORBIDDEN, "此來源不在白名單中"),
            "{bad}"
        );
    }
    // appbox's own origin is the app's runtime page: always allowed.
    let own = server.base.clone();
    let response = server
        .anonymous()
        .client
        .post(format!("{}{}", server.base, app.auth("login")))
        .header("Origin", own)
        .json(&json!({"email": "ada@example.com", "password": "secret-1"}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    // /ext checks it too.
    let response = server
        .anonymous()
        .client
        .get(format!("{}/api/v1/ext/data/objects", server.base))
        .bearer_auth(token(&signed))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

/// The isolation matrix extended to `/ext`: an app user reaches their own
/// app's tables and references (published snapshot), only their tenant's
/// rows, and nothing of another app or tenant.
#[tokio::test]
async fn ext_reaches_only_the_users_app_and_tenant() {
    let server = Server::start();
    let admin_a = server.admin().await;
    let admin_b = server
        .user("b-admin@test.local", "admin", Some("Tenant B"))
        .await;
    let a = UserApp::integration(&admin_a, "A shop").await;
    let a2 = UserApp::integration(&admin_a, "A other").await;
    let b = UserApp::integration(&admin_b, "B shop").await;
    for app in [&a, &b] {
        app.reference_customers().await;
        let (status, out) = app
            .admin
            .post(
                "/api/v1/data/objects",
                json!({"app_id": app.id, "name": "Tasks", "api_slug": "tasks",
                       "fields": [{"name": "Title", "field_key": "title", "field_type": "text", "is_required": true}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
    }
    let ua = a.register(&server, "ada@example.com").await;
    let ua2 = a2.register(&server, "ada@example.com").await;
    let ub = b.register(&server, "ada@example.com").await;
    let (ua, ua2, ub) = (
        server.anonymous().with_token(token(&ua)),
        server.anonymous().with_token(token(&ua2)),
        server.anonymous().with_token(token(&ub)),
    );

    // Custom Tables: the app's own, records with validation.
    let (status, tables) = ua.get("/api/v1/ext/data/objects").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tables.as_array().map(Vec::len), Some(1), "{tables}");
    let (status, record) = ua
        .post(
            "/api/v1/ext/data/objects/tasks/records",
            json!({"data": {"title": "from an app user"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{record}");
    let record_id = record["id"].as_str().expect("id").to_owned();
    let (status, out) = ua
        .post(
            "/api/v1/ext/data/objects/tasks/records",
            json!({"data": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    for other in [&ua2, &ub] {
        let (status, _) = other
            .patch(
                &format!("/api/v1/ext/data/records/{record_id}"),
                json!({"data": {"title": "pwned"}}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (_, b_tasks) = ub.get("/api/v1/ext/data/objects/tasks/records").await;
    assert_eq!(b_tasks, json!([]));
    let (status, _) = ua2.get("/api/v1/ext/data/objects/tasks/records").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another app's table");

    // The proxy: published references, own tenant's rows, 404 for others'.
    let (status, row) = ua
        .post(
            "/api/v1/ext/proxy/customers",
            json!({"data": {"name": "A's customer"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{row}");
    let row_id = row["id"].as_str().expect("id").to_owned();
    let (status, rows) = ub.get("/api/v1/ext/proxy/customers").await;
    assert_eq!((status, rows), (StatusCode::OK, json!([])));
    let (status, _) = ub
        .patch(
            &format!("/api/v1/ext/proxy/customers/{row_id}"),
            json!({"name": "pwned"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, out) = ua2.get("/api/v1/ext/proxy/customers").await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::FORBIDDEN, "App 未被授權存取表 'customers'")
    );
    let (status, page) = ua
        .post(
            "/api/v1/ext/proxy/customers/query",
            json!({"filters": [{"column": "name", "op": "eq", "value": "A's customer"}], "limit": 5000}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["limit"], 1000, "the /ext cap is /open's");
    // A reference made after the publish is not visible to /ext until published.
    let (status, _) = a
        .admin
        .post(
            &format!("/api/v1/refs/apps/{}", a.id),
            json!({"table_name": "suppliers", "columns": ["name"], "permissions": ["read"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, out) = ua.get("/api/v1/ext/proxy/suppliers").await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::FORBIDDEN, "表 'suppliers' 的引用尚未發布")
    );
}

/// `__triggerLogin__`'s unified sign-in page: for external and self-built
/// apps only; the return path cannot break out of its script.
#[tokio::test]
async fn the_unified_sign_in_page_serves_only_apps_with_users() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = UserApp::builder_app(&admin, "Club", "external").await;
    let internal = UserApp::builder_app(&admin, "Inside", "internal").await;
    let page = |slug: &str, query: &str| {
        let url = format!("{}/externalAppLogin/{slug}{query}", server.base);
        async move {
            let response = reqwest::get(url).await.expect("get");
            (response.status(), response.text().await.expect("text"))
        }
    };
    let (status, html) = page(&app.slug, "?return_path=%23%2Forders").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("\"slug\":\"{}\"", app.slug)),
        "{html}"
    );
    assert!(html.contains("\"returnPath\":\"#/orders\""));
    let (_, html) = page(
        &app.slug,
        "?return_path=%23%2F%3C%2Fscript%3E%3Cscript%3Ealert(1)",
    )
    .await;
    assert!(
        !html.contains("<script>alert"),
        "a bad return path is dropped"
    );
    assert!(html.contains("\"returnPath\":\"#/\""));
    assert_eq!(page(&internal.slug, "").await.0, StatusCode::NOT_FOUND);
    assert_eq!(page("000000000000", "").await.0, StatusCode::NOT_FOUND);
}
