//! The route table: every endpoint is added here with its method, path,
//! summary and who may call it, so the router and the OpenAPI document
//! come from the same list and cannot drift apart. What an operation
//! reads (query parameters, body) and how it refuses is read off its
//! handler's extractors ([`describe`]); the document is [`openapi`]'s.

mod describe;
mod openapi;

use axum::Router;
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::routing::{MethodFilter, on};
use schemars::SchemaGenerator;

pub use describe::{DescribeHandler, DescribeInput, Operation};
pub use openapi::openapi;

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
    /// Describes the handler's inputs and refusals ([`DescribeHandler`]).
    pub describe: fn(&mut Operation, &mut SchemaGenerator),
    /// Refusals the handler's domain adds to its extractors' (an app
    /// call's 502, the sign-in throttle's 429).
    pub answers: Vec<StatusCode>,
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

    /// The endpoint added last can also answer `statuses`.
    pub fn answers(mut self, statuses: &[StatusCode]) -> Routes {
        if let Some(last) = self.endpoints.last_mut() {
            last.answers.extend_from_slice(statuses);
        }
        self
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
        T: DescribeHandler + 'static,
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
            describe: T::describe,
            answers: Vec::new(),
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
    pub fn get<H: Handler<T, AppState>, T: DescribeHandler + 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        access: Access,
        handler: H,
    ) -> Routes {
        self.add("GET", path, summary, access, handler)
    }

    /// Adds a POST endpoint.
    pub fn post<H: Handler<T, AppState>, T: DescribeHandler + 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        access: Access,
        handler: H,
    ) -> Routes {
        self.add("POST", path, summary, access, handler)
    }

    /// Adds a DELETE endpoint.
    pub fn delete<H: Handler<T, AppState>, T: DescribeHandler + 'static>(
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
    pub fn alias<H: Handler<T, AppState>, T: DescribeHandler + 'static>(
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
