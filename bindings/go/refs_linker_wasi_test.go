package wasmo

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const refsWat = `(module
  (import "host" "keep" (func $keep (param externref) (result externref)))
  (global $g (export "g") (mut externref) (ref.null extern))
  (table $t (export "t") 2 10 funcref)
  (func $seven (export "seven") (result i32) (i32.const 7))
  (func (export "through_host") (param externref) (result externref) (call $keep (local.get 0)))
  (func (export "store") (param externref) (global.set $g (local.get 0)))
  (func (export "load") (result externref) (global.get $g))
  (func (export "same_func") (param funcref) (result funcref) (local.get 0))
  (func (export "call_slot") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
  (elem (table $t) (i32.const 0) func $seven))`

func compile(t *testing.T, engine *Engine, wat string) *Module {
	t.Helper()
	wasm, err := Wat2Wasm(wat)
	if err != nil {
		t.Fatal(err)
	}
	module, err := NewModule(engine, wasm)
	if err != nil {
		t.Fatal(err)
	}
	return module
}

func refsInstance(t *testing.T) (*Store, *Instance, *[]interface{}) {
	engine := NewEngine()
	store := NewStore(engine)
	seen := &[]interface{}{}
	ext := NewValType(KindExternref)
	keep := NewFunc(store, NewFuncType([]*ValType{ext}, []*ValType{ext}), func(_ *Caller, args []Val) ([]Val, *Trap) {
		*seen = append(*seen, args[0].Externref())
		return []Val{args[0]}, nil
	})
	instance, err := NewInstance(store, compile(t, engine, refsWat), []AsExtern{keep})
	if err != nil {
		t.Fatal(err)
	}
	return store, instance, seen
}

type thing struct{ name string }

func TestExternrefsAreGoValuesThatComeBackAsThemselves(t *testing.T) {
	store, inst, seen := refsInstance(t)
	x := &thing{"x"}
	got, err := inst.GetFunc(store, "through_host").Call(store, x)
	if err != nil || got != x || len(*seen) != 1 || (*seen)[0] != x {
		t.Fatalf("through_host(x) = %v, %v (host saw %v)", got, err, *seen)
	}
	if got, err := inst.GetFunc(store, "through_host").Call(store, nil); err != nil || got != nil {
		t.Fatalf("through_host(nil) = %v, %v", got, err)
	}
	if _, err := inst.GetFunc(store, "store").Call(store, "text"); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	if got, _ := inst.GetFunc(store, "load").Call(store); got != "text" {
		t.Fatalf("load() = %v", got)
	}
	g := inst.GetExport(store, "g").Global()
	if g.Get(store).Externref() != "text" {
		t.Fatalf("global = %v", g.Get(store))
	}
	if err := g.Set(store, ValExternref(42)); err != nil || g.Get(store).Externref() != 42 {
		t.Fatalf("set global: %v, %v", err, g.Get(store))
	}
}

func TestFuncrefsAreFuncs(t *testing.T) {
	store, inst, _ := refsInstance(t)
	seven := inst.GetFunc(store, "seven")
	got, err := inst.GetFunc(store, "same_func").Call(store, seven)
	f, ok := got.(*Func)
	if err != nil || !ok {
		t.Fatalf("same_func(seven) = %v, %v", got, err)
	}
	if r, err := f.Call(store); err != nil || r != int32(7) {
		t.Fatalf("the returned function gives %v, %v", r, err)
	}
	if got, err := inst.GetFunc(store, "same_func").Call(store, nil); err != nil || got != nil {
		t.Fatalf("same_func(nil) = %v, %v", got, err)
	}
}

