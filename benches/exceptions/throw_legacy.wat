;; throw.wat with the legacy try/catch in the loop (node 20's V8 runs it without flags).
;; (Written flat: the wast crate does not parse the folded `(try (do ...))`.)
(module
  (tag $e (param i32))
  (func $thrower (param $i i32) (param $depth i32)
    (if (i32.and (local.get $depth) (i32.const 1))
      (then (call $thrower (local.get $i) (i32.const 0))))
    (throw $e (local.get $i)))
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    block $done
      loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        local.get $sum
        try (result i32)
          (call $thrower (local.get $i) (i32.and (local.get $i) (i32.const 1)))
          i32.const 0
        catch $e
        end
        i32.add
        local.set $sum
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        br $next
      end
    end
    local.get $sum))
