"""Wasmo for Python: the part of wasmtime-py's API that wasm.h covers, with the same names, over
libwasmo.so (ctypes). A program using that part switches by changing `import wasmtime` to
`import wasmo`. See bindings/python/README.md for what differs.
"""
import contextlib
import ctypes
import itertools
from ctypes import byref, c_void_p

from . import _ffi
from ._ffi import lib

__all__ = [
    "Config", "Engine", "Store", "Module", "Instance", "Func", "FuncType", "ValType",
    "GlobalType", "MemoryType", "TableType", "TagType", "Limits", "ImportType", "ExportType",
    "Memory", "Global", "Table", "Tag", "Trap", "ExitTrap", "Frame", "WasmoError",
    "WasmtimeError", "Linker", "WasiConfig", "DirPerms", "FilePerms", "wat2wasm",
]


class WasmoError(Exception):
    """An error from Wasmo (a malformed, invalid or unsupported module, a failed link...),
    with Wasmo's message."""


WasmtimeError = WasmoError  # wasmtime-py's name, for programs that catch it


class Frame:
    """One wasm frame of a trap's backtrace."""

    def __init__(self, func_index, module_offset, func_offset):
        self.func_index = func_index
        self.module_offset = module_offset
        self.func_offset = func_offset

    def __repr__(self):
        return f"Frame(func_index={self.func_index}, module_offset={self.module_offset:#x})"


class Trap(Exception):
    """A wasm trap (or an error a host function raised), with the spec's message and the wasm
    backtrace, innermost frame first."""

    def __init__(self, message, frames=()):
        super().__init__(message)
        self.message = message
        self.frames = list(frames)

    @staticmethod
    def _take(ptr):
        vec = _ffi.ByteVec()
        lib.wasm_trap_message(ptr, byref(vec))
        message = _ffi.bytes_of(vec).rstrip(b"\0").decode("utf-8", "replace")
        lib.wasm_byte_vec_delete(byref(vec))
        trace = _ffi.PtrVec()
        lib.wasm_trap_trace(ptr, byref(trace))
        frames = [Frame(lib.wasm_frame_func_index(trace.data[i]),
                        lib.wasm_frame_module_offset(trace.data[i]),
                        lib.wasm_frame_func_offset(trace.data[i])) for i in range(trace.size)]
        lib.wasm_frame_vec_delete(byref(trace))
        status = ctypes.c_int()
        exited = lib.wasmo_trap_exit_status(ptr, byref(status))
        lib.wasm_trap_delete(ptr)
        if exited:
            return ExitTrap(message, status.value, frames)
        return Trap(message, frames)


class ExitTrap(Trap):
    """A WASI program's `proc_exit`: `code` is its exit status (as wasmtime-py's ExitTrap)."""

    def __init__(self, message, code, frames=()):
        super().__init__(message, frames)
        self.code = code


def wat2wasm(text):
    """The text format (str or bytes) to the binary format (bytes); WasmoError with the line and
    column of the first problem."""
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    out = _ffi.ByteVec()
    if not lib.wasmo_wat2wasm(data, len(data), byref(out)):
        lib.wasm_byte_vec_delete(byref(out))
        raise WasmoError(_ffi.last_error())
    result = _ffi.bytes_of(out)
    lib.wasm_byte_vec_delete(byref(out))
    return result


class Config:
    """Engine settings: Wasmo's own (wasmtime-py's Config has no counterpart in wasm.h)."""

    def __init__(self):
        self._mode = None
        self._opt_level = None
        self._threads = None
        self._cache_dir = None
        self._epoch = False

    @property
    def mode(self):
        return self._mode

    @mode.setter
    def mode(self, value):
        if value not in ("liftoff", "opt", None):
            raise ValueError("mode is 'liftoff' or 'opt'")
        self._mode = value

    opt_level = property(lambda s: s._opt_level, lambda s, v: setattr(s, "_opt_level", int(v)))
    compile_threads = property(lambda s: s._threads, lambda s, v: setattr(s, "_threads", int(v)))
    cache_dir = property(lambda s: s._cache_dir, lambda s, v: setattr(s, "_cache_dir", str(v)))
    epoch_interruption = property(lambda s: s._epoch, lambda s, v: setattr(s, "_epoch", bool(v)))

    def _make(self):
        config = lib.wasm_config_new()
        ok = True
        if self._mode is not None:
            ok &= lib.wasmo_config_set_mode(config, 0 if self._mode == "opt" else 1)
        if self._opt_level is not None:
            ok &= lib.wasmo_config_set_opt_level(config, self._opt_level)
        if self._threads is not None:
            ok &= lib.wasmo_config_set_compile_threads(config, self._threads)
        if self._cache_dir is not None:
            ok &= lib.wasmo_config_set_cache_dir(config, self._cache_dir.encode())
        lib.wasmo_config_set_epoch_interruption(config, self._epoch)
        if not ok:
            message = _ffi.last_error()
            lib.wasm_config_delete(config)
            raise WasmoError(message)
        return config


