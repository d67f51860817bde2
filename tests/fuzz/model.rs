//! The engine-neutral account of one module's run that both sides produce and `compare`
//! checks: values, traps, call results and the state left behind.

/// A value type as the fuzzer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
    ExnRef,
}

/// A value: floats as bits, references by null-ness only (their identities are engine-private).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    FuncRef {
        null: bool,
    },
    ExternRef {
        null: bool,
    },
    /// Only Wasmo runs modules with exception handling (`gen::has_reference`).
    ExnRef {
        null: bool,
    },
}

/// Trap kinds, the common denominator of Wasmo's messages and wasmi's trap codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrapKind {
    MemoryOutOfBounds,
    /// "out of bounds table access" and `call_indirect`'s "undefined element" (wasmi reports
    /// both as `TableOutOfBounds`).
    TableOutOfBounds,
    UninitializedElement,
    IndirectCallTypeMismatch,
    IntegerOverflow,
    IntegerDivideByZero,
    InvalidConversionToInteger,
    Unreachable,
    StackExhausted,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap {
    pub kind: TrapKind,
    pub message: String,
}

pub type CallResult = Result<Vec<Value>, Trap>;

/// One call: the export's name, which argument set, the arguments, and what came back.
#[derive(Debug, Clone)]
pub struct Call {
    pub func: String,
    pub args: Vec<Value>,
    pub result: CallResult,
}

/// What one engine did with one module, from instantiation to the final state.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// `Some` if instantiation failed (a segment did not fit, or the start function trapped).
    pub instantiate: Option<Trap>,
    pub calls: Vec<Call>,
    /// Exported globals by name, after all calls.
    pub globals: Vec<(String, Value)>,
    /// Exported memories by name: their bytes after all calls.
    pub memories: Vec<(String, Vec<u8>)>,
    /// Exported tables by name: the null-ness of each element after all calls.
    pub tables: Vec<(String, Vec<bool>)>,
}

/// The argument sets every engine passes to every exported function: the same (seed, export,
/// set) gives the same arguments on both sides.
pub struct Plan {
    pub seed: u64,
    pub arg_sets: usize,
}

impl Plan {
    pub fn args(&self, export: &str, set: usize, params: &[Ty]) -> Vec<Value> {
        let mut h = self.seed ^ crate::gen::hash_str(export) ^ (set as u64).wrapping_mul(0x9e37);
        params
            .iter()
            .enumerate()
            .map(|(i, ty)| {
                h = crate::gen::splitmix(h.wrapping_add(i as u64));
                interesting(*ty, set, h)
            })
            .collect()
    }
}

/// Set 0 is all zeros, set 1 all ones; later sets pick from boundary values and random bits.
fn interesting(ty: Ty, set: usize, r: u64) -> Value {
    let pick = |choices: &[u64]| choices[(r >> 8) as usize % choices.len()];
    let random = r & 3 == 0;
    match ty {
        Ty::I32 => Value::I32(match set {
            0 => 0,
            1 => 1,
            _ if random => (r >> 16) as i32,
            _ => pick(&[
                0,
                1,
                u32::MAX as u64,
                0x8000_0000,
                0x7fff_ffff,
                2,
                7,
                0xffff,
                0x1_0000 - 4,
                0xfff0,
                100,
                0xffff_fff8,
            ]) as u32 as i32,
        }),
        Ty::I64 => Value::I64(match set {
            0 => 0,
            1 => 1,
            _ if random => (r >> 3) as i64,
            _ => pick(&[
                0,
                1,
                u64::MAX,
                1 << 63,
                i64::MAX as u64,
                2,
                0xffff_ffff,
                0x1_0000_0000,
                0xffff,
                100,
            ]) as i64,
        }),
        Ty::F32 => Value::F32(match set {
            0 => 0,
            1 => 1f32.to_bits(),
            _ if random => (r >> 16) as u32,
            _ => pick(&[
                0x7fc0_0000,
                0xffc0_0000,
                0x7fa0_0001,
                0x7f80_0000,
                0xff80_0000,
                0x8000_0000,
                (-1.5f32).to_bits() as u64,
                2147483648f32.to_bits() as u64,
                (-2147483904f32).to_bits() as u64,
                4294967296f32.to_bits() as u64,
                0.5f32.to_bits() as u64,
                1,
            ]) as u32,
        }),
        Ty::F64 => Value::F64(match set {
            0 => 0,
            1 => 1f64.to_bits(),
            _ if random => r,
            _ => pick(&[
                0x7ff8_0000_0000_0000,
                0xfff8_0000_0000_0000,
                0x7ff4_0000_0000_0001,
                0x7ff0_0000_0000_0000,
                0xfff0_0000_0000_0000,
                0x8000_0000_0000_0000,
                (-1.5f64).to_bits(),
                2147483648f64.to_bits(),
                (-2147483649f64).to_bits(),
                9223372036854775808f64.to_bits(),
                18446744073709551616f64.to_bits(),
                0.5f64.to_bits(),
                1,
            ]),
        }),
        Ty::V128 => Value::V128(match set {
            0 => 0,
            1 => 0x0000_0001_0000_0001_0000_0001_0000_0001,
            _ => (r as u128) << 64 | crate::gen::splitmix(r) as u128,
        }),
        Ty::FuncRef => Value::FuncRef { null: true },
        Ty::ExternRef => Value::ExternRef { null: true },
        Ty::ExnRef => Value::ExnRef { null: true },
    }
}

/// An engine's verdict on a module: created, refused as invalid, or refused as unsupported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Invalid(String),
    Unsupported(String),
}
