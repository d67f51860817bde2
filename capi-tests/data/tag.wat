;; An exported exception-handling tag: wasm.h has no extern kind for it, wasmo.h adds WASMO_EXTERN_TAG.
(module
  (tag (export "oops") (param i32)))