class Engine:
    def __init__(self, config=None):
        if config is None:
            self._ptr = lib.wasm_engine_new()
        else:
            self._ptr = lib.wasm_engine_new_with_config(config._make())  # takes the config
        if not self._ptr:
            raise WasmoError(_ffi.last_error())

    def increment_epoch(self):
        lib.wasmo_engine_increment_epoch(self._ptr)

    def __del__(self):
        if getattr(self, "_ptr", None):
            lib.wasm_engine_delete(self._ptr)
            self._ptr = None


class Store:
    def __init__(self, engine=None):
        self.engine = engine if engine is not None else Engine()
        self._ptr = lib.wasm_store_new(self.engine._ptr)
        self._host = {}  # host functions' Python callables, by env id
        self._wasi = None

    def set_wasi(self, wasi):
        """The WasiConfig of the instances a Linker with `define_wasi()` makes in this store."""
        self._wasi = wasi

    def set_epoch_deadline(self, ticks):
        lib.wasmo_store_set_epoch_deadline(self._ptr, ticks)

    def __del__(self):
        if getattr(self, "_ptr", None):
            lib.wasm_store_delete(self._ptr)
            self._ptr = None


class ValType:
    _NAMES = {0: "i32", 1: "i64", 2: "f32", 3: "f64", 4: "v128", 128: "externref", 129: "funcref", 130: "exnref"}

    def __init__(self, kind):
        self.kind = kind

    i32 = staticmethod(lambda: ValType(0))
    i64 = staticmethod(lambda: ValType(1))
    f32 = staticmethod(lambda: ValType(2))
    f64 = staticmethod(lambda: ValType(3))
    externref = staticmethod(lambda: ValType(128))
    funcref = staticmethod(lambda: ValType(129))

    def __eq__(self, other):
        return isinstance(other, ValType) and other.kind == self.kind

    def __hash__(self):
        return hash(self.kind)

    def __str__(self):
        return self._NAMES.get(self.kind, f"kind {self.kind}")

    __repr__ = __str__


def _valtypes(vec_ptr):
    vec = vec_ptr.contents
    return [ValType(lib.wasm_valtype_kind(vec.data[i])) for i in range(vec.size)]


def _valtype_vec(types):
    vec = _ffi.PtrVec()
    array = (c_void_p * max(len(types), 1))(*[lib.wasm_valtype_new(t.kind) for t in types])
    lib.wasm_valtype_vec_new(byref(vec), len(types), array)
    return vec


class FuncType:
    def __init__(self, params, results):
        self.params = list(params)
        self.results = list(results)

    def _make(self):
        params, results = _valtype_vec(self.params), _valtype_vec(self.results)
        return lib.wasm_functype_new(byref(params), byref(results))  # takes both vectors

    @staticmethod
    def _from(ptr):
        return FuncType(_valtypes(lib.wasm_functype_params(ptr)),
                        _valtypes(lib.wasm_functype_results(ptr)))

    def __eq__(self, other):
        return isinstance(other, FuncType) and (self.params, self.results) == (other.params, other.results)

    def __repr__(self):
        return f"FuncType({self.params}, {self.results})"


class Limits:
    def __init__(self, min, max=None):
        self.min = min
        self.max = max

    @staticmethod
    def _from(ptr):
        limits = ptr.contents
        return Limits(limits.min, None if limits.max == 0xFFFFFFFF else limits.max)

    def __eq__(self, other):
        return isinstance(other, Limits) and (self.min, self.max) == (other.min, other.max)


def _limits(limits):
    return _ffi.Limits(limits.min, 0xFFFFFFFF if limits.max is None else limits.max)


