"""The Python package through the real libwasmo.so: modules from bytes and text, reflection,
instances, calls with Python values, host functions, memories, globals, tables, traps with
frames, errors with Wasmo's messages, serialisation, settings and epoch interruption."""
import threading
import time

import pytest

import wasmo
from wasmo import (Config, Engine, Func, FuncType, Instance, Memory, Module, Store, Trap, ValType,
                   WasmoError, wat2wasm)

WAT = """
(module
  (import "host" "double" (func $double (param i32) (result i32)))
  (memory (export "mem") 1 4)
  (global (export "counter") (mut i64) (i64.const 7))
  (global (export "pi") f64 (f64.const 3.5))
  (table (export "tab") 2 funcref)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "twice_plus_one") (param i32) (result i32)
    (i32.add (call $double (local.get 0)) (i32.const 1)))
  (func (export "mix") (param i64 f32 f64) (result f64)
    (f64.add (f64.add (f64.convert_i64_s (local.get 0)) (f64.promote_f32 (local.get 1))) (local.get 2)))
  (func (export "swap") (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
  (func $inner (export "oob") (i32.store (i32.const 70000) (i32.const 1)))
  (func (export "calls_oob") (call $inner))
  (func (export "spin") (loop (br 0))))
"""


def instantiate(engine=None, double=lambda x: 2 * x):
    store = Store(engine or Engine())
    module = Module(store.engine, WAT)
    host = Func(store, FuncType([ValType.i32()], [ValType.i32()]), double)
    instance = Instance(store, module, [host])
    return store, module, instance, instance.exports(store)


def test_calls_with_python_values():
    store, _, _, exports = instantiate()
    assert exports["add"](store, 2, 40) == 42
    assert exports["add"](store, 2**31 - 1, 1) == -(2**31)
    assert exports["mix"](store, 10, 0.5, 0.25) == 10.75
    assert exports["swap"](store, 1, 2) == [2, 1]
    assert exports["twice_plus_one"](store, 20) == 41
    assert exports.by_index[4] is exports["add"] and len(exports) == 11
    assert "add" in exports and exports.get("missing") is None
    with pytest.raises(KeyError):
        exports["missing"]
    with pytest.raises(TypeError):
        exports["add"](store, 1)


def test_reflection():
    engine = Engine()
    module = Module(engine, WAT)
    (imp,) = module.imports
    assert (imp.module, imp.name) == ("host", "double")
    assert imp.type == FuncType([ValType.i32()], [ValType.i32()])
    kinds = {e.name: type(e.type).__name__ for e in module.exports}
    assert kinds["mem"] == "MemoryType" and kinds["counter"] == "GlobalType"
    assert kinds["tab"] == "TableType" and kinds["add"] == "FuncType"
    mem = next(e.type for e in module.exports if e.name == "mem")
    assert (mem.limits.min, mem.limits.max) == (1, 4)
    counter = next(e.type for e in module.exports if e.name == "counter")
    assert counter.mutable and counter.content == ValType.i64()


def test_tags_show_in_reflection_and_exports():
    engine = Engine()
    store = Store(engine)
    module = Module(engine, '(module (tag (export "e") (param i32 i64)) '
                            '(func (export "f") (throw 0 (i32.const 1) (i64.const 2))))')
    tag_type = module.exports[0].type
    assert type(tag_type).__name__ == "TagType"
    assert tag_type.params == [ValType.i32(), ValType.i64()]
    instance = Instance(store, module, [])
    assert type(instance.exports(store)["e"]).__name__ == "Tag"
    with pytest.raises(Trap) as e:
        instance.exports(store)["f"](store)
    assert 'uncaught exception (tag "e")' in str(e.value)


def test_memory_global_table():
    store, _, _, exports = instantiate()
    mem = exports["mem"]
    assert isinstance(mem, Memory)
    assert mem.size(store) == 1 and mem.data_len(store) == 65536
    assert mem.write(store, b"hello", 100) == 5
    assert mem.read(store, 100, 105) == bytearray(b"hello")
    assert mem.grow(store, 2) == 1 and mem.size(store) == 3
    with pytest.raises(WasmoError):
        mem.grow(store, 2)
    with pytest.raises(IndexError):
        mem.write(store, b"x", mem.data_len(store))
    counter = exports["counter"]
    assert counter.value(store) == 7
    counter.set_value(store, 9)
    assert counter.value(store) == 9
    with pytest.raises(WasmoError):
        exports["pi"].set_value(store, 1.0)
    assert exports["pi"].value(store) == 3.5
    tab = exports["tab"]
    assert tab.size(store) == 2 and tab.grow(store, 3) == 2 and tab.size(store) == 5


