;; finalize: a module instantiated many times. Each instance imports a host function, exports a
;; function of its own and keeps references to host objects in an externref table.
(module
  (import "host" "tick" (func $tick (param i32) (result i32)))
  (table $refs (export "refs") 4 externref)

  (func (export "run") (param i32) (result i32)
    (call $tick (local.get 0)))

  ;; refs[index] = ref
  (func (export "keep") (param $index i32) (param $ref externref)
    (table.set $refs (local.get $index) (local.get $ref)))

  ;; refs[index]
  (func (export "get") (param $index i32) (result externref)
    (table.get $refs (local.get $index))))
