//! Exception handling (Wasm 3.0): `try_table`, `throw`, `throw_ref`, on the platform's zero-cost
//! unwinder (runtime side in `runtime/exception.c`; docs/DESIGN.md "Exceptions").
//!
//! A `try_table` gets one landing pad, built when the construct opens: every call in its body is
//! an `invoke` unwinding there (`FuncTranslator::call_site`). The pad catches every exception
//! (a catch-all clause; the personality is libstdc++'s, which catches foreign exceptions only
//! so) and tries the clauses in order by comparing the exception's tag with the clause's (both
//! tag addresses: a tag's identity). The clauses' labels count from the frames around the
//! construct, which is the control stack as it is when the pad is built. When no clause matches,
//! the pad raises the exception again from this frame, so the search goes on outwards (through
//! the enclosing construct's pad, if any). A call outside every `try_table` stays a `call`:
//! nothing is executed for handlers while nothing is thrown.

use super::abi::{self, Builtin};
use super::translate::{Callee, FrameKind, FuncTranslator};
use crate::error::Result;
use crate::module::types::ValType;
use crate::vm::TrapCode;
use inkwell::values::{BasicMetadataValueEnum, PointerValue};
use inkwell::IntPredicate;

type R = Result<()>;

/// Offsets in an exception object (`runtime/exception.c`).
const EXCEPTION_TAG: u32 = 32;
const EXCEPTION_VALUES: u32 = 48;

impl<'c> FuncTranslator<'c, '_> {
    pub(super) fn visit_try_table(&mut self, table: wasmparser::TryTable) -> R {
        if !self.reachable {
            self.dead_depth += 1;
            return Ok(());
        }
        let (params, results) = self.block_signature(table.ty)?;
        let here = self.b.get_insert_block().expect("positioned");
        let pad = self.landing_pad(&table.catches)?;
        self.b.position_at_end(here);
        self.reachable = true;
        self.push_block(FrameKind::TryTable, params.len(), &results, "try_table_end")?;
        self.handlers.push(pad);
        Ok(())
    }

    /// The landing pad of a `try_table` with `catches`, and the dispatch to its clauses.
    fn landing_pad(
        &mut self,
        catches: &[wasmparser::Catch],
    ) -> Result<inkwell::basic_block::BasicBlock<'c>> {
        let ptr = abi::ptr_type(self.ctx);
        let pad = self.new_block("landing_pad");
        self.b.position_at_end(pad);
        let exn = abi::landing_pad(self.ctx, self.module, self.func, &self.b, abi::PERSONALITY)?;
        let thrown = self
            .load_field(exn, EXCEPTION_TAG, ptr.into(), false)?
            .into_pointer_value();
        for catch in catches {
            use wasmparser::Catch;
            let (tag, label, with_ref) = match *catch {
                Catch::One { tag, label } => (Some(tag), label, false),
                Catch::OneRef { tag, label } => (Some(tag), label, true),
                Catch::All { label } => (None, label, false),
                Catch::AllRef { label } => (None, label, true),
            };
            let mut values = Vec::new();
            let next = if let Some(tag) = tag {
                let want = self.load_vmctx_ptr(self.env.offsets.tag(tag))?;
                let hit = self
                    .b
                    .build_int_compare(IntPredicate::EQ, thrown, want, "hit")?;
                let (yes, no) = (self.new_block("catch"), self.new_block("catch_next"));
                self.b.build_conditional_branch(hit, yes, no)?;
                self.b.position_at_end(yes);
                let params = self.tag_params(tag);
                for (i, &t) in params.iter().enumerate() {
                    let slot = self.field_addr(exn, EXCEPTION_VALUES + 16 * i as u32)?;
                    values.push(self.b.build_load(
                        abi::llvm_type(self.ctx, t)?,
                        slot,
                        "payload",
                    )?);
                }
                Some(no)
            } else {
                None
            };
            if with_ref {
                self.call_builtin(Builtin::ExceptionKeep, &[exn.into()])?;
                values.push(exn.into());
            } else {
                let done = abi::declare_builtin(self.ctx, self.module, Builtin::ExceptionDone);
                self.b.build_call(done, &[exn.into()], "")?;
            }
            let n = values.len();
            self.stack.extend(values);
            let target = self.branch_to(label)?;
            self.b.build_unconditional_branch(target)?;
            self.stack.truncate(self.stack.len() - n);
            match next {
                Some(no) => self.b.position_at_end(no),
                None => return Ok(pad),
            }
        }
        // No clause matched: on outwards from here.
        self.raise(Builtin::Rethrow, &[exn.into()])?;
        Ok(pad)
    }

    /// The parameter types of tag `tag` (its exceptions' payload).
    fn tag_params(&self, tag: u32) -> Vec<ValType> {
        let info = &self.env.info;
        info.type_at(info.tags[tag as usize]).params.clone()
    }

    /// Calls the raising builtin `builtin`; it returns only when no handler caught the
    /// exception, which then traps. What follows is unreachable.
    fn raise(&mut self, builtin: Builtin, args: &[BasicMetadataValueEnum<'c>]) -> R {
        let f = abi::declare_builtin(self.ctx, self.module, builtin);
        self.call_site(Callee::Direct(f), args)?;
        let trap = abi::declare_builtin(self.ctx, self.module, Builtin::Trap);
        let code = self.i32_const(TrapCode::UncaughtException as u32);
        self.b.build_call(trap, &[code.into()], "")?;
        self.b.build_unreachable()?;
        self.reachable = false;
        Ok(())
    }

    pub(super) fn visit_throw(&mut self, tag_index: u32) -> R {
        let params = self.tag_params(tag_index);
        let values = self.pop_n(params.len());
        let slots = self.entry_slots(values.len().max(1) as u32)?;
        for (i, v) in values.iter().enumerate() {
            let slot = self.field_addr(slots, 16 * i as u32)?;
            self.b.build_store(slot, *v)?;
        }
        let tag = self.load_vmctx_ptr(self.env.offsets.tag(tag_index))?;
        let count = self.i32_const(values.len() as u32);
        self.raise(Builtin::Throw, &[tag.into(), slots.into(), count.into()])
    }

    /// `n` 16-byte value slots in the function's frame (allocated in the entry block, so a
    /// `throw` in a loop reuses them).
    fn entry_slots(&mut self, n: u32) -> Result<PointerValue<'c>> {
        let here = self.b.get_insert_block().expect("positioned");
        let entry = self.func.get_first_basic_block().expect("an entry block");
        match entry.get_first_instruction() {
            Some(first) => self.b.position_before(&first),
            None => self.b.position_at_end(entry),
        }
        let slots = self.b.build_array_alloca(
            self.ctx.i64_type().vec_type(2),
            self.i32_const(n),
            "payload",
        );
        self.b.position_at_end(here);
        Ok(slots?)
    }

    pub(super) fn visit_throw_ref(&mut self) -> R {
        let exn: PointerValue<'c> = self.pop().into_pointer_value();
        let null = self.b.build_is_null(exn, "null")?;
        self.trap_if(null, TrapCode::NullExceptionReference)?;
        self.raise(Builtin::Rethrow, &[exn.into()])
    }
}
