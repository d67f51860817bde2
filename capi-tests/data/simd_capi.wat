;; v128 at the C API boundary (test_simd_capi.c): v128 globals, functions with v128 in their
;; signature and a host import with a v128 parameter. The function bodies use no SIMD operator
;; (only local.get, global.get/set, call and scalar code), so they compile without the SIMD
;; translator.
(module
  (import "host" "take_v128" (func $take (param v128) (result i32)))
  (import "host" "give_v128" (func $give (result v128)))
  ;; Bytes 0x00..0x0f in memory order.
  (global $c (export "c_v128") v128
    (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))
  (global $m (export "m_v128") (mut v128) (v128.const i32x4 0x11223344 -1 0 0x80000000))
  (global $other (mut v128) (v128.const i64x2 0 0))
  (global (export "c_i32") i32 (i32.const 5))
  (global (export "m_f64") (mut f64) (f64.const 0.5))
  ;; A v128 parameter that the body ignores.
  (func (export "seven") (param v128) (result i32) i32.const 7)
  (func (export "id") (param v128) (result v128) local.get 0)
  (func (export "get_m") (result v128) global.get $m)
  ;; Calls into wasm without v128 in their own signature.
  (func (export "plus1") (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  ;; m := c, through a v128 local.
  (func (export "copy_c_to_m") (local v128) global.get $c local.set 0 local.get 0 global.set $m)
  ;; Swaps m and other.
  (func (export "swap_m") (local v128)
    global.get $m local.set 0 global.get $other global.set $m local.get 0 global.set $other)
  ;; Pass m to the host, which cannot receive it.
  (func (export "call_take") (result i32) global.get $m call $take)
  ;; Take a v128 from the host, which cannot give one.
  (func (export "call_give") call $give global.set $m)
)
