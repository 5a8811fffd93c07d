//! The server's apps admin API (`/api/apps`), as `deploy` uses it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::body::ProgressBody;
use super::view::AppView;

/// A refused or failed call, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server could not be reached.
    #[error("cannot reach {url} (is the server running, and is --server right?)")]
    Unreachable { url: String, source: reqwest::Error },
    /// The server answered with an error.
    #[error("{}", explain(*.status, .error_type, .message, .url))]
    Refused {
        status: StatusCode,
        error_type: String,
        message: String,
        url: String,
    },
    /// A success whose body is not what the apps API answers.
    #[error("{url} answered {status} with an unexpected body ({reason}): {body}")]
    Unexpected {
        url: String,
        status: StatusCode,
        reason: String,
        body: String,
    },
}

impl ApiError {
    /// The server's `errorType`, when it refused.
    pub fn error_type(&self) -> Option<&str> {
        match self {
            ApiError::Refused { error_type, .. } => Some(error_type),
            _ => None,
        }
    }
}

/// What to tell the developer about an error answer: what happened, in the
/// server's words, and what to do.
pub fn explain(status: StatusCode, error_type: &str, message: &str, url: &str) -> String {
    let said = if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    };
    match (status.as_u16(), error_type) {
        (401, _) => format!(
            "the server refused the credentials{said}; check --user-id and --token \
             (CAPSULE_USER_ID, CAPSULE_AUTH_TOKEN): an admin's user id and auth or personal access token"
        ),
        (403, _) => {
            format!("this user may not administer apps{said}; deploy with an admin's credentials")
        }
        (404, "error-app-key-not-found") => {
            format!("the server trusts no such key{said}; `capsule-app trust list` shows them")
        }
        (404, "error-app-not-found") => format!("the server has no such app{said}"),
        (404, _) => {
            format!("{url} does not exist (404); is --server a Capsule server with the apps API?")
        }
        (413, _) => format!(
            "the server does not accept a package this large (413){said}; make the package \
             smaller (assets, a release build) or ask the admin about the server's package limit"
        ),
        (_, "error-app-downgrade") => format!(
            "the server refuses the update{said}; raise `version` in manifest.json above the \
             installed one and build again"
        ),
        (_, "error-app-invalid-package") => format!("the server refused the package{said}"),
        (_, "error-app-refused") if message.contains("key") || message.contains("signed") => {
            format!(
                "the server refuses to run the app{said}; an admin must trust your publisher key \
                 (`capsule-app trust add KEY.pub.json`, or the server's --trusted-key)"
            )
        }
        (_, "error-app-refused") => format!("the server refuses to run the app{said}"),
        (_, "error-app-missing-grants") => format!(
            "the grant leaves capabilities the app's component uses ungranted{said}; grant \
             them too (or `--grant all`)"
        ),
        (_, "error-app-not-requested") => {
            format!("the grant names something the app does not ask for{said}")
        }
        (_, "error-app-invalid-settings") => format!(
            "the app cannot be enabled until its settings are valid{said}; set them \
             (POST /api/apps/ID/settings) and enable it"
        ),
        (_, "error-app-already-installed") => format!("the app is already installed{said}"),
        (_, "error-app-invalid-key") => format!("the server refused the key{said}"),
        (_, "error-app-reserved-id") => format!(
            "the app's id is reserved by the server{said}; choose another `id` in manifest.json"
        ),
        (500..=599, _) => format!("the server failed ({status}){said}; its log says why"),
        (_, "") => format!("the server refused ({status}){said}"),
        (_, kind) => format!("the server refused ({status}, {kind}){said}"),
    }
}

/// The server's message without the ` [errorType]` Rocket.Chat appends.
fn message_of(body: &Value, error_type: &str) -> String {
    let text = body
        .get("error")
        .and_then(Value::as_str)
        .or_else(|| body.get("message").and_then(Value::as_str))
        .unwrap_or_default();
    let suffix = format!(" [{error_type}]");
    text.strip_suffix(suffix.as_str())
        .unwrap_or(text)
        .to_string()
}

/// An admin's session with one server.
pub struct AdminClient {
    http: reqwest::Client,
    base: String,
    user_id: String,
    token: String,
}

