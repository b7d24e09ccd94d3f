"""The ctypes declarations of every function in ``include/boltc.h`` and the library loader.

``SIGNATURES`` maps each C function to ``(restype, argtypes)``; ``tests/test_ffi.py`` checks it
against the header, so a C API change that is not mirrored here fails the tests.

The library is looked up, in order, at ``$BOLTC_LIBRARY``, next to this file (``libboltc.so``,
``libboltc.dylib`` or ``boltc.dll``), and in a cargo ``target/release`` or ``target/debug``
directory found by walking up from this file and from the current directory.
"""

from __future__ import annotations

import ctypes
import os
import sys
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_bool,
    c_char_p,
    c_double,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_ssize_t,
    c_uint8,
    c_uint16,
    c_uint64,
    c_void_p,
    py_object,
)
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

_P = POINTER
_PP = POINTER(c_void_p)

if sys.platform == "darwin":
    LIBRARY_NAME = "libboltc.dylib"
elif sys.platform == "win32":
    LIBRARY_NAME = "boltc.dll"
else:
    LIBRARY_NAME = "libboltc.so"


class CPoolMetrics(Structure):
    _fields_ = [(name, c_uint64) for name in ("in_use", "idle", "waiting", "created", "closed")]


class CDate(Structure):
    _fields_ = [("days", c_int64)]


class CTime(Structure):
    _fields_ = [("nanoseconds", c_int64), ("tz_offset_seconds", c_int32)]


class CDateTime(Structure):
    _fields_ = [
        ("seconds", c_int64),
        ("nanoseconds", c_int32),
        ("tz_offset_seconds", c_int32),
        ("tz_id", c_void_p),
        ("tz_id_len", c_size_t),
    ]


class CDuration(Structure):
    _fields_ = [
        ("months", c_int64),
        ("days", c_int64),
        ("seconds", c_int64),
        ("nanoseconds", c_int32),
    ]


class CPoint(Structure):
    _fields_ = [
        ("srid", c_int64),
        ("dimensions", c_int32),
        ("x", c_double),
        ("y", c_double),
        ("z", c_double),
    ]


class CVector(Structure):
    _fields_ = [("element_type", c_int32), ("data", c_void_p), ("len", c_size_t)]


class CCounters(Structure):
    _fields_ = [
        ("nodes_created", c_int64),
        ("nodes_deleted", c_int64),
        ("relationships_created", c_int64),
        ("relationships_deleted", c_int64),
        ("properties_set", c_int64),
        ("labels_added", c_int64),
        ("labels_removed", c_int64),
        ("indexes_added", c_int64),
        ("indexes_removed", c_int64),
        ("constraints_added", c_int64),
        ("constraints_removed", c_int64),
        ("system_updates", c_int64),
        ("contains_updates", c_bool),
        ("contains_system_updates", c_bool),
    ]


class CBuilder(Structure):
    """``boltc_builder``: the host's constructors for ``boltc_batch_build`` (function
    addresses; see ``_codec.py`` for the CPython ones)."""

    _fields_ = [
        (name, c_void_p)
        for name in (
            "null_object",
            "retain",
            "release",
            "new_bool",
            "new_int",
            "new_float",
            "new_string",
            "new_bytes",
            "new_list",
            "list_set",
            "new_map",
            "map_set",
            "new_row",
            "row_set",
            "scalar_row",
        )
    ] + [("row_items_offset", c_ssize_t), ("container_row", c_void_p)]


class CPyHost(Structure):
    """``boltc_pyhost``: what ``boltc_pyhost_subscript`` reads CPython objects with (see
    ``_record.py``)."""

    _fields_ = [
        ("int_type", c_void_p),
        ("type_offset", c_ssize_t),
        ("size_offset", c_ssize_t),
        ("items_offset", c_ssize_t),
        ("as_long", c_void_p),
        ("incref", c_void_p),
        ("call", c_void_p),
        ("fallback", c_void_p),
        ("str_type", c_void_p),
        ("dict_type", c_void_p),
        ("index_name", c_void_p),
        ("get_attr", c_void_p),
        ("dict_get", c_void_p),
        ("decref", c_void_p),
    ]


