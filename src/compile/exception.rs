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
use super::translate::{Callee, Frame, FrameKind, FuncTranslator};
use crate::error::{Error, Result};
use crate::module::types::ValType;
use crate::vm::TrapCode;
use inkwell::basic_block::BasicBlock;
use inkwell::values::{BasicMetadataValueEnum, BasicValueEnum, PointerValue};
use inkwell::IntPredicate;

type R = Result<()>;

/// Offsets in an exception object (`runtime/exception.c`).
const EXCEPTION_TAG: u32 = 32;
const EXCEPTION_VALUES: u32 = 80;

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
        self.handlers.push(pad);
        self.push_block(FrameKind::TryTable, params.len(), &results, "try_table_end")
    }

    /// The landing pad of a `try_table` with `catches`, and the dispatch to its clauses.
    fn landing_pad(&mut self, catches: &[wasmparser::Catch]) -> Result<BasicBlock<'c>> {
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
                let no = self.branch_on_tag(thrown, tag)?;
                values = self.payload(exn, tag)?;
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

    /// Branches on whether the thrown exception's tag (`thrown`) is `tag`: continues in the
    /// block where it is, and returns the block where it is not.
    fn branch_on_tag(&mut self, thrown: PointerValue<'c>, tag: u32) -> Result<BasicBlock<'c>> {
        let want = self.load_vmctx_ptr(self.env.offsets.tag(tag))?;
        let hit = self
            .b
            .build_int_compare(IntPredicate::EQ, thrown, want, "hit")?;
        let (yes, no) = (self.new_block("catch"), self.new_block("catch_next"));
        self.b.build_conditional_branch(hit, yes, no)?;
        self.b.position_at_end(yes);
        Ok(no)
    }

    /// The payload of exception `exn` of tag `tag`.
    fn payload(&mut self, exn: PointerValue<'c>, tag: u32) -> Result<Vec<BasicValueEnum<'c>>> {
        let mut values = Vec::new();
        for (i, &t) in self.tag_params(tag).iter().enumerate() {
            let slot = self.field_addr(exn, EXCEPTION_VALUES + 16 * i as u32)?;
            values.push(
                self.b
                    .build_load(abi::llvm_type(self.ctx, t)?, slot, "payload")?,
            );
        }
        Ok(values)
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

/// A legacy `try` (the exception-handling instructions emscripten's `-fwasm-exceptions` emitted
/// for years): its body's calls unwind to `pad`, built when the body ends, since only then is it
/// known whether `catch` clauses or a `delegate` follow.
pub(super) struct LegacyTry<'c> {
    pad: BasicBlock<'c>,
    /// `delegate`: how many of `handlers` cover the target frame's code; the body's exceptions
    /// go on to the last of them (none: to the caller).
    delegate: Option<usize>,
    /// Set by the first `catch` or `catch_all`.
    caught: Option<Caught<'c>>,
}

/// The clauses of a legacy `try`, while one of them is being translated.
struct Caught<'c> {
    /// The exception the clauses handle, which `rethrow` raises again and each clause owns a
    /// share of until it ends (none: no call site unwinds to the pad, so no clause is reached).
    exn: Option<PointerValue<'c>>,
    /// The exception's tag, and the block where the next clause's test goes (none after
    /// `catch_all`).
    thrown: Option<PointerValue<'c>>,
    next: Option<BasicBlock<'c>>,
    /// The clauses' clean-up pad: an exception leaving a clause lets go of `exn` there and goes
    /// on outwards.
    cleanup: BasicBlock<'c>,
}

impl<'c> LegacyTry<'c> {
    /// The exception the clause being translated owns, if inside one.
    pub(super) fn caught_exception(&self) -> Option<PointerValue<'c>> {
        self.caught.as_ref().and_then(|c| c.exn)
    }
}

