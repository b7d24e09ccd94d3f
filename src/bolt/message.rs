//! Bolt messages: request encoding for every version and response decoding.

use super::auth::{AuthEntry, AuthToken};
use super::version::Features;
use crate::packstream::{DecodeError, DecodeOptions, Decoder, EncodeError, Encoder};
use crate::value::{Map, Value};

/// Message tags.
pub mod tag {
    /// INIT (1-2) / HELLO (3+).
    pub const HELLO: u8 = 0x01;
    /// GOODBYE (3+).
    pub const GOODBYE: u8 = 0x02;
    /// ACK_FAILURE (1-2).
    pub const ACK_FAILURE: u8 = 0x0E;
    /// RESET.
    pub const RESET: u8 = 0x0F;
    /// RUN.
    pub const RUN: u8 = 0x10;
    /// BEGIN (3+).
    pub const BEGIN: u8 = 0x11;
    /// COMMIT (3+).
    pub const COMMIT: u8 = 0x12;
    /// ROLLBACK (3+).
    pub const ROLLBACK: u8 = 0x13;
    /// DISCARD_ALL (1-3) / DISCARD (4+).
    pub const DISCARD: u8 = 0x2F;
    /// PULL_ALL (1-3) / PULL (4+).
    pub const PULL: u8 = 0x3F;
    /// TELEMETRY (5.4+).
    pub const TELEMETRY: u8 = 0x54;
    /// ROUTE (4.3+).
    pub const ROUTE: u8 = 0x66;
    /// LOGON (5.1+).
    pub const LOGON: u8 = 0x6A;
    /// LOGOFF (5.1+).
    pub const LOGOFF: u8 = 0x6B;
    /// SUCCESS.
    pub const SUCCESS: u8 = 0x70;
    /// RECORD.
    pub const RECORD: u8 = 0x71;
    /// IGNORED.
    pub const IGNORED: u8 = 0x7E;
    /// FAILURE.
    pub const FAILURE: u8 = 0x7F;
}

/// What HELLO/INIT carries besides the auth token.
#[derive(Debug, Clone, Default)]
pub struct HelloParams {
    /// The user agent, e.g. `boltc/0.1.0`.
    pub user_agent: String,
    /// The routing context (4.1+), `None` for direct (`bolt://`) drivers.
    pub routing: Option<Map>,
    /// The `bolt_agent` map (5.3+).
    pub bolt_agent: Option<Map>,
    /// Notification filters (5.2+).
    pub notifications: NotificationFilter,
}

/// Server notification filters (Bolt 5.2+).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationFilter {
    /// Minimum severity: `OFF`, `WARNING` or `INFORMATION`; `None` for the server default.
    pub minimum_severity: Option<String>,
    /// Disabled categories/classifications; `None` for the server default.
    pub disabled_categories: Option<Vec<String>>,
}

/// Transaction metadata for BEGIN and auto-commit RUN.
#[derive(Debug, Clone, Default)]
pub struct TxMeta {
    /// Bookmarks to wait for (shared with the session that sends them).
    pub bookmarks: std::sync::Arc<[String]>,
    /// Transaction timeout in milliseconds (`None`: server default).
    pub timeout_ms: Option<i64>,
    /// Transaction metadata.
    pub metadata: Option<Map>,
    /// Read mode (`mode: "r"`).
    pub read: bool,
    /// Target database (4.0+).
    pub db: Option<String>,
    /// Impersonated user (4.4+).
    pub imp_user: Option<String>,
    /// Notification filters (5.2+).
    pub notifications: NotificationFilter,
}

