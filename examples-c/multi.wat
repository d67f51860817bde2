;; multi: functions with several results (multi-value), across the host/wasm boundary.
(module
  ;; n -> (n + 1, n * 1000000000000, n / 2, n * 0.1): one result of each number type
  (import "host" "spread" (func $spread (param i32) (result i32 i64 f32 f64)))

  ;; the host's four results in reverse order
  (func (export "reverse") (param i32) (result f64 f32 i64 i32)
    (local $a i32) (local $b i64) (local $c f32) (local $d f64)
    (call $spread (local.get 0))
    (local.set $d)
    (local.set $c)
    (local.set $b)
    (local.set $a)
    (local.get $d) (local.get $c) (local.get $b) (local.get $a))

  ;; six results: the host's results for n, shuffled, then their i32 and i64 sums
  (func (export "six") (param i32 i64) (result i64 i32 f64 f32 i32 i64)
    (local $a i32) (local $b i64) (local $c f32) (local $d f64)
    (call $spread (local.get 0))
    (local.set $d)
    (local.set $c)
    (local.set $b)
    (local.set $a)
    (local.get $b)
    (local.get $a)
    (local.get $d)
    (local.get $c)
    (i32.add (local.get $a) (local.get 0))
    (i64.add (local.get $b) (local.get 1)))

  ;; a block with several results: returns (x, y) swapped through a multi-value block
  (func (export "swap") (param i64 f64) (result f64 i64)
    (block (result f64 i64)
      (local.get 1)
      (local.get 0))))
