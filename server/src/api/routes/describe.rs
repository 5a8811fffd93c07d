//! What a handler's extractors say about its operation in the OpenAPI
//! document: a `Params<T>` is its query parameters, a `Body<T>` its JSON
//! body, `Caller` and `Admin` the 401 and 403 they answer.
//!
//! The description is read off the handler's own argument types, so an
//! endpoint cannot take a parameter its document leaves out: a handler
//! whose extractor has no [`DescribeInput`] does not compile into the
//! route table.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::api::extract::{Admin, Body, Caller, ListParam, Params, QueryList};
use crate::gateway::{AppState, ClientAddress};

/// One operation's inputs and refusals, as its extractors describe them.
#[derive(Debug, Default)]
pub struct Operation {
    /// Query parameters (OpenAPI parameter objects).
    pub query: Vec<Value>,
    /// The JSON body's schema, when the operation reads one.
    pub json_body: Option<Value>,
    /// Every status other than the success the operation can answer.
    pub refusals: BTreeSet<StatusCode>,
}

/// An extractor's part of its operation's description.
pub trait DescribeInput {
    /// Adds what this extractor reads and how it refuses to `operation`.
    fn describe(operation: &mut Operation, schemas: &mut SchemaGenerator);
}

/// A handler's description: its extractors', in order. Implemented for
/// the argument tuples axum's `Handler` is implemented for.
pub trait DescribeHandler {
    /// Adds every extractor's description to `operation`.
    fn describe(operation: &mut Operation, schemas: &mut SchemaGenerator);
}

impl DescribeHandler for ((),) {
    fn describe(_: &mut Operation, _: &mut SchemaGenerator) {}
}

/// `(M, T1, ..., Tn)`: axum's argument tuple, `M` a marker of how the last
/// extractor reads the request.
macro_rules! describe_arguments {
    ($($input:ident),+) => {
        impl<M, $($input: DescribeInput),+> DescribeHandler for (M, $($input,)+) {
            fn describe(operation: &mut Operation, schemas: &mut SchemaGenerator) {
                $($input::describe(operation, schemas);)+
            }
        }
    };
}

describe_arguments!(T1);
describe_arguments!(T1, T2);
describe_arguments!(T1, T2, T3);
describe_arguments!(T1, T2, T3, T4);
describe_arguments!(T1, T2, T3, T4, T5);
describe_arguments!(T1, T2, T3, T4, T5, T6);
describe_arguments!(T1, T2, T3, T4, T5, T6, T7);
describe_arguments!(T1, T2, T3, T4, T5, T6, T7, T8);

/// Extractors that read nothing the document describes: the server's
/// state, the headers (a handler reading one besides the credentials says
/// so in its summary), the caller's address. The raw `Uri` is left out on
/// purpose: a handler reading the query itself would take parameters the
/// document does not list, so it does not compile; it takes `Params<T>` or
/// a `QueryList<L>`.
macro_rules! describes_nothing {
    ($($extractor:ty),+) => {
        $(impl DescribeInput for $extractor {
            fn describe(_: &mut Operation, _: &mut SchemaGenerator) {}
        })+
    };
}

describes_nothing!(State<AppState>, HeaderMap, ClientAddress);

/// A path segment is described by the route's path template; one that
/// names nothing is a 404.
impl<T> DescribeInput for Path<T> {
    fn describe(operation: &mut Operation, _: &mut SchemaGenerator) {
        operation
            .refusals
            .extend([StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND]);
    }
}

/// A signed-in caller: 401 without credentials, 403 where the domain
/// refuses them (a room they are not in, a right they lack).
impl DescribeInput for Caller {
    fn describe(operation: &mut Operation, _: &mut SchemaGenerator) {
        operation
            .refusals
            .extend([StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN]);
    }
}

impl DescribeInput for Admin {
    fn describe(operation: &mut Operation, _: &mut SchemaGenerator) {
        operation.refusals.insert(StatusCode::UNAUTHORIZED);
        operation.refusals.insert(StatusCode::FORBIDDEN);
    }
}

