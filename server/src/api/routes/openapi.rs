//! The OpenAPI 3.1 document of the route table: each operation's path and
//! query parameters, its body's JSON Schema (from the body type's
//! `schemars::JsonSchema`), and every status it can answer, each with the
//! shape of its body.
//!
//! Every operation can also answer 503 (the edge refuses a connection over
//! its caps with it) and 431 (a request head over 8 KiB), both before any
//! route is chosen.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::{Access, Endpoint, Operation};

/// Where schemas live in the document, for `$ref`s.
const SCHEMAS: &str = "/components/schemas";

/// The OpenAPI 3.1 document of `endpoints`.
pub fn openapi(endpoints: &[Endpoint], version: &str) -> Value {
    let mut schemas = SchemaSettings::draft2020_12()
        .with(|settings| settings.definitions_path = SCHEMAS.into())
        .for_deserialize()
        .into_generator();
    let mut paths = Map::new();
    for endpoint in endpoints {
        let operation = operation(endpoint, &mut schemas);
        let path = paths
            .entry(endpoint.path.to_owned())
            .or_insert_with(|| json!({}));
        path[endpoint.method.to_lowercase()] = operation;
    }
    let mut components = schemas.take_definitions(true);
    components.insert(
        "Success".into(),
        json!({
            "type": "object",
            "required": ["success"],
            "properties": {"success": {"const": true}},
            "description": "Rocket.Chat's envelope: the answer's fields beside `success`",
        }),
    );
    components.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["success", "error"],
            "properties": {
                "success": {"const": false},
                "error": {"type": "string", "description": "What was refused and why, with `[errorType]` where there is one"},
                "errorType": {"type": "string"},
            },
        }),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Capsule REST API",
            "version": version,
            "description": "Shaped like Rocket.Chat's REST API v1: send `X-Auth-Token` and `X-User-Id` from `POST /api/v1/login`.",
        },
        "components": {
            "securitySchemes": {
                "authToken": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
                "userId": {"type": "apiKey", "in": "header", "name": "X-User-Id"},
            },
            "schemas": components,
        },
        "security": [{"authToken": [], "userId": []}],
        "paths": paths,
    })
}

/// One operation object.
fn operation(endpoint: &Endpoint, schemas: &mut SchemaGenerator) -> Value {
    let mut described = Operation::default();
    (endpoint.describe)(&mut described, schemas);
    let mut operation = json!({
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "operationId": format!("{}{}", endpoint.method.to_lowercase(), endpoint.path.replace(['/', '.', '{', '}', '-'], "_")),
        "x-access": match endpoint.access {
            Access::Public => "public",
            Access::User => "user",
            Access::Admin => "admin",
        },
    });
    if endpoint.access == Access::Public {
        operation["security"] = json!([]);
    }
    let mut parameters: Vec<Value> = path_params(endpoint.path)
        .into_iter()
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    parameters.extend(described.query);
    if !parameters.is_empty() {
        operation["parameters"] = Value::Array(parameters);
    }
    if endpoint.multipart {
        operation["requestBody"] = json!({"required": true, "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "required": ["app"],
            "properties": {
                "app": {"type": "string", "format": "binary", "description": "The package zip"},
                "permissions": {"type": "string", "description": "`all` or a JSON list of permissions to grant"},
            },
        }}}});
    } else if let Some(schema) = described.json_body {
        operation["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": schema}}});
    }
    let mut refusals: BTreeSet<StatusCode> = described.refusals;
    refusals.extend(endpoint.answers.iter().copied());
    refusals.insert(StatusCode::SERVICE_UNAVAILABLE);
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        json!({"description": "Done: `{\"success\": true, ...}`", "content": {"application/json": {"schema": {"$ref": format!("#{SCHEMAS}/Success")}}}}),
    );
    for status in refusals {
        responses.insert(
            status.as_u16().to_string(),
            json!({"description": refusal(status), "content": {"application/json": {"schema": {"$ref": format!("#{SCHEMAS}/Error")}}}}),
        );
    }
    // hyper answers it before any route is chosen, with no body.
    responses.insert(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
            .as_u16()
            .to_string(),
        json!({"description": "The request line and headers are over the server's 8 KiB limit; the answer has no body"}),
    );
    operation["responses"] = Value::Object(responses);
    operation
}

