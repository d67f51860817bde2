// Package wasmo is Go's interface to the Wasmo WebAssembly engine: cgo over libwasmo.so's wasm.h
// and wasmo.h, with wasmtime-go's names for what wasm.h covers, so a program using that part
// switches by changing its import. Finalizers free the C objects.
package wasmo

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -lwasmo -Wl,-rpath,${SRCDIR}/../../target/release
// #include <stdlib.h>
// #include "wasmo.h"
// #include "wasi.h"
//
// extern void goExternrefFinalize(uintptr_t key);
// static void externref_finalize(void* key) { goExternrefFinalize((uintptr_t)key); }
// static void set_externref_key(wasm_ref_t* r, uintptr_t key) {
//   wasm_ref_set_host_info_with_finalizer(r, (void*)key, externref_finalize);
// }
// static uintptr_t ref_key(const wasm_ref_t* r) { return (uintptr_t)wasm_ref_get_host_info(r); }
// static wasm_ref_t* val_ref(const wasm_val_t* v) { return v->of.ref; }
// static void set_val_ref(wasm_val_t* v, wasm_ref_t* r) { v->of.ref = r; }
//
// extern wasm_trap_t* goHostCall(uintptr_t env, wasm_val_vec_t* args, wasm_val_vec_t* results);
// extern void goHostFinalize(uintptr_t env);
// static wasm_trap_t* host_call(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
//   return goHostCall((uintptr_t)env, (wasm_val_vec_t*)args, results);
// }
// static void host_finalize(void* env) { goHostFinalize((uintptr_t)env); }
// static wasm_func_t* new_host_func(wasm_store_t* store, const wasm_functype_t* ty, uintptr_t env) {
//   return wasm_func_new_with_env(store, ty, host_call, (void*)env, host_finalize);
// }
// static wasm_val_t* val_at(wasm_val_vec_t* v, size_t i) { return &v->data[i]; }
// static void* ptr_at(void** data, size_t i) { return data[i]; }
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// Error is an error from Wasmo (malformed, invalid or unsupported wasm, a failed link, ...).
type Error struct{ message string }

func (e *Error) Error() string { return e.message }

func lastError() error {
	m := C.wasmo_error_message()
	if m == nil {
		return &Error{"unknown error"}
	}
	return &Error{C.GoString(m)}
}

// Frame is one wasm frame of a trap's backtrace.
type Frame struct {
	FuncIndex    uint32
	ModuleOffset uint
	FuncOffset   uint
}

// Trap is a wasm trap: the spec's message and the wasm frames, innermost first.
type Trap struct {
	message    string
	frames     []Frame
	exitStatus int32
	exited     bool
}

func (t *Trap) Error() string   { return "wasm trap: " + t.message }
func (t *Trap) Message() string { return t.message }
func (t *Trap) Frames() []*Frame {
	out := make([]*Frame, len(t.frames))
	for i := range t.frames {
		out[i] = &t.frames[i]
	}
	return out
}

// NewTrap is a trap a host function returns, with message.
func NewTrap(message string) *Trap { return &Trap{message: message} }

func takeTrap(ptr *C.wasm_trap_t) *Trap {
	var msg C.wasm_byte_vec_t
	C.wasm_trap_message(ptr, &msg)
	text := C.GoStringN(msg.data, C.int(msg.size))
	C.wasm_byte_vec_delete(&msg)
	if len(text) > 0 && text[len(text)-1] == 0 {
		text = text[:len(text)-1]
	}
	var trace C.wasm_frame_vec_t
	C.wasm_trap_trace(ptr, &trace)
	frames := make([]Frame, int(trace.size))
	for i := range frames {
		f := (*C.wasm_frame_t)(C.ptr_at((*unsafe.Pointer)(unsafe.Pointer(trace.data)), C.size_t(i)))
		frames[i] = Frame{uint32(C.wasm_frame_func_index(f)), uint(C.wasm_frame_module_offset(f)), uint(C.wasm_frame_func_offset(f))}
	}
	C.wasm_frame_vec_delete(&trace)
	var status C.int
	exited := bool(C.wasmo_trap_exit_status(ptr, &status))
	C.wasm_trap_delete(ptr)
	return &Trap{message: text, frames: frames, exitStatus: int32(status), exited: exited}
}

// Wat2Wasm translates the text format to the binary format.
func Wat2Wasm(wat string) ([]byte, error) {
	text := C.CString(wat)
	defer C.free(unsafe.Pointer(text))
	var out C.wasm_byte_vec_t
	if !C.wasmo_wat2wasm(text, C.size_t(len(wat)), &out) {
		C.wasm_byte_vec_delete(&out)
		return nil, lastError()
	}
	defer C.wasm_byte_vec_delete(&out)
	return C.GoBytes(unsafe.Pointer(out.data), C.int(out.size)), nil
}

// Config holds engine settings (Wasmo's own).
type Config struct{ ptr *C.wasm_config_t }

// NewConfig is a configuration with Wasmo's defaults (lift-off mode).
func NewConfig() *Config {
	c := &Config{C.wasm_config_new()}
	runtime.SetFinalizer(c, func(c *Config) {
		if c.ptr != nil {
			C.wasm_config_delete(c.ptr)
		}
	})
	return c
}

// SetOptimized chooses optimised mode (every function at O2 before the first call) or
// lift-off mode (the default).
func (c *Config) SetOptimized(optimized bool) {
	mode := C.WASMO_MODE_LIFTOFF
	if optimized {
		mode = C.WASMO_MODE_OPTIMIZED
	}
	C.wasmo_config_set_mode(c.ptr, C.wasmo_mode_t(mode))
}

// SetEpochInterruption turns epoch interruption on (wasmtime-go's name).
func (c *Config) SetEpochInterruption(on bool) {
	C.wasmo_config_set_epoch_interruption(c.ptr, C.bool(on))
}

// Engine compiles modules.
type Engine struct{ ptr *C.wasm_engine_t }

