//! What the README promises about time: the 5 s key and reference cache
//! (across processes too), access tokens that expire, the login limiter's
//! refill and the `last_used_at` throttle.
//!
//! The server is a separate process with the system clock, so time cannot be
//! paused here. Where the README names a bound that only the clock can show
//! (the cache's 5 s, the limiter's 3 s), the test waits for real and bounds
//! the wait; elsewhere it moves stored timestamps into the past or forges a
//! token from the past instead of waiting.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{detail, Api, Server};

/// The README: "another process on the same PostgreSQL sees a revoked key or
/// a changed reference within 5 s".
const CACHE_BOUND: Duration = Duration::from_secs(5);
/// Slack for a loaded CI machine on top of a bound.
const MARGIN: Duration = Duration::from_millis(1500);

async fn open_get(api: &Api, key: &str, table: &str) -> StatusCode {
    api.client
        .get(format!("{}/api/v1/open/proxy/{table}", api.base))
        .header("X-API-Key", key)
        .send()
        .await
        .expect("send")
        .status()
}

/// Two appbox processes on one database (and one data directory, so one JWT
/// secret). A key revoked and a reference changed through the first are
/// refused by the second within the 5 s the cache may lag: the second never
/// hears of the change, so only expiry can make it see it. Waits for real,
/// at most 5 s plus a margin: the bound is what is tested.
#[tokio::test]
async fn another_process_sees_a_revoked_key_and_a_changed_reference_within_5_s() {
    let server = Server::start();
    let admin = server.admin().await;
    let (status, app) = admin
        .post("/api/v1/integrations", json!({"name": "Two processes"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    let app_id = app["id"].as_str().expect("id").to_owned();
    let (_, key) = admin
        .post(
            &format!("/api/v1/integrations/{app_id}/api-keys"),
            json!({"name": "k"}),
        )
        .await;
    let (key_id, key) = (
        key["id"].as_str().expect("id").to_owned(),
        key["api_key"].as_str().expect("key").to_owned(),
    );
    let (status, reference) = admin
        .post(
            &format!("/api/v1/refs/apps/{app_id}"),
            json!({"table_name": "customers", "columns": ["name"], "permissions": ["read"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reference}");
    let ref_id = reference["id"].as_str().expect("id").to_owned();
    let (status, _) = admin
        .post(&format!("/api/v1/integrations/{app_id}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);

    let second = server.second_process();
    let other = Api {
        token: admin.token.clone(),
        ..second.anonymous()
    };
    let internal = format!("/api/v1/proxy/{app_id}/customers");
    // The second process has both cached now.
    assert_eq!(open_get(&other, &key, "customers").await, StatusCode::OK);
    assert_eq!(other.get(&internal).await.0, StatusCode::OK);

    let (status, _) = admin
        .call(
            Method::DELETE,
            &format!("/api/v1/integrations/{app_id}/api-keys/{key_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, out) = admin
        .patch(
            &format!("/api/v1/refs/{ref_id}"),
            json!({"permissions": ["create"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let changed = Instant::now();
    // The process that made the change refuses at once.
    assert_eq!(
        open_get(&admin, &key, "customers").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(admin.get(&internal).await.0, StatusCode::FORBIDDEN);

    let (mut key_refused, mut reference_refused) = (None, None);
    while key_refused.is_none() || reference_refused.is_none() {
        if key_refused.is_none()
            && open_get(&other, &key, "customers").await == StatusCode::UNAUTHORIZED
        {
            key_refused = Some(changed.elapsed());
        }
        if reference_refused.is_none() {
            let (status, out) = other.get(&internal).await;
            if status == StatusCode::FORBIDDEN {
                assert_eq!(
                    detail(&out),
                    "App 未被授權對表 'customers' 執行 'read' 操作"
                );
                reference_refused = Some(changed.elapsed());
            }
        }
        assert!(
            changed.elapsed() < CACHE_BOUND + MARGIN,
            "after {:?} the second process still accepts: key refused after {key_refused:?}, reference refused after {reference_refused:?}",
            changed.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads the claims of a token this server issued.
fn claims(server: &Server, token: &str) -> Value {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["appbox:platform"]);
    jsonwebtoken::decode::<Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(server.jwt_secret().as_bytes()),
        &validation,
    )
    .expect("a token of this server")
    .claims
}

fn sign(secret: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

/// Access tokens live 3600 s: one signed with the server's own secret but
/// issued 2 h ago (expired 1 h ago, or 30 s ago) is refused; the same claims
/// with an expiry still ahead are accepted, so the forgery itself is right.
#[tokio::test]
async fn an_expired_access_token_is_refused() {
    let server = Server::start();
    let admin = server.admin().await;
    let mut claims = claims(&server, admin.token.as_deref().expect("token"));
    let (iat, exp) = (
        claims["iat"].as_i64().expect("iat"),
        claims["exp"].as_i64().expect("exp"),
    );
    assert_eq!(exp - iat, 3600, "tokens live an hour: {claims}");
    let now = chrono::Utc::now().timestamp();
    let secret = server.jwt_secret();

    for (issued, expires, expected) in [
        (now - 60, now + 60, StatusCode::OK),
        (now - 7200, now - 3600, StatusCode::UNAUTHORIZED),
        // Past the few seconds of leeway for clock skew.
        (now - 3630, now - 30, StatusCode::UNAUTHORIZED),
    ] {
        claims["iat"] = json!(issued);
        claims["exp"] = json!(expires);
        let (status, out) = admin
            .with_token(&sign(&secret, &claims))
            .get("/api/v1/auth/me")
            .await;
        assert_eq!(status, expected, "expires {expires} (now {now}): {out}");
        if expected == StatusCode::UNAUTHORIZED {
            assert_eq!(detail(&out), "Invalid or expired token");
        } else {
            assert_eq!(out["email"], crate::harness::ADMIN_EMAIL);
        }
    }
    // Another secret: refused whatever the expiry.
    claims["exp"] = json!(now + 600);
    let (status, _) = admin
        .with_token(&sign("not-the-secret", &claims))
        .get("/api/v1/auth/me")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// At most 20 login attempts a minute per account: a burst of 20, then 429
/// with Retry-After, then one attempt back every 3 s. Waits for real, about
/// 3 s: the limiter runs on the server's clock, and the refill is the promise.
#[tokio::test]
async fn the_login_limiter_refills_one_attempt_every_3_s() {
    let server = Server::start();
    let anonymous = server.anonymous();
    let attempt = || async {
        let response = anonymous
            .request(Method::POST, "/api/v1/auth/login")
            .json(&json!({"email": crate::harness::ADMIN_EMAIL, "password": "wrong-password"}))
            .send()
            .await
            .expect("send");
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().expect("ascii").parse::<u64>().expect("seconds"));
        let (status, body) = crate::harness::read(response).await;
        (status, retry_after, body)
    };

    // The burst: 20 refused passwords (401), then 429. Attempts made while
    // the burst runs may earn one more each 3 s, never fewer than 20.
    let started = Instant::now();
    let mut allowed = 0u64;
    let (refused_at, retry_after) = loop {
        let (status, retry_after, body) = attempt().await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            break (Instant::now(), retry_after);
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        allowed += 1;
        assert!(allowed <= 40, "no limit after {allowed} attempts");
    };
    let refills = started.elapsed().as_secs() / 3;
    assert!(
        (20..=20 + refills).contains(&allowed),
        "{allowed} attempts allowed in {:?}",
        started.elapsed()
    );
    // Retry-After is enough: the next attempt is due 3 s after the burst
    // began, which is at least this long after the refusal.
    let retry_after = retry_after.expect("429 carries Retry-After");
    let due = Duration::from_secs(3).saturating_sub(refused_at - started);
    assert!(
        (1..=3).contains(&retry_after) && Duration::from_secs(retry_after) >= due,
        "Retry-After {retry_after} s, but the next attempt is only due in {due:?}"
    );
    // The correct password is refused too while the account is limited.
    let (status, _) = anonymous
        .post(
            "/api/v1/auth/login",
            json!({"email": crate::harness::ADMIN_EMAIL, "password": crate::harness::ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // 3 s after the refusal, one attempt is back: the right password now
    // works; the attempt after it is refused again.
    tokio::time::sleep_until((refused_at + Duration::from_secs(3)).into()).await;
    server
        .login(crate::harness::ADMIN_EMAIL, crate::harness::ADMIN_PASSWORD)
        .await;
    let (status, retry_after, body) = attempt().await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "one attempt refilled, not more: {body}"
    );
    assert!(retry_after.is_some_and(|s| (1..=3).contains(&s)));
}

/// `last_used_at` is written at most once a minute per key: a use within
/// the minute leaves it alone, a use after it moves it. Instead of waiting
/// a minute the test moves the stored time back; revoking another key makes
/// the server look the key up again rather than answer from its cache.
#[tokio::test]
async fn last_used_at_is_written_at_most_once_a_minute() {
    let server = Server::start();
    let admin = server.admin().await;
    let (_, app) = admin
        .post("/api/v1/integrations", json!({"name": "Usage"}))
        .await;
    let app_id = app["id"].as_str().expect("id").to_owned();
    let keys_path = format!("/api/v1/integrations/{app_id}/api-keys");
    let (_, key) = admin.post(&keys_path, json!({"name": "used"})).await;
    let (key_id, key) = (
        key["id"].as_str().expect("id").to_owned(),
        key["api_key"].as_str().expect("key").to_owned(),
    );
    let (_, spare) = admin.post(&keys_path, json!({"name": "spare"})).await;
    let spare_id = spare["id"].as_str().expect("id").to_owned();
    let last_used = || async {
        let (status, keys) = admin.get(&keys_path).await;
        assert_eq!(status, StatusCode::OK, "{keys}");
        keys.as_array()
            .expect("keys")
            .iter()
            .find(|k| k["id"] == key_id.as_str())
            .expect("the key")["last_used_at"]
            .clone()
    };
    let parse = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a time")).expect("RFC 3339")
    };
    let forget_cached_keys = || async {
        let (status, _) = admin
            .call(Method::DELETE, &format!("{keys_path}/{spare_id}"), None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    };
    let use_key = || async {
        let status = admin
            .client
            .get(format!("{}/api/v1/open/data/objects", admin.base))
            .header("X-API-Key", &key)
            .send()
            .await
            .expect("send")
            .status();
        assert_eq!(status, StatusCode::OK);
    };

    assert_eq!(last_used().await, Value::Null, "never used yet");
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    use_key().await;
    let first = last_used().await;
    assert!(parse(&first) >= before, "{first}");

    // Within the minute: looked up again, not written again.
    forget_cached_keys().await;
    use_key().await;
    assert_eq!(last_used().await, first, "written twice within a minute");

    // A minute and more later (moved back in the database): written again.
    server.sql(&format!(
        "UPDATE api_keys SET last_used_at = '2020-01-01T00:00:00Z' WHERE id = '{key_id}'"
    ));
    let moved = last_used().await;
    assert_eq!(parse(&moved).timestamp(), 1_577_836_800, "{moved}");
    forget_cached_keys().await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    use_key().await;
    let again = last_used().await;
    assert!(
        parse(&again) >= before,
        "not written after a minute: {again}"
    );
}