/// A body read whole (a signed webhook, a form): its limit and timeout.
impl DescribeInput for Bytes {
    fn describe(operation: &mut Operation, _: &mut SchemaGenerator) {
        refusals_of_a_body(operation);
    }
}

/// The whole request, read by the handler itself (its body included).
impl DescribeInput for Request {
    fn describe(operation: &mut Operation, _: &mut SchemaGenerator) {
        refusals_of_a_body(operation);
    }
}

/// A `multipart/form-data` body: the route's `.multipart()` describes its
/// fields.
impl DescribeInput for Result<Multipart, MultipartRejection> {
    fn describe(operation: &mut Operation, _: &mut SchemaGenerator) {
        refusals_of_a_body(operation);
    }
}

impl<T: JsonSchema> DescribeInput for Body<T> {
    fn describe(operation: &mut Operation, schemas: &mut SchemaGenerator) {
        operation.json_body = Some(schemas.subschema_for::<T>().to_value());
        refusals_of_a_body(operation);
        operation
            .refusals
            .insert(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}

impl<T: JsonSchema> DescribeInput for Params<T> {
    fn describe(operation: &mut Operation, schemas: &mut SchemaGenerator) {
        let schema = T::json_schema(schemas).to_value();
        let mut required = BTreeSet::new();
        let mut properties = Map::new();
        collect_properties(&schema, &mut properties, &mut required);
        for (name, schema) in properties {
            if operation.query.iter().any(|p| p["name"] == name.as_str()) {
                continue;
            }
            let description = schema.get("description").cloned();
            let mut parameter = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name),
                "schema": as_query_value(schema),
            });
            if let Some(description) = description {
                parameter["description"] = description;
            }
            operation.query.push(parameter);
        }
        operation.refusals.insert(StatusCode::BAD_REQUEST);
    }
}

/// `name[]=a&name[]=b`: an array in OpenAPI's `form` style, exploded.
impl<L: ListParam> DescribeInput for QueryList<L> {
    fn describe(operation: &mut Operation, _: &mut SchemaGenerator) {
        operation.query.push(json!({
            "name": format!("{}[]", L::NAME),
            "in": "query",
            "required": false,
            "style": "form",
            "explode": true,
            "schema": {"type": "array", "items": {"type": "string", "enum": L::VALUES}},
            "description": format!("Repeatable; `{}=a,b` is read too", L::NAME),
        }));
        operation.refusals.insert(StatusCode::BAD_REQUEST);
    }
}

/// A body is refused when it is malformed, over the limit or too slow.
fn refusals_of_a_body(operation: &mut Operation) {
    operation.refusals.extend([
        StatusCode::BAD_REQUEST,
        StatusCode::REQUEST_TIMEOUT,
        StatusCode::PAYLOAD_TOO_LARGE,
    ]);
}

/// The properties of an object schema, also those its `allOf` parts add
/// (schemars writes a flattened struct so).
fn collect_properties(
    schema: &Value,
    properties: &mut Map<String, Value>,
    required: &mut BTreeSet<String>,
) {
    if let Some(own) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in own {
            properties.entry(name.clone()).or_insert(property.clone());
        }
    }
    if let Some(names) = schema.get("required").and_then(Value::as_array) {
        required.extend(names.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    for part in ["allOf", "anyOf", "oneOf"] {
        for sub in schema
            .get(part)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            // Parts of `anyOf`/`oneOf` are alternatives: their required
            // names are not required of every request.
            let mut sub_required = BTreeSet::new();
            collect_properties(sub, properties, &mut sub_required);
            if part == "allOf" {
                required.extend(sub_required);
            }
        }
    }
}

/// A property's schema as a query parameter's: its description moves to
/// the parameter, and `null` goes (a parameter left out is the `None`).
fn as_query_value(mut schema: Value) -> Value {
    if let Some(object) = schema.as_object_mut() {
        object.remove("description");
        if let Some(Value::Array(types)) = object.get_mut("type") {
            types.retain(|t| t != "null");
            if let [only] = types.as_slice() {
                let only = only.clone();
                object.insert("type".into(), only);
            }
        }
    }
    schema
}
