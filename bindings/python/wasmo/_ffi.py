"""The C library and the wasm.h / wasmo.h declarations the package uses (ctypes)."""
import ctypes
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, Union, c_bool, c_char_p, c_double, c_float,
                    c_int32, c_int64, c_size_t, c_uint8, c_uint32, c_uint64, c_void_p)


def _find_library():
    """WASMO_LIBRARY, else the release build of the checkout the package comes from, else the
    system's libwasmo.so (an install by scripts/install.sh)."""
    path = os.environ.get("WASMO_LIBRARY")
    if path:
        return path
    candidates = []
    try:  # an installed package: the checkout it was installed from (setup.py)
        from ._location import REPO_LIBRARY
        candidates.append(REPO_LIBRARY)
    except ImportError:  # used in place, from bindings/python
        pass
    here = os.path.dirname(os.path.abspath(__file__))
    candidates.append(os.path.normpath(os.path.join(here, "..", "..", "..", "target", "release",
                                                    "libwasmo.so")))
    for candidate in candidates:
        if os.path.exists(candidate):
            return candidate
    return "libwasmo.so"


lib = ctypes.CDLL(_find_library())


class ByteVec(Structure):
    _fields_ = [("size", c_size_t), ("data", POINTER(c_uint8))]


class PtrVec(Structure):
    _fields_ = [("size", c_size_t), ("data", POINTER(c_void_p))]


class ValUnion(Union):
    _fields_ = [("i32", c_int32), ("i64", c_int64), ("f32", c_float), ("f64", c_double),
                ("ref", c_void_p)]


class Val(Structure):
    _fields_ = [("kind", c_uint8), ("of", ValUnion)]


class ValVec(Structure):
    _fields_ = [("size", c_size_t), ("data", POINTER(Val))]


class Limits(Structure):
    _fields_ = [("min", c_uint32), ("max", c_uint32)]


CALLBACK = CFUNCTYPE(c_void_p, c_void_p, POINTER(ValVec), POINTER(ValVec))
FINALIZER = CFUNCTYPE(None, c_void_p)

