//! The native calling convention of compiled wasm and the LLVM declarations shared by every
//! function: signatures, runtime builtins' declarations (resolved by name when the object is
//! loaded; the builtins themselves are listed in `vm::builtins`), and the
//! two adapters between the host and wasm:
//!
//! - wasm function: `results f(ptr callee_vmctx, params...)`; several results come back as a
//!   struct; references are pointers. Its LLVM calling convention is `tailcc` ([`WASM_CC`]):
//!   the C convention's registers on x86-64 (so the lazy stubs' resolver forwards it unchanged),
//!   with the callee popping its stack arguments, which is what lets `return_call` be a real
//!   tail call between functions of any signatures.
//! - array trampoline (host -> wasm): `void t(ptr vmctx, ptr code, ptr values)`, reading arguments
//!   from and writing results to 16-byte slots of `values`.
//! - host stub (wasm -> host): a wasm-convention function for one signature that spills its
//!   arguments to slots and calls the `host_call` builtin with the host function's data.

use crate::error::{Error, Result};
use crate::module::types::{FuncType, ValType};
use crate::vm::builtins::AbiResult;
pub use crate::vm::Builtin;
use crate::vm::{AbiType, VALUE_SLOT};
use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::module::{Linkage, Module};
use inkwell::types::{BasicMetadataTypeEnum, BasicType, BasicTypeEnum, FunctionType};
use inkwell::values::{BasicMetadataValueEnum, BasicValue, BasicValueEnum, FunctionValue};
use inkwell::AddressSpace;

impl From<inkwell::builder::BuilderError> for Error {
    fn from(e: inkwell::builder::BuilderError) -> Self {
        Error::new(format!("internal error building LLVM IR: {e}"))
    }
}

/// LLVM's `tailcc` calling convention, every wasm function's and every call's to one: a call
/// marked `tail` in tail position is guaranteed to reuse the caller's frame.
pub const WASM_CC: u32 = crate::codegen::stack_align::TAILCC;

/// The LLVM type of a wasm value.
pub fn llvm_type<'c>(context: &'c Context, ty: ValType) -> Result<BasicTypeEnum<'c>> {
    Ok(match ty {
        ValType::I32 => context.i32_type().into(),
        ValType::I64 => context.i64_type().into(),
        ValType::F32 => context.f32_type().into(),
        ValType::F64 => context.f64_type().into(),
        ValType::Ref(_) => context.ptr_type(AddressSpace::default()).into(),
        ValType::V128 => v128_type(context).into(),
    })
}

/// The one LLVM type of a `v128` value on the operand stack, in locals, phis, globals and
/// signatures: `<4 x i32>` (SIMD operators bitcast to their lane shape, which costs nothing).
pub fn v128_type(context: &Context) -> inkwell::types::VectorType<'_> {
    context.i32_type().vec_type(4)
}

/// The LLVM type a function with `results` returns (None: void).
pub fn return_type<'c>(
    context: &'c Context,
    results: &[ValType],
) -> Result<Option<BasicTypeEnum<'c>>> {
    Ok(match results {
        [] => None,
        [one] => Some(llvm_type(context, *one)?),
        many => {
            let fields = many
                .iter()
                .map(|&t| llvm_type(context, t))
                .collect::<Result<Vec<_>>>()?;
            Some(context.struct_type(&fields, false).into())
        }
    })
}

/// The native signature of a wasm function of type `ty`.
pub fn function_type<'c>(context: &'c Context, ty: &FuncType) -> Result<FunctionType<'c>> {
    let mut params: Vec<BasicMetadataTypeEnum> =
        vec![context.ptr_type(AddressSpace::default()).into()];
    for &p in &ty.params {
        params.push(llvm_type(context, p)?.into());
    }
    signature(context, &params, &ty.results)
}

