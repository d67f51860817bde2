package wasmo

import (
	"strings"
	"testing"
)

const wrapWat = `(module
  (import "go" "mix" (func $mix (param i32 i64 f32 f64) (result f64)))
  (import "go" "unsigned" (func $unsigned (param i32) (result i64)))
  (import "go" "keep" (func $keep (param externref) (result externref)))
  (import "go" "fail" (func $fail (param i32) (result i32)))
  (import "go" "panics" (func $panics))
  (import "go" "nothing" (func $nothing))
  (func (export "mix") (result f64)
    (call $mix (i32.const -3) (i64.const 40) (f32.const 0.5) (f64.const 0.25)))
  (func (export "unsigned") (result i64) (call $unsigned (i32.const -1)))
  (func (export "keep") (param externref) (result externref) (call $keep (local.get 0)))
  (func (export "fail") (param i32) (result i32) (call $fail (local.get 0)))
  (func (export "panics") (call $panics))
  (func (export "nothing") (call $nothing)))`

func TestWrapFuncTakesTheSignatureFromGo(t *testing.T) {
	engine := NewEngine()
	store := NewStore(engine)
	module := compile(t, engine, wrapWat)
	called := 0
	imports := []AsExtern{
		WrapFunc(store, func(a int32, b int64, c float32, d float64) float64 {
			return float64(a) + float64(b) + float64(c) + d
		}),
		WrapFunc(store, func(c *Caller, x uint32) uint64 {
			if c == nil {
				t.Error("no caller")
			}
			return uint64(x)
		}),
		WrapFunc(store, func(x interface{}) interface{} { return x }),
		WrapFunc(store, func(x int32) (int32, *Trap) {
			if x < 0 {
				return 0, NewTrap("negative")
			}
			return x + 1, nil
		}),
		WrapFunc(store, func() { panic("oops") }),
		WrapFunc(store, func() { called++ }),
	}
	if got := imports[0].(*Func).Type(store); len(got.Params()) != 4 || got.Params()[1].Kind() != KindI64 ||
		len(got.Results()) != 1 || got.Results()[0].Kind() != KindF64 {
		t.Fatalf("mix's type: %v", got)
	}
	instance, err := NewInstance(store, module, imports)
	if err != nil {
		t.Fatal(err)
	}
	call := func(name string, args ...interface{}) (interface{}, error) {
		return instance.GetFunc(store, name).Call(store, args...)
	}
	if got, err := call("mix"); err != nil || got != 37.75 {
		t.Fatalf("mix = %v, %v", got, err)
	}
	if got, err := call("unsigned"); err != nil || got != int64(4294967295) {
		t.Fatalf("unsigned = %v, %v", got, err)
	}
	type token struct{ n int }
	x := &token{7}
	if got, err := call("keep", ValExternref(x)); err != nil || got != x {
		t.Fatalf("keep = %v, %v", got, err)
	}
	if got, err := call("fail", 41); err != nil || got != int32(42) {
		t.Fatalf("fail(41) = %v, %v", got, err)
	}
	if _, err := call("fail", -1); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Fatalf("fail(-1): %v", err)
	}
	if _, err := call("panics"); err == nil || !strings.Contains(err.Error(), "host function panicked: oops") {
		t.Fatalf("panics: %v", err)
	}
	// The store is usable after the panic.
	if _, err := call("nothing"); err != nil || called != 1 {
		t.Fatalf("nothing: %v, called %d", err, called)
	}
}

func TestWrapFuncRefusesTypesWithoutAWasmType(t *testing.T) {
	store := NewStore(NewEngine())
	for _, f := range []interface{}{42, func(string) {}, func() []int { return nil }} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("WrapFunc(%T) did not panic", f)
				}
			}()
			WrapFunc(store, f)
		}()
	}
}

func TestLinkerFuncWrap(t *testing.T) {
	engine := NewEngine()
	store := NewStore(engine)
	module := compile(t, engine, `(module (import "env" "add" (func $add (param i32 i32) (result i32)))
	  (func (export "run") (result i32) (call $add (i32.const 40) (i32.const 2))))`)
	linker := NewLinker(engine)
	if err := linker.FuncWrap("env", "add", func(a, b int32) int32 { return a + b }); err != nil {
		t.Fatal(err)
	}
	instance, err := linker.Instantiate(store, module)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := instance.GetFunc(store, "run").Call(store); err != nil || got != int32(42) {
		t.Fatalf("run = %v, %v", got, err)
	}
}
