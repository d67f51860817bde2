;; Bug 2 (KNOWN.md): in optimised code (and so serialised) the divisor check of a division whose
;; dividend is an out-of-bounds load runs before the load: "integer divide by zero" instead of
;; "out of bounds memory access". Lift-off is right. Minimised by hand from fuzz findings
;; (e.g. scalar seed 0x1ff3570ab4c9aee0). Only a_div_const and b_div_param (with 0) go wrong.
(module
  (memory (export "mem") 1)
  (func (export "a_div_const") (result i32)
    (i32.div_s (i32.load (i32.const 65536)) (i32.const 0)))
  (func (export "b_div_param") (param i32) (result i32)
    (i32.div_u (i32.load (i32.const 65536)) (local.get 0)))
  (func (export "c_div_loaded") (param i32) (result i32)
    (i32.div_u (local.get 0) (i32.load (i32.const 65536))))
  (func (export "d_trunc") (result i32)
    (i32.trunc_f32_s (f32.load (i32.const 65536))))
  (func (export "e_overflow") (result i32)
    (i32.div_s (i32.load (i32.const 65536)) (i32.const -1))))
