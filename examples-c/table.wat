;; table: a funcref table exported by the module, called through call_indirect.
(module
  (type $i32_to_i32 (func (param i32) (result i32)))

  ;; 4 elements, at most 8: [double, negate, answer, null]
  (table $table (export "table") 4 8 funcref)
  (elem (i32.const 0) $double $negate $answer)

  (func $double (export "double") (type $i32_to_i32)
    (i32.mul (local.get 0) (i32.const 2)))
  (func $negate (type $i32_to_i32)
    (i32.sub (i32.const 0) (local.get 0)))
  ;; a function of another type: calling it as i32 -> i32 is a type mismatch
  (func $answer (result i32)
    (i32.const 42))

  ;; table[index](argument), expecting an i32 -> i32 function
  (func (export "call") (param $index i32) (param $argument i32) (result i32)
    (call_indirect $table (type $i32_to_i32) (local.get $argument) (local.get $index)))

  (func (export "size") (result i32)
    (table.size $table)))
