;; trap: traps raised by a host function and by wasm code.
(module
  ;; function 0: a host function that returns a trap
  (import "host" "fail" (func $fail))

  ;; function 1: calls the host function
  (func $call_fail (export "call_fail")
    (call $fail))

  ;; functions 2, 3 and 4: crash -> middle -> inner, which executes `unreachable`
  (func $inner
    (unreachable))
  (func $middle
    (call $inner))
  (func $crash (export "crash")
    (call $middle))

  ;; function 5: never traps
  (func $add (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1))))
