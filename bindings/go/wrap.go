package wasmo

import (
	"fmt"
	"reflect"
)

var (
	callerType = reflect.TypeOf((*Caller)(nil))
	trapType   = reflect.TypeOf((*Trap)(nil))
	funcType   = reflect.TypeOf((*Func)(nil))
	anyType    = reflect.TypeOf((*interface{})(nil)).Elem()
)

// goValType is the wasm type a Go parameter or result type stands for in WrapFunc (as
// wasmtime-go maps them), or nil.
func goValType(t reflect.Type) *ValType {
	switch {
	case t == funcType:
		return NewValType(KindFuncref)
	case t == anyType:
		return NewValType(KindExternref)
	}
	switch t.Kind() {
	case reflect.Int32, reflect.Uint32:
		return NewValType(KindI32)
	case reflect.Int64, reflect.Uint64:
		return NewValType(KindI64)
	case reflect.Float32:
		return NewValType(KindF32)
	case reflect.Float64:
		return NewValType(KindF64)
	}
	return nil
}

// goValue is wasm value v as a Go value of type t (one goValType accepts).
func goValue(v Val, t reflect.Type) reflect.Value {
	switch {
	case t == funcType:
		return reflect.ValueOf(v.Funcref())
	case t == anyType:
		x := reflect.New(anyType).Elem()
		if r := v.Externref(); r != nil {
			x.Set(reflect.ValueOf(r))
		}
		return x
	}
	switch t.Kind() {
	case reflect.Int32, reflect.Uint32:
		return reflect.ValueOf(v.I32()).Convert(t)
	case reflect.Int64, reflect.Uint64:
		return reflect.ValueOf(v.I64()).Convert(t)
	case reflect.Float32:
		return reflect.ValueOf(v.F32()).Convert(t)
	}
	return reflect.ValueOf(v.F64()).Convert(t)
}

// wasmValue is Go value x (of a type goValType accepts) as a wasm value.
func wasmValue(x reflect.Value) Val {
	t := x.Type()
	switch {
	case t == funcType:
		return ValFuncref(x.Interface().(*Func))
	case t == anyType:
		return ValExternref(x.Interface())
	}
	switch t.Kind() {
	case reflect.Int32:
		return ValI32(int32(x.Int()))
	case reflect.Uint32:
		return ValI32(int32(uint32(x.Uint())))
	case reflect.Int64:
		return ValI64(x.Int())
	case reflect.Uint64:
		return ValI64(int64(x.Uint()))
	case reflect.Float32:
		return ValF32(float32(x.Float()))
	}
	return ValF64(x.Float())
}

// wrapped is goFunc (see WrapFunc) as a function type and a NewFunc callback.
func wrapped(goFunc interface{}) (*FuncType, func(*Caller, []Val) ([]Val, *Trap)) {
	fv := reflect.ValueOf(goFunc)
	ft := fv.Type()
	if ft.Kind() != reflect.Func {
		panic(fmt.Sprintf("wasmo.WrapFunc: %T is not a function", goFunc))
	}
	first := 0
	if ft.NumIn() > 0 && ft.In(0) == callerType {
		first = 1
	}
	var params, results []*ValType
	for i := first; i < ft.NumIn(); i++ {
		vt := goValType(ft.In(i))
		if vt == nil {
			panic(fmt.Sprintf("wasmo.WrapFunc: parameter %d has type %v, which no wasm type stands for", i, ft.In(i)))
		}
		params = append(params, vt)
	}
	outs := ft.NumOut()
	trapped := outs > 0 && ft.Out(outs-1) == trapType
	if trapped {
		outs--
	}
	for i := 0; i < outs; i++ {
		vt := goValType(ft.Out(i))
		if vt == nil {
			panic(fmt.Sprintf("wasmo.WrapFunc: result %d has type %v, which no wasm type stands for", i, ft.Out(i)))
		}
		results = append(results, vt)
	}
	call := func(caller *Caller, args []Val) ([]Val, *Trap) {
		in := make([]reflect.Value, 0, ft.NumIn())
		if first == 1 {
			in = append(in, reflect.ValueOf(caller))
		}
		for i, a := range args {
			in = append(in, goValue(a, ft.In(first+i)))
		}
		out := fv.Call(in)
		if trapped {
			if t := out[outs].Interface().(*Trap); t != nil {
				return nil, t
			}
		}
		vals := make([]Val, outs)
		for i := range vals {
			vals[i] = wasmValue(out[i])
		}
		return vals, nil
	}
	return NewFuncType(params, results), call
}

// WrapFunc is a host function calling goFunc, whose Go signature gives the wasm one (as in
// wasmtime-go): an optional first *Caller parameter, then parameters and results of types
// int32/uint32 (i32), int64/uint64 (i64), float32, float64, *Func (funcref) and interface{}
// (externref), and optionally a last *Trap result, which traps when not nil. Another type
// panics here, at wrapping. A panic in goFunc while wasm calls it becomes a trap with the panic's
// message (it cannot cross the C frames between).
func WrapFunc(store *Store, goFunc interface{}) *Func {
	ty, call := wrapped(goFunc)
	return NewFunc(store, ty, call)
}

// FuncWrap defines module::name as WrapFunc(store, goFunc) in each store the linker
// instantiates into.
func (l *Linker) FuncWrap(module, name string, goFunc interface{}) error {
	ty, call := wrapped(goFunc)
	return l.FuncNew(module, name, ty, call)
}
