//! Requests for the driver's higher-level API: `ExecuteQuery`, bookmark and auth token
//! managers, `VerifyAuthentication` and `CheckSessionAuthSupport`.
//!
//! A child module of the handler, so it works on the handler's tables directly; the managers
//! themselves live in [`crate::managers`].

use super::{summary_data, tx_config, Failure, Handler, Reply};
use crate::managers::AuthKind;
use crate::requests::{AuthSpec, ExecuteQueryConfig};
use crate::responses;
use boltc::{Map, QueryBookmarkManager, QueryConfig, RoutingControl};

impl Handler {
    /// `ExecuteQuery` through `Driver::execute_query`.
    pub(super) fn execute_query(
        &mut self,
        driver_id: &str,
        cypher: &str,
        params: Map,
        c: &ExecuteQueryConfig,
    ) -> Reply {
        let bookmark_manager = match &c.bookmark_manager_id {
            None => QueryBookmarkManager::Driver,
            Some(None) => QueryBookmarkManager::Disabled,
            Some(Some(id)) => QueryBookmarkManager::Custom(self.managers.bookmark_manager(id)?),
        };
        let config = QueryConfig {
            routing: if c.read == Some(true) {
                RoutingControl::Read
            } else {
                RoutingControl::Write
            },
            database: c.database.clone(),
            impersonated_user: c.impersonated_user.clone(),
            bookmark_manager,
            transaction: tx_config(&c.tx)?,
            auth: c.auth.as_ref().map(|a| self.managers.token(a)),
        };
        let driver = self.driver(driver_id)?;
        let res = driver.execute_query(cypher, Some(params), &config)?;
        let records: Vec<_> = res.records.into_iter().map(|r| r.into_values()).collect();
        Ok(responses::eager_result(
            &res.keys,
            &records,
            &summary_data(&res.summary),
        ))
    }

    /// `VerifyAuthentication`: the given credentials (or the driver's) against the server.
    pub(super) fn verify_authentication(
        &mut self,
        driver_id: &str,
        auth: Option<&AuthSpec>,
    ) -> Reply {
        let token = auth.map(|a| self.managers.token(a));
        let ok = self.driver(driver_id)?.verify_authentication(token)?;
        Ok(responses::driver_is_authenticated(driver_id, ok))
    }

    /// `CheckSessionAuthSupport`: whether the server speaks Bolt 5.1+ (LOGON/LOGOFF).
    pub(super) fn session_auth_support(&mut self, driver_id: &str) -> Reply {
        let info = self.driver(driver_id)?.server_info()?;
        Ok(responses::session_auth_support(
            driver_id,
            info.protocol_version >= (5, 1),
        ))
    }

    pub(super) fn new_bookmark_manager(
        &mut self,
        initial: Option<Vec<String>>,
        supplier: bool,
        consumer: bool,
    ) -> Reply {
        let id = self.ids.next();
        Ok(self
            .managers
            .new_bookmark_manager(id, initial.unwrap_or_default(), supplier, consumer))
    }

    pub(super) fn close_bookmark_manager(&mut self, id: &str) -> Reply {
        Ok(self.managers.close_bookmark_manager(id)?)
    }

    pub(super) fn new_auth_manager(&mut self, kind: AuthKind) -> Reply {
        let id = self.ids.next();
        Ok(self.managers.new_auth_manager(id, kind))
    }

    pub(super) fn close_auth_manager(&mut self, id: &str) -> Result<serde_json::Value, Failure> {
        Ok(self.managers.close_auth_manager(id)?)
    }
}
