//! The single-pass translator from a wasm function body to LLVM IR.
//!
//! One walk over the operators (wasmparser's `VisitOperator`) keeps two stacks:
//! - the operand stack holds LLVM SSA values, exactly as wasm's value stack would hold values;
//! - the control stack holds one [`Frame`] per open `block`/`loop`/`if` (and the function body).
//!   A frame knows the block a branch to it jumps to, with one phi per carried value (a loop's
//!   header phis take its parameters, other frames' merge phis take their results), so branches
//!   just add incoming values to phis and `end` continues at the merge block with the phis as
//!   the block's results.
//!
//! Code after an unconditional transfer (`br`, `br_table`, `return`, `unreachable`) is
//! unreachable until the enclosing frame's `else` or `end`: the translator then emits nothing and
//! only counts nested frames (`dead_depth`) to find that point.
//!
//! Everything instance-specific is reached through the function's first argument, the vmctx
//! (layout in `runtime::vmcontext`). Operators are translated by one method each, grouped by
//! category in `numeric.rs`, `memory.rs`, `control.rs`, `variable.rs`, `table.rs` and `call.rs`.
//! Operators of proposals Wasmo does not support yet are refused with
//! "unsupported: operator `...` (`<proposal>` proposal)".

use super::abi::{self, Builtin};
use super::ModuleEnv;
use crate::error::{Error, Result};
use crate::module::types::{FuncType, ValType};
use crate::vm::TrapCode;
use inkwell::basic_block::BasicBlock;
use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::debug_info::{
    AsDIScope, DICompileUnit, DIFlags, DIFlagsConstants, DIScope, DebugInfoBuilder,
};
use inkwell::module::Module;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{
    BasicValue, BasicValueEnum, FloatValue, FunctionValue, IntValue, PhiValue, PointerValue,
};
use std::collections::HashMap;

/// What kind of construct a control frame is.
pub(super) enum FrameKind<'c> {
    Function,
    Block,
    Loop,
    /// A `try_table`; its landing pad is the innermost of `FuncTranslator::handlers`.
    TryTable,
    /// A legacy `try` (`exception.rs`).
    Try(Box<super::exception::LegacyTry<'c>>),
    If {
        else_block: BasicBlock<'c>,
        /// The block parameters on entry, which the `else` arm starts from again.
        params: Vec<BasicValueEnum<'c>>,
        has_else: bool,
    },
}

/// An open control construct.
pub(super) struct Frame<'c> {
    pub kind: FrameKind<'c>,
    /// Operand stack height below the frame's parameters.
    pub height: usize,
    /// Where a branch to this frame goes, and the phis receiving the carried values.
    pub branch_target: BasicBlock<'c>,
    pub branch_phis: Vec<PhiValue<'c>>,
    /// Where `end` continues, and the phis receiving the frame's results.
    pub merge: BasicBlock<'c>,
    pub merge_phis: Vec<PhiValue<'c>>,
    /// A loop whose own code (not a nested frame's) has called the function itself since the
    /// header: the callee's entry checks the epoch, so a branch back from here needs no check
    /// (`FuncTranslator::branch_to`).
    pub self_called: bool,
    /// How many of `FuncTranslator::handlers` cover the frame's own code (its own landing pad
    /// included): a legacy `delegate` to this frame goes on to the last of them.
    pub handlers: usize,
}

/// What [`FuncTranslator::translate`] makes of a body.
#[derive(Debug, Clone, Copy)]
pub enum Translation {
    /// The function; for baseline code, with on-stack-replacement checks at loop headers if
    /// `osr_checks`; `fast` for the fast grade of baseline code (`Grade::Opt(0)`), which
    /// leaves some checks to builtins to keep its IR small.
    Function { osr_checks: bool, fast: bool },
    /// Its on-stack-replacement entry at loop `loop_index` (`osr.rs`).
    OsrEntry { loop_index: u32 },
}

