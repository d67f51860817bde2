;; test_instance_release: an instance with its own memory (8 GiB of address space reserved).
(module
  (memory (export "mem") 1)
  (data (i32.const 0) "\07\00\00\00")
  (func (export "read") (result i32) (i32.load (i32.const 0))))
