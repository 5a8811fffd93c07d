//! What the apps admin API tests share: packages of the test apps with
//! their manifests edited (versions, permissions, settings) and signed by a
//! publisher, and the admin calls the harness has no helper for (multipart
//! uploads, DELETE).
#![allow(dead_code)]

use capsule_package::{self as package, Files, MANIFEST_FILE};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::apps_support::{Publisher, files_of, guest};
use crate::common::{Answer, Session, TestServer};

/// The files of test app `name` with its manifest changed by `edit`.
pub fn edited(name: &str, edit: impl FnOnce(&mut Value)) -> Files {
    let mut files = files_of(guest(name));
    let mut manifest: Value =
        serde_json::from_slice(&files[MANIFEST_FILE]).expect("the manifest is JSON");
    edit(&mut manifest);
    files.insert(
        MANIFEST_FILE.to_owned(),
        serde_json::to_vec(&manifest).expect("JSON"),
    );
    files
}

/// `files` as a package zip signed by `publisher`.
pub fn signed_zip(publisher: &Publisher, files: &Files) -> Vec<u8> {
    package::build(&package::sign(files, &publisher.key)).expect("the package zip is built")
}

/// Test app `name` as it is, signed by `publisher`.
pub fn signed(publisher: &Publisher, name: &str) -> Vec<u8> {
    signed_zip(publisher, &files_of(guest(name)))
}

/// Test app `name` at `version`, signed by `publisher`.
pub fn signed_version(publisher: &Publisher, name: &str, version: &str) -> Vec<u8> {
    signed_zip(publisher, &edited(name, |m| m["version"] = json!(version)))
}

/// `files` as an unsigned package zip.
pub fn unsigned_zip(files: &Files) -> Vec<u8> {
    package::build(files).expect("the package zip is built")
}

/// A server that trusts `publisher` and has no apps configured.
pub async fn trusting(publisher: &Publisher) -> TestServer {
    let key = publisher.public_key_file.clone();
    TestServer::start_configured(move |config| config.trusted_keys = vec![key]).await
}

fn signed_in(
    request: reqwest::RequestBuilder,
    session: Option<&Session>,
) -> reqwest::RequestBuilder {
    match session {
        Some(session) => request
            .header("X-Auth-Token", &session.token)
            .header("X-User-Id", &session.user_id),
        None => request,
    }
}

/// A multipart form with `package` as the field `app` and, if given,
/// `permissions`.
fn form(package: Vec<u8>, permissions: Option<&str>) -> Form {
    let part = Part::bytes(package)
        .file_name("app.zip")
        .mime_str("application/zip")
        .expect("a MIME type");
    let form = Form::new().part("app", part);
    match permissions {
        Some(permissions) => form.text("permissions", permissions.to_owned()),
        None => form,
    }
}

/// `POST /api/apps` with `package` (and `permissions`) as `session`.
pub async fn upload(
    server: &TestServer,
    session: Option<&Session>,
    package: Vec<u8>,
    permissions: Option<&str>,
) -> Answer {
    let request = server
        .http
        .post(format!("{}/api/apps", server.base))
        .multipart(form(package, permissions));
    TestServer::answer(signed_in(request, session)).await
}

/// `POST /api/apps/{id}` (an update) with `package` as `session`.
pub async fn update(
    server: &TestServer,
    session: Option<&Session>,
    id: &str,
    package: Vec<u8>,
    permissions: Option<&str>,
) -> Answer {
    let request = server
        .http
        .post(format!("{}/api/apps/{id}", server.base))
        .multipart(form(package, permissions));
    TestServer::answer(signed_in(request, session)).await
}

/// `POST /api/apps/trusted-keys` with `key_file` as the body, declared
/// JSON, as `curl --data-binary @key.pub.json` sends it.
pub async fn trust_file_as_body(server: &TestServer, session: &Session, key_file: &[u8]) -> Answer {
    let request = server
        .http
        .post(format!("{}/api/apps/trusted-keys", server.base))
        .header("content-type", "application/json")
        .body(key_file.to_vec());
    TestServer::answer(signed_in(request, Some(session))).await
}

/// `POST /api/apps/trusted-keys` with `key_file` uploaded as the
/// multipart field `field`, as `curl -F key=@key.pub.json` sends it.
pub async fn trust_file_uploaded(
    server: &TestServer,
    session: &Session,
    field: &str,
    key_file: &[u8],
) -> Answer {
    let part = Part::bytes(key_file.to_vec())
        .file_name("key.pub.json")
        .mime_str("application/json")
        .expect("a MIME type");
    let request = server
        .http
        .post(format!("{}/api/apps/trusted-keys", server.base))
        .multipart(Form::new().part(field.to_owned(), part));
    TestServer::answer(signed_in(request, Some(session))).await
}

/// `DELETE path` as `session`.
pub async fn delete(server: &TestServer, path: &str, session: Option<&Session>) -> Answer {
    let request = server.http.delete(format!("{}{path}", server.base));
    TestServer::answer(signed_in(request, session)).await
}

/// `POST /api/apps/{id}/status` enabling or disabling the app.
pub async fn set_enabled(server: &TestServer, admin: &Session, id: &str, enabled: bool) -> Answer {
    let status = if enabled {
        "manually_enabled"
    } else {
        "manually_disabled"
    };
    server
        .post(
            &format!("/api/apps/{id}/status"),
            json!({"status": status}),
            Some(admin),
        )
        .await
}

/// Uploads `package` granting all it asks and enables it; answers the app.
pub async fn install(server: &TestServer, admin: &Session, package: Vec<u8>) -> Value {
    let uploaded = upload(server, Some(admin), package, Some("all")).await.ok();
    let id = uploaded["app"]["id"]
        .as_str()
        .expect("an app id")
        .to_owned();
    set_enabled(server, admin, &id, true).await.ok()["app"].clone()
}

/// `GET /api/apps/{id}`'s app.
pub async fn app(server: &TestServer, admin: &Session, id: &str) -> Value {
    server
        .get(&format!("/api/apps/{id}"), Some(admin))
        .await
        .ok()["app"]
        .clone()
}

/// The audit entries of `app`, newest first.
pub async fn audit_of(server: &TestServer, admin: &Session, app: &str) -> Vec<Value> {
    server
        .get(&format!("/api/apps/audit?app={app}&count=100"), Some(admin))
        .await
        .ok()["entries"]
        .as_array()
        .expect("entries")
        .clone()
}

/// The actions of `entries`, oldest first.
pub fn actions(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Posts `text` to `room` as `who`; answers the stored message's text.
pub async fn say(server: &TestServer, who: &Session, room: &str, text: &str) -> String {
    server.say(who, room, text).await["msg"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
