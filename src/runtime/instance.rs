//! Instantiation: matching imports against the module's import types (the spec's link rules),
//! building the instance's vmctx, creating its memories, tables and globals, applying element and
//! data segments, and running the start function.

use super::memory::LinearMemory;
use super::store::{Extern, FuncData, GlobalData, Store};
use super::table::Table;
use super::trap::{Trap, TrapCode};
use super::values::Val;
use crate::artifact::Module;
use crate::error::Error;
use crate::module::const_expr::{ConstExpr, ConstOp};
use crate::module::types::{ExternType, Limits};
use crate::module::{DataMode, ElementMode};
use crate::vm::{VMFuncRef, VMGlobal, VMOffsets};

/// Why instantiation failed.
#[derive(Debug)]
pub enum InstantiationError {
    /// The imports do not fit the module ("unknown import", "incompatible import type").
    Link(Error),
    /// A segment did not fit, or the start function trapped.
    Trap(Trap),
    /// Resources could not be created.
    Other(Error),
}

impl std::error::Error for InstantiationError {}

impl std::fmt::Display for InstantiationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InstantiationError::Link(e) | InstantiationError::Other(e) => e.fmt(f),
            InstantiationError::Trap(t) => t.fmt(f),
        }
    }
}

/// An instance: its vmctx (a block of 16-byte words) and what its builtins need.
pub struct Instance {
    pub module: Module,
    vmctx: Box<[u128]>,
    /// References to the defined functions (the vmctx points here).
    func_refs: Box<[VMFuncRef]>,
    pub(crate) memories: Vec<*mut LinearMemory>,
    pub(crate) tables: Vec<*mut Table>,
    /// Passive data segments still available to `memory.init` (false once dropped).
    pub(crate) data_live: Vec<bool>,
    /// Resolved element segments, None once dropped.
    pub(crate) elements: Vec<Option<Vec<usize>>>,
    pub exports: Vec<(String, Extern)>,
    /// Every store entity the instance uses (imports, its own tables, memories and globals):
    /// what keeps them reachable while the instance is (see `Store::collect`).
    pub(crate) uses: Vec<Extern>,
    /// The store indices of the memories it defined (after its imported ones).
    pub(crate) defined_memories: Vec<u32>,
    /// The store indices of its tags, imported ones first (the module's tag index order).
    pub(crate) tags: Vec<u32>,
    /// Its index in the store.
    pub(crate) index: u32,
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(tier) = self.module.code().tier() {
            tier.unregister(&self.func_refs);
        }
    }
}

impl Instance {
    /// The instance a wasm function reference lives in.
    ///
    /// # Safety
    /// `func_ref` is a live reference to a wasm (not host) function: its vmctx records the
    /// instance's address at `VMOffsets::INSTANCE`.
    pub(crate) unsafe fn of_func_ref<'a>(func_ref: *const VMFuncRef) -> &'a Instance {
        let vmctx = (*func_ref).vmctx as *const u8;
        &**(vmctx.add(VMOffsets::INSTANCE as usize) as *const *const Instance)
    }

    pub fn vmctx_ptr(&self) -> *mut u8 {
        self.vmctx.as_ptr() as *mut u8
    }

    fn set_ptr(&mut self, offset: u32, value: usize) {
        // SAFETY: offsets come from VMOffsets for this module, inside the vmctx allocation.
        unsafe { *(self.vmctx_ptr().add(offset as usize) as *mut usize) = value };
    }

    fn ptr_at(&self, offset: u32) -> usize {
        // SAFETY: as in `set_ptr`.
        unsafe { *(self.vmctx_ptr().add(offset as usize) as *const usize) }
    }

    /// The bytes of data segment `index` if it is still live.
    pub(crate) fn data_segment(&self, index: u32) -> &[u8] {
        if !self.data_live[index as usize] {
            return &[];
        }
        let range = self.module.info().data[index as usize].range.clone();
        &self.module.bytes()[range]
    }
}

fn link_error(message: String) -> InstantiationError {
    InstantiationError::Link(Error::new(message))
}

