;; The fuzz case liftoff-fcmp-nan-zext.wasm reduced by hand: `f32.ne` of a constant NaN and a value
;; only known at run time is 1; lift-off's baseline code (LLVM 16 FastISel) gave 255, so br_table
;; took its default target. Each export must return 20 (`ne`: 1) in every mode.
(module
  (table 1 externref)
  (func (export "br_table_ne") (result i32)
    (block (block (br_table 0 1 0 (f32.ne (f32.const nan) (f32.convert_i32_u (table.size 0)))))
      (return (i32.const 10)))
    (i32.const 20))
  (func (export "br_table_ne_f64") (param f64) (result i32)
    (block (block (br_table 0 1 0 (f64.ne (local.get 0) (f64.const -nan:0x1))))
      (return (i32.const 10)))
    (i32.const 20))
  (func (export "ne_plus_one") (param f32) (result i32)
    (i32.add (f32.ne (f32.const nan) (local.get 0)) (i32.const 19)))
  (func (export "eq_is_zero") (param f32) (result i32)
    (i32.sub (i32.const 20) (f32.eq (local.get 0) (f32.const nan)))))
