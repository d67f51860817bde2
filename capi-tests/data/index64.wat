;; A 64-bit memory, imported and defined: accesses at i64 addresses, bounds at the end of the
;; memory, memory.size/grow, and the index type in reflection. (wabt's wat2wasm cannot write
;; 64-bit tables yet: test_index64.c holds that module's bytes.)
(module
  (import "host" "mem" (memory $imported i64 1 4))
  (memory $own (export "own") i64 2 8)
  (func (export "store_own") (param i64 i32) (i32.store $own (local.get 0) (local.get 1)))
  (func (export "load_own") (param i64) (result i32) (i32.load $own (local.get 0)))
  (func (export "load_imported") (param i64) (result i32) (i32.load $imported (local.get 0)))
  (func (export "size_own") (result i64) (memory.size $own))
  (func (export "grow_own") (param i64) (result i64) (memory.grow $own (local.get 0))))
