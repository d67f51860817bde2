"""References, tables and externs made from types, the Linker and WASI, through the real
libwasmo.so."""
import gc

import pytest

import wasmo
from wasmo import (DirPerms, Engine, ExitTrap, FilePerms, Func, FuncType, Global, GlobalType,
                   Limits, Linker, Memory, MemoryType, Module, Store, Table, TableType, Trap,
                   ValType, WasiConfig, WasmoError)

REFS = """
(module
  (import "host" "keep" (func $keep (param externref) (result externref)))
  (global $g (export "g") (mut externref) (ref.null extern))
  (table $t (export "t") 2 10 funcref)
  (func $seven (export "seven") (result i32) (i32.const 7))
  (func (export "through_host") (param externref) (result externref) (call $keep (local.get 0)))
  (func (export "store") (param externref) (global.set $g (local.get 0)))
  (func (export "load") (result externref) (global.get $g))
  (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func (export "same_func") (param funcref) (result funcref) (local.get 0))
  (func (export "call_slot") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
  (elem (table $t) (i32.const 0) func $seven))
"""


def refs_instance():
    store = Store(Engine())
    seen = []

    def keep(x):
        seen.append(x)
        return x

    keep_func = Func(store, FuncType([ValType.externref()], [ValType.externref()]), keep)
    module = Module(store.engine, REFS)
    return store, wasmo.Instance(store, module, [keep_func]).exports(store), seen


def test_externref_values_are_python_objects_and_come_back_as_themselves():
    store, ex, seen = refs_instance()
    thing = {"a": [1, 2]}
    assert ex["through_host"](store, thing) is thing
    assert seen == [thing]
    assert ex["through_host"](store, None) is None
    assert ex["is_null"](store, None) == 1 and ex["is_null"](store, 42) == 0
    ex["store"](store, thing)
    assert ex["load"](store) is thing
    assert ex["g"].value(store) is thing
    ex["g"].set_value(store, "text")
    assert ex["load"](store) == "text"


def test_an_externref_wasm_keeps_is_released_when_wasm_lets_it_go():
    store, ex, _ = refs_instance()
    marker = object()

    def held():
        gc.collect()
        return any(v is marker for v in wasmo._externrefs.values())

    ex["store"](store, marker)
    assert held()  # the global holds it
    ex["store"](store, None)
    del store, ex
    assert not held()  # its store is gone, and with it the last reference


def test_funcref_values_are_funcs():
    store, ex, _ = refs_instance()
    seven = ex["seven"]
    back = ex["same_func"](store, seven)
    assert isinstance(back, Func) and back(store) == 7
    assert ex["same_func"](store, None) is None
    with pytest.raises(TypeError):
        ex["same_func"](store, "not a function")


def test_tables_get_set_grow():
    store, ex, _ = refs_instance()
    t = ex["t"]
    assert t.size(store) == 2
    assert t.get(store, 0)(store) == 7
    assert t.get(store, 1) is None and t.get(store, 99) is None
    with pytest.raises(Trap, match="uninitialized element"):
        ex["call_slot"](store, 1)
    t.set(store, 1, ex["seven"])
    assert ex["call_slot"](store, 1) == 7
    assert t.grow(store, 3, ex["seven"]) == 2 and t.size(store) == 5
    assert ex["call_slot"](store, 4) == 7
    with pytest.raises(WasmoError):
        t.set(store, 5, None)
    with pytest.raises(WasmoError):
        t.grow(store, 100)
    t.set(store, 0, None)
    assert t.get(store, 0) is None


def test_externs_made_from_types():
    store = Store(Engine())
    g = Global(store, GlobalType(ValType.f64(), True), 1.5)
    assert g.value(store) == 1.5
    g.set_value(store, 2.5)
    assert g.value(store) == 2.5
    const = Global(store, GlobalType(ValType.i32(), False), 3)
    with pytest.raises(WasmoError):
        const.set_value(store, 4)
    m = Memory(store, MemoryType(Limits(1, 2)))
    assert m.size(store) == 1 and m.grow(store, 1) == 1
    with pytest.raises(WasmoError):
        m.grow(store, 1)
    ext = Table(store, TableType(ValType.externref(), Limits(3)), "x")
    assert ext.size(store) == 3 and ext.get(store, 2) == "x"
    ext.set(store, 1, None)
    assert ext.get(store, 1) is None
    module = Module(store.engine, """(module
        (import "" "g" (global $g (mut f64))) (import "" "m" (memory 1))
        (import "" "t" (table 3 externref))
        (func (export "g") (result f64) (global.get $g))
        (func (export "t") (param i32) (result externref) (table.get 0 (local.get 0)))
        (func (export "m") (result i32) (i32.load8_u (i32.const 5))))""")
    m.write(store, b"\x09", 5)
    ex = wasmo.Instance(store, module, [g, m, ext]).exports(store)
    assert ex["g"](store) == 2.5 and ex["t"](store, 0) == "x" and ex["m"](store) == 9
    with pytest.raises(WasmoError):
        Memory(store, MemoryType(Limits(5, 2)))


