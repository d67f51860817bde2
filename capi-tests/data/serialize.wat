;; Serialisation round trip: memory with a data segment, a mutable global, a table element
;; called indirectly, and an imported host function.
(module
  (import "host" "add1" (func $add1 (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\2a")
  (global $g (mut i32) (i32.const 100))
  (table 2 funcref)
  (elem (i32.const 1) $square)
  (func $square (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "run") (param i32) (result i32)
    (global.set $g (i32.add (global.get $g) (i32.load8_u (i32.const 16))))
    (call $add1
      (i32.add (call_indirect (param i32) (result i32) (local.get 0) (i32.const 1))
               (global.get $g))))
  (func (export "trap") (result i32) (i32.div_s (i32.const 1) (i32.const 0))))
