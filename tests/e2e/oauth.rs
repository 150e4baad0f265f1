//! OAuth sign-in for app users (spec 000 §2.4, spec 001 §19.5) against a
//! mock provider this test runs on loopback: a new user, a returning user,
//! linking by e-mail, a pending e-mail, LIFF, and forged or replayed `state`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use reqwest::{StatusCode, Url};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::app_users::UserApp;
use crate::harness::{detail, Server};

/// What the mock provider knows: codes it issued (with the profile and the
/// PKCE challenge they were issued for) and LIFF tokens.
#[derive(Default)]
struct Provider {
    codes: HashMap<String, (Value, String)>,
    access: HashMap<String, Value>,
    liff: HashMap<String, (String, Value)>,
    /// LINE ID tokens issued with a code: their claims (with the e-mail).
    id_tokens: HashMap<String, Value>,
    exchanges: Vec<HashMap<String, String>>,
}

type Shared = Arc<Mutex<Provider>>;

fn form(body: &str) -> HashMap<String, String> {
    Url::parse(&format!("http://x/?{body}"))
        .expect("form")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn token(State(p): State<Shared>, body: String) -> (AxumStatus, Json<Value>) {
    let fields = form(&body);
    let mut p = p.lock().expect("lock");
    p.exchanges.push(fields.clone());
    let code = fields.get("code").cloned().unwrap_or_default();
    let Some((profile, challenge)) = p.codes.remove(&code) else {
        return (
            AxumStatus::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        );
    };
    let verifier = fields.get("code_verifier").cloned().unwrap_or_default();
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let line = fields.get("client_id").map(String::as_str) == Some("line-channel");
    let secret = if line { "line-secret" } else { "google-secret" };
    if computed != challenge || fields.get("client_secret").map(String::as_str) != Some(secret) {
        return (
            AxumStatus::BAD_REQUEST,
            Json(json!({"error": "invalid_client"})),
        );
    }
    let access = format!("at-{code}");
    if line {
        // LINE: the profile has no e-mail; the ID token's claims do.
        let id_token = format!("idt-{code}");
        p.id_tokens
            .insert(id_token.clone(), profile["claims"].clone());
        p.access.insert(access.clone(), profile["profile"].clone());
        return (
            AxumStatus::OK,
            Json(json!({"access_token": access, "token_type": "Bearer", "id_token": id_token})),
        );
    }
    p.access.insert(access.clone(), profile);
    (
        AxumStatus::OK,
        Json(json!({"access_token": access, "token_type": "Bearer"})),
    )
}

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned()
}

async fn userinfo(State(p): State<Shared>, headers: HeaderMap) -> (AxumStatus, Json<Value>) {
    match p.lock().expect("lock").access.get(&bearer(&headers)) {
        Some(profile) => (AxumStatus::OK, Json(profile.clone())),
        None => (
            AxumStatus::UNAUTHORIZED,
            Json(json!({"error": "invalid_token"})),
        ),
    }
}