_P = c_void_p
_SIGNATURES = {
    "wasmo_error_message": (c_char_p, []),
    "wasm_config_new": (_P, []),
    "wasmo_config_set_mode": (c_bool, [_P, c_uint8]),
    "wasmo_config_set_opt_level": (c_bool, [_P, c_uint32]),
    "wasmo_config_set_compile_threads": (c_bool, [_P, c_uint32]),
    "wasmo_config_set_cache_dir": (c_bool, [_P, c_char_p]),
    "wasmo_config_set_epoch_interruption": (None, [_P, c_bool]),
    "wasm_config_delete": (None, [_P]),
    "wasm_engine_new": (_P, []),
    "wasm_engine_new_with_config": (_P, [_P]),
    "wasm_engine_delete": (None, [_P]),
    "wasmo_engine_increment_epoch": (None, [_P]),
    "wasm_store_new": (_P, [_P]),
    "wasm_store_delete": (None, [_P]),
    "wasmo_store_set_epoch_deadline": (None, [_P, c_uint64]),
    "wasmo_wat2wasm": (c_bool, [c_char_p, c_size_t, POINTER(ByteVec)]),
    "wasm_byte_vec_new": (None, [POINTER(ByteVec), c_size_t, c_char_p]),
    "wasm_byte_vec_delete": (None, [POINTER(ByteVec)]),
    "wasm_module_new": (_P, [_P, POINTER(ByteVec)]),
    "wasm_module_validate": (c_bool, [_P, POINTER(ByteVec)]),
    "wasm_module_delete": (None, [_P]),
    "wasm_module_imports": (None, [_P, POINTER(PtrVec)]),
    "wasm_module_exports": (None, [_P, POINTER(PtrVec)]),
    "wasm_module_serialize": (None, [_P, POINTER(ByteVec)]),
    "wasm_module_deserialize": (_P, [_P, POINTER(ByteVec)]),
    "wasm_importtype_vec_delete": (None, [POINTER(PtrVec)]),
    "wasm_exporttype_vec_delete": (None, [POINTER(PtrVec)]),
    "wasm_importtype_module": (POINTER(ByteVec), [_P]),
    "wasm_importtype_name": (POINTER(ByteVec), [_P]),
    "wasm_importtype_type": (_P, [_P]),
    "wasm_exporttype_name": (POINTER(ByteVec), [_P]),
    "wasm_exporttype_type": (_P, [_P]),
    "wasm_externtype_kind": (c_uint8, [_P]),
    "wasm_externtype_as_functype_const": (_P, [_P]),
    "wasm_externtype_as_globaltype_const": (_P, [_P]),
    "wasm_externtype_as_memorytype_const": (_P, [_P]),
    "wasmo_externtype_tag_type": (_P, [_P]),
    "wasm_externtype_as_tabletype_const": (_P, [_P]),
    "wasm_valtype_new": (_P, [c_uint8]),
    "wasm_valtype_kind": (c_uint8, [_P]),
    "wasm_valtype_delete": (None, [_P]),
    "wasm_valtype_vec_new": (None, [POINTER(PtrVec), c_size_t, POINTER(c_void_p)]),
    "wasm_functype_new": (_P, [POINTER(PtrVec), POINTER(PtrVec)]),
    "wasm_functype_params": (POINTER(PtrVec), [_P]),
    "wasm_functype_results": (POINTER(PtrVec), [_P]),
    "wasm_functype_delete": (None, [_P]),
    "wasm_globaltype_content": (_P, [_P]),
    "wasm_globaltype_mutability": (c_uint8, [_P]),
    "wasm_memorytype_limits": (POINTER(Limits), [_P]),
    "wasm_tabletype_element": (_P, [_P]),
    "wasm_tabletype_limits": (POINTER(Limits), [_P]),
    "wasm_func_new_with_env": (_P, [_P, _P, CALLBACK, c_void_p, FINALIZER]),
    "wasm_func_type": (_P, [_P]),
    "wasm_func_call": (_P, [_P, POINTER(ValVec), POINTER(ValVec)]),
    "wasm_func_as_extern": (_P, [_P]),
    "wasm_trap_new": (_P, [_P, POINTER(ByteVec)]),
    "wasm_trap_message": (None, [_P, POINTER(ByteVec)]),
    "wasm_trap_trace": (None, [_P, POINTER(PtrVec)]),
    "wasm_frame_vec_delete": (None, [POINTER(PtrVec)]),
    "wasm_frame_func_index": (c_uint32, [_P]),
    "wasm_frame_module_offset": (c_size_t, [_P]),
    "wasm_frame_func_offset": (c_size_t, [_P]),
    "wasm_trap_delete": (None, [_P]),
    "wasm_instance_new": (_P, [_P, _P, POINTER(PtrVec), POINTER(c_void_p)]),
    "wasm_instance_exports": (None, [_P, POINTER(PtrVec)]),
    "wasm_instance_delete": (None, [_P]),
    "wasm_extern_vec_delete": (None, [POINTER(PtrVec)]),
    "wasm_extern_copy": (_P, [_P]),
    "wasm_extern_delete": (None, [_P]),
    "wasm_extern_kind": (c_uint8, [_P]),
    "wasm_extern_type": (_P, [_P]),
    "wasm_externtype_delete": (None, [_P]),
    "wasm_extern_as_func": (_P, [_P]),
    "wasm_extern_as_memory": (_P, [_P]),
    "wasm_extern_as_global": (_P, [_P]),
    "wasm_extern_as_table": (_P, [_P]),
    "wasm_memory_data": (POINTER(c_uint8), [_P]),
    "wasm_memory_data_size": (c_size_t, [_P]),
    "wasm_memory_size": (c_uint32, [_P]),
    "wasm_memory_grow": (c_bool, [_P, c_uint32]),
    "wasm_global_get": (None, [_P, POINTER(Val)]),
    "wasm_global_set": (None, [_P, POINTER(Val)]),
    "wasm_table_size": (c_uint32, [_P]),
    "wasm_table_grow": (c_bool, [_P, c_uint32, c_void_p]),
    "wasm_table_get": (_P, [_P, c_uint32]),
    "wasm_table_set": (c_bool, [_P, c_uint32, _P]),
    "wasm_table_new": (_P, [_P, _P, _P]),
    "wasm_table_as_extern": (_P, [_P]),
    "wasm_tabletype_new": (_P, [_P, POINTER(Limits)]),
    "wasm_tabletype_delete": (None, [_P]),
    "wasm_global_new": (_P, [_P, _P, POINTER(Val)]),
    "wasm_global_as_extern": (_P, [_P]),
    "wasm_globaltype_new": (_P, [_P, c_uint8]),
    "wasm_globaltype_delete": (None, [_P]),
    "wasm_memory_new": (_P, [_P, _P]),
    "wasm_memory_as_extern": (_P, [_P]),
    "wasm_memorytype_new": (_P, [POINTER(Limits)]),
    "wasm_memorytype_delete": (None, [_P]),
    "wasm_foreign_new": (_P, [_P]),
    "wasm_foreign_as_ref": (_P, [_P]),
    "wasm_ref_copy": (_P, [_P]),
    "wasm_ref_delete": (None, [_P]),
    "wasm_ref_get_host_info": (c_void_p, [_P]),
    "wasm_ref_set_host_info_with_finalizer": (None, [_P, c_void_p, FINALIZER]),
    "wasm_ref_as_func": (_P, [_P]),
    "wasm_func_as_ref": (_P, [_P]),
    "wasi_config_new": (_P, []),
    "wasi_config_delete": (None, [_P]),
    "wasi_config_set_argv": (c_bool, [_P, c_size_t, POINTER(c_char_p)]),
    "wasi_config_inherit_argv": (None, [_P]),
    "wasi_config_set_env": (c_bool, [_P, c_size_t, POINTER(c_char_p), POINTER(c_char_p)]),
    "wasi_config_inherit_env": (None, [_P]),
    "wasi_config_set_stdin_file": (c_bool, [_P, c_char_p]),
    "wasi_config_inherit_stdin": (None, [_P]),
    "wasi_config_set_stdout_file": (c_bool, [_P, c_char_p]),
    "wasi_config_inherit_stdout": (None, [_P]),
    "wasi_config_set_stderr_file": (c_bool, [_P, c_char_p]),
    "wasi_config_inherit_stderr": (None, [_P]),
    "wasi_config_preopen_dir": (c_bool, [_P, c_char_p, c_char_p, c_bool]),
    "wasi_env_new": (_P, [_P, _P]),
    "wasi_env_delete": (None, [_P]),
    "wasi_get_imports": (c_bool, [_P, _P, _P, POINTER(PtrVec)]),
    "wasi_env_initialize_instance": (c_bool, [_P, _P, _P]),
    "wasmo_trap_exit_status": (c_bool, [_P, POINTER(ctypes.c_int)]),
}

for _name, (_res, _args) in _SIGNATURES.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args


def last_error():
    message = lib.wasmo_error_message()
    return message.decode("utf-8", "replace") if message else "unknown error"


def byte_vec(data):
    vec = ByteVec()
    lib.wasm_byte_vec_new(ctypes.byref(vec), len(data), data)
    return vec


def bytes_of(vec):
    return ctypes.string_at(vec.data, vec.size) if vec.size else b""


def name_of(vec_ptr):
    return bytes_of(vec_ptr.contents).decode("utf-8", "replace")