LOG_CALLBACK = CFUNCTYPE(None, c_int32, c_char_p, c_void_p)
# boltc_bookmarks_get_callback(user_data, list), _update_callback(user_data, previous,
# previous_len, new, new_len), _release_callback(user_data).
BOOKMARKS_GET_CALLBACK = CFUNCTYPE(None, c_void_p, c_void_p)
BOOKMARKS_UPDATE_CALLBACK = CFUNCTYPE(None, c_void_p, POINTER(c_char_p), c_size_t, POINTER(c_char_p), c_size_t)
BOOKMARKS_RELEASE_CALLBACK = CFUNCTYPE(None, c_void_p)
# boltc_transaction_work(transaction, user_data, error_out) -> boltc_status.
TRANSACTION_WORK = CFUNCTYPE(c_int, c_void_p, c_void_p, POINTER(c_void_p))
# boltc_auth_manager_get_auth(user_data, auth_out, error_out) -> boltc_status.
AUTH_MANAGER_GET_AUTH = CFUNCTYPE(c_int, c_void_p, POINTER(c_void_p), POINTER(c_void_p))
# boltc_auth_manager_handle_security_error(auth, error, user_data) -> handled.
AUTH_MANAGER_HANDLE_SECURITY_ERROR = CFUNCTYPE(c_bool, c_void_p, c_void_p, c_void_p)
# boltc_auth_provider(user_data, auth_out, expires_in_ms_out, error_out) -> boltc_status.
AUTH_PROVIDER = CFUNCTYPE(c_int, c_void_p, POINTER(c_void_p), POINTER(c_int64), POINTER(c_void_p))
# boltc_free_callback(user_data).
FREE_CALLBACK = CFUNCTYPE(None, c_void_p)
# boltc_resolver_callback(host, port, sink, user_data).
RESOLVER_CALLBACK = CFUNCTYPE(None, c_char_p, c_uint16, c_void_p, c_void_p)
# boltc_domain_name_resolver_callback(name, sink, user_data).
DOMAIN_NAME_RESOLVER_CALLBACK = CFUNCTYPE(None, c_char_p, c_void_p, c_void_p)
# boltc_client_certificate_provider(user_data, sink, error_out) -> boltc_status.
CLIENT_CERTIFICATE_PROVIDER = CFUNCTYPE(c_int, c_void_p, c_void_p, POINTER(c_void_p))

