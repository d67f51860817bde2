//! Memory operators. A 32-bit memory reserves its whole index space plus a guard region, so an
//! access is `base + zext(index) + offset` with no bounds check: out-of-bounds accesses fault on
//! the guard pages and the signal handler turns the fault into a trap. A 64-bit memory's index
//! space cannot be reserved, so its accesses check `index + offset + size <= length` (with the
//! addition's overflow) before they touch memory, and trap otherwise. Bulk operations call
//! builtins that check bounds themselves; their addresses and lengths travel as i64 for both
//! kinds of memory.

use super::abi::Builtin;
use super::translate::FuncTranslator;
use crate::error::{Error, Result};
use crate::vm::TrapCode;
use crate::vm::VMMemory;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValue, BasicValueEnum, InstructionValue, IntValue, PointerValue};

type R = Result<()>;

#[derive(Clone, Copy)]
enum Ext {
    None,
    Signed,
    Unsigned,
}

impl<'c> FuncTranslator<'c, '_> {
    /// The memory's `VMMemory`, which is always there: LLVM may load its base speculatively
    /// (and so hoist the invariant load of the base out of loops).
    fn memory_definition(&self, memory: u32) -> Result<PointerValue<'c>> {
        let definition = self.load_vmctx_ptr(self.env.offsets.memory(memory))?;
        self.assume_dereferenceable(definition, std::mem::size_of::<VMMemory>() as u64, 8)?;
        Ok(definition)
    }

    /// The memory's `VMMemory` and base, loaded once per call in the entry block: a memory's
    /// base never moves while its instance lives (`runtime/memory.rs`: both kinds of memory
    /// grow in place inside their reservation), so the loads can run before anything else.
    fn memory_base(&mut self, memory: u32) -> Result<(PointerValue<'c>, PointerValue<'c>)> {
        if let Some(&cached) = self.memory_bases.get(&memory) {
            return Ok(cached);
        }
        let loaded = self.in_entry_block(|t| {
            let definition = t.memory_definition(memory)?;
            // The vmctx's copy of the base: one load, where `definition`'s is a second.
            let base = t.load_vmctx_ptr(t.env.offsets.memory_base(memory))?;
            Ok((definition, base))
        })?;
        self.memory_bases.insert(memory, loaded);
        Ok(loaded)
    }

    fn is_memory64(&self, memory: u32) -> bool {
        self.env.info.memories[memory as usize].memory64
    }

    /// The memory's current length in bytes (not invariant: it grows).
    fn memory_length(&self, definition: PointerValue<'c>) -> Result<IntValue<'c>> {
        Ok(self
            .load_field(
                definition,
                VMMemory::LENGTH,
                self.ctx.i64_type().into(),
                false,
            )?
            .into_int_value())
    }

    /// Traps unless `size` bytes at `index + offset` lie inside the 64-bit memory `definition`.
    fn check_bounds64(
        &mut self,
        definition: PointerValue<'c>,
        index: IntValue<'c>,
        offset: u64,
        size: u64,
    ) -> R {
        let i64t = self.ctx.i64_type();
        let length = self.memory_length(definition)?;
        let out_of_bounds = match offset.checked_add(size) {
            Some(need) => {
                let add = self.uadd_with_overflow(index, i64t.const_int(need, false))?;
                let end = self.b.build_extract_value(add, 0, "end")?.into_int_value();
                let overflow = self
                    .b
                    .build_extract_value(add, 1, "overflow")?
                    .into_int_value();
                let past =
                    self.b
                        .build_int_compare(inkwell::IntPredicate::UGT, end, length, "past")?;
                self.b.build_or(overflow, past, "oob")?
            }
            // An offset within `size` of 2^64: every access is out of bounds.
            None => self.ctx.bool_type().const_all_ones(),
        };
        self.trap_if(out_of_bounds, TrapCode::MemoryOutOfBounds)
    }

    fn uadd_with_overflow(
        &self,
        a: IntValue<'c>,
        b: IntValue<'c>,
    ) -> Result<inkwell::values::StructValue<'c>> {
        let i64t = self.ctx.i64_type();
        let intrinsic = inkwell::intrinsics::Intrinsic::find("llvm.uadd.with.overflow")
            .ok_or_else(|| Error::new("internal error: no llvm.uadd.with.overflow"))?;
        let f = intrinsic
            .get_declaration(self.module, &[i64t.into()])
            .ok_or_else(|| Error::new("internal error: llvm.uadd.with.overflow.i64"))?;
        Ok(self
            .b
            .build_call(f, &[a.into(), b.into()], "add")?
            .try_as_basic_value()
            .basic()
            .expect("a struct")
            .into_struct_value())
    }

    /// The size in bytes of a value of `ty` in memory.
    fn byte_size(&self, ty: BasicTypeEnum<'c>) -> u64 {
        let bits = |t: BasicTypeEnum<'c>| -> u64 {
            match t {
                BasicTypeEnum::IntType(i) => i.get_bit_width() as u64,
                BasicTypeEnum::FloatType(f) if f == self.ctx.f32_type() => 32,
                BasicTypeEnum::FloatType(_) => 64,
                _ => 128,
            }
        };
        match ty {
            BasicTypeEnum::VectorType(v) => v.get_size() as u64 * bits(v.get_element_type()) / 8,
            t => bits(t) / 8,
        }
    }

    /// The host address of the access of `size` bytes `memarg` makes at the index on top of
    /// the stack (bounds-checked first for a 64-bit memory).
    pub(super) fn heap_address(
        &mut self,
        memarg: &wasmparser::MemArg,
        size: u64,
    ) -> Result<PointerValue<'c>> {
        let wasmparser::MemArgTarget::Memory(memory) = memarg.target else {
            return Err(Error::unsupported("array memory access", "gc"));
        };
        let (definition, base) = self.memory_base(memory)?;
        let index = self.pop_int();
        let index = if self.is_memory64(memory) {
            self.check_bounds64(definition, index, memarg.offset, size)?;
            index
        } else {
            self.b
                .build_int_z_extend(index, self.ctx.i64_type(), "index")?
        };
        let address = if memarg.offset == 0 {
            index
        } else {
            let offset = self.ctx.i64_type().const_int(memarg.offset, false);
            self.b.build_int_nuw_add(index, offset, "address")?
        };
        // SAFETY (of the generated code): for a 32-bit memory at most 2^33 bytes past base,
        // inside the reservation; for a 64-bit one checked to be inside the memory.
        Ok(unsafe {
            self.b
                .build_gep(self.ctx.i8_type(), base, &[address], "heap")?
        })
    }

    /// Loads a `ty` from the address `memarg` makes at the index on top of the stack.
    ///
    /// Every linear-memory access is volatile: an out-of-bounds access traps (on the guard
    /// pages), so it is a side effect that no optimisation may remove, even when its value is
    /// unused, and no other trap, store or call may move across it (issue 14). Unaligned, as
    /// wasm allows.
    pub(super) fn heap_load(
        &mut self,
        memarg: &wasmparser::MemArg,
        ty: BasicTypeEnum<'c>,
    ) -> Result<BasicValueEnum<'c>> {
        let addr = self.heap_address(memarg, self.byte_size(ty))?;
        let v = self.b.build_load(ty, addr, "load")?;
        let load = v.as_instruction_value().expect("a load");
        ordered_access(load)?;
        self.tags.tag(load, self.tags.heap)?;
        Ok(v)
    }

    /// Stores `value` at the address `memarg` makes at the index on top of the stack (volatile
    /// and unaligned, as `heap_load`).
    pub(super) fn heap_store(
        &mut self,
        memarg: &wasmparser::MemArg,
        value: BasicValueEnum<'c>,
    ) -> R {
        let addr = self.heap_address(memarg, self.byte_size(value.get_type()))?;
        let store = self.b.build_store(addr, value)?;
        ordered_access(store)?;
        self.tags.tag(store, self.tags.heap)
    }

    fn load(
        &mut self,
        memarg: wasmparser::MemArg,
        ty: BasicTypeEnum<'c>,
        to: BasicTypeEnum<'c>,
        ext: Ext,
    ) -> R {
        let v = self.heap_load(&memarg, ty)?;
        let v = match ext {
            Ext::None => v,
            Ext::Signed => self
                .b
                .build_int_s_extend(v.into_int_value(), to.into_int_type(), "sext")?
                .into(),
            Ext::Unsigned => self
                .b
                .build_int_z_extend(v.into_int_value(), to.into_int_type(), "zext")?
                .into(),
        };
        self.push(v);
        Ok(())
    }

    fn store(&mut self, memarg: wasmparser::MemArg, narrow: Option<u32>) -> R {
        let mut value = self.pop();
        if let Some(bits) = narrow {
            let ty = self.int_of_width(bits);
            value = self
                .b
                .build_int_truncate(value.into_int_value(), ty, "narrow")?
                .into();
        }
        self.heap_store(&memarg, value)
    }

    fn int(&self, bits: u32) -> BasicTypeEnum<'c> {
        self.int_of_width(bits).into()
    }

    pub(super) fn visit_i32_load(&mut self, m: wasmparser::MemArg) -> R {
        self.load(m, self.int(32), self.int(32), Ext::None)
    }
    pub(super) fn visit_i64_load(&mut self, m: wasmparser::MemArg) -> R {
        self.load(m, self.int(64), self.int(64), Ext::None)
    }
    pub(super) fn visit_f32_load(&mut self, m: wasmparser::MemArg) -> R {
        let t = self.ctx.f32_type().into();
        self.load(m, t, t, Ext::None)
    }
    pub(super) fn visit_f64_load(&mut self, m: wasmparser::MemArg) -> R {
        let t = self.ctx.f64_type().into();
        self.load(m, t, t, Ext::None)
    }
    pub(super) fn visit_i32_load8_s(&mut self, m: wasmparser::MemArg) -> R {
        self.load(m, self.int(8), self.int(32), Ext::Signed)
    }
    pub(super) fn visit_i32_load8_u(&mut self, m: wasmparser::MemArg) -> R {
        self.load(m, self.int(8), self.int(32), Ext::Unsigned)
    }
    pub(super) fn visit_i32_load16_s(&mut self, m: wasmparser::MemArg) -> R {
        self.load(m, self.int(16), self.int(32), Ext::Signed)
    }
    pub(super) fn visit_i32_load16_u(&mut self, m: wasmparser::MemArg) -> R {
        self.load(m, self.int(16), self.int(32), Ext::Unsigned)
    }
    pub(super) fn visit_i64_load8_s(&mut self, m: wasmparser::MemArg) -> R {
        self.load(m, self.int(8), self.int(64), Ext::Signed)
    }
    pub(super) fn visit_i64_load8_u(&mut self, m: wasmparser::MemArg) -> R {
        self.load(m, self.int(8), self.int(64), Ext::Unsigned)
    }
    pub(super) fn visit_i64_load16_s(&mut self, m: wasmparser::MemArg) -> R {
        self.load(m, self.int(16), self.int(64), Ext::Signed)
    }
    pub(super) fn visit_i64_load16_u(&mut self, m: wasmparser::MemArg) -> R {
        self.load(m, self.int(16), self.int(64), Ext::Unsigned)
    }
    pub(super) fn visit_i64_load32_s(&mut self, m: wasmparser::MemArg) -> R {
        self.load(m, self.int(32), self.int(64), Ext::Signed)
    }
    pub(super) fn visit_i64_load32_u(&mut self, m: wasmparser::MemArg) -> R {
        self.load(m, self.int(32), self.int(64), Ext::Unsigned)
    }
    pub(super) fn visit_i32_store(&mut self, m: wasmparser::MemArg) -> R {
        self.store(m, None)
    }
    pub(super) fn visit_i64_store(&mut self, m: wasmparser::MemArg) -> R {
        self.store(m, None)
    }
    pub(super) fn visit_f32_store(&mut self, m: wasmparser::MemArg) -> R {
        self.store(m, None)
    }
    pub(super) fn visit_f64_store(&mut self, m: wasmparser::MemArg) -> R {
        self.store(m, None)
    }
    pub(super) fn visit_i32_store8(&mut self, m: wasmparser::MemArg) -> R {
        self.store(m, Some(8))
    }
    pub(super) fn visit_i32_store16(&mut self, m: wasmparser::MemArg) -> R {
        self.store(m, Some(16))
    }
    pub(super) fn visit_i64_store8(&mut self, m: wasmparser::MemArg) -> R {
        self.store(m, Some(8))
    }
    pub(super) fn visit_i64_store16(&mut self, m: wasmparser::MemArg) -> R {
        self.store(m, Some(16))
    }
    pub(super) fn visit_i64_store32(&mut self, m: wasmparser::MemArg) -> R {
        self.store(m, Some(32))
    }

    pub(super) fn visit_memory_size(&mut self, mem: u32) -> R {
        let definition = self.memory_definition(mem)?;
        let length = self.memory_length(definition)?;
        let pages = self.b.build_right_shift(
            length,
            self.ctx.i64_type().const_int(16, false),
            false,
            "pages",
        )?;
        let pages = if self.is_memory64(mem) {
            pages
        } else {
            self.b
                .build_int_truncate(pages, self.ctx.i32_type(), "pages")?
        };
        self.push(pages);
        Ok(())
    }

    pub(super) fn visit_memory_grow(&mut self, mem: u32) -> R {
        let delta = self.pop_int();
        let delta = self.widen(delta)?;
        let r = self
            .call_builtin(
                Builtin::MemoryGrow,
                &[self.i32_const(mem).into(), delta.into()],
            )?
            .unwrap()
            .into_int_value();
        let r = if self.is_memory64(mem) {
            r
        } else {
            // -1 and page counts up to 65536 survive the truncation.
            self.b.build_int_truncate(r, self.ctx.i32_type(), "grown")?
        };
        self.push(r);
        Ok(())
    }

    /// An i32 operand as the i64 the builtins take (a 64-bit memory's or table's are i64
    /// already).
    pub(super) fn widen(&self, v: IntValue<'c>) -> Result<IntValue<'c>> {
        let i64t = self.ctx.i64_type();
        Ok(if v.get_type() == i64t {
            v
        } else {
            self.b.build_int_z_extend(v, i64t, "wide")?
        })
    }

    /// Calls a bulk builtin taking the top `n` stack values after `leading` immediates, and
    /// traps with the code it returns. Operands are widened to i64 where `wide` says so.
    pub(super) fn bulk(&mut self, builtin: Builtin, leading: &[u32], n: usize) -> R {
        let operands = self.pop_n(n);
        let mut args: Vec<inkwell::values::BasicMetadataValueEnum> =
            leading.iter().map(|&i| self.i32_const(i).into()).collect();
        let params = builtin.params();
        for (k, &v) in operands.iter().enumerate() {
            // The builtin's parameters after the vmctx and the immediates.
            let wide = params.get(1 + leading.len() + k) == Some(&crate::vm::AbiType::I64);
            args.push(if wide {
                self.widen(v.into_int_value())?.into()
            } else {
                v.into()
            });
        }
        let status = self.call_builtin(builtin, &args)?.unwrap().into_int_value();
        self.trap_on_status(status)
    }

    pub(super) fn visit_memory_fill(&mut self, mem: u32) -> R {
        self.bulk(Builtin::MemoryFill, &[mem], 3)
    }

    pub(super) fn visit_memory_copy(&mut self, dst_mem: u32, src_mem: u32) -> R {
        self.bulk(Builtin::MemoryCopy, &[dst_mem, src_mem], 3)
    }

    pub(super) fn visit_memory_init(&mut self, data_index: u32, mem: u32) -> R {
        self.bulk(Builtin::MemoryInit, &[mem, data_index], 3)
    }

    pub(super) fn visit_data_drop(&mut self, data_index: u32) -> R {
        self.call_builtin(Builtin::DataDrop, &[self.i32_const(data_index).into()])?;
        Ok(())
    }
}

/// Makes a linear-memory access one the optimiser keeps and orders: volatile, alignment 1.
fn ordered_access(access: InstructionValue<'_>) -> R {
    access
        .set_volatile(true)
        .and_then(|()| access.set_alignment(1))
        .map_err(|e| Error::new(e.to_string()))
}
