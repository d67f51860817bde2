//! Variable operators: locals (allocas that mem2reg turns into SSA values) and globals (reached
//! through the vmctx's global pointers).

use super::translate::FuncTranslator;
use crate::error::Result;

type R = Result<()>;

impl<'c> FuncTranslator<'c, '_> {
    pub(super) fn visit_local_get(&mut self, local_index: u32) -> R {
        let (slot, ty) = self.locals[local_index as usize];
        let v = self.b.build_load(ty, slot, "local")?;
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_local_set(&mut self, local_index: u32) -> R {
        let v = self.pop();
        self.b.build_store(self.locals[local_index as usize].0, v)?;
        Ok(())
    }

    pub(super) fn visit_local_tee(&mut self, local_index: u32) -> R {
        let v = *self.stack.last().expect("validated");
        self.b.build_store(self.locals[local_index as usize].0, v)?;
        Ok(())
    }

    fn global_storage(&self, index: u32) -> Result<inkwell::values::PointerValue<'c>> {
        self.load_vmctx_ptr(self.env.offsets.global(index))
    }

    pub(super) fn visit_global_get(&mut self, global_index: u32) -> R {
        let g = self.env.info.globals[global_index as usize];
        let ty = super::abi::llvm_type(self.ctx, g.content)?;
        let storage = self.global_storage(global_index)?;
        let v = self.load_field(storage, 0, ty, !g.mutable)?;
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_global_set(&mut self, global_index: u32) -> R {
        let v = self.pop();
        let storage = self.global_storage(global_index)?;
        self.b.build_store(storage, v)?;
        Ok(())
    }
}
