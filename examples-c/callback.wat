;; callback: wasm calling host functions with parameters and results of every number type.
(module
  ;; (i32, i64, f32, f64) -> f64: the sum of its arguments (a plain host function).
  (import "host" "sum" (func $sum (param i32 i64 f32 f64) (result f64)))
  ;; f32 -> f32: half its argument (a plain host function).
  (import "host" "half" (func $half (param f32) (result f32)))
  ;; i32 -> i64: adds its argument to a counter kept in the host function's environment and
  ;; returns the new total.
  (import "host" "count" (func $count (param i32) (result i64)))

  ;; sum(a, b, c, d) * 2
  (func (export "compute") (param i32 i64 f32 f64) (result f64)
    (f64.mul
      (call $sum (local.get 0) (local.get 1) (local.get 2) (local.get 3))
      (f64.const 2)))

  ;; half(half(x))
  (func (export "quarter") (param f32) (result f32)
    (call $half (call $half (local.get 0))))

  ;; count(x) + count(x): two calls, the second one sees the first one's total
  (func (export "count_twice") (param i32) (result i64)
    (i64.add (call $count (local.get 0)) (call $count (local.get 0)))))
