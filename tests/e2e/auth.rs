use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{detail, Server, ADMIN_EMAIL, ADMIN_PASSWORD};

#[tokio::test]
async fn login_answers_the_spec_shape_and_refresh_rotates() {
    let server = Server::start();
    let anonymous = server.anonymous();
    let (status, tokens) = anonymous
        .post(
            "/api/v1/auth/login",
            json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["token_type"], "bearer");
    let access = tokens["access_token"].as_str().expect("access_token");
    assert_eq!(access.split('.').count(), 3, "a JWT");

    let (status, me) = anonymous.with_token(access).get("/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(
        me["permissions"],
        json!(["builder.access", "builder.publish"])
    );

    // Emails are case-insensitive.
    let (status, _) = anonymous
        .post(
            "/api/v1/auth/login",
            json!({"email": "ADMIN@test.local", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let refresh = tokens["refresh_token"].as_str().expect("refresh_token");
    let (status, renewed) = anonymous
        .post("/api/v1/auth/refresh", json!({"refresh_token": refresh}))
        .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    let (status, _) = anonymous
        .with_token(renewed["access_token"].as_str().expect("access"))
        .get("/api/v1/auth/me")
        .await;
    assert_eq!(status, StatusCode::OK);

    // A refresh token works once; replaying it revokes the whole family.
    let (status, out) = anonymous
        .post("/api/v1/auth/refresh", json!({"refresh_token": refresh}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{out}");
    let (status, _) = anonymous
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": renewed["refresh_token"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_credentials_and_tokens_get_401() {
    let server = Server::start();
    let anonymous = server.anonymous();
    for (email, password) in [
        (ADMIN_EMAIL, "wrong-password"),
        ("nobody@test.local", ADMIN_PASSWORD),
    ] {
        let (status, out) = anonymous
            .post(
                "/api/v1/auth/login",
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{out}");
        assert_eq!(detail(&out), "Incorrect email or password");
    }
    let (status, out) = anonymous.get("/api/v1/builder/apps").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(detail(&out).contains("Bearer"), "{out}");
    let (status, out) = anonymous
        .with_token("not-a-jwt")
        .get("/api/v1/builder/apps")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&out), "Invalid or expired token");
    let (status, _) = anonymous
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": "0".repeat(64)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A token signed by another server's secret is worthless here.
    let other = Server::start_with(&[("APPBOX_JWT_SECRET", "another-secret")]);
    let foreign = other.admin().await;
    let (status, _) = anonymous
        .with_token(foreign.token.as_deref().expect("token"))
        .get("/api/v1/builder/apps")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Roles decide what a user may do; disabling a user stops them at once.
#[tokio::test]
async fn permissions_and_disabled_users() {
    let server = Server::start();
    let member = server.user("member@test.local", "member", None).await;
    let (status, out) = member.get("/api/v1/builder/apps").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    assert_eq!(detail(&out), "Missing permission: builder.access");

    let builder = server.user("builder@test.local", "builder", None).await;
    let (status, _) = builder.get("/api/v1/builder/apps").await;
    assert_eq!(status, StatusCode::OK);

    let (ok, out) = server.cli(&["user", "list"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("builder@test.local") && out.contains("member@test.local"),
        "{out}"
    );
    let (ok, out) = server.cli(&[
        "user",
        "add",
        "--email",
        "builder@test.local",
        "--password",
        "whatever-1",
    ]);
    assert!(!ok && out.contains("already exists"), "{out}");

    let (ok, out) = server.cli(&["user", "disable", "--email", "builder@test.local"]);
    assert!(ok, "{out}");
    let (status, _) = builder.get("/api/v1/builder/apps").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a disabled user's token must stop working"
    );
    let (status, _) = server
        .anonymous()
        .post(
            "/api/v1/auth/login",
            json!({"email": "builder@test.local", "password": "user-password-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (ok, _) = server.cli(&["user", "enable", "--email", "builder@test.local"]);
    assert!(ok);
    server.login("builder@test.local", "user-password-1").await;
}

/// Password guessing is slowed: past 20 attempts a minute an account's
/// logins get 429 with Retry-After; other accounts are not affected.
#[tokio::test]
async fn login_attempts_are_limited_per_account() {
    let server = Server::start();
    let anonymous = server.anonymous();
    for attempt in 1..=20 {
        let (status, _) = anonymous
            .post(
                "/api/v1/auth/login",
                json!({"email": ADMIN_EMAIL, "password": format!("guess-{attempt}")}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let response = anonymous
        .request(reqwest::Method::POST, "/api/v1/auth/login")
        .json(&json!({"email": ADMIN_EMAIL.to_uppercase(), "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    let (_, body) = crate::harness::read(response).await;
    assert!(
        detail(&body).starts_with("Too many login attempts"),
        "{body}"
    );

    server.user("other@test.local", "builder", None).await;
}