class GlobalType:
    def __init__(self, content, mutable):
        self.content = content
        self.mutable = mutable

    def _make(self):
        return lib.wasm_globaltype_new(lib.wasm_valtype_new(self.content.kind), 1 if self.mutable else 0)


class MemoryType:
    def __init__(self, limits):
        self.limits = limits

    def _make(self):
        return lib.wasm_memorytype_new(byref(_limits(self.limits)))


class TableType:
    def __init__(self, element, limits):
        self.element = element
        self.limits = limits

    def _make(self):
        return lib.wasm_tabletype_new(lib.wasm_valtype_new(self.element.kind), byref(_limits(self.limits)))


class TagType:
    """An exception tag's type: the values its exceptions carry."""

    def __init__(self, params):
        self.params = params

    def __repr__(self):
        return f"TagType({self.params})"


def _externtype(ptr):
    kind = lib.wasm_externtype_kind(ptr)
    if kind == 0:
        return FuncType._from(lib.wasm_externtype_as_functype_const(ptr))
    if kind == 1:
        g = lib.wasm_externtype_as_globaltype_const(ptr)
        return GlobalType(ValType(lib.wasm_valtype_kind(lib.wasm_globaltype_content(g))),
                          lib.wasm_globaltype_mutability(g) == 1)
    if kind == 2:
        t = lib.wasm_externtype_as_tabletype_const(ptr)
        return TableType(ValType(lib.wasm_valtype_kind(lib.wasm_tabletype_element(t))),
                         Limits._from(lib.wasm_tabletype_limits(t)))
    if kind == _EXTERN_TAG:
        f = lib.wasmo_externtype_tag_type(ptr)
        params = FuncType._from(f).params
        lib.wasm_functype_delete(f)
        return TagType(params)
    m = lib.wasm_externtype_as_memorytype_const(ptr)
    return MemoryType(Limits._from(lib.wasm_memorytype_limits(m)))


class ImportType:
    def __init__(self, module, name, type):
        self.module, self.name, self.type = module, name, type


class ExportType:
    def __init__(self, name, type):
        self.name, self.type = name, type


def _binary(wasm):
    return wat2wasm(wasm) if isinstance(wasm, str) else bytes(wasm)


class Module:
    """A compiled module: from the binary format (bytes) or the text format (str)."""

    def __init__(self, engine, wasm):
        self.engine = engine
        data = _binary(wasm)
        # wasm.h creates modules through a store; a scratch one of the engine serves.
        store = lib.wasm_store_new(engine._ptr)
        vec = _ffi.byte_vec(data)
        self._ptr = lib.wasm_module_new(store, byref(vec))
        lib.wasm_byte_vec_delete(byref(vec))
        lib.wasm_store_delete(store)
        if not self._ptr:
            raise WasmoError(_ffi.last_error())

    @classmethod
    def from_file(cls, engine, path):
        with open(path, "rb") as f:
            data = f.read()
        return cls(engine, data if data[:4] == b"\0asm" else data.decode("utf-8"))

    @staticmethod
    def validate(engine, wasm):
        """Raises WasmoError unless `engine` would compile `wasm`."""
        store = lib.wasm_store_new(engine._ptr)
        vec = _ffi.byte_vec(_binary(wasm))
        ok = lib.wasm_module_validate(store, byref(vec))
        lib.wasm_byte_vec_delete(byref(vec))
        lib.wasm_store_delete(store)
        if not ok:
            raise WasmoError(_ffi.last_error())

    @property
    def imports(self):
        vec = _ffi.PtrVec()
        lib.wasm_module_imports(self._ptr, byref(vec))
        out = [ImportType(_ffi.name_of(lib.wasm_importtype_module(vec.data[i])),
                          _ffi.name_of(lib.wasm_importtype_name(vec.data[i])),
                          _externtype(lib.wasm_importtype_type(vec.data[i])))
               for i in range(vec.size)]
        lib.wasm_importtype_vec_delete(byref(vec))
        return out

    @property
    def exports(self):
        vec = _ffi.PtrVec()
        lib.wasm_module_exports(self._ptr, byref(vec))
        out = [ExportType(_ffi.name_of(lib.wasm_exporttype_name(vec.data[i])),
                          _externtype(lib.wasm_exporttype_type(vec.data[i])))
               for i in range(vec.size)]
        lib.wasm_exporttype_vec_delete(byref(vec))
        return out

    def serialize(self):
        vec = _ffi.ByteVec()
        lib.wasm_module_serialize(self._ptr, byref(vec))
        data = _ffi.bytes_of(vec)
        lib.wasm_byte_vec_delete(byref(vec))
        if not data:
            raise WasmoError(_ffi.last_error())
        return data

    @classmethod
    def deserialize(cls, engine, data):
        module = cls.__new__(cls)
        module.engine = engine
        store = lib.wasm_store_new(engine._ptr)
        vec = _ffi.byte_vec(bytes(data))
        module._ptr = lib.wasm_module_deserialize(store, byref(vec))
        lib.wasm_byte_vec_delete(byref(vec))
        lib.wasm_store_delete(store)
        if not module._ptr:
            raise WasmoError(_ffi.last_error())
        return module

    def __del__(self):
        if getattr(self, "_ptr", None):
            lib.wasm_module_delete(self._ptr)
            self._ptr = None


