//! File storage (spec 001 §15; issue 12 §4): uploads streamed to disk and
//! to S3 (moto on loopback) with the server's memory flat, the 100 MB cap
//! answered before the body is all read, signed URLs that appbox serves,
//! the path attacks, members' storage with their platform login, and the
//! per-tenant usage.
//!
//! Bodies are generated while they are sent and hashed while they are
//! read: the test holds no file in memory either.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::app_users::UserApp;
use crate::harness::{detail, read, Api, Server};

const MB: u64 = 1024 * 1024;
/// How far the server's resident memory may grow during an upload.
const RSS_SLACK: u64 = 20 * MB;
const BOUNDARY: &str = "appbox-test-boundary-7d1f";
const CHUNK: usize = 64 * 1024;

/// Byte `i` of a generated file: not constant, so a shifted or truncated
/// copy hashes differently.
fn byte_at(i: u64) -> u8 {
    ((i * 31) ^ (i >> 13)) as u8
}

/// The SHA-256 of a generated file of `size` bytes.
fn generated_hash(size: u64) -> String {
    let mut hasher = Sha256::new();
    let mut at = 0;
    let mut buffer = vec![0u8; CHUNK];
    while at < size {
        let n = CHUNK.min((size - at) as usize);
        for (k, b) in buffer[..n].iter_mut().enumerate() {
            *b = byte_at(at + k as u64);
        }
        hasher.update(&buffer[..n]);
        at += n as u64;
    }
    hex::encode(hasher.finalize())
}

/// A multipart form (`folder` after `file`, as the spec's FormData code
/// builds it) whose file of `size` bytes is generated as it is sent.
/// Returns the body and its length.
fn form(name: &str, mime: &str, size: u64, folder: Option<&str>) -> (reqwest::Body, u64) {
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
    );
    let mut tail = String::from("\r\n");
    if let Some(folder) = folder {
        tail.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"folder\"\r\n\r\n{folder}\r\n"
        ));
    }
    tail.push_str(&format!("--{BOUNDARY}--\r\n"));
    let length = head.len() as u64 + size + tail.len() as u64;
    let chunks = (0..size.div_ceil(CHUNK as u64)).map(move |c| {
        let start = c * CHUNK as u64;
        let end = (start + CHUNK as u64).min(size);
        Ok::<_, std::io::Error>((start..end).map(byte_at).collect::<Vec<u8>>())
    });
    let stream = futures_util::stream::iter(
        std::iter::once(Ok(head.into_bytes()))
            .chain(chunks)
            .chain(std::iter::once(Ok(tail.into_bytes()))),
    );
    (reqwest::Body::wrap_stream(stream), length)
}

/// Uploads a generated file; `with_length` sends `Content-Length` (else the
/// body is chunked and the server learns its size only by reading it).
async fn upload(
    api: &Api,
    app: Option<&str>,
    name: &str,
    mime: &str,
    size: u64,
    folder: Option<&str>,
    with_length: bool,
) -> (StatusCode, Value) {
    let (body, length) = form(name, mime, size, folder);
    let mut request = api
        .request(Method::POST, "/api/v1/ext/storage/upload")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body);
    if with_length {
        request = request.header("content-length", length);
    }
    if let Some(app) = app {
        request = request.header("X-App-Id", app);
    }
    read(request.send().await.expect("upload sent")).await
}

