;; SIMD (v128) in imported and exported signatures and globals.
(module
  (import "simd" "f" (func (param v128 i32) (result v128)))
  (import "simd" "g" (global (mut v128)))
  (func (export "swap") (param v128 v128) (result v128 v128) local.get 1 local.get 0)
  (global (export "zero") v128 (v128.const i64x2 0 0))
  (func (export "splat") (param f32) (result v128) local.get 0 f32x4.splat)
)
