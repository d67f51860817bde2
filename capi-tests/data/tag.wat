;; Exception-handling tags: valid, but not representable in wasm.h.
(module
  (tag (export "oops") (param i32)))