/// Translates one function body.
pub struct FuncTranslator<'c, 'm> {
    pub(super) ctx: &'c Context,
    pub(super) module: &'m Module<'c>,
    pub(super) b: Builder<'c>,
    pub(super) env: &'m ModuleEnv<'m>,
    pub(super) func: FunctionValue<'c>,
    pub(super) vmctx: PointerValue<'c>,
    pub(super) locals: Vec<(PointerValue<'c>, BasicTypeEnum<'c>)>,
    pub(super) stack: Vec<BasicValueEnum<'c>>,
    pub(super) control: Vec<Frame<'c>>,
    pub(super) reachable: bool,
    pub(super) dead_depth: u32,
    /// The signature of the function being translated, and its index.
    pub(super) ty: FuncType,
    pub(super) index: u32,
    /// The blocks raising a trap code for the operator at a module offset (one per trap site,
    /// so that each keeps its own debug location).
    trap_blocks: HashMap<(TrapCode, usize), BasicBlock<'c>>,
    /// Debug locations: the function's subprogram scope, and the module offset of the operator
    /// being translated (the "line" of every instruction built for it).
    di: &'m DebugInfoBuilder<'c>,
    scope: DIScope<'c>,
    offset: usize,
    /// The offset the builder's current debug location names, if it has one.
    located_at: Option<usize>,
    /// The landing pads of the open `try_table`s and legacy `try`s (and their clauses' clean-up
    /// pads), innermost last: calls unwind to the last.
    pub(super) handlers: Vec<BasicBlock<'c>>,
    /// Per memory, its `VMMemory` and base, loaded once in the entry block on first use (see
    /// `FuncTranslator::in_entry_block`).
    pub(super) memory_bases: HashMap<u32, (PointerValue<'c>, PointerValue<'c>)>,
    /// `loop` operators seen so far, reachable or not: a loop's index for on-stack replacement.
    pub(super) loops: u32,
    /// The loop an on-stack-replacement entry enters at (`osr.rs`).
    pub(super) osr: Option<super::osr::OsrTarget<'c>>,
    /// Baseline code: whether loop headers check for an on-stack-replacement entry.
    pub(super) osr_checks: bool,
    /// The fast grade of baseline code ([`Translation::Function`]).
    pub(super) fast: bool,
    /// Baseline code: the activation's count of loop iterations (`osr.rs`), made on first use.
    pub(super) iterations: Option<PointerValue<'c>>,
    /// The type-based alias tags of linear-memory accesses and of loads of the runtime's own
    /// structures ([`AccessTags`]).
    pub(super) tags: AccessTags<'c>,
}

/// What a call calls: a function of the module, or code at an address.
pub(super) enum Callee<'c> {
    Direct(FunctionValue<'c>),
    Indirect(inkwell::types::FunctionType<'c>, PointerValue<'c>),
}

/// The debug info of one LLVM module: a compile unit whose "lines" are wasm module offsets, so
/// the object's line table maps machine code back to wasm operators (see `codegen::lines`).
pub struct DebugInfo<'c> {
    pub builder: DebugInfoBuilder<'c>,
    pub unit: DICompileUnit<'c>,
}

impl<'c> DebugInfo<'c> {
    pub fn new(module: &Module<'c>) -> DebugInfo<'c> {
        let ctx = module.get_context();
        let i32t = ctx.i32_type();
        let flag = inkwell::module::FlagBehavior::Warning;
        module.add_basic_value_flag("Debug Info Version", flag, i32t.const_int(3, false));
        // DWARF 4: the line-table header `codegen::lines` reads.
        module.add_basic_value_flag("Dwarf Version", flag, i32t.const_int(4, false));
        let (builder, unit) = module.create_debug_info_builder(
            true,
            inkwell::debug_info::DWARFSourceLanguage::C,
            "wasm",
            "",
            "wasmo",
            true,
            "",
            0,
            "",
            inkwell::debug_info::DWARFEmissionKind::LineTablesOnly,
            0,
            false,
            false,
            "",
            "",
        );
        DebugInfo { builder, unit }
    }

    /// Completes the debug info; call once all functions are translated.
    pub fn finalize(&self) {
        self.builder.finalize();
    }
}

impl<'c, 'm> FuncTranslator<'c, 'm> {
    /// Translates defined function `index` (in the function index space) into `module`, as
    /// `what` says.
    pub fn translate(
        ctx: &'c Context,
        module: &'m Module<'c>,
        env: &'m ModuleEnv<'m>,
        index: u32,
        body: wasmparser::FunctionBody<'_>,
        debug: &'m DebugInfo<'c>,
        what: Translation,
    ) -> Result<()> {
        let (osr_checks, fast, osr) = match what {
            Translation::Function { osr_checks, fast } => (osr_checks, fast, None),
            Translation::OsrEntry { loop_index } => (false, false, Some(loop_index)),
        };
        let ty = env.info.function_type(index).clone();
        let func = match osr {
            None => env.declare_function(ctx, module, index)?,
            Some(k) => super::osr::declare_entry(ctx, module, env, index, k)?,
        };
        let di = &debug.builder;
        let file = debug.unit.get_file();
        let start = body.range().start;
        let subroutine = di.create_subroutine_type(file, None, &[], DIFlags::ZERO);
        let name = match osr {
            None => env.function_symbol(index),
            Some(k) => super::osr::entry_symbol(&env.prefix, index, k),
        };
        let subprogram = di.create_function(
            debug.unit.as_debug_info_scope(),
            &name,
            None,
            file,
            start as u32,
            subroutine,
            false,
            true,
            start as u32,
            DIFlags::ZERO,
            true,
        );
        func.set_subprogram(subprogram);
        let b = ctx.create_builder();
        let entry = ctx.append_basic_block(func, "entry");
        b.position_at_end(entry);
        let vmctx = func.get_nth_param(0).unwrap().into_pointer_value();
        abi::add_vmctx_attributes(ctx, func, env.offsets.size());
        let mut t = FuncTranslator {
            ctx,
            module,
            b,
            env,
            func,
            vmctx,
            locals: Vec::new(),
            stack: Vec::new(),
            control: Vec::new(),
            reachable: true,
            dead_depth: 0,
            ty: ty.clone(),
            index,
            trap_blocks: HashMap::new(),
            di,
            scope: subprogram.as_debug_info_scope(),
            offset: 0,
            located_at: None,
            handlers: Vec::new(),
            memory_bases: HashMap::new(),
            loops: 0,
            osr: None,
            osr_checks,
            fast,
            iterations: None,
            tags: AccessTags::new(ctx),
        };
        let mut reader = body.get_operators_reader()?;
        // The prologue (locals, stack check) belongs to the first operator.
        t.set_offset(reader.original_position() as usize);
        t.locate(true);
        t.prologue(&ty, &body, osr.is_none())?;
        if let Some(k) = osr {
            t.osr_begin(k)?;
        }
        while !reader.eof() {
            t.set_offset(reader.original_position() as usize);
            reader.visit_operator(&mut t)??;
        }
        reader.finish()?;
        t.osr_finish()
    }

