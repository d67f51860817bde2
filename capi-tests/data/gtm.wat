;; Globals, tables and memories exported with wasm code that reads and writes them.
(module
  (global (export "c_i32") i32 (i32.const 42))
  (global $v64 (export "v_i64") (mut i64) (i64.const -5))
  (global (export "v_f32") (mut f32) (f32.const 1.5))
  (global (export "v_f64") (mut f64) (f64.const -2.25))
  (global $ext (export "v_ext") (mut externref) (ref.null extern))
  (global $fn (export "v_func") (mut funcref) (ref.null func))
  (func $eleven (export "eleven") (result i32) i32.const 11)
  (func $twelve (export "twelve") (result i32) i32.const 12)
  (func (export "get_i64") (result i64) global.get $v64)
  (func (export "set_i64") (param i64) local.get 0 global.set $v64)
  (func (export "get_ext") (result externref) global.get $ext)
  ;; Calls the function in global v_func (through a table of its own).
  (table $gtab 1 funcref)
  (func (export "call_global_func") (result i32)
    i32.const 0 global.get $fn table.set $gtab
    i32.const 0 call_indirect $gtab (result i32))

  (table $tab (export "tab") 2 10 funcref)
  (elem (table $tab) (i32.const 0) func $eleven)
  ;; Sets v_func to element i of tab (wabt types `ref.func` as a typed reference, which a
  ;; funcref global does not accept).
  (func (export "set_func_from_tab") (param i32) local.get 0 table.get $tab global.set $fn)
  (func (export "call_tab") (param i32) (result i32) local.get 0 call_indirect $tab (result i32))
  (func (export "tab_size") (result i32) table.size $tab)
  (table $etab (export "etab") 1 externref)
  (func (export "etab_get") (param i32) (result externref) local.get 0 table.get $etab)

  (memory (export "mem") 1 3)
  (data (i32.const 16) "hello")
  (func (export "load8") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "store8") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "pages") (result i32) memory.size)
)
