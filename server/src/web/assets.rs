//! The files of the built web client, embedded in the binary by
//! `build.rs` (a generated table of `include_bytes!`), and their types.

mod built {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

/// An embedded file.
#[derive(Clone, Copy, Debug)]
pub struct Asset {
    /// The file's bytes.
    pub bytes: &'static [u8],
    /// Its `Content-Type`.
    pub content_type: &'static str,
}

/// The file served at `path` (`/index.html`, `/assets/index-3f9a.js`).
pub fn find(path: &str) -> Option<Asset> {
    built::FILES
        .iter()
        .find(|(file, _)| *file == path)
        .map(|(file, bytes)| Asset {
            bytes,
            content_type: content_type(file),
        })
}

/// Whether the client was built into this binary.
pub fn client_built() -> bool {
    find("/index.html").is_some()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("json" | "map") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
