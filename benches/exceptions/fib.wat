;; fib(n) by naive recursion: the baseline of fib_try and fib_legacy, which are the same code
;; with an exception handler around each recursive call (benches/run.sh, section exceptions).
(module
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "run") (param $n i32) (result i32)
    (call $fib (local.get $n))))
