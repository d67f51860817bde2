;; Every extern kind as import and as export, re-exports of imports, empty and non-ASCII names,
;; two memories (multi-memory) and limits with and without a maximum.
(module
  (type $sig (func (param i32) (result i32)))
  (import "" "" (func $f0 (type $sig)))
  (import "m\c3\a9" "glob" (global $g0 i64))
  (import "mod" "tab" (table $t0 0 externref))
  (import "mod" "mem" (memory $m0 0 65536))
  (func $f1 (export "f1") (param f32 f64) (result i64 i32) i64.const 0 i32.const 0)
  (global $g1 (export "g1") (mut funcref) (ref.null func))
  (table $t1 (export "t1") 10 20 funcref)
  (memory $m1 (export "m1") 7)
  (export "f0" (func $f0))
  (export "g0" (global $g0))
  (export "t0" (table $t0))
  (export "m0" (memory $m0))
  (export "" (func $f1))
)
