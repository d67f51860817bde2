package wasmo

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const testWat = `(module
  (import "host" "double" (func $double (param i32) (result i32)))
  (memory (export "mem") 1 4)
  (global (export "counter") (mut i64) (i64.const 7))
  (global (export "pi") f64 (f64.const 3.5))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "twice_plus_one") (param i32) (result i32)
    (i32.add (call $double (local.get 0)) (i32.const 1)))
  (func (export "mix") (param i64 f32 f64) (result f64)
    (f64.add (f64.add (f64.convert_i64_s (local.get 0)) (f64.promote_f32 (local.get 1))) (local.get 2)))
  (func (export "swap") (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
  (func $inner (i32.store (i32.const 70000) (i32.const 1)))
  (func (export "calls_oob") (call $inner))
  (func (export "spin") (loop (br 0))))`

func setup(t *testing.T, engine *Engine, double func(*Caller, []Val) ([]Val, *Trap)) (*Store, *Instance) {
	t.Helper()
	wasm, err := Wat2Wasm(testWat)
	if err != nil {
		t.Fatal(err)
	}
	store := NewStore(engine)
	module, err := NewModule(engine, wasm)
	if err != nil {
		t.Fatal(err)
	}
	i32 := NewValType(KindI32)
	host := NewFunc(store, NewFuncType([]*ValType{i32}, []*ValType{i32}), double)
	instance, err := NewInstance(store, module, []AsExtern{host})
	if err != nil {
		t.Fatal(err)
	}
	return store, instance
}

func doubling(_ *Caller, args []Val) ([]Val, *Trap) { return []Val{ValI32(2 * args[0].I32())}, nil }

func TestCallsWithGoValues(t *testing.T) {
	store, inst := setup(t, NewEngine(), doubling)
	check := func(name string, want interface{}, args ...interface{}) {
		t.Helper()
		got, err := inst.GetFunc(store, name).Call(store, args...)
		if err != nil || got != want {
			t.Fatalf("%s%v = %v, %v; want %v", name, args, got, err, want)
		}
	}
	check("add", int32(42), 2, 40)
	check("add", int32(-2147483648), int32(2147483647), 1)
	check("mix", 10.75, int64(10), float32(0.5), 0.25)
	check("twice_plus_one", int32(41), 20)
	got, err := inst.GetFunc(store, "swap").Call(store, 1, 2)
	if vals, ok := got.([]Val); err != nil || !ok || vals[0].I32() != 2 || vals[1].I32() != 1 {
		t.Fatalf("swap = %v, %v", got, err)
	}
	if inst.GetFunc(store, "missing") != nil || inst.GetExport(store, "mem").Func() != nil {
		t.Fatal("lookup by name")
	}
	if _, err := inst.GetFunc(store, "add").Call(store, 1); err == nil {
		t.Fatal("too few arguments accepted")
	}
}

func TestMemoryAndGlobals(t *testing.T) {
	store, inst := setup(t, NewEngine(), doubling)
	mem := inst.GetExport(store, "mem").Memory()
	if mem.Size(store) != 1 || mem.DataSize(store) != 65536 {
		t.Fatal("memory size")
	}
	copy(mem.UnsafeData(store)[100:], "hello")
	if string(mem.UnsafeData(store)[100:105]) != "hello" {
		t.Fatal("memory contents")
	}
	if old, err := mem.Grow(store, 2); err != nil || old != 1 || mem.Size(store) != 3 {
		t.Fatal("grow")
	}
	if _, err := mem.Grow(store, 2); err == nil {
		t.Fatal("grew past the maximum")
	}
	counter := inst.GetExport(store, "counter").Global()
	if counter.Get(store).I64() != 7 || counter.Set(store, ValI64(9)) != nil || counter.Get(store).I64() != 9 {
		t.Fatal("mutable global")
	}
	pi := inst.GetExport(store, "pi").Global()
	if pi.Get(store).F64() != 3.5 || pi.Set(store, ValF64(1)) == nil {
		t.Fatal("immutable global")
	}
}

func TestTrapsAndErrors(t *testing.T) {
	store, inst := setup(t, NewEngine(), doubling)
	_, err := inst.GetFunc(store, "calls_oob").Call(store)
	var trap *Trap
	if !errors.As(err, &trap) || !strings.Contains(trap.Message(), "out of bounds memory access") {
		t.Fatalf("want an out-of-bounds trap, got %v", err)
	}
	if frames := trap.Frames(); len(frames) < 2 || frames[0].FuncIndex != 5 || frames[1].FuncIndex != 6 {
		t.Fatalf("frames %v", trap.Frames())
	}
	if got, _ := inst.GetFunc(store, "add").Call(store, 1, 2); got != int32(3) {
		t.Fatal("the store goes on")
	}
	// A host function's trap reaches the caller.
	store2, inst2 := setup(t, NewEngine(), func(*Caller, []Val) ([]Val, *Trap) { return nil, NewTrap("no doubling today") })
	_, err = inst2.GetFunc(store2, "twice_plus_one").Call(store2, 1)
	if !errors.As(err, &trap) || !strings.Contains(trap.Message(), "no doubling today") {
		t.Fatalf("host trap: %v", err)
	}
	engine := NewEngine()
	if _, err := NewModule(engine, []byte("\x00asm\x01\x00\x00\x00\x01")); err == nil {
		t.Fatal("a malformed module compiled")
	}
	if _, err := Wat2Wasm("(module (func (i32.const)))"); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Fatalf("wat error: %v", err)
	}
	wasm, _ := Wat2Wasm(testWat)
	module, _ := NewModule(engine, wasm)
	_, err = NewInstance(NewStore(engine), module, nil)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Error(), "imports") {
		t.Fatalf("link error: %v", err)
	}
	if ModuleValidate(engine, wasm) != nil || ModuleValidate(engine, []byte("junk")) == nil {
		t.Fatal("validate")
	}
}

func TestEpochInterruptionInBothModes(t *testing.T) {
	for _, optimized := range []bool{false, true} {
		config := NewConfig()
		config.SetOptimized(optimized)
		config.SetEpochInterruption(true)
		engine := NewEngineWithConfig(config)
		store, inst := setup(t, engine, doubling)
		store.SetEpochDeadline(1)
		go func() { time.Sleep(50 * time.Millisecond); engine.IncrementEpoch() }()
		_, err := inst.GetFunc(store, "spin").Call(store)
		var trap *Trap
		if !errors.As(err, &trap) || trap.Message() != "interrupted" {
			t.Fatalf("optimized=%v: %v", optimized, err)
		}
		store.SetEpochDeadline(10)
		if got, _ := inst.GetFunc(store, "add").Call(store, 20, 22); got != int32(42) {
			t.Fatal("the store goes on")
		}
	}
}