    /// Makes `offset` (in the module binary) the current operator's; [`Self::locate`] gives it
    /// to the instructions built next.
    fn set_offset(&mut self, offset: usize) {
        self.offset = offset;
    }

    /// Gives the instructions built next the current operator's debug location, or (`false`)
    /// none. Only code that can trap or call needs one: the line table maps a faulting or
    /// return address back to its operator, and no frame or trap can be at other code.
    pub(super) fn locate(&mut self, yes: bool) {
        if yes {
            if self.located_at != Some(self.offset) {
                let loc = self.di.create_debug_location(
                    self.ctx,
                    self.offset as u32,
                    0,
                    self.scope,
                    None,
                );
                self.b.set_current_debug_location(loc);
                self.located_at = Some(self.offset);
            }
        } else if self.located_at.is_some() {
            self.b.unset_current_debug_location();
            self.located_at = None;
        }
    }

    /// Locals as allocas (mem2reg makes them SSA), parameters stored into them (unless the
    /// function has none: an on-stack-replacement entry's come from its buffer), the stack
    /// check, and the function's own control frame.
    fn prologue(
        &mut self,
        ty: &FuncType,
        body: &wasmparser::FunctionBody<'_>,
        has_params: bool,
    ) -> Result<()> {
        for (i, &p) in ty.params.iter().enumerate() {
            let llty = abi::llvm_type(self.ctx, p)?;
            let slot = self.b.build_alloca(llty, "param")?;
            let value = match has_params {
                true => self.func.get_nth_param(i as u32 + 1).unwrap(),
                false => llty.const_zero(),
            };
            self.b.build_store(slot, value)?;
            self.locals.push((slot, llty));
        }
        for local in body.get_locals_reader()? {
            let (count, ty) = local?;
            let ty = ValType::from_wasmparser(ty, &self.env.info.type_ids)?;
            let llty = abi::llvm_type(self.ctx, ty)?;
            for _ in 0..count {
                let slot = self.b.build_alloca(llty, "local")?;
                self.b.build_store(slot, llty.const_zero())?;
                self.locals.push((slot, llty));
            }
        }
        self.stack_check()?;
        self.count_hotness()?;
        let ret = self.ctx.append_basic_block(self.func, "return");
        let phis = self.phis_in(ret, &ty.results)?;
        self.control.push(Frame {
            kind: FrameKind::Function,
            height: 0,
            branch_target: ret,
            branch_phis: phis.clone(),
            merge: ret,
            merge_phis: phis,
            self_called: false,
            handlers: 0,
        });
        Ok(())
    }

    /// Traps with "call stack exhausted" when the frame lies below the store's stack limit.
    /// With epoch interruption this is also the entry's epoch check (`limit_check`).
    fn stack_check(&mut self) -> Result<()> {
        self.limit_check(false)
    }

    /// With epoch interruption, on branches back to loop headers: the entry's check again,
    /// so that a running loop sees an interrupt (`limit_check`). Nothing without.
    pub(super) fn epoch_check(&mut self) -> Result<()> {
        if !self.env.epoch_interruption {
            return Ok(());
        }
        self.limit_check(true)
    }

