//! The route table: every endpoint is added here with its method, path,
//! summary and whether it needs a signed-in user, so the router and the
//! OpenAPI document come from the same list and cannot drift apart.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use serde_json::{Map, Value, json};

use crate::gateway::AppState;

/// Who may call an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Public,
    /// A signed-in user (`X-Auth-Token`, `X-User-Id`).
    User,
    /// A signed-in admin.
    Admin,
}

/// One documented endpoint.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub access: Access,
    pub tag: &'static str,
    /// The request body is `multipart/form-data` (package uploads), not JSON.
    pub multipart: bool,
}

/// Routes of one API area, with their documentation.
pub struct Routes {
    tag: &'static str,
    router: Router<AppState>,
    endpoints: Vec<Endpoint>,
}

impl Routes {
    /// An empty area called `tag` in the OpenAPI document.
    pub fn new(tag: &'static str) -> Routes {
        Routes {
            tag,
            router: Router::new(),
            endpoints: Vec::new(),
        }
    }

    fn add<H, T>(
        mut self,
        method: &'static str,
        path: &'static str,
        summary: &'static str,
        access: Access,
        handler: H,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = match method {
            "GET" => MethodFilter::GET,
            "POST" => MethodFilter::POST,
            "PUT" => MethodFilter::PUT,
            "DELETE" => MethodFilter::DELETE,
            other => panic!("unsupported method {other}"),
        };
        self.router = self.router.route(path, on(filter, handler));
        self.endpoints.push(Endpoint {
            method,
            path,
            summary,
            access,
            tag: self.tag,
            multipart: false,
        });
        self
    }

    /// Marks the endpoint added last as taking `multipart/form-data` (the
    /// OpenAPI document describes its body so).
    pub fn multipart(mut self) -> Routes {
        if let Some(last) = self.endpoints.last_mut() {
            last.multipart = true;
        }
        self
    }

    /// Adds a GET endpoint.
    pub fn get<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        access: Access,
        handler: H,
    ) -> Routes {
        self.add("GET", path, summary, access, handler)
    }

    /// Adds a POST endpoint.
    pub fn post<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        access: Access,
        handler: H,
    ) -> Routes {
        self.add("POST", path, summary, access, handler)
    }

    /// Adds a DELETE endpoint.
    pub fn delete<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        access: Access,
        handler: H,
    ) -> Routes {
        self.add("DELETE", path, summary, access, handler)
    }

    /// Adds the same handler under a second path (Rocket.Chat's aliases,
    /// such as `dm.*` for `im.*`).
    pub fn alias<H: Handler<T, AppState>, T: 'static>(
        self,
        method: &'static str,
        path: &'static str,
        summary: &'static str,
        access: Access,
        handler: H,
    ) -> Routes {
        self.add(method, path, summary, access, handler)
    }

    /// Both areas' routes.
    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.endpoints.extend(other.endpoints);
        self
    }

    /// The router and the endpoint list.
    pub fn into_parts(self) -> (Router<AppState>, Vec<Endpoint>) {
        (self.router, self.endpoints)
    }
}

/// The OpenAPI 3.1 document of `endpoints`.
pub fn openapi(endpoints: &[Endpoint], version: &str) -> Value {
    let mut paths = Map::new();
    for endpoint in endpoints {
        let mut operation = json!({
            "summary": endpoint.summary,
            "tags": [endpoint.tag],
            "operationId": format!("{}{}", endpoint.method.to_lowercase(), endpoint.path.replace(['/', '.', '{', '}'], "_")),
            "responses": {
                "200": {"description": "Success: `{\"success\": true, ...}`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Success"}}}},
                "400": {"description": "Bad request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        });
        operation["x-access"] = json!(match endpoint.access {
            Access::Public => "public",
            Access::User => "user",
            Access::Admin => "admin",
        });
        let responses = operation["responses"].as_object_mut().expect("object");
        match endpoint.access {
            Access::Public => {
                operation["security"] = json!([]);
            }
            Access::User | Access::Admin => {
                responses.insert("401".into(), json!({"description": "Not signed in", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}));
                responses.insert("403".into(), json!({"description": "Not allowed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}));
            }
        }
        if endpoint.multipart {
            operation["requestBody"] = json!({"content": {"multipart/form-data": {"schema": {
                "type": "object",
                "required": ["app"],
                "properties": {
                    "app": {"type": "string", "format": "binary", "description": "The package zip"},
                    "permissions": {"type": "string", "description": "`all` or a JSON list of permissions to grant"},
                },
            }}}});
        } else if matches!(endpoint.method, "POST" | "PUT") {
            operation["requestBody"] =
                json!({"content": {"application/json": {"schema": {"type": "object"}}}});
        }
        let params: Vec<Value> = path_params(endpoint.path)
            .into_iter()
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if !params.is_empty() {
            operation["parameters"] = Value::Array(params);
        }
        let path = paths
            .entry(endpoint.path.to_owned())
            .or_insert_with(|| json!({}));
        path[endpoint.method.to_lowercase()] = operation;
    }
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
            "schemas": {
                "Success": {"type": "object", "required": ["success"], "properties": {"success": {"const": true}}},
                "Error": {"type": "object", "required": ["success", "error"], "properties": {"success": {"const": false}, "error": {"type": "string"}, "errorType": {"type": "string"}}},
            },
        },
        "security": [{"authToken": [], "userId": []}],
        "paths": paths,
    })
}

fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|part| part.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
        .collect()
}
