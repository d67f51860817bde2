;; A start function that calls the host, then traps if the imported global is non-zero.
(module
  (import "env" "hello" (func $hello))
  (import "env" "fail" (global $fail i32))
  (func $start
    call $hello
    global.get $fail if unreachable end)
  (start $start)
)
