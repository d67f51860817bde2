;; A WASI command for test_wasi.c: copies stdin to stdout, then the preopened file in.txt, calls
;; the host's env.add (a non-WASI import between WASI ones) and exits with add(argc, 3).
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 512) "in.txt")
  ;; Reads up to 256 bytes from $in and writes them to $out.
  (func $copy (param $in i32) (param $out i32)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 256))
    (if (call $fd_read (local.get $in) (i32.const 0) (i32.const 1) (i32.const 8))
      (then (unreachable)))
    (i32.store (i32.const 4) (i32.load (i32.const 8)))
    (if (call $fd_write (local.get $out) (i32.const 0) (i32.const 1) (i32.const 8))
      (then (unreachable))))
  (func (export "_start")
    (call $copy (i32.const 0) (i32.const 1))
    ;; in.txt under descriptor 3 (the first preopen), with the right to read (2).
    (if (call $path_open (i32.const 3) (i32.const 1) (i32.const 512) (i32.const 6) (i32.const 0)
          (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16))
      (then (unreachable)))
    (call $copy (i32.load (i32.const 16)) (i32.const 1))
    (drop (call $args_sizes (i32.const 20) (i32.const 24)))
    (call $exit (call $add (i32.load (i32.const 20)) (i32.const 3)))
    (unreachable))
  (func (export "crash") (unreachable)))
