//! On-stack replacement: how a long-running loop in baseline code continues in optimised code
//! (DESIGN.md, "Tiers").
//!
//! Both sides are translations of the same body, so they agree on what is live at a loop header:
//! every local, and the whole operand stack there (the values enclosing frames hold and the
//! loop's parameters), in wasm's order. The state passes through a buffer of one 16-byte slot
//! per value: locals first, then the stack from the bottom.
//!
//! - **Baseline side** ([`FuncTranslator::osr_check`]): at a loop header outside any exception
//!   handler, a per-activation count of loop iterations; every [`CHECK_PERIOD`] iterations a call
//!   to the `OsrEntry` builtin, which returns optimised code for this loop once the tier-up worker
//!   has compiled it (and queues a hot loop for compilation). With code, the baseline frame stores
//!   its state in a buffer on its stack, calls the entry and returns what the entry returns: the
//!   rest of this activation runs optimised.
//! - **Optimised side** ([`FuncTranslator::osr_begin`], [`FuncTranslator::osr_enter`]): the
//!   function translated again as `<symbol>_osr<loop>`, taking `(vmctx, buffer)`. Its entry block
//!   jumps to an `osr_entry` block instead of the body; the body is translated as usual (the code
//!   before the loop is then unreachable and LLVM deletes it), and at the target loop's header
//!   every stack value gets a phi, so that the `osr_entry` block, which loads the locals and the
//!   stack from the buffer, can join there. Values that code after the loop uses reach it only
//!   through those phis and the locals.

use super::abi;
use super::translate::FuncTranslator;
use super::ModuleEnv;
use crate::error::{Error, Result};
use crate::vm::Builtin;
use inkwell::basic_block::BasicBlock;
use inkwell::context::Context;
use inkwell::module::Module;
use inkwell::values::{BasicValue, BasicValueEnum, FunctionValue, PhiValue, PointerValue};

/// Whether baseline code may continue in optimised code (`WASMO_OSR=0` turns it off, for
/// measuring what it gains).
///
/// Only the fast grade of baseline code checks ([`checks_in`]): the [`super::Grade::Loops`]
/// grade ran the kernels as fast as their entries would (DESIGN.md, "Tiers").
pub fn enabled() -> bool {
    static ENABLED: once_cell::sync::Lazy<bool> =
        once_cell::sync::Lazy::new(|| std::env::var_os("WASMO_OSR").is_none_or(|v| v != "0"));
    *ENABLED
}

/// `WASMO_OSR_EAGER=1`, a testing aid: baseline code asks at every loop iteration, and the
/// first ask of each loop waits for its entry, so that every loop that runs continues in an
/// entry at once (the spec suite runs so in `scripts/test.sh`).
pub fn eager() -> bool {
    static EAGER: once_cell::sync::Lazy<bool> = once_cell::sync::Lazy::new(|| {
        std::env::var_os("WASMO_OSR_EAGER").is_some_and(|v| v == "1")
    });
    enabled() && *EAGER
}

/// Whether baseline code of `grade` checks for entries at its loop headers: the fast grade's,
/// or every grade's when [`eager`] (so that the tests cover every loop).
pub fn checks_in(grade: super::Grade) -> bool {
    enabled() && (grade == super::Grade::Opt(0) || eager())
}

/// Loop iterations between two asks: [`CHECK_PERIOD`], or 1 when [`eager`].
fn check_period() -> u32 {
    if eager() {
        1
    } else {
        CHECK_PERIOD
    }
}

/// Loop iterations of one activation between two calls of the `OsrEntry` builtin: rare enough
/// to cost nothing measurable, often enough that an entry compiled meanwhile is taken at once.
pub const CHECK_PERIOD: u32 = 1024;

/// The size of one value's slot in the state buffer (a v128 fits).
const SLOT: u64 = 16;

/// The symbol of defined-function-space function `index`'s entry at loop `loop_index`.
pub fn entry_symbol(prefix: &str, index: u32, loop_index: u32) -> String {
    format!("{}_osr{loop_index}", super::function_symbol(prefix, index))
}

/// Declares the entry of function `index` at loop `loop_index`: `(vmctx, buffer) -> results`.
pub fn declare_entry<'c>(
    ctx: &'c Context,
    module: &Module<'c>,
    env: &ModuleEnv<'_>,
    index: u32,
    loop_index: u32,
) -> Result<FunctionValue<'c>> {
    let ty = entry_type(ctx, &env.info.function_type(index).results)?;
    let f = module.add_function(&entry_symbol(&env.prefix, index, loop_index), ty, None);
    f.set_call_conventions(abi::WASM_CC);
    abi::add_function_attributes(ctx, f, true);
    Ok(f)
}

