;; The second module of the memory example: it imports a memory created by the host.
(module
  (import "host" "memory" (memory 1 3))

  ;; the sum of the bytes in [start, start + length)
  (func (export "sum") (param $start i32) (param $length i32) (result i32)
    (local $total i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $length)))
        (local.set $total
          (i32.add (local.get $total) (i32.load8_u (local.get $start))))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (local.set $length (i32.sub (local.get $length) (i32.const 1)))
        (br $next)))
    (local.get $total))

  ;; writes `value` to the `length` bytes from `start`
  (func (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))

  (func (export "size") (result i32)
    (memory.size))

  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0))))
