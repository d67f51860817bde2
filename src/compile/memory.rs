//! Memory operators. A 32-bit memory reserves its whole index space plus a guard region, so an
//! access is `base + zext(index) + offset` with no bounds check: out-of-bounds accesses fault on
//! the guard pages and the signal handler turns the fault into a trap. Bulk operations call
//! builtins that check bounds themselves.

use super::abi::Builtin;
use super::translate::FuncTranslator;
use crate::error::{Error, Result};
use crate::vm::VMMemory;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValue, BasicValueEnum, InstructionValue, PointerValue};

type R = Result<()>;

#[derive(Clone, Copy)]
enum Ext {
    None,
    Signed,
    Unsigned,
}

impl<'c> FuncTranslator<'c, '_> {
    fn memory_definition(&self, memory: u32) -> Result<PointerValue<'c>> {
        if self.env.info.memories[memory as usize].memory64 {
            return Err(Error::unsupported("64-bit memory", "memory64"));
        }
        self.load_vmctx_ptr(self.env.offsets.memory(memory))
    }

    /// The host address of the access `memarg` makes at the index on top of the stack.
    pub(super) fn heap_address(&mut self, memarg: &wasmparser::MemArg) -> Result<PointerValue<'c>> {
        let wasmparser::MemArgTarget::Memory(memory) = memarg.target else {
            return Err(Error::unsupported("array memory access", "gc"));
        };
        let definition = self.memory_definition(memory)?;
        let base = self
            .load_field(
                definition,
                VMMemory::BASE,
                super::abi::ptr_type(self.ctx).into(),
                true,
            )?
            .into_pointer_value();
        let index = self.pop_int();
        let index = self
            .b
            .build_int_z_extend(index, self.ctx.i64_type(), "index")?;
        let address = if memarg.offset == 0 {
            index
        } else {
            let offset = self.ctx.i64_type().const_int(memarg.offset, false);
            self.b.build_int_nuw_add(index, offset, "address")?
        };
        // SAFETY (of the generated code): at most 2^33 bytes past base, inside the reservation.
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
        let addr = self.heap_address(memarg)?;
        let v = self.b.build_load(ty, addr, "load")?;
        let load = v.as_instruction_value().expect("a load");
        ordered_access(load)?;
        Ok(v)
    }

    /// Stores `value` at the address `memarg` makes at the index on top of the stack (volatile
    /// and unaligned, as `heap_load`).
    pub(super) fn heap_store(
        &mut self,
        memarg: &wasmparser::MemArg,
        value: BasicValueEnum<'c>,
    ) -> R {
        let addr = self.heap_address(memarg)?;
        ordered_access(self.b.build_store(addr, value)?)
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
        let length = self
            .load_field(
                definition,
                VMMemory::LENGTH,
                self.ctx.i64_type().into(),
                false,
            )?
            .into_int_value();
        let pages = self.b.build_right_shift(
            length,
            self.ctx.i64_type().const_int(16, false),
            false,
            "pages",
        )?;
        let pages = self
            .b
            .build_int_truncate(pages, self.ctx.i32_type(), "pages")?;
        self.push(pages);
        Ok(())
    }

    pub(super) fn visit_memory_grow(&mut self, mem: u32) -> R {
        self.memory_definition(mem)?;
        let delta = self.pop_int();
        let r = self.call_builtin(
            Builtin::MemoryGrow,
            &[self.i32_const(mem).into(), delta.into()],
        )?;
        self.push(r.unwrap());
        Ok(())
    }

    /// Calls a bulk builtin taking the top `n` stack values after `leading` immediates, and
    /// traps with the code it returns.
    pub(super) fn bulk(&mut self, builtin: Builtin, leading: &[u32], n: usize) -> R {
        let operands = self.pop_n(n);
        let mut args: Vec<inkwell::values::BasicMetadataValueEnum> =
            leading.iter().map(|&i| self.i32_const(i).into()).collect();
        args.extend(
            operands
                .iter()
                .map(|&v| inkwell::values::BasicMetadataValueEnum::from(v)),
        );
        let status = self.call_builtin(builtin, &args)?.unwrap().into_int_value();
        self.trap_on_status(status)
    }

    pub(super) fn visit_memory_fill(&mut self, mem: u32) -> R {
        self.memory_definition(mem)?;
        self.bulk(Builtin::MemoryFill, &[mem], 3)
    }

    pub(super) fn visit_memory_copy(&mut self, dst_mem: u32, src_mem: u32) -> R {
        self.memory_definition(dst_mem)?;
        self.memory_definition(src_mem)?;
        self.bulk(Builtin::MemoryCopy, &[dst_mem, src_mem], 3)
    }

    pub(super) fn visit_memory_init(&mut self, data_index: u32, mem: u32) -> R {
        self.memory_definition(mem)?;
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
