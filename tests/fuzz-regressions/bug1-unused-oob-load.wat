;; Bug 1 (KNOWN.md): an out-of-bounds load whose value is never used does not trap, in all three
;; modes; execution goes on, and the store after it happens (memory differs after the trap).
;; Minimised by hand from fuzz findings (e.g. scalar seed 0x1ff3570ab4c9aecf). `d_drop` traps.
(module
  (memory (export "mem") 1)
  ;; The loaded value goes to a local that is never read.
  (func (export "a_local") (local i32)
    (local.set 0 (i32.load (i32.const 65536)))
    (i32.store (i32.const 0) (i32.const 0x11)))
  ;; The loaded value is left under a br's operand.
  (func (export "b_br") (result i32)
    (block (result i32)
      (i32.store (i32.const 4) (i32.const 0x22))
      (i32.load (i32.const 65536))
      (i32.const 1)
      (br 0)))
  ;; The loaded value is left under a return's operand.
  (func (export "c_return") (result i32)
    (i32.load (i32.const 65536))
    (i32.const 2)
    (return))
  (func (export "d_drop")
    (drop (i32.load (i32.const 65536)))
    (i32.store (i32.const 8) (i32.const 0x33))))
