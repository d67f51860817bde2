;; Active segments that fit only if the imported table has 2+ elements and the imported memory
;; 2+ pages. Element segments are applied before data segments.
(module
  (import "env" "t" (table 1 funcref))
  (import "env" "m" (memory 1))
  (func $three (result i32) i32.const 3)
  (elem (i32.const 1) $three)
  (data (i32.const 65536) "wasmo")
)