/// A client request.
#[derive(Debug)]
pub enum Request<'a> {
    /// HELLO (3+) or INIT (1-2); with the auth token unless the version uses LOGON.
    Hello(&'a HelloParams, &'a AuthToken),
    /// LOGON (5.1+).
    Logon(&'a AuthToken),
    /// LOGOFF (5.1+).
    Logoff,
    /// GOODBYE (3+).
    Goodbye,
    /// RESET.
    Reset,
    /// ACK_FAILURE (1-2).
    AckFailure,
    /// RUN; `meta` is sent as the extra map on 3+ (auto-commit only; `None` inside a transaction).
    Run {
        /// The query text.
        query: &'a str,
        /// Parameters.
        params: Option<&'a Map>,
        /// Auto-commit transaction metadata.
        meta: Option<&'a TxMeta>,
    },
    /// BEGIN (3+).
    Begin(&'a TxMeta),
    /// COMMIT (3+).
    Commit,
    /// ROLLBACK (3+).
    Rollback,
    /// PULL (4+: with `n`/`qid`; PULL_ALL before).
    Pull {
        /// Records to fetch (-1 all).
        n: i64,
        /// Query id (-1 the last one).
        qid: i64,
    },
    /// DISCARD (4+: with `n`/`qid`; DISCARD_ALL before).
    Discard {
        /// Records to discard (-1 all).
        n: i64,
        /// Query id (-1 the last one).
        qid: i64,
    },
    /// ROUTE (4.3+).
    Route {
        /// Routing context.
        context: &'a Map,
        /// Bookmarks.
        bookmarks: &'a [String],
        /// Database (`None`: the home database).
        db: Option<&'a str>,
        /// Impersonated user (4.4+).
        imp_user: Option<&'a str>,
    },
    /// TELEMETRY (5.4+).
    Telemetry(i64),
}

impl Request<'_> {
    /// The message's name in Bolt 3+ terms (`HELLO`, `PULL`, ...), for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Request::Hello(..) => "HELLO",
            Request::Logon(_) => "LOGON",
            Request::Logoff => "LOGOFF",
            Request::Goodbye => "GOODBYE",
            Request::Reset => "RESET",
            Request::AckFailure => "ACK_FAILURE",
            Request::Run { .. } => "RUN",
            Request::Begin(_) => "BEGIN",
            Request::Commit => "COMMIT",
            Request::Rollback => "ROLLBACK",
            Request::Pull { .. } => "PULL",
            Request::Discard { .. } => "DISCARD",
            Request::Route { .. } => "ROUTE",
            Request::Telemetry(_) => "TELEMETRY",
        }
    }
}

/// A server response.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// SUCCESS with metadata.
    Success(Map),
    /// RECORD with field values.
    Record(Vec<Value>),
    /// A RECORD with a value this driver cannot represent (a legacy-form zoned datetime whose
    /// zone id it does not know, so the instant is unknown). The
    /// message was read whole, so the connection stays usable; only this record is lost.
    InvalidRecord(DecodeError),
    /// IGNORED.
    Ignored,
    /// FAILURE with metadata (`code`, `message`, ...).
    Failure(Map),
}

/// Writes map entries as they are put, skipping `None`s, and the header with their count at
/// the end ([`Encoder::begin_map`]): no list of entries is built first.
struct Entries<'e, 'o> {
    enc: Encoder<'o>,
    /// Where the map's header goes.
    at: usize,
    len: usize,
    /// The first entry that could not be written (returned by `finish`).
    error: Option<EncodeError>,
    _values: std::marker::PhantomData<&'e ()>,
}

/// A metadata entry's value: built, or borrowed from the request (strings, bookmark lists
/// and maps are written from where they are, not copied into a `Value` first: RUN and BEGIN
/// carry them on every query).
enum Item<'e> {
    Value(Value),
    Str(&'e str),
    Strs(&'e [String]),
    Map(&'e Map),
}

fn list_of_strings(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| Value::String(s.clone())).collect())
}

impl<'e, 'o> Entries<'e, 'o> {
    fn new(mut enc: Encoder<'o>) -> Self {
        let at = enc.begin_map();
        Entries {
            enc,
            at,
            len: 0,
            error: None,
            _values: std::marker::PhantomData,
        }
    }
    fn put(&mut self, k: &'e str, v: Value) -> &mut Self {
        self.put_item(k, Some(Item::Value(v)))
    }
    fn put_opt(&mut self, k: &'e str, v: Option<Value>) -> &mut Self {
        self.put_item(k, v.map(Item::Value))
    }
    fn put_item(&mut self, k: &'e str, v: Option<Item<'e>>) -> &mut Self {
        if let (Some(v), None) = (v, &self.error) {
            match self.write(k, &v) {
                Ok(()) => self.len += 1,
                Err(e) => self.error = Some(e),
            }
        }
        self
    }
    fn write(&mut self, k: &str, v: &Item<'_>) -> Result<(), EncodeError> {
        self.enc.write_str(k)?;
        match v {
            Item::Value(v) => self.enc.write_value(v),
            Item::Str(s) => self.enc.write_str(s),
            Item::Strs(items) => {
                self.enc.write_list_header(items.len())?;
                for s in *items {
                    self.enc.write_str(s)?;
                }
                Ok(())
            }
            Item::Map(m) => self.enc.write_map(m),
        }
    }
    fn finish(&mut self) -> Result<(), EncodeError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.enc.end_map(self.at, self.len)
    }
}