/// Sends a generated upload of `size` bytes over a raw connection and reads
/// the answer while the body is still going out (HTTP clients give up on
/// an answer that comes before their body is sent): (status, body, bytes of
/// the body sent by the time the answer came).
async fn refused_upload(
    server: &Server,
    api: &Api,
    size: u64,
    with_length: bool,
) -> (u16, String, u64) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = server.base.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.bin\"\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let framing = if with_length {
        format!(
            "Content-Length: {}",
            head.len() as u64 + size + tail.len() as u64
        )
    } else {
        "Transfer-Encoding: chunked".to_owned()
    };
    let request = format!(
        "POST /api/v1/ext/storage/upload HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n\r\n",
        api.token.as_deref().expect("token")
    );
    let sent = Arc::new(AtomicU64::new(0));
    let sending = {
        let sent = sent.clone();
        tokio::spawn(async move {
            writer.write_all(request.as_bytes()).await?;
            let mut at = 0u64;
            let piece = |bytes: Vec<u8>| {
                if with_length {
                    bytes
                } else {
                    let mut framed = format!("{:x}\r\n", bytes.len()).into_bytes();
                    framed.extend_from_slice(&bytes);
                    framed.extend_from_slice(b"\r\n");
                    framed
                }
            };
            writer.write_all(&piece(head.into_bytes())).await?;
            while at < size {
                let end = (at + CHUNK as u64).min(size);
                writer
                    .write_all(&piece((at..end).map(byte_at).collect()))
                    .await?;
                sent.store(end, Ordering::Relaxed);
                at = end;
            }
            writer.write_all(&piece(tail.into_bytes())).await?;
            if !with_length {
                writer.write_all(b"0\r\n\r\n").await?;
            }
            Ok::<_, std::io::Error>(())
        })
    };
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = reader.read(&mut buffer).await.expect("read the answer");
        answer.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&answer).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().expect("length"))
                })
                .unwrap_or(0);
            if body.len() >= length || n == 0 {
                let sent = sent.load(Ordering::Relaxed);
                sending.abort();
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .expect("status");
                return (status, body.to_owned(), sent);
            }
        }
        assert!(n > 0, "the connection closed without an answer: {text}");
    }
}

/// The largest VmRSS of a process while it is being watched, in bytes.
struct RssWatch {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kb * 1024
}

