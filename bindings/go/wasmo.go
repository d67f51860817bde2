// Package wasmo is Go's interface to the Wasmo WebAssembly engine: cgo over libwasmo.so's wasm.h
// and wasmo.h, with wasmtime-go's names for what wasm.h covers, so a program using that part
// switches by changing its import. Finalizers free the C objects.
package wasmo

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -lwasmo -Wl,-rpath,${SRCDIR}/../../target/release
// #include <stdlib.h>
// #include "wasmo.h"
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
	message string
	frames  []Frame
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
	C.wasm_trap_delete(ptr)
	return &Trap{message: text, frames: frames}
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
	runtime.SetFinalizer(s, func(s *Store) { C.wasm_store_delete(s.ptr) })
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

// Val is a wasm value.
type Val struct {
	kind ValKind
	bits uint64
}

func ValI32(v int32) Val    { return Val{KindI32, uint64(uint32(v))} }
func ValI64(v int64) Val    { return Val{KindI64, uint64(v)} }
func ValF32(v float32) Val  { return Val{KindF32, uint64(*(*uint32)(unsafe.Pointer(&v)))} }
func ValF64(v float64) Val  { return Val{KindF64, *(*uint64)(unsafe.Pointer(&v))} }
func (v Val) Kind() ValKind { return v.kind }
func (v Val) I32() int32    { return int32(uint32(v.bits)) }
func (v Val) I64() int64    { return int64(v.bits) }
func (v Val) F32() float32  { b := uint32(v.bits); return *(*float32)(unsafe.Pointer(&b)) }
func (v Val) F64() float64  { b := v.bits; return *(*float64)(unsafe.Pointer(&b)) }

// Get is the value as int32, int64, float32 or float64.
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
	return nil
}

func (v Val) store(out *C.wasm_val_t) {
	out.kind = C.wasm_valkind_t(v.kind)
	*(*uint64)(unsafe.Pointer(&out.of)) = v.bits
	if v.kind == KindI32 || v.kind == KindF32 {
		*(*uint64)(unsafe.Pointer(&out.of)) = v.bits & 0xffffffff
	}
}

func load(in *C.wasm_val_t) Val {
	bits := *(*uint64)(unsafe.Pointer(&in.of))
	kind := ValKind(in.kind)
	if kind == KindI32 || kind == KindF32 {
		bits &= 0xffffffff
	}
	return Val{kind, bits}
}

func toVal(arg interface{}, t *ValType) (Val, error) {
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
}

// NewFunc is a host function of type ty calling f.
func NewFunc(store *Store, ty *FuncType, f func(*Caller, []Val) ([]Val, *Trap)) *Func {
	hostMu.Lock()
	hostNext++
	key := hostNext
	hostFuncs[key] = hostFunc{ty, f, store.ptr}
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
		in[i] = load(C.val_at(args, C.size_t(i)))
	}
	out, trap := h.f(&Caller{}, in)
	if trap == nil && len(out) != len(h.ty.results) {
		trap = NewTrap(fmt.Sprintf("the host function returned %d values, not %d", len(out), len(h.ty.results)))
	}
	if trap != nil {
		msg := bytesVec(append([]byte(trap.message), 0))
		defer C.wasm_byte_vec_delete(&msg)
		return C.wasm_trap_new(h.store, &msg)
	}
	for i, v := range out {
		v.store(C.val_at(results, C.size_t(i)))
	}
	return nil
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
	for i, a := range args {
		v, err := toVal(a, ty.params[i])
		if err != nil {
			return nil, err
		}
		v.store(&params[i])
	}
	vecs[0] = C.wasm_val_vec_t{size: C.size_t(len(args)), data: &all[0]}
	vecs[1] = C.wasm_val_vec_t{size: C.size_t(len(ty.results)), data: &results[0]}
	trap := C.wasm_func_call(C.wasm_extern_as_func(f.ext.ptr), &vecs[0], &vecs[1])
	runtime.KeepAlive(f)
	if trap != nil {
		return nil, takeTrap(trap)
	}
	switch len(ty.results) {
	case 0:
		return nil, nil
	case 1:
		return load(&results[0]).Get(), nil
	}
	out := make([]Val, len(ty.results))
	for i := range out {
		out[i] = load(&results[i])
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
	return load(&out)
}

// Set changes a mutable global's value.
func (g *Global) Set(store *Store, v Val) error {
	var in C.wasm_val_t
	v.store(&in)
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
