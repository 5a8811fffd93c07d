//! The web client as the server serves it: the page at each client route
//! with a strict Content-Security-Policy, hashed assets cached for good,
//! and the API's JSON errors untouched for paths the client does not claim.

use capsule_server_harness as common;

use common::TestServer;

const CLIENT_ROUTES: &[&str] = &[
    "/",
    "/home",
    "/directory",
    "/channel/general",
    "/channel/general/thread/abc123",
    "/group/secret-plans",
    "/direct/rocket.cat",
    "/direct/aBcD1234",
    "/admin/apps",
];

async fn fetch(server: &TestServer, path: &str) -> reqwest::Response {
    server
        .http
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .expect("the server answers")
}

#[tokio::test]
async fn every_client_route_gets_the_page_with_a_strict_content_security_policy() {
    let server = TestServer::start().await;
    for path in CLIENT_ROUTES {
        let response = fetch(&server, path).await;
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(header("content-type"), "text/html; charset=utf-8", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("cache-control"), "no-cache", "{path}");
        let csp = header("content-security-policy");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{path}: {csp}"
        );
        let body = response.text().await.expect("a body");
        if capsule_server::web::client_built() {
            assert!(body.contains(r#"<div id="app">"#), "{path}: {body}");
            assert!(!body.contains("<script>"), "no inline script: {body}");
        } else {
            assert!(
                body.contains("built without its web client"),
                "{path}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn hashed_assets_are_cached_for_good_and_unknown_ones_are_404() {
    let server = TestServer::start().await;
    if !capsule_server::web::client_built() {
        return;
    }
    let page = fetch(&server, "/").await.text().await.expect("the page");
    let script = page
        .split('"')
        .find(|part| part.starts_with("/assets/") && part.ends_with(".js"))
        .unwrap_or_else(|| panic!("the page names its script: {page}"));
    let response = fetch(&server, script).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(!response.bytes().await.expect("the script").is_empty());

    let missing = fetch(&server, "/assets/index-00000000.js").await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn unknown_api_paths_keep_their_json_errors() {
    let server = TestServer::start().await;
    for path in [
        "/api/v1/no.such.endpoint",
        "/api/nothing",
        "/api/v1/channel/general",
        "/no-such-page",
    ] {
        server.get(path, None).await.fails(404, "error-not-found");
    }
}