    /// Compares the frame address with the store's stack limit. Below it, without epoch
    /// interruption, the stack is exhausted. With it, the limit may also have been poisoned
    /// (`VMStoreContext`), and a cold path tells the two apart: below the thread's real limit
    /// the stack is exhausted (at an entry; a loop's frame has passed that check), at the
    /// deadline the call is interrupted, and otherwise the code runs on. Every trap here is a
    /// branch to a `noreturn` call, so the hot path keeps its registers.
    ///
    /// At a loop's back-edge the limit is read with a monotonic atomic load, which no pass
    /// hoists out of the loop, so every iteration sees a poison stored by another thread. At
    /// the entry it is a plain load, so that LLVM may merge an inlined callee's check into its
    /// caller's (a loop that inlines callees keeps its own back-edge check).
    fn limit_check(&mut self, in_loop: bool) -> Result<()> {
        let frameaddress = inkwell::intrinsics::Intrinsic::find("llvm.frameaddress")
            .expect("llvm.frameaddress exists")
            .get_declaration(self.module, &[abi::ptr_type(self.ctx).into()])
            .expect("llvm.frameaddress declares");
        let zero = self.ctx.i32_type().const_zero();
        let fp = self
            .b
            .build_call(frameaddress, &[zero.into()], "fp")?
            .try_as_basic_value()
            .basic()
            .unwrap()
            .into_pointer_value();
        let fp = self.b.build_ptr_to_int(fp, self.ctx.i64_type(), "fp")?;
        let i64t = self.ctx.i64_type();
        let store_ctx = self.load_vmctx_ptr(crate::vm::VMOffsets::STORE_CONTEXT)?;
        let limit = self
            .load_field(
                store_ctx,
                crate::vm::VMStoreContext::STACK_LIMIT,
                i64t.into(),
                false,
            )?
            .into_int_value();
        if in_loop {
            self.atomic(limit)?;
        }
        let below =
            self.b
                .build_int_compare(inkwell::IntPredicate::ULT, fp, limit, "below_limit")?;
        if !self.env.epoch_interruption {
            return self.trap_if(below, TrapCode::StackOverflow);
        }
        let slow = self.new_block("limit_failed");
        let body = self.new_block("within_limit");
        let branch = self.b.build_conditional_branch(below, slow, body)?;
        self.unlikely(branch)?;
        self.b.position_at_end(slow);
        if !in_loop {
            let real = self
                .load_field(
                    store_ctx,
                    crate::vm::VMStoreContext::THREAD_STACK_LIMIT,
                    i64t.into(),
                    false,
                )?
                .into_int_value();
            let exhausted =
                self.b
                    .build_int_compare(inkwell::IntPredicate::ULT, fp, real, "exhausted")?;
            self.trap_if(exhausted, TrapCode::StackOverflow)?;
        }
        let address = self
            .load_field(
                store_ctx,
                crate::vm::VMStoreContext::EPOCH_ADDRESS,
                abi::ptr_type(self.ctx).into(),
                true,
            )?
            .into_pointer_value();
        let epoch = self.b.build_load(i64t, address, "epoch")?.into_int_value();
        self.atomic(epoch)?;
        let deadline = self
            .load_field(
                store_ctx,
                crate::vm::VMStoreContext::EPOCH_DEADLINE,
                i64t.into(),
                false,
            )?
            .into_int_value();
        self.atomic(deadline)?;
        let reached =
            self.b
                .build_int_compare(inkwell::IntPredicate::UGE, epoch, deadline, "interrupted")?;
        self.trap_if(reached, TrapCode::Interrupted)?;
        self.b.build_unconditional_branch(body)?;
        self.b.position_at_end(body);
        Ok(())
    }

    /// Makes `load` (an 8-byte load) a monotonic atomic one.
    fn atomic(&self, load: IntValue<'c>) -> Result<()> {
        let load = load.as_instruction_value().expect("a load");
        load.set_atomic_ordering(inkwell::AtomicOrdering::Monotonic)
            .and_then(|_| load.set_alignment(8))
            .map_err(|e| Error::new(format!("internal error: {e}")))
    }

    /// Baseline tier: adds one to the function's hotness counter (on entry and at loop headers),
    /// which the tier-up worker reads to optimise the hottest functions first. A volatile 4-byte
    /// load and store, each one `mov` that the worker's relaxed atomic load may see or not, not
    /// an atomic add: a lost increment from a race costs nothing. Not atomic ones either: LLVM's
    /// fast instruction selector hands any block with an atomic store to SelectionDAG, which
    /// costs baseline compiles about 1% more instructions (callgrind of biome's first call).
    pub(super) fn count_hotness(&mut self) -> Result<()> {
        if self.env.tier != super::CodeKind::Baseline {
            return Ok(());
        }
        let counters = self.load_vmctx_ptr(crate::vm::VMOffsets::COUNTERS)?;
        let defined = self.index - self.env.info.num_imported_functions;
        let slot = self.field_addr(counters, defined * crate::vm::COUNTER_SIZE)?;
        let i32t = self.ctx.i32_type();
        let count = self.b.build_load(i32t, slot, "count")?;
        let volatile = |v: inkwell::values::InstructionValue<'c>| -> Result<()> {
            v.set_alignment(4)
                .and_then(|()| v.set_volatile(true))
                .map_err(|e| Error::new(format!("internal error: {e}")))
        };
        volatile(count.as_instruction_value().expect("a load"))?;
        let next =
            self.b
                .build_int_add(count.into_int_value(), i32t.const_int(1, false), "count")?;
        volatile(self.b.build_store(slot, next)?)?;
        Ok(())
    }

    // ---- operand stack ------------------------------------------------------------------------