func newEngine(ptr *C.wasm_engine_t) *Engine {
	e := &Engine{ptr}
	runtime.SetFinalizer(e, func(e *Engine) { C.wasm_engine_delete(e.ptr) })
	return e
}

// NewEngine is an engine with default settings.
func NewEngine() *Engine { return newEngine(C.wasm_engine_new()) }

// NewEngineWithConfig is an engine with config's settings; config must not be used again.
func NewEngineWithConfig(config *Config) *Engine {
	ptr := config.ptr
	config.ptr = nil
	runtime.SetFinalizer(config, nil)
	return newEngine(C.wasm_engine_new_with_config(ptr))
}

// IncrementEpoch advances the epoch (from any goroutine).
func (e *Engine) IncrementEpoch() { C.wasmo_engine_increment_epoch(e.ptr); runtime.KeepAlive(e) }

// Store holds instances and what they create.
type Store struct {
	ptr    *C.wasm_store_t
	Engine *Engine
}

// NewStore is a new store of engine.
func NewStore(engine *Engine) *Store {
	s := &Store{C.wasm_store_new(engine.ptr), engine}
	runtime.SetFinalizer(s, func(s *Store) {
		wasiMu.Lock()
		delete(storeWasi, s.ptr)
		wasiMu.Unlock()
		C.wasm_store_delete(s.ptr)
	})
	return s
}

// SetEpochDeadline makes code of this store trap with "interrupted" once the epoch has
// advanced ticks more times.
func (s *Store) SetEpochDeadline(ticks uint64) {
	C.wasmo_store_set_epoch_deadline(s.ptr, C.uint64_t(ticks))
	runtime.KeepAlive(s)
}

// ValKind is a value type's kind.
type ValKind uint8

const (
	KindI32       ValKind = C.WASM_I32
	KindI64       ValKind = C.WASM_I64
	KindF32       ValKind = C.WASM_F32
	KindF64       ValKind = C.WASM_F64
	KindExternref ValKind = C.WASM_EXTERNREF
	KindFuncref   ValKind = C.WASM_FUNCREF
)

// ValType is a value type.
type ValType struct{ kind ValKind }

// NewValType is the value type of kind.
func NewValType(kind ValKind) *ValType { return &ValType{kind} }

// Kind is the type's kind.
func (t *ValType) Kind() ValKind { return t.kind }

// FuncType is a function type.
type FuncType struct{ params, results []*ValType }

// NewFuncType is the function type from params to results.
func NewFuncType(params, results []*ValType) *FuncType { return &FuncType{params, results} }

// Params are the parameter types.
func (t *FuncType) Params() []*ValType { return t.params }

// Results are the result types.
func (t *FuncType) Results() []*ValType { return t.results }

func valtypeVec(types []*ValType) C.wasm_valtype_vec_t {
	var vec C.wasm_valtype_vec_t
	C.wasm_valtype_vec_new_uninitialized(&vec, C.size_t(len(types)))
	data := unsafe.Slice((**C.wasm_valtype_t)(unsafe.Pointer(vec.data)), len(types))
	for i, t := range types {
		data[i] = C.wasm_valtype_new(C.wasm_valkind_t(t.kind))
	}
	return vec
}

func (t *FuncType) make() *C.wasm_functype_t {
	params, results := valtypeVec(t.params), valtypeVec(t.results)
	return C.wasm_functype_new(&params, &results)
}

func valtypes(vec *C.wasm_valtype_vec_t) []*ValType {
	out := make([]*ValType, int(vec.size))
	data := unsafe.Slice((**C.wasm_valtype_t)(unsafe.Pointer(vec.data)), len(out))
	for i := range out {
		out[i] = &ValType{ValKind(C.wasm_valtype_kind(data[i]))}
	}
	return out
}

func funcTypeFrom(ptr *C.wasm_functype_t) *FuncType {
	return &FuncType{valtypes(C.wasm_functype_params(ptr)), valtypes(C.wasm_functype_results(ptr))}
}

// Val is a wasm value: a number, or a reference (an externref's Go value, a *Func, or nil).
type Val struct {
	kind ValKind
	bits uint64
	ref  interface{}
}

func ValI32(v int32) Val    { return Val{kind: KindI32, bits: uint64(uint32(v))} }
func ValI64(v int64) Val    { return Val{kind: KindI64, bits: uint64(v)} }
func ValF32(v float32) Val  { return Val{kind: KindF32, bits: uint64(*(*uint32)(unsafe.Pointer(&v)))} }
func ValF64(v float64) Val  { return Val{kind: KindF64, bits: *(*uint64)(unsafe.Pointer(&v))} }
func (v Val) Kind() ValKind { return v.kind }
func (v Val) I32() int32    { return int32(uint32(v.bits)) }
func (v Val) I64() int64    { return int64(v.bits) }
func (v Val) F32() float32  { b := uint32(v.bits); return *(*float32)(unsafe.Pointer(&b)) }
func (v Val) F64() float64  { b := v.bits; return *(*float64)(unsafe.Pointer(&b)) }

// ValExternref is an externref holding x (any Go value; nil is the null reference). wasm code
// can keep it, and it comes back as the same x.
func ValExternref(x interface{}) Val { return Val{kind: KindExternref, ref: x} }

// ValFuncref is a funcref to f (nil is the null reference).
func ValFuncref(f *Func) Val {
	if f == nil {
		return Val{kind: KindFuncref}
	}
	return Val{kind: KindFuncref, ref: f}
}

// Externref is the Go value of an externref (nil for the null reference).
func (v Val) Externref() interface{} { return v.ref }

// Funcref is the function of a funcref, or nil.
func (v Val) Funcref() *Func {
	f, _ := v.ref.(*Func)
	return f
}

// Get is the value as int32, int64, float32 or float64, an externref's Go value, or a *Func.
func (v Val) Get() interface{} {
	switch v.kind {
	case KindI32:
		return v.I32()
	case KindI64:
		return v.I64()
	case KindF32:
		return v.F32()
	case KindF64:
		return v.F64()
	}
	return v.ref
}