def test_linker_resolves_imports_by_name():
    engine = Engine()
    store = Store(engine)
    linker = Linker(engine)
    linker.define_func("env", "double", FuncType([ValType.i32()], [ValType.i32()]), lambda x: 2 * x)
    mem = Memory(store, MemoryType(Limits(1)))
    linker.define(store, "env", "memory", mem)
    lib = linker.instantiate(store, Module(engine, """(module
        (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))"""))
    linker.define_instance(store, "lib", lib)
    app = Module(engine, """(module
        (import "env" "double" (func $double (param i32) (result i32)))
        (import "lib" "inc" (func $inc (param i32) (result i32)))
        (import "env" "memory" (memory 1))
        (func (export "run") (param i32) (result i32)
          (i32.store (i32.const 0) (call $inc (call $double (local.get 0))))
          (i32.load (i32.const 0))))""")
    ex = linker.instantiate(store, app).exports(store)
    assert ex["run"](store, 20) == 41
    assert mem.read(store, 0, 4) == bytearray(b"\x29\0\0\0")
    assert linker.get(store, "lib", "inc")(store, 1) == 2
    with pytest.raises(WasmoError, match="defined twice"):
        linker.define(store, "env", "memory", mem)
    linker.allow_shadowing = True
    linker.define(store, "env", "memory", mem)
    with pytest.raises(WasmoError, match="unknown import: `nowhere::f`"):
        linker.instantiate(store, Module(engine, '(module (import "nowhere" "f" (func)))'))


# A WASI command in text: writes its first argument and the variable V to stdout, a file in a
# preopened directory, then exits with status 3.
WASI_WAT = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "host" "code" (func $code (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hello from wasi\\n")
  (data (i32.const 200) "out.txt")
  (func (export "_start")
    ;; iovec at 0: (100, 16)
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    ;; path_open(dirfd 3, 0, "out.txt", O_CREAT, rights fd_write, 0, 0, &fd at 16)
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 200) (i32.const 7)
      (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 16)))
    (drop (call $fd_write (i32.load (i32.const 16)) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (call $code))))
"""


def test_wasi_through_the_linker(tmp_path):
    engine = Engine()
    store = Store(engine)
    wasi = WasiConfig()
    wasi.argv = ["prog", "arg"]
    wasi.env = [("V", "1")]
    wasi.stdout_file = tmp_path / "stdout.txt"
    (tmp_path / "dir").mkdir()
    wasi.preopen_dir(tmp_path / "dir", "/dir")
    store.set_wasi(wasi)
    linker = Linker(engine)
    linker.define_wasi()
    linker.define_func("host", "code", FuncType([], [ValType.i32()]), lambda: 3)
    instance = linker.instantiate(store, Module(engine, WASI_WAT))
    with pytest.raises(ExitTrap) as exit:
        instance.exports(store)["_start"](store)
    assert exit.value.code == 3
    assert (tmp_path / "stdout.txt").read_text() == "hello from wasi\n"
    assert (tmp_path / "dir" / "out.txt").read_text() == "hello from wasi\n"


def test_wasi_read_only_preopen_and_missing_config(tmp_path):
    engine = Engine()
    linker = Linker(engine)
    linker.define_wasi()
    linker.define_func("host", "code", FuncType([], [ValType.i32()]), lambda: 0)
    store = Store(engine)
    with pytest.raises(WasmoError, match="set_wasi"):
        linker.instantiate(store, Module(engine, WASI_WAT))
    wasi = WasiConfig()
    (tmp_path / "ro").mkdir()
    wasi.preopen_dir(tmp_path / "ro", "/ro", DirPerms.READ_ONLY, FilePerms.READ_ONLY)
    store.set_wasi(wasi)
    with pytest.raises(ExitTrap) as exit:
        linker.instantiate(store, Module(engine, WASI_WAT)).exports(store)["_start"](store)
    assert exit.value.code == 0
    assert not (tmp_path / "ro" / "out.txt").exists()
    bad = WasiConfig()
    bad.preopen_dir(tmp_path / "does-not-exist", "/x")
    store.set_wasi(bad)
    with pytest.raises(WasmoError):
        linker.instantiate(store, Module(engine, WASI_WAT))
