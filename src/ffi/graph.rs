//! Graph views: `boltc_node`, `boltc_relationship` and `boltc_path`, borrowed from their value.

use super::error::boltc_error;
use super::error::ffi_status;
use super::guard::ffi_value;
use super::handle::{view, view_ref, write_str};
use super::status::{boltc_status, Failure, FfiResult};
use super::value::*;
use crate::value::{Node, Path, Relationship};
use std::ffi::c_char;
use std::ptr;

fn node<'a>(n: *const boltc_node) -> FfiResult<&'a Node> {
    // SAFETY: NULL or a live node view (header contract).
    unsafe { view_ref(n, "node") }
}

fn rel<'a>(r: *const boltc_relationship) -> FfiResult<&'a Relationship> {
    // SAFETY: NULL or a live relationship view (header contract).
    unsafe { view_ref(r, "relationship") }
}

fn path<'a>(p: *const boltc_path) -> FfiResult<&'a Path> {
    // SAFETY: NULL or a live path view (header contract).
    unsafe { view_ref(p, "path") }
}

/// The legacy numeric id (-1 if the server sent none, or for NULL).
#[no_mangle]
pub extern "C" fn boltc_node_id(n: *const boltc_node) -> i64 {
    ffi_value!(-1, { node(n).map_or(-1, |n| n.id) })
}

/// The element id (UTF-8, not NUL-terminated), borrowed from the node.
#[no_mangle]
pub extern "C" fn boltc_node_element_id(
    n: *const boltc_node,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_str(&node(n)?.element_id, str_out, len_out)
    })
}

/// The number of labels; 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_node_labels_len(n: *const boltc_node) -> usize {
    ffi_value!(0, { node(n).map_or(0, |n| n.labels.len()) })
}

/// Label `index` (UTF-8, not NUL-terminated), borrowed from the node.
#[no_mangle]
pub extern "C" fn boltc_node_label(
    n: *const boltc_node,
    index: usize,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let l = node(n)?
            .labels
            .get(index)
            .ok_or_else(|| Failure::invalid(format!("label {index} out of range")))?;
        write_str(l, str_out, len_out)
    })
}

/// The properties, borrowed from the node; NULL for NULL.
#[no_mangle]
pub extern "C" fn boltc_node_properties(n: *const boltc_node) -> *const boltc_map {
    ffi_value!(ptr::null(), {
        node(n).map_or(ptr::null(), |n| view(&n.properties))
    })
}

/// Which id `boltc_relationship_id` returns.
pub const BOLTC_REL_ID: i32 = 0;
/// The start node's id.
pub const BOLTC_REL_START_ID: i32 = 1;
/// The end node's id.
pub const BOLTC_REL_END_ID: i32 = 2;

/// A legacy numeric id of the relationship (`BOLTC_REL_ID`) or of its start or end node
/// (`BOLTC_REL_START_ID`, `BOLTC_REL_END_ID`); -1 for NULL or another `which`.
#[no_mangle]
pub extern "C" fn boltc_relationship_id(r: *const boltc_relationship, which: i32) -> i64 {
    ffi_value!(-1, {
        rel(r).map_or(-1, |r| match which {
            BOLTC_REL_ID => r.id,
            BOLTC_REL_START_ID => r.start_node_id,
            BOLTC_REL_END_ID => r.end_node_id,
            _ => -1,
        })
    })
}

/// An element id (UTF-8, not NUL-terminated) of the relationship or of its start/end node
/// (`which` as for `boltc_relationship_id`), borrowed from the relationship.
#[no_mangle]
pub extern "C" fn boltc_relationship_element_id(
    r: *const boltc_relationship,
    which: i32,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        let r = rel(r)?;
        let s = match which {
            BOLTC_REL_ID => &r.element_id,
            BOLTC_REL_START_ID => &r.start_node_element_id,
            BOLTC_REL_END_ID => &r.end_node_element_id,
            _ => return Err(Failure::invalid(format!("unknown id selector {which}"))),
        };
        write_str(s, str_out, len_out)
    })
}

/// The relationship type (UTF-8, not NUL-terminated), borrowed from the relationship.
#[no_mangle]
pub extern "C" fn boltc_relationship_type(
    r: *const boltc_relationship,
    str_out: *mut *const c_char,
    len_out: *mut usize,
    error_out: *mut *mut boltc_error,
) -> boltc_status {
    ffi_status!(error_out, {
        write_str(&rel(r)?.rel_type, str_out, len_out)
    })
}

/// The properties, borrowed from the relationship; NULL for NULL.
#[no_mangle]
pub extern "C" fn boltc_relationship_properties(r: *const boltc_relationship) -> *const boltc_map {
    ffi_value!(ptr::null(), {
        rel(r).map_or(ptr::null(), |r| view(&r.properties))
    })
}

/// The number of relationships (segments) of the path; it has one node more. 0 for NULL.
#[no_mangle]
pub extern "C" fn boltc_path_len(p: *const boltc_path) -> usize {
    ffi_value!(0, { path(p).map_or(0, Path::len) })
}

/// Node `index` (0 ..= len) of the path, borrowed from it; NULL when out of range.
#[no_mangle]
pub extern "C" fn boltc_path_node(p: *const boltc_path, index: usize) -> *const boltc_node {
    ffi_value!(ptr::null(), {
        path(p)
            .ok()
            .and_then(|p| p.nodes.get(index))
            .map_or(ptr::null(), |n| view(&**n))
    })
}

/// Relationship `index` (0 .. len) of the path, borrowed from it; NULL when out of range.
/// Each keeps its own direction: compare its start/end ids with the neighbouring nodes.
#[no_mangle]
pub extern "C" fn boltc_path_relationship(
    p: *const boltc_path,
    index: usize,
) -> *const boltc_relationship {
    ffi_value!(ptr::null(), {
        path(p)
            .ok()
            .and_then(|p| p.relationships.get(index))
            .map_or(ptr::null(), |r| view(&**r))
    })
}
