;; fib.wat with each recursive call inside a try_table that would catch any exception: nothing
;; throws, so with zero-cost handlers this runs as fast as fib.wat.
(module
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (block $r1 (result i32)
            (block $h1
              (try_table (catch_all $h1)
                (br $r1 (call $fib (i32.sub (local.get $n) (i32.const 1))))))
            (i32.const 0))
          (block $r2 (result i32)
            (block $h2
              (try_table (catch_all $h2)
                (br $r2 (call $fib (i32.sub (local.get $n) (i32.const 2))))))
            (i32.const 0))))))
  (func (export "run") (param $n i32) (result i32)
    (call $fib (local.get $n))))
