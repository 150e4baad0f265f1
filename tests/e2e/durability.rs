use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{files_path, Server};

/// SIGKILL in the middle of a stream of writes: after a restart the VFS is
/// the last acknowledged version, or the one in flight when the process
/// died, whole; never older, never a mix of two writes.
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
    while acknowledged.load(Ordering::SeqCst) < 25 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let in_flight = writer.await.expect("writer");
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
