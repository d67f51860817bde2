//! The reference: the wasmi interpreter, driven exactly like `wasmo_engine` drives Wasmo.

use crate::model::{Call, Plan, Run, Trap, TrapKind, Ty, Value};
use wasmi::{Config, Engine, Extern, Linker, Module, Ref, Store, Val};
use wasmi::{TrapCode, ValType, F32, F64, V128};

pub struct Wasmi {
    engine: Engine,
}

impl Wasmi {
    /// An interpreter with the Wasm 2.0 proposals (SIMD if `simd`) and the parts of 3.0 the
    /// `wasm3` configuration generates (64-bit and multiple memories, extended constants).
    pub fn new(simd: bool) -> Wasmi {
        let mut config = Config::default();
        config
            .wasm_mutable_global(true)
            .wasm_sign_extension(true)
            .wasm_saturating_float_to_int(true)
            .wasm_multi_value(true)
            .wasm_bulk_memory(true)
            .wasm_reference_types(true)
            .wasm_multi_memory(true)
            .wasm_memory64(true)
            .wasm_tail_call(false)
            .wasm_extended_const(true)
            .wasm_custom_page_sizes(false)
            .wasm_wide_arithmetic(false)
            .wasm_simd(simd)
            .wasm_relaxed_simd(false)
            // Deep enough that the generated modules' fuel, not the interpreter, bounds
            // recursion; Wasmo's native stack is the other side's limit.
            .set_max_recursion_depth(100_000)
            .set_max_stack_height(64 << 20);
        Wasmi {
            engine: Engine::new(&config),
        }
    }

    /// Validation and compilation: the error message if wasmi refuses the module.
    pub fn compile(&self, bytes: &[u8]) -> Result<Module, String> {
        Module::new(&self.engine, bytes).map_err(|e| e.to_string())
    }

    pub fn run(&self, module: &Module, plan: &Plan) -> Run {
        let mut store = Store::new(&self.engine, ());
        let linker = Linker::<()>::new(&self.engine);
        let mut run = Run::default();
        let instance = match linker.instantiate_and_start(&mut store, module) {
            Ok(i) => i,
            Err(e) => {
                run.instantiate = Some(trap(&e));
                return run;
            }
        };
        let mut exports: Vec<(String, Extern)> = instance
            .exports(&store)
            .map(|e| (e.name().to_string(), e.into_extern()))
            .collect();
        exports.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, ext) in &exports {
            let Extern::Func(f) = ext else { continue };
            let ty = f.ty(&store);
            let params: Vec<Ty> = ty.params().iter().map(|t| ty_of(*t)).collect();
            for set in 0..plan.arg_sets {
                let args = plan.args(name, set, &params);
                let vals: Vec<Val> = args.iter().map(|v| to_val(*v)).collect();
                let mut results: Vec<Val> = ty
                    .results()
                    .iter()
                    .map(|t| Val::default_for_ty(*t))
                    .collect();
                let result = match f.call(&mut store, &vals, &mut results) {
                    Ok(()) => Ok(results.iter().map(from_val).collect()),
                    Err(e) => Err(trap(&e)),
                };
                run.calls.push(Call {
                    func: name.clone(),
                    args,
                    result,
                });
            }
        }
        for (name, ext) in &exports {
            match ext {
                Extern::Global(g) => run.globals.push((name.clone(), from_val(&g.get(&store)))),
                Extern::Memory(m) => run.memories.push((name.clone(), m.data(&store).to_vec())),
                Extern::Table(t) => {
                    let nulls = (0..t.size(&store))
                        .map(|i| match t.get(&store, i) {
                            Some(Ref::Func(f)) => f.is_null(),
                            Some(Ref::Extern(e)) => e.is_null(),
                            None => true,
                        })
                        .collect();
                    run.tables.push((name.clone(), nulls));
                }
                Extern::Func(_) => {}
            }
        }
        run
    }
}

fn trap(e: &wasmi::Error) -> Trap {
    let kind = match e.as_trap_code() {
        Some(TrapCode::UnreachableCodeReached) => TrapKind::Unreachable,
        Some(TrapCode::MemoryOutOfBounds) => TrapKind::MemoryOutOfBounds,
        Some(TrapCode::TableOutOfBounds) => TrapKind::TableOutOfBounds,
        Some(TrapCode::IndirectCallToNull) => TrapKind::UninitializedElement,
        Some(TrapCode::IntegerDivisionByZero) => TrapKind::IntegerDivideByZero,
        Some(TrapCode::IntegerOverflow) => TrapKind::IntegerOverflow,
        Some(TrapCode::BadConversionToInteger) => TrapKind::InvalidConversionToInteger,
        Some(TrapCode::StackOverflow) => TrapKind::StackExhausted,
        Some(TrapCode::BadSignature) => TrapKind::IndirectCallTypeMismatch,
        // wasmi reports a segment that does not fit at instantiation as an error, not a trap.
        _ => {
            let m = e.to_string();
            if m.starts_with("out of bounds table access") {
                TrapKind::TableOutOfBounds
            } else if m.starts_with("out of bounds memory access") {
                TrapKind::MemoryOutOfBounds
            } else {
                TrapKind::Other
            }
        }
    };
    Trap {
        kind,
        message: e.to_string(),
    }
}

fn ty_of(t: ValType) -> Ty {
    match t {
        ValType::I32 => Ty::I32,
        ValType::I64 => Ty::I64,
        ValType::F32 => Ty::F32,
        ValType::F64 => Ty::F64,
        ValType::V128 => Ty::V128,
        ValType::FuncRef => Ty::FuncRef,
        ValType::ExternRef => Ty::ExternRef,
    }
}

fn to_val(v: Value) -> Val {
    match v {
        Value::I32(x) => Val::I32(x),
        Value::I64(x) => Val::I64(x),
        Value::F32(x) => Val::F32(F32::from_bits(x)),
        Value::F64(x) => Val::F64(F64::from_bits(x)),
        Value::V128(x) => Val::V128(V128::from(x)),
        Value::FuncRef { .. } => Val::default_for_ty(ValType::FuncRef),
        Value::ExternRef { .. } => Val::default_for_ty(ValType::ExternRef),
        Value::ExnRef { .. } => unreachable!("wasmi runs no configuration with exnrefs"),
    }
}

fn from_val(v: &Val) -> Value {
    match v {
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(x.to_bits()),
        Val::F64(x) => Value::F64(x.to_bits()),
        Val::V128(x) => Value::V128(x.as_u128()),
        Val::FuncRef(f) => Value::FuncRef { null: f.is_null() },
        Val::ExternRef(e) => Value::ExternRef { null: e.is_null() },
    }
}
