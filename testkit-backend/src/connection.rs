//! One TestKit connection: a reader, a worker, and the callback rendezvous between them.
//!
//! The connection's thread reads request blocks. Ordinary requests go, in order, to a worker
//! thread that owns the connection's [`Handler`] (and so every driver object the connection
//! created) and answers each request. Requests that *complete a callback* (the answer to a
//! `ResolverResolutionRequired`, a `BookmarksSupplierRequest`, ...) are instead delivered to the
//! driver callback waiting for them, which may be blocked inside a driver call on the worker.
//!
//! When TestKit closes the connection, the reader stops, fails every waiting callback, and
//! closes the worker's queue; the worker then drops its handler — closing the connection's
//! drivers and sessions — once the request it is on (if any) returns.

use crate::framing;
use crate::handler::Handler;
use crate::requests::{ParseError, Request};
use crate::responses;
use pending::Pending;
use serde_json::Value as Json;
use std::io::BufReader;
use std::net::TcpStream;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// Sends responses (and callback requests) to TestKit; shared by the worker and callbacks.
#[derive(Clone)]
pub struct Responder {
    stream: Arc<Mutex<TcpStream>>,
    pending: Pending,
}

impl Responder {
    /// Writes one response block. Errors mean TestKit is gone; the reader notices that too.
    pub fn send(&self, json: &Json) {
        let mut stream = match self.stream.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(e) = framing::write_response(&mut *stream, json) {
            eprintln!("testkit-backend: cannot write response: {e}");
        }
    }

    /// Asks TestKit to run a callback and waits for its `...Completed` request.
    ///
    /// `make_request(id)` builds the request response (e.g. `ResolverResolutionRequired`) for
    /// the callback id. Returns `None` when the connection closed before TestKit answered.
    pub fn call_back(&self, make_request: impl FnOnce(&str) -> Json) -> Option<(String, Json)> {
        let (id, rx) = self.pending.register();
        self.send(&make_request(&id));
        rx.recv().ok()
    }
}

/// The table of callbacks waiting for TestKit, keyed by callback request id.
mod pending {
    use serde_json::Value as Json;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex};

    type Waiters = HashMap<String, mpsc::Sender<(String, Json)>>;

    #[derive(Clone, Default)]
    pub struct Pending {
        next: Arc<AtomicU64>,
        waiters: Arc<Mutex<Option<Waiters>>>,
    }

    impl Pending {
        pub fn new() -> Pending {
            Pending {
                next: Arc::new(AtomicU64::new(1)),
                waiters: Arc::new(Mutex::new(Some(HashMap::new()))),
            }
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, Option<Waiters>> {
            match self.waiters.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            }
        }

        /// A new callback id and the channel its completion arrives on. After `close`, the
        /// channel is disconnected at once.
        pub fn register(&self) -> (String, mpsc::Receiver<(String, Json)>) {
            let id = format!("cb{}", self.next.fetch_add(1, Ordering::Relaxed));
            let (tx, rx) = mpsc::channel();
            if let Some(w) = self.lock().as_mut() {
                w.insert(id.clone(), tx);
            }
            (id, rx)
        }

        /// Delivers a completion; false when nobody waits for `id`.
        pub fn complete(&self, id: &str, name: String, data: Json) -> bool {
            let waiter = self.lock().as_mut().and_then(|w| w.remove(id));
            match waiter {
                Some(tx) => tx.send((name, data)).is_ok(),
                None => false,
            }
        }

        /// Fails every waiting callback and refuses new ones.
        pub fn close(&self) {
            self.lock().take();
        }
    }
}

/// Serves one TestKit connection until it closes.
pub fn serve(stream: TcpStream) {
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "?".into());
    let _ = stream.set_nodelay(true);
    let write_half = match stream.try_clone() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("testkit-backend: {peer}: cannot clone socket: {e}");
            return;
        }
    };
    let pending = Pending::new();
    let responder = Responder {
        stream: Arc::new(Mutex::new(write_half)),
        pending: pending.clone(),
    };

    let (queue, inbox) = mpsc::channel::<Request>();
    let worker_responder = responder.clone();
    let worker = std::thread::Builder::new()
        .name(format!("testkit-worker-{peer}"))
        .spawn(move || {
            let mut handler = Handler::new(worker_responder.clone());
            for request in inbox {
                let response = handler.handle(request);
                if let Some(r) = response {
                    worker_responder.send(&r);
                }
            }
            // Dropping the handler closes this connection's drivers and sessions.
            drop(handler);
        });
    if let Err(e) = worker {
        eprintln!("testkit-backend: {peer}: cannot spawn worker: {e}");
        return;
    }

    let mut reader = BufReader::new(stream);
    loop {
        let text = match framing::read_request(&mut reader) {
            Ok(Some(t)) => t,
            Ok(None) => break,
            Err(e) => {
                eprintln!("testkit-backend: {peer}: read failed: {e}");
                break;
            }
        };
        match Request::parse(&text) {
            Ok(Request::CallbackCompleted {
                request_id,
                name,
                data,
            }) => {
                if !pending.complete(&request_id, name.clone(), data) {
                    responder.send(&responses::backend_error(format!(
                        "{name} for unknown or finished callback '{request_id}'"
                    )));
                }
            }
            Ok(request) => {
                if queue.send(request).is_err() {
                    break; // the worker died
                }
            }
            Err(ParseError::Unknown(name)) => {
                responder.send(&responses::backend_error(format!(
                    "request '{name}' is not implemented by the boltc backend"
                )));
            }
            Err(ParseError::Malformed(msg)) => {
                responder.send(&responses::backend_error(format!(
                    "malformed request: {msg}"
                )));
            }
        }
    }
    // TestKit is gone: release blocked callbacks and let the worker drop everything.
    pending.close();
    drop(queue);
}