# name: (restype, argtypes). Handles are c_void_p; `T **` out-params are POINTER(c_void_p);
# boltc_status and boltc_value_type are c_int.
SIGNATURES: Dict[str, Tuple[Any, List[Any]]] = {
    "boltc_version": (c_char_p, []),
    "boltc_status_name": (c_char_p, [c_int]),
    "boltc_config_new": (c_int, [c_char_p, _PP, _PP]),
    "boltc_config_set_basic_auth": (c_int, [c_void_p, c_char_p, c_char_p, _PP]),
    "boltc_config_set_bearer_auth": (c_int, [c_void_p, c_char_p, _PP]),
    "boltc_config_set_auth": (c_int, [c_void_p, c_void_p, _PP]),
    "boltc_config_set_client_certificate": (c_int, [c_void_p, c_char_p, c_char_p, c_char_p, _PP]),
    "boltc_auth_basic": (c_int, [c_char_p, c_char_p, c_char_p, _PP, _PP]),
    "boltc_auth_bearer": (c_int, [c_char_p, _PP, _PP]),
    "boltc_auth_kerberos": (c_int, [c_char_p, _PP, _PP]),
    "boltc_auth_none": (c_int, [_PP, _PP]),
    "boltc_auth_custom": (c_int, [c_char_p, c_char_p, c_char_p, c_char_p, c_void_p, _PP, _PP]),
    "boltc_auth_free": (None, [c_void_p]),
    "boltc_session_config_set_auth": (c_int, [c_void_p, c_void_p, _PP]),
    "boltc_driver_verify_authentication": (c_int, [c_void_p, c_void_p, POINTER(c_bool), _PP]),
    "boltc_config_set_auth_manager": (
        c_int, [c_void_p, AUTH_MANAGER_GET_AUTH, AUTH_MANAGER_HANDLE_SECURITY_ERROR, c_void_p, FREE_CALLBACK, _PP]),
    "boltc_config_set_basic_auth_manager": (c_int, [c_void_p, AUTH_PROVIDER, c_void_p, FREE_CALLBACK, _PP]),
    "boltc_config_set_bearer_auth_manager": (c_int, [c_void_p, AUTH_PROVIDER, c_void_p, FREE_CALLBACK, _PP]),
    "boltc_auth_clone": (c_void_p, [c_void_p]),
    "boltc_auth_equal": (c_bool, [c_void_p, c_void_p]),
    "boltc_config_set_resolver": (c_int, [c_void_p, RESOLVER_CALLBACK, c_void_p, FREE_CALLBACK, _PP]),
    "boltc_resolver_add": (c_int, [c_void_p, c_char_p, c_uint16, _PP]),
    "boltc_config_set_client_certificate_provider": (
        c_int, [c_void_p, CLIENT_CERTIFICATE_PROVIDER, c_void_p, FREE_CALLBACK, _PP]),
    "boltc_client_certificate_sink_set": (c_int, [c_void_p, c_char_p, c_char_p, c_char_p, _PP]),
    "boltc_config_set_domain_name_resolver": (
        c_int, [c_void_p, DOMAIN_NAME_RESOLVER_CALLBACK, c_void_p, FREE_CALLBACK, _PP]),
    "boltc_domain_name_sink_add": (c_int, [c_void_p, c_char_p, _PP]),
    "boltc_config_set_max_message_size": (c_int, [c_void_p, c_size_t, _PP]),
    "boltc_config_set_max_chunk_size": (c_int, [c_void_p, c_size_t, _PP]),
    "boltc_config_set_routing_table_purge_delay_ms": (c_int, [c_void_p, c_uint64, _PP]),
    "boltc_driver_routing_table": (c_int, [c_void_p, c_char_p, _PP, _PP]),
    "boltc_routing_table_len": (c_size_t, [c_void_p, c_int32]),
    "boltc_routing_table_address": (c_int, [c_void_p, c_int32, c_size_t, _PP, _P(c_size_t), _PP]),
    "boltc_routing_table_database": (c_int, [c_void_p, _PP, _P(c_size_t), _PP]),
    "boltc_routing_table_ttl_ms": (c_uint64, [c_void_p]),
    "boltc_routing_table_free": (None, [c_void_p]),
    "boltc_config_set_user_agent": (c_int, [c_void_p, c_char_p, _PP]),
    "boltc_config_set_encrypted": (c_int, [c_void_p, c_bool, _PP]),
    "boltc_config_set_telemetry_disabled": (c_int, [c_void_p, c_bool, _PP]),
    "boltc_config_set_trust": (c_int, [c_void_p, c_int32, c_char_p, _PP]),
    "boltc_config_set_connection_timeout_ms": (c_int, [c_void_p, c_uint64, _PP]),
    "boltc_config_set_max_transaction_retry_time_ms": (c_int, [c_void_p, c_uint64, _PP]),
    "boltc_config_set_retry_initial_delay_ms": (c_int, [c_void_p, c_uint64, _PP]),
    "boltc_config_set_retry_delay_multiplier": (c_int, [c_void_p, c_double, _PP]),
    "boltc_config_set_retry_delay_jitter": (c_int, [c_void_p, c_double, _PP]),
    "boltc_config_set_read_timeout_ms": (c_int, [c_void_p, c_uint64, _PP]),
    "boltc_config_set_write_timeout_ms": (c_int, [c_void_p, c_uint64, _PP]),
    "boltc_config_set_keepalive": (c_int, [c_void_p, c_bool, _PP]),
    "boltc_config_set_acquisition_timeout_ms": (c_int, [c_void_p, c_uint64, _PP]),
    "boltc_config_set_liveness_check_timeout_ms": (c_int, [c_void_p, c_int64, _PP]),
    "boltc_config_set_max_connection_lifetime_ms": (c_int, [c_void_p, c_int64, _PP]),
    "boltc_config_set_max_pool_size": (c_int, [c_void_p, c_size_t, _PP]),
    "boltc_config_set_busy_poll_us": (c_int, [c_void_p, c_uint64, _PP]),
    "boltc_config_set_fetch_size": (c_int, [c_void_p, c_int64, _PP]),
    "boltc_config_set_max_decoded_size": (c_int, [c_void_p, c_size_t, _PP]),
    "boltc_config_set_notifications_min_severity": (c_int, [c_void_p, c_char_p, _PP]),
    "boltc_config_set_notifications_disabled_categories": (c_int, [c_void_p, _P(c_char_p), c_size_t, _PP]),
    "boltc_config_free": (None, [c_void_p]),
    "boltc_session_config_new": (c_int, [_PP, _PP]),
    "boltc_session_config_set_database": (c_int, [c_void_p, c_char_p, _PP]),
    "boltc_session_config_set_access_mode": (c_int, [c_void_p, c_int32, _PP]),
    "boltc_session_config_set_fetch_size": (c_int, [c_void_p, c_int64, _PP]),
    "boltc_session_config_set_call_timeout_ms": (c_int, [c_void_p, c_int64, _PP]),
    "boltc_session_config_add_bookmark": (c_int, [c_void_p, c_char_p, _PP]),
    "boltc_session_config_set_impersonated_user": (c_int, [c_void_p, c_char_p, _PP]),
    "boltc_session_config_set_notifications_min_severity": (c_int, [c_void_p, c_char_p, _PP]),
    "boltc_session_config_set_notifications_disabled_categories": (c_int, [c_void_p, _P(c_char_p), c_size_t, _PP]),
    "boltc_session_config_free": (None, [c_void_p]),
    # bookmark managers (src/ffi/bookmarks.rs)
    "boltc_bookmark_manager_new": (c_int, [_P(c_char_p), c_size_t, _PP, _PP]),
    "boltc_bookmark_manager_new_callbacks": (
        c_int,
        [BOOKMARKS_GET_CALLBACK, BOOKMARKS_UPDATE_CALLBACK, BOOKMARKS_RELEASE_CALLBACK, c_void_p, _PP, _PP],
    ),
    "boltc_bookmark_list_add": (c_int, [c_void_p, c_char_p, _PP]),
    "boltc_bookmark_manager_free": (None, [c_void_p]),
    "boltc_session_config_set_bookmark_manager": (c_int, [c_void_p, c_void_p, _PP]),
    "boltc_driver_new": (c_int, [c_void_p, _PP, _PP]),
    "boltc_driver_verify_connectivity": (c_int, [c_void_p, _PP]),
    "boltc_driver_session": (c_int, [c_void_p, c_void_p, _PP, _PP]),
    "boltc_query_config_new": (c_int, [_PP, _PP]),
    "boltc_query_config_set_routing": (c_int, [c_void_p, c_int32, _PP]),
    "boltc_query_config_set_database": (c_int, [c_void_p, c_char_p, _PP]),
    "boltc_query_config_set_impersonated_user": (c_int, [c_void_p, c_char_p, _PP]),
    "boltc_query_config_set_bookmark_manager": (c_int, [c_void_p, c_void_p, _PP]),
    "boltc_query_config_set_transaction": (c_int, [c_void_p, c_int64, c_void_p, _PP]),
    "boltc_query_config_set_auth": (c_int, [c_void_p, c_void_p, _PP]),
    "boltc_query_config_free": (None, [c_void_p]),
    "boltc_driver_execute_query": (c_int, [c_void_p, c_char_p, c_size_t, c_void_p, c_void_p, _PP, _PP]),
    "boltc_eager_result_keys_len": (c_size_t, [c_void_p]),
    "boltc_eager_result_key": (c_int, [c_void_p, c_size_t, _PP, _P(c_size_t), _PP]),
    "boltc_eager_result_records_len": (c_size_t, [c_void_p]),
    "boltc_eager_result_value": (c_void_p, [c_void_p, c_size_t, c_size_t]),
    "boltc_eager_result_summary": (c_int, [c_void_p, _PP, _PP]),
    "boltc_eager_result_free": (None, [c_void_p]),
    "boltc_driver_close": (c_int, [c_void_p, _PP]),
    "boltc_driver_free": (None, [c_void_p]),
    "boltc_error_status": (c_int, [c_void_p]),
    "boltc_error_message": (c_char_p, [c_void_p]),
    "boltc_error_server_code": (c_char_p, [c_void_p]),
    "boltc_error_classification": (c_char_p, [c_void_p]),
    "boltc_error_is_retryable": (c_bool, [c_void_p]),
    "boltc_error_gql_status": (c_char_p, [c_void_p]),
    "boltc_error_gql_description": (c_char_p, [c_void_p]),
    "boltc_error_cause": (c_void_p, [c_void_p]),
    "boltc_error_free": (None, [c_void_p]),
    "boltc_error_new": (c_void_p, [c_int, c_char_p, c_bool]),
    "boltc_set_log_callback": (c_int, [LOG_CALLBACK, c_int32, c_void_p, _PP]),
    "boltc_result_keys_len": (c_int, [c_void_p, _P(c_size_t), _PP]),
    "boltc_result_key": (c_int, [c_void_p, c_size_t, _PP, _P(c_size_t), _PP]),
    "boltc_result_next": (c_int, [c_void_p, _PP, _PP]),
    "boltc_result_next_batch": (c_int, [c_void_p, c_size_t, _PP, _PP]),
    "boltc_result_single": (c_int, [c_void_p, _PP, _PP]),
    "boltc_result_consume": (c_int, [c_void_p, _PP, _PP]),
    "boltc_result_free": (None, [c_void_p]),
    "boltc_record_len": (c_size_t, [c_void_p]),
    "boltc_record_get": (c_void_p, [c_void_p, c_size_t]),
    "boltc_record_get_by_key": (c_int, [c_void_p, c_char_p, c_size_t, _PP, _PP]),
    "boltc_record_free": (None, [c_void_p]),
    "boltc_batch_rows": (c_size_t, [c_void_p]),
    "boltc_batch_columns": (c_size_t, [c_void_p]),
    "boltc_batch_has_more": (c_bool, [c_void_p]),
    "boltc_batch_value": (c_void_p, [c_void_p, c_size_t, c_size_t]),
    "boltc_batch_column_int": (c_int, [c_void_p, c_size_t, _P(c_int64), c_size_t, _PP]),
    "boltc_batch_column_float": (c_int, [c_void_p, c_size_t, _P(c_double), c_size_t, _PP]),
    "boltc_batch_encode": (c_int, [c_void_p, _PP, _P(c_size_t), _PP]),
    "boltc_batch_encode_columns": (c_int, [c_void_p, _PP, _P(c_size_t), _PP]),
    "boltc_batch_free": (None, [c_void_p]),
    # Called through `pylib` (the GIL held: the builder's functions are the Python C API's).
    "boltc_batch_build": (c_int, [c_void_p, _P(CBuilder), py_object, py_object, _PP]),
    "boltc_pyhost_init": (c_int, [_P(CPyHost), _PP]),
    # Never called through ctypes: its address becomes Record.__getitem__ (a METH_O method).
    "boltc_pyhost_subscript": (c_void_p, [c_void_p, c_void_p]),
    "boltc_summary_counters": (c_int, [c_void_p, _P(CCounters), _PP]),
    "boltc_summary_query_type": (c_int32, [c_void_p]),
    "boltc_summary_result_available_after_ms": (c_int64, [c_void_p]),
    "boltc_summary_result_consumed_after_ms": (c_int64, [c_void_p]),
    "boltc_summary_string": (c_int, [c_void_p, c_int32, _PP, _P(c_size_t), _PP]),
    "boltc_summary_protocol_version": (c_int, [c_void_p, _P(c_uint8), _P(c_uint8), _PP]),
    "boltc_summary_notifications_len": (c_size_t, [c_void_p]),
    "boltc_summary_notification": (c_void_p, [c_void_p, c_size_t]),
    "boltc_summary_metadata": (c_void_p, [c_void_p]),
    "boltc_summary_free": (None, [c_void_p]),
    "boltc_summary_gql_statuses_len": (c_size_t, [c_void_p]),
    "boltc_summary_gql_status_string": (c_int, [c_void_p, c_size_t, c_int32, _PP, _P(c_size_t), _PP]),
    "boltc_summary_gql_status_is_notification": (c_bool, [c_void_p, c_size_t]),
    "boltc_summary_gql_status_diagnostic_record": (c_void_p, [c_void_p, c_size_t]),
    "boltc_summary_gql_status_position": (c_void_p, [c_void_p, c_size_t]),
    "boltc_summary_plan": (c_void_p, [c_void_p]),
    "boltc_summary_profile": (c_void_p, [c_void_p]),
    "boltc_plan_operator_type": (c_int, [c_void_p, _PP, _P(c_size_t), _PP]),
    "boltc_plan_arguments": (c_void_p, [c_void_p]),
    "boltc_plan_identifiers_len": (c_size_t, [c_void_p]),
    "boltc_plan_identifier": (c_int, [c_void_p, c_size_t, _PP, _P(c_size_t), _PP]),
    "boltc_plan_children_len": (c_size_t, [c_void_p]),
    "boltc_plan_child": (c_void_p, [c_void_p, c_size_t]),
    "boltc_plan_stats": (c_int, [c_void_p, c_void_p, _PP]),
    "boltc_session_run": (c_int, [c_void_p, c_char_p, c_size_t, c_void_p, c_int64, c_void_p, _PP, _PP]),
    "boltc_session_run_cstr": (c_int, [c_void_p, c_char_p, c_void_p, _PP, _PP]),
    "boltc_session_begin": (c_int, [c_void_p, c_int64, c_void_p, _PP, _PP]),
    "boltc_session_begin_in_mode": (c_int, [c_void_p, c_int32, c_int64, c_void_p, _PP, _PP]),
    "boltc_session_execute": (c_int, [c_void_p, c_int32, c_int64, c_void_p, TRANSACTION_WORK, c_void_p, _PP]),
    "boltc_session_execute_read": (c_int, [c_void_p, TRANSACTION_WORK, c_void_p, _PP]),
    "boltc_session_execute_write": (c_int, [c_void_p, TRANSACTION_WORK, c_void_p, _PP]),
    "boltc_session_last_bookmarks": (c_int, [c_void_p, _PP, _PP]),
    "boltc_session_interrupt": (c_int, [c_void_p, _PP]),
    "boltc_session_set_call_timeout_ms": (c_int, [c_void_p, c_int64, _PP]),
    "boltc_session_set_telemetry_api": (c_int, [c_void_p, c_int32, _PP]),
    "boltc_session_close": (c_int, [c_void_p, _PP]),
    "boltc_session_free": (None, [c_void_p]),
    "boltc_transaction_run": (c_int, [c_void_p, c_char_p, c_size_t, c_void_p, _PP, _PP]),
    "boltc_transaction_run_cstr": (c_int, [c_void_p, c_char_p, c_void_p, _PP, _PP]),
    "boltc_transaction_commit": (c_int, [c_void_p, _PP]),
    "boltc_transaction_rollback": (c_int, [c_void_p, _PP]),
    "boltc_transaction_free": (None, [c_void_p]),
    "boltc_value_get_type": (c_int, [c_void_p]),
    "boltc_value_as_bool": (c_int, [c_void_p, _P(c_bool), _PP]),
    "boltc_value_as_int": (c_int, [c_void_p, _P(c_int64), _PP]),
    "boltc_value_as_float": (c_int, [c_void_p, _P(c_double), _PP]),
    "boltc_value_as_date": (c_int, [c_void_p, _P(CDate), _PP]),
    "boltc_value_as_time": (c_int, [c_void_p, _P(CTime), _PP]),
    "boltc_value_as_local_time": (c_int, [c_void_p, _P(CTime), _PP]),
    "boltc_value_as_datetime": (c_int, [c_void_p, _P(CDateTime), _PP]),
    "boltc_value_as_local_datetime": (c_int, [c_void_p, _P(CDateTime), _PP]),
    "boltc_value_as_duration": (c_int, [c_void_p, _P(CDuration), _PP]),
    "boltc_value_as_point": (c_int, [c_void_p, _P(CPoint), _PP]),
    "boltc_value_as_vector": (c_int, [c_void_p, _P(CVector), _PP]),
    "boltc_value_as_map": (c_int, [c_void_p, _PP, _PP]),
    "boltc_value_as_node": (c_int, [c_void_p, _PP, _PP]),
    "boltc_value_as_relationship": (c_int, [c_void_p, _PP, _PP]),
    "boltc_value_as_path": (c_int, [c_void_p, _PP, _PP]),
    "boltc_value_list_len": (c_int, [c_void_p, _P(c_size_t), _PP]),
    "boltc_value_as_string": (c_int, [c_void_p, _PP, _P(c_size_t), _PP]),
    "boltc_value_as_bytes": (c_int, [c_void_p, _PP, _P(c_size_t), _PP]),
    "boltc_value_list_get": (c_int, [c_void_p, c_size_t, _PP, _PP]),
    "boltc_map_len": (c_size_t, [c_void_p]),
    "boltc_map_entry": (c_int, [c_void_p, c_size_t, _PP, _P(c_size_t), _PP, _PP]),
    "boltc_map_get": (c_int, [c_void_p, c_char_p, c_size_t, _PP, _PP]),
    "boltc_map_new": (c_void_p, []),
    "boltc_map_set": (c_int, [c_void_p, c_char_p, c_size_t, c_void_p, _PP]),
    "boltc_map_set_cstr": (c_int, [c_void_p, c_char_p, c_void_p, _PP]),
    "boltc_map_set_int": (c_int, [c_void_p, c_char_p, c_int64, _PP]),
    "boltc_map_set_float": (c_int, [c_void_p, c_char_p, c_double, _PP]),
    "boltc_map_set_bool": (c_int, [c_void_p, c_char_p, c_bool, _PP]),
    "boltc_map_set_string": (c_int, [c_void_p, c_char_p, c_char_p, _PP]),
    "boltc_map_set_null": (c_int, [c_void_p, c_char_p, _PP]),
    "boltc_map_free": (None, [c_void_p]),
    "boltc_node_id": (c_int64, [c_void_p]),
    "boltc_node_element_id": (c_int, [c_void_p, _PP, _P(c_size_t), _PP]),
    "boltc_node_labels_len": (c_size_t, [c_void_p]),
    "boltc_node_label": (c_int, [c_void_p, c_size_t, _PP, _P(c_size_t), _PP]),
    "boltc_node_properties": (c_void_p, [c_void_p]),
    "boltc_relationship_id": (c_int64, [c_void_p, c_int32]),
    "boltc_relationship_element_id": (c_int, [c_void_p, c_int32, _PP, _P(c_size_t), _PP]),
    "boltc_relationship_type": (c_int, [c_void_p, _PP, _P(c_size_t), _PP]),
    "boltc_relationship_properties": (c_void_p, [c_void_p]),
    "boltc_path_len": (c_size_t, [c_void_p]),
    "boltc_path_node": (c_void_p, [c_void_p, c_size_t]),
    "boltc_path_relationship": (c_void_p, [c_void_p, c_size_t]),
    "boltc_value_new_null": (c_void_p, []),
    "boltc_value_new_bool": (c_void_p, [c_bool]),
    "boltc_value_new_int": (c_void_p, [c_int64]),
    "boltc_value_new_float": (c_void_p, [c_double]),
    "boltc_value_new_date": (c_void_p, [CDate]),
    "boltc_value_new_time": (c_void_p, [CTime]),
    "boltc_value_new_local_time": (c_void_p, [CTime]),
    "boltc_value_new_datetime": (c_int, [CDateTime, _PP, _PP]),
    "boltc_value_new_local_datetime": (c_void_p, [CDateTime]),
    "boltc_value_new_duration": (c_void_p, [CDuration]),
    "boltc_value_new_point": (c_void_p, [CPoint]),
    "boltc_value_new_string": (c_int, [c_char_p, c_size_t, _PP, _PP]),
    "boltc_value_new_string_cstr": (c_int, [c_char_p, _PP, _PP]),
    "boltc_value_new_bytes": (c_int, [c_char_p, c_size_t, _PP, _PP]),
    "boltc_value_new_vector_f64": (c_int, [c_void_p, c_size_t, _PP, _PP]),
    "boltc_value_new_list": (c_void_p, []),
    "boltc_value_list_push": (c_int, [c_void_p, c_void_p, _PP]),
    "boltc_value_new_map": (c_void_p, [c_void_p]),
    "boltc_value_clone": (c_void_p, [c_void_p]),
    "boltc_value_free": (None, [c_void_p]),
    # administration (src/ffi/admin.rs)
    "boltc_server_info_string": (c_int, [c_void_p, c_int32, _PP, _P(c_size_t), _PP]),
    "boltc_server_info_protocol_version": (c_int, [c_void_p, _P(c_uint8), _P(c_uint8), _PP]),
    "boltc_server_info_free": (None, [c_void_p]),
    "boltc_driver_server_info": (c_int, [c_void_p, _PP, _PP]),
    "boltc_driver_pool_metrics": (c_int, [c_void_p, c_char_p, _P(CPoolMetrics), _PP]),
    "boltc_driver_list_connections": (c_int, [c_void_p, _PP, _PP]),
    "boltc_connection_list_len": (c_size_t, [c_void_p]),
    "boltc_connection_list_string": (c_int, [c_void_p, c_size_t, c_int32, _PP, _P(c_size_t), _PP]),
    "boltc_connection_list_free": (None, [c_void_p]),
    "boltc_driver_kill_connection": (c_int, [c_void_p, c_char_p, _PP, _PP]),
    "boltc_driver_kill_connections": (c_int, [c_void_p, _P(c_char_p), c_size_t, _PP, _PP]),
    "boltc_kill_list_len": (c_size_t, [c_void_p]),
    "boltc_kill_list_found": (c_bool, [c_void_p, c_size_t]),
    "boltc_kill_list_string": (c_int, [c_void_p, c_size_t, c_int32, _PP, _P(c_size_t), _PP]),
    "boltc_kill_list_free": (None, [c_void_p]),
    "boltc_session_connection_info": (c_int, [c_void_p, _PP, _PP]),
    "boltc_transaction_connection_info": (c_int, [c_void_p, _PP, _PP]),
}

