;; memory: a module exporting its memory (1 page, at most 2) with functions to read, write and
;; grow it from wasm.
(module
  (memory (export "memory") 1 2)
  (data (i32.const 0x1000) "\01\02\03\04")

  ;; the byte at an address
  (func (export "load") (param i32) (result i32)
    (i32.load8_u (local.get 0)))

  ;; the little-endian 32-bit word at an address
  (func (export "load32") (param i32) (result i32)
    (i32.load (local.get 0)))

  ;; writes a byte
  (func (export "store") (param i32 i32)
    (i32.store8 (local.get 0) (local.get 1)))

  ;; the size in pages
  (func (export "size") (result i32)
    (memory.size))

  ;; grows by some pages: the previous size, or -1
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0))))
