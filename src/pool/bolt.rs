//! The driver's [`Manage`]: Bolt connections over the network transport.

use super::Manage;
use crate::bolt::message::{Request, Response};
use crate::bolt::{AuthToken, Connection};
use crate::error::Result;
use crate::net::{Address, ShutdownHandle, Stream};
use std::time::Instant;

/// A connection over the network transport.
pub type BoltConnection = Connection<Stream>;

/// Opens a new, authenticated connection to an address before a deadline, with the given
/// credentials (`None`: the driver's).
pub type Connector =
    dyn Fn(&Address, Instant, Option<&AuthToken>) -> Result<BoltConnection> + Send + Sync;

/// Bolt connections for a [`Pool`](super::Pool), opened by a [`Connector`].
pub struct BoltManager {
    connector: Box<Connector>,
}

impl BoltManager {
    /// A manager that opens connections with `connector`.
    pub fn new(connector: Box<Connector>) -> BoltManager {
        BoltManager { connector }
    }
}

impl Manage for BoltManager {
    type Conn = BoltConnection;
    type Shutdown = ShutdownHandle;

    fn connect(
        &self,
        address: &Address,
        deadline: Instant,
        auth: Option<&AuthToken>,
    ) -> Result<BoltConnection> {
        (self.connector)(address, deadline, auth)
    }

    fn created(&self, conn: &BoltConnection) -> Instant {
        conn.created()
    }

    /// A RESET round trip.
    fn is_alive(&self, conn: &mut BoltConnection, deadline: Instant) -> bool {
        conn.set_deadline(Some(deadline));
        let alive =
            conn.send(&Request::Reset).is_ok() && matches!(conn.recv(), Ok(Response::Success(_)));
        conn.set_deadline(None);
        alive
    }

    fn is_reusable(&self, conn: &BoltConnection) -> bool {
        conn.broken().is_none() && !conn.has_unsent() && !conn.stream().inherited()
    }

    fn can_reauthenticate(&self, conn: &BoltConnection) -> bool {
        conn.compat().can_reauthenticate()
    }

    fn on_release(&self, conn: &mut BoltConnection) {
        conn.set_deadline(None);
    }

    /// GOODBYE as a courtesy, giving up at `by`: a server that reads nothing cannot hold up a
    /// close (the socket closes when the connection drops, whatever happened).
    fn close(&self, conn: &mut BoltConnection, by: Instant) {
        conn.set_deadline(Some(by));
        conn.goodbye();
    }

    fn shutdown_handle(&self, conn: &BoltConnection) -> Option<ShutdownHandle> {
        conn.stream().shutdown_handle().ok()
    }

    fn shutdown(&self, handle: &ShutdownHandle) {
        let _ = handle.shutdown();
    }

    /// `bolt-123@host:port` (or `#@host:port` before the server named the connection).
    fn log_id(&self, conn: &BoltConnection) -> String {
        let info = conn.info();
        if info.connection_id.is_empty() {
            format!("#@{}", info.address)
        } else {
            format!("{}@{}", info.connection_id, info.address)
        }
    }
}
