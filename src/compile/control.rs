//! Control operators: blocks, loops, `if`/`else`, `end`, branches, `return`, `unreachable`, and
//! the parametric `drop` and `select`. See the design comment in `translate.rs`.

use super::translate::{Frame, FrameKind, FuncTranslator};
use crate::error::{Error, Result};
use crate::vm::TrapCode;
use inkwell::values::BasicValueEnum;
use inkwell::IntPredicate;

type R = Result<()>;

impl<'c> FuncTranslator<'c, '_> {
    pub(super) fn visit_nop(&mut self) -> R {
        Ok(())
    }

    pub(super) fn visit_unreachable(&mut self) -> R {
        let trap = super::abi::declare_builtin(self.ctx, self.module, super::abi::Builtin::Trap);
        let code = self.i32_const(TrapCode::Unreachable as u32);
        self.b.build_call(trap, &[code.into()], "")?;
        self.b.build_unreachable()?;
        self.reachable = false;
        Ok(())
    }

    pub(super) fn visit_block(&mut self, ty: wasmparser::BlockType) -> R {
        if !self.reachable {
            self.dead_depth += 1;
            return Ok(());
        }
        let (params, results) = self.block_signature(ty)?;
        self.push_block(FrameKind::Block, params.len(), &results, "block_end")
    }

    /// Opens a frame of `kind` that branches forward to its end (a `block` or a `try_table`),
    /// taking `params` values from the stack and merging into `results` at `name`.
    pub(super) fn push_block(
        &mut self,
        kind: FrameKind<'c>,
        params: usize,
        results: &[crate::module::types::ValType],
        name: &str,
    ) -> R {
        let merge = self.new_block(name);
        let phis = self.phis_in(merge, results)?;
        self.control.push(Frame {
            kind,
            height: self.stack.len() - params,
            branch_target: merge,
            branch_phis: phis.clone(),
            merge,
            merge_phis: phis,
            self_called: false,
            handlers: self.handlers.len(),
        });
        Ok(())
    }

    pub(super) fn visit_loop(&mut self, ty: wasmparser::BlockType) -> R {
        let loop_index = self.loops;
        self.loops += 1;
        if !self.reachable {
            self.dead_depth += 1;
            return Ok(());
        }
        let (params, results) = self.block_signature(ty)?;
        let header = self.new_block("loop");
        let header_phis = self.phis_in(header, &params)?;
        let merge = self.new_block("loop_end");
        let merge_phis = self.phis_in(merge, &results)?;
        let entry_values = self.pop_n(params.len());
        self.add_incoming(&header_phis, &entry_values);
        let pred = self.b.get_insert_block().expect("positioned");
        self.b.build_unconditional_branch(header)?;
        self.b.position_at_end(header);
        self.osr_enter(loop_index, pred, header, &header_phis)?;
        // Every iteration passes the header: the baseline tier counts it, and may continue in
        // optimised code from here (`osr.rs`). (The epoch check is on the branches back to it,
        // in `branch_to`.)
        self.count_hotness()?;
        let height = self.stack.len();
        for phi in &header_phis {
            self.push(phi.as_basic_value());
        }
        self.osr_check(loop_index)?;
        self.control.push(Frame {
            kind: FrameKind::Loop,
            height,
            branch_target: header,
            branch_phis: header_phis,
            merge,
            merge_phis,
            self_called: false,
            handlers: self.handlers.len(),
        });
        Ok(())
    }

    pub(super) fn visit_if(&mut self, ty: wasmparser::BlockType) -> R {
        if !self.reachable {
            self.dead_depth += 1;
            return Ok(());
        }
        let (params, results) = self.block_signature(ty)?;
        let cond = self.pop_int();
        let cond = self
            .b
            .build_int_compare(IntPredicate::NE, cond, self.i32_const(0), "cond")?;
        let then_block = self.new_block("then");
        let else_block = self.new_block("else");
        let merge = self.new_block("if_end");
        let phis = self.phis_in(merge, &results)?;
        self.b
            .build_conditional_branch(cond, then_block, else_block)?;
        self.b.position_at_end(then_block);
        let params_values = self.peek_n(params.len());
        self.control.push(Frame {
            kind: FrameKind::If {
                else_block,
                params: params_values,
                has_else: false,
            },
            height: self.stack.len() - params.len(),
            branch_target: merge,
            branch_phis: phis.clone(),
            merge,
            merge_phis: phis,
            self_called: false,
            handlers: self.handlers.len(),
        });
        Ok(())
    }

    pub(super) fn visit_else(&mut self) -> R {
        if self.dead_depth > 0 {
            return Ok(());
        }
        let frame = self.control.last().expect("validated: else inside if");
        let (merge, phis, height) = (frame.merge, frame.merge_phis.clone(), frame.height);
        if self.reachable {
            let results = self.pop_n(phis.len());
            self.add_incoming(&phis, &results);
            self.b.build_unconditional_branch(merge)?;
        }
        self.stack.truncate(height);
        let frame = self.control.last_mut().unwrap();
        let FrameKind::If {
            else_block,
            params,
            has_else,
        } = &mut frame.kind
        else {
            return Err(Error::new("internal error: else without if"));
        };
        *has_else = true;
        let (else_block, params) = (*else_block, params.clone());
        self.b.position_at_end(else_block);
        self.stack.extend(params);
        self.reachable = true;
        Ok(())
    }

    pub(super) fn visit_end(&mut self) -> R {
        if self.dead_depth > 0 {
            self.dead_depth -= 1;
            return Ok(());
        }
        let mut frame = self.control.pop().expect("validated: end closes a frame");
        match std::mem::replace(&mut frame.kind, FrameKind::Block) {
            FrameKind::TryTable => {
                self.handlers.pop();
            }
            FrameKind::Try(t) => {
                if self.reachable {
                    if let Some(exn) = t.caught_exception() {
                        self.release(&[exn])?;
                    }
                }
                self.handlers.pop();
                self.finish_try(*t)?;
            }
            kind => frame.kind = kind,
        }
        if self.reachable {
            let results = self.pop_n(frame.merge_phis.len());
            self.add_incoming(&frame.merge_phis, &results);
            self.b.build_unconditional_branch(frame.merge)?;
        }
        if let FrameKind::If {
            else_block,
            params,
            has_else: false,
        } = &frame.kind
        {
            // No else arm: the parameters flow through as the results.
            self.b.position_at_end(*else_block);
            self.add_incoming(&frame.merge_phis, params);
            self.b.build_unconditional_branch(frame.merge)?;
        }
        self.stack.truncate(frame.height);
        self.b.position_at_end(frame.merge);
        if frame.merge.get_first_use().is_none() {
            // Nothing reaches the end of this construct.
            for phi in &frame.merge_phis {
                phi.as_instruction().erase_from_basic_block();
            }
            self.b.build_unreachable()?;
            self.reachable = false;
            return Ok(());
        }
        for phi in &frame.merge_phis {
            self.push(phi.as_basic_value());
        }
        self.reachable = true;
        if matches!(frame.kind, FrameKind::Function) {
            let ty = self.ty.clone();
            let results = self.pop_n(ty.results.len());
            super::abi::build_return(self.ctx, &self.b, &ty, &results)?;
            self.reachable = false;
        }
        Ok(())
    }

    /// The frame `depth` levels out, as wasm's branch instructions count.
    pub(super) fn target(&self, depth: u32) -> &Frame<'c> {
        &self.control[self.control.len() - 1 - depth as usize]
    }

    /// Adds the values a branch to `depth` carries to its phis, from the current block, and
    /// returns the block to branch to. A branch back to a loop's header goes through a block of
    /// its own on that edge that first checks the epoch (with epoch interruption): every
    /// repeated iteration takes it, a `br_if` that leaves the loop does not, and the header
    /// stays free of a trap branch, so the loads at its start (memory bases, table bounds) can
    /// still be hoisted out of the loop.
    pub(super) fn branch_to(&mut self, depth: u32) -> Result<inkwell::basic_block::BasicBlock<'c>> {
        let frame = self.target(depth);
        let (target, phis) = (frame.branch_target, frame.branch_phis.clone());
        // A recursive call on every path through this iteration checked at its entry already
        // (it cannot have been inlined: `visit_call` forbids it).
        let check = self.env.epoch_interruption
            && matches!(frame.kind, FrameKind::Loop)
            && !(depth == 0 && frame.self_called);
        // Leaving legacy `catch` clauses lets go of their exceptions.
        let crossed = self.control.len() - 1 - depth as usize;
        let releases = Self::caught(&self.control[crossed..]);
        let values = self.peek_n(phis.len());
        if !check && releases.is_empty() {
            self.add_incoming(&phis, &values);
            return Ok(target);
        }
        let here = self.b.get_insert_block().expect("positioned");
        let edge = self.new_block("branch_edge");
        self.b.position_at_end(edge);
        if check {
            self.epoch_check()?;
        }
        self.release(&releases)?;
        self.add_incoming(&phis, &values);
        self.b.build_unconditional_branch(target)?;
        self.b.position_at_end(here);
        Ok(edge)
    }

    pub(super) fn visit_br(&mut self, relative_depth: u32) -> R {
        let target = self.branch_to(relative_depth)?;
        self.b.build_unconditional_branch(target)?;
        self.reachable = false;
        Ok(())
    }

    pub(super) fn visit_br_if(&mut self, relative_depth: u32) -> R {
        let cond = self.pop_int();
        let cond = self
            .b
            .build_int_compare(IntPredicate::NE, cond, self.i32_const(0), "cond")?;
        let target = self.branch_to(relative_depth)?;
        let cont = self.new_block("br_if_cont");
        self.b.build_conditional_branch(cond, target, cont)?;
        self.b.position_at_end(cont);
        Ok(())
    }

    /// `br_on_null`: branches with the values below the reference if it is null, else keeps
    /// it.
    pub(super) fn visit_br_on_null(&mut self, relative_depth: u32) -> R {
        let r = self.pop().into_pointer_value();
        let null = self.b.build_is_null(r, "null")?;
        let target = self.branch_to(relative_depth)?;
        let cont = self.new_block("br_on_null_cont");
        self.b.build_conditional_branch(null, target, cont)?;
        self.b.position_at_end(cont);
        self.push(BasicValueEnum::PointerValue(r));
        Ok(())
    }

    /// `br_on_non_null`: branches with the reference (and the values below) if it is not
    /// null, else drops it.
    pub(super) fn visit_br_on_non_null(&mut self, relative_depth: u32) -> R {
        let r = self.peek_n(1)[0].into_pointer_value();
        let non_null = self.b.build_is_not_null(r, "non_null")?;
        let target = self.branch_to(relative_depth)?;
        let cont = self.new_block("br_on_non_null_cont");
        self.b.build_conditional_branch(non_null, target, cont)?;
        self.b.position_at_end(cont);
        self.pop();
        Ok(())
    }

    /// `ref.as_non_null`: traps with "null reference" if the reference on top is null.
    pub(super) fn visit_ref_as_non_null(&mut self) -> R {
        let r = self.peek_n(1)[0].into_pointer_value();
        let null = self.b.build_is_null(r, "null")?;
        self.trap_if(null, TrapCode::NullReference)
    }

    pub(super) fn visit_br_table(&mut self, targets: wasmparser::BrTable<'_>) -> R {
        let index = self.pop_int();
        let here = self.b.get_insert_block().unwrap();
        // One landing block per distinct depth, so each phi sees one edge per predecessor.
        let mut landings: Vec<(u32, inkwell::basic_block::BasicBlock<'c>)> = Vec::new();
        let mut landing_for =
            |t: &mut Self, depth: u32| -> Result<inkwell::basic_block::BasicBlock<'c>> {
                if let Some((_, bb)) = landings.iter().find(|(d, _)| *d == depth) {
                    return Ok(*bb);
                }
                let bb = t.new_block("br_table_case");
                t.b.position_at_end(bb);
                let target = t.branch_to(depth)?;
                t.b.build_unconditional_branch(target)?;
                t.b.position_at_end(here);
                landings.push((depth, bb));
                Ok(bb)
            };
        let default = landing_for(self, targets.default())?;
        let mut cases = Vec::new();
        for (i, depth) in targets.targets().enumerate() {
            let bb = landing_for(self, depth?)?;
            cases.push((self.ctx.i32_type().const_int(i as u64, false), bb));
        }
        self.b.build_switch(index, default, &cases)?;
        self.reachable = false;
        Ok(())
    }

    pub(super) fn visit_return(&mut self) -> R {
        let depth = self.control.len() as u32 - 1;
        self.visit_br(depth)
    }

    pub(super) fn visit_drop(&mut self) -> R {
        // Every linear-memory load is volatile (`heap_load`), so a dropped one still traps.
        self.pop();
        Ok(())
    }

    pub(super) fn visit_select(&mut self) -> R {
        let cond = self.pop_int();
        let b = self.pop();
        let a = self.pop();
        let cond = self
            .b
            .build_int_compare(IntPredicate::NE, cond, self.i32_const(0), "cond")?;
        let v: BasicValueEnum = self.b.build_select(cond, a, b, "select")?;
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_typed_select(&mut self, _ty: wasmparser::ValType) -> R {
        self.visit_select()
    }

    pub(super) fn visit_typed_select_multi(&mut self, _tys: Vec<wasmparser::ValType>) -> R {
        Err(Error::unsupported(
            "operator `select` with several results",
            "multi-value select",
        ))
    }
}