/// A native signature with these parameters returning wasm `results` as [`return_type`] does.
pub fn signature<'c>(
    context: &'c Context,
    params: &[BasicMetadataTypeEnum<'c>],
    results: &[ValType],
) -> Result<FunctionType<'c>> {
    Ok(match return_type(context, results)? {
        None => context.void_type().fn_type(params, false),
        Some(r) => r.fn_type(params, false),
    })
}

/// Attributes every generated function carries: frame pointers (for trap backtraces), no tail
/// calls (LLVM would otherwise turn recursion into loops, and runaway recursion must exhaust the
/// stack), and no inlining: backtraces are read from native frames, and an inlined callee would
/// vanish from `wasm_trap_trace` until a debug-info frame map exists. Wasm functions may be
/// unwound by a wasm exception (`unwinds`: they get unwind tables, and any wasm frame may lie
/// between a `throw` and its handler); the entries between host and wasm are `nounwind`, so
/// they get none and the unwinder's search for a handler ends at them (traps never unwind:
/// they leave through the runtime).
pub fn add_function_attributes(context: &Context, f: FunctionValue<'_>, unwinds: bool) {
    f.add_attribute(
        AttributeLoc::Function,
        context.create_string_attribute("frame-pointer", "all"),
    );
    f.add_attribute(
        AttributeLoc::Function,
        context.create_string_attribute("disable-tail-calls", "true"),
    );
    let names: &[&str] = if unwinds {
        &["noinline"]
    } else {
        &["nounwind", "noinline"]
    };
    for name in names {
        let kind = Attribute::get_named_enum_kind_id(name);
        f.add_attribute(
            AttributeLoc::Function,
            context.create_enum_attribute(kind, 0),
        );
    }
}

/// What a wasm function may assume of its vmctx (parameter 0): `size` bytes (the module's
/// `VMOffsets::size`), 16-byte aligned, are always there (the instance's vmctx is an array of
/// u128). LLVM may then load vmctx fields speculatively, so loop-invariant loads (memory
/// definitions, table and global pointers) leave loops even when a loop exit comes before them.
pub fn add_vmctx_attributes(context: &Context, f: FunctionValue<'_>, size: u32) {
    for (name, value) in [
        ("dereferenceable", u64::from(size)),
        ("align", 16),
        ("nonnull", 0),
    ] {
        let kind = Attribute::get_named_enum_kind_id(name);
        f.add_attribute(
            AttributeLoc::Param(0),
            context.create_enum_attribute(kind, value),
        );
    }
}

/// The declaration of `builtin` in `module` (added on first use), from its ABI signature in
/// `vm::builtins`. The two that unwind are `noreturn` and `cold`.
pub fn declare_builtin<'c>(
    context: &'c Context,
    module: &Module<'c>,
    builtin: Builtin,
) -> FunctionValue<'c> {
    if let Some(f) = module.get_function(builtin.symbol()) {
        return f;
    }
    let params: Vec<BasicMetadataTypeEnum> = builtin
        .params()
        .iter()
        .map(|p| match p {
            AbiType::Ptr => ptr_type(context).into(),
            AbiType::I32 => context.i32_type().into(),
            AbiType::I64 => context.i64_type().into(),
        })
        .collect();
    let ty = match builtin.result() {
        AbiResult::I32 => context.i32_type().fn_type(&params, false),
        AbiResult::I64 => context.i64_type().fn_type(&params, false),
        AbiResult::Ptr => ptr_type(context).fn_type(&params, false),
        AbiResult::Void | AbiResult::Never => context.void_type().fn_type(&params, false),
    };
    let f = module.add_function(builtin.symbol(), ty, Some(Linkage::External));
    if builtin.aligns_its_stack() {
        f.add_attribute(
            AttributeLoc::Function,
            context.create_string_attribute(crate::codegen::stack_align::ALIGNS_ITS_STACK, ""),
        );
    }
    if builtin.result() == AbiResult::Never {
        for name in ["noreturn", "cold"] {
            let kind = Attribute::get_named_enum_kind_id(name);
            f.add_attribute(
                AttributeLoc::Function,
                context.create_enum_attribute(kind, 0),
            );
        }
    }
    f
}