// externref values: each one passed to wasm is a foreign object whose host info is its key
// here; the entry goes when wasm.h finalizes the foreign object.
var (
	externMu   sync.Mutex
	externrefs = map[uintptr]interface{}{}
	externNext uintptr
)

//export goExternrefFinalize
func goExternrefFinalize(key C.uintptr_t) {
	externMu.Lock()
	delete(externrefs, uintptr(key))
	externMu.Unlock()
}

// cRef is the C reference v stands for: the caller's to delete when owned, else borrowed
// for one call (what was made for it is appended to temps, to delete after the call).
func (v Val) cRef(store *Store, owned bool, temps *[]*C.wasm_ref_t) *C.wasm_ref_t {
	if v.ref == nil {
		return nil
	}
	if f, ok := v.ref.(*Func); ok && v.kind == KindFuncref {
		r := C.wasm_func_as_ref(C.wasm_extern_as_func(f.ext.ptr))
		if owned {
			return C.wasm_ref_copy(r)
		}
		return r
	}
	externMu.Lock()
	externNext++
	key := externNext
	externrefs[key] = v.ref
	externMu.Unlock()
	r := C.wasm_foreign_as_ref(C.wasm_foreign_new(store.ptr))
	C.set_externref_key(r, C.uintptr_t(key))
	if !owned {
		*temps = append(*temps, r)
	}
	return r
}

func deleteRefs(temps []*C.wasm_ref_t) {
	for _, r := range temps {
		C.wasm_ref_delete(r)
	}
}

// toC writes v to out (see cRef for owned and temps).
func (v Val) toC(store *Store, out *C.wasm_val_t, owned bool, temps *[]*C.wasm_ref_t) {
	out.kind = C.wasm_valkind_t(v.kind)
	switch v.kind {
	case KindI32, KindF32:
		*(*uint64)(unsafe.Pointer(&out.of)) = v.bits & 0xffffffff
	case KindI64, KindF64:
		*(*uint64)(unsafe.Pointer(&out.of)) = v.bits
	default:
		C.set_val_ref(out, v.cRef(store, owned, temps))
	}
}

// refVal is the Val of a C reference of kind; an owned r is consumed.
func refVal(store *Store, r *C.wasm_ref_t, kind ValKind, owned bool) Val {
	if r == nil {
		return Val{kind: kind}
	}
	if f := C.wasm_ref_as_func(r); f != nil && (kind == KindFuncref || kind == KindExternref) {
		if !owned {
			r = C.wasm_ref_copy(r)
		}
		return Val{kind: kind, ref: &Func{newExtern(C.wasm_func_as_extern(C.wasm_ref_as_func(r)), store)}}
	}
	externMu.Lock()
	x := externrefs[uintptr(C.ref_key(r))]
	externMu.Unlock()
	if owned {
		C.wasm_ref_delete(r)
	}
	return Val{kind: kind, ref: x}
}

func fromC(store *Store, in *C.wasm_val_t, owned bool) Val {
	kind := ValKind(in.kind)
	switch kind {
	case KindI32, KindF32:
		return Val{kind: kind, bits: *(*uint64)(unsafe.Pointer(&in.of)) & 0xffffffff}
	case KindI64, KindF64:
		return Val{kind: kind, bits: *(*uint64)(unsafe.Pointer(&in.of))}
	}
	return refVal(store, C.val_ref(in), kind, owned)
}

func toVal(arg interface{}, t *ValType) (Val, error) {
	if t.kind == KindExternref {
		if v, ok := arg.(Val); ok {
			return v, nil
		}
		return ValExternref(arg), nil
	}
	switch a := arg.(type) {
	case Val:
		return a, nil
	case int32:
		return ValI32(a), nil
	case int64:
		return ValI64(a), nil
	case float32:
		return ValF32(a), nil
	case float64:
		return ValF64(a), nil
	case *Func:
		if t.kind == KindFuncref {
			return ValFuncref(a), nil
		}
	case nil:
		if t.kind == KindFuncref {
			return ValFuncref(nil), nil
		}
	case int:
		switch t.kind {
		case KindI32:
			return ValI32(int32(a)), nil
		case KindI64:
			return ValI64(int64(a)), nil
		case KindF32:
			return ValF32(float32(a)), nil
		case KindF64:
			return ValF64(float64(a)), nil
		}
	}
	return Val{}, fmt.Errorf("cannot pass %T as %v", arg, t.kind)
}

// Module is a compiled module.
type Module struct{ ptr *C.wasm_module_t }

func bytesVec(b []byte) C.wasm_byte_vec_t {
	var vec C.wasm_byte_vec_t
	C.wasm_byte_vec_new_uninitialized(&vec, C.size_t(len(b)))
	copy(unsafe.Slice((*byte)(unsafe.Pointer(vec.data)), len(b)), b)
	return vec
}

// NewModule compiles the binary module wasm.
func NewModule(engine *Engine, wasm []byte) (*Module, error) {
	store := C.wasm_store_new(engine.ptr)
	defer C.wasm_store_delete(store)
	vec := bytesVec(wasm)
	defer C.wasm_byte_vec_delete(&vec)
	ptr := C.wasm_module_new(store, &vec)
	if ptr == nil {
		return nil, lastError()
	}
	m := &Module{ptr}
	runtime.SetFinalizer(m, func(m *Module) { C.wasm_module_delete(m.ptr) })
	return m, nil
}

// ModuleValidate says whether engine would compile wasm (nil) or why not.
func ModuleValidate(engine *Engine, wasm []byte) error {
	store := C.wasm_store_new(engine.ptr)
	defer C.wasm_store_delete(store)
	vec := bytesVec(wasm)
	defer C.wasm_byte_vec_delete(&vec)
	if !C.wasm_module_validate(store, &vec) {
		return lastError()
	}
	return nil
}

// Extern is an export or import: a function, global, table or memory.
type Extern struct {
	ptr   *C.wasm_extern_t
	store *Store
}

