;; Traps: one function per spec trap, a call chain for backtraces, and a host function that
;; returns a trap. Function indices (for wasm_frame_func_index) are in the comments.
(module
  (type $v_i (func (result i32)))
  (type $i_i (func (param i32) (result i32)))
  (import "host" "fail" (func $fail (param i32) (result i32)))    ;; 0
  (memory 1)
  (table 4 funcref)
  (elem (i32.const 0) $seven $inc)
  (func $seven (type $v_i) i32.const 7)                            ;; 1
  (func $inc (type $i_i) local.get 0 i32.const 1 i32.add)          ;; 2
  (func (export "unreachable") unreachable)                        ;; 3
  (func (export "div_u") (param i32 i32) (result i32)              ;; 4
    local.get 0 local.get 1 i32.div_u)
  (func (export "div_s") (param i32 i32) (result i32)              ;; 5
    local.get 0 local.get 1 i32.div_s)
  (func (export "load") (param i32) (result i32)                   ;; 6
    local.get 0 i32.load)
  (func (export "call_indirect") (param i32) (result i32)          ;; 7
    local.get 0 call_indirect (type $v_i))
  ;; Runaway recursion (not a tail call: the result is used).
  (func $recurse (export "recurse") (param i32) (result i32)       ;; 8
    local.get 0 i32.const 1 i32.add call $recurse local.get 0 i32.add)
  ;; outer -> middle -> inner (recursive, traps when its counter reaches 0).
  (func $inner (param i32) (result i32)                            ;; 9
    local.get 0 i32.eqz if unreachable end
    local.get 0 i32.const 1 i32.sub call $inner i32.const 1 i32.add)
  (func $middle (param i32) (result i32)                           ;; 10
    local.get 0 i32.const 2 i32.mul call $inner local.get 0 i32.add)
  (func (export "outer") (param i32) (result i32)                  ;; 11
    local.get 0 call $middle i32.const 5 i32.mul)
  ;; Calls the host function, which may return a trap.
  (func (export "via_host") (param i32) (result i32)               ;; 12
    local.get 0 call $fail i32.const 1 i32.add)
  (func (export "ok") (param i32) (result i32)                     ;; 13
    local.get 0 i32.const 100 i32.add)
)