/// Calls `code` (a pointer) with the wasm convention and returns its results, unpacked.
pub fn call_wasm<'c>(
    context: &'c Context,
    builder: &Builder<'c>,
    ty: &FuncType,
    code: inkwell::values::PointerValue<'c>,
    args: &[BasicMetadataValueEnum<'c>],
) -> Result<Vec<BasicValueEnum<'c>>> {
    let fn_type = function_type(context, ty)?;
    let call = builder.build_indirect_call(fn_type, code, args, "call")?;
    call.set_call_convention(WASM_CC);
    unpack_results(builder, ty, call.try_as_basic_value().basic())
}

/// Splits a call's return value into the wasm results.
pub fn unpack_results<'c>(
    builder: &Builder<'c>,
    ty: &FuncType,
    value: Option<BasicValueEnum<'c>>,
) -> Result<Vec<BasicValueEnum<'c>>> {
    Ok(match ty.results.len() {
        0 => vec![],
        1 => vec![value.expect("a single result")],
        n => {
            let agg = value.expect("a result struct").into_struct_value();
            (0..n as u32)
                .map(|i| builder.build_extract_value(agg, i, "result"))
                .collect::<std::result::Result<_, _>>()?
        }
    })
}

/// Builds a function's return of `values` (packing several into the result struct).
pub fn build_return<'c>(
    context: &'c Context,
    builder: &Builder<'c>,
    ty: &FuncType,
    values: &[BasicValueEnum<'c>],
) -> Result<()> {
    match values {
        [] => builder.build_return(None)?,
        [one] => builder.build_return(Some(one))?,
        many => {
            let struct_ty = return_type(context, &ty.results)?
                .expect("results")
                .into_struct_type();
            let mut agg = struct_ty.get_undef();
            for (i, v) in many.iter().enumerate() {
                agg = builder
                    .build_insert_value(agg, *v, i as u32, "pack")?
                    .into_struct_value();
            }
            builder.build_return(Some(&agg))?
        }
    };
    Ok(())
}

fn slot<'c>(
    context: &'c Context,
    builder: &Builder<'c>,
    values: inkwell::values::PointerValue<'c>,
    index: usize,
) -> Result<inkwell::values::PointerValue<'c>> {
    let offset = context
        .i64_type()
        .const_int(index as u64 * VALUE_SLOT as u64, false);
    // SAFETY (of the generated code): the caller provides max(params, results) slots.
    Ok(unsafe { builder.build_gep(context.i8_type(), values, &[offset], "slot")? })
}