# externref values are Python objects: each one passed to wasm becomes a foreign object whose
# host info is its key here, and the object comes back as itself. The entry goes when wasm.h
# finalizes the foreign object (its last reference is gone).
_externrefs = {}
_externref_keys = itertools.count(1)


def _forget_externref(key):
    try:
        _externrefs.pop(key, None)
    except Exception:  # at interpreter exit the dictionary may be gone already
        pass


_EXTERNREF_FINALIZER = _ffi.FINALIZER(_forget_externref)


def _new_externref(store, value):
    """A new owned reference to a foreign object standing for `value`."""
    key = next(_externref_keys)
    _externrefs[key] = value
    ref = lib.wasm_foreign_as_ref(lib.wasm_foreign_new(store._ptr))
    lib.wasm_ref_set_host_info_with_finalizer(ref, key, _EXTERNREF_FINALIZER)
    return ref


def _to_ref(store, value, valtype, temps):
    """The reference `value` stands for: owned by the caller when `temps` is None, else borrowed
    (what was made for the call is put in `temps`, for the caller to delete afterwards)."""
    if value is None:
        return None
    if valtype.kind == 129:
        if not isinstance(value, Func):
            raise TypeError(f"a funcref value must be a Func or None, not {type(value).__name__}")
        ref = lib.wasm_func_as_ref(lib.wasm_extern_as_func(value._extern))
        return ref if temps is not None else lib.wasm_ref_copy(ref)
    if valtype.kind == 128:
        ref = _new_externref(store, value)
        if temps is not None:
            temps.append(ref)
        return ref
    raise WasmoError(f"{valtype} values cannot be passed from Python")


def _to_val(store, value, valtype, out, temps=None):
    """Writes `value` as a C value of `valtype` into `out` (see `_to_ref` for `temps`)."""
    kind = valtype.kind
    out.kind = kind
    if kind == 0:
        out.of.i32 = ctypes.c_int32(int(value)).value
    elif kind == 1:
        out.of.i64 = ctypes.c_int64(int(value)).value
    elif kind == 2:
        out.of.f32 = float(value)
    elif kind == 3:
        out.of.f64 = float(value)
    else:
        out.of.ref = _to_ref(store, value, valtype, temps)


@contextlib.contextmanager
def _call_refs():
    """The list `_to_ref` puts what it makes for one call into; deleted when the call is done."""
    temps = []
    try:
        yield temps
    finally:
        for ref in temps:
            lib.wasm_ref_delete(ref)


def _from_ref(store, ref, kind, owned):
    """The Python value of a reference of `kind`; an owned `ref` is consumed."""
    if not ref:
        return None
    if kind == 128:
        key = lib.wasm_ref_get_host_info(ref)
        func = lib.wasm_ref_as_func(ref)
        if key in _externrefs:
            value = _externrefs[key]
        elif func:  # wasm may pass any reference as an externref, a function too
            return _from_ref(store, ref, 129, owned)
        else:
            value = None
        if owned:
            lib.wasm_ref_delete(ref)
        if key not in _externrefs and not func:
            raise WasmoError("an externref made outside this package cannot be given to Python")
        return value
    if kind == 129:
        if not owned:
            ref = lib.wasm_ref_copy(ref)
        return Func._wrap(lib.wasm_func_as_extern(lib.wasm_ref_as_func(ref)), store)
    if owned:
        lib.wasm_ref_delete(ref)
    raise WasmoError(f"values of kind {kind} cannot be given to Python")


