;; A bug of the reference, wasmi 2.0.0 (KNOWN.md, "wasmi-select"): wasmi gets
;; (select (i32.const 1) (local.get 0) (i32.eqz (local.get 0))) wrong. `g` must return its
;; argument unless it is 0 (then 1); wasmi returns 1 for every argument. After an
;; `if ... unreachable` in front (`f`, the shape of wasm-smith's fuel check) wasmi instead
;; returns the argument every time, 0 included. Wasmo is right in all modes. Minimised by hand
;; from trap-free seeds 0x453e601aa4679d38 and 0x5dd175e7cda53a5e (wasm-smith's divisor guard
;; has this shape: wasmi then traps with "integer divide by zero", or takes another branch).
(module
  (global $g (mut i32) (i32.const 2))
  (func (export "f") (param i32) (result i32)
    (if (i32.eqz (global.get $g)) (then unreachable))
    (local.set 0 (select (i32.const 1) (local.get 0) (i32.eqz (local.get 0))))
    (local.get 0))
  (func (export "g") (param i32) (result i32)
    (select (i32.const 1) (local.get 0) (i32.eqz (local.get 0)))))
