;; global: globals of every number type, immutable and mutable, imported from the host and
;; defined (and exported) by the module, with functions to read and write them from wasm.
(module
  (import "host" "const_i32" (global $const_i32 i32))
  (import "host" "const_i64" (global $const_i64 i64))
  (import "host" "const_f32" (global $const_f32 f32))
  (import "host" "const_f64" (global $const_f64 f64))
  (import "host" "var_i32" (global $var_i32 (mut i32)))
  (import "host" "var_i64" (global $var_i64 (mut i64)))
  (import "host" "var_f32" (global $var_f32 (mut f32)))
  (import "host" "var_f64" (global $var_f64 (mut f64)))

  ;; Defined globals. The immutable ones are initialised from the imported constants.
  (global $own_const_i32 (export "own_const_i32") i32 (global.get $const_i32))
  (global $own_const_i64 (export "own_const_i64") i64 (i64.const -1234567890123))
  (global $own_var_i32 (export "own_var_i32") (mut i32) (i32.const 10))
  (global $own_var_i64 (export "own_var_i64") (mut i64) (i64.const 20))
  (global $own_var_f32 (export "own_var_f32") (mut f32) (f32.const 30.5))
  (global $own_var_f64 (export "own_var_f64") (mut f64) (global.get $const_f64))

  ;; An imported global exported again.
  (export "var_i64_again" (global $var_i64))

  ;; Readers of the imported globals.
  (func (export "get_const_i32") (result i32) (global.get $const_i32))
  (func (export "get_const_i64") (result i64) (global.get $const_i64))
  (func (export "get_const_f32") (result f32) (global.get $const_f32))
  (func (export "get_const_f64") (result f64) (global.get $const_f64))
  (func (export "get_var_i32") (result i32) (global.get $var_i32))
  (func (export "get_var_i64") (result i64) (global.get $var_i64))
  (func (export "get_var_f32") (result f32) (global.get $var_f32))
  (func (export "get_var_f64") (result f64) (global.get $var_f64))

  ;; Writers of the imported mutable globals.
  (func (export "set_var_i32") (param i32) (global.set $var_i32 (local.get 0)))
  (func (export "set_var_i64") (param i64) (global.set $var_i64 (local.get 0)))
  (func (export "set_var_f32") (param f32) (global.set $var_f32 (local.get 0)))
  (func (export "set_var_f64") (param f64) (global.set $var_f64 (local.get 0)))

  ;; Readers and writers of the module's own globals.
  (func (export "get_own_const_i64") (result i64) (global.get $own_const_i64))
  (func (export "get_own_var_i32") (result i32) (global.get $own_var_i32))
  (func (export "get_own_var_i64") (result i64) (global.get $own_var_i64))
  (func (export "get_own_var_f32") (result f32) (global.get $own_var_f32))
  (func (export "get_own_var_f64") (result f64) (global.get $own_var_f64))
  (func (export "set_own_var_i32") (param i32) (global.set $own_var_i32 (local.get 0)))
  (func (export "set_own_var_i64") (param i64) (global.set $own_var_i64 (local.get 0)))
  (func (export "set_own_var_f32") (param f32) (global.set $own_var_f32 (local.get 0)))
  (func (export "set_own_var_f64") (param f64) (global.set $own_var_f64 (local.get 0))))