def _from_val(store, val, owned=True):
    kind = val.kind
    if kind == 0:
        return val.of.i32
    if kind == 1:
        return val.of.i64
    if kind == 2:
        return val.of.f32
    if kind == 3:
        return val.of.f64
    return _from_ref(store, val.of.ref, kind, owned)


class _Extern:
    """An extern handle owned by Python (a copy of what wasm.h gave)."""

    def __init__(self, ptr, store):
        self._extern = ptr
        self._store = store  # the store outlives its externs

    def __del__(self):
        if getattr(self, "_extern", None):
            lib.wasm_extern_delete(self._extern)
            self._extern = None

    @classmethod
    def _wrap(cls, ptr, store):
        obj = cls.__new__(cls)
        _Extern.__init__(obj, ptr, store)
        return obj

    def type(self, store=None):
        t = lib.wasm_extern_type(self._extern)
        result = _externtype(t)
        lib.wasm_externtype_delete(t)
        return result


_host_keys = itertools.count(1)  # the env of each host function, unique in the process


class Func(_Extern):
    """A wasm function, or a host function made from a Python callable."""

    def __init__(self, store, ty, func, access_caller=False):
        if access_caller:
            raise WasmoError("access_caller: wasm.h has no caller to give (see the README)")
        key = next(_host_keys)
        results = list(ty.results)

        def trampoline(env, args, out):
            try:
                values = [_from_val(store, args.contents.data[i], owned=False)
                          for i in range(args.contents.size)]
                got = func(*values)
                if len(results) == 0:
                    got = []
                elif len(results) == 1:
                    got = [got]
                got = list(got)
                if len(got) != len(results):
                    raise WasmoError(f"the host function returned {len(got)} values, not {len(results)}")
                slots = out.contents.data
                for i, (value, valtype) in enumerate(zip(got, results)):
                    if slots[i].kind >= 128 and slots[i].of.ref:
                        lib.wasm_ref_delete(slots[i].of.ref)
                    slots[i].of.ref = None
                    _to_val(store, value, valtype, slots[i])  # the slot owns what it gets
                return None
            except Exception as e:  # becomes a trap in wasm, re-raised to the caller
                message = _ffi.byte_vec(f"{type(e).__name__}: {e}".encode() + b"\0")
                trap = lib.wasm_trap_new(store._ptr, byref(message))
                lib.wasm_byte_vec_delete(byref(message))
                return trap

        callback = _ffi.CALLBACK(trampoline)
        finalizer = _ffi.FINALIZER(lambda env: None)
        store._host[key] = (callback, finalizer, func)
        functype = ty._make()
        ptr = lib.wasm_func_new_with_env(store._ptr, functype, callback, key, finalizer)
        lib.wasm_functype_delete(functype)
        if not ptr:
            raise WasmoError(_ffi.last_error())
        # wasm_func_as_extern borrows: keep the func as an owned extern.
        super().__init__(lib.wasm_func_as_extern(ptr), store)

    def type(self, store=None):
        ptr = lib.wasm_func_type(lib.wasm_extern_as_func(self._extern))
        t = FuncType._from(ptr)
        lib.wasm_functype_delete(ptr)
        return t

    def __call__(self, store, *args):
        ty = self.type()
        if len(args) != len(ty.params):
            raise TypeError(f"expected {len(ty.params)} arguments, got {len(args)}")
        params = (_ffi.Val * max(len(args), 1))()
        with _call_refs() as temps:
            for i, (value, valtype) in enumerate(zip(args, ty.params)):
                _to_val(self._store, value, valtype, params[i], temps)
            results = (_ffi.Val * max(len(ty.results), 1))()
            pv = _ffi.ValVec(len(args), params)
            rv = _ffi.ValVec(len(ty.results), results)
            trap = lib.wasm_func_call(lib.wasm_extern_as_func(self._extern), byref(pv), byref(rv))
        if trap:
            raise Trap._take(trap)
        values = [_from_val(self._store, results[i]) for i in range(len(ty.results))]
        if not values:
            return None
        return values[0] if len(values) == 1 else values