    pub(super) fn push(&mut self, v: impl BasicValue<'c>) {
        self.stack.push(v.as_basic_value_enum());
    }

    pub(super) fn pop(&mut self) -> BasicValueEnum<'c> {
        self.stack
            .pop()
            .expect("validated code never underflows the operand stack")
    }

    pub(super) fn pop_int(&mut self) -> IntValue<'c> {
        self.pop().into_int_value()
    }

    pub(super) fn pop_float(&mut self) -> FloatValue<'c> {
        self.pop().into_float_value()
    }

    pub(super) fn pop_ptr(&mut self) -> PointerValue<'c> {
        self.pop().into_pointer_value()
    }

    /// Pops `n` values, returned in stack order.
    pub(super) fn pop_n(&mut self, n: usize) -> Vec<BasicValueEnum<'c>> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    /// The top `n` values, in stack order, left in place.
    pub(super) fn peek_n(&self, n: usize) -> Vec<BasicValueEnum<'c>> {
        self.stack[self.stack.len() - n..].to_vec()
    }

    // ---- blocks and phis ----------------------------------------------------------------------

    /// Creates one phi per type at the start of the (empty) block `bb`.
    pub(super) fn phis_in(
        &mut self,
        bb: BasicBlock<'c>,
        types: &[ValType],
    ) -> Result<Vec<PhiValue<'c>>> {
        let current = self.b.get_insert_block();
        self.b.position_at_end(bb);
        let mut phis = Vec::with_capacity(types.len());
        for &t in types {
            phis.push(self.b.build_phi(abi::llvm_type(self.ctx, t)?, "phi")?);
        }
        if let Some(bb) = current {
            self.b.position_at_end(bb);
        }
        Ok(phis)
    }

    /// Adds `values` as incoming from the current block to `phis`.
    pub(super) fn add_incoming(&self, phis: &[PhiValue<'c>], values: &[BasicValueEnum<'c>]) {
        let here = self.b.get_insert_block().expect("positioned");
        for (phi, v) in phis.iter().zip(values) {
            phi.add_incoming(&[(v as &dyn BasicValue, here)]);
        }
    }

    pub(super) fn new_block(&self, name: &str) -> BasicBlock<'c> {
        self.ctx.append_basic_block(self.func, name)
    }

    /// The parameter and result types of a block type.
    pub(super) fn block_signature(
        &self,
        ty: wasmparser::BlockType,
    ) -> Result<(Vec<ValType>, Vec<ValType>)> {
        Ok(match ty {
            wasmparser::BlockType::Empty => (vec![], vec![]),
            wasmparser::BlockType::Type(t) => (
                vec![],
                vec![ValType::from_wasmparser(t, &self.env.info.type_ids)?],
            ),
            wasmparser::BlockType::FuncType(i) => {
                let f = self.env.info.type_at(i);
                (f.params.clone(), f.results.clone())
            }
        })
    }

    // ---- traps ----------------------------------------------------------------------------------

    /// The block that raises `code` for the current operator (one per code and operator).
    pub(super) fn trap_block(&mut self, code: TrapCode) -> Result<BasicBlock<'c>> {
        if let Some(bb) = self.trap_blocks.get(&(code, self.offset)) {
            return Ok(*bb);
        }
        let bb = self.new_block("trap");
        let current = self.b.get_insert_block();
        self.b.position_at_end(bb);
        let trap = abi::declare_builtin(self.ctx, self.module, Builtin::Trap);
        let code_value = self.ctx.i32_type().const_int(code as u64, false);
        self.b.build_call(trap, &[code_value.into()], "")?;
        self.b.build_unreachable()?;
        if let Some(current) = current {
            self.b.position_at_end(current);
        }
        self.trap_blocks.insert((code, self.offset), bb);
        Ok(bb)
    }

    /// Traps with `code` when `cond` holds; continues in a new block otherwise.
    pub(super) fn trap_if(&mut self, cond: IntValue<'c>, code: TrapCode) -> Result<()> {
        let trap = self.trap_block(code)?;
        let cont = self.new_block("ok");
        self.b.build_conditional_branch(cond, trap, cont)?;
        self.b.position_at_end(cont);
        Ok(())
    }

    /// Marks a conditional branch's first successor as rarely taken (block placement keeps
    /// the second on the straight path).
    pub(super) fn unlikely(&self, branch: inkwell::values::InstructionValue<'c>) -> Result<()> {
        let i32t = self.ctx.i32_type();
        let weights = self.ctx.metadata_node(&[
            self.ctx.metadata_string("branch_weights").into(),
            i32t.const_int(1, false).into(),
            i32t.const_int(1 << 20, false).into(),
        ]);
        branch
            .set_metadata(weights, self.ctx.get_kind_id("prof"))
            .map_err(|e| Error::new(format!("internal error: {e}")))
    }

    /// Ends the current block by raising the trap whose code is the run-time value `code`.
    pub(super) fn raise_code(&mut self, code: IntValue<'c>) -> Result<()> {
        let trap = abi::declare_builtin(self.ctx, self.module, Builtin::Trap);
        self.b.build_call(trap, &[code.into()], "")?;
        self.b.build_unreachable()?;
        Ok(())
    }

    /// Raises the trap whose code is the run-time value `code` when `cond` holds; continues in
    /// a new block otherwise.
    pub(super) fn raise_code_if(&mut self, cond: IntValue<'c>, code: IntValue<'c>) -> Result<()> {
        let raise = self.new_block("raise");
        let cont = self.new_block("ok");
        self.b.build_conditional_branch(cond, raise, cont)?;
        self.b.position_at_end(raise);
        self.raise_code(code)?;
        self.b.position_at_end(cont);
        Ok(())
    }

    /// Traps with `code` when the builtin's returned trap code is not zero.
    pub(super) fn trap_on_status(&mut self, status: IntValue<'c>) -> Result<()> {
        let failed = self.b.build_int_compare(
            inkwell::IntPredicate::NE,
            status,
            self.ctx.i32_type().const_zero(),
            "failed",
        )?;
        self.raise_code_if(failed, status)
    }

    // ---- vmctx access ---------------------------------------------------------------------------

    /// A field of type `ty` at `offset` bytes from `base`. `invariant` fields never change once
    /// instantiated (LLVM may then reuse and hoist the load).
    pub(super) fn load_field(
        &self,
        base: PointerValue<'c>,
        offset: u32,
        ty: BasicTypeEnum<'c>,
        invariant: bool,
    ) -> Result<BasicValueEnum<'c>> {
        let addr = self.field_addr(base, offset)?;
        let value = self.b.build_load(ty, addr, "field")?;
        self.tags.tag(
            value.as_instruction_value().expect("a load"),
            self.tags.runtime,
        )?;
        if invariant {
            let kind = self.ctx.get_kind_id("invariant.load");
            let node = self.ctx.metadata_node(&[]);
            value
                .as_instruction_value()
                .expect("a load")
                .set_metadata(node, kind)
                .map_err(|e| Error::new(format!("internal error: {e}")))?;
        }
        Ok(value)
    }

    /// Builds with `build` at the end of the entry block (before its terminator, if it has one),
    /// without a debug location, then goes back to where the builder was. What it builds runs
    /// once per call and dominates the whole body: for loads of what never changes while the
    /// instance lives, which no optimisation then has to prove it may hoist out of loops.
    pub(super) fn in_entry_block<T>(
        &mut self,
        build: impl FnOnce(&Self) -> Result<T>,
    ) -> Result<T> {
        let entry = self.func.get_first_basic_block().expect("an entry block");
        let here = self.b.get_insert_block().expect("a current block");
        let location = self.b.get_current_debug_location();
        match entry.get_terminator() {
            Some(terminator) => self.b.position_before(&terminator),
            None => self.b.position_at_end(entry),
        }
        self.b.unset_current_debug_location();
        let result = build(self);
        self.b.position_at_end(here);
        if let Some(location) = location {
            self.b.set_current_debug_location(location);
        }
        result
    }

    /// Records on the load that produced `pointer` that `size` bytes at it, aligned to `align`,
    /// are always there (`!dereferenceable`, `!align`, `!nonnull`).
    pub(super) fn assume_dereferenceable(
        &self,
        pointer: PointerValue<'c>,
        size: u64,
        align: u64,
    ) -> Result<()> {
        let Some(load) = pointer.as_instruction_value() else {
            return Ok(());
        };
        let i64t = self.ctx.i64_type();
        for (name, value) in [
            ("dereferenceable", Some(size)),
            ("align", Some(align)),
            ("nonnull", None),
        ] {
            let kind = self.ctx.get_kind_id(name);
            let node = match value {
                Some(v) => self.ctx.metadata_node(&[i64t.const_int(v, false).into()]),
                None => self.ctx.metadata_node(&[]),
            };
            load.set_metadata(node, kind)
                .map_err(|e| Error::new(format!("internal error: {e}")))?;
        }
        Ok(())
    }

    pub(super) fn field_addr(
        &self,
        base: PointerValue<'c>,
        offset: u32,
    ) -> Result<PointerValue<'c>> {
        if offset == 0 {
            return Ok(base);
        }
        let off = self.ctx.i64_type().const_int(offset as u64, false);
        // SAFETY (of the generated code): offsets come from VMOffsets and the VM structures.
        Ok(unsafe { self.b.build_gep(self.ctx.i8_type(), base, &[off], "addr")? })
    }

    /// The pointer stored in the vmctx at `offset` (these never change for an instance).
    pub(super) fn load_vmctx_ptr(&self, offset: u32) -> Result<PointerValue<'c>> {
        Ok(self
            .load_field(self.vmctx, offset, abi::ptr_type(self.ctx).into(), true)?
            .into_pointer_value())
    }

    /// The integer type of `bits` bits (8, 16, 32 or 64).
    pub(super) fn int_of_width(&self, bits: u32) -> inkwell::types::IntType<'c> {
        match bits {
            8 => self.ctx.i8_type(),
            16 => self.ctx.i16_type(),
            32 => self.ctx.i32_type(),
            _ => self.ctx.i64_type(),
        }
    }

    pub(super) fn i32_const(&self, v: u32) -> IntValue<'c> {
        self.ctx.i32_type().const_int(v as u64, false)
    }

    /// A call of `callee`: inside a `try_table`, an `invoke` whose unwinding goes to the
    /// innermost landing pad (the builder continues in the normal successor); else a `call`.
    pub(super) fn call_site(
        &mut self,
        callee: Callee<'c>,
        args: &[inkwell::values::BasicMetadataValueEnum<'c>],
    ) -> Result<inkwell::values::CallSiteValue<'c>> {
        let Some(&pad) = self.handlers.last() else {
            return Ok(match callee {
                Callee::Direct(f) => self.b.build_call(f, args, "call")?,
                Callee::Indirect(ty, code) => self.b.build_indirect_call(ty, code, args, "call")?,
            });
        };
        let args: Vec<BasicValueEnum<'c>> = args
            .iter()
            .map(|a| {
                (*a).try_into()
                    .map_err(|_| Error::new("internal error: a metadata argument to an invoke"))
            })
            .collect::<Result<_>>()?;
        let cont = self.new_block("invoke_cont");
        let site = match callee {
            Callee::Direct(f) => self.b.build_invoke(f, &args, cont, pad, "call")?,
            Callee::Indirect(ty, code) => self
                .b
                .build_indirect_invoke(ty, code, &args, cont, pad, "call")?,
        };
        self.b.position_at_end(cont);
        Ok(site)
    }

    /// Calls a builtin with the vmctx first.
    pub(super) fn call_builtin(
        &mut self,
        builtin: Builtin,
        args: &[inkwell::values::BasicMetadataValueEnum<'c>],
    ) -> Result<Option<BasicValueEnum<'c>>> {
        let f = abi::declare_builtin(self.ctx, self.module, builtin);
        let mut all = vec![self.vmctx.into()];
        all.extend_from_slice(args);
        Ok(self
            .b
            .build_call(f, &all, "builtin")?
            .try_as_basic_value()
            .basic())
    }
}