func TestTables(t *testing.T) {
	store, inst, _ := refsInstance(t)
	tab := inst.GetExport(store, "t").Table()
	if tab == nil || tab.Size(store) != 2 || tab.Type(store).Limits().Max != 10 {
		t.Fatal("the exported table")
	}
	v, err := tab.Get(store, 0)
	if err != nil || v.Funcref() == nil {
		t.Fatalf("t[0] = %v, %v", v, err)
	}
	if r, _ := v.Funcref().Call(store); r != int32(7) {
		t.Fatalf("t[0]() = %v", r)
	}
	if v, _ := tab.Get(store, 1); v.Funcref() != nil {
		t.Fatal("t[1] is null")
	}
	if _, err := inst.GetFunc(store, "call_slot").Call(store, 1); err == nil || !strings.Contains(err.Error(), "uninitialized element") {
		t.Fatalf("call_slot(1): %v", err)
	}
	if err := tab.Set(store, 1, ValFuncref(inst.GetFunc(store, "seven"))); err != nil {
		t.Fatal(err)
	}
	if r, err := inst.GetFunc(store, "call_slot").Call(store, 1); err != nil || r != int32(7) {
		t.Fatalf("call_slot(1) = %v, %v", r, err)
	}
	if old, err := tab.Grow(store, 3, ValFuncref(inst.GetFunc(store, "seven"))); err != nil || old != 2 || tab.Size(store) != 5 {
		t.Fatalf("grow: %v, %v", old, err)
	}
	if _, err := tab.Get(store, 5); err == nil {
		t.Fatal("t[5] is out of bounds")
	}
	if err := tab.Set(store, 5, ValFuncref(nil)); err == nil {
		t.Fatal("setting t[5] fails")
	}
	if _, err := tab.Grow(store, 100, ValFuncref(nil)); err == nil {
		t.Fatal("growing past the maximum fails")
	}
}

func TestExternsFromTypes(t *testing.T) {
	engine := NewEngine()
	store := NewStore(engine)
	g, err := NewGlobal(store, NewGlobalType(NewValType(KindF64), true), ValF64(1.5))
	if err != nil || g.Get(store).F64() != 1.5 || !g.Type(store).Mutable() {
		t.Fatalf("NewGlobal: %v", err)
	}
	m, err := NewMemory(store, NewMemoryType(1, true, 2))
	if err != nil || m.Size(store) != 1 || m.Type(store).Limits().Max != 2 {
		t.Fatalf("NewMemory: %v", err)
	}
	if _, err := NewMemory(store, NewMemoryType(5, true, 2)); err == nil {
		t.Fatal("min above max is refused")
	}
	tab, err := NewTable(store, NewTableType(NewValType(KindExternref), 3, false, 0), ValExternref("x"))
	if err != nil || tab.Size(store) != 3 {
		t.Fatalf("NewTable: %v", err)
	}
	module := compile(t, engine, `(module
	  (import "" "g" (global $g (mut f64))) (import "" "m" (memory 1))
	  (import "" "t" (table 3 externref))
	  (func (export "g") (result f64) (global.get $g))
	  (func (export "t") (param i32) (result externref) (table.get 0 (local.get 0)))
	  (func (export "m") (result i32) (i32.load8_u (i32.const 5))))`)
	m.UnsafeData(store)[5] = 9
	inst, err := NewInstance(store, module, []AsExtern{g, m, tab})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]interface{}{"g": 1.5, "m": int32(9)} {
		if got, err := inst.GetFunc(store, name).Call(store); err != nil || got != want {
			t.Fatalf("%s() = %v, %v", name, got, err)
		}
	}
	if got, err := inst.GetFunc(store, "t").Call(store, 2); err != nil || got != "x" {
		t.Fatalf("t(2) = %v, %v", got, err)
	}
}