async fn line_verify(
    State(p): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> (AxumStatus, Json<Value>) {
    let token = q.get("access_token").cloned().unwrap_or_default();
    match p.lock().expect("lock").liff.get(&token) {
        Some((channel, _)) => (
            AxumStatus::OK,
            Json(json!({"scope": "profile", "client_id": channel, "expires_in": 2000})),
        ),
        None => (
            AxumStatus::BAD_REQUEST,
            Json(json!({"error": "invalid_request"})),
        ),
    }
}

async fn line_id_token(State(p): State<Shared>, body: String) -> (AxumStatus, Json<Value>) {
    let fields = form(&body);
    let p = p.lock().expect("lock");
    let id_token = fields.get("id_token").cloned().unwrap_or_default();
    match p.id_tokens.get(&id_token) {
        Some(claims) if fields.get("client_id").map(String::as_str) == Some("line-channel") => {
            (AxumStatus::OK, Json(claims.clone()))
        }
        _ => (
            AxumStatus::BAD_REQUEST,
            Json(json!({"error": "invalid_request"})),
        ),
    }
}

async fn line_profile(State(p): State<Shared>, headers: HeaderMap) -> (AxumStatus, Json<Value>) {
    let p = p.lock().expect("lock");
    let token = bearer(&headers);
    match p
        .liff
        .get(&token)
        .map(|(_, profile)| profile)
        .or_else(|| p.access.get(&token))
    {
        Some(profile) => (AxumStatus::OK, Json(profile.clone())),
        None => (
            AxumStatus::UNAUTHORIZED,
            Json(json!({"message": "invalid token"})),
        ),
    }
}

/// Starts the mock provider; returns its state and base URL.
async fn start_provider() -> (Shared, String) {
    let shared = Shared::default();
    let app = Router::new()
        .route("/token", post(token))
        .route("/userinfo", get(userinfo))
        .route("/line/verify", get(line_verify).post(line_id_token))
        .route("/line/profile", get(line_profile))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (shared, base)
}

fn endpoints(base: &str) -> String {
    json!({
        "google": {"authorize_url": format!("{base}/authorize"), "token_url": format!("{base}/token"), "userinfo_url": format!("{base}/userinfo")},
        "line": {"authorize_url": format!("{base}/authorize"), "token_url": format!("{base}/token"),
                 "userinfo_url": format!("{base}/line/profile"), "verify_url": format!("{base}/line/verify")},
    })
    .to_string()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn query(url: &str) -> HashMap<String, String> {
    Url::parse(url)
        .expect("url")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

struct Flow<'a> {
    server: &'a Server,
    provider: &'a Shared,
    provider_base: &'a str,
    app: &'a UserApp,
    /// The browser-binding cookie of the last `authorize`, as a browser keeps it.
    cookie: std::sync::Mutex<String>,
}

/// `name=value` of a response's `Set-Cookie`.
fn set_cookie(response: &reqwest::Response) -> String {
    response.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned()
}

impl Flow<'_> {
    fn oauth(&self, rest: &str) -> String {
        format!(
            "{}/api/v1/custom-app-oauth/{}/{rest}",
            self.server.base, self.app.slug
        )
    }

    /// `authorize`: the provider URL's query (with `state`).
    async fn authorize(&self, return_path: &str) -> HashMap<String, String> {
        let response = no_redirects()
            .get(self.oauth("google/authorize"))
            .query(&[("return_path", return_path)])
            .send()
            .await
            .expect("authorize");
        assert_eq!(response.status(), StatusCode::FOUND);
        *self.cookie.lock().expect("lock") = set_cookie(&response);
        let location = response.headers()["location"].to_str().expect("location");
        assert!(location.starts_with(&format!("{}/authorize?", self.provider_base)));
        query(location)
    }

    /// The callback as the browser that began the sign-in sends it.
    fn back(&self) -> reqwest::RequestBuilder {
        no_redirects()
            .get(self.oauth("google/callback"))
            .header("Cookie", self.cookie.lock().expect("lock").clone())
    }

    /// The provider sends the browser back with a code for `profile`.
    async fn callback(&self, state: &str, challenge: &str, profile: Value) -> reqwest::Response {
        let code = format!("code-{}", rand_suffix());
        self.provider
            .lock()
            .expect("lock")
            .codes
            .insert(code.clone(), (profile, challenge.to_owned()));
        self.back()
            .query(&[("code", code.as_str()), ("state", state)])
            .send()
            .await
            .expect("callback")
    }

    /// A whole sign-in: the landing URL's query.
    async fn sign_in(&self, profile: Value) -> HashMap<String, String> {
        let auth = self.authorize("#/home").await;
        let response = self
            .callback(&auth["state"], &auth["code_challenge"], profile)
            .await;
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = response.headers()["location"].to_str().expect("location");
        assert!(
            location.starts_with(&format!(
                "{}/externalAppRuntime/{}?",
                self.server.base, self.app.slug
            )),
            "{location}"
        );
        query(location)
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

/// `oauth_token` decoded as the spec's example does (`atob`, after mapping
/// the URL-safe alphabet), then `JSON.parse`.
fn decode_token(encoded: &str) -> Value {
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(encoded)
        .expect("base64 url-safe");
    assert!(bytes.is_ascii(), "ASCII JSON, so atob + JSON.parse work");
    serde_json::from_slice(&bytes).expect("json")
}

async fn setup() -> (Server, Shared, String, UserApp) {
    let (provider, base) = start_provider().await;
    let server = Server::start_with(&[("APPBOX_OAUTH_ENDPOINTS", &endpoints(&base))]);
    let admin = server.admin().await;
    let app = UserApp::builder_app(&admin, "OAuth shop", "external").await;
    for (name, id, secret) in [
        ("google", "google-client", "google-secret"),
        ("line", "line-channel", "line-secret"),
    ] {
        let (status, out) = admin
            .put(
                &format!(
                    "/api/v1/custom-app-auth/manage/{}/oauth-providers/{name}",
                    app.id
                ),
                json!({"client_id": id, "client_secret": secret}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        assert!(!out.to_string().contains(secret), "secrets are never shown");
    }
    (server, provider, base, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_returning_linked_and_pending_users_sign_in_through_the_provider() {
    let (server, provider, base, app) = setup().await;
    let flow = Flow {
        server: &server,
        provider: &provider,
        provider_base: &base,
        app: &app,
        cookie: Default::default(),
    };
    // Secrets are encrypted at rest.
    let stored = server.sql("SELECT client_secret FROM custom_app_oauth_providers");
    assert_eq!(stored.len(), 2);
    assert!(stored
        .iter()
        .flatten()
        .all(|s| !s.contains("secret") && !s.contains(&hex_of("google-secret"))));
    let (status, providers) = server
        .anonymous()
        .get(&format!(
            "/api/v1/custom-app-oauth/{}/auth-providers",
            app.slug
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        providers,
        json!([{"provider": "google", "enabled": true}, {"provider": "line", "enabled": true}])
    );

    // authorize: PKCE S256, our client id, the callback URL, a state.
    let auth = flow.authorize("#/home").await;
    assert_eq!(auth["client_id"], "google-client");
    assert_eq!(auth["code_challenge_method"], "S256");
    assert_eq!(auth["response_type"], "code");
    assert_eq!(
        auth["redirect_uri"],
        format!(
            "{}/api/v1/custom-app-oauth/{}/google/callback",
            server.base, app.slug
        )
    );
    assert_eq!(auth["state"].len(), 64);

    // A new user, signed in: oauth_token carries the token answer.
    let landing = flow
        .sign_in(json!({"sub": "g-1", "email": "New@Example.com", "email_verified": true, "name": "新用戶"}))
        .await;
    assert_eq!(landing["route"], "#/home");
    let tokens = decode_token(&landing["oauth_token"]);
    assert_eq!(tokens["user"]["email"], "new@example.com");
    assert_eq!(tokens["user"]["display_name"], "新用戶");
    assert_eq!(tokens["expires_in"], 900);
    let exchange = provider
        .lock()
        .expect("lock")
        .exchanges
        .last()
        .cloned()
        .expect("exchange");
    assert_eq!(
        exchange["client_secret"], "google-secret",
        "decrypted for the exchange"
    );
    assert_eq!(exchange["grant_type"], "authorization_code");
    let me = server
        .anonymous()
        .with_token(tokens["access_token"].as_str().expect("token"))
        .get(&app.auth("me"))
        .await;
    assert_eq!(me.0, StatusCode::OK, "{}", me.1);
    // OAuth users have no password.
    let (status, _) = server
        .anonymous()
        .post(
            &app.auth("login"),
            json!({"email": "new@example.com", "password": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The same identity again: the same user, profile refreshed.
    let again = decode_token(
        &flow
            .sign_in(json!({"sub": "g-1", "email": "new@example.com", "name": "Renamed"}))
            .await["oauth_token"],
    );
    assert_eq!(again["user"]["id"], tokens["user"]["id"]);
    assert_eq!(again["user"]["display_name"], "Renamed");

    // A provider e-mail of a password account links to it.
    let password_user = app.register(&server, "pw@example.com").await;
    let linked = decode_token(
        &flow
            .sign_in(json!({"sub": "g-2", "email": "PW@example.com", "email_verified": true}))
            .await["oauth_token"],
    );
    assert_eq!(linked["user"]["id"], password_user["user"]["id"]);
    app.login(&server, "pw@example.com").await;
    // An unverified provider e-mail does not link; it waits for one.
    let unverified = flow
        .sign_in(json!({"sub": "g-9", "email": "pw@example.com", "email_verified": false}))
        .await;
    assert!(unverified.contains_key("oauth_pending"), "{unverified:?}");

    // No e-mail: oauth_pending, then complete-email.
    let pending = flow.sign_in(json!({"sub": "g-3", "name": "No Mail"})).await;
    assert!(!pending.contains_key("oauth_token"));
    let pending_token = pending["oauth_pending"].clone();
    let complete = format!("/api/v1/custom-app-oauth/{}/oauth/complete-email", app.slug);
    // A typed e-mail of an existing account is not taken over.
    let (status, out) = server
        .anonymous()
        .post(
            &complete,
            json!({"pending_token": unverified["oauth_pending"], "email": "pw@example.com"}),
        )
        .await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::CONFLICT, "此 Email 已被註冊")
    );
    let (status, done) = server
        .anonymous()
        .post(
            &complete,
            json!({"pending_token": pending_token, "email": "Late@Example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["user"]["email"], "late@example.com");
    assert_eq!(done["user"]["display_name"], "No Mail");
    let (status, out) = server
        .anonymous()
        .post(
            &complete,
            json!({"pending_token": pending_token, "email": "other@example.com"}),
        )
        .await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::BAD_REQUEST, "無效或已過期的 pending_token"),
        "single use"
    );
    // Next time the identity is known: straight in.
    let known = decode_token(&flow.sign_in(json!({"sub": "g-3"})).await["oauth_token"]);
    assert_eq!(known["user"]["id"], done["user"]["id"]);

    // The provider refuses: oauth_error.
    let auth = flow.authorize("#/x").await;
    let response = flow
        .back()
        .query(&[
            ("error", "access_denied"),
            ("state", auth["state"].as_str()),
        ])
        .send()
        .await
        .expect("callback");
    let landing = query(response.headers()["location"].to_str().expect("location"));
    assert!(
        landing["oauth_error"].contains("access_denied"),
        "{landing:?}"
    );

    // A disabled user does not get in through OAuth either.
    let manage = format!("/api/v1/custom-app-auth/manage/{}/users", app.id);
    let admin = server.admin().await;
    let (status, _) = admin
        .patch(
            &format!("{manage}/{}", tokens["user"]["id"].as_str().expect("id")),
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let refused = flow
        .sign_in(json!({"sub": "g-1", "email": "new@example.com"}))
        .await;
    assert_eq!(refused["oauth_error"], "帳號已被停用");
}

fn hex_of(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_replayed_and_foreign_states_are_refused() {
    let (server, provider, base, app) = setup().await;
    let flow = Flow {
        server: &server,
        provider: &provider,
        provider_base: &base,
        app: &app,
        cookie: Default::default(),
    };
    let profile = json!({"sub": "g-1", "email": "a@example.com"});
    // Forged: never issued.
    for forged in ["0".repeat(64), "nope".to_owned(), String::new()] {
        let response = flow.callback(&forged, "x", profile.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{forged}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(detail(&body), "無效或已使用的 OAuth state");
    }
    // Replayed: the first use signs in, the second is refused.
    let auth = flow.authorize("#/").await;
    let first = flow
        .callback(&auth["state"], &auth["code_challenge"], profile.clone())
        .await;
    assert_eq!(first.status(), StatusCode::FOUND);
    let second = flow
        .callback(&auth["state"], &auth["code_challenge"], profile.clone())
        .await;
    assert_eq!(second.status(), StatusCode::BAD_REQUEST);
    // Another app's state is not this app's.
    let admin = server.admin().await;
    let other = UserApp::builder_app(&admin, "Other", "external").await;
    let auth = flow.authorize("#/").await;
    let response = no_redirects()
        .get(format!(
            "{}/api/v1/custom-app-oauth/{}/google/callback",
            server.base, other.slug
        ))
        .query(&[("code", "c"), ("state", auth["state"].as_str())])
        .send()
        .await
        .expect("callback");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // A wrong PKCE verifier (the code was issued for another challenge): no sign-in.
    let auth = flow.authorize("#/").await;
    let response = flow
        .callback(&auth["state"], "not-the-challenge", profile.clone())
        .await;
    let landing = query(response.headers()["location"].to_str().expect("location"));
    assert!(landing.contains_key("oauth_error") && !landing.contains_key("oauth_token"));
    // A state spent by another browser (the one that began the sign-in kept
    // its cookie): refused, so nobody finishes their own sign-in in a
    // victim's browser.
    for cookie in ["", "appbox_oauth_x=1; appbox_oauth_other=forged"] {
        let auth = flow.authorize("#/").await;
        let code = format!("code-{}", rand_suffix());
        provider.lock().expect("lock").codes.insert(
            code.clone(),
            (profile.clone(), auth["code_challenge"].clone()),
        );
        let response = no_redirects()
            .get(flow.oauth("google/callback"))
            .header("Cookie", cookie)
            .query(&[("code", code.as_str()), ("state", auth["state"].as_str())])
            .send()
            .await
            .expect("callback");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{cookie}");
    }
    // Return paths and redirect URIs cannot leave the app.
    for (key, value) in [
        ("return_path", "//evil.example"),
        ("return_path", "https://evil.example"),
        ("redirect_uri", "https://evil.example/cb"),
    ] {
        let response = no_redirects()
            .get(flow.oauth("google/authorize"))
            .query(&[(key, value)])
            .send()
            .await
            .expect("authorize");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{key}={value}");
    }
    let response = no_redirects()
        .get(flow.oauth("github/authorize"))
        .send()
        .await
        .expect("authorize");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Starting sign-ins writes state: one address gets at most 20 a minute.
    let mut answers = Vec::new();
    for _ in 0..25 {
        let response = no_redirects()
            .get(flow.oauth("google/authorize"))
            .send()
            .await
            .expect("authorize");
        answers.push(response.status().as_u16());
    }
    assert!(answers.contains(&429), "{answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liff_swap_checks_the_channel_and_follows_the_same_rules() {
    let (server, provider, _base, app) = setup().await;
    provider.lock().expect("lock").liff.insert(
        "liff-good".into(),
        (
            "line-channel".into(),
            json!({"userId": "U1", "displayName": "小明", "pictureUrl": "https://p/1"}),
        ),
    );
    provider.lock().expect("lock").liff.insert(
        "liff-other-channel".into(),
        (
            "someone-else".into(),
            json!({"userId": "U2", "displayName": "x"}),
        ),
    );
    let swap = format!("/api/v1/custom-app-oauth/{}/liff-swap", app.slug);
    let anon = server.anonymous();
    for bad in ["liff-other-channel", "liff-unknown"] {
        let (status, out) = anon.post(&swap, json!({"liff_access_token": bad})).await;
        assert_eq!(
            (status, detail(&out)),
            (StatusCode::UNAUTHORIZED, "無效的 LIFF access token"),
            "{bad}"
        );
    }
    // A new LINE user without e-mail: 202 and a pending token.
    let (status, pending) = anon
        .post(&swap, json!({"liff_access_token": "liff-good"}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{pending}");
    let (status, done) = anon
        .post(
            &format!("/api/v1/custom-app-oauth/{}/oauth/complete-email", app.slug),
            json!({"pending_token": pending["pending_token"], "email": "ming@example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["user"]["display_name"], "小明");
    assert_eq!(done["user"]["avatar_url"], "https://p/1");
    // Known now: tokens straight away.
    let (status, tokens) = anon
        .post(&swap, json!({"liff_access_token": "liff-good"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["user"]["id"], done["user"]["id"]);
}

/// LINE Login: the e-mail comes from the ID token (read with LINE's verify
/// endpoint), the profile from the profile endpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_login_reads_the_email_from_the_id_token() {
    let (server, provider, _base, app) = setup().await;
    let response = no_redirects()
        .get(format!(
            "{}/api/v1/custom-app-oauth/{}/line/authorize",
            server.base, app.slug
        ))
        .send()
        .await
        .expect("authorize");
    assert_eq!(response.status(), StatusCode::FOUND);
    let cookie = set_cookie(&response);
    let auth = query(response.headers()["location"].to_str().expect("location"));
    assert_eq!(auth["client_id"], "line-channel");
    assert!(auth["scope"].contains("email"), "{auth:?}");
    provider.lock().expect("lock").codes.insert(
        "line-code".into(),
        (
            json!({"profile": {"userId": "U9", "displayName": "LINE 用戶", "pictureUrl": "https://p/9"},
                   "claims": {"sub": "U9", "email": "Line@Example.com", "name": "LINE 用戶"}}),
            auth["code_challenge"].clone(),
        ),
    );
    let response = no_redirects()
        .get(format!(
            "{}/api/v1/custom-app-oauth/{}/line/callback",
            server.base, app.slug
        ))
        .header("Cookie", cookie)
        .query(&[("code", "line-code"), ("state", auth["state"].as_str())])
        .send()
        .await
        .expect("callback");
    assert_eq!(response.status(), StatusCode::FOUND);
    let landing = query(response.headers()["location"].to_str().expect("location"));
    let tokens = decode_token(&landing["oauth_token"]);
    assert_eq!(tokens["user"]["email"], "line@example.com");
    assert_eq!(tokens["user"]["display_name"], "LINE 用戶");
    assert_eq!(tokens["user"]["avatar_url"], "https://p/9");
}