# Constants from boltc.h.
ACCESS_MODE_WRITE = 0
ACCESS_MODE_READ = 1
TRUST_SYSTEM = 0  # the OS trust store (BOLTC_TRUST_SYSTEM_ROOTS is its old name)
TRUST_CUSTOM_CA = 1
TRUST_ALL = 2
TRUST_MOZILLA_BUNDLED = 3
# boltc_session_set_telemetry_api
TELEMETRY_TRANSACTION_FUNCTION = 0
TELEMETRY_EXECUTE_QUERY = 3
SUMMARY_DATABASE = 0
SUMMARY_SERVER_AGENT = 1
SUMMARY_SERVER_ADDRESS = 2
SUMMARY_BOOKMARK = 3
SUMMARY_QUERY = 4
SUMMARY_CONNECTION_ID = 5
REL_ID = 0
REL_START_ID = 1
REL_END_ID = 2
SERVER_INFO_ADDRESS = 0
SERVER_INFO_AGENT = 1
SERVER_INFO_CONNECTION_ID = 2
CONNECTION_ID = 0
CONNECTION_CONNECT_TIME = 1
CONNECTION_CONNECTOR = 2
CONNECTION_USERNAME = 3
CONNECTION_USER_AGENT = 4
CONNECTION_SERVER_ADDRESS = 5
CONNECTION_CLIENT_ADDRESS = 6
KILL_CONNECTION_ID = 0
KILL_USERNAME = 1
KILL_MESSAGE = 2


