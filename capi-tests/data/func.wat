;; Functions: calls between the host and wasm with every value type, multi-value results, host
;; functions with an environment, re-entrant calls and host results of the wrong kind.
(module
  (type $i_i (func (param i32) (result i32)))
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (import "host" "echo" (func $echo (param i32 i64 f32 f64 funcref externref)
                                    (result i32 i64 f32 f64 funcref externref)))
  (import "host" "count" (func $count (param i64) (result i64)))
  (import "host" "apply" (func $apply (param funcref i32) (result i32)))
  (import "host" "bad" (func $bad (result i32)))
  ;; More parameters and results than registers hold.
  (import "host" "wide" (func $wide
    (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 externref funcref)
    (result f64 f32 i64 i32 f64 f32 i64 i32 f64 f32 i64 i32 funcref externref)))
  (table $t 1 funcref)
  ;; Function references come from a table: wabt types `ref.func` as a typed reference.
  (table $fns funcref (elem $id $triple))

  ;; Returns its arguments unchanged.
  (func $id (export "id") (param i32 i64 f32 f64 funcref externref)
                          (result i32 i64 f32 f64 funcref externref)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 local.get 5)
  ;; add(a, b) + 1
  (func (export "call_add") (param i32 i32) (result i32)
    local.get 0 local.get 1 call $add i32.const 1 i32.add)
  ;; Passes every kind to the host and returns what the host returns.
  (func (export "call_echo") (param i32 i64 f32 f64 funcref externref)
                             (result i32 i64 f32 f64 funcref externref)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 local.get 5 call $echo)
  ;; (a, b, c, d) -> (d + 0.5, b * 2, -c, a - 3)
  (func (export "mix") (param i32 i64 f32 f64) (result f64 i64 f32 i32)
    local.get 3 f64.const 0.5 f64.add
    local.get 1 i64.const 2 i64.mul
    local.get 2 f32.neg
    local.get 0 i32.const 3 i32.sub)
  ;; Calls the counting host function twice; returns the second result.
  (func (export "count_twice") (param i64) (result i64)
    local.get 0 call $count drop local.get 0 call $count)
  (func $triple (param i32) (result i32)
    local.get 0 i32.const 3 i32.mul i32.const 1 i32.add)
  ;; The host calls $triple back: host -> wasm -> host -> wasm.
  (func (export "call_apply") (param i32) (result i32)
    i32.const 1 table.get $fns local.get 0 call $apply)
  (func (export "nothing"))
  (func (export "answer") (result i32) i32.const 42)
  (func (export "self") (result funcref) i32.const 0 table.get $fns)
  (func (export "is_null_extern") (param externref) (result i32) local.get 0 ref.is_null)
  (func (export "null_func") (result funcref) ref.null func)
  ;; Calls a function reference of type i32 -> i32 through the table.
  (func (export "call_funcref") (param funcref i32) (result i32)
    i32.const 0 local.get 0 table.set $t
    local.get 1 i32.const 0 call_indirect $t (type $i_i))
  (func (export "call_bad") (result i32) call $bad)
  (func (export "call_wide")
    (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 externref funcref)
    (result f64 f32 i64 i32 f64 f32 i64 i32 f64 f32 i64 i32 funcref externref)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 local.get 5 local.get 6
    local.get 7 local.get 8 local.get 9 local.get 10 local.get 11 local.get 12 local.get 13
    call $wide)
)
