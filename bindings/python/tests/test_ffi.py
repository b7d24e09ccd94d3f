"""The ctypes declarations in boltc._ffi must cover every function of include/boltc.h, with
matching argument and return types."""

import ctypes
import re
from pathlib import Path

import pytest

from boltc import _ffi

HEADER = Path(__file__).resolve().parents[3] / "include" / "boltc.h"

STRUCTS = {
    "boltc_date": _ffi.CDate,
    "boltc_time": _ffi.CTime,
    "boltc_datetime": _ffi.CDateTime,
    "boltc_duration": _ffi.CDuration,
    "boltc_point": _ffi.CPoint,
    "boltc_vector": _ffi.CVector,
    "boltc_counters": _ffi.CCounters,
    "boltc_pool_metrics": _ffi.CPoolMetrics,
    "boltc_builder": _ffi.CBuilder,
    "boltc_pyhost": _ffi.CPyHost,
}
SCALARS = {
    "void": {None},
    "bool": {ctypes.c_bool},
    "int64_t": {ctypes.c_int64},
    "int32_t": {ctypes.c_int32},
    "uint64_t": {ctypes.c_uint64},
    "size_t": {ctypes.c_size_t},
    "double": {ctypes.c_double},
    "boltc_status": {ctypes.c_int},
    "boltc_value_type": {ctypes.c_int},
    "boltc_log_callback": {_ffi.LOG_CALLBACK},
    "boltc_bookmarks_get_callback": {_ffi.BOOKMARKS_GET_CALLBACK},
    "boltc_bookmarks_update_callback": {_ffi.BOOKMARKS_UPDATE_CALLBACK},
    "boltc_bookmarks_release_callback": {_ffi.BOOKMARKS_RELEASE_CALLBACK},
    "boltc_transaction_work": {_ffi.TRANSACTION_WORK},
    "boltc_auth_manager_get_auth": {_ffi.AUTH_MANAGER_GET_AUTH},
    "boltc_auth_manager_handle_security_error": {_ffi.AUTH_MANAGER_HANDLE_SECURITY_ERROR},
    "boltc_auth_provider": {_ffi.AUTH_PROVIDER},
    "boltc_free_callback": {_ffi.FREE_CALLBACK},
    "boltc_resolver_callback": {_ffi.RESOLVER_CALLBACK},
    "boltc_client_certificate_provider": {_ffi.CLIENT_CERTIFICATE_PROVIDER},
    "boltc_domain_name_resolver_callback": {_ffi.DOMAIN_NAME_RESOLVER_CALLBACK},
    "uint16_t": {ctypes.c_uint16},
    "char*": {ctypes.c_char_p},
    "char**": {ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_char_p)},
    "uint8_t*": {ctypes.POINTER(ctypes.c_uint8), ctypes.c_char_p, ctypes.c_void_p},
    "double*": {ctypes.POINTER(ctypes.c_double), ctypes.c_void_p},
    # py_object: boltc_batch_build's host objects (a Python object's address, borrowed).
    "void*": {ctypes.c_void_p, ctypes.py_object},
    "size_t*": {ctypes.POINTER(ctypes.c_size_t)},
    "int64_t*": {ctypes.POINTER(ctypes.c_int64)},
    "bool*": {ctypes.POINTER(ctypes.c_bool)},
}


def allowed(ctype: str):
    t = re.sub(r"\bconst\b", "", ctype).replace(" ", "")
    if t in SCALARS:
        return SCALARS[t]
    if t in STRUCTS:
        return {STRUCTS[t]}
    if t.endswith("**"):
        return {ctypes.POINTER(ctypes.c_void_p)}
    if t.endswith("*") and t[:-1] in STRUCTS:
        return {ctypes.POINTER(STRUCTS[t[:-1]])}
    if t.startswith("boltc_") and t.endswith("*"):
        return {ctypes.c_void_p}
    raise AssertionError("unknown C type %r" % ctype)


def header_functions():
    text = HEADER.read_text()
    body = text[text.index('extern "C" {') :]
    body = re.sub(r"//[^\n]*|#[^\n]*", "", body)
    body = re.sub(r"\s+", " ", body)
    out = {}
    for ret, name, params in re.findall(r"([\w\* ]+?)\b(boltc_\w+)\(([^()]*)\);", body):
        ps = [] if params.strip() in ("", "void") else [p.strip() for p in params.split(",")]
        out[name] = (ret.strip(), [re.sub(r"\w+$", "", p) for p in ps])
    return out


FUNCTIONS = header_functions()


def test_header_parsed():
    assert len(FUNCTIONS) >= 130
    assert "boltc_batch_encode_columns" in FUNCTIONS


def test_every_header_function_is_declared_and_nothing_else():
    assert sorted(set(FUNCTIONS) - set(_ffi.SIGNATURES)) == []
    assert sorted(set(_ffi.SIGNATURES) - set(FUNCTIONS)) == []


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_declaration_matches_header(name):
    ret, params = FUNCTIONS[name]
    restype, argtypes = _ffi.SIGNATURES[name]
    # A `const char *` result is a NUL-terminated string (c_char_p); other pointers c_void_p.
    assert restype in allowed(ret), (ret, restype)
    assert len(argtypes) == len(params), (params, argtypes)
    for c, py in zip(params, argtypes):
        assert py in allowed(c), (name, c, py)


@pytest.mark.parametrize("struct, cls", [("boltc_builder", "CBuilder"), ("boltc_pyhost", "CPyHost")])
def test_struct_fields_match_the_header(struct, cls):
    # The ctypes structures hold every field (an address or an offset): the names and their
    # order must be the header's.
    text = HEADER.read_text()
    body = re.search(r"typedef struct \{([^}]*)\} %s;" % struct, text).group(1)
    body = re.sub(r"//[^\n]*", "", body)
    fields = re.findall(r"(\w+);", body)
    assert [name for name, _ in getattr(_ffi, cls)._fields_] == fields


def test_declared_on_the_loaded_library():
    for name, (restype, argtypes) in _ffi.SIGNATURES.items():
        fn = getattr(_ffi.lib, name)
        assert fn.restype is restype
        assert list(fn.argtypes) == list(argtypes)


def test_library_lookup_honours_env(monkeypatch, tmp_path):
    monkeypatch.setenv("BOLTC_LIBRARY", str(tmp_path / "nope.so"))
    with pytest.raises(OSError):
        _ffi.find_library()
    lib = tmp_path / _ffi.LIBRARY_NAME
    lib.write_bytes(b"")
    monkeypatch.setenv("BOLTC_LIBRARY", str(lib))
    assert _ffi.find_library() == lib