/// Defines the array trampoline for signature `ty` as `name`.
pub fn define_array_trampoline<'c>(
    context: &'c Context,
    module: &Module<'c>,
    name: &str,
    ty: &FuncType,
) -> Result<()> {
    let ptr = context.ptr_type(AddressSpace::default());
    let f = module.add_function(
        name,
        context
            .void_type()
            .fn_type(&[ptr.into(), ptr.into(), ptr.into()], false),
        None,
    );
    add_function_attributes(context, f, false);
    let builder = context.create_builder();
    builder.position_at_end(context.append_basic_block(f, "entry"));
    let vmctx = f.get_nth_param(0).unwrap();
    let code = f.get_nth_param(1).unwrap().into_pointer_value();
    let values = f.get_nth_param(2).unwrap().into_pointer_value();
    let mut args: Vec<BasicMetadataValueEnum> = vec![vmctx.into()];
    for (i, &p) in ty.params.iter().enumerate() {
        let at = slot(context, &builder, values, i)?;
        args.push(
            builder
                .build_load(llvm_type(context, p)?, at, "arg")?
                .into(),
        );
    }
    // The search for a wasm handler must end here, before the host's frames (LLVM gives every
    // function of a module unwind tables once one needs them, so this trampoline may have
    // them): its personality ends the search, and the throw traps with its frames. The
    // catch-all pad behind the call is what makes LLVM emit that personality; were it ever
    // reached, it would trap too.
    let fn_type = function_type(context, ty)?;
    let args: Vec<BasicValueEnum> = args
        .into_iter()
        .map(|a| a.try_into().expect("no metadata arguments"))
        .collect();
    let done = context.append_basic_block(f, "returned");
    let pad = context.append_basic_block(f, "uncaught");
    let call = builder.build_indirect_invoke(fn_type, code, &args, done, pad, "call")?;
    call.set_call_convention(WASM_CC);
    builder.position_at_end(done);
    let results = unpack_results(&builder, ty, call.try_as_basic_value().basic())?;
    for (i, r) in results.into_iter().enumerate() {
        builder.build_store(slot(context, &builder, values, i)?, r)?;
    }
    builder.build_return(None)?;
    builder.position_at_end(pad);
    let exn = landing_pad(context, module, f, &builder, ENTRY_PERSONALITY)?;
    let exception_done = declare_builtin(context, module, Builtin::ExceptionDone);
    builder.build_call(exception_done, &[exn.into()], "")?;
    let trap = declare_builtin(context, module, Builtin::Trap);
    let code = context
        .i32_type()
        .const_int(crate::vm::TrapCode::UncaughtException as u64, false);
    builder.build_call(trap, &[code.into()], "")?;
    builder.build_unreachable()?;
    Ok(())
}

pub use crate::vm::builtins::{ENTRY_PERSONALITY, PERSONALITY};

/// `module`'s own function calling personality routine `personality`, which its functions name
/// as theirs instead: a personality is reached from the unwind tables through a weak hidden
/// `DW.ref.<personality>` slot, which the JIT defines once for all objects that name the same
/// routine, in the first one loaded; once that object was unloaded, every other object's
/// unwind tables pointed at freed memory, and the next throw through them crashed in the
/// unwinder (found by `tests/exceptions.rs` in lift-off mode, about one run in thirty). A thunk
/// named after the module (each object's name is unique) gives every object its own slot.
fn personality_thunk<'c>(
    context: &'c Context,
    module: &Module<'c>,
    personality: &str,
) -> Result<FunctionValue<'c>> {
    let own = format!("{}.{personality}", module.get_name().to_string_lossy());
    if let Some(f) = module.get_function(&own) {
        return Ok(f);
    }
    // _Unwind_Reason_Code (int version, _Unwind_Action, _Unwind_Exception_Class,
    // struct _Unwind_Exception *, struct _Unwind_Context *)
    let (i32t, i64t, ptr) = (context.i32_type(), context.i64_type(), ptr_type(context));
    let ty = i32t.fn_type(
        &[
            i32t.into(),
            i32t.into(),
            i64t.into(),
            ptr.into(),
            ptr.into(),
        ],
        false,
    );
    let real = match module.get_function(personality) {
        Some(p) => p,
        None => module.add_function(personality, ty, Some(Linkage::External)),
    };
    let thunk = module.add_function(&own, ty, Some(Linkage::Internal));
    let kind = Attribute::get_named_enum_kind_id("nounwind");
    thunk.add_attribute(
        AttributeLoc::Function,
        context.create_enum_attribute(kind, 0),
    );
    let b = context.create_builder();
    b.position_at_end(context.append_basic_block(thunk, "entry"));
    let args: Vec<BasicMetadataValueEnum> = thunk.get_param_iter().map(|p| p.into()).collect();
    let call = b.build_call(real, &args, "reason")?;
    call.set_tail_call(true);
    let reason = call.try_as_basic_value().basic().expect("an i32");
    b.build_return(Some(&reason))?;
    Ok(thunk)
}

