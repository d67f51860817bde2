;; opt-bitmask-of-uitofp.wasm reduced by hand: the sign bits of the 16-bit and 8-bit halves of
;; floats converted from unsigned lanes are mantissa bits, not the float's sign. Lanes 0x4f9262ac
;; 0x060c287e 0x7445b927 0xa611b841 convert to 0x4e9f24c5 0x4cc18510 0x4ee88b72 0x4f2611b8, so
;; i16x8.bitmask is 20 and i8x16.bitmask 5733 (O2 gave 0 for both).
(module
  (func $v (result v128) (v128.const i32x4 0x4f9262ac 0x060c287e 0x7445b927 0xa611b841))
  (func (export "bitmask16") (param i32) (result i32)
    (i16x8.bitmask (f32x4.convert_i32x4_u (i32x4.replace_lane 0 (call $v) (i32.add (local.get 0) (i32.const 0x4f9262ac))))))
  (func (export "bitmask8") (param i32) (result i32)
    (i8x16.bitmask (f32x4.convert_i32x4_u (i32x4.replace_lane 0 (call $v) (i32.add (local.get 0) (i32.const 0x4f9262ac))))))
  (func (export "lt_s") (param i32) (result i32)
    (i16x8.extract_lane_s 2 (i16x8.lt_s
      (f32x4.convert_i32x4_u (i32x4.replace_lane 0 (call $v) (local.get 0))) (v128.const i16x8 0 0 0 0 0 0 0 0))))
  (func (export "low_u") (param i32) (result i64)
    (i64x2.extract_lane 0 (f64x2.convert_low_i32x4_u (i32x4.splat (i32.sub (i32.const -1) (local.get 0)))))))
