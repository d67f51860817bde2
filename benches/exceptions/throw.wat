;; A throw/catch round trip per iteration: $thrower (not inlined: it recurses once on even i)
;; throws tag $e with i, the loop catches it one call below and adds the payload. run(n) returns
;; the sum of 0..n-1 (mod 2^32).
(module
  (tag $e (param i32))
  (func $thrower (param $i i32) (param $depth i32)
    (if (i32.and (local.get $depth) (i32.const 1))
      (then (call $thrower (local.get $i) (i32.const 0))))
    (throw $e (local.get $i)))
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum
          (i32.add (local.get $sum)
            (block $caught (result i32)
              (try_table (catch $e $caught)
                (call $thrower (local.get $i) (i32.and (local.get $i) (i32.const 1))))
              (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum)))
