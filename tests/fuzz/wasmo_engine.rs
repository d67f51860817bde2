//! Every call the fuzzer makes into Wasmo, in one place: the Rust API is being reshaped, and
//! this is the only file to port. The rest of the fuzzer sees `model` types only.

use crate::model::{Call, Plan, Run, Trap, TrapKind, Ty, Value, Verdict};
use wasmo::artifact::Module;
use wasmo::engine::{Config, Engine, Mode};
use wasmo::module::types::ValType;
use wasmo::runtime::instance::{instantiate, InstantiationError};
use wasmo::runtime::store::{Extern, Store};
use wasmo::runtime::trap::TrapCode;
use wasmo::runtime::values::Val;

/// How Wasmo runs a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmoMode {
    /// Optimised mode (O2).
    Opt,
    /// Lift-off mode (lazy baseline code; tier-up in the background).
    Liftoff,
    /// Optimised, serialised, then deserialised, then run.
    Serialized,
}

impl WasmoMode {
    pub fn name(self) -> &'static str {
        match self {
            WasmoMode::Opt => "opt",
            WasmoMode::Liftoff => "liftoff",
            WasmoMode::Serialized => "serialized",
        }
    }
}

/// The two engines (one per compile mode), made once per process.
pub struct Wasmo {
    opt: Engine,
    liftoff: Engine,
}

pub struct Compiled(Module);

fn verdict_of(e: &wasmo::error::Error) -> Verdict {
    let message = e.to_string();
    if message.contains("unsupported") {
        Verdict::Unsupported(message)
    } else {
        Verdict::Invalid(message)
    }
}

impl Wasmo {
    pub fn new() -> Wasmo {
        let config = |mode| Config {
            mode,
            compile_threads: 1,
            cache_dir: None,
            ..Config::builtin()
        };
        Wasmo {
            opt: Engine::new(config(Mode::Optimized)),
            liftoff: Engine::new(config(Mode::Liftoff)),
        }
    }

    fn engine(&self, mode: WasmoMode) -> &Engine {
        match mode {
            WasmoMode::Liftoff => &self.liftoff,
            WasmoMode::Opt | WasmoMode::Serialized => &self.opt,
        }
    }

    /// `Module::validate`'s verdict (the support policy, without compiling).
    pub fn validate(&self, bytes: &[u8]) -> Verdict {
        match Module::validate(&self.opt, bytes) {
            Ok(()) => Verdict::Accepted,
            Err(e) => verdict_of(&e),
        }
    }

    /// `Module::new` in `mode` (`Serialized` compiles as `Opt`: see `reload`).
    pub fn compile(&self, mode: WasmoMode, bytes: &[u8]) -> Result<Compiled, Verdict> {
        Module::new(self.engine(mode), bytes)
            .map(Compiled)
            .map_err(|e| verdict_of(&e))
    }

    /// `Module::serialize`: the artifact of a module.
    pub fn serialize(&self, module: &Compiled) -> Result<Vec<u8>, String> {
        module.0.serialize().map_err(|e| e.to_string())
    }

    /// `Module::deserialize` of (possibly corrupt) artifact bytes into the optimised engine.
    pub fn deserialize(&self, artifact: &[u8]) -> Result<Compiled, String> {
        Module::deserialize(&self.opt, artifact)
            .map(Compiled)
            .map_err(|e| e.to_string())
    }

