;; A bug of the reference, wasmi 2.0.0 (KNOWN.md, "wasmi-select"): local 0 is 0, so the select
;; picks 1 and `f` returns 1 (Wasmo does); wasmi returns 0. Without the `if ... unreachable` in
;; front, wasmi is right. Minimised by hand from trap-free seed 0x453e601aa4679d38 (shrunk to
;; wasmi-select-rem.wasm, where wasm-smith's divisor guard has this shape and wasmi then traps
;; with "integer divide by zero").
(module
  (global $g (mut i32) (i32.const 2))
  (func (export "f") (result i32) (local i32 i32)
    (if (i32.eqz (global.get $g)) (then unreachable))
    (local.set 0 (select (i32.const 1) (local.get 0) (i32.eqz (local.get 0))))
    (local.get 0)))