// AsExtern lets every extern kind be an import.
type AsExtern interface{ AsExtern() *Extern }

func (e *Extern) AsExtern() *Extern { return e }

func newExtern(ptr *C.wasm_extern_t, store *Store) *Extern {
	e := &Extern{ptr, store}
	runtime.SetFinalizer(e, func(e *Extern) { C.wasm_extern_delete(e.ptr) })
	return e
}

// Func is the extern as a function, or nil.
func (e *Extern) Func() *Func {
	if C.wasm_extern_as_func(e.ptr) == nil {
		return nil
	}
	return &Func{e}
}

// Memory is the extern as a memory, or nil.
func (e *Extern) Memory() *Memory {
	if C.wasm_extern_as_memory(e.ptr) == nil {
		return nil
	}
	return &Memory{e}
}

// Global is the extern as a global, or nil.
func (e *Extern) Global() *Global {
	if C.wasm_extern_as_global(e.ptr) == nil {
		return nil
	}
	return &Global{e}
}

// Func is a wasm or host function.
type Func struct{ ext *Extern }

func (f *Func) AsExtern() *Extern { return f.ext }

// Caller is given to host functions (wasm.h has no caller's exports to offer).
type Caller struct{}

var (
	hostMu    sync.Mutex
	hostFuncs = map[uintptr]hostFunc{}
	hostNext  uintptr
)

type hostFunc struct {
	ty *FuncType
	f  func(*Caller, []Val) ([]Val, *Trap)
	// The store's C handle (not the *Store, which the map would keep alive): the store
	// deletes the function, and so its entry here, when it goes.
	store *C.wasm_store_t
	// A *Store sharing that handle without owning it, for the values the function sees.
	goStore *Store
}

// NewFunc is a host function of type ty calling f.
func NewFunc(store *Store, ty *FuncType, f func(*Caller, []Val) ([]Val, *Trap)) *Func {
	hostMu.Lock()
	hostNext++
	key := hostNext
	hostFuncs[key] = hostFunc{ty, f, store.ptr, &Store{ptr: store.ptr, Engine: store.Engine}}
	hostMu.Unlock()
	functype := ty.make()
	defer C.wasm_functype_delete(functype)
	ptr := C.new_host_func(store.ptr, functype, C.uintptr_t(key))
	return &Func{newExtern(C.wasm_func_as_extern(ptr), store)}
}

//export goHostCall
func goHostCall(env C.uintptr_t, args *C.wasm_val_vec_t, results *C.wasm_val_vec_t) *C.wasm_trap_t {
	hostMu.Lock()
	h := hostFuncs[uintptr(env)]
	hostMu.Unlock()
	in := make([]Val, int(args.size))
	for i := range in {
		in[i] = fromC(h.goStore, C.val_at(args, C.size_t(i)), false)
	}
	out, trap := callHost(h.f, in)
	if trap == nil && len(out) != len(h.ty.results) {
		trap = NewTrap(fmt.Sprintf("the host function returned %d values, not %d", len(out), len(h.ty.results)))
	}
	if trap != nil {
		msg := bytesVec(append([]byte(trap.message), 0))
		defer C.wasm_byte_vec_delete(&msg)
		return C.wasm_trap_new(h.store, &msg)
	}
	for i, v := range out {
		slot := C.val_at(results, C.size_t(i))
		if r := C.val_ref(slot); ValKind(slot.kind) >= KindExternref && r != nil {
			C.wasm_ref_delete(r)
		}
		v.toC(h.goStore, slot, true, nil) // the slot owns what it gets
	}
	return nil
}

// callHost calls a host function; a panic becomes a trap, since it cannot unwind through the
// C and wasm frames between it and the call into wasm.
func callHost(f func(*Caller, []Val) ([]Val, *Trap), in []Val) (out []Val, trap *Trap) {
	defer func() {
		if p := recover(); p != nil {
			out, trap = nil, NewTrap(fmt.Sprintf("host function panicked: %v", p))
		}
	}()
	return f(&Caller{}, in)
}

//export goHostFinalize
func goHostFinalize(env C.uintptr_t) {
	hostMu.Lock()
	delete(hostFuncs, uintptr(env))
	hostMu.Unlock()
}

// Type is the function's type.
func (f *Func) Type(store *Store) *FuncType {
	ptr := C.wasm_func_type(C.wasm_extern_as_func(f.ext.ptr))
	defer C.wasm_functype_delete(ptr)
	return funcTypeFrom(ptr)
}

// Call calls the function with args (Val, int32, int64, float32, float64, or int) and returns
// nil, the one result (as int32, int64, float32 or float64), or []Val; an error is a *Trap or
// an *Error.
func (f *Func) Call(store *Store, args ...interface{}) (interface{}, error) {
	ty := f.Type(store)
	if len(args) != len(ty.params) {
		return nil, &Error{fmt.Sprintf("expected %d arguments, got %d", len(ty.params), len(args))}
	}
	// The vectors and their arrays are C memory (cgo's pointer rules).
	vecs := (*[2]C.wasm_val_vec_t)(C.malloc(2 * C.sizeof_wasm_val_vec_t))
	defer C.free(unsafe.Pointer(vecs))
	n := len(args) + len(ty.results) + 1
	slots := (*C.wasm_val_t)(C.malloc(C.size_t(n) * C.sizeof_wasm_val_t))
	defer C.free(unsafe.Pointer(slots))
	all := unsafe.Slice(slots, n)
	params, results := all[:len(args)], all[len(args):]
	var temps []*C.wasm_ref_t
	defer func() { deleteRefs(temps) }()
	for i, a := range args {
		v, err := toVal(a, ty.params[i])
		if err != nil {
			return nil, err
		}
		v.toC(store, &params[i], false, &temps)
	}
	vecs[0] = C.wasm_val_vec_t{size: C.size_t(len(args)), data: &all[0]}
	vecs[1] = C.wasm_val_vec_t{size: C.size_t(len(ty.results)), data: &results[0]}
	trap := C.wasm_func_call(C.wasm_extern_as_func(f.ext.ptr), &vecs[0], &vecs[1])
	runtime.KeepAlive(f)
	runtime.KeepAlive(args)
	if trap != nil {
		return nil, takeTrap(trap)
	}
	out := make([]Val, len(ty.results))
	for i := range out {
		out[i] = fromC(store, &results[i], true)
	}
	switch len(out) {
	case 0:
		return nil, nil
	case 1:
		return out[0].Get(), nil
	}
	return out, nil
}