    /// Instantiates with no imports, calls every exported function (by name order) with the
    /// plan's argument sets, then reads the exported state.
    pub fn run(&self, module: &Compiled, plan: &Plan) -> Run {
        let store = Store::new(module.0.engine());
        let mut run = Run::default();
        let instance = match instantiate(&store, &module.0, &[]) {
            Ok(i) => i,
            Err(InstantiationError::Trap(t)) => {
                run.instantiate = Some(trap(&t));
                return run;
            }
            Err(e) => {
                run.instantiate = Some(Trap {
                    kind: TrapKind::Other,
                    message: e.to_string(),
                });
                return run;
            }
        };
        let mut exports = store.instance_exports(instance);
        exports.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, ext) in &exports {
            let Extern::Func(f) = *ext else { continue };
            let ty = store.func_type(f);
            let params: Vec<Ty> = ty.params.iter().map(|t| ty_of(*t)).collect();
            for set in 0..plan.arg_sets {
                let args = plan.args(name, set, &params);
                let vals: Vec<Val> = args.iter().map(|v| to_val(*v)).collect();
                let result = match store.call(f, &vals) {
                    Ok(results) => Ok(results.into_iter().map(from_val).collect()),
                    Err(t) => Err(trap(&t)),
                };
                run.calls.push(Call {
                    func: name.clone(),
                    args,
                    result,
                });
            }
        }
        for (name, ext) in &exports {
            match *ext {
                Extern::Global(g) => run
                    .globals
                    .push((name.clone(), from_val(store.global_get(g)))),
                Extern::Memory(m) => {
                    let bytes = store.data().memories[m as usize].data().to_vec();
                    run.memories.push((name.clone(), bytes));
                }
                Extern::Table(t) => {
                    let data = store.data();
                    let table = &data.tables[t as usize];
                    let nulls = (0..table.size())
                        .map(|i| table.get(i).unwrap_or(0) == 0)
                        .collect();
                    run.tables.push((name.clone(), nulls));
                }
                Extern::Func(_) | Extern::Tag(_) => {}
            }
        }
        run
    }

    /// Stops the lift-off engine's background tier-up (before the process exits).
    pub fn shutdown(&self) {
        self.liftoff.stop_tier_up();
    }
}

fn trap(t: &wasmo::runtime::trap::Trap) -> Trap {
    let kind = match t.code {
        Some(TrapCode::StackOverflow) => TrapKind::StackExhausted,
        Some(TrapCode::MemoryOutOfBounds) => TrapKind::MemoryOutOfBounds,
        Some(TrapCode::TableOutOfBounds) | Some(TrapCode::UndefinedElement) => {
            TrapKind::TableOutOfBounds
        }
        Some(TrapCode::UninitializedElement) => TrapKind::UninitializedElement,
        Some(TrapCode::IndirectCallTypeMismatch) => TrapKind::IndirectCallTypeMismatch,
        Some(TrapCode::IntegerOverflow) => TrapKind::IntegerOverflow,
        Some(TrapCode::IntegerDivideByZero) => TrapKind::IntegerDivideByZero,
        Some(TrapCode::InvalidConversionToInteger) => TrapKind::InvalidConversionToInteger,
        Some(TrapCode::Unreachable) => TrapKind::Unreachable,
        _ => kind_of_message(&t.message),
    };
    Trap {
        kind,
        message: t.message.clone(),
    }
}

/// Traps without a code (segment initialisation, for one) by their spec message.
fn kind_of_message(m: &str) -> TrapKind {
    let table = [
        ("out of bounds memory access", TrapKind::MemoryOutOfBounds),
        ("out of bounds table access", TrapKind::TableOutOfBounds),
        ("undefined element", TrapKind::TableOutOfBounds),
        ("uninitialized element", TrapKind::UninitializedElement),
        (
            "indirect call type mismatch",
            TrapKind::IndirectCallTypeMismatch,
        ),
        ("integer overflow", TrapKind::IntegerOverflow),
        ("integer divide by zero", TrapKind::IntegerDivideByZero),
        (
            "invalid conversion to integer",
            TrapKind::InvalidConversionToInteger,
        ),
        ("unreachable", TrapKind::Unreachable),
        ("call stack exhausted", TrapKind::StackExhausted),
    ];
    table
        .iter()
        .find(|(prefix, _)| m.starts_with(prefix))
        .map_or(TrapKind::Other, |(_, k)| *k)
}

