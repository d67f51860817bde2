;; fib_try.wat in the legacy exception instructions (try/catch_all), which node 20's V8 runs
;; without flags. (Written flat: the wast crate does not parse the folded `(try (do ...))`.)
(module
  (func $fib (param $n i32) (result i32)
    local.get $n
    i32.const 2
    i32.lt_u
    if (result i32)
      local.get $n
    else
      try (result i32)
        local.get $n
        i32.const 1
        i32.sub
        call $fib
      catch_all
        i32.const 0
      end
      try (result i32)
        local.get $n
        i32.const 2
        i32.sub
        call $fib
      catch_all
        i32.const 0
      end
      i32.add
    end)
  (func (export "run") (param $n i32) (result i32)
    (call $fib (local.get $n))))