class Memory(_Extern):
    def __init__(self, store, ty):
        """A new memory of MemoryType `ty` in `store`."""
        mt = ty._make()
        ptr = lib.wasm_memory_new(store._ptr, mt)
        lib.wasm_memorytype_delete(mt)
        if not ptr:
            raise WasmoError(_ffi.last_error())
        super().__init__(lib.wasm_memory_as_extern(ptr), store)

    @property
    def _memory(self):
        return lib.wasm_extern_as_memory(self._extern)

    def size(self, store=None):
        """Pages."""
        return lib.wasm_memory_size(self._memory)

    def data_len(self, store=None):
        return lib.wasm_memory_data_size(self._memory)

    def data_ptr(self, store=None):
        return lib.wasm_memory_data(self._memory)

    def grow(self, store, delta):
        """Grows by `delta` pages and returns the old size; WasmoError past the maximum."""
        old = self.size()
        if not lib.wasm_memory_grow(self._memory, delta):
            raise WasmoError("failed to grow memory")
        return old

    def read(self, store, start, stop):
        length = self.data_len()
        start, stop, _ = slice(start, stop).indices(length)
        if stop <= start:
            return bytearray()
        return bytearray(ctypes.string_at(ctypes.addressof(self.data_ptr().contents) + start, stop - start))

    def write(self, store, value, start=0):
        data = bytes(value)
        if start < 0 or start + len(data) > self.data_len():
            raise IndexError("out of bounds memory write")
        ctypes.memmove(ctypes.addressof(self.data_ptr().contents) + start, data, len(data))
        return len(data)


class Global(_Extern):
    def __init__(self, store, ty, val):
        """A new global of GlobalType `ty` in `store`, holding `val`."""
        gt = ty._make()
        v = _ffi.Val()
        try:
            with _call_refs() as temps:
                _to_val(store, val, ty.content, v, temps)
                ptr = lib.wasm_global_new(store._ptr, gt, byref(v))
        finally:
            lib.wasm_globaltype_delete(gt)
        if not ptr:
            raise WasmoError(_ffi.last_error())
        super().__init__(lib.wasm_global_as_extern(ptr), store)

    def value(self, store=None):
        out = _ffi.Val()
        lib.wasm_global_get(lib.wasm_extern_as_global(self._extern), byref(out))
        return _from_val(self._store, out)

    def set_value(self, store, value):
        ty = self.type()
        if not ty.mutable:
            raise WasmoError("the global is immutable")
        val = _ffi.Val()
        with _call_refs() as temps:
            _to_val(self._store, value, ty.content, val, temps)
            lib.wasm_global_set(lib.wasm_extern_as_global(self._extern), byref(val))


class Table(_Extern):
    def __init__(self, store, ty, init):
        """A new table of TableType `ty` in `store`, every element `init` (None, a Func for a
        funcref table, any object for an externref one)."""
        tt = ty._make()
        try:
            with _call_refs() as temps:
                ptr = lib.wasm_table_new(store._ptr, tt, _to_ref(store, init, ty.element, temps))
        finally:
            lib.wasm_tabletype_delete(tt)
        if not ptr:
            raise WasmoError(_ffi.last_error())
        super().__init__(lib.wasm_table_as_extern(ptr), store)

    @property
    def _table(self):
        return lib.wasm_extern_as_table(self._extern)

    def _element(self):
        return self.type().element

    def size(self, store=None):
        return lib.wasm_table_size(self._table)

    def get(self, store, idx):
        """The element at `idx` (a Func, an externref's object, or None); None past the end."""
        return _from_ref(self._store, lib.wasm_table_get(self._table, idx), self._element().kind, True)

    def set(self, store, idx, val):
        with _call_refs() as temps:
            ok = lib.wasm_table_set(self._table, idx, _to_ref(self._store, val, self._element(), temps))
        if not ok:
            raise WasmoError(f"table index {idx} out of bounds (size {self.size()})")

    def grow(self, store, delta, init=None):
        """Grows by `delta` elements set to `init` and returns the old size."""
        old = self.size()
        with _call_refs() as temps:
            ok = lib.wasm_table_grow(self._table, delta, _to_ref(self._store, init, self._element(), temps))
        if not ok:
            raise WasmoError("failed to grow table")
        return old


class Tag(_Extern):
    """An exception tag exported by an instance (Wasmo's extern kind WASMO_EXTERN_TAG)."""


_EXTERN_TAG = 4
_KINDS = {0: Func, 1: Global, 2: Table, 3: Memory, _EXTERN_TAG: Tag}