def test_traps_carry_the_message_and_frames():
    store, _, _, exports = instantiate()
    with pytest.raises(Trap) as e:
        exports["calls_oob"](store)
    assert "out of bounds memory access" in e.value.message
    assert [f.func_index for f in e.value.frames][:2] == [5, 6]
    # The store goes on.
    assert exports["add"](store, 1, 2) == 3


def test_a_host_exception_becomes_a_trap():
    def fails(x):
        raise ValueError("no doubling today")

    store, _, _, exports = instantiate(double=fails)
    with pytest.raises(Trap) as e:
        exports["twice_plus_one"](store, 1)
    assert "no doubling today" in e.value.message


def test_errors_have_wasmo_messages():
    engine = Engine()
    with pytest.raises(WasmoError) as e:
        Module(engine, b"\0asm\x01\0\0\0\x01")
    assert str(e.value)
    with pytest.raises(WasmoError) as e:
        wat2wasm("(module (func (i32.const)))")
    assert ":1:" in str(e.value)
    with pytest.raises(WasmoError):
        Module.validate(engine, "(module (func (result i32) (i64.const 1)))")
    Module.validate(engine, "(module)")
    store = Store(engine)
    with pytest.raises(WasmoError) as e:
        Instance(store, Module(engine, WAT), [])  # the import is missing
    assert "imports" in str(e.value)
    with pytest.raises(Trap) as e:
        Instance(store, Module(engine, "(module (func $s unreachable) (start $s))"), [])
    assert e.value.message == "unreachable" and e.value.frames
    assert wasmo.WasmtimeError is WasmoError


def test_serialize_round_trip():
    engine = Engine()
    data = Module(engine, WAT).serialize()
    copy = Module.deserialize(engine, data)
    store = Store(engine)
    host = Func(store, FuncType([ValType.i32()], [ValType.i32()]), lambda x: x)
    assert Instance(store, copy, [host]).exports(store)["twice_plus_one"](store, 5) == 6
    with pytest.raises(WasmoError):
        Module.deserialize(engine, data[:100])


@pytest.mark.parametrize("mode", ["liftoff", "opt"])
def test_settings_and_epoch_interruption(mode):
    config = Config()
    config.mode = mode
    config.epoch_interruption = True
    engine = Engine(config)
    store, _, _, exports = instantiate(engine)
    store.set_epoch_deadline(1)
    ticker = threading.Thread(target=lambda: (time.sleep(0.05), engine.increment_epoch()))
    ticker.start()
    with pytest.raises(Trap) as e:
        exports["spin"](store)
    ticker.join()
    assert e.value.message == "interrupted"
    store.set_epoch_deadline(10)
    assert exports["add"](store, 20, 22) == 42
    with pytest.raises(ValueError):
        Config().mode = "fast"


def test_wat2wasm_gives_a_binary():
    assert wat2wasm("(module)") == b"\0asm\x01\0\0\0"


def test_the_readme_examples_run(capsys, tmp_path, monkeypatch):
    import os
    import re
    readme = os.path.join(os.path.dirname(__file__), "..", "README.md")
    with open(readme) as f:
        first, wasi = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    exec(compile(first, "README.md", "exec"), {})
    assert capsys.readouterr().out == "wasm says 21\n42\n"
    monkeypatch.chdir(tmp_path)  # the WASI example writes out.txt where it runs
    exec(compile(wasi, "README.md", "exec"), {})
    assert capsys.readouterr().out == "exit status 3 after hello\n"


def test_the_python_guide_program_prints_what_it_says(capsys):
    import os
    import re
    guide = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "guides", "python.md")
    with open(guide) as f:
        text = f.read()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    output = re.search(r"```text\n(.*?)```", text, re.S).group(1)
    exec(compile(code, "python.md", "exec"), {})
    assert capsys.readouterr().out == output
