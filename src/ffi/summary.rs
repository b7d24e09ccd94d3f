//! `boltc_summary`: what a consumed result reports (counters, query type, timings, server,
//! notifications, GQL status objects) and `boltc_plan`, the typed `EXPLAIN`/`PROFILE` tree.

use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{
    box_free, box_into_raw, box_ref, declare_handle, view, view_ref, write_opt_str, write_str,
    Handle, Opaque, Out,
};
use super::server_info::write_protocol_version;
use super::status::{boltc_status, Failure, FfiResult};
use super::value::boltc_map;
use crate::driver::{GqlStatusObject, Plan, Summary};
use std::ffi::c_char;
use std::ptr;

/// The summary of a consumed result. Ownership: the caller's (from `boltc_result_consume`),
/// freed with `boltc_summary_free`; strings and maps read from it are borrowed until then.
pub struct boltc_summary {
    magic: u32,
    summary: Summary,
    /// The `EXPLAIN` plan and the `PROFILE` profile as typed trees, built once (views into
    /// them stay valid until the summary is freed).
    plan: Option<Plan>,
    profile: Option<Plan>,
}

declare_handle!(Box, boltc_summary, 0xB017_05A1);

impl boltc_summary {
    /// A new summary handle (the caller's, freed with `boltc_summary_free`).
    pub(crate) fn into_raw(summary: Summary) -> *mut boltc_summary {
        box_into_raw(boltc_summary {
            magic: Self::MAGIC,
            plan: summary.plan_tree(),
            profile: summary.profile_tree(),
            summary,
        })
    }
}

/// What a query changed (a plain C struct, filled by `boltc_summary_counters`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
#[allow(missing_docs)] // the field names are the server's statistic names
pub struct boltc_counters {
    pub nodes_created: i64,
    pub nodes_deleted: i64,
    pub relationships_created: i64,
    pub relationships_deleted: i64,
    pub properties_set: i64,
    pub labels_added: i64,
    pub labels_removed: i64,
    pub indexes_added: i64,
    pub indexes_removed: i64,
    pub constraints_added: i64,
    pub constraints_removed: i64,
    pub system_updates: i64,
    pub contains_updates: bool,
    pub contains_system_updates: bool,
}

/// Query type unknown (the server did not say).
pub const BOLTC_QUERY_TYPE_UNKNOWN: i32 = -1;
/// Read only.
pub const BOLTC_QUERY_TYPE_READ: i32 = 0;
/// Read and write.
pub const BOLTC_QUERY_TYPE_READ_WRITE: i32 = 1;
/// Write only.
pub const BOLTC_QUERY_TYPE_WRITE: i32 = 2;
/// Schema changes.
pub const BOLTC_QUERY_TYPE_SCHEMA: i32 = 3;

fn summary<'a>(s: *const boltc_summary) -> FfiResult<&'a Summary> {
    // SAFETY: NULL or a live boltc_summary (header contract of every caller).
    unsafe { box_ref(s) }.map(|s| &s.summary)
}

/// Fills `*counters_out` with what the query changed.
#[no_mangle]
pub extern "C" fn boltc_summary_counters(
    summary_: *const boltc_summary,
    counters_out: *mut boltc_counters,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(counters_out, "counters_out")?;
        let c = &summary(summary_)?.counters;
        out.write(boltc_counters {
            nodes_created: c.nodes_created,
            nodes_deleted: c.nodes_deleted,
            relationships_created: c.relationships_created,
            relationships_deleted: c.relationships_deleted,
            properties_set: c.properties_set,
            labels_added: c.labels_added,
            labels_removed: c.labels_removed,
            indexes_added: c.indexes_added,
            indexes_removed: c.indexes_removed,
            constraints_added: c.constraints_added,
            constraints_removed: c.constraints_removed,
            system_updates: c.system_updates,
            contains_updates: c.contains_updates,
            contains_system_updates: c.contains_system_updates,
        });
        Ok(())
    })
}