class Exports:
    """An instance's exports, by name (`exports["f"]`) and by index (`exports.by_index[0]`)."""

    def __init__(self, names, items):
        self._names = names
        self.by_index = items

    def __getitem__(self, key):
        if isinstance(key, int):
            return self.by_index[key]
        try:
            return self.by_index[self._names.index(key)]
        except ValueError:
            raise KeyError(key) from None

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def __len__(self):
        return len(self.by_index)

    def __iter__(self):
        return iter(self._names)

    def __contains__(self, name):
        return name in self._names


class Instance:
    def __init__(self, store, module, imports):
        self._store = store
        self._module = module
        array = (c_void_p * max(len(imports), 1))(*[i._extern for i in imports])
        vec = _ffi.PtrVec(len(imports), ctypes.cast(array, ctypes.POINTER(c_void_p)))
        trap = c_void_p()
        self._ptr = lib.wasm_instance_new(store._ptr, module._ptr, byref(vec), byref(trap))
        if trap.value:
            t = Trap._take(trap.value)
            # wasm.h reports a failed link as a trap too; one that no wasm code raised (no
            # frames) is an error, as in wasmtime-py.
            raise t if t.frames else WasmoError(t.message)
        if not self._ptr:
            raise WasmoError(_ffi.last_error())
        self._imports = list(imports)
        vec = _ffi.PtrVec()
        lib.wasm_instance_exports(self._ptr, byref(vec))
        names = [e.name for e in module.exports]
        items = []
        for i in range(vec.size):
            copy = lib.wasm_extern_copy(vec.data[i])
            items.append(_KINDS[lib.wasm_extern_kind(copy)]._wrap(copy, store))
        lib.wasm_extern_vec_delete(byref(vec))
        self._exports = Exports(names, items)

    def exports(self, store=None):
        return self._exports

    def __del__(self):
        if getattr(self, "_ptr", None):
            self._exports = None
            lib.wasm_instance_delete(self._ptr)
            self._ptr = None



class DirPerms:
    """What a WASI program may do with a preopened directory (wasmtime-py's names)."""
    READ_ONLY = 1
    WRITE_ONLY = 2
    READ_WRITE = 3


class FilePerms:
    """What a WASI program may do with the files in a preopened directory."""
    READ_ONLY = 1
    WRITE_ONLY = 2
    READ_WRITE = 3


class WasiConfig:
    """What a WASI program sees: arguments, environment, standard streams, directories
    (wasmtime-py's WasiConfig). Give it to a store with `Store.set_wasi`, then instantiate
    through a `Linker` on which `define_wasi()` was called."""

    def __init__(self):
        self._steps = []  # (function, args): applied to each C configuration made from this

    def _add(self, fn, *args):
        self._steps.append((fn, args))

    @property
    def argv(self):
        raise AttributeError("argv can only be set")

    @argv.setter
    def argv(self, argv):
        argv = [str(a).encode() for a in argv]
        self._add(lambda c: lib.wasi_config_set_argv(c, len(argv), (ctypes.c_char_p * max(len(argv), 1))(*argv)))

    @property
    def env(self):
        raise AttributeError("env can only be set")

    @env.setter
    def env(self, pairs):
        names = [str(k).encode() for k, _ in pairs]
        values = [str(v).encode() for _, v in pairs]
        n = max(len(names), 1)
        self._add(lambda c: lib.wasi_config_set_env(c, len(names), (ctypes.c_char_p * n)(*names),
                                                    (ctypes.c_char_p * n)(*values)))

    def inherit_argv(self):
        self._add(lambda c: lib.wasi_config_inherit_argv(c) or True)

    def inherit_env(self):
        self._add(lambda c: lib.wasi_config_inherit_env(c) or True)

    def inherit_stdin(self):
        self._add(lambda c: lib.wasi_config_inherit_stdin(c) or True)

    def inherit_stdout(self):
        self._add(lambda c: lib.wasi_config_inherit_stdout(c) or True)

    def inherit_stderr(self):
        self._add(lambda c: lib.wasi_config_inherit_stderr(c) or True)

    def _file(name, setter):
        def set_file(self, path):
            path = str(path).encode()
            self._add(lambda c: setter(c, path))
        return property(lambda self: None, set_file, doc=f"standard {name} from/to the file at a path")

    stdin_file = _file("input", lambda c, p: lib.wasi_config_set_stdin_file(c, p))
    stdout_file = _file("output", lambda c, p: lib.wasi_config_set_stdout_file(c, p))
    stderr_file = _file("error", lambda c, p: lib.wasi_config_set_stderr_file(c, p))
    del _file

    def preopen_dir(self, path, guest_path, dir_perms=DirPerms.READ_WRITE, file_perms=FilePerms.READ_WRITE):
        """Gives the program the host directory `path` as `guest_path`. Wasmo's WASI knows two
        modes: writable, when both permissions include writing, else read-only."""
        host, guest = str(path).encode(), str(guest_path).encode()
        mutable = bool(dir_perms & DirPerms.WRITE_ONLY) and bool(file_perms & FilePerms.WRITE_ONLY)
        self._add(lambda c: lib.wasi_config_preopen_dir(c, host, guest, mutable))

    def _make(self):
        config = lib.wasi_config_new()
        for step, _ in self._steps:
            if not step(config):
                message = _ffi.last_error()
                lib.wasi_config_delete(config)
                raise WasmoError(message)
        return config