fn notification_entries<'e>(e: &mut Entries<'e, '_>, f: &Features, n: &'e NotificationFilter) {
    if !f.notification_filters {
        return;
    }
    e.put_item(
        "notifications_minimum_severity",
        n.minimum_severity.as_deref().map(Item::Str),
    );
    let key = if f.disabled_classifications {
        "notifications_disabled_classifications"
    } else {
        "notifications_disabled_categories"
    };
    e.put_item(key, n.disabled_categories.as_deref().map(Item::Strs));
}

fn tx_meta_entries(enc: Encoder<'_>, f: &Features, m: &TxMeta) -> Result<(), EncodeError> {
    let mut e = Entries::new(enc);
    if !m.bookmarks.is_empty() {
        e.put_item("bookmarks", Some(Item::Strs(&m.bookmarks)));
    }
    e.put_opt("tx_timeout", m.timeout_ms.map(Value::Int));
    e.put_item(
        "tx_metadata",
        m.metadata.as_ref().filter(|m| !m.is_empty()).map(Item::Map),
    );
    if m.read {
        e.put_item("mode", Some(Item::Str("r")));
    }
    if f.pull_n {
        e.put_item("db", m.db.as_deref().map(Item::Str));
    }
    if f.imp_user {
        e.put_item("imp_user", m.imp_user.as_deref().map(Item::Str));
    }
    notification_entries(&mut e, f, &m.notifications);
    e.finish()
}