fn ty_of(t: ValType) -> Ty {
    match t {
        ValType::I32 => Ty::I32,
        ValType::I64 => Ty::I64,
        ValType::F32 => Ty::F32,
        ValType::F64 => Ty::F64,
        ValType::V128 => Ty::V128,
        ValType::Ref(r) if r.is_func() => Ty::FuncRef,
        t if t.is_exn_ref() => Ty::ExnRef,
        ValType::Ref(_) => Ty::ExternRef,
    }
}

fn to_val(v: Value) -> Val {
    match v {
        Value::I32(x) => Val::I32(x),
        Value::I64(x) => Val::I64(x),
        Value::F32(x) => Val::F32(x),
        Value::F64(x) => Val::F64(x),
        Value::V128(x) => Val::V128(x),
        // Only null references are passed in.
        Value::FuncRef { .. } => Val::FuncRef(0),
        Value::ExternRef { .. } => Val::ExternRef(0),
        Value::ExnRef { .. } => Val::ExnRef(0),
    }
}

fn from_val(v: Val) -> Value {
    match v {
        Val::I32(x) => Value::I32(x),
        Val::I64(x) => Value::I64(x),
        Val::F32(x) => Value::F32(x),
        Val::F64(x) => Value::F64(x),
        Val::V128(x) => Value::V128(x),
        Val::FuncRef(p) => Value::FuncRef { null: p == 0 },
        Val::ExternRef(p) => Value::ExternRef { null: p == 0 },
        Val::ExnRef(p) => Value::ExnRef { null: p == 0 },
    }
}

/// The C API path (`wasm.h` as the shared library exports it, called here through the rlib):
/// module creation, validation and deserialisation of arbitrary bytes.
pub struct CApi {
    engine: *mut wasmo::capi::engine::wasm_engine_t,
    store: *mut wasmo::capi::store::wasm_store_t,
}

fn byte_vec(bytes: &[u8]) -> wasmo::capi::vec::wasm_byte_vec_t {
    wasmo::capi::vec::wasm_byte_vec_t {
        size: bytes.len(),
        data: bytes.as_ptr() as *mut wasmo::capi::vec::wasm_byte_t,
    }
}

impl CApi {
    pub fn new() -> CApi {
        use wasmo::capi::{engine::wasm_engine_new, store::wasm_store_new};
        let engine = wasm_engine_new();
        // SAFETY: a live engine.
        let store = unsafe { wasm_store_new(engine) };
        CApi { engine, store }
    }

    /// (`wasm_module_validate`, whether `wasm_module_new` made a module).
    pub fn check(&self, bytes: &[u8]) -> (bool, bool) {
        use wasmo::capi::module::{wasm_module_delete, wasm_module_new, wasm_module_validate};
        let v = byte_vec(bytes);
        // SAFETY: a live store and a vector borrowing `bytes`, which the calls only read.
        unsafe {
            let valid = wasm_module_validate(self.store, &v);
            let module = wasm_module_new(self.store, &v);
            let made = !module.is_null();
            if made {
                wasm_module_delete(module);
            }
            (valid, made)
        }
    }

    /// Whether `wasm_module_deserialize` accepted the bytes.
    pub fn deserialize(&self, bytes: &[u8]) -> bool {
        use wasmo::capi::module::{wasm_module_delete, wasm_module_deserialize};
        let v = byte_vec(bytes);
        // SAFETY: as in `check`.
        unsafe {
            let module = wasm_module_deserialize(self.store, &v);
            let made = !module.is_null();
            if made {
                wasm_module_delete(module);
            }
            made
        }
    }
}

impl Drop for CApi {
    fn drop(&mut self) {
        use wasmo::capi::{engine::wasm_engine_delete, store::wasm_store_delete};
        // SAFETY: created in `new`, deleted once, store first.
        unsafe {
            wasm_store_delete(self.store);
            wasm_engine_delete(self.engine);
        }
    }
}
