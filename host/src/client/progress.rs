//! Progress bars for long transfers (indicatif), on stderr: only for a
//! body of [`SHOWN_FROM_BYTES`] or more, only when stderr is a terminal
//! (indicatif hides the bar otherwise) and never with `--json`. Output
//! for scripts and pipes is unchanged.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use futures_util::Stream;
use indicatif::{ProgressBar, ProgressStyle};

/// Smaller bodies take no time worth a bar.
const SHOWN_FROM_BYTES: u64 = 512 * 1024;
/// The pieces an upload is sent in, each one a step of its bar.
const CHUNK_BYTES: usize = 64 * 1024;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether this command may draw bars (not with `--json`).
pub(crate) fn enable(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// A bar for `total` bytes (`what`: "Sending", "Receiving"); a hidden one
/// when no bar is wanted.
pub(crate) fn bytes(what: &'static str, total: u64) -> ProgressBar {
    if !ENABLED.load(Ordering::Relaxed) || total < SHOWN_FROM_BYTES {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "{msg:9} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
    )
    .map_or_else(
        |_| ProgressStyle::default_bar(),
        |s| s.progress_chars("=> "),
    );
    ProgressBar::new(total).with_style(style).with_message(what)
}

/// `body` as a stream of chunks that advance `bar` as they are sent.
pub(crate) fn upload(
    body: Bytes,
    bar: ProgressBar,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    let len = body.len();
    futures_util::stream::iter((0..len).step_by(CHUNK_BYTES).map(move |start| {
        let end = (start + CHUNK_BYTES).min(len);
        bar.inc((end - start) as u64);
        if end == len {
            bar.finish_and_clear();
        }
        Ok(body.slice(start..end))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[tokio::test]
    async fn small_bodies_and_json_get_no_bar_and_uploads_keep_every_byte() {
        enable(false);
        assert!(bytes("Sending", 10 * SHOWN_FROM_BYTES).is_hidden());
        enable(true);
        assert!(bytes("Sending", SHOWN_FROM_BYTES - 1).is_hidden());
        let body: Bytes = (0..200_000u32).map(|i| i as u8).collect::<Vec<u8>>().into();
        let sent: Vec<u8> = upload(body.clone(), ProgressBar::hidden())
            .map(|chunk| chunk.unwrap_or_else(|e| match e {}))
            .collect::<Vec<Bytes>>()
            .await
            .concat();
        assert_eq!(sent, body);
    }
}
