;; The first module of the start example: its start function traps, so instantiation fails.
(module
  (func $start
    (unreachable))
  (start $start))
