//! The one support policy: [`decode_supported`] decides, when a module is created or validated,
//! whether Wasmo runs it, the same way in both compile modes. It validates every body and refuses
//! in the same pass (`validate_supported`) operators of proposals the translator does not
//! implement and locals of types it cannot represent, wherever they are (dead code included);
//! what it refuses outside bodies (GC types, tags) decoding refuses (`ModuleInfo::decode_with`).
//! Lift-off compiles lazily, so without this an unsupported operator would surface only when its
//! function first ran; optimised mode would accept one in unreachable code.

use super::translate::unsupported_operator;
use crate::error::Result;
use crate::module::types::ValType;
use crate::module::{BodyValidator, ModuleInfo};

/// Decodes and validates `bytes` (bodies on up to `threads` threads), refusing what Wasmo does
/// not support. Every path that creates or validates a module from wasm bytes asks this.
pub fn decode_supported(
    bytes: &[u8],
    features: wasmparser::WasmFeatures,
    threads: usize,
) -> Result<ModuleInfo> {
    let validate: &BodyValidator = &move |v, body| validate_supported(v, body, features);
    ModuleInfo::decode_with(bytes, features, threads, validate)
}

/// Validates one function body with `validator` and, in the same pass over its operators,
/// refuses locals and operators the translator does not implement: one decode instead of two
/// (decoding operators was a third of `wasm_module_new` on swc.wasm in lift-off mode).
pub fn validate_supported<R: wasmparser::WasmModuleResources>(
    validator: &mut wasmparser::FuncValidator<R>,
    body: &wasmparser::FunctionBody<'_>,
    features: wasmparser::WasmFeatures,
) -> Result<()> {
    let mut reader = body.get_binary_reader();
    for _ in 0..reader.read_var_u32()? {
        let offset = reader.original_position();
        let count = reader.read()?;
        let ty: wasmparser::ValType = reader.read()?;
        validator.define_locals(offset, count, ty)?;
        ValType::check_supported(ty)?;
    }
    reader.set_features(features);
    let mut refused = None;
    while !reader.eof() {
        let offset = reader.original_position();
        let mut checked = Checked {
            inner: validator.visitor(offset),
            refused: &mut refused,
        };
        reader.visit_operator(&mut checked)??;
        if let Some((op, proposal)) = refused {
            return Err(unsupported_operator(op, proposal));
        }
    }
    reader.finish_expression(&validator.visitor(reader.original_position()))?;
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

/// Whether `body` contains a `loop` (false for a body that does not decode).
pub fn has_loop(body: &wasmparser::FunctionBody<'_>) -> bool {
    let Ok(mut ops) = body.get_operators_reader() else {
        return false;
    };
    while !ops.eof() {
        match ops.read() {
            Ok(wasmparser::Operator::Loop { .. }) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

/// The validator's operator visitor, refusing first what the translator does not implement: it
/// names a refused operator in `refused` instead of validating it. Its output stays the
/// validator's pointer-sized result; converting every operator's result to Wasmo's error type
/// was measurable on swc.wasm.
struct Checked<'r, V> {
    inner: V,
    refused: &'r mut Option<(&'static str, &'static str)>,
}

macro_rules! check_visit {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                check_visit!(@forward $proposal $op (self) $visit ($($($arg),*)?))
            }
        )*
    };
    (@forward mvp $($rest:tt)*) => { check_visit!(@ok $($rest)*) };
    (@forward sign_extension $($rest:tt)*) => { check_visit!(@ok $($rest)*) };
    (@forward saturating_float_to_int $($rest:tt)*) => { check_visit!(@ok $($rest)*) };
    (@forward bulk_memory $($rest:tt)*) => { check_visit!(@ok $($rest)*) };
    (@forward reference_types $($rest:tt)*) => { check_visit!(@ok $($rest)*) };
    (@forward tail_call $($rest:tt)*) => { check_visit!(@ok $($rest)*) };
    (@forward function_references $($rest:tt)*) => { check_visit!(@ok $($rest)*) };
    (@forward exceptions $($rest:tt)*) => { check_visit!(@ok $($rest)*) };
    (@forward legacy_exceptions $($rest:tt)*) => { check_visit!(@ok $($rest)*) };
    (@forward simd $op:ident ($inner:expr) $visit:ident ($($arg:ident),*)) => {
        check_visit!(@simd simd $op ($inner) $visit ($($arg),*))
    };
    (@forward relaxed_simd $op:ident ($inner:expr) $visit:ident ($($arg:ident),*)) => {
        check_visit!(@simd relaxed_simd $op ($inner) $visit ($($arg),*))
    };
    (@simd $proposal:ident $op:ident ($this:expr) $visit:ident ($($arg:ident),*)) => {
        match $this.inner.simd_visitor() {
            Some(v) => v.$visit($($arg),*),
            None => {
                *$this.refused = Some((stringify!($op), stringify!($proposal)));
                Ok(())
            }
        }
    };
    (@forward $proposal:ident $op:ident ($this:expr) $visit:ident ($($arg:ident),*)) => {{
        $( let _ = $arg; )*
        *$this.refused = Some((stringify!($op), stringify!($proposal)));
        Ok(())
    }};
    (@ok $op:ident ($this:expr) $visit:ident ($($arg:ident),*)) => {
        $this.inner.$visit($($arg),*)
    };
}

