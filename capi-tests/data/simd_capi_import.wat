;; Imports data/simd_capi.wat's v128 globals (test_simd_capi.c): a re-export, a copy through
;; wasm code, and a global initialised from an imported one.
(module
  (import "a" "c_v128" (global $c v128))
  (import "a" "m_v128" (global $m (mut v128)))
  (global $own (export "own") (mut v128) (global.get $c))
  (export "m_again" (global $m))
  ;; m := own; own := the old m.
  (func (export "swap_own_m") (local v128)
    global.get $m local.set 0 global.get $own global.set $m local.get 0 global.set $own)
)
