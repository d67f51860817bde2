//! Calls. A defined function is called directly by symbol (same instance, same vmctx) in
//! optimised mode; an imported one, and in lift-off mode any function outside the batch being
//! compiled, through its `VMFuncRef` in the vmctx (the PLT, whose code the tiers swap); `call_indirect` loads the table element,
//! checks it (bounds: "undefined element", null: "uninitialized element", signature: "indirect
//! call type mismatch") and calls through it.

use super::abi::{self, Builtin};
use super::translate::{Callee, FuncTranslator};
use crate::error::Result;
use crate::vm::TrapCode;
use crate::vm::VMFuncRef;
use inkwell::attributes::AttributeLoc;
use inkwell::values::{BasicMetadataValueEnum, IntValue, PointerValue};
use inkwell::IntPredicate;

type R = Result<()>;

impl<'c> FuncTranslator<'c, '_> {
    /// Calls through a `VMFuncRef` with signature `ty`, popping the arguments and pushing results.
    fn call_func_ref(
        &mut self,
        func_ref: PointerValue<'c>,
        ty: &crate::module::types::FuncType,
    ) -> R {
        let ptr = abi::ptr_type(self.ctx).into();
        let code = self
            .load_field(func_ref, VMFuncRef::CODE, ptr, false)?
            .into_pointer_value();
        let callee_vmctx = self.load_field(func_ref, VMFuncRef::VMCTX, ptr, false)?;
        let mut args: Vec<BasicMetadataValueEnum> = vec![callee_vmctx.into()];
        args.extend(
            self.pop_n(ty.params.len())
                .into_iter()
                .map(BasicMetadataValueEnum::from),
        );
        let fn_type = abi::function_type(self.ctx, ty)?;
        let call = self.call_site(Callee::Indirect(fn_type, code), &args)?;
        call.set_call_convention(abi::WASM_CC);
        let results = abi::unpack_results(&self.b, ty, call.try_as_basic_value().basic())?;
        self.stack.extend(results);
        Ok(())
    }

    pub(super) fn visit_call(&mut self, function_index: u32) -> R {
        let ty = self.env.info.function_type(function_index).clone();
        if !self.env.calls_directly(function_index) {
            // Imports, and in lift-off mode the PLT: the function reference's code is swapped
            // from tier to tier (and is never inlined).
            let func_ref = self.load_vmctx_ptr(self.env.offsets.func_ref(function_index))?;
            if function_index == self.index {
                self.note_self_call();
            }
            return self.call_func_ref(func_ref, &ty);
        }
        let callee = self
            .env
            .declare_function(self.ctx, self.module, function_index)?;
        let mut args: Vec<BasicMetadataValueEnum> = vec![self.vmctx.into()];
        args.extend(
            self.pop_n(ty.params.len())
                .into_iter()
                .map(BasicMetadataValueEnum::from),
        );
        let call = self.call_site(Callee::Direct(callee), &args)?;
        call.set_call_convention(abi::WASM_CC);
        if function_index == self.index && self.env.epoch_interruption {
            // A recursive call in a loop's own code stands in for the loop's epoch check
            // (`branch_to`), so it must stay a call whose callee checks at its entry.
            let kind = inkwell::attributes::Attribute::get_named_enum_kind_id("noinline");
            call.add_attribute(
                AttributeLoc::Function,
                self.ctx.create_enum_attribute(kind, 0),
            );
            self.note_self_call();
        }
        let results = abi::unpack_results(&self.b, &ty, call.try_as_basic_value().basic())?;
        self.stack.extend(results);
        Ok(())
    }

    /// Records a call of the function itself in the innermost frame if that is a loop.
    fn note_self_call(&mut self) {
        if let Some(frame) = self.control.last_mut() {
            if matches!(frame.kind, super::translate::FrameKind::Loop) {
                frame.self_called = true;
            }
        }
    }

    pub(super) fn visit_call_indirect(&mut self, type_index: u32, table_index: u32) -> R {
        let ty = self.env.info.type_at(type_index).clone();
        let func_ref = self.checked_table_func_ref(type_index, table_index)?;
        self.call_func_ref(func_ref, &ty)
    }

    /// The function reference `call_indirect` and `return_call_indirect` call: the element at
    /// the index on top of the stack, trapping if it is out of bounds, null, or of another type
    /// than `type_index`.
    fn checked_table_func_ref(
        &mut self,
        type_index: u32,
        table_index: u32,
    ) -> Result<PointerValue<'c>> {
        let index = self.pop_int();
        if self.fast {
            return self.out_of_line_table_func_ref(type_index, table_index, index);
        }
        // One trap block for the three checks, whose builtin tells which failed: with a block
        // per check, biome's first call compiled a function of 120 `call_indirect`s into 724
        // blocks, now 484, and `llc-16 -O0` runs 5% fewer instructions on it.
        let trap = self.new_block("call_indirect_trap");
        let at = self.table_element_or(table_index, index, trap)?;
        let func_ref = self
            .b
            .build_load(abi::ptr_type(self.ctx), at, "func_ref")?
            .into_pointer_value();
        let null = self.b.build_is_null(func_ref, "null")?;
        let cont = self.new_block("ok");
        self.b.build_conditional_branch(null, trap, cont)?;
        self.b.position_at_end(cont);
        let actual = self
            .load_field(
                func_ref,
                VMFuncRef::TYPE_ID,
                self.ctx.i32_type().into(),
                false,
            )?
            .into_int_value();
        let expected = self.expected_type_id(type_index)?;
        let mismatch = self
            .b
            .build_int_compare(IntPredicate::NE, actual, expected, "mismatch")?;
        let cont = self.new_block("ok");
        self.b.build_conditional_branch(mismatch, trap, cont)?;
        self.b.position_at_end(trap);
        let index64 =
            self.b
                .build_int_z_extend_or_bit_cast(index, self.ctx.i64_type(), "index64")?;
        let table = self.i32_const(table_index);
        let code = self
            .call_builtin(Builtin::CallIndirectTrap, &[table.into(), index64.into()])?
            .expect("a trap code");
        self.raise_code(code.into_int_value())?;
        self.b.position_at_end(cont);
        Ok(func_ref)
    }

    /// [`Self::checked_table_func_ref`] for the fast grade of baseline code: the checks in the
    /// `call_indirect_target` builtin, one call and one branch instead of three loads and
    /// three branches (biome's first call compiled a function of 120 `call_indirect`s).
    fn out_of_line_table_func_ref(
        &mut self,
        type_index: u32,
        table_index: u32,
        index: IntValue<'c>,
    ) -> Result<PointerValue<'c>> {
        let expected = self.expected_type_id(type_index)?;
        let index64 =
            self.b
                .build_int_z_extend_or_bit_cast(index, self.ctx.i64_type(), "index64")?;
        let table = self.i32_const(table_index);
        let target = self
            .call_builtin(
                Builtin::CallIndirectTarget,
                &[table.into(), index64.into(), expected.into()],
            )?
            .expect("a reference or trap code")
            .into_pointer_value();
        let i64t = self.ctx.i64_type();
        let bits = self.b.build_ptr_to_int(target, i64t, "target")?;
        let failed = self.b.build_int_compare(
            IntPredicate::ULT,
            bits,
            i64t.const_int(4096, false),
            "failed",
        )?;
        // A trap code fits an i32 (truncated before the branch, used only when raising).
        let code = self
            .b
            .build_int_truncate(bits, self.ctx.i32_type(), "code")?;
        self.raise_code_if(failed, code)?;
        Ok(target)
    }

    /// The canonical type id `call_indirect` expects for `type_index` (from the vmctx).
    fn expected_type_id(&self, type_index: u32) -> Result<IntValue<'c>> {
        Ok(self
            .load_field(
                self.vmctx,
                self.env.offsets.type_id(type_index),
                self.ctx.i32_type().into(),
                true,
            )?
            .into_int_value())
    }

    /// `call_ref`: calls the function reference on top of the stack, which validation says is
    /// of type `type_index` (Wasmo's types are final), trapping if it is null.
    pub(super) fn visit_call_ref(&mut self, type_index: u32) -> R {
        let ty = self.env.info.type_at(type_index).clone();
        let func_ref = self.non_null_func_ref()?;
        self.call_func_ref(func_ref, &ty)
    }

    /// `return_call_ref`: `call_ref` as a tail call (see `visit_return_call`).
    pub(super) fn visit_return_call_ref(&mut self, type_index: u32) -> R {
        let ty = self.env.info.type_at(type_index).clone();
        self.allow_tail_calls();
        let func_ref = self.non_null_func_ref()?;
        self.tail_call_func_ref(func_ref, &ty)
    }

    /// Pops a function reference, trapping with "null function reference" if it is null.
    fn non_null_func_ref(&mut self) -> Result<PointerValue<'c>> {
        let func_ref = self.pop().into_pointer_value();
        let null = self.b.build_is_null(func_ref, "null")?;
        self.trap_if(null, TrapCode::NullFunctionReference)?;
        Ok(func_ref)
    }

    /// `return_call`: a real tail call (`tail` in tail position with `tailcc`, which LLVM
    /// guarantees to compile as a jump reusing this frame), so the native stack stays constant
    /// however many follow each other. Results pass through untouched: validation makes the
    /// callee's results this function's.
    pub(super) fn visit_return_call(&mut self, function_index: u32) -> R {
        let ty = self.env.info.function_type(function_index).clone();
        self.allow_tail_calls();
        // Always through the function reference, even where `call` calls directly: LLVM's
        // interprocedural constant propagation would otherwise learn what a direct callee
        // returns (`count` always returns 0), replace the call's value, and so take the call
        // out of tail position; LLVM 16's C API cannot mark a call `musttail`.
        let func_ref = self.load_vmctx_ptr(self.env.offsets.func_ref(function_index))?;
        self.tail_call_func_ref(func_ref, &ty)
    }

    pub(super) fn visit_return_call_indirect(&mut self, type_index: u32, table_index: u32) -> R {
        let ty = self.env.info.type_at(type_index).clone();
        self.allow_tail_calls();
        let func_ref = self.checked_table_func_ref(type_index, table_index)?;
        self.tail_call_func_ref(func_ref, &ty)
    }

    fn tail_call_func_ref(
        &mut self,
        func_ref: PointerValue<'c>,
        ty: &crate::module::types::FuncType,
    ) -> R {
        let ptr = abi::ptr_type(self.ctx).into();
        let code = self
            .load_field(func_ref, VMFuncRef::CODE, ptr, false)?
            .into_pointer_value();
        let callee_vmctx = self.load_field(func_ref, VMFuncRef::VMCTX, ptr, false)?;
        let mut args: Vec<BasicMetadataValueEnum> = vec![callee_vmctx.into()];
        args.extend(
            self.pop_n(ty.params.len())
                .into_iter()
                .map(BasicMetadataValueEnum::from),
        );
        // The call replaces this frame: running legacy `catch` clauses end here.
        let caught = Self::caught(&self.control);
        self.release(&caught)?;
        let fn_type = abi::function_type(self.ctx, ty)?;
        let call = self
            .b
            .build_indirect_call(fn_type, code, &args, "tail_call")?;
        self.finish_tail_call(call)
    }

    /// Marks `call` a tail call and returns its value; what follows is unreachable.
    fn finish_tail_call(&mut self, call: inkwell::values::CallSiteValue<'c>) -> R {
        call.set_call_convention(abi::WASM_CC);
        call.set_tail_call(true);
        match call.try_as_basic_value().basic() {
            Some(v) => self.b.build_return(Some(&v))?,
            None => self.b.build_return(None)?,
        };
        self.reachable = false;
        Ok(())
    }

    /// Marks the function as one whose `tail` calls code generation must keep
    /// ([`crate::codegen::TAIL_CALLS`]).
    fn allow_tail_calls(&self) {
        self.func.add_attribute(
            AttributeLoc::Function,
            self.ctx
                .create_string_attribute(crate::codegen::TAIL_CALLS, "true"),
        );
    }
}
