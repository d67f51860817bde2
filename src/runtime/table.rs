//! Tables: growable arrays of references (pointers; 0 is null) that compiled code indexes
//! through a `VMTable`.

use crate::module::types::TableType;
use crate::vm::VMTable;

pub struct Table {
    /// What compiled code reads; boxed so its address is stable.
    pub vm: Box<VMTable>,
    pub ty: TableType,
    elements: Vec<usize>,
    /// The store's limits, which growth is checked against.
    pub limiter: Option<std::sync::Arc<super::limits::Limiter>>,
}

// SAFETY: the table is owned by one store, which one thread uses at a time.
unsafe impl Send for Table {}

/// Tables are limited to this many elements (as other engines do), so growth fails cleanly.
pub const MAX_ELEMENTS: u64 = 10_000_000;

impl Table {
    pub fn new(ty: TableType, init: usize) -> Option<Table> {
        if ty.limits.min > MAX_ELEMENTS {
            return None;
        }
        let mut elements = vec![init; ty.limits.min as usize];
        let vm = Box::new(VMTable {
            base: elements.as_mut_ptr(),
            length: elements.len() as u32,
        });
        Some(Table {
            vm,
            ty,
            elements,
            limiter: None,
        })
    }

    pub fn size(&self) -> u32 {
        self.elements.len() as u32
    }

    pub fn get(&self, index: u32) -> Option<usize> {
        self.elements.get(index as usize).copied()
    }

    pub fn set(&mut self, index: u32, value: usize) -> bool {
        match self.elements.get_mut(index as usize) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    pub fn elements(&self) -> &[usize] {
        &self.elements
    }

    pub fn elements_mut(&mut self) -> &mut [usize] {
        &mut self.elements
    }

    /// Grows by `delta` elements set to `init`; the previous size, or None past the maximum.
    pub fn grow(&mut self, delta: u32, init: usize) -> Option<u32> {
        let old = self.size();
        let new = old as u64 + delta as u64;
        let max = self
            .ty
            .limits
            .max
            .unwrap_or(u32::MAX as u64)
            .min(MAX_ELEMENTS);
        if new > max {
            return None;
        }
        if let Some(l) = &self.limiter {
            l.table_fits(new).ok()?;
        }
        self.elements.resize(new as usize, init);
        self.vm.base = self.elements.as_mut_ptr();
        self.vm.length = new as u32;
        Some(old)
    }
}