/// Type-based alias analysis tags (LLVM's `!tbaa`) that tell the optimiser linear memory and
/// the runtime's structures (the vmctx, `VMMemory`, `VMTable`, globals' storage, function
/// references) never overlap: every linear-memory access carries `heap`, and every load
/// [`FuncTranslator::load_field`] makes carries `runtime`, so such a load may move across, or
/// be hoisted out of a loop past, the (volatile) linear-memory stores: a 64-bit memory's length
/// for its bounds checks, a table's length and base, a global's value. Stores to the runtime's
/// structures (`global.set`, `table.set`) stay untagged, so that nothing moves them across a
/// linear-memory access that may trap: a global's new value must be there when the trap
/// returns to the host.
#[derive(Clone, Copy)]
pub(super) struct AccessTags<'c> {
    pub(super) heap: inkwell::values::MetadataValue<'c>,
    pub(super) runtime: inkwell::values::MetadataValue<'c>,
    kind: u32,
}

impl<'c> AccessTags<'c> {
    fn new(ctx: &'c Context) -> Self {
        let root = ctx.metadata_node(&[ctx.metadata_string("wasmo").into()]);
        let zero = ctx.i64_type().const_zero();
        let tag = |name: &str| {
            let ty =
                ctx.metadata_node(&[ctx.metadata_string(name).into(), root.into(), zero.into()]);
            ctx.metadata_node(&[ty.into(), ty.into(), zero.into()])
        };
        AccessTags {
            heap: tag("linear memory"),
            runtime: tag("runtime"),
            kind: ctx.get_kind_id("tbaa"),
        }
    }