/// The query type: one of `BOLTC_QUERY_TYPE_*` (`UNKNOWN` also for NULL).
#[no_mangle]
pub extern "C" fn boltc_summary_query_type(summary_: *const boltc_summary) -> i32 {
    use crate::driver::QueryType;
    ffi_value!(BOLTC_QUERY_TYPE_UNKNOWN, {
        match summary(summary_).ok().and_then(|s| s.query_type) {
            Some(QueryType::Read) => BOLTC_QUERY_TYPE_READ,
            Some(QueryType::ReadWrite) => BOLTC_QUERY_TYPE_READ_WRITE,
            Some(QueryType::Write) => BOLTC_QUERY_TYPE_WRITE,
            Some(QueryType::Schema) => BOLTC_QUERY_TYPE_SCHEMA,
            None => BOLTC_QUERY_TYPE_UNKNOWN,
        }
    })
}

/// Milliseconds until the first record was available; -1 if unknown (or NULL).
#[no_mangle]
pub extern "C" fn boltc_summary_result_available_after_ms(summary_: *const boltc_summary) -> i64 {
    ffi_value!(-1, {
        summary(summary_)
            .ok()
            .and_then(|s| s.result_available_after)
            .unwrap_or(-1)
    })
}

/// Milliseconds until the last record was consumed; -1 if unknown (or NULL).
#[no_mangle]
pub extern "C" fn boltc_summary_result_consumed_after_ms(summary_: *const boltc_summary) -> i64 {
    ffi_value!(-1, {
        summary(summary_)
            .ok()
            .and_then(|s| s.result_consumed_after)
            .unwrap_or(-1)
    })
}

/// Which string `boltc_summary_string` returns.
pub const BOLTC_SUMMARY_DATABASE: i32 = 0;
/// The server agent, e.g. `Neo4j/5.13.0`.
pub const BOLTC_SUMMARY_SERVER_AGENT: i32 = 1;
/// The server address `host:port`.
pub const BOLTC_SUMMARY_SERVER_ADDRESS: i32 = 2;
/// The bookmark (auto-commit queries).
pub const BOLTC_SUMMARY_BOOKMARK: i32 = 3;
/// The query text.
pub const BOLTC_SUMMARY_QUERY: i32 = 4;
/// The server-assigned id of the connection that ran the query, e.g. `bolt-123`.
pub const BOLTC_SUMMARY_CONNECTION_ID: i32 = 5;

/// A string of the summary selected by `which` (`BOLTC_SUMMARY_DATABASE`, `..._SERVER_AGENT`,
/// `..._SERVER_ADDRESS`, `..._BOOKMARK`, `..._QUERY`, `..._CONNECTION_ID`), as UTF-8 bytes (not NUL-terminated),
/// borrowed until `summary` is freed. `*str_out` is NULL (length 0) when the server sent none.
#[no_mangle]
pub extern "C" fn boltc_summary_string(
    summary_: *const boltc_summary,
    which: i32,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let s = summary(summary_)?;
        let v: Option<&str> = match which {
            BOLTC_SUMMARY_DATABASE => s.database.as_deref(),
            BOLTC_SUMMARY_SERVER_AGENT => Some(&s.server.agent),
            BOLTC_SUMMARY_SERVER_ADDRESS => Some(&s.server.address),
            BOLTC_SUMMARY_BOOKMARK => s.bookmark.as_deref(),
            BOLTC_SUMMARY_QUERY => Some(&s.query),
            BOLTC_SUMMARY_CONNECTION_ID => Some(&s.server.connection_id),
            _ => return Err(Failure::invalid(format!("unknown summary string {which}"))),
        };
        write_opt_str(v, str_out, len_out)
    })
}

/// The negotiated Bolt version of the connection that ran the query.
#[no_mangle]
pub extern "C" fn boltc_summary_protocol_version(
    summary_: *const boltc_summary,
    major_out: *mut u8,
    minor_out: *mut u8,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_protocol_version(major_out, minor_out, || Ok(&summary(summary_)?.server))
    })
}