impl<'c> FuncTranslator<'c, '_> {
    pub(super) fn visit_try(&mut self, ty: wasmparser::BlockType) -> R {
        if !self.reachable {
            self.dead_depth += 1;
            return Ok(());
        }
        let (params, results) = self.block_signature(ty)?;
        let pad = self.new_block("try_pad");
        self.handlers.push(pad);
        let t = LegacyTry {
            pad,
            delegate: None,
            caught: None,
        };
        self.push_block(
            FrameKind::Try(Box::new(t)),
            params.len(),
            &results,
            "try_end",
        )
    }

    pub(super) fn visit_catch(&mut self, tag_index: u32) -> R {
        self.legacy_clause(Some(tag_index))
    }

    pub(super) fn visit_catch_all(&mut self) -> R {
        self.legacy_clause(None)
    }

    /// Starts a `catch` clause of `tag` (a `catch_all` without): the previous arm goes on to
    /// the construct's end, and the clause is entered from the pad's dispatch, which tests the
    /// clauses in order.
    fn legacy_clause(&mut self, tag: Option<u32>) -> R {
        if self.dead_depth > 0 {
            return Ok(());
        }
        let frame = self.control.last().expect("validated: catch inside try");
        let (merge, phis, height) = (frame.merge, frame.merge_phis.clone(), frame.height);
        if self.reachable {
            let exn = self.legacy_try()?.caught_exception();
            self.release(&exn.into_iter().collect::<Vec<_>>())?;
            let results = self.pop_n(phis.len());
            self.add_incoming(&phis, &results);
            self.b.build_unconditional_branch(merge)?;
        }
        self.stack.truncate(height);
        if self.legacy_try()?.caught.is_none() {
            // The body ends: its pad becomes the clauses' dispatch.
            self.handlers.pop();
            let pad = self.legacy_try()?.pad;
            let (exn, thrown, next) = if pad.get_first_use().is_none() {
                // SAFETY: the block has no uses and no instructions.
                unsafe { pad.delete() }
                    .map_err(|_| Error::new("internal error: deleting a block"))?;
                (None, None, None)
            } else {
                self.b.position_at_end(pad);
                let exn = self.catch_all_pad()?;
                let ptr = abi::ptr_type(self.ctx);
                let thrown = self
                    .load_field(exn, EXCEPTION_TAG, ptr.into(), false)?
                    .into_pointer_value();
                (Some(exn), Some(thrown), Some(pad))
            };
            let cleanup = self.new_block("catch_cleanup");
            self.handlers.push(cleanup);
            self.legacy_try()?.caught = Some(Caught {
                exn,
                thrown,
                next,
                cleanup,
            });
        }
        let c = self.legacy_try()?.caught.as_ref().expect("set above");
        let (Some(exn), Some(thrown), Some(next)) = (c.exn, c.thrown, c.next) else {
            // Nothing reaches this clause.
            self.reachable = false;
            return Ok(());
        };
        self.b.position_at_end(next);
        let next = match tag {
            Some(tag) => {
                let no = self.branch_on_tag(thrown, tag)?;
                let values = self.payload(exn, tag)?;
                self.stack.extend(values);
                Some(no)
            }
            None => {
                let body = self.new_block("catch_all");
                self.b.build_unconditional_branch(body)?;
                self.b.position_at_end(body);
                None
            }
        };
        self.legacy_try()?.caught.as_mut().expect("set above").next = next;
        self.reachable = true;
        Ok(())
    }

    /// The innermost frame, which must be a legacy `try`.
    fn legacy_try(&mut self) -> Result<&mut LegacyTry<'c>> {
        match self.control.last_mut().map(|f| &mut f.kind) {
            Some(FrameKind::Try(t)) => Ok(t),
            _ => Err(Error::new("internal error: catch outside a try")),
        }
    }

    /// `delegate`: the body's exceptions go on to the handler of frame `relative_depth` (counted
    /// from outside the `try`): whatever covers that frame's own code, which for a `try` body or
    /// a `try_table` is its pad, for a running `catch` clause its clean-up, and for the function
    /// frame the caller.
    pub(super) fn visit_delegate(&mut self, relative_depth: u32) -> R {
        if self.dead_depth > 0 {
            self.dead_depth -= 1;
            return Ok(());
        }
        let n = self.control.len();
        let covered = self.control[n - 2 - relative_depth as usize].handlers;
        self.legacy_try()?.delegate = Some(covered);
        self.visit_end()
    }

    /// Builds what a legacy `try` leaves to its end (`visit_end`, after its frame and handler
    /// are gone): the pad of a body without clauses, which passes exceptions on (to the
    /// `delegate` target), or the dispatch's miss and the clauses' clean-up pad.
    pub(super) fn finish_try(&mut self, t: LegacyTry<'c>) -> R {
        let (here, reachable) = (self.b.get_insert_block(), self.reachable);
        match t.caught {
            None => {
                if let Some(exn) = self.pad_in(t.pad)? {
                    let outer = match t.delegate {
                        Some(covered) => self.handlers.split_off(covered),
                        None => Vec::new(),
                    };
                    let raised = self.raise(Builtin::Rethrow, &[exn.into()]);
                    self.handlers.extend(outer);
                    raised?;
                }
            }
            Some(c) => {
                if let (Some(exn), Some(next)) = (c.exn, c.next) {
                    // No clause matched: on outwards, with the pad's share.
                    self.b.position_at_end(next);
                    self.raise(Builtin::Rethrow, &[exn.into()])?;
                }
                if let Some(thrown) = self.pad_in(c.cleanup)? {
                    if let Some(exn) = c.exn {
                        self.release(&[exn])?;
                    }
                    self.raise(Builtin::Rethrow, &[thrown.into()])?;
                }
            }
        }
        if let Some(here) = here {
            self.b.position_at_end(here);
        }
        self.reachable = reachable;
        Ok(())
    }

    /// Starts landing pad `pad` and returns the exception it catches, or deletes it and returns
    /// none if no call site unwinds there.
    fn pad_in(&mut self, pad: BasicBlock<'c>) -> Result<Option<PointerValue<'c>>> {
        if pad.get_first_use().is_none() {
            // SAFETY: the block has no uses and no instructions.
            unsafe { pad.delete() }.map_err(|_| Error::new("internal error: deleting a block"))?;
            return Ok(None);
        }
        self.b.position_at_end(pad);
        Ok(Some(self.catch_all_pad()?))
    }

    /// A catch-all landing pad at the builder's position; returns the exception.
    fn catch_all_pad(&mut self) -> Result<PointerValue<'c>> {
        abi::landing_pad(self.ctx, self.module, self.func, &self.b, abi::PERSONALITY)
    }

    /// `rethrow`: raises the exception of the `catch` clause `relative_depth` frames out again.
    pub(super) fn visit_rethrow(&mut self, relative_depth: u32) -> R {
        let exn = match &self.target(relative_depth).kind {
            FrameKind::Try(t) => t.caught_exception(),
            _ => None,
        }
        .ok_or_else(|| Error::new("internal error: rethrow outside a catch clause"))?;
        let retain = abi::declare_builtin(self.ctx, self.module, Builtin::ExceptionRetain);
        self.b.build_call(retain, &[exn.into()], "")?;
        self.raise(Builtin::Rethrow, &[exn.into()])
    }

    /// The exceptions the running legacy `catch` clauses among `frames` own.
    pub(super) fn caught(frames: &[Frame<'c>]) -> Vec<PointerValue<'c>> {
        frames
            .iter()
            .filter_map(|f| match &f.kind {
                FrameKind::Try(t) => t.caught_exception(),
                _ => None,
            })
            .collect()
    }

    /// Lets go of the clauses' exceptions `exns` (control leaves their clauses).
    pub(super) fn release(&mut self, exns: &[PointerValue<'c>]) -> R {
        let done = abi::declare_builtin(self.ctx, self.module, Builtin::ExceptionDone);
        for &exn in exns {
            self.b.build_call(done, &[exn.into()], "")?;
        }
        Ok(())
    }
}
