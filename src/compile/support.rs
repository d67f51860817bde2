//! The up-front check lift-off mode needs: functions compiled lazily on first call would
//! otherwise report an operator Wasmo does not compile only when it runs. `check_body` runs on
//! every body right after it validates (`ModuleInfo::decode_checked`) and refuses, as
//! `wasm_module_new` does in optimised mode, operators of proposals the translator does not
//! implement and locals of types it cannot represent.

use super::translate::unsupported_operator;
use crate::error::{Error, Result};
use crate::module::types::ValType;
use crate::module::ModuleInfo;

/// What the translator refuses outside function bodies.
pub fn check_module_supported(info: &ModuleInfo) -> Result<()> {
    if info.memories.iter().any(|m| m.memory64) {
        return Err(Error::unsupported("64-bit memory", "memory64"));
    }
    Ok(())
}

/// Checks one function body's locals and operators.
pub fn check_body(body: &wasmparser::FunctionBody<'_>) -> Result<()> {
    for local in body.get_locals_reader()? {
        ValType::from_wasmparser(local?.1)?;
    }
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        ops.visit_operator(&mut Support)??;
    }
    Ok(())
}

/// The functions `body` calls directly (`call`), in the function index space, in order of first
/// call, without repeats.
pub fn direct_callees(body: &wasmparser::FunctionBody<'_>) -> Result<Vec<u32>> {
    let mut callees = Vec::new();
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        if let wasmparser::Operator::Call { function_index } = ops.read()? {
            if !callees.contains(&function_index) {
                callees.push(function_index);
            }
        }
    }
    Ok(callees)
}

struct Support;

macro_rules! check_visit {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                $($( let _ = $arg; )*)?
                check_visit!(@body $proposal $op)
            }
        )*
    };
    (@body mvp $op:ident) => { Ok(()) };
    (@body sign_extension $op:ident) => { Ok(()) };
    (@body saturating_float_to_int $op:ident) => { Ok(()) };
    (@body bulk_memory $op:ident) => { Ok(()) };
    (@body reference_types $op:ident) => { Ok(()) };
    (@body simd $op:ident) => { Ok(()) };
    (@body $proposal:ident $op:ident) => {
        Err(unsupported_operator(stringify!($op), stringify!($proposal)))
    };
}

impl<'a> wasmparser::VisitOperator<'a> for Support {
    type Output = Result<()>;

    fn simd_visitor(
        &mut self,
    ) -> Option<&mut dyn wasmparser::VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(check_visit);
}

impl<'a> wasmparser::VisitSimdOperator<'a> for Support {
    wasmparser::for_each_visit_simd_operator!(check_visit);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(wat: &str) -> Result<()> {
        let bytes = wat::parse_str(wat).unwrap();
        let info = ModuleInfo::decode(&bytes).unwrap();
        check_module_supported(&info)?;
        for range in &info.bodies {
            let reader = wasmparser::BinaryReader::new(&bytes[range.clone()], range.start as u64);
            check_body(&wasmparser::FunctionBody::new(reader))?;
        }
        Ok(())
    }

    #[test]
    fn refuses_what_the_translator_refuses() {
        assert!(check("(module (func (result i32) i32.const 1 i32.extend8_s))").is_ok());
        assert!(check("(module (func (param v128) (result v128) local.get 0 i8x16.abs))").is_ok());
        let e = check("(module (func (return_call 0)))").unwrap_err();
        assert!(e.message().contains("tail-call"), "{e}");
        let e = check("(module (func (local anyref)))").unwrap_err();
        assert!(e.message().starts_with("unsupported:"), "{e}");
        let e = check("(module (memory i64 1))").unwrap_err();
        assert!(e.message().contains("memory64"), "{e}");
    }
}