impl<'a, V> wasmparser::VisitOperator<'a> for Checked<'_, V>
where
    V: wasmparser::VisitOperator<'a, Output = wasmparser::Result<()>>,
{
    type Output = wasmparser::Result<()>;

    fn simd_visitor(
        &mut self,
    ) -> Option<&mut dyn wasmparser::VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(check_visit);
}

impl<V: wasmparser::FrameStack> wasmparser::FrameStack for Checked<'_, V> {
    fn current_frame(&self) -> Option<wasmparser::FrameKind> {
        self.inner.current_frame()
    }
}

impl<'a, V> wasmparser::VisitSimdOperator<'a> for Checked<'_, V>
where
    V: wasmparser::VisitOperator<'a, Output = wasmparser::Result<()>>,
{
    wasmparser::for_each_visit_simd_operator!(check_visit);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(wat: &str) -> Result<()> {
        let bytes = wat::parse_str(wat).unwrap();
        decode_supported(&bytes, crate::module::features(), 1).map(drop)
    }

    #[test]
    fn refuses_what_the_translator_refuses() {
        assert!(check("(module (func (result i32) i32.const 1 i32.extend8_s))").is_ok());
        assert!(check("(module (func (param v128) (result v128) local.get 0 i8x16.abs))").is_ok());
        assert!(check("(module (func (return_call 0)))").is_ok());
        let gc = "(drop (ref.i31 (i32.const 0)))";
        let e = check(&format!("(module (func {gc}))")).unwrap_err();
        assert!(e.message().contains("gc proposal"), "{e}");
        let relaxed = "(module (func (param v128 v128) (result v128)
                         local.get 0 local.get 1 i8x16.relaxed_swizzle))";
        assert!(check(relaxed).is_ok(), "relaxed SIMD is supported");
        let e = check("(module (func (local anyref)))").unwrap_err();
        assert!(e.message().starts_with("unsupported:"), "{e}");
        assert!(check("(module (memory i64 1))").is_ok());
        assert!(check("(module (table i64 1 funcref))").is_ok());
        let e = check(&format!("(module (func unreachable {gc}))")).unwrap_err();
        // In the same pass as validation, on every body, however many threads validate.
        let bad = wat::parse_str(format!("(module (func) (func) (func {gc}))")).unwrap();
        for threads in [1, 2] {
            let e = decode_supported(&bad, crate::module::features(), threads).unwrap_err();
            assert!(e.message().contains("gc proposal"), "{e}");
        }
        assert!(
            e.message().contains("gc proposal"),
            "dead code is checked too: {e}"
        );
    }
}