fn limits_match(actual: Limits, required: Limits) -> bool {
    actual.min >= required.min
        && match required.max {
            None => true,
            Some(rmax) => actual.max.is_some_and(|amax| amax <= rmax),
        }
}

/// Whether an entity of type `actual` may satisfy an import of type `required`.
pub fn import_matches(actual: &ExternType, required: &ExternType) -> bool {
    match (actual, required) {
        (ExternType::Func(a), ExternType::Func(r)) => a == r,
        // A constant global may be of a subtype; a mutable one is read and written.
        (ExternType::Global(a), ExternType::Global(r)) => {
            a.mutable == r.mutable
                && match a.mutable {
                    true => a.content == r.content,
                    false => a.content.matches(r.content),
                }
        }
        (ExternType::Table(a), ExternType::Table(r)) => {
            a.element == r.element && a.table64 == r.table64 && limits_match(a.limits, r.limits)
        }
        // Tags are invariant in their type.
        (ExternType::Tag(a), ExternType::Tag(r)) => a == r,
        (ExternType::Memory(a), ExternType::Memory(r)) => {
            a.memory64 == r.memory64 && a.shared == r.shared && limits_match(a.limits, r.limits)
        }
        _ => false,
    }
}

fn eval(inst: &Instance, offsets: &VMOffsets, expr: &ConstExpr) -> Val {
    let info = inst.module.info();
    let operand = |op: ConstOp| match op {
        ConstOp::I32(v) => Val::I32(v),
        ConstOp::I64(v) => Val::I64(v),
        ConstOp::F32(v) => Val::F32(v),
        ConstOp::F64(v) => Val::F64(v),
        ConstOp::V128(v) => Val::V128(v),
        // The expression's type decides which null; both are 0.
        ConstOp::RefNull => Val::FuncRef(0),
        ConstOp::RefFunc(i) => Val::FuncRef(inst.ptr_at(offsets.func_ref(i))),
        ConstOp::GlobalGet(i) => {
            let ty = info.globals[i as usize].content;
            // SAFETY: global pointers in the vmctx are live store globals.
            let bits = unsafe { (*(inst.ptr_at(offsets.global(i)) as *const VMGlobal)).bits };
            Val::from_bits(ty, bits)
        }
        _ => unreachable!("validated: an operator without operands"),
    };
    // Nearly every expression is one operand (data segment offsets: no stack to allocate).
    if let [op] = expr.ops() {
        return operand(*op);
    }
    let mut stack: Vec<Val> = Vec::new();
    for &op in expr.ops() {
        let v = match op {
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let (Some(Val::I32(b)), Some(Val::I32(a))) = (stack.pop(), stack.pop()) else {
                    unreachable!("validated")
                };
                Val::I32(match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let (Some(Val::I64(b)), Some(Val::I64(a))) = (stack.pop(), stack.pop()) else {
                    unreachable!("validated")
                };
                Val::I64(match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
            op => operand(op),
        };
        stack.push(v);
    }
    stack.pop().expect("validated constant expression")
}

/// Instantiates `module` in `store` with `imports` (in import order); the instance's index.
/// Instantiates `module` in `store` with `imports` (one per module import, in order), in the
/// spec's steps: check the imports, build the vmctx, link functions, define memories, tables and
/// globals, resolve element segments, collect exports, join the store, apply active segments,
/// run the start function.
pub fn instantiate(
    store: &Store,
    module: &Module,
    imports: &[Extern],
) -> Result<u32, InstantiationError> {
    let start = std::time::Instant::now();
    store
        .check_instance_limit()
        .map_err(InstantiationError::Other)?;
    check_imports(store, module, imports)?;
    let offsets = VMOffsets::new(module.info());
    let mut inst = new_instance(store, module, &offsets);
    link_imports(store, &mut inst, &offsets, imports);
    let globals = define_entities(store, &mut inst, &offsets, imports)?;
    let segments = resolve_elements(&mut inst, &offsets);
    collect_exports(store, &mut inst, &offsets, &globals);
    let index = join_store(store, inst);
    apply_segments(store, index, &offsets, &segments)?;
    if *crate::artifact::TRACE {
        eprintln!(
            "wasmo: instantiation (before the start function) took {:.2} ms",
            start.elapsed().as_secs_f64() * 1e3
        );
    }
    run_start(store, index, &offsets)?;
    Ok(index)
}

/// The instance of `store` at `index`, for the steps after it joined the store.
fn instance_ref(store: &Store, index: u32) -> &Instance {
    let ptr: *const Instance = &*store.data().instances[index as usize];
    // SAFETY: instance boxes live in the store as long as it, and are never moved out.
    unsafe { &*ptr }
}

/// Step 1: the engines agree and every import has the type the module wants.
fn check_imports(
    store: &Store,
    module: &Module,
    imports: &[Extern],
) -> Result<(), InstantiationError> {
    let info = module.info();
    if !module.engine().same(store.engine()) {
        return Err(InstantiationError::Other(Error::new(
            "module and store belong to different engines",
        )));
    }
    if imports.len() != info.imports.len() {
        return Err(link_error(format!(
            "module expects {} imports, {} given",
            info.imports.len(),
            imports.len()
        )));
    }
    for (import, ext) in info.imports.iter().zip(imports) {
        let actual = store.extern_type(*ext);
        if !import_matches(&actual, &import.ty) {
            return Err(link_error(format!(
                "incompatible import type for `{}` `{}`",
                import.module, import.name
            )));
        }
    }

    Ok(())
}

/// Step 2: the instance with its vmctx header (store context, instance pointer) and the
/// engine-wide ids of its types.
fn new_instance(store: &Store, module: &Module, offsets: &VMOffsets) -> Box<Instance> {
    let info = module.info();
    let words = offsets.size() as usize / 16;
    let mut inst = Box::new(Instance {
        module: module.clone(),
        vmctx: vec![0u128; words.max(1)].into_boxed_slice(),
        func_refs: Box::new([]),
        memories: Vec::new(),
        tables: Vec::new(),
        data_live: info
            .data
            .iter()
            .map(|d| matches!(d.mode, DataMode::Passive))
            .collect(),
        elements: Vec::new(),
        exports: Vec::new(),
        uses: Vec::new(),
        defined_memories: Vec::new(),
        tags: Vec::new(),
        index: u32::MAX,
    });
    inst.set_ptr(VMOffsets::STORE_CONTEXT, store.context_ptr() as usize);
    let inst_ptr = &*inst as *const Instance as usize;
    inst.set_ptr(VMOffsets::INSTANCE, inst_ptr);

    inst.set_ptr(VMOffsets::STORE_CONTEXT, store.context_ptr() as usize);
    let inst_ptr = &*inst as *const Instance as usize;
    inst.set_ptr(VMOffsets::INSTANCE, inst_ptr);
    for (i, id) in info.type_ids.iter().enumerate() {
        let id = id.index();
        // SAFETY: inside the vmctx (VMOffsets).
        unsafe { *(inst.vmctx_ptr().add(offsets.type_id(i as u32) as usize) as *mut u32) = id };
    }

    inst
}

/// Step 3: the imports (functions, globals, tables, memories) into the vmctx, the defined
/// functions' references, and their registration with lift-off tiering.
fn link_imports(store: &Store, inst: &mut Instance, offsets: &VMOffsets, imports: &[Extern]) {
    let module = inst.module.clone();
    let (info, code) = (module.info(), module.code());
    let vmctx = inst.vmctx_ptr() as usize;
    let imported = info.num_imported_functions as usize;
    let func_refs: Box<[VMFuncRef]> = (0..info.bodies.len())
        .map(|i| {
            let type_index = info.functions[imported + i];
            VMFuncRef {
                // Optimised mode; lift-off mode fills these in just below.
                code: code.initial_function(i).into(),
                vmctx,
                type_id: info.type_id_at(type_index).index(),
                array_call: code.trampolines[type_index as usize].into(),
            }
        })
        .collect();
    inst.func_refs = func_refs;
    if let Some(tier) = code.tier() {
        tier.register(&inst.func_refs);
        inst.set_ptr(VMOffsets::COUNTERS, tier.counters.as_ptr() as usize);
    }
    inst.uses = imports.to_vec();
    let mut next = [0u32; 4];
    let tag_address =
        |t: u32| &store.data().tags[t as usize].vm as *const crate::vm::VMTag as usize;
    for ext in imports {
        match *ext {
            Extern::Func(f) => {
                let r = store.func_ref(f);
                inst.set_ptr(offsets.func_ref(next[0]), r);
                next[0] += 1;
            }
            Extern::Global(g) => {
                let p = &mut store.data().globals[g as usize].vm as *mut VMGlobal as usize;
                inst.set_ptr(offsets.global(next[1]), p);
                next[1] += 1;
            }
            Extern::Table(t) => {
                let table: *mut Table = &mut *store.data().tables[t as usize];
                // SAFETY: the table box is owned by the store and outlives the instance.
                let vm = unsafe { &*(*table).vm as *const _ as usize };
                inst.set_ptr(offsets.table(next[2]), vm);
                inst.tables.push(table);
                next[2] += 1;
            }
            Extern::Memory(m) => {
                let memory: *mut LinearMemory = &mut *store.data().memories[m as usize];
                // SAFETY: as for tables.
                let vm = unsafe { &*(*memory).vm as *const _ as usize };
                inst.set_ptr(offsets.memory(next[3]), vm);
                // SAFETY: as above; the base never moves while the memory lives.
                let base = unsafe { (*memory).vm.base as usize };
                inst.set_ptr(offsets.memory_base(next[3]), base);
                inst.memories.push(memory);
                next[3] += 1;
            }
            Extern::Tag(t) => {
                inst.set_ptr(offsets.tag(inst.tags.len() as u32), tag_address(t));
                inst.tags.push(t);
            }
        }
    }
    // Each instance defines tags of its own: a tag defined twice is two tags.
    for (i, &type_index) in info
        .tags
        .iter()
        .enumerate()
        .skip(info.num_imported_tags as usize)
    {
        let name = info
            .exports
            .iter()
            .find(|e| e.kind == crate::module::types::ExternKind::Tag && e.index == i as u32)
            .map_or_else(|| format!("#{i}"), |e| format!("{:?}", e.name));
        let t = store.new_tag(info.type_at(type_index).clone(), name);
        inst.set_ptr(offsets.tag(inst.tags.len() as u32), tag_address(t));
        inst.tags.push(t);
        inst.uses.push(Extern::Tag(t));
    }
    for i in 0..info.bodies.len() {
        let r = &inst.func_refs[i] as *const VMFuncRef as usize;
        inst.set_ptr(offsets.func_ref((imported + i) as u32), r);
    }
}

/// Step 4: the defined memories, tables and globals (globals initialised in order); returns
/// the store index of every global, imported ones first.
fn define_entities(
    store: &Store,
    inst: &mut Instance,
    offsets: &VMOffsets,
    imports: &[Extern],
) -> Result<Vec<u32>, InstantiationError> {
    let module = inst.module.clone();
    let info = module.info();
    for ty in &info.memories[info.num_imported_memories as usize..] {
        let m = store.new_memory(*ty).map_err(InstantiationError::Other)?;
        let memory: *mut LinearMemory = &mut *store.data().memories[m as usize];
        // SAFETY: the memory box is owned by the store.
        let vm = unsafe { &*(*memory).vm as *const _ as usize };
        inst.set_ptr(offsets.memory(inst.memories.len() as u32), vm);
        // SAFETY: as above; the base never moves while the memory lives.
        let base = unsafe { (*memory).vm.base as usize };
        inst.set_ptr(offsets.memory_base(inst.memories.len() as u32), base);
        inst.memories.push(memory);
        inst.uses.push(Extern::Memory(m));
        inst.defined_memories.push(m);
    }
    let defined_tables = &info.tables[info.num_imported_tables as usize..];
    for (ty, init) in defined_tables.iter().zip(&info.table_inits) {
        let init = init
            .as_ref()
            .map_or(0, |e| eval(inst, offsets, e).to_bits());
        let t = store
            .new_table(*ty, Val::from_bits(ty.element, init))
            .map_err(InstantiationError::Other)?;
        let table: *mut Table = &mut *store.data().tables[t as usize];
        // SAFETY: the table box is owned by the store.
        let vm = unsafe { &*(*table).vm as *const _ as usize };
        inst.set_ptr(offsets.table(inst.tables.len() as u32), vm);
        inst.tables.push(table);
        inst.uses.push(Extern::Table(t));
    }
    let mut global_indices: Vec<u32> = imports
        .iter()
        .filter_map(|e| {
            if let Extern::Global(g) = e {
                Some(*g)
            } else {
                None
            }
        })
        .collect();
    for (i, init) in info.global_inits.iter().enumerate() {
        let index = info.num_imported_globals as usize + i;
        let ty = info.globals[index];
        let value = Val::from_bits(ty.content, eval(inst, offsets, init).to_bits());
        let g = {
            let mut data = store.data();
            data.globals.push(Box::new(GlobalData {
                vm: VMGlobal {
                    bits: value.to_bits(),
                },
                ty,
            }));
            data.globals.len() as u32 - 1
        };
        let p = &mut store.data().globals[g as usize].vm as *mut VMGlobal as usize;
        inst.set_ptr(offsets.global(index as u32), p);
        global_indices.push(g);
    }

    Ok(global_indices)
}

/// Step 5: every element segment's references (passive ones stay available to `table.init`).
fn resolve_elements(inst: &mut Instance, offsets: &VMOffsets) -> Vec<Vec<usize>> {
    let module = inst.module.clone();
    let info = module.info();
    let segments: Vec<Vec<usize>> = info
        .elements
        .iter()
        .map(|seg| {
            seg.items
                .iter()
                .map(|e| eval(inst, offsets, e).to_bits() as usize)
                .collect()
        })
        .collect();
    inst.elements = info
        .elements
        .iter()
        .zip(&segments)
        .map(|(seg, items)| matches!(seg.mode, ElementMode::Passive).then(|| items.clone()))
        .collect();

    segments
}

/// Step 6: the exports, as store entities.
fn collect_exports(store: &Store, inst: &mut Instance, offsets: &VMOffsets, globals: &[u32]) {
    let module = inst.module.clone();
    let info = module.info();
    // `uses` lists imported ones first, then defined ones: the module's index order.
    let table_indices: Vec<u32> = inst
        .uses
        .iter()
        .filter_map(|e| {
            if let Extern::Table(t) = *e {
                Some(t)
            } else {
                None
            }
        })
        .collect();
    let memory_indices: Vec<u32> = inst
        .uses
        .iter()
        .filter_map(|e| {
            if let Extern::Memory(m) = *e {
                Some(m)
            } else {
                None
            }
        })
        .collect();
    inst.uses.extend(globals.iter().map(|&g| Extern::Global(g)));
    for export in &info.exports {
        let ext = match export.kind {
            crate::module::types::ExternKind::Func => {
                let r = inst.ptr_at(offsets.func_ref(export.index));
                Extern::Func(store.func_from_ref(r).expect("non-null"))
            }
            crate::module::types::ExternKind::Global => {
                Extern::Global(globals[export.index as usize])
            }
            crate::module::types::ExternKind::Table => {
                Extern::Table(table_indices[export.index as usize])
            }
            crate::module::types::ExternKind::Memory => {
                Extern::Memory(memory_indices[export.index as usize])
            }
            crate::module::types::ExternKind::Tag => Extern::Tag(inst.tags[export.index as usize]),
        };
        inst.exports.push((export.name.clone(), ext));
    }
}

/// Step 7: the instance joins the store before segments are applied: a trap still leaves the
/// effects on imported tables and memories, and funcrefs written there stay valid.
fn join_store(store: &Store, mut inst: Box<Instance>) -> u32 {
    let mut data = store.data();
    inst.index = data.instances.len() as u32;
    data.instances.push(inst);
    data.instances.len() as u32 - 1
}

/// Step 8: the active element and data segments, in order; the first that does not fit traps.
fn apply_segments(
    store: &Store,
    index: u32,
    offsets: &VMOffsets,
    segments: &[Vec<usize>],
) -> Result<(), InstantiationError> {
    let inst_ref = instance_ref(store, index);
    let module = inst_ref.module.clone();
    let info = module.info();
    let (tables, memories) = (inst_ref.tables.clone(), inst_ref.memories.clone());
    for (seg, items) in info.elements.iter().zip(segments) {
        if let ElementMode::Active { table, offset } = &seg.mode {
            // An i32 offset for a 32-bit table, an i64 one for a 64-bit table (validated).
            let start = match eval(inst_ref, offsets, offset) {
                Val::I32(o) => o as u32 as u64,
                Val::I64(o) => o as u64,
                _ => unreachable!("validated"),
            };
            // SAFETY: the table is owned by the store; no other reference is live.
            let tp = tables[*table as usize];
            let t = unsafe { &mut *tp };
            let end = start.saturating_add(items.len() as u64);
            let start = start as usize;
            if end > t.size() as u64 {
                return Err(InstantiationError::Trap(Trap::new(
                    TrapCode::TableOutOfBounds.message(),
                )));
            }
            t.elements_mut()[start..end as usize].copy_from_slice(items);
        }
    }
    for seg in &info.data {
        if let DataMode::Active { memory, offset } = &seg.mode {
            // An i32 offset for a 32-bit memory, an i64 one for a 64-bit memory (validated).
            let offset = match eval(inst_ref, offsets, offset) {
                Val::I32(o) => o as u32 as u64,
                Val::I64(o) => o as u64,
                _ => {
                    return Err(InstantiationError::Other(Error::new(
                        "internal error: a data offset is not an integer",
                    )))
                }
            };
            // SAFETY: the memory is owned by the store; no other reference is live.
            let mp = memories[*memory as usize];
            let m = unsafe { &mut *mp };
            let bytes = &module.bytes()[seg.range.clone()];
            match m.range(offset, bytes.len() as u64) {
                Some(r) => m.data()[r].copy_from_slice(bytes),
                _ => {
                    return Err(InstantiationError::Trap(Trap::new(
                        TrapCode::MemoryOutOfBounds.message(),
                    )))
                }
            }
        }
    }
    Ok(())
}

/// Step 9: the start function, if any.
fn run_start(store: &Store, index: u32, offsets: &VMOffsets) -> Result<(), InstantiationError> {
    let inst_ref = instance_ref(store, index);
    let start = inst_ref.module.info().start;
    if let Some(start) = start {
        let r = inst_ref.ptr_at(offsets.func_ref(start));
        let f = store.func_from_ref(r).expect("non-null");
        store.call(f, &[]).map_err(InstantiationError::Trap)?;
    }
    Ok(())
}

impl Store {
    /// The exports of instance `index`.
    pub fn instance_exports(&self, index: u32) -> Vec<(String, Extern)> {
        self.data().instances[index as usize].exports.clone()
    }

    /// The only instance of this store running the code with id `code_id` (see
    /// `LoadedCode::id`), or None if there is none or several.
    pub fn unique_instance_of_code(&self, code_id: u64) -> Option<u32> {
        let data = self.data();
        let mut found = data
            .instances
            .iter()
            .enumerate()
            .filter(|(_, i)| i.module.code().id == code_id);
        match (found.next(), found.next()) {
            (Some((index, _)), None) => Some(index as u32),
            _ => None,
        }
    }

    /// The instance a wasm function of this store belongs to (None for host functions) and the
    /// id of its code.
    pub fn instance_of_func(&self, func: u32) -> Option<(u32, u64)> {
        let data = self.data();
        let FuncData::Wasm { func_ref, .. } = &data.funcs[func as usize] else {
            return None;
        };
        // SAFETY: a wasm function reference of this store.
        let instance = unsafe { Instance::of_func_ref(*func_ref) };
        (instance.index != u32::MAX).then(|| (instance.index, instance.module.code().id))
    }
}