def _candidates() -> List[Path]:
    found: List[Path] = []
    env = os.environ.get("BOLTC_LIBRARY")
    if env:
        return [Path(env)]
    here = Path(__file__).resolve().parent
    found.append(here / LIBRARY_NAME)
    for start in (here, Path.cwd().resolve()):
        for d in (start, *start.parents):
            for profile in ("release", "debug"):
                found.append(d / "target" / profile / LIBRARY_NAME)
    return found


def find_library() -> Path:
    """The path of the boltc shared library (see the module docs for the search order)."""
    tried = _candidates()
    for p in tried:
        if p.is_file():
            return p
    raise OSError(
        "boltc: shared library not found; set BOLTC_LIBRARY or copy %s into %s (tried: %s)"
        % (LIBRARY_NAME, Path(__file__).resolve().parent, ", ".join(map(str, tried[:4])))
    )


def load(path: Optional[os.PathLike] = None, keep_gil: bool = False) -> ctypes.CDLL:
    """Loads the library and declares every function of ``SIGNATURES`` on it. Its functions
    release the GIL during the call; with ``keep_gil`` (a ``ctypes.PyDLL``) they keep it, and
    a Python exception they leave set is raised when they return."""
    loader = ctypes.PyDLL if keep_gil else ctypes.CDLL
    lib = loader(str(path or find_library()))
    for name, (restype, argtypes) in SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


lib = load()
# The same library for the calls that run Python code (boltc_batch_build).
pylib = load(lib._name, keep_gil=True)
