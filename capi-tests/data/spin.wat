;; Endless loops for test_interrupt.c: one that never calls, one that calls in every iteration,
;; and a function that returns.
(module
  (func (export "spin") (loop (br 0)))
  (func $leaf)
  (func (export "calls") (loop (call $leaf) (br 0)))
  (func (export "answer") (result i32) (i32.const 42))
  ;; Makes a call, so its entry checks the epoch (a function that makes none needs no check).
  (func (export "answer_via_leaf") (result i32) (call $leaf) (i32.const 42)))
