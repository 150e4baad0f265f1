use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{detail, files_path, Server};

/// The walk-through of issue 2: login → create → GET → PATCH → stale PATCH →
/// DELETE → versions → restore → GET.
#[tokio::test]
async fn builder_walk_through() {
    let server = Server::start();
    let api = server.admin().await;

    let created = api.create_app("Orders").await;
    let id = created["id"].as_str().expect("id").to_owned();
    let slug = created["slug"].as_str().expect("slug").to_owned();
    assert_eq!(slug.len(), 12);
    assert!(
        slug.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
        "{slug}"
    );
    assert_eq!(created["access_mode"], "internal");
    assert_eq!(created["status"], "draft");
    assert_eq!(created["allow_anonymous_access"], false);

    // Version 1 is the standard template with the host's SDK files.
    let app = api.app(&slug).await;
    assert_eq!(app["id"], id.as_str());
    assert_eq!(app["vfs_version"], 1);
    let v1 = app["vfs_state"].as_object().expect("vfs_state").clone();
    for path in [
        "src/main.tsx",
        "src/App.tsx",
        "src/App.css",
        "src/api.ts",
        "src/db.ts",
        "src/action.ts",
        "src/data.json",
        "src/db.json",
        "actions/manifest.json",
    ] {
        assert!(v1.contains_key(path), "{path} missing from the template");
    }

    // PATCH two files with the right version.
    let (status, out) = api
        .patch(
            &files_path(&id),
            json!({"files": {"src/App.tsx": "export default function App() { return null; }\n", "src/pages/New.tsx": "export const x = 1;\n"}, "expected_version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["vfs_version"], 2);
    assert_eq!(out["changed"], json!(["src/App.tsx", "src/pages/New.tsx"]));

    // A stale version is refused and changes nothing.
    let (status, out) = api
        .patch(
            &files_path(&id),
            json!({"files": {"src/App.tsx": "lost"}, "expected_version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{out}");
    assert!(detail(&out).contains("expected_version"), "{out}");
    let app = api.app(&id).await;
    assert_eq!(app["vfs_version"], 2);
    assert_eq!(
        app["vfs_state"]["src/App.tsx"],
        "export default function App() { return null; }\n"
    );

    // DELETE a file.
    let (status, out) = api
        .delete(
            &files_path(&id),
            json!({"paths": ["src/pages/New.tsx"], "expected_version": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["vfs_version"], 3);
    assert!(api.app(&id).await["vfs_state"]
        .get("src/pages/New.tsx")
        .is_none());

    // Versions, newest first.
    let (status, versions) = api
        .get(&format!("/api/v1/builder/apps/{id}/source/versions"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<(i64, String)> = versions
        .as_array()
        .expect("list")
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().expect("version"),
                v["operation"].as_str().expect("op").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (3, "delete".into()),
            (2, "patch".into()),
            (1, "create".into())
        ]
    );

    // Restore version 1 as version 4.
    let (status, out) = api
        .post(
            &format!("/api/v1/builder/apps/{id}/source/restore"),
            json!({"version": 1, "expected_version": 3}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["vfs_version"], 4);
    let app = api.app(&id).await;
    assert_eq!(app["vfs_version"], 4);
    assert_eq!(app["vfs_state"].as_object().expect("files"), &v1);
    let (_, versions) = api
        .get(&format!("/api/v1/builder/apps/{id}/source/versions"))
        .await;
    assert_eq!(versions[0]["operation"], "restore");
    assert_eq!(versions[0]["restored_from"], 1);
    assert_eq!(versions.as_array().map(Vec::len), Some(4));

    // Any old version can still be read.
    let (status, old) = api
        .get(&format!("/api/v1/builder/apps/{id}/source/versions/2"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        old["vfs_state"]["src/pages/New.tsx"],
        "export const x = 1;\n"
    );
}

/// 20 PATCHes with the same expected_version: one wins, 19 get 409, and the
/// stored VFS is exactly the winner's write.
#[tokio::test]
async fn concurrent_patches_have_exactly_one_winner() {
    let server = Server::start();
    let api = server.admin().await;
    let id = api.create_app("Race").await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let writers = (0..20).map(|i| {
        let api = api.clone();
        let path = files_path(&id);
        tokio::spawn(async move {
            let files = json!({"src/App.tsx": format!("// writer {i}\n"), format!("src/writer_{i}.ts"): format!("export const w = {i};\n")});
            let (status, body) = api.patch(&path, json!({"files": files, "expected_version": 1})).await;
            (i, status, body)
        })
    });
    let mut winners = Vec::new();
    let mut conflicts = 0;
    for writer in writers.collect::<Vec<_>>() {
        let (i, status, body) = writer.await.expect("writer task");
        match status {
            StatusCode::OK => winners.push(i),
            StatusCode::CONFLICT => conflicts += 1,
            other => panic!("writer {i} got {other}: {body}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(conflicts, 19);
    let winner = winners[0];

    let app = api.app(&id).await;
    assert_eq!(app["vfs_version"], 2);
    let files = app["vfs_state"].as_object().expect("files");
    assert_eq!(
        files["src/App.tsx"],
        format!("// writer {winner}\n").as_str()
    );
    let writer_files: Vec<&String> = files
        .keys()
        .filter(|p| p.starts_with("src/writer_"))
        .collect();
    assert_eq!(writer_files, vec![&format!("src/writer_{winner}.ts")]);
    let (_, versions) = api
        .get(&format!("/api/v1/builder/apps/{id}/source/versions"))
        .await;
    assert_eq!(versions.as_array().map(Vec::len), Some(2));
}

/// The SDK files are the host's: readable, sendable back unchanged, never
/// changeable; a VFS pushed without them still has them.
#[tokio::test]
async fn sdk_files_are_host_owned() {
    let server = Server::start();
    let api = server.admin().await;
    let app = api.create_app("Sdk").await;
    let id = app["id"].as_str().expect("id").to_owned();
    let original_api_ts = app["vfs_state"]["src/api.ts"].clone();
    assert!(original_api_ts
        .as_str()
        .expect("api.ts")
        .contains("listRecords"));

    // An agent PUTs back exactly what it read: accepted.
    let (status, out) = api
        .put(
            &format!("/api/v1/builder/apps/{id}/source"),
            json!({"files": app["vfs_state"], "expected_version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["vfs_version"], 2);

    // Changing one is refused with 403 naming it, and nothing is written.
    let (status, out) = api
        .patch(&files_path(&id), json!({"files": {"src/api.ts": "export {}", "src/App.tsx": "x"}, "expected_version": 2}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    assert!(detail(&out).contains("src/api.ts"), "{out}");
    let (status, out) = api
        .delete(&files_path(&id), json!({"paths": ["src/db.ts"]}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    assert!(detail(&out).contains("src/db.ts"), "{out}");
    let app = api.app(&id).await;
    assert_eq!(app["vfs_version"], 2);
    assert_ne!(app["vfs_state"]["src/App.tsx"], "x");

    // A VFS pushed without them gets the host's copies.
    let minimal = json!({"src/main.tsx": "import './App.css';\n", "src/App.css": ":host, :root { --x: 1; }\n"});
    let (status, out) = api
        .put(
            &format!("/api/v1/builder/apps/{id}/source"),
            json!({"files": minimal}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let files = api.app(&id).await["vfs_state"]
        .as_object()
        .expect("files")
        .clone();
    let mut paths: Vec<&str> = files.keys().map(String::as_str).collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            "src/App.css",
            "src/action.ts",
            "src/api.ts",
            "src/data.json",
            "src/db.json",
            "src/db.ts",
            "src/main.tsx"
        ]
    );
    assert_eq!(files["src/api.ts"], original_api_ts);
}

/// 500 files and 1 MB a file (UTF-8 bytes) → 413 naming the path; bad paths →
/// 422; in every case nothing is written.
#[tokio::test]
async fn limits_and_path_rules() {
    let server = Server::start();
    let api = server.admin().await;
    let id = api.create_app("Limits").await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // 1 MB exactly, counted in UTF-8 bytes (2 bytes a character), is accepted.
    let exactly = "é".repeat(524_288);
    let (status, out) = api
        .patch(&files_path(&id), json!({"files": {"src/big.txt": exactly}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let version = out["vfs_version"].as_i64().expect("version");

    // "./src/./x.ts" is stored as "src/x.ts".
    let (status, out) = api
        .patch(&files_path(&id), json!({"files": {"./src/./x.ts": "ok"}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["changed"], json!(["src/x.ts"]));
    assert_eq!(out["vfs_version"], version + 1);
    let version = version + 1;

    let over = format!("{}x", "é".repeat(524_288));
    let (status, out) = api
        .patch(
            &files_path(&id),
            json!({"files": {"src/too_big.txt": over}}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{out}");
    assert!(detail(&out).contains("src/too_big.txt"), "{out}");

    let many: serde_json::Map<String, Value> = (0..501)
        .map(|i| (format!("src/f{i}.ts"), json!("export {};\n")))
        .collect();
    let (status, out) = api
        .put(
            &format!("/api/v1/builder/apps/{id}/source"),
            json!({"files": many}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{out}");
    assert!(detail(&out).contains("500"), "{out}");

    // 500 of the app's own files is fine: the SDK files don't count.
    let five_hundred: serde_json::Map<String, Value> = (0..500)
        .map(|i| (format!("src/f{i}.ts"), json!("export {};\n")))
        .collect();
    let (status, out) = api
        .put(
            &format!("/api/v1/builder/apps/{id}/source"),
            json!({"files": five_hundred}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["vfs_version"], version + 1);
    let version = version + 1;
    let (status, out) = api
        .patch(&files_path(&id), json!({"files": {"src/one_more.ts": ""}}))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{out}");

    for bad in [
        "../escape.ts",
        "/etc/passwd",
        "src\\win.ts",
        "src//double.ts",
        "src/",
        "",
    ] {
        let (status, out) = api
            .patch(&files_path(&id), json!({"files": {bad: "x"}}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {out}");
        assert!(detail(&out).contains("Invalid path"), "{out}");
    }
    let (status, out) = api
        .delete(&files_path(&id), json!({"paths": ["src/../x"]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    let (status, out) = api
        .delete(&files_path(&id), json!({"paths": ["src/not_there.ts"]}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    assert!(detail(&out).contains("src/not_there.ts"), "{out}");
    assert_eq!(
        api.app(&id).await["vfs_version"],
        version,
        "a refused write must not add a version"
    );
}

/// Settings: PATCH, subdomain lookups and uniqueness, publish, the public
/// endpoint and check-access (spec 001 §17.3, §18.2).
#[tokio::test]
async fn settings_publish_and_public_info() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = admin.create_app("Kitchen").await;
    let (id, slug) = (
        app["id"].as_str().expect("id").to_owned(),
        app["slug"].as_str().expect("slug").to_owned(),
    );

    let (status, out) = admin
        .patch(
            &format!("/api/v1/builder/apps/{id}"),
            json!({"allow_anonymous_access": true, "access_mode": "external", "subdomain": "kitchen", "name": "Kitchen orders"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["allow_anonymous_access"], true);
    assert_eq!(out["access_mode"], "external");
    assert_eq!(admin.app("kitchen").await["id"], id.as_str());

    let other = admin.create_app("Other").await;
    let (status, out) = admin
        .patch(
            &format!("/api/v1/builder/apps/{}", other["id"].as_str().expect("id")),
            json!({"subdomain": "kitchen"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{out}");
    let (status, out) = admin
        .patch(
            &format!("/api/v1/builder/apps/{id}"),
            json!({"subdomain": "Bad Sub!"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    let (status, out) = admin
        .patch(
            &format!("/api/v1/builder/apps/{id}"),
            json!({"access_mode": "public"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");

    // Not published yet: the public endpoint does not know it.
    let anonymous = server.anonymous();
    let (status, _) = anonymous
        .get(&format!("/api/v1/builder/apps/public/{slug}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, check) = admin
        .get(&format!("/api/v1/builder/apps/check-access/{slug}"))
        .await;
    assert_eq!(check["has_access"], false);

    // A builder without builder.publish only files a request (202; see
    // publish.rs for the whole flow); the admin publishes at once.
    let builder = server.user("builder@test.local", "builder", None).await;
    let (status, out) = builder
        .post(
            &format!("/api/v1/builder/apps/{id}/publish"),
            json!({"published_assets": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{out}");
    assert_eq!(out["status"], "pending");
    let (status, out) = builder
        .post(
            &format!(
                "/api/v1/builder/apps/{id}/publish-requests/{}/cancel",
                out["id"].as_str().expect("id")
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, out) = admin
        .post(
            &format!("/api/v1/builder/apps/{id}/publish"),
            json!({"published_assets": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["status"], "published");
    assert_eq!(out["published_version"], 1);

    let (status, info) = anonymous
        .get(&format!("/api/v1/builder/apps/public/{slug}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(
        info,
        json!({"name": "Kitchen orders", "slug": slug, "subdomain": "kitchen", "tenant_logo_url": null})
    );
    let (_, check) = builder
        .get(&format!("/api/v1/builder/apps/check-access/{slug}"))
        .await;
    assert_eq!(check["has_access"], true);
    let outsider = server
        .user("outsider@test.local", "admin", Some("Another org"))
        .await;
    let (_, check) = outsider
        .get(&format!("/api/v1/builder/apps/check-access/{slug}"))
        .await;
    assert_eq!(check["has_access"], false);
    assert_eq!(check["reason"], "您的帳號不屬於此應用所屬的組織");

    // Delete removes the app.
    let (status, _) = admin
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/builder/apps/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = admin.get(&format!("/api/v1/builder/apps/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Another tenant's apps are invisible: listed nowhere, 404 on every route.
#[tokio::test]
async fn tenants_never_see_each_other() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = admin.create_app("Private").await;
    let id = app["id"].as_str().expect("id");
    let slug = app["slug"].as_str().expect("slug");

    let stranger = server
        .user("stranger@test.local", "admin", Some("Rival Inc"))
        .await;
    let (status, list) = stranger.get("/api/v1/builder/apps").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, json!([]));
    for key in [id, slug] {
        let (status, out) = stranger.get(&format!("/api/v1/builder/apps/{key}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
        let (status, _) = stranger
            .patch(&files_path(key), json!({"files": {"src/x.ts": "pwned"}}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = stranger
            .patch(
                &format!("/api/v1/builder/apps/{key}"),
                json!({"name": "pwned"}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = stranger
            .get(&format!("/api/v1/builder/apps/{key}/source/versions"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let app = admin.app(id).await;
    assert_eq!(app["vfs_version"], 1);
    assert_eq!(app["name"], "Private");
}
