//! `groups.*` endpoints.

use super::routes::Routes;

pub fn routes() -> Routes {
    Routes::new("groups")
}