func TestLinker(t *testing.T) {
	engine := NewEngine()
	store := NewStore(engine)
	linker := NewLinker(engine)
	i32 := NewValType(KindI32)
	if err := linker.FuncNew("env", "double", NewFuncType([]*ValType{i32}, []*ValType{i32}), doubling); err != nil {
		t.Fatal(err)
	}
	lib, err := linker.Instantiate(store, compile(t, engine, `(module
	  (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))`))
	if err != nil {
		t.Fatal(err)
	}
	if err := linker.DefineInstance(store, "lib", lib); err != nil {
		t.Fatal(err)
	}
	app := compile(t, engine, `(module
	  (import "env" "double" (func $double (param i32) (result i32)))
	  (import "lib" "inc" (func $inc (param i32) (result i32)))
	  (func (export "run") (param i32) (result i32) (call $inc (call $double (local.get 0)))))`)
	inst, err := linker.Instantiate(store, app)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := inst.GetFunc(store, "run").Call(store, 20); err != nil || got != int32(41) {
		t.Fatalf("run(20) = %v, %v", got, err)
	}
	if linker.Get(store, "lib", "inc").Func() == nil {
		t.Fatal("Get")
	}
	if err := linker.Define(store, "lib", "inc", lib.GetFunc(store, "inc")); err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Fatalf("redefinition: %v", err)
	}
	linker.AllowShadowing(true)
	if err := linker.Define(store, "lib", "inc", lib.GetFunc(store, "inc")); err != nil {
		t.Fatal(err)
	}
	if _, err := linker.Instantiate(store, compile(t, engine, `(module (import "nowhere" "f" (func)))`)); err == nil ||
		!strings.Contains(err.Error(), "unknown import: `nowhere::f`") {
		t.Fatalf("an undefined import: %v", err)
	}
}

// A WASI command: writes to stdout and to a file in a preopened directory, then exits with
// the status a host function gives.
const wasiWat = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "host" "code" (func $code (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hello from wasi\n")
  (data (i32.const 200) "out.txt")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 200) (i32.const 7)
      (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 16)))
    (drop (call $fd_write (i32.load (i32.const 16)) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (call $code))))`

func TestWasiThroughTheLinker(t *testing.T) {
	dir := t.TempDir()
	engine := NewEngine()
	linker := NewLinker(engine)
	linker.DefineWasi()
	linker.FuncNew("host", "code", NewFuncType(nil, []*ValType{NewValType(KindI32)}),
		func(*Caller, []Val) ([]Val, *Trap) { return []Val{ValI32(3)}, nil })
	module := compile(t, engine, wasiWat)

	store := NewStore(engine)
	if _, err := linker.Instantiate(store, module); err == nil || !strings.Contains(err.Error(), "SetWasi") {
		t.Fatalf("WASI without a configuration: %v", err)
	}
	config := NewWasiConfig()
	config.SetArgv([]string{"prog"})
	config.SetEnv([]string{"V"}, []string{"1"})
	config.SetStdoutFile(filepath.Join(dir, "stdout.txt"))
	os.Mkdir(filepath.Join(dir, "rw"), 0o755)
	config.PreopenDir(filepath.Join(dir, "rw"), "/rw", DIR_READ|DIR_WRITE, FILE_READ|FILE_WRITE)
	store.SetWasi(config)
	inst, err := linker.Instantiate(store, module)
	if err != nil {
		t.Fatal(err)
	}
	_, err = inst.GetFunc(store, "_start").Call(store)
	trap, ok := err.(*Trap)
	if !ok {
		t.Fatalf("_start: %v", err)
	}
	if status, exited := trap.ExitStatus(); !exited || status != 3 {
		t.Fatalf("exit status %v, %v", status, exited)
	}
	for _, f := range []string{"stdout.txt", "rw/out.txt"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || string(b) != "hello from wasi\n" {
			t.Fatalf("%s: %q, %v", f, b, err)
		}
	}

	// A read-only preopen: the file is not created.
	ro := NewWasiConfig()
	os.Mkdir(filepath.Join(dir, "ro"), 0o755)
	ro.PreopenDir(filepath.Join(dir, "ro"), "/ro", DIR_READ, FILE_READ)
	store2 := NewStore(engine)
	store2.SetWasi(ro)
	inst, err = linker.Instantiate(store2, module)
	if err != nil {
		t.Fatal(err)
	}
	inst.GetFunc(store2, "_start").Call(store2)
	if _, err := os.Stat(filepath.Join(dir, "ro", "out.txt")); err == nil {
		t.Fatal("a read-only preopen was written")
	}
	bad := NewWasiConfig()
	bad.PreopenDir(filepath.Join(dir, "missing"), "/x", DIR_READ, FILE_READ)
	store2.SetWasi(bad)
	if _, err := linker.Instantiate(store2, module); err == nil {
		t.Fatal("a missing directory is refused")
	}
}
