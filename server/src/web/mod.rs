//! The web client, served from the binary: `index.html` for each of the
//! client's routes (Rocket.Chat's URL shapes: `/home`, `/channel/<name>`,
//! `/group/<name>`, `/direct/<id or username>`, `/directory`, `/admin/...`),
//! its hashed assets with long cache lifetimes, and a strict
//! Content-Security-Policy. The client itself (`server/web`) talks to the
//! server only through the public REST and DDP APIs.
//!
//! Paths it does not claim fall through to the API's JSON 404, so an
//! unknown `/api/...` path keeps its Rocket.Chat error. A binary built
//! without Node.js serves a page at `/` that says how to get the client.

mod assets;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub use assets::client_built;

/// No inline script or style, no `eval`, nothing loaded from elsewhere
/// but images an app links (`https:`); the page may not be framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: https:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Vite names every file under `/assets/` after a hash of its content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The client's paths. Every route gets the same page; the client reads
/// the path.
const CLIENT_ROUTES: &[&str] = &[
    "/",
    "/home",
    "/login",
    "/directory",
    "/directory/{*rest}",
    "/channel/{*rest}",
    "/group/{*rest}",
    "/direct/{*rest}",
    "/admin",
    "/admin/{*rest}",
];

/// The web client's routes, to merge into the server's router.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let mut router = Router::new()
        .route("/assets/{*file}", get(asset))
        .route("/favicon.svg", get(favicon));
    for route in CLIENT_ROUTES {
        router = router.route(route, get(page));
    }
    router
}

async fn page() -> Response {
    let body = match assets::find("/index.html") {
        Some(index) => index.bytes,
        None => NOT_BUILT_PAGE.as_bytes(),
    };
    // The page names the current hashed assets: always ask again.
    secured(body, "text/html; charset=utf-8", "no-cache")
}

async fn asset(Path(file): Path<String>) -> Response {
    match assets::find(&format!("/assets/{file}")) {
        Some(found) => secured(found.bytes, found.content_type, IMMUTABLE),
        None => (StatusCode::NOT_FOUND, "no such file in the web client").into_response(),
    }
}

async fn favicon() -> Response {
    match assets::find("/favicon.svg") {
        Some(found) => secured(found.bytes, found.content_type, "public, max-age=86400"),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn secured(body: &'static [u8], content_type: &'static str, cache: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// What `/` says when the binary was built without Node.js.
const NOT_BUILT_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Capsule</title></head>
<body>
<h1>Capsule is running</h1>
<p>This server was built without its web client, because Node.js 20.19 or newer (with npm) was not found when it was compiled.</p>
<p>To get the client, install Node.js 20.19+ and rebuild: <code>cargo run --release -p capsule-server</code>. The build runs <code>npm ci</code> and Vite by itself.</p>
<p>The REST API (<code>/api/v1/</code>) and the real-time API (<code>/websocket</code>) work without it: any Rocket.Chat client or bot can connect.</p>
</body>
</html>
"#;