// Memory is a linear memory.
type Memory struct{ ext *Extern }

func (m *Memory) AsExtern() *Extern     { return m.ext }
func (m *Memory) mem() *C.wasm_memory_t { return C.wasm_extern_as_memory(m.ext.ptr) }

// Size is the size in pages.
func (m *Memory) Size(store *Store) uint64 { return uint64(C.wasm_memory_size(m.mem())) }

// DataSize is the size in bytes.
func (m *Memory) DataSize(store *Store) uintptr { return uintptr(C.wasm_memory_data_size(m.mem())) }

// UnsafeData is the memory's bytes, valid until it grows.
func (m *Memory) UnsafeData(store *Store) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(C.wasm_memory_data(m.mem()))), int(m.DataSize(store)))
}

// Grow adds delta pages and returns the old size.
func (m *Memory) Grow(store *Store, delta uint64) (uint64, error) {
	old := m.Size(store)
	if !C.wasm_memory_grow(m.mem(), C.wasm_memory_pages_t(delta)) {
		return 0, errors.New("failed to grow memory")
	}
	return old, nil
}

// Global is a global variable.
type Global struct{ ext *Extern }

func (g *Global) AsExtern() *Extern { return g.ext }

// Get is the global's value.
func (g *Global) Get(store *Store) Val {
	var out C.wasm_val_t
	C.wasm_global_get(C.wasm_extern_as_global(g.ext.ptr), &out)
	return fromC(g.ext.store, &out, true)
}

// Set changes a mutable global's value.
func (g *Global) Set(store *Store, v Val) error {
	var in C.wasm_val_t
	var temps []*C.wasm_ref_t
	defer func() { deleteRefs(temps) }()
	v.toC(g.ext.store, &in, false, &temps)
	global := C.wasm_extern_as_global(g.ext.ptr)
	ty := C.wasm_global_type(global)
	mutable := C.wasm_globaltype_mutability(ty) == C.WASM_VAR
	C.wasm_globaltype_delete(ty)
	if !mutable {
		return &Error{"the global is immutable"}
	}
	C.wasm_global_set(global, &in)
	return nil
}

// Instance is an instantiated module.
type Instance struct {
	ptr     *C.wasm_instance_t
	names   []string
	exports []*Extern
}

// NewInstance instantiates module in store with imports in the module's import order.
func NewInstance(store *Store, module *Module, imports []AsExtern) (*Instance, error) {
	// cgo forbids Go memory holding Go pointers here: the vector and its array are C's.
	vec := (*C.wasm_extern_vec_t)(C.malloc(C.sizeof_wasm_extern_vec_t))
	defer C.free(unsafe.Pointer(vec))
	vec.size = C.size_t(len(imports))
	vec.data = (**C.wasm_extern_t)(C.malloc(C.size_t(len(imports)+1) * C.size_t(unsafe.Sizeof(uintptr(0)))))
	defer C.free(unsafe.Pointer(vec.data))
	ptrs := unsafe.Slice(vec.data, len(imports))
	for i, im := range imports {
		ptrs[i] = im.AsExtern().ptr
	}
	trap := (**C.wasm_trap_t)(C.malloc(C.size_t(unsafe.Sizeof(uintptr(0)))))
	defer C.free(unsafe.Pointer(trap))
	*trap = nil
	ptr := C.wasm_instance_new(store.ptr, module.ptr, vec, trap)
	runtime.KeepAlive(imports)
	if *trap != nil {
		t := takeTrap(*trap)
		if len(t.frames) == 0 { // a failed link, which wasm.h reports as a trap
			return nil, &Error{t.message}
		}
		return nil, t
	}
	if ptr == nil {
		return nil, lastError()
	}
	inst := &Instance{ptr: ptr}
	runtime.SetFinalizer(inst, func(i *Instance) { C.wasm_instance_delete(i.ptr) })
	var types C.wasm_exporttype_vec_t
	C.wasm_module_exports(module.ptr, &types)
	tdata := unsafe.Slice((**C.wasm_exporttype_t)(unsafe.Pointer(types.data)), int(types.size))
	for _, t := range tdata {
		name := C.wasm_exporttype_name(t)
		inst.names = append(inst.names, C.GoStringN(name.data, C.int(name.size)))
	}
	C.wasm_exporttype_vec_delete(&types)
	var externs C.wasm_extern_vec_t
	C.wasm_instance_exports(ptr, &externs)
	edata := unsafe.Slice((**C.wasm_extern_t)(unsafe.Pointer(externs.data)), int(externs.size))
	for _, e := range edata {
		inst.exports = append(inst.exports, newExtern(C.wasm_extern_copy(e), store))
	}
	C.wasm_extern_vec_delete(&externs)
	return inst, nil
}

// GetExport is the export called name, or nil.
func (i *Instance) GetExport(store *Store, name string) *Extern {
	for k, n := range i.names {
		if n == name {
			return i.exports[k]
		}
	}
	return nil
}

// GetFunc is the function export called name, or nil.
func (i *Instance) GetFunc(store *Store, name string) *Func {
	if e := i.GetExport(store, name); e != nil {
		return e.Func()
	}
	return nil
}

// Exports are all exports, in order.
func (i *Instance) Exports(store *Store) []*Extern { return i.exports }

// Table is the extern as a table, or nil.
func (e *Extern) Table() *Table {
	if C.wasm_extern_as_table(e.ptr) == nil {
		return nil
	}
	return &Table{e}
}

// Limits are the bounds of a memory's or table's size.
type Limits struct {
	Min uint32
	Max uint32 // LimitsMaxNone for none
}