/// The number of notifications; 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_summary_notifications_len(summary_: *const boltc_summary) -> usize {
    ffi_value!(0, {
        summary(summary_).map_or(0, |s| s.notifications.len())
    })
}

/// Notification `index` as the map the server sent (`code`, `title`, `description`,
/// `severity`, `category`, `position`), borrowed until `summary` is freed; NULL when out of
/// range.
#[no_mangle]
pub extern "C" fn boltc_summary_notification(
    summary_: *const boltc_summary,
    index: usize,
) -> *const boltc_map {
    ffi_value!(ptr::null(), {
        summary(summary_)
            .ok()
            .and_then(|s| s.notifications.get(index))
            .map_or(ptr::null(), |n| view(&n.raw))
    })
}

/// Everything the server sent in the RUN reply and the final reply, merged (plan, profile,
/// statuses, ...), borrowed until `summary` is freed; NULL for NULL.
#[no_mangle]
pub extern "C" fn boltc_summary_metadata(summary_: *const boltc_summary) -> *const boltc_map {
    ffi_value!(ptr::null(), {
        summary(summary_).map_or(ptr::null(), |s| view(&s.metadata))
    })
}

/// Frees a summary. NULL is ignored.
#[no_mangle]
pub extern "C" fn boltc_summary_free(summary_: *mut boltc_summary) {
    ffi_value!((), {
        // SAFETY: NULL or an owned boltc_summary freed once (header contract).
        unsafe { box_free(summary_) }
    })
}

// ----- GQL status objects -----

/// Which string `boltc_summary_gql_status_string` returns: the GQLSTATUS code, e.g. `00000`.
pub const BOLTC_GQL_STATUS_CODE: i32 = 0;
/// The status description.
pub const BOLTC_GQL_STATUS_DESCRIPTION: i32 = 1;
/// The severity, parsed: `WARNING`, `INFORMATION` or `UNKNOWN` (missing or not known).
pub const BOLTC_GQL_STATUS_SEVERITY: i32 = 2;
/// The classification, parsed: `HINT`, `UNRECOGNIZED`, `UNSUPPORTED`, `PERFORMANCE`,
/// `DEPRECATION`, `SECURITY`, `TOPOLOGY`, `GENERIC`, `SCHEMA` or `UNKNOWN`.
pub const BOLTC_GQL_STATUS_CLASSIFICATION: i32 = 3;
/// The severity as the server sent it (`_severity`); NULL when it sent none.
pub const BOLTC_GQL_STATUS_RAW_SEVERITY: i32 = 4;
/// The classification as the server sent it (`_classification`); NULL when it sent none.
pub const BOLTC_GQL_STATUS_RAW_CLASSIFICATION: i32 = 5;

fn gql_status<'a>(s: *const boltc_summary, index: usize) -> FfiResult<&'a GqlStatusObject> {
    let s = summary(s)?;
    s.gql_status_objects.get(index).ok_or_else(|| {
        Failure::invalid(format!(
            "GQL status index {index} out of range (the summary has {})",
            s.gql_status_objects.len()
        ))
    })
}

/// The number of GQL status objects; 0 for NULL. They are what a Bolt 5.6+ server sent, in its
/// order, or (older servers) derived from the outcome (`00000` records came back, `02000` no
/// data, `00001` no result columns) and the notifications (`01N42` warnings, `03N42` others).
#[no_mangle]
pub extern "C" fn boltc_summary_gql_statuses_len(summary_: *const boltc_summary) -> usize {
    ffi_value!(0, {
        summary(summary_).map_or(0, |s| s.gql_status_objects.len())
    })
}

