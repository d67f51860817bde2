;; A module with an import of wasi_snapshot_preview1 that preview 1 does not define (test_wasi.c).
(module (import "wasi_snapshot_preview1" "bad" (func)) (func (export "f")))