class Linker:
    """Instantiates modules by name (wasmtime-py's Linker, over wasm.h): definitions are
    (module, name) -> extern, and `instantiate` gives each import of a module its definition,
    or a WASI function after `define_wasi()`."""

    def __init__(self, engine):
        self.engine = engine
        self.allow_shadowing = False
        self._items = {}   # (module, name) -> an extern, or ("func", FuncType, callable)
        self._wasi = False

    def _define(self, module, name, item):
        key = (module, name)
        if key in self._items and not self.allow_shadowing:
            raise WasmoError(f"import of `{module}::{name}` defined twice")
        self._items[key] = item

    def define(self, store, module, name, item):
        if not isinstance(item, _Extern):
            raise TypeError(f"a Func, Memory, Global or Table is defined, not {type(item).__name__}")
        self._define(module, name, item)

    def define_func(self, module, name, ty, func, access_caller=False):
        """A host function, made in each store the linker instantiates into."""
        if access_caller:
            raise WasmoError("access_caller: wasm.h has no caller to give (see the README)")
        self._define(module, name, ("func", ty, func))

    def define_instance(self, store, name, instance):
        """Every export of `instance`, under the module name `name`."""
        exports = instance.exports(store)
        for export_name in exports:
            self._define(name, export_name, exports[export_name])

    def define_module(self, store, name, module):
        """Instantiates `module` and defines its exports under `name`."""
        self.define_instance(store, name, self.instantiate(store, module))

    def define_wasi(self):
        """WASI preview 1 (`wasi_snapshot_preview1`), configured by the store's `set_wasi`."""
        self._wasi = True

    def get(self, store, module, name):
        item = self._items.get((module, name))
        if item is None:
            raise WasmoError(f"no definition of `{module}::{name}`")
        return self._resolve(store, item)

    def _resolve(self, store, item):
        if isinstance(item, tuple):
            _, ty, func = item
            return Func(store, ty, func)
        return item

    def instantiate(self, store, module):
        imports = module.imports
        externs = [None] * len(imports)
        env = None
        if self._wasi and any(i.module == "wasi_snapshot_preview1" for i in imports):
            if store._wasi is None:
                raise WasmoError("the module imports WASI: call store.set_wasi(WasiConfig()) first")
            env = lib.wasi_env_new(store._ptr, store._wasi._make())  # takes the configuration
            if not env:
                raise WasmoError(_ffi.last_error())
            vec = _ffi.PtrVec()
            if not lib.wasi_get_imports(store._ptr, env, module._ptr, byref(vec)):
                lib.wasi_env_delete(env)
                raise WasmoError(_ffi.last_error())
            for i in range(vec.size):
                if vec.data[i]:
                    externs[i] = Func._wrap(lib.wasm_extern_copy(vec.data[i]), store)
            lib.wasm_extern_vec_delete(byref(vec))
        try:
            for i, imp in enumerate(imports):
                if externs[i] is not None:
                    continue
                item = self._items.get((imp.module, imp.name))
                if item is None:
                    raise WasmoError(f"unknown import: `{imp.module}::{imp.name}` has not been defined")
                externs[i] = self._resolve(store, item)
            instance = Instance(store, module, externs)
            if env is not None and not lib.wasi_env_initialize_instance(env, store._ptr, instance._ptr):
                raise WasmoError(_ffi.last_error())
            return instance
        finally:
            if env is not None:
                lib.wasi_env_delete(env)  # the WASI functions keep what they need
