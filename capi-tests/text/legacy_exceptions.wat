;; Legacy exception handling (`try`, `catch`, `catch_all`, `rethrow`, `delegate`), leaving every
;; `catch` clause every way there is: `tests/exceptions.rs` checks the results in every mode and
;; `capi-tests/test_exceptions.c` runs `leave_all` under valgrind, which fails on any exception
;; that is not freed exactly once.
(module
  (tag $e (param i32))
  (tag $f)
  (func $throw (param i32) (throw $e (local.get 0)))
  (func $throw_f (throw $f))
  (func $seven (result i32) (i32.const 7))

  ;; The payload of a tag thrown one call deep.
  (func (export "catch") (param i32) (result i32)
    try (result i32)
      (call $throw (local.get 0))
      i32.const -1
    catch $e
      i32.const 1
      i32.add
    end)

  ;; catch_all rethrows; the outer clause takes the payload.
  (func (export "rethrow") (param i32) (result i32)
    try (result i32)
      try
        (call $throw (local.get 0))
      catch_all
        rethrow 0
      end
      i32.const -1
    catch $e
    end)

  ;; delegate passes the middle clause by.
  (func (export "delegate") (param i32) (result i32)
    try $outer (result i32)
      try (result i32)
        try
          (call $throw (local.get 0))
        delegate $outer
        i32.const -1
      catch $e
        drop
        i32.const -2
      end
    catch $e
    end)

  ;; delegate to the caller.
  (func $to_caller (param i32)
    try
      (call $throw (local.get 0))
    delegate 0)
  (func (export "delegate_caller") (param i32) (result i32)
    try (result i32)
      (call $to_caller (local.get 0))
      i32.const -1
    catch $e
    end)

  ;; A clause for another tag passes the exception on; one thrown in the same function is
  ;; caught there.
  (func (export "miss") (result i32)
    try (result i32)
      try (result i32)
        (throw $e (i32.const 3))
      catch $f
        i32.const -1
      end
    catch $e
      i32.const 10
      i32.mul
    end)

  ;; Leaves a clause (of exception $e, payload 5) by `how`: 0 br, 1 return, 2 br_table, 3 a new
  ;; exception escaping it, 4 a try_table's catch inside it branching out, 5 return_call, else
  ;; the end, after a nested clause rethrew the outer clause's exception and a try in the clause
  ;; caught it.
  (func $leave (param $how i32) (result i32)
    block $v
      block $out (result i32)
        try (result i32)
          (call $throw (i32.const 5))
          i32.const -1
        catch $e
          drop
          (drop (br_if $out (i32.const 10) (i32.eqz (local.get $how))))
          (if (i32.eq (local.get $how) (i32.const 1)) (then (return (i32.const 11))))
          (if (i32.eq (local.get $how) (i32.const 2))
            (then (br_table $out $out (i32.const 12) (i32.const 1))))
          (if (i32.eq (local.get $how) (i32.const 3)) (then (call $throw_f)))
          (if (i32.eq (local.get $how) (i32.const 4))
            (then (try_table (catch_all $v) (call $throw_f))))
          (if (i32.eq (local.get $how) (i32.const 5)) (then (return_call $seven)))
          try (result i32)
            try
              call $throw_f
            catch_all
              rethrow 2
            end
            i32.const -3
          catch $e
            i32.const 100
            i32.add
          end
        end
      end
      return
    end
    i32.const 13)
  (func $leave_caught (export "leave") (param i32) (result i32)
    try (result i32)
      (call $leave (local.get 0))
    catch $f
      i32.const 14
    end)

  ;; Every way of leaving, `n` times: 172 each.
  (func (export "leave_all") (param $n i32) (result i32) (local $sum i32) (local $how i32)
    loop $l
      (local.set $how (i32.const 0))
      loop $k
        (local.set $sum (i32.add (local.get $sum) (call $leave_caught (local.get $how))))
        (br_if $k (i32.lt_u (local.tee $how (i32.add (local.get $how) (i32.const 1)))
                            (i32.const 7)))
      end
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))
    end
    local.get $sum)

  ;; A trap in a clause is not caught, and the exception the clause had is freed.
  (func (export "trap_in_clause")
    try
      call $throw_f
    catch_all
      unreachable
    end)

  ;; An exception nobody catches, from inside a clause.
  (func (export "uncaught_from_clause")
    try
      call $throw_f
    catch_all
      (call $throw (i32.const 1))
    end))
