;; A GC struct type: valid Wasm 3.0, but not representable in wasm.h.
(module (type (struct)))
