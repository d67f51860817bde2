;; start: a start function runs while the module is instantiated. This one tells the host it
;; ran, then writes a global that the host reads afterwards.
(module
  (import "host" "started" (func $started (param i32)))
  (global $value (export "value") (mut i32) (i32.const 0))
  (func $start
    (call $started (i32.const 42))
    (global.set $value (i32.const 42)))
  (start $start)
  (func (export "get") (result i32)
    (global.get $value)))
