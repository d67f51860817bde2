//! Table and reference operators. Table elements are pointers (`*const VMFuncRef` for funcref,
//! an opaque host pointer for externref; null is 0). `table.get`/`set`/`size` are inline with a
//! bounds check; growing, filling, copying and initialising call builtins.

use super::abi::{self, Builtin};
use super::translate::FuncTranslator;
use crate::error::Result;
use crate::vm::TrapCode;
use crate::vm::VMTable;
use inkwell::values::{IntValue, PointerValue};
use inkwell::IntPredicate;

type R = Result<()>;

impl<'c> FuncTranslator<'c, '_> {
    pub(super) fn table_definition(&self, table: u32) -> Result<PointerValue<'c>> {
        self.load_vmctx_ptr(self.env.offsets.table(table))
    }

    /// The address of element `index` of `table`, trapping with `code` when out of bounds.
    pub(super) fn table_element(
        &mut self,
        table: u32,
        index: IntValue<'c>,
        code: TrapCode,
    ) -> Result<PointerValue<'c>> {
        let trap = self.trap_block(code)?;
        self.table_element_or(table, index, trap)
    }

    /// The address of element `index` of `table`, branching to `out_of_bounds` when it is.
    pub(super) fn table_element_or(
        &mut self,
        table: u32,
        index: IntValue<'c>,
        out_of_bounds: inkwell::basic_block::BasicBlock<'c>,
    ) -> Result<PointerValue<'c>> {
        let def = self.table_definition(table)?;
        let length = self
            .load_field(def, VMTable::LENGTH, self.ctx.i32_type().into(), false)?
            .into_int_value();
        // A 64-bit table's index is an i64: compare it with the zero-extended length.
        let i64t = self.ctx.i64_type();
        let (index, length) = if index.get_type() == i64t {
            (index, self.b.build_int_z_extend(length, i64t, "length")?)
        } else {
            (index, length)
        };
        let out = self
            .b
            .build_int_compare(IntPredicate::UGE, index, length, "oob")?;
        let cont = self.new_block("ok");
        self.b.build_conditional_branch(out, out_of_bounds, cont)?;
        self.b.position_at_end(cont);
        let base = self
            .load_field(def, VMTable::BASE, abi::ptr_type(self.ctx).into(), false)?
            .into_pointer_value();
        let index = if index.get_type() == i64t {
            index
        } else {
            self.b.build_int_z_extend(index, i64t, "index")?
        };
        // SAFETY (of the generated code): index < length was checked.
        Ok(unsafe {
            self.b
                .build_gep(abi::ptr_type(self.ctx), base, &[index], "element")?
        })
    }

    pub(super) fn visit_table_get(&mut self, table: u32) -> R {
        let index = self.pop_int();
        let at = self.table_element(table, index, TrapCode::TableOutOfBounds)?;
        let v = self.b.build_load(abi::ptr_type(self.ctx), at, "ref")?;
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_table_set(&mut self, table: u32) -> R {
        let value = self.pop_ptr();
        let index = self.pop_int();
        let at = self.table_element(table, index, TrapCode::TableOutOfBounds)?;
        self.b.build_store(at, value)?;
        Ok(())
    }

    fn is_table64(&self, table: u32) -> bool {
        self.env.info.tables[table as usize].table64
    }

    pub(super) fn visit_table_size(&mut self, table: u32) -> R {
        let def = self.table_definition(table)?;
        let v = self
            .load_field(def, VMTable::LENGTH, self.ctx.i32_type().into(), false)?
            .into_int_value();
        let v = if self.is_table64(table) {
            self.b.build_int_z_extend(v, self.ctx.i64_type(), "size")?
        } else {
            v
        };
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_table_grow(&mut self, table: u32) -> R {
        let delta = self.pop_int();
        let delta = self.widen(delta)?;
        let init = self.pop_ptr();
        let r = self
            .call_builtin(
                Builtin::TableGrow,
                &[self.i32_const(table).into(), init.into(), delta.into()],
            )?
            .unwrap()
            .into_int_value();
        let r = if self.is_table64(table) {
            r
        } else {
            // -1 and sizes up to the element limit survive the truncation.
            self.b.build_int_truncate(r, self.ctx.i32_type(), "grown")?
        };
        self.push(r);
        Ok(())
    }

    pub(super) fn visit_table_fill(&mut self, table: u32) -> R {
        let len = self.pop_int();
        let len = self.widen(len)?;
        let value = self.pop_ptr();
        let dst = self.pop_int();
        let dst = self.widen(dst)?;
        let args = [
            self.i32_const(table).into(),
            dst.into(),
            value.into(),
            len.into(),
        ];
        let status = self
            .call_builtin(Builtin::TableFill, &args)?
            .unwrap()
            .into_int_value();
        self.trap_on_status(status)
    }

    pub(super) fn visit_table_copy(&mut self, dst_table: u32, src_table: u32) -> R {
        self.bulk(Builtin::TableCopy, &[dst_table, src_table], 3)
    }

    pub(super) fn visit_table_init(&mut self, elem_index: u32, table: u32) -> R {
        self.bulk(Builtin::TableInit, &[table, elem_index], 3)
    }

    pub(super) fn visit_elem_drop(&mut self, elem_index: u32) -> R {
        self.call_builtin(Builtin::ElemDrop, &[self.i32_const(elem_index).into()])?;
        Ok(())
    }

    pub(super) fn visit_ref_null(&mut self, _hty: wasmparser::HeapType) -> R {
        let v = abi::ptr_type(self.ctx).const_null();
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_ref_is_null(&mut self) -> R {
        let r = self.pop_ptr();
        let is_null = self.b.build_is_null(r, "is_null")?;
        let v = self
            .b
            .build_int_z_extend(is_null, self.ctx.i32_type(), "is_null")?;
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_ref_func(&mut self, function_index: u32) -> R {
        let v = self.load_vmctx_ptr(self.env.offsets.func_ref(function_index))?;
        self.push(v);
        Ok(())
    }
}