// LimitsMaxNone is the maximum of limits without one.
const LimitsMaxNone = 0xffffffff

func (l Limits) c() *C.wasm_limits_t {
	return &C.wasm_limits_t{min: C.uint32_t(l.Min), max: C.uint32_t(l.Max)}
}

func limitsOf(l *C.wasm_limits_t) Limits { return Limits{uint32(l.min), uint32(l.max)} }

func maxOf(hasMax bool, max uint32) uint32 {
	if hasMax {
		return max
	}
	return LimitsMaxNone
}

// GlobalType is a global's type.
type GlobalType struct {
	content *ValType
	mutable bool
}

// NewGlobalType is the type of globals holding content.
func NewGlobalType(content *ValType, mutable bool) *GlobalType { return &GlobalType{content, mutable} }

// Content is the type of the global's value.
func (t *GlobalType) Content() *ValType { return t.content }

// Mutable says whether the global can be set.
func (t *GlobalType) Mutable() bool { return t.mutable }

func (t *GlobalType) make() *C.wasm_globaltype_t {
	mut := C.WASM_CONST
	if t.mutable {
		mut = C.WASM_VAR
	}
	return C.wasm_globaltype_new(C.wasm_valtype_new(C.wasm_valkind_t(t.content.kind)), C.wasm_mutability_t(mut))
}

// MemoryType is a memory's type (in pages of 64 KiB).
type MemoryType struct{ limits Limits }

// NewMemoryType is the type of memories of minimum pages and, if hasMaximum, at most maximum.
// (wasmtime-go's current signature adds 64-bit sizes, which wasm.h's memory types lack.)
func NewMemoryType(minimum uint32, hasMaximum bool, maximum uint32) *MemoryType {
	return &MemoryType{Limits{minimum, maxOf(hasMaximum, maximum)}}
}

// Limits are the memory's bounds in pages.
func (t *MemoryType) Limits() Limits { return t.limits }

// TableType is a table's type.
type TableType struct {
	element *ValType
	limits  Limits
}

// NewTableType is the type of tables of element references, of min elements and, if hasMax,
// at most max.
func NewTableType(element *ValType, min uint32, hasMax bool, max uint32) *TableType {
	return &TableType{element, Limits{min, maxOf(hasMax, max)}}
}

// Element is the type of the table's elements.
func (t *TableType) Element() *ValType { return t.element }

// Limits are the table's bounds.
func (t *TableType) Limits() Limits { return t.limits }

// NewGlobal is a new global of type ty in store, holding val.
func NewGlobal(store *Store, ty *GlobalType, val Val) (*Global, error) {
	gt := ty.make()
	defer C.wasm_globaltype_delete(gt)
	var in C.wasm_val_t
	var temps []*C.wasm_ref_t
	defer func() { deleteRefs(temps) }()
	val.toC(store, &in, false, &temps)
	ptr := C.wasm_global_new(store.ptr, gt, &in)
	if ptr == nil {
		return nil, lastError()
	}
	return &Global{newExtern(C.wasm_global_as_extern(ptr), store)}, nil
}

// Type is the global's type.
func (g *Global) Type(store *Store) *GlobalType {
	ty := C.wasm_global_type(C.wasm_extern_as_global(g.ext.ptr))
	defer C.wasm_globaltype_delete(ty)
	content := &ValType{ValKind(C.wasm_valtype_kind(C.wasm_globaltype_content(ty)))}
	return &GlobalType{content, C.wasm_globaltype_mutability(ty) == C.WASM_VAR}
}

// NewMemory is a new memory of type ty in store.
func NewMemory(store *Store, ty *MemoryType) (*Memory, error) {
	mt := C.wasm_memorytype_new(ty.limits.c())
	defer C.wasm_memorytype_delete(mt)
	ptr := C.wasm_memory_new(store.ptr, mt)
	if ptr == nil {
		return nil, lastError()
	}
	return &Memory{newExtern(C.wasm_memory_as_extern(ptr), store)}, nil
}

// Type is the memory's type.
func (m *Memory) Type(store *Store) *MemoryType {
	ty := C.wasm_memory_type(m.mem())
	defer C.wasm_memorytype_delete(ty)
	return &MemoryType{limitsOf(C.wasm_memorytype_limits(ty))}
}

// Table is a table of references.
type Table struct{ ext *Extern }

func (t *Table) AsExtern() *Extern    { return t.ext }
func (t *Table) tab() *C.wasm_table_t { return C.wasm_extern_as_table(t.ext.ptr) }

// NewTable is a new table of type ty in store, every element init.
func NewTable(store *Store, ty *TableType, init Val) (*Table, error) {
	tt := C.wasm_tabletype_new(C.wasm_valtype_new(C.wasm_valkind_t(ty.element.kind)), ty.limits.c())
	defer C.wasm_tabletype_delete(tt)
	var temps []*C.wasm_ref_t
	defer func() { deleteRefs(temps) }()
	ptr := C.wasm_table_new(store.ptr, tt, init.cRef(store, false, &temps))
	if ptr == nil {
		return nil, lastError()
	}
	return &Table{newExtern(C.wasm_table_as_extern(ptr), store)}, nil
}

// Type is the table's type.
func (t *Table) Type(store *Store) *TableType {
	ty := C.wasm_table_type(t.tab())
	defer C.wasm_tabletype_delete(ty)
	element := &ValType{ValKind(C.wasm_valtype_kind(C.wasm_tabletype_element(ty)))}
	return &TableType{element, limitsOf(C.wasm_tabletype_limits(ty))}
}

// Size is the number of elements.
func (t *Table) Size(store *Store) uint64 { return uint64(C.wasm_table_size(t.tab())) }

// Get is the element at idx; an error past the end.
func (t *Table) Get(store *Store, idx uint64) (Val, error) {
	kind := t.Type(store).element.kind
	if idx >= t.Size(store) {
		return Val{}, &Error{fmt.Sprintf("table index %d out of bounds (size %d)", idx, t.Size(store))}
	}
	return refVal(t.ext.store, C.wasm_table_get(t.tab(), C.wasm_table_size_t(idx)), kind, true), nil
}