fn entry_type<'c>(
    ctx: &'c Context,
    results: &[crate::module::types::ValType],
) -> Result<inkwell::types::FunctionType<'c>> {
    let ptr = abi::ptr_type(ctx);
    abi::signature(ctx, &[ptr.into(), ptr.into()], results)
}

/// The optimised side's state while translating: the loop it enters at and its `osr_entry`
/// block, which loads the state from the buffer.
pub(super) struct OsrTarget<'c> {
    loop_index: u32,
    block: BasicBlock<'c>,
    buffer: PointerValue<'c>,
    /// Once the loop is found: its header, the block before it, and the phis of the values
    /// below its parameters (whose back edges [`FuncTranslator::osr_finish`] adds).
    joined: Option<(BasicBlock<'c>, BasicBlock<'c>, Vec<PhiValue<'c>>)>,
}

impl<'c> FuncTranslator<'c, '_> {
    /// Optimised side, after the prologue: the entry goes to the (still empty) `osr_entry`
    /// block, and the body is translated into a block nothing reaches.
    pub(super) fn osr_begin(&mut self, loop_index: u32) -> Result<()> {
        let block = self.new_block("osr_entry");
        self.b.build_unconditional_branch(block)?;
        let prefix = self.new_block("before_osr_loop");
        self.b.position_at_end(prefix);
        let buffer = self.func.get_nth_param(1).unwrap().into_pointer_value();
        self.osr = Some(OsrTarget {
            loop_index,
            block,
            buffer,
            joined: None,
        });
        Ok(())
    }

    /// Optimised side, at the header of loop `loop_index` (positioned in it, after its
    /// parameters' phis, which `pred` branched to): if it is the target, the stack gets phis and
    /// the `osr_entry` block loads the state and joins here.
    pub(super) fn osr_enter(
        &mut self,
        loop_index: u32,
        pred: BasicBlock<'c>,
        header: BasicBlock<'c>,
        header_phis: &[PhiValue<'c>],
    ) -> Result<()> {
        let Some(target) = &self.osr else {
            return Ok(());
        };
        if target.loop_index != loop_index {
            return Ok(());
        }
        let (block, buffer) = (target.block, target.buffer);
        let mut outer = Vec::with_capacity(self.stack.len());
        for v in self.stack.clone() {
            let phi = self.b.build_phi(v.get_type(), "osr_stack")?;
            phi.add_incoming(&[(&v as &dyn BasicValue, pred)]);
            outer.push(phi);
        }
        self.b.position_at_end(block);
        for (i, (slot, ty)) in self.locals.clone().into_iter().enumerate() {
            let v = self
                .b
                .build_load(ty, self.osr_slot(buffer, i)?, "osr_local")?;
            self.b.build_store(slot, v)?;
        }
        let base = self.locals.len();
        for (j, phi) in outer.iter().chain(header_phis).enumerate() {
            let v = self.b.build_load(
                phi.as_basic_value().get_type(),
                self.osr_slot(buffer, base + j)?,
                "osr_value",
            )?;
            phi.add_incoming(&[(&v as &dyn BasicValue, block)]);
        }
        self.b.build_unconditional_branch(header)?;
        self.b.position_at_end(header);
        for (v, phi) in self.stack.iter_mut().zip(&outer) {
            *v = phi.as_basic_value();
        }
        if let Some(t) = &mut self.osr {
            t.joined = Some((header, pred, outer));
        }
        Ok(())
    }

    /// Optimised side, after the body: the target loop must have been found, and each phi of a
    /// value below its parameters gets itself from every branch back to the header (one entry
    /// per edge: a `br_table` may branch there more than once).
    pub(super) fn osr_finish(&self) -> Result<()> {
        let Some(t) = &self.osr else {
            return Ok(());
        };
        let Some((header, pred, outer)) = &t.joined else {
            return Err(Error::new(format!(
                "internal error: no loop {} to enter in function {}",
                t.loop_index, self.index
            )));
        };
        let mut edge = header.get_first_use();
        while let Some(u) = edge {
            let user = u.get_user();
            let from = user
                .is_instruction_value()
                .then(|| user.into_instruction_value())
                .and_then(|i| i.get_parent());
            if let Some(from) = from.filter(|&b| b != *pred && b != t.block) {
                for phi in outer {
                    phi.add_incoming(&[(&phi.as_basic_value() as &dyn BasicValue, from)]);
                }
            }
            edge = u.get_next_use();
        }
        Ok(())
    }

    /// Baseline side, at the header of loop `loop_index` with its parameters on the stack:
    /// counts the iteration and every [`CHECK_PERIOD`] asks for optimised code to continue in.
    pub(super) fn osr_check(&mut self, loop_index: u32) -> Result<()> {
        if self.env.tier != super::CodeKind::Baseline
            || !self.osr_checks
            || !self.handlers.is_empty()
            || !enabled()
        {
            return Ok(());
        }
        let i32t = self.ctx.i32_type();
        let counter = match self.iterations {
            Some(c) => c,
            None => {
                let c = self.in_entry_block(|t| {
                    let c = t.b.build_alloca(i32t, "iterations")?;
                    t.b.build_store(c, i32t.const_zero())?;
                    Ok(c)
                })?;
                self.iterations = Some(c);
                c
            }
        };
        let n = self
            .b
            .build_load(i32t, counter, "iterations")?
            .into_int_value();
        let n = self
            .b
            .build_int_add(n, i32t.const_int(1, false), "iterations")?;
        self.b.build_store(counter, n)?;
        let masked = self.b.build_and(
            n,
            i32t.const_int(u64::from(check_period() - 1), false),
            "period",
        )?;
        let due = self.b.build_int_compare(
            inkwell::IntPredicate::EQ,
            masked,
            i32t.const_zero(),
            "osr_due",
        )?;
        let ask = self.new_block("osr_ask");
        let go = self.new_block("osr_go");
        let body = self.new_block("loop_body");
        let branch = self.b.build_conditional_branch(due, ask, body)?;
        self.unlikely(branch)?;
        self.b.position_at_end(ask);
        self.locate(true);
        let defined = self.index - self.env.info.num_imported_functions;
        let code = self
            .call_builtin(
                Builtin::OsrEntry,
                &[
                    i32t.const_int(u64::from(defined), false).into(),
                    i32t.const_int(u64::from(loop_index), false).into(),
                    n.into(),
                ],
            )?
            .expect("osr_entry returns")
            .into_pointer_value();
        let none = self.b.build_is_null(code, "no_osr")?;
        let branch = self.b.build_conditional_branch(none, body, go)?;
        self.unlikely(branch)?;
        self.b.position_at_end(go);
        let values: Vec<BasicValueEnum<'c>> = self.stack.clone();
        let count = self.locals.len() + values.len();
        let i8t = self.ctx.i8_type();
        let buffer = self.b.build_array_alloca(
            i8t,
            self.ctx
                .i64_type()
                .const_int((count.max(1) as u64) * SLOT, false),
            "osr_state",
        )?;
        buffer
            .as_instruction_value()
            .expect("an alloca")
            .set_alignment(16)
            .map_err(|e| Error::new(format!("internal error: {e}")))?;
        for (i, (slot, ty)) in self.locals.clone().into_iter().enumerate() {
            let v = self.b.build_load(ty, slot, "local")?;
            self.b.build_store(self.osr_slot(buffer, i)?, v)?;
        }
        for (j, v) in values.iter().enumerate() {
            self.b
                .build_store(self.osr_slot(buffer, self.locals.len() + j)?, *v)?;
        }
        let results = self.ty.results.clone();
        let ty = entry_type(self.ctx, &results)?;
        let call =
            self.b
                .build_indirect_call(ty, code, &[self.vmctx.into(), buffer.into()], "osr")?;
        call.set_call_convention(abi::WASM_CC);
        match call.try_as_basic_value().basic() {
            Some(r) => self.b.build_return(Some(&r))?,
            None => self.b.build_return(None)?,
        };
        self.b.position_at_end(body);
        Ok(())
    }

    fn osr_slot(&self, buffer: PointerValue<'c>, i: usize) -> Result<PointerValue<'c>> {
        let offset = self.ctx.i64_type().const_int(i as u64 * SLOT, false);
        // SAFETY (of the generated code): the buffer has a slot per local and stack value.
        Ok(unsafe {
            self.b
                .build_gep(self.ctx.i8_type(), buffer, &[offset], "osr_slot")?
        })
    }
}
