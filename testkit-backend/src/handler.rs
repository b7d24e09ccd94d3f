//! Performs TestKit requests with boltc.

use crate::connection::Responder;
use crate::features;
use crate::registry::Ids;
use crate::requests::Request;
use crate::responses;
use serde_json::Value as Json;

/// The state of one TestKit connection: every object it created, by id.
pub struct Handler {
    #[allow(dead_code)]
    responder: Responder,
    #[allow(dead_code)]
    ids: Ids,
}

impl Handler {
    pub fn new(responder: Responder) -> Handler {
        Handler {
            responder,
            ids: Ids::default(),
        }
    }

    /// Handles one request; `None` when the request expects no response.
    pub fn handle(&mut self, request: Request) -> Option<Json> {
        Some(match request {
            Request::GetFeatures => responses::feature_list(&features::declared()),
            Request::StartTest { test_name } | Request::StartSubTest { test_name, .. } => {
                match features::skip_reason(&test_name) {
                    Some(reason) => responses::skip_test(reason),
                    None => responses::run_test(),
                }
            }
            other => responses::backend_error(format!("not wired to boltc yet: {other:?}")),
        })
    }
}