impl AdminClient {
    /// A client for the server at `base` with an admin's credentials.
    pub fn new(base: &str, user_id: &str, token: &str) -> AdminClient {
        AdminClient {
            http: reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(15))
                .build()
                .expect("a default HTTP client builds"),
            base: base.trim_end_matches('/').to_string(),
            user_id: user_id.to_string(),
            token: token.to_string(),
        }
    }

    /// `GET /api/apps/{id}`: the installed app, or `None` when the server
    /// has none with that id.
    pub async fn app(&self, id: &str) -> Result<Option<AppView>, ApiError> {
        match self
            .call(Method::GET, &format!("/api/apps/{id}"), None)
            .await
        {
            Ok(body) => Ok(Some(app_of(body)?)),
            Err(e) if e.error_type() == Some("error-app-not-found") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Uploads `package` as a new app (`POST /api/apps`) or as an update of
    /// the installed `update` (`POST /api/apps/{id}`); `body` counts the
    /// bytes as they are sent.
    pub async fn upload(
        &self,
        update: Option<&str>,
        file_name: &str,
        body: ProgressBody,
    ) -> Result<AppView, ApiError> {
        let path = match update {
            Some(id) => format!("/api/apps/{id}"),
            None => "/api/apps".to_string(),
        };
        let length = body.len();
        let part = reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap(body), length)
            .file_name(file_name.to_string())
            .mime_str("application/zip")
            .expect("application/zip is a valid MIME type");
        let form = reqwest::multipart::Form::new().part("app", part);
        let request = self.request(Method::POST, &path).multipart(form);
        app_of(self.send(request, &path).await?)
    }

    /// `POST /api/apps/{id}/grants`.
    pub async fn grant(&self, id: &str, permissions: Value) -> Result<AppView, ApiError> {
        let body = json!({ "permissions": permissions });
        app_of(
            self.call(Method::POST, &format!("/api/apps/{id}/grants"), Some(body))
                .await?,
        )
    }

    /// `POST /api/apps/{id}/status` with Rocket.Chat's `manually_enabled`.
    pub async fn enable(&self, id: &str) -> Result<AppView, ApiError> {
        let body = json!({ "status": "manually_enabled" });
        app_of(
            self.call(Method::POST, &format!("/api/apps/{id}/status"), Some(body))
                .await?,
        )
    }

    /// `GET /api/apps/trusted-keys`: the keys the server trusts.
    pub async fn trusted_keys(&self) -> Result<Vec<TrustedKey>, ApiError> {
        let body = self
            .call(Method::GET, "/api/apps/trusted-keys", None)
            .await?;
        field_of(body, "keys")
    }

    /// `POST /api/apps/trusted-keys` with a public key file's JSON as the
    /// body: the key the server trusts now.
    pub async fn trust(&self, key_file: Value) -> Result<TrustedKey, ApiError> {
        let body = self
            .call(Method::POST, "/api/apps/trusted-keys", Some(key_file))
            .await?;
        field_of(body, "key")
    }

    /// `DELETE /api/apps/trusted-keys/{keyId}`: the ids of the apps the
    /// server refuses now, as that key signed them.
    pub async fn distrust(&self, key_id: &str) -> Result<Vec<String>, ApiError> {
        let body = self
            .call(
                Method::DELETE,
                &format!("/api/apps/trusted-keys/{key_id}"),
                None,
            )
            .await?;
        Ok(body
            .get("refused")
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| id.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("X-User-Id", &self.user_id)
            .header("X-Auth-Token", &self.token)
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ApiError> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request, path).await
    }

    /// Sends `request`; the JSON body of a success, or the error.
    async fn send(&self, request: reqwest::RequestBuilder, path: &str) -> Result<Value, ApiError> {
        let url = format!("{}{path}", self.base);
        let response = request
            .send()
            .await
            .map_err(|source| ApiError::Unreachable {
                url: url.clone(),
                source,
            })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let body: Option<Value> = serde_json::from_str(&text).ok();
        if status.is_success() {
            return body.ok_or_else(|| ApiError::Unexpected {
                url,
                status,
                reason: "not JSON".into(),
                body: text,
            });
        }
        let body = body.unwrap_or(Value::Null);
        let error_type = body
            .get("errorType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Err(ApiError::Refused {
            status,
            message: message_of(&body, &error_type),
            error_type,
            url,
        })
    }
}

/// A key the server trusts, as `/api/apps/trusted-keys` lists it.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustedKey {
    pub key_id: String,
    pub publisher: String,
    /// `config` (the server's configuration) or `api`.
    pub source: String,
}

/// The `app` of an answer.
fn app_of(body: Value) -> Result<AppView, ApiError> {
    field_of(body, "app")
}

/// The field `name` of a success's body.
fn field_of<T: serde::de::DeserializeOwned>(body: Value, name: &str) -> Result<T, ApiError> {
    let field = body.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(field).map_err(|e| ApiError::Unexpected {
        url: "the apps API".into(),
        status: StatusCode::OK,
        reason: format!("no readable `{name}`: {e}"),
        body: body.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_message_loses_the_appended_error_type() {
        let body = json!({"success": false, "error": "weather-bot 0.2.0 is installed [error-app-downgrade]", "errorType": "error-app-downgrade"});

        assert_eq!(
            message_of(&body, "error-app-downgrade"),
            "weather-bot 0.2.0 is installed"
        );
    }

    #[test]
    fn an_untrusted_signature_says_who_must_trust_the_key() {
        let untrusted = explain(
            StatusCode::BAD_REQUEST,
            "error-app-refused",
            "the package is signed with key `ab12`, which is not in the trust store",
            "u",
        );
        let other = explain(
            StatusCode::BAD_REQUEST,
            "error-app-refused",
            "API 9 unsupported",
            "u",
        );

        assert!(
            untrusted.contains("an admin must trust your publisher key"),
            "{untrusted}"
        );
        assert!(!other.contains("publisher key"), "{other}");
    }

    #[test]
    fn a_downgrade_says_what_is_installed_and_what_to_do() {
        let text = explain(
            StatusCode::BAD_REQUEST,
            "error-app-downgrade",
            "weather-bot 0.2.0 is installed; 0.1.0 is not newer",
            "u",
        );

        assert!(text.contains("0.2.0 is installed"), "{text}");
        assert!(text.contains("raise `version`"), "{text}");
    }

    #[test]
    fn every_status_gets_its_own_advice() {
        let cases = [
            (401, "error-unauthorized", "--user-id"),
            (403, "error-not-allowed", "an admin's credentials"),
            (404, "error-not-found", "http://s/api/apps does not exist"),
            (404, "error-app-not-found", "no such app"),
            (413, "error-payload-too-large", "package limit"),
            (400, "error-app-missing-grants", "ungranted: kv"),
            (
                400,
                "error-app-refused",
                "server refuses to run the app: kv",
            ),
            (400, "error-app-invalid-settings", "settings"),
            (500, "error-server", "its log"),
            (
                400,
                "error-something-new",
                "(400 Bad Request, error-something-new): kv",
            ),
        ];
        for (status, kind, expected) in cases {
            let text = explain(
                StatusCode::from_u16(status).unwrap(),
                kind,
                "kv",
                "http://s/api/apps",
            );
            assert!(text.contains(expected), "{status} {kind}: {text}");
        }
    }
}