// Set changes the element at idx to val.
func (t *Table) Set(store *Store, idx uint64, val Val) error {
	var temps []*C.wasm_ref_t
	defer func() { deleteRefs(temps) }()
	if idx > 0xffffffff || !C.wasm_table_set(t.tab(), C.wasm_table_size_t(idx), val.cRef(t.ext.store, false, &temps)) {
		return &Error{fmt.Sprintf("table index %d out of bounds (size %d)", idx, t.Size(store))}
	}
	return nil
}

// Grow adds delta elements set to init and returns the old size.
func (t *Table) Grow(store *Store, delta uint64, init Val) (uint64, error) {
	old := t.Size(store)
	var temps []*C.wasm_ref_t
	defer func() { deleteRefs(temps) }()
	if delta > 0xffffffff || !C.wasm_table_grow(t.tab(), C.wasm_table_size_t(delta), init.cRef(t.ext.store, false, &temps)) {
		return 0, errors.New("failed to grow table")
	}
	return old, nil
}

// DirPerms and FilePerms say what a WASI program may do in a preopened directory.
type DirPerms uint8
type FilePerms uint8

const (
	DIR_READ   DirPerms  = 1
	DIR_WRITE  DirPerms  = 2
	FILE_READ  FilePerms = 1
	FILE_WRITE FilePerms = 2
)

// WasiConfig is what a WASI program sees: arguments, environment, standard streams and
// directories. Each instance made through a Linker gets a fresh environment from it.
type WasiConfig struct {
	steps []func(*C.wasi_config_t) bool
}

// NewWasiConfig is a configuration with no arguments, environment or directories, and
// standard streams that read nothing and discard what is written.
func NewWasiConfig() *WasiConfig { return &WasiConfig{} }

func cStrings(strs []string) (**C.char, func()) {
	array := (**C.char)(C.malloc(C.size_t(len(strs)+1) * C.size_t(unsafe.Sizeof(uintptr(0)))))
	items := unsafe.Slice(array, len(strs))
	for i, s := range strs {
		items[i] = C.CString(s)
	}
	return array, func() {
		for _, p := range items {
			C.free(unsafe.Pointer(p))
		}
		C.free(unsafe.Pointer(array))
	}
}

func (c *WasiConfig) add(step func(*C.wasi_config_t) bool) { c.steps = append(c.steps, step) }

// SetArgv sets the program's arguments (its name first).
func (c *WasiConfig) SetArgv(argv []string) {
	c.add(func(cfg *C.wasi_config_t) bool {
		array, free := cStrings(argv)
		defer free()
		return bool(C.wasi_config_set_argv(cfg, C.size_t(len(argv)), array))
	})
}

// SetEnv sets the environment to keys[i]=values[i].
func (c *WasiConfig) SetEnv(keys, values []string) {
	c.add(func(cfg *C.wasi_config_t) bool {
		if len(keys) != len(values) {
			return false
		}
		k, freeK := cStrings(keys)
		defer freeK()
		v, freeV := cStrings(values)
		defer freeV()
		return bool(C.wasi_config_set_env(cfg, C.size_t(len(keys)), k, v))
	})
}

func (c *WasiConfig) InheritArgv() {
	c.add(func(cfg *C.wasi_config_t) bool { C.wasi_config_inherit_argv(cfg); return true })
}
func (c *WasiConfig) InheritEnv() {
	c.add(func(cfg *C.wasi_config_t) bool { C.wasi_config_inherit_env(cfg); return true })
}
func (c *WasiConfig) InheritStdin() {
	c.add(func(cfg *C.wasi_config_t) bool { C.wasi_config_inherit_stdin(cfg); return true })
}
func (c *WasiConfig) InheritStdout() {
	c.add(func(cfg *C.wasi_config_t) bool { C.wasi_config_inherit_stdout(cfg); return true })
}
func (c *WasiConfig) InheritStderr() {
	c.add(func(cfg *C.wasi_config_t) bool { C.wasi_config_inherit_stderr(cfg); return true })
}

func (c *WasiConfig) file(path string, set func(*C.wasi_config_t, *C.char) C.bool) error {
	c.add(func(cfg *C.wasi_config_t) bool {
		p := C.CString(path)
		defer C.free(unsafe.Pointer(p))
		return bool(set(cfg, p))
	})
	return nil
}

// SetStdinFile reads standard input from the file at path (opened at instantiation).
func (c *WasiConfig) SetStdinFile(path string) error {
	return c.file(path, func(cfg *C.wasi_config_t, p *C.char) C.bool { return C.wasi_config_set_stdin_file(cfg, p) })
}

// SetStdoutFile writes standard output to the file at path (created at instantiation).
func (c *WasiConfig) SetStdoutFile(path string) error {
	return c.file(path, func(cfg *C.wasi_config_t, p *C.char) C.bool { return C.wasi_config_set_stdout_file(cfg, p) })
}

// SetStderrFile writes standard error to the file at path (created at instantiation).
func (c *WasiConfig) SetStderrFile(path string) error {
	return c.file(path, func(cfg *C.wasi_config_t, p *C.char) C.bool { return C.wasi_config_set_stderr_file(cfg, p) })
}

// PreopenDir gives the program the host directory path as guestPath: writable when both
// permissions include writing, else read-only (Wasmo's WASI has these two modes).
func (c *WasiConfig) PreopenDir(path, guestPath string, dirPerms DirPerms, filePerms FilePerms) error {
	mutable := dirPerms&DIR_WRITE != 0 && filePerms&FILE_WRITE != 0
	c.add(func(cfg *C.wasi_config_t) bool {
		h, g := C.CString(path), C.CString(guestPath)
		defer C.free(unsafe.Pointer(h))
		defer C.free(unsafe.Pointer(g))
		return bool(C.wasi_config_preopen_dir(cfg, h, g, C.bool(mutable)))
	})
	return nil
}