    pub(super) fn tag(
        &self,
        access: inkwell::values::InstructionValue<'c>,
        tag: inkwell::values::MetadataValue<'c>,
    ) -> Result<()> {
        access
            .set_metadata(tag, self.kind)
            .map_err(|e| Error::new(format!("internal error: {e}")))
    }
}

/// Operators of the proposals the translator implements forward to the inherent method of the
/// same name (in the per-category files); every other operator is refused with its proposal.
macro_rules! dispatch_visit {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                dispatch_visit!(@body $proposal self $visit $op ($($($arg)*)?))
            }
        )*
    };
    (@body mvp $s:ident $visit:ident $op:ident ($($arg:ident)*)) => { dispatch_visit!(@call $s $visit $($arg)*) };
    (@body sign_extension $s:ident $visit:ident $op:ident ($($arg:ident)*)) => { dispatch_visit!(@call $s $visit $($arg)*) };
    (@body saturating_float_to_int $s:ident $visit:ident $op:ident ($($arg:ident)*)) => { dispatch_visit!(@call $s $visit $($arg)*) };
    (@body bulk_memory $s:ident $visit:ident $op:ident ($($arg:ident)*)) => { dispatch_visit!(@call $s $visit $($arg)*) };
    (@body reference_types $s:ident $visit:ident $op:ident ($($arg:ident)*)) => { dispatch_visit!(@call $s $visit $($arg)*) };
    (@body tail_call $s:ident $visit:ident $op:ident ($($arg:ident)*)) => { dispatch_visit!(@call $s $visit $($arg)*) };
    (@body function_references $s:ident $visit:ident $op:ident ($($arg:ident)*)) => { dispatch_visit!(@call $s $visit $($arg)*) };
    (@body exceptions $s:ident $visit:ident $op:ident ($($arg:ident)*)) => { dispatch_visit!(@call $s $visit $($arg)*) };
    (@body legacy_exceptions $s:ident $visit:ident $op:ident ($($arg:ident)*)) => { dispatch_visit!(@call $s $visit $($arg)*) };
    (@body $proposal:ident $s:ident $visit:ident $op:ident ($($arg:ident)*)) => {{
        $( let _ = $arg; )*
        if !$s.reachable {
            return Ok(());
        }
        Err(unsupported_operator(stringify!($op), stringify!($proposal)))
    }};
    (@call $s:ident $visit:ident $($arg:ident)*) => {{
        if !$s.reachable && !is_structural(stringify!($visit)) {
            return Ok(());
        }
        const SILENT: bool = is_silent(stringify!($visit).as_bytes());
        $s.locate(!SILENT);
        FuncTranslator::$visit($s $(, $arg)*)
    }};
}

