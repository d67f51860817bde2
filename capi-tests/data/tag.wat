;; An exported exception-handling tag: valid, but wasm.h has no extern kind for it.
(module
  (tag (export "oops") (param i32)))
