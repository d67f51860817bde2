;; Host calls from wasm functions of many shapes (0 to 9 i64 parameters, so callers with and
;; without stack arguments), to host functions with 0 to 3 stack arguments and with two results
;; (whose stub LLVM compiles), also after memory.grow (a Rust builtin): test_stack_align.c checks
;; that every host callback starts on a 16-byte aligned stack.
(module
  (import "host" "h0" (func $h0))
  (import "host" "h1" (func $h1 (param i32) (result i32)))
  (import "host" "h6" (func $h6 (param i64 i64 i64 i64 i64 i64) (result i64)))
  (import "host" "h7" (func $h7 (param i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "host" "h8" (func $h8 (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "host" "h2r" (func $h2r (param i32) (result i32 i32)))
  (memory 1)

  ;; Calls every import once; returns the sum of what they returned.
  (func $all (param $x i64) (result i64)
    (local $s i64)
    call $h0
    (i64.extend_i32_u (call $h1 (i32.wrap_i64 (local.get $x))))
    (call $h6 (local.get $x) (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5))
    i64.add
    (call $h7 (local.get $x) (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6))
    i64.add
    (call $h8 (local.get $x) (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7))
    i64.add
    (call $h2r (i32.wrap_i64 (local.get $x)))
    i32.add
    i64.extend_i32_u
    i64.add)

  (func $w0 (result i64) (call $all (i64.const 10)))
  (func $w1 (param i64) (result i64) (call $all (local.get 0)))
  (func $w6 (param i64 i64 i64 i64 i64 i64) (result i64)
    (i64.add (call $all (local.get 5)) (call $w1 (local.get 4))))
  (func $w7 (param i64 i64 i64 i64 i64 i64 i64) (result i64)
    (i64.add (call $all (local.get 6))
      (call $w6 (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5))))
  (func $w8 (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (i64.add (call $all (local.get 7))
      (call $w7 (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6))))
  (func $w9 (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (i64.add (call $all (local.get 8))
      (call $w8 (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6) (local.get 7))))
  ;; A Rust builtin, then the host.
  (func $grow (result i64)
    (drop (memory.grow (i32.const 1)))
    (call $all (i64.const 3)))

  (func (export "run") (result i64)
    (call $w0)
    (call $w9 (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9))
    i64.add
    (call $grow)
    i64.add
    ;; Through a table too: the callee's caller is the call_indirect site.
    (call_indirect (type $t9) (i64.const 9) (i64.const 8) (i64.const 7) (i64.const 6) (i64.const 5) (i64.const 4) (i64.const 3) (i64.const 2) (i64.const 1) (i32.const 0))
    i64.add)
  (type $t9 (func (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (table 1 funcref)
  (elem (i32.const 0) $w9))
