//! The session's connection: acquiring one (with the session's mode, database, bookmarks and
//! credentials), the one reconnect rule for a pooled connection found dead before any reply,
//! letting it go, and the session state that travels with it (bookmarks, home database).

use super::*;

impl Session {
    /// Lets go of the connection (back to the pool); the interrupter forgets it first.
    pub(super) fn drop_connection(&mut self) {
        self.withdraw_interrupt();
        self.conn = None;
    }

    /// The interrupter lets go of the connection's socket. If an interrupt came while it held
    /// it, the socket may have been shut down: the connection must not go back to the pool.
    pub(super) fn withdraw_interrupt(&mut self) {
        self.interrupt.set(None);
        if self.interrupt.inner.is_raised() {
            if let Some(c) = self.conn.as_mut() {
                c.mark_broken("interrupted");
            }
        }
    }

    pub(super) fn ensure_connection(&mut self) -> Result<()> {
        if let Some(why) = self.conn.as_ref().and_then(|c| c.broken()) {
            // Whatever still waited on it fails (normally nothing does).
            let e = Error::new(
                ErrorKind::ServiceUnavailable,
                format!("the connection is no longer usable: {why}"),
            );
            self.connection_lost(&e);
        }
        if self.conn.is_none() {
            self.interrupt.inner.clear();
            let bookmarks = self.current_bookmarks();
            let req = AcquireRequest {
                mode: self.mode,
                database: self.database(),
                imp_user: self.config.impersonated_user.as_deref(),
                bookmarks: &bookmarks,
                auth: self.config.auth.as_ref(),
                pipeline_auth: true,
                force_auth: false,
                deadline: self.deadline,
                interrupt: Some(&self.interrupt.inner),
            };
            let (mut conn, db) = self
                .driver
                .acquire_routed(&req)
                .map_err(|e| self.explain_acquire(e))?;
            // Published before the flag is checked, so no interrupt falls in between.
            self.interrupt.set(conn.shutdown_handle());
            if self.interrupt.inner.is_raised() {
                self.interrupt.set(None);
                conn.mark_broken("interrupted");
                return Err(Error::new(
                    ErrorKind::Interrupted,
                    "interrupted while acquiring a connection",
                ));
            }
            conn.set_deadline(self.deadline);
            if let Err(e) = self.check_version_supports_config(&conn) {
                self.interrupt.set(None);
                if conn.take_deferred_auth() > 0 {
                    // LOGOFF/LOGON are queued but will not be sent with a request of ours.
                    conn.mark_broken("re-authentication left unsent");
                }
                return Err(e);
            }
            // A re-authentication goes out with our first request; its replies come first
            // (the exchange lists LOGOFF and LOGON, which the session reads as `Auth`).
            conn.take_deferred_auth();
            if self.config.database.is_none() && db.is_some() {
                self.resolved_db = db;
            }
            self.unproven = conn.is_reused();
            self.idle_death = None;
            self.conn = Some(conn);
        }
        Ok(())
    }

    /// The one reconnect rule of the session: runs `attempt`, and when it failed because the
    /// connection reused from the pool was dead before any reply (see
    /// [`Session::take_idle_death`]) and `may_retry` holds, runs it once more on a new
    /// connection. The first attempt gets `None`, the second the first one's error. Used by
    /// auto-commit RUN, a transaction's first RUN (which carries BEGIN) and an eager BEGIN.
    pub(super) fn with_reconnect<T>(
        &mut self,
        may_retry: bool,
        mut attempt: impl FnMut(&mut Session, Option<Error>) -> Result<T>,
    ) -> Result<T> {
        match attempt(self, None) {
            Err(e) if may_retry && self.take_idle_death(&e) => attempt(self, Some(e)),
            other => other,
        }
    }

    /// Whether `e` ended the first exchange of a connection reused from the pool before any
    /// reply arrived: it died while idle (killed by an administrator, a server restart, a
    /// firewall), so the request can be sent again on a new connection. Idle connections to
    /// the same server are dropped too, as they are likely dead as well. Only once per
    /// acquisition, and never after a reply or on a timeout (the server may be working on it).
    pub(super) fn take_idle_death(&mut self, e: &Error) -> bool {
        let Some(addr) = self.idle_death.take() else {
            return false;
        };
        log::info!(
            "[#@{addr}] a pooled connection was found dead on first use ({e}); \
             closing idle connections to this server and retrying on a new one"
        );
        self.driver.pool.purge(&addr);
        true
    }

    /// The database: the configured one, or the home database once resolved.
    pub(super) fn database(&self) -> Option<&str> {
        self.config
            .database
            .as_deref()
            .or(self.resolved_db.as_deref())
    }

    /// The session's bookmarks plus the bookmark manager's.
    pub(super) fn current_bookmarks(&self) -> Arc<[String]> {
        match &self.config.bookmark_manager {
            Some(m) => bookmarks::merge(&self.bookmarks, m.get_bookmarks()).into(),
            None => Arc::clone(&self.bookmarks),
        }
    }

    /// A transaction committed with bookmark `b`.
    pub(super) fn set_bookmark(&mut self, b: &str) {
        // A server that sends the bookmark the session holds (reads often do) changes nothing.
        if !matches!(&*self.bookmarks, [held] if held == b) {
            self.bookmarks = Arc::from([b.to_owned()]);
        }
        if let Some(m) = &self.config.bookmark_manager {
            m.update_bookmarks(&self.sent_bookmarks, &self.bookmarks);
        }
    }

    /// Tells the driver about a failure on the current connection (routing reacts to it).
    pub(super) fn report_failure(&self, e: &Error) {
        if let Some(c) = &self.conn {
            let imp = self.config.impersonated_user.as_deref();
            self.driver
                .on_server_failure(c.address(), e, self.database(), imp);
        }
    }

    /// A Bolt 5.8+ reply named the database: pin it as the resolved home database.
    pub(super) fn note_database(&mut self, meta: &Map) {
        if self.config.database.is_some() || self.resolved_db.is_some() {
            return;
        }
        if let Some(Value::String(db)) = meta.get("db") {
            let imp = self.config.impersonated_user.as_deref();
            self.driver.note_home_database(imp, db);
            self.resolved_db = Some(db.clone());
        }
    }

    pub(super) fn check_version_supports_config(&self, conn: &PooledConnection) -> Result<()> {
        let n = &self.config.notifications;
        conn.compat().check(Needs {
            impersonation: self.config.impersonated_user.is_some(),
            database: self.config.database.is_some(),
            notification_filters: n.minimum_severity.is_some() || n.disabled_categories.is_some(),
        })
    }
}