impl RssWatch {
    fn start(pid: u32) -> RssWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(rss(pid)));
        let thread = {
            let (stop, peak) = (stop.clone(), peak.clone());
            std::thread::spawn(move || {
                // The process is gone when the test failed and dropped it.
                while !stop.load(Ordering::Relaxed)
                    && std::path::Path::new(&format!("/proc/{pid}")).exists()
                {
                    peak.fetch_max(rss(pid), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };
        RssWatch {
            stop,
            peak,
            thread: Some(thread),
        }
    }

    fn peak(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().expect("watch thread");
        }
        self.peak.load(Ordering::Relaxed)
    }
}

/// Runs `work` and asserts the server's RSS never grew more than
/// [`RSS_SLACK`] above where it was before.
async fn with_flat_memory<T>(
    server: &Server,
    what: &str,
    work: impl std::future::Future<Output = T>,
) -> T {
    let before = rss(server.pid());
    let watch = RssWatch::start(server.pid());
    let out = work.await;
    let peak = watch.peak();
    eprintln!(
        "{what}: server RSS {:.1} MB before, peak {:.1} MB (+{:.1} MB)",
        before as f64 / MB as f64,
        peak as f64 / MB as f64,
        peak.saturating_sub(before) as f64 / MB as f64
    );
    assert!(
        peak <= before + RSS_SLACK,
        "{what}: the server's RSS grew from {before} to {peak} bytes"
    );
    out
}

/// Downloads a URL (no token) and hashes it as it arrives: (status,
/// headers, hash, length).
async fn fetch_hashed(url: &str) -> (StatusCode, reqwest::header::HeaderMap, String, u64) {
    let mut response = reqwest::get(url).await.expect("GET signed URL");
    let (status, headers) = (response.status(), response.headers().clone());
    let mut hasher = Sha256::new();
    let mut length = 0;
    while let Some(chunk) = response.chunk().await.expect("body") {
        length += chunk.len() as u64;
        hasher.update(&chunk);
    }
    (status, headers, hex::encode(hasher.finalize()), length)
}

async fn delete_file(api: &Api, path: &str) -> StatusCode {
    let (status, _) = api
        .call(
            Method::DELETE,
            &format!("/api/v1/ext/storage/file?path={}", encode(path)),
            None,
        )
        .await;
    status
}

async fn signed_url(api: &Api, app: Option<&str>, path: &str) -> (StatusCode, Value) {
    let mut request = api.request(
        Method::GET,
        &format!("/api/v1/ext/storage/url?path={}", encode(path)),
    );
    if let Some(app) = app {
        request = request.header("X-App-Id", app);
    }
    read(request.send().await.expect("send")).await
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// An app user of a new self-built app: (their API, the app's id).
async fn app_user(server: &Server, admin: &Api, name: &str) -> (Api, String) {
    let app = UserApp::integration(admin, name).await;
    let signed = app.register(server, &format!("{name}@example.com")).await;
    let token = signed["access_token"].as_str().expect("access_token");
    (server.anonymous().with_token(token), app.id)
}

/// The full cycle on whatever backend `server` has: a small file's shape,
/// list, URL and headers, then 150 MB refused and 90 MB stored with flat
/// memory, served back byte for byte, deleted. Returns the 90 MB file's
/// path as it was stored (deleted by then) and a call that deletes the app.
async fn full_cycle(server: &Server) -> (String, impl std::future::Future<Output = ()>) {
    let admin = server.admin().await;
    let (user, app_id) = app_user(server, &admin, "shop").await;

    let (status, small) = upload(
        &user,
        None,
        "invoice.pdf",
        "application/pdf",
        102_400,
        Some("receipts"),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{small}");
    let path = small["path"].as_str().expect("path").to_owned();
    let parts: Vec<&str> = path.split('/').collect();
    assert_eq!(parts.len(), 4, "{path}");
    assert_eq!(parts[1], app_id);
    assert_eq!(&parts[2..], ["receipts", "invoice.pdf"]);
    assert_eq!(small["bucket"], "files");
    assert_eq!(small["size"], 102_400);
    assert_eq!(small["mime_type"], "application/pdf");

    let (status, listed) = user
        .get("/api/v1/ext/storage/list?folder=receipts&limit=50&offset=0")
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["files"][0]["name"], "invoice.pdf");
    assert_eq!(listed["files"][0]["size"], 102_400);
    assert!(
        listed["files"][0]["updated_at"].as_str().is_some(),
        "{listed}"
    );
    let (_, top) = user.get("/api/v1/ext/storage/list").await;
    assert_eq!(top["count"], 0, "the top level holds no file: {top}");

    let (status, url) = signed_url(&user, None, &path).await;
    assert_eq!(status, StatusCode::OK, "{url}");
    assert_eq!(url["expires_in"], 3600);
    let url = url["url"].as_str().expect("url").to_owned();
    assert!(url.starts_with(&server.base), "{url}");
    let (status, headers, hash, length) = fetch_hashed(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(
        headers["content-disposition"],
        "inline; filename=\"invoice.pdf\"; filename*=UTF-8''invoice.pdf"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!((hash, length), (generated_hash(102_400), 102_400));

    // A warm-up of the big path (buffers, the store's client), then 150 MB:
    // refused at once when its length is declared, and as soon as the file
    // passes 100 MB when it is not.
    let (status, _) = upload(
        &user,
        None,
        "warm.bin",
        "application/octet-stream",
        12 * MB,
        None,
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for with_length in [true, false] {
        let started = Instant::now();
        let (status, body, sent) = with_flat_memory(
            server,
            &format!("150 MB upload (content-length: {with_length})"),
            refused_upload(server, &user, 150 * MB, with_length),
        )
        .await;
        assert_eq!(status, 413, "{body}");
        assert!(body.contains("100 MB"), "{body}");
        assert!(
            sent < 150 * MB,
            "answered before the body was all sent ({sent} bytes)"
        );
        if with_length {
            assert!(
                sent < 10 * MB,
                "a declared length is refused before the file is read ({sent} bytes)"
            );
        }
        eprintln!(
            "150 MB refused after {:?}, {:.1} MB sent",
            started.elapsed(),
            sent as f64 / MB as f64
        );
    }
    let (_, listed) = user.get("/api/v1/ext/storage/list").await;
    assert!(
        listed["files"]
            .as_array()
            .expect("files")
            .iter()
            .all(|f| f["name"] != "huge.bin"),
        "a refused upload is not stored: {listed}"
    );

    // 90 MB, past the global body limit this server was started with.
    let started = Instant::now();
    let (status, big) = with_flat_memory(
        server,
        "90 MB upload",
        upload(
            &user,
            None,
            "video.mp4",
            "video/mp4",
            90 * MB,
            Some("media/2026"),
            false,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{big}");
    eprintln!("90 MB stored in {:?}", started.elapsed());
    assert_eq!(big["size"], 90 * MB);
    let big_path = big["path"].as_str().expect("path").to_owned();
    assert!(
        big_path.ends_with(&format!("{app_id}/media/2026/video.mp4")),
        "{big_path}"
    );
    let (_, url) = signed_url(&user, None, &big_path).await;
    let url = url["url"].as_str().expect("url").to_owned();
    let (status, headers, hash, length) =
        with_flat_memory(server, "90 MB download", fetch_hashed(&url)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "video/mp4");
    assert!(headers["content-disposition"]
        .to_str()
        .expect("ascii")
        .starts_with("inline; filename=\"video.mp4\""));
    assert_eq!(length, 90 * MB);
    assert_eq!(
        hash,
        generated_hash(90 * MB),
        "the served bytes are the uploaded ones"
    );
    assert_eq!(headers["accept-ranges"], "bytes");
    check_byte_ranges(&url, 90 * MB).await;

    // The builder sees the tenant's storage.
    let (status, usage) = admin.get("/api/v1/builder/storage/usage").await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    assert_eq!(usage["total_bytes"], 102_400 + 12 * MB + 90 * MB, "{usage}");
    assert_eq!(usage["file_count"], 3);
    assert_eq!(usage["by_app"][0]["app_id"], app_id);

    // Delete: gone from the list, the URL and the usage.
    let status = delete_file(&user, &big_path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, listed) = user.get("/api/v1/ext/storage/list?folder=media/2026").await;
    assert_eq!(listed["count"], 0, "{listed}");
    let (status, _, _, _) = fetch_hashed(&url).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = signed_url(&user, None, &big_path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let status = delete_file(&user, &big_path).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a second delete finds nothing"
    );
    let (_, usage) = admin.get("/api/v1/builder/storage/usage").await;
    assert_eq!(usage["total_bytes"], 102_400 + 12 * MB, "{usage}");
    let delete_app = async move {
        let (status, body) = admin
            .call(
                Method::DELETE,
                &format!("/api/v1/integrations/{app_id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (_, usage) = admin.get("/api/v1/builder/storage/usage").await;
        assert_eq!(usage["total_bytes"], 0, "{usage}");
    };
    (big_path, delete_app)
}

/// A player seeking or a resumed download: one byte range is a 206 with
/// exactly those bytes; an open or suffix range is cut at the end; several
/// ranges get the whole file; a range past the end is a 416 that names
/// the size.
async fn check_byte_ranges(url: &str, size: u64) {
    let ranged = |range: String| async move {
        let response = reqwest::Client::new()
            .get(url)
            .header("range", range)
            .send()
            .await
            .expect("GET with Range");
        let status = response.status();
        let headers = response.headers().clone();
        (
            status,
            headers,
            response.bytes().await.expect("body").to_vec(),
        )
    };
    let middle = size / 2 + 7;
    for (range, first, last) in [
        (
            format!("bytes={middle}-{}", middle + 99),
            middle,
            middle + 99,
        ),
        (format!("bytes={}-", size - 10), size - 10, size - 1),
        ("bytes=-5".to_owned(), size - 5, size - 1),
        (
            format!("bytes={}-{}", size - 3, size + 1000),
            size - 3,
            size - 1,
        ),
    ] {
        let (status, headers, body) = ranged(range.clone()).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            headers["content-range"],
            format!("bytes {first}-{last}/{size}").as_str(),
            "{range}"
        );
        assert_eq!(
            body,
            (first..=last).map(byte_at).collect::<Vec<u8>>(),
            "{range}"
        );
    }
    let (status, headers, _) = ranged(format!("bytes={size}-")).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(headers["content-range"], format!("bytes */{size}").as_str());
    let (status, headers, _) = ranged("bytes=0-0,5-5".to_owned()).await;
    assert_eq!(status, StatusCode::OK, "several ranges: the whole file");
    assert_eq!(headers["content-length"], size.to_string().as_str());
}

/// Files left anywhere under `dir` (staging included), as paths relative to it.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(
                    path.strip_prefix(dir)
                        .expect("under dir")
                        .display()
                        .to_string(),
                );
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn uploads_stream_to_disk_with_flat_memory_and_signed_urls_serve_them() {
    // A global body limit far below the files: uploads are not cut by it.
    let server = Server::start_with(&[("APPBOX_MAX_BODY_BYTES", "1048576")]);
    let (deleted, delete_app) = full_cycle(&server).await;
    let on_disk = files_under(&server.data_dir().join("files"));
    assert_eq!(
        on_disk.len(),
        2,
        "the small file and the warm-up, nothing staged: {on_disk:?}"
    );
    assert!(
        on_disk.iter().all(|f| !f.contains(".uploads")),
        "{on_disk:?}"
    );
    assert!(!on_disk.contains(&deleted), "{on_disk:?}");
    let small = on_disk
        .iter()
        .find(|f| f.ends_with("receipts/invoice.pdf"))
        .expect("invoice on disk");
    assert_eq!(
        std::fs::metadata(server.data_dir().join("files").join(small))
            .expect("stat")
            .len(),
        102_400
    );
    // Deleting the app deletes its files.
    delete_app.await;
    let on_disk = files_under(&server.data_dir().join("files"));
    assert!(on_disk.is_empty(), "{on_disk:?}");
}

#[tokio::test]
async fn signed_urls_expire_and_refuse_tampering() {
    let server = Server::start();
    let admin = server.admin().await;
    let (user, _) = app_user(&server, &admin, "shop").await;
    let (status, file) = upload(&user, None, "a.txt", "text/plain", 10, None, true).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    let path = file["path"].as_str().expect("path").to_owned();
    let (_, url) = signed_url(&user, None, &path).await;
    let url = url["url"].as_str().expect("url").to_owned();
    let (status, ..) = fetch_hashed(&url).await;
    assert_eq!(status, StatusCode::OK);

    let signature = url
        .rsplit_once("signature=")
        .expect("signature")
        .1
        .to_owned();
    let mut flipped = signature.clone().into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    let tampered = [
        url.replace(&signature, &String::from_utf8(flipped).expect("hex")),
        url.replace("expires=", "expires=9"),
        url.replace("a.txt", "b.txt"),
        url.replace(&format!("&signature={signature}"), ""),
    ];
    for bad in &tampered {
        let response = reqwest::get(bad).await.expect("GET");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            status == StatusCode::FORBIDDEN
                || (status == StatusCode::BAD_REQUEST && body["detail"].is_string()),
            "{bad}: {status} {body}"
        );
    }

    // A URL signed with the server's key whose time is up.
    let key: [u8; 32] = {
        let mut hasher = Sha256::new();
        hasher.update(b"appbox storage urls\0");
        hasher.update(server.jwt_secret().as_bytes());
        hasher.finalize().into()
    };
    let expires = chrono::Utc::now().timestamp() - 1;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{expires}\n{path}").as_bytes());
    let expired = format!(
        "{}/api/v1/storage/object?path={}&expires={expires}&signature={}",
        server.base,
        encode(&path),
        hex::encode(mac.finalize().into_bytes())
    );
    let response = reqwest::get(&expired).await.expect("GET");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.expect("json");
    assert!(detail(&body).contains("expired"), "{body}");
}

#[tokio::test]
async fn paths_outside_the_callers_app_are_refused() {
    let server = Server::start();
    let admin = server.admin().await;
    let (user, app_id) = app_user(&server, &admin, "shop").await;
    let (neighbour, _) = app_user(&server, &admin, "neighbour").await;
    let stranger_admin = server
        .user("boss@other.test", "admin", Some("Other Co"))
        .await;
    let (stranger, _) = app_user(&server, &stranger_admin, "stranger").await;

    let (status, mine) = upload(
        &user,
        None,
        "secret.pdf",
        "application/pdf",
        1000,
        Some("private"),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let mine = mine["path"].as_str().expect("path").to_owned();
    let tenant = mine.split('/').next().expect("tenant").to_owned();
    let (status, theirs) = upload(
        &neighbour,
        None,
        "theirs.pdf",
        "application/pdf",
        1000,
        None,
        true,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{theirs}");
    let theirs = theirs["path"].as_str().expect("path").to_owned();

    // Another app's or another tenant's file: 403, whether it exists or not.
    for (who, path) in [
        (&neighbour, mine.clone()),
        (&stranger, mine.clone()),
        (&user, theirs.clone()),
        (
            &user,
            format!("{tenant}/{}/private/nothing.pdf", uuid_like()),
        ),
    ] {
        let (status, body) = signed_url(who, None, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "url {path}: {body}");
        let status = delete_file(who, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "delete {path}");
    }
    // Traversal, plain and encoded, in every place a path goes.
    let prefix = format!("{tenant}/{app_id}");
    for path in [
        format!("{prefix}/../{}", theirs.split('/').nth(1).expect("app")),
        format!("{prefix}/private/../../../etc/passwd"),
        format!("{prefix}/./private/secret.pdf"),
        "../../etc/passwd".to_owned(),
        format!("{prefix}/private\\..\\secret.pdf"),
    ] {
        let (status, body) = signed_url(&user, None, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
    for raw in [
        format!("{prefix}/%2e%2e/%2e%2e/x"),
        format!("{prefix}%2F..%2F..%2Fx"),
    ] {
        let (status, body) = user
            .get(&format!("/api/v1/ext/storage/url?path={raw}"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{raw}: {body}");
    }
    for folder in ["..", "a/../../b", "%2e%2e"] {
        let (status, body) = user
            .get(&format!("/api/v1/ext/storage/list?folder={folder}"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "list {folder}: {body}");
    }
    let (status, body) = upload(
        &user,
        None,
        "x.txt",
        "text/plain",
        10,
        Some("../../other"),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = upload(&user, None, "../x.txt", "text/plain", 10, None, true).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = upload(
        &user,
        None,
        &"long".repeat(70),
        "text/plain",
        10,
        None,
        true,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Lists show the caller's app only.
    let (_, listed) = neighbour
        .get("/api/v1/ext/storage/list?folder=private")
        .await;
    assert_eq!(listed["count"], 0, "{listed}");
    // No token, a platform token without an app, a bad token: no storage.
    let (status, _) = upload(
        &server.anonymous(),
        None,
        "x.txt",
        "text/plain",
        10,
        None,
        true,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = upload(&admin, None, "x.txt", "text/plain", 10, None, true).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(detail(&body).contains("X-App-Id"), "{body}");
    let (status, _) = upload(
        &server.anonymous().with_token("nope"),
        None,
        "x.txt",
        "text/plain",
        10,
        None,
        true,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A builder of another tenant naming this tenant's app: 404.
    let (status, _) = upload(
        &stranger_admin,
        Some(&app_id),
        "x.txt",
        "text/plain",
        10,
        None,
        true,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Not a form.
    let (status, body) = user
        .post("/api/v1/ext/storage/upload", json!({"file": "x"}))
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    // The tenant's usage is its own.
    let (_, usage) = stranger_admin.get("/api/v1/builder/storage/usage").await;
    assert_eq!(usage["total_bytes"], 0, "{usage}");
}

fn uuid_like() -> String {
    "00000000-0000-4000-8000-000000000000".to_owned()
}

#[tokio::test]
async fn internal_app_members_use_storage_with_their_platform_login() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = admin.create_app("Orders").await;
    let app_id = app["id"].as_str().expect("id").to_owned();
    let (status, body) = admin
        .post(
            &format!("/api/v1/builder/apps/{app_id}/publish"),
            json!({"published_assets": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let draft = admin.create_app("Draft").await;
    let draft = draft["id"].as_str().expect("id").to_owned();
    let member = server.user("member@test.local", "member", None).await;

    let (status, file) = upload(
        &member,
        Some(&app_id),
        "photo.png",
        "image/png",
        2048,
        Some("photos"),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{file}");
    let path = file["path"].as_str().expect("path").to_owned();
    assert!(path.contains(&format!("/{app_id}/photos/")), "{path}");
    // The builder sees the same file through the same routes.
    let (status, listed) = admin
        .call(
            Method::GET,
            &format!("/api/v1/ext/storage/list?folder=photos&app_id={app_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["files"][0]["name"], "photo.png");
    let (status, url) = signed_url(&member, Some(&app_id), &path).await;
    assert_eq!(status, StatusCode::OK, "{url}");
    let (status, headers, hash, _) = fetch_hashed(url["url"].as_str().expect("url")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(hash, generated_hash(2048));
    // The spec's snippet sends only the token: from the app's page, its
    // Referer names the app.
    let slug = app["slug"].as_str().expect("slug");
    let (body, _) = form("from-page.txt", "text/plain", 3, None);
    let response = member
        .request(Method::POST, "/api/v1/ext/storage/upload")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(
            "referer",
            format!("{}/runtime/{slug}?route=%2F", server.base),
        )
        .body(body)
        .send()
        .await
        .expect("upload");
    let (status, file) = read(response).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert!(
        file["path"]
            .as_str()
            .expect("path")
            .ends_with(&format!("{app_id}/from-page.txt")),
        "{file}"
    );
    // An app the member may not open (not published): 404, as on /data.
    let (status, _) = upload(&member, Some(&draft), "x.png", "image/png", 10, None, true).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// An S3-compatible server (moto) on a free loopback port, killed on drop.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    fn start() -> Moto {
        let installed = Command::new("python3")
            .args(["-c", "import moto.server"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(
            installed,
            "the S3 storage test needs moto's server: python3 -m pip install 'moto[server]==5.2.1' (scripts/test.sh installs it)"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto did not start listening on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn uploads_stream_to_s3_with_flat_memory() {
    let moto = Moto::start();
    let client = reqwest::Client::new();
    let created = client
        .put(format!("{}/appbox-files", moto.endpoint))
        .send()
        .await
        .expect("create bucket");
    assert!(created.status().is_success(), "{}", created.status());
    let server = Server::start_with(&[
        ("APPBOX_MAX_BODY_BYTES", "1048576"),
        ("APPBOX_S3_BUCKET", "appbox-files"),
        ("APPBOX_S3_ENDPOINT", &moto.endpoint),
        ("APPBOX_S3_REGION", "us-east-1"),
        ("APPBOX_S3_ACCESS_KEY_ID", "test"),
        ("APPBOX_S3_SECRET_ACCESS_KEY", "test"),
    ]);
    let (deleted, delete_app) = full_cycle(&server).await;
    // The bucket holds the files (not the data dir), and not the deleted one.
    let listing = client
        .get(format!("{}/appbox-files?list-type=2", moto.endpoint))
        .send()
        .await
        .expect("list bucket")
        .text()
        .await
        .expect("xml");
    assert!(listing.contains("receipts/invoice.pdf"), "{listing}");
    assert!(!listing.contains(&deleted), "{listing}");
    assert!(
        !listing.contains(".uploads"),
        "nothing left staged: {listing}"
    );
    assert!(files_under(&server.data_dir().join("files")).is_empty());
    delete_app.await;
    let listing = client
        .get(format!("{}/appbox-files?list-type=2", moto.endpoint))
        .send()
        .await
        .expect("list bucket")
        .text()
        .await
        .expect("xml");
    assert!(
        !listing.contains("<Key>"),
        "the app's files went with it: {listing}"
    );
}
