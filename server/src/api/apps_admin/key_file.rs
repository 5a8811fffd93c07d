//! The public key file an admin sends to `POST /api/apps/trusted-keys`, in
//! whichever form their tool makes easiest, so that no form needs quoting
//! by hand:
//!
//! - the file as the body (`--data-binary @key.pub.json` with
//!   `content-type: application/json`);
//! - a multipart upload whose field `key` is the file (`-F key=@key.pub.json`);
//! - `{"key": ...}`, the file's text as a string or its JSON object.
//!
//! Each form yields the file's text, which the package crate's key parser
//! reads, so every form is refused with the same words when the file is
//! not a public key.

use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{FromRequest, Request};
use axum::http::header;
use schemars::SchemaGenerator;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::extract::Body;
use crate::api::routes::{DescribeInput, Operation};
use crate::gateway::AppState;
use crate::gateway::error::ApiError;

/// The multipart field that holds the key file.
const FIELD: &str = "key";

/// What to send, said whenever no key file was found.
const HOW: &str = "send a publisher's public key file (as `capsule-app keygen` writes it): \
     as the JSON body itself, as the multipart field `key`, or as `{\"key\": \"<file text>\"}`";

/// The text of a public key file, from any form the route takes.
pub(super) struct KeyFile(pub String);

/// A JSON body: the public key file itself, or the file under `key`.
#[derive(Deserialize, schemars::JsonSchema)]
pub(super) struct KeyBody {
    /// The public key file: its text, or its JSON object.
    key: Option<Value>,
    /// The public key file's own fields (`kind`, `key_id`, `name`,
    /// `public`), when the body is the file.
    #[serde(flatten)]
    file: Map<String, Value>,
}

impl KeyBody {
    fn into_text(self) -> Result<String, ApiError> {
        match (self.key, self.file.is_empty()) {
            (Some(_), false) => Err(ApiError::invalid_params(format!(
                "the body has `key` and other fields ({}); send either the key file itself or `{{\"key\": ...}}`",
                self.file
                    .keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            (Some(Value::String(text)), true) if !text.trim().is_empty() => Ok(text),
            (Some(Value::Object(file)), true) => Ok(Value::Object(file).to_string()),
            (Some(Value::String(_)) | Some(Value::Null), true) => Err(ApiError::invalid_params(
                format!("the field `key` is empty; {HOW}"),
            )),
            (Some(other), true) => Err(ApiError::invalid_params(format!(
                "the field `key` is {}, not a key file; {HOW}",
                json_kind(&other)
            ))),
            (None, false) => Ok(Value::Object(self.file).to_string()),
            (None, true) => Err(ApiError::invalid_params(format!(
                "the request has no key file; {HOW}"
            ))),
        }
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl FromRequest<AppState> for KeyFile {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if is_multipart(&request) {
            let form = Multipart::from_request(request, state)
                .await
                .map_err(|rejection| {
                    ApiError::invalid_params(format!(
                        "cannot read the multipart form: {}",
                        rejection.body_text()
                    ))
                })?;
            return read_form(form).await.map(KeyFile);
        }
        let Body(body) = Body::<KeyBody>::from_request(request, state).await?;
        body.into_text().map(KeyFile)
    }
}

fn is_multipart(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// The field `key`; any other field, or `key` twice, is refused by name.
async fn read_form(mut form: Multipart) -> Result<String, ApiError> {
    let mut text: Option<String> = None;
    while let Some(field) = form.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name != FIELD {
            return Err(ApiError::invalid_params(format!(
                "the form field `{name}` is not supported; {HOW}"
            )));
        }
        if text.is_some() {
            return Err(ApiError::invalid_params(
                "the form has the field `key` twice; trust one key at a time",
            ));
        }
        let bytes = field.bytes().await.map_err(form_error)?;
        let file = String::from_utf8(bytes.to_vec()).map_err(|_| {
            ApiError::invalid_params("the form field `key` is not text; a public key file is JSON")
        })?;
        text = Some(file);
    }
    text.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        ApiError::invalid_params(format!("the form has no (or an empty) field `key`; {HOW}"))
    })
}

fn form_error(error: MultipartError) -> ApiError {
    ApiError::new(
        error.status(),
        if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            "error-payload-too-large"
        } else {
            "error-invalid-params"
        },
        format!("cannot read the multipart form: {}", error.body_text()),
    )
}

/// Described as its JSON body; the summary names the multipart form.
impl DescribeInput for KeyFile {
    fn describe(operation: &mut Operation, schemas: &mut SchemaGenerator) {
        <Body<KeyBody> as DescribeInput>::describe(operation, schemas);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text_of(body: Value) -> Result<String, ApiError> {
        serde_json::from_value::<KeyBody>(body).unwrap().into_text()
    }

    #[test]
    fn the_file_itself_the_file_as_text_and_the_file_as_object_give_the_same_file() {
        let file =
            json!({"kind": "capsule-public-key", "key_id": "k", "name": "Acme", "public": "AAAA"});
        let as_body: Value = serde_json::from_str(&text_of(file.clone()).unwrap()).unwrap();
        let as_text: Value =
            serde_json::from_str(&text_of(json!({"key": file.to_string()})).unwrap()).unwrap();
        let as_object: Value =
            serde_json::from_str(&text_of(json!({"key": file.clone()})).unwrap()).unwrap();
        assert_eq!(as_body, file);
        assert_eq!(as_text, file);
        assert_eq!(as_object, file);
    }

    #[test]
    fn no_key_an_empty_key_or_a_key_of_the_wrong_type_says_what_to_send() {
        for body in [
            json!({}),
            json!({"key": ""}),
            json!({"key": 7}),
            json!({"key": null}),
        ] {
            let error = text_of(body.clone()).unwrap_err();
            assert!(
                error.message.contains("public key file"),
                "{body}: {}",
                error.message
            );
        }
    }

    #[test]
    fn a_key_beside_other_fields_names_them() {
        let error = text_of(json!({"key": "x", "public": "y"})).unwrap_err();
        assert!(error.message.contains("`public`"), "{}", error.message);
    }
}