func (c *WasiConfig) make() (*C.wasi_config_t, error) {
	cfg := C.wasi_config_new()
	for _, step := range c.steps {
		if !step(cfg) {
			err := lastError()
			C.wasi_config_delete(cfg)
			return nil, err
		}
	}
	return cfg, nil
}

// SetWasi sets the WASI configuration of the instances a Linker with DefineWasi makes in the
// store.
func (s *Store) SetWasi(config *WasiConfig) {
	wasiMu.Lock()
	storeWasi[s.ptr] = config
	wasiMu.Unlock()
}

var (
	wasiMu    sync.Mutex
	storeWasi = map[*C.wasm_store_t]*WasiConfig{}
)

// ExitStatus is the status of a WASI program's proc_exit, if the error is one.
func (t *Trap) ExitStatus() (int32, bool) { return t.exitStatus, t.exited }

// Linker instantiates modules by name: definitions are (module, name) -> extern, and
// Instantiate gives each import its definition, or a WASI function after DefineWasi.
// (wasm.h has no linker: this one is Go over it.)
type Linker struct {
	Engine    *Engine
	shadowing bool
	items     map[[2]string]interface{} // an AsExtern, or a linkerFunc
	wasi      bool
}

type linkerFunc struct {
	ty *FuncType
	f  func(*Caller, []Val) ([]Val, *Trap)
}

// NewLinker is a linker with no definitions.
func NewLinker(engine *Engine) *Linker {
	return &Linker{Engine: engine, items: map[[2]string]interface{}{}}
}

// AllowShadowing lets a definition replace an earlier one of the same name.
func (l *Linker) AllowShadowing(allow bool) { l.shadowing = allow }

func (l *Linker) define(module, name string, item interface{}) error {
	key := [2]string{module, name}
	if _, ok := l.items[key]; ok && !l.shadowing {
		return &Error{fmt.Sprintf("import of `%s::%s` defined twice", module, name)}
	}
	l.items[key] = item
	return nil
}

// Define defines module::name as item.
func (l *Linker) Define(store *Store, module, name string, item AsExtern) error {
	return l.define(module, name, item)
}

// FuncNew defines module::name as a host function of type ty, made in each store the linker
// instantiates into.
func (l *Linker) FuncNew(module, name string, ty *FuncType, f func(*Caller, []Val) ([]Val, *Trap)) error {
	return l.define(module, name, linkerFunc{ty, f})
}

// DefineInstance defines every export of instance under the module name name.
func (l *Linker) DefineInstance(store *Store, name string, instance *Instance) error {
	for k, n := range instance.names {
		if err := l.define(name, n, instance.exports[k]); err != nil {
			return err
		}
	}
	return nil
}

// DefineWasi makes WASI preview 1 (wasi_snapshot_preview1) available, configured by the
// store's SetWasi.
func (l *Linker) DefineWasi() error { l.wasi = true; return nil }

func (l *Linker) resolve(store *Store, item interface{}) AsExtern {
	if f, ok := item.(linkerFunc); ok {
		return NewFunc(store, f.ty, f.f)
	}
	return item.(AsExtern)
}

// Get is the definition of module::name, or nil.
func (l *Linker) Get(store *Store, module, name string) *Extern {
	item, ok := l.items[[2]string{module, name}]
	if !ok {
		return nil
	}
	return l.resolve(store, item).AsExtern()
}

// Instantiate instantiates module in store with the linker's definitions.
func (l *Linker) Instantiate(store *Store, module *Module) (*Instance, error) {
	var types C.wasm_importtype_vec_t
	C.wasm_module_imports(module.ptr, &types)
	tdata := unsafe.Slice((**C.wasm_importtype_t)(unsafe.Pointer(types.data)), int(types.size))
	names := make([][2]string, len(tdata))
	usesWasi := false
	for i, t := range tdata {
		m, n := C.wasm_importtype_module(t), C.wasm_importtype_name(t)
		names[i] = [2]string{C.GoStringN(m.data, C.int(m.size)), C.GoStringN(n.data, C.int(n.size))}
		usesWasi = usesWasi || names[i][0] == "wasi_snapshot_preview1"
	}
	C.wasm_importtype_vec_delete(&types)
	imports := make([]AsExtern, len(names))
	var env *C.wasi_env_t
	if l.wasi && usesWasi {
		wasiMu.Lock()
		config := storeWasi[store.ptr]
		wasiMu.Unlock()
		if config == nil {
			return nil, &Error{"the module imports WASI: call store.SetWasi first"}
		}
		cfg, err := config.make()
		if err != nil {
			return nil, err
		}
		env = C.wasi_env_new(store.ptr, cfg) // takes cfg
		if env == nil {
			return nil, lastError()
		}
		defer C.wasi_env_delete(env) // the WASI functions keep what they need
		vec := (*C.wasm_extern_vec_t)(C.malloc(C.sizeof_wasm_extern_vec_t))
		defer C.free(unsafe.Pointer(vec))
		if !C.wasi_get_imports(store.ptr, env, module.ptr, vec) {
			return nil, lastError()
		}
		edata := unsafe.Slice((**C.wasm_extern_t)(unsafe.Pointer(vec.data)), int(vec.size))
		for i, e := range edata {
			if e != nil {
				imports[i] = newExtern(C.wasm_extern_copy(e), store)
			}
		}
		C.wasm_extern_vec_delete(vec)
	}
	for i, key := range names {
		if imports[i] != nil {
			continue
		}
		item, ok := l.items[key]
		if !ok {
			return nil, &Error{fmt.Sprintf("unknown import: `%s::%s` has not been defined", key[0], key[1])}
		}
		imports[i] = l.resolve(store, item)
	}
	instance, err := NewInstance(store, module, imports)
	if err != nil {
		return nil, err
	}
	if env != nil && !C.wasi_env_initialize_instance(env, store.ptr, instance.ptr) {
		return nil, lastError()
	}
	return instance, nil
}