/// A string of GQL status object `index`, selected by `which` (`BOLTC_GQL_STATUS_CODE`,
/// `..._DESCRIPTION`, `..._SEVERITY`, `..._CLASSIFICATION`, `..._RAW_SEVERITY`,
/// `..._RAW_CLASSIFICATION`), as UTF-8 bytes (not NUL-terminated), borrowed until `summary` is
/// freed; `*str_out` is NULL (length 0) for a raw value the server did not send. An index out of
/// range or an unknown `which` is `BOLTC_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn boltc_summary_gql_status_string(
    summary_: *const boltc_summary,
    index: usize,
    which: i32,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let g = gql_status(summary_, index)?;
        let v: Option<&str> = match which {
            BOLTC_GQL_STATUS_CODE => Some(&g.gql_status),
            BOLTC_GQL_STATUS_DESCRIPTION => Some(&g.status_description),
            BOLTC_GQL_STATUS_SEVERITY => Some(g.severity().as_str()),
            BOLTC_GQL_STATUS_CLASSIFICATION => Some(g.classification().as_str()),
            BOLTC_GQL_STATUS_RAW_SEVERITY => g.raw_severity.as_deref(),
            BOLTC_GQL_STATUS_RAW_CLASSIFICATION => g.raw_classification.as_deref(),
            _ => {
                return Err(Failure::invalid(format!(
                    "unknown GQL status string {which}"
                )))
            }
        };
        write_opt_str(v, str_out, len_out)
    })
}

/// Whether GQL status object `index` is also a notification (it carries a legacy
/// `neo4j_code`); false when out of range or for NULL.
#[no_mangle]
pub extern "C" fn boltc_summary_gql_status_is_notification(
    summary_: *const boltc_summary,
    index: usize,
) -> bool {
    ffi_value!(false, {
        gql_status(summary_, index).is_ok_and(|g| g.is_notification)
    })
}

/// The diagnostic record of GQL status object `index` as sent, with the defaults added where
/// missing (`OPERATION`, `OPERATION_CODE`, `CURRENT_SCHEMA`), borrowed until `summary` is
/// freed; NULL when out of range or for NULL.
#[no_mangle]
pub extern "C" fn boltc_summary_gql_status_diagnostic_record(
    summary_: *const boltc_summary,
    index: usize,
) -> *const boltc_map {
    ffi_value!(ptr::null(), {
        gql_status(summary_, index).map_or(ptr::null(), |g| view(&g.diagnostic_record))
    })
}

/// The position in the query of GQL status object `index` (a map with `offset`, `line`,
/// `column`), borrowed until `summary` is freed; NULL when the server sent none, when out of
/// range or for NULL.
#[no_mangle]
pub extern "C" fn boltc_summary_gql_status_position(
    summary_: *const boltc_summary,
    index: usize,
) -> *const boltc_map {
    ffi_value!(ptr::null(), {
        gql_status(summary_, index)
            .ok()
            .and_then(|g| g.position.as_ref())
            .map_or(ptr::null(), view)
    })
}

// ----- plans and profiles -----

/// One operator of an `EXPLAIN` plan or a `PROFILE` profile with its inputs (opaque view,
/// borrowed from its summary until `boltc_summary_free`). Threads: immutable.
pub struct boltc_plan {
    _private: [u8; 0],
}
impl Opaque for boltc_plan {
    type Target = Plan;
}

/// What one operator of a `PROFILE` profile did (a plain C struct, filled by
/// `boltc_plan_stats`); figures the server left out are 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct boltc_profile_stats {
    /// False for an operator of an `EXPLAIN` plan (no figures; the others are then 0).
    pub has_stats: bool,
    /// Database hits.
    pub db_hits: i64,
    /// Rows produced.
    pub rows: i64,
    /// Page cache hits.
    pub page_cache_hits: i64,
    /// Page cache misses.
    pub page_cache_misses: i64,
    /// Page cache hit ratio (0 to 1).
    pub page_cache_hit_ratio: f64,
    /// Time spent, in the server's unit (nanoseconds on Neo4j 5).
    pub time: i64,
}

/// The root operator of the `EXPLAIN` plan, borrowed until `summary` is freed; NULL when the
/// query was not explained, or for NULL.
#[no_mangle]
pub extern "C" fn boltc_summary_plan(summary_: *const boltc_summary) -> *const boltc_plan {
    ffi_value!(ptr::null(), {
        // SAFETY: NULL or a live boltc_summary (header contract).
        unsafe { box_ref(summary_) }
            .ok()
            .and_then(|s| s.plan.as_ref())
            .map_or(ptr::null(), view)
    })
}