/// Starts a catch-all landing pad at the builder's position in `f` (making `personality`,
/// [`PERSONALITY`] or [`ENTRY_PERSONALITY`], `f`'s personality); the caught exception object.
pub fn landing_pad<'c>(
    context: &'c Context,
    module: &Module<'c>,
    f: FunctionValue<'c>,
    builder: &Builder<'c>,
    personality: &str,
) -> Result<inkwell::values::PointerValue<'c>> {
    let ptr = ptr_type(context);
    let personality = personality_thunk(context, module, personality)?;
    f.set_personality_function(personality);
    let lp_type = context.struct_type(&[ptr.into(), context.i32_type().into()], false);
    let lp = builder.build_landing_pad(
        lp_type,
        personality,
        &[ptr.const_null().into()],
        false,
        "lp",
    )?;
    Ok(builder
        .build_extract_value(lp.into_struct_value(), 0, "exn")?
        .into_pointer_value())
}

/// Defines the host stub for signature `ty` as `name`.
pub fn define_host_stub<'c>(
    context: &'c Context,
    module: &Module<'c>,
    name: &str,
    ty: &FuncType,
) -> Result<()> {
    let f = module.add_function(name, function_type(context, ty)?, None);
    f.set_call_conventions(WASM_CC);
    // A host function's exception is raised from here, once it has returned: the stub is
    // unwound (`wasmo_builtin_raise_pending`).
    add_function_attributes(context, f, true);
    let builder = context.create_builder();
    builder.position_at_end(context.append_basic_block(f, "entry"));
    let n = ty.params.len().max(ty.results.len()).max(1) as u32;
    let slots = context.i128_type().array_type(n);
    let values = builder.build_alloca(slots, "values")?;
    // 16-byte slots for the host side (LLVM 16 aligns i128 to 8 only).
    values
        .as_instruction_value()
        .expect("an alloca")
        .set_alignment(16)
        .map_err(|e| Error::new(format!("internal error: {e}")))?;
    for i in 0..ty.params.len() {
        let v = f.get_nth_param(i as u32 + 1).unwrap();
        builder.build_store(slot(context, &builder, values, i)?, v)?;
    }
    let host = f.get_nth_param(0).unwrap();
    let call = declare_builtin(context, module, Builtin::HostCall);
    let status = builder
        .build_call(call, &[host.into(), values.into()], "status")?
        .try_as_basic_value()
        .basic()
        .unwrap()
        .into_int_value();
    let trapped = builder.build_int_compare(
        inkwell::IntPredicate::NE,
        status,
        context.i32_type().const_zero(),
        "trapped",
    )?;
    let raise = context.append_basic_block(f, "raise");
    let done = context.append_basic_block(f, "done");
    builder.build_conditional_branch(trapped, raise, done)?;
    builder.position_at_end(raise);
    builder.build_call(
        declare_builtin(context, module, Builtin::RaisePending),
        &[],
        "",
    )?;
    builder.build_unreachable()?;
    builder.position_at_end(done);
    let mut results = Vec::new();
    for (i, &r) in ty.results.iter().enumerate() {
        let at = slot(context, &builder, values, i)?;
        results.push(builder.build_load(llvm_type(context, r)?, at, "result")?);
    }
    build_return(context, &builder, ty, &results)
}

/// The generic type `ptr` in the default address space.
pub fn ptr_type(context: &Context) -> inkwell::types::PointerType<'_> {
    context.ptr_type(AddressSpace::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_functions_are_never_inlined_or_tail_called() {
        let context = Context::create();
        let module = context.create_module("attrs");
        let f = module.add_function("f", context.void_type().fn_type(&[], false), None);
        add_function_attributes(&context, f, false);
        let ir = module.print_to_string().to_string();
        assert!(ir.contains("noinline"), "{ir}");
        assert!(ir.contains("\"disable-tail-calls\"=\"true\""), "{ir}");
    }
}