/// What a refusal means, for the document's readers.
fn refusal(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => {
            "Refused: a parameter or the body is malformed, or names what does not exist or cannot be done (`errorType` says which)"
        }
        StatusCode::UNAUTHORIZED => "Not signed in, or the credentials are wrong",
        StatusCode::FORBIDDEN => "The caller may not do this",
        StatusCode::NOT_FOUND => "What the path names does not exist",
        StatusCode::REQUEST_TIMEOUT => {
            "The request body stopped arriving before it was complete (the body read timeout)"
        }
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is over the server's limit",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "The body is declared as something other than JSON",
        StatusCode::TOO_MANY_REQUESTS => {
            "Too many failed sign-ins from this address or for this account: retry after `Retry-After` seconds"
        }
        StatusCode::BAD_GATEWAY => "The app answering the call failed",
        StatusCode::SERVICE_UNAVAILABLE => {
            "The server is at its connection cap, or an app it calls is disabled or busy (`Retry-After`)"
        }
        StatusCode::GATEWAY_TIMEOUT => "The app answering the call ran past its deadline",
        _ => "Refused",
    }
}

fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|part| part.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
        .collect()
}

#[cfg(test)]
mod tests {
    use axum::extract::State;
    use serde::Deserialize;

    use super::*;
    use crate::api::extract::{Body, Caller, Params};
    use crate::api::routes::Routes;
    use crate::gateway::AppState;

    // Read by the document only.
    #[allow(dead_code)]
    #[derive(Deserialize, schemars::JsonSchema)]
    #[serde(rename_all = "camelCase")]
    struct Query {
        /// The room.
        room_id: String,
        count: Option<u32>,
    }

    #[allow(dead_code)]
    #[derive(Deserialize, schemars::JsonSchema)]
    struct Note {
        text: String,
    }

    async fn post_note(
        State(_): State<AppState>,
        Caller(_): Caller,
        Params(_): Params<Query>,
        Body(_): Body<Note>,
    ) -> &'static str {
        "noted"
    }

    async fn health() -> &'static str {
        "ok"
    }

    fn document() -> Value {
        let (_, endpoints) = Routes::new("notes")
            .post("/notes/{noteId}", "Keep a note", Access::User, post_note)
            .answers(&[StatusCode::TOO_MANY_REQUESTS])
            .get("/up", "Whether it is up", Access::Public, health)
            .into_parts();
        openapi(&endpoints, "0.0.0")
    }

    #[test]
    fn parameters_come_from_the_path_and_the_handlers_query_type() {
        let document = document();
        let parameters = &document["paths"]["/notes/{noteId}"]["post"]["parameters"];
        assert_eq!(
            parameters[0],
            json!({"name": "noteId", "in": "path", "required": true, "schema": {"type": "string"}})
        );
        let room = parameters
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "roomId")
            .expect("roomId is a query parameter");
        assert_eq!(room["in"], "query");
        assert_eq!(room["required"], true);
        assert_eq!(room["description"], "The room.");
        let count = parameters
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "count")
            .expect("count is a query parameter");
        assert_eq!(count["required"], false);
        assert_eq!(
            count["schema"]["type"], "integer",
            "a parameter left out is the None: no `null` type"
        );
    }

    #[test]
    fn the_body_schema_is_the_handlers_body_type() {
        let document = document();
        let body = &document["paths"]["/notes/{noteId}"]["post"]["requestBody"];
        assert_eq!(
            body["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Note"
        );
        let note = &document["components"]["schemas"]["Note"];
        assert_eq!(note["required"], json!(["text"]));
        assert_eq!(note["properties"]["text"]["type"], "string");
    }

    #[test]
    fn statuses_come_from_the_extractors_the_route_and_the_edge() {
        let document = document();
        let statuses = |path: &str, method: &str| -> Vec<String> {
            document["paths"][path][method]["responses"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        // Caller: 401, 403; Params: 400; Body: 400, 408, 413, 415;
        // the route: 429; the edge: 431, 503.
        assert_eq!(
            statuses("/notes/{noteId}", "post"),
            [
                "200", "400", "401", "403", "408", "413", "415", "429", "431", "503"
            ]
        );
        assert_eq!(statuses("/up", "get"), ["200", "431", "503"]);
        assert_eq!(document["paths"]["/up"]["get"]["security"], json!([]));
    }
}