/// Operators that must be seen even in unreachable code (they open or close frames).
fn is_structural(visit: &str) -> bool {
    matches!(
        visit,
        "visit_block"
            | "visit_loop"
            | "visit_if"
            | "visit_else"
            | "visit_end"
            | "visit_try_table"
            | "visit_try"
            | "visit_catch"
            | "visit_catch_all"
            | "visit_delegate"
    )
}

/// Operators whose code can neither trap nor call, so no frame or trap can ever be at their
/// instructions: they get no debug location (see [`FuncTranslator::locate`]). Locals, globals,
/// constants, `select`, the numeric operators but integer division and remainder and the
/// trapping float-to-int truncations, and the SIMD operators but loads and stores. Decided
/// when compiling Wasmo (a `const`), from the visitor's name.
const fn is_silent(visit: &[u8]) -> bool {
    const fn starts(s: &[u8], p: &[u8]) -> bool {
        if s.len() < p.len() {
            return false;
        }
        let mut i = 0;
        while i < p.len() {
            if s[i] != p[i] {
                return false;
            }
            i += 1;
        }
        true
    }
    const fn has(s: &[u8], p: &[u8]) -> bool {
        let mut i = 0;
        while i + p.len() <= s.len() {
            let mut j = 0;
            while j < p.len() && s[i + j] == p[j] {
                j += 1;
            }
            if j == p.len() {
                return true;
            }
            i += 1;
        }
        false
    }
    const fn is(s: &[u8], p: &[u8]) -> bool {
        s.len() == p.len() && starts(s, p)
    }
    const fn any(visit: &[u8], list: &[&[u8]], prefix: bool) -> bool {
        let mut i = 0;
        while i < list.len() {
            if (prefix && starts(visit, list[i])) || (!prefix && is(visit, list[i])) {
                return true;
            }
            i += 1;
        }
        false
    }
    let plain = [
        b"visit_nop".as_slice(),
        b"visit_drop",
        b"visit_select",
        b"visit_typed_select",
        b"visit_typed_select_multi",
        b"visit_local_get",
        b"visit_local_set",
        b"visit_local_tee",
        b"visit_global_get",
        b"visit_global_set",
        b"visit_ref_null",
        b"visit_ref_is_null",
    ];
    if any(visit, &plain, false) {
        return true;
    }
    if has(visit, b"load") || has(visit, b"store") || has(visit, b"atomic") {
        return false;
    }
    if starts(visit, b"visit_i32_") || starts(visit, b"visit_i64_") {
        return !has(visit, b"_div_") && !has(visit, b"_rem_") && !has(visit, b"_trunc_f");
    }
    let families = [
        b"visit_f32_".as_slice(),
        b"visit_f64_",
        b"visit_v128_",
        b"visit_i8x16_",
        b"visit_i16x8_",
        b"visit_i32x4_",
        b"visit_i64x2_",
        b"visit_f32x4_",
        b"visit_f64x2_",
    ];
    any(visit, &families, true)
}

pub(super) fn unsupported_operator(op: &str, proposal: &str) -> Error {
    let proposal = proposal.replace('_', "-");
    Error::unsupported(format_args!("operator `{op}`"), &proposal)
}

impl<'a> wasmparser::VisitOperator<'a> for FuncTranslator<'_, '_> {
    type Output = Result<()>;

    fn simd_visitor(
        &mut self,
    ) -> Option<&mut dyn wasmparser::VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(dispatch_visit);
}
