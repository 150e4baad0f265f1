//! Shutdown and crashes.
//!
//! What SIGKILL proves and what it does not: a killed process loses nothing
//! the kernel already has, so the SIGKILL test shows that every write is one
//! transaction (never half of one, never an older version than the last one
//! acknowledged) and that nothing acknowledged waits in the process. It
//! cannot show that a commit reached the disk before the answer: the page
//! cache survives a killed process, so `synchronous=NORMAL` or `OFF` would
//! pass it too. That is why a second test reads the synchronous setting the
//! server's own connections use.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{files_path, Server};

/// SIGKILL in the middle of a stream of writes: after a restart the VFS is
/// the last acknowledged version, or the one in flight when the process
/// died, whole; never older, never a mix of two writes. Bounded: the writes
/// must get going within 60 s.
#[tokio::test]
async fn sigkill_mid_stream_keeps_the_last_acknowledged_version() {
    let mut server = Server::start();
    let api = server.admin().await;
    let id = api.create_app("Crash").await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let acknowledged = Arc::new(AtomicI64::new(1));
    let writer = {
        let (api, acknowledged, path) = (api.clone(), acknowledged.clone(), files_path(&id));
        tokio::spawn(async move {
            // Write n makes version n + 1; both files carry n, so a mixed
            // state would show two different numbers.
            for n in 1.. {
                let files = json!({"src/counter.ts": format!("export const n = {n};\n"), "src/mirror.ts": format!("// {n}\n")});
                let sent = api
                    .request(reqwest::Method::PATCH, &path)
                    .json(&json!({"files": files, "expected_version": n}))
                    .send();
                match sent.await {
                    Ok(response) if response.status() == StatusCode::OK => {
                        acknowledged.store(n + 1, Ordering::SeqCst)
                    }
                    Ok(response) => panic!("write {n} got {}", response.status()),
                    Err(_) => return n,
                }
            }
            unreachable!()
        })
    };
    // Let a few dozen writes land, then kill while the stream is running.
    let started = tokio::time::Instant::now();
    while acknowledged.load(Ordering::SeqCst) < 25 {
        assert!(
            !writer.is_finished(),
            "the writer stopped before the kill: {:?}",
            writer.await
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "only {} writes acknowledged in 60 s",
            acknowledged.load(Ordering::SeqCst) - 1
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let in_flight = tokio::time::timeout(Duration::from_secs(30), writer)
        .await
        .expect("the writer saw the connection drop within 30 s")
        .expect("writer");
    let last_acknowledged = acknowledged.load(Ordering::SeqCst);
    assert!(in_flight + 1 >= last_acknowledged);

    server.restart();
    let api = server.admin().await;
    let app = api.app(&id).await;
    let version = app["vfs_version"].as_i64().expect("version");
    assert!(
        version == last_acknowledged || version == last_acknowledged + 1,
        "stored version {version}, last acknowledged {last_acknowledged}"
    );
    let n = version - 1;
    assert_eq!(
        app["vfs_state"]["src/counter.ts"],
        format!("export const n = {n};\n").as_str()
    );
    assert_eq!(
        app["vfs_state"]["src/mirror.ts"],
        format!("// {n}\n").as_str()
    );
    let (_, versions) = api
        .get(&format!("/api/v1/builder/apps/{id}/source/versions"))
        .await;
    assert_eq!(versions.as_array().map(Vec::len), Some(version as usize));

    // The app keeps working after the crash.
    let (status, out) = api
        .patch(
            &files_path(&id),
            json!({"files": {"src/after.ts": "ok"}, "expected_version": version}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
}

/// SIGTERM lets the server finish and exit cleanly.
#[tokio::test]
async fn sigterm_is_a_clean_shutdown() {
    // At info level the server logs that it finished shutting down.
    let mut server = Server::start_with(&[("RUST_LOG", "info")]);
    let api = server.admin().await;
    api.create_app("Before shutdown").await;
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
    assert!(
        server.log().contains("appbox stopped"),
        "no clean stop in the log:\n{}",
        server.log()
    );
    server.restart();
    let api = server.admin().await;
    let (_, apps) = api.get("/api/v1/builder/apps").await;
    assert_eq!(apps[0]["name"], "Before shutdown");
}

/// SIGTERM while a write is in flight: the server stops taking connections
/// but finishes that request (200), exits cleanly, and the write is there
/// after a restart. The request is held in flight for sure, without timing:
/// it asks `Expect: 100-continue`, so the server says "100 Continue" only
/// once the handler is reading the body; the body is sent only after the
/// server has logged that it received the signal.
#[tokio::test]
async fn sigterm_lets_an_in_flight_write_finish_and_keeps_it() {
    let mut server = Server::start_with(&[("RUST_LOG", "info")]);
    let api = server.admin().await;
    let id = api.create_app("Slow write").await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let body =
        json!({"files": {"src/late.ts": "export const late = true;\n"}, "expected_version": 1})
            .to_string();
    let host = server.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    let head = format!(
        "PATCH {} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        files_path(&id),
        api.token.as_deref().expect("token"),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("send head");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buffer))
            .await
            .expect("100 Continue within 20 s")
            .expect("read");
        assert!(
            n > 0,
            "closed before 100 Continue: {:?}",
            String::from_utf8_lossy(&answer)
        );
        answer.extend_from_slice(&buffer[..n]);
    }
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 100 Continue"),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    server.send_sigterm();
    server.wait_for_log("shutdown signal received", Duration::from_secs(20));
    stream.write_all(body.as_bytes()).await.expect("send body");
    let mut answer = Vec::new();
    loop {
        let n = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buffer))
            .await
            .expect("an answer within 20 s")
            .expect("read");
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((_, json)) = text.split_once("\r\n\r\n") {
            if serde_json::from_str::<serde_json::Value>(json).is_ok() {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    assert!(text.starts_with("HTTP/1.1 200 "), "{text}");
    let (_, json) = text.split_once("\r\n\r\n").expect("a body");
    let out: serde_json::Value = serde_json::from_str(json).expect("JSON");
    assert_eq!(out["vfs_version"], 2, "{out}");

    let status = server.wait_for_exit();
    assert!(status.success(), "exit status {status:?}");
    assert!(server.log().contains("appbox stopped"), "{}", server.log());
    server.restart();
    let api = server.admin().await;
    let app = api.app(&id).await;
    assert_eq!(app["vfs_version"], 2);
    assert_eq!(
        app["vfs_state"]["src/late.ts"],
        "export const late = true;\n"
    );
}

/// What a SIGKILL cannot show: each commit is on disk before its answer.
/// The server's own pool (as `Db::connect` opens it) must sync every commit:
/// SQLite in WAL mode with `synchronous=FULL` (2), PostgreSQL with
/// `synchronous_commit` on. A weaker setting fails here.
#[tokio::test]
async fn the_database_syncs_every_commit() {
    let server = Server::start();
    let db = appbox_host::db::Db::connect(&server.database_url())
        .await
        .expect("connect");
    match &db {
        appbox_host::db::Db::Sqlite(pool) => {
            let mut conn = pool.acquire().await.expect("connection");
            let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut *conn)
                .await
                .expect("pragma");
            let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&mut *conn)
                .await
                .expect("pragma");
            assert_eq!((synchronous, journal.as_str()), (2, "wal"));
        }
        appbox_host::db::Db::Postgres(pool) => {
            for setting in ["synchronous_commit", "fsync"] {
                let value: String = sqlx::query_scalar(&format!("SHOW {setting}"))
                    .fetch_one(pool)
                    .await
                    .expect("SHOW");
                assert_eq!(value, "on", "{setting}");
            }
        }
    }
    db.close().await;
}