/// The root operator of the `PROFILE` profile (each operator with its figures, see
/// `boltc_plan_stats`), borrowed until `summary` is freed; NULL when the query was not
/// profiled, or for NULL.
#[no_mangle]
pub extern "C" fn boltc_summary_profile(summary_: *const boltc_summary) -> *const boltc_plan {
    ffi_value!(ptr::null(), {
        // SAFETY: NULL or a live boltc_summary (header contract).
        unsafe { box_ref(summary_) }
            .ok()
            .and_then(|s| s.profile.as_ref())
            .map_or(ptr::null(), view)
    })
}

fn plan<'a>(p: *const boltc_plan) -> FfiResult<&'a Plan> {
    // SAFETY: NULL or a view from boltc_summary_plan/_profile/boltc_plan_child whose summary
    // is alive (header contract of every caller).
    unsafe { view_ref(p, "plan") }
}

/// The operator's name, e.g. `ProduceResults` (some servers append `@neo4j`: kept as sent),
/// as UTF-8 bytes (not NUL-terminated), borrowed until the summary is freed.
#[no_mangle]
pub extern "C" fn boltc_plan_operator_type(
    plan_: *const boltc_plan,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_str(&plan(plan_)?.operator_type, str_out, len_out)
    })
}

/// The operator's arguments (estimated rows, planner, runtime, ...), borrowed until the
/// summary is freed; NULL for NULL.
#[no_mangle]
pub extern "C" fn boltc_plan_arguments(plan_: *const boltc_plan) -> *const boltc_map {
    ffi_value!(ptr::null(), {
        plan(plan_).map_or(ptr::null(), |p| view(&p.arguments))
    })
}

/// The number of variables the operator produces; 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_plan_identifiers_len(plan_: *const boltc_plan) -> usize {
    ffi_value!(0, { plan(plan_).map_or(0, |p| p.identifiers.len()) })
}

/// Variable `index` the operator produces, as UTF-8 bytes (not NUL-terminated), borrowed until
/// the summary is freed; out of range is `BOLTC_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn boltc_plan_identifier(
    plan_: *const boltc_plan,
    index: usize,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let p = plan(plan_)?;
        let id = p.identifiers.get(index).ok_or_else(|| {
            Failure::invalid(format!(
                "identifier index {index} out of range (the operator has {})",
                p.identifiers.len()
            ))
        })?;
        write_str(id, str_out, len_out)
    })
}

/// The number of operators feeding this one; 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_plan_children_len(plan_: *const boltc_plan) -> usize {
    ffi_value!(0, { plan(plan_).map_or(0, |p| p.children.len()) })
}

/// Input operator `index`, borrowed until the summary is freed; NULL when out of range or for
/// NULL.
#[no_mangle]
pub extern "C" fn boltc_plan_child(plan_: *const boltc_plan, index: usize) -> *const boltc_plan {
    ffi_value!(ptr::null(), {
        plan(plan_)
            .ok()
            .and_then(|p| p.children.get(index))
            .map_or(ptr::null(), view)
    })
}

/// Fills `*stats_out` with what the operator did (`has_stats` false for a plan operator).
#[no_mangle]
pub extern "C" fn boltc_plan_stats(
    plan_: *const boltc_plan,
    stats_out: *mut boltc_profile_stats,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let out = Out::new(stats_out, "stats_out")?;
        out.write(
            plan(plan_)?
                .stats
                .map_or_else(boltc_profile_stats::default, |s| boltc_profile_stats {
                    has_stats: true,
                    db_hits: s.db_hits,
                    rows: s.rows,
                    page_cache_hits: s.page_cache_hits,
                    page_cache_misses: s.page_cache_misses,
                    page_cache_hit_ratio: s.page_cache_hit_ratio,
                    time: s.time,
                }),
        );
        Ok(())
    })
}