/// Encodes the body (unchunked) of `req` for a connection with `f` into `out`.
///
/// Returns `Ok(false)` when `req` does not exist in this version and nothing was written.
///
/// # Errors
/// When a parameter cannot be encoded (unsendable type, type not in this version).
pub fn encode(out: &mut Vec<u8>, f: &Features, req: &Request<'_>) -> Result<bool, EncodeError> {
    let mut enc = Encoder::new(out, f.dialect);
    match req {
        Request::Hello(p, auth) if !f.hello => {
            enc.write_struct_header(2, tag::HELLO);
            enc.write_str(&p.user_agent)?;
            auth_entries(Entries::new(enc), auth).finish()?;
        }
        Request::Hello(p, auth) => {
            enc.write_struct_header(1, tag::HELLO);
            let mut e = Entries::new(enc);
            e.put_item("user_agent", Some(Item::Str(&p.user_agent)));
            if !f.logon {
                e = auth_entries(e, auth);
            }
            if f.hello_routing {
                e.put_item("routing", p.routing.as_ref().map(Item::Map));
            }
            if f.utc_patch {
                e.put("patch_bolt", list_of_strings(&["utc".to_owned()]));
            }
            notification_entries(&mut e, f, &p.notifications);
            if f.bolt_agent {
                e.put_item("bolt_agent", p.bolt_agent.as_ref().map(Item::Map));
            }
            e.finish()?;
        }
        Request::Logon(auth) if f.logon => {
            enc.write_struct_header(1, tag::LOGON);
            auth_entries(Entries::new(enc), auth).finish()?;
        }
        Request::Logoff if f.logon => enc.write_struct_header(0, tag::LOGOFF),
        Request::Goodbye if f.hello => enc.write_struct_header(0, tag::GOODBYE),
        Request::Reset => enc.write_struct_header(0, tag::RESET),
        Request::AckFailure if !f.hello => enc.write_struct_header(0, tag::ACK_FAILURE),
        Request::Run {
            query,
            params,
            meta,
        } => {
            enc.write_struct_header(if f.hello { 3 } else { 2 }, tag::RUN);
            enc.write_str(query)?;
            match params {
                Some(p) => enc.write_map(p)?,
                None => enc.write_map_header(0)?,
            }
            if f.hello {
                match meta {
                    Some(m) => tx_meta_entries(enc, f, m)?,
                    None => enc.write_map_header(0)?,
                }
            }
        }
        Request::Begin(m) if f.hello => {
            enc.write_struct_header(1, tag::BEGIN);
            tx_meta_entries(enc, f, m)?;
        }
        Request::Commit if f.hello => enc.write_struct_header(0, tag::COMMIT),
        Request::Rollback if f.hello => enc.write_struct_header(0, tag::ROLLBACK),
        Request::Pull { n, qid } | Request::Discard { n, qid } => {
            let t = if matches!(req, Request::Pull { .. }) {
                tag::PULL
            } else {
                tag::DISCARD
            };
            if f.pull_n {
                enc.write_struct_header(1, t);
                let mut e = Entries::new(enc);
                e.put("n", Value::Int(*n));
                if *qid != -1 {
                    e.put("qid", Value::Int(*qid));
                }
                e.finish()?;
            } else {
                enc.write_struct_header(0, t);
            }
        }
        Request::Route {
            context,
            bookmarks,
            db,
            imp_user,
        } if f.route => {
            enc.write_struct_header(3, tag::ROUTE);
            enc.write_map(context)?;
            enc.write_list_header(bookmarks.len())?;
            for b in *bookmarks {
                enc.write_str(b)?;
            }
            if f.imp_user {
                let mut e = Entries::new(enc);
                e.put_opt("db", db.map(|d| Value::String(d.to_owned())));
                e.put_opt("imp_user", imp_user.map(|u| Value::String(u.to_owned())));
                e.finish()?;
            } else {
                match db {
                    Some(d) => enc.write_str(d)?,
                    None => enc.write_null(),
                }
            }
        }
        Request::Telemetry(api) if f.telemetry => {
            enc.write_struct_header(1, tag::TELEMETRY);
            enc.write_int(*api);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn auth_entries<'e, 'o>(mut e: Entries<'e, 'o>, auth: &'e AuthToken) -> Entries<'e, 'o> {
    for (k, v) in auth.entries() {
        let item = match v {
            AuthEntry::Str(s) => Item::Str(s),
            AuthEntry::Map(m) => Item::Map(m),
        };
        e.put_item(k, Some(item));
    }
    e
}

/// Decodes one response message.
///
/// # Errors
/// On malformed bytes or an unknown message tag.
pub fn decode_response(bytes: &[u8], opts: DecodeOptions) -> Result<Response, DecodeError> {
    decode_response_reusing(bytes, opts, &mut None)
}

/// As [`decode_response`], decoding a SUCCESS's metadata into the map `spare` holds, if any
/// (taken from it; see [`Decoder::read_map_into`]): a caller that keeps the metadata of
/// one reply to decode the next of its kind into allocates nothing for it once the two
/// have the same keys. `spare` is left as it is for any other reply.
///
/// # Errors
/// As [`decode_response`].
pub fn decode_response_reusing(
    bytes: &[u8],
    opts: DecodeOptions,
    spare: &mut Option<Map>,
) -> Result<Response, DecodeError> {
    let mut d = Decoder::new(bytes, opts);
    let (fields, t) = d.read_struct_header()?;
    let resp = match (t, fields) {
        (tag::RECORD, 1) => match d.read_list_of_values() {
            Ok(values) => Response::Record(values),
            Err(e @ DecodeError::UnknownTimeZone(_)) => return Ok(Response::InvalidRecord(e)),
            Err(e) => return Err(e),
        },
        (tag::SUCCESS, 1) => Response::Success(match spare.take() {
            Some(mut meta) => {
                d.read_map_into(&mut meta)?;
                meta
            }
            None => d.read_map()?,
        }),
        (tag::FAILURE, 1) => Response::Failure(d.read_map()?),
        (tag::IGNORED, 0) => Response::Ignored,
        _ => {
            return Err(DecodeError::InvalidStruct {
                tag: t,
                reason: "unknown response message",
            })
        }
    };
    if !d.is_at_end() {
        return Err(DecodeError::InvalidStruct {
            tag: t,
            reason: "trailing bytes after message",
        });
    }
    Ok(resp)
}
