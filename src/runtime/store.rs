//! Stores: the unit of isolation that owns runtime objects (instances, functions, memories,
//! tables, globals, externref payloads). A store belongs to one thread at a time.
//!
//! Objects live in boxes the store owns, so their addresses are stable: compiled code and
//! builtins reach them through raw pointers in vmctxs, while the host reaches them by index
//! through short `RefCell` borrows that are never held across a call into wasm.

use super::instance::Instance;
use super::memory::LinearMemory;
use super::table::Table;
use super::trap::{self, Trap};
use super::values::Val;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::module::types::{ExternType, FuncType, GlobalType, MemoryType, TableType, TypeId};
use crate::vm::{VMFuncRef, VMGlobal, VMStoreContext, VALUE_SLOT};
use std::any::Any;
use std::cell::{Cell, RefCell, RefMut};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

/// An entity of a store, by kind and index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Extern {
    Func(u32),
    Global(u32),
    Table(u32),
    Memory(u32),
    Tag(u32),
}

/// An exception tag: its type, and the identity compiled code compares (the address of `vm`).
pub struct TagData {
    pub ty: crate::module::types::FuncType,
    pub vm: crate::vm::VMTag,
    /// How an "uncaught exception" trap names it: `"export"`, `#index` in its module, or
    /// "host tag".
    pub name: String,
}

/// What a host function does: reads the arguments, writes the results, or traps.
pub type HostCallback = Box<dyn Fn(&Store, &[Val], &mut [Val]) -> std::result::Result<(), Trap>>;

/// A host function, called from wasm through its signature's host stub.
pub struct HostFunc {
    pub func_ref: VMFuncRef,
    pub ty: FuncType,
    callback: HostCallback,
    store: Weak<StoreInner>,
}

pub enum FuncData {
    /// A wasm function of some instance: its reference lives in that instance.
    Wasm {
        func_ref: *const VMFuncRef,
        ty: FuncType,
    },
    Host(Box<HostFunc>),
}

impl FuncData {
    pub fn ty(&self) -> &FuncType {
        match self {
            FuncData::Wasm { ty, .. } => ty,
            FuncData::Host(h) => &h.ty,
        }
    }

    pub fn func_ref(&self) -> *const VMFuncRef {
        match self {
            FuncData::Wasm { func_ref, .. } => *func_ref,
            FuncData::Host(h) => &h.func_ref,
        }
    }

    /// The id of the function's type.
    pub fn type_id(&self) -> TypeId {
        // SAFETY: the store keeps its functions' VMFuncRefs alive.
        TypeId::from_vm(unsafe { (*self.func_ref()).type_id })
    }
}

pub struct GlobalData {
    pub vm: VMGlobal,
    pub ty: GlobalType,
}

/// An externref's payload: whatever the host attached.
pub struct ExternRefData {
    pub value: Box<dyn Any>,
}

#[derive(Default)]
pub struct StoreData {
    pub funcs: Vec<FuncData>,
    pub memories: Vec<Box<LinearMemory>>,
    pub tables: Vec<Box<Table>>,
    pub globals: Vec<Box<GlobalData>>,
    /// Boxed: compiled code compares their addresses.
    #[allow(clippy::vec_box)]
    pub tags: Vec<Box<TagData>>,
    pub instances: Vec<Box<Instance>>,
    /// Boxed: compiled code holds their addresses, which must survive the vector growing.
    #[allow(clippy::vec_box)]
    externrefs: Vec<Box<ExternRefData>>,
    func_by_ref: HashMap<usize, u32>,
    host_data: HashMap<(u8, u32), Box<dyn Any>>,
}

impl StoreData {
    /// Whether `func_ref` is a host function's reference.
    pub fn is_host_func_ref(&self, func_ref: usize) -> bool {
        self.func_by_ref
            .get(&func_ref)
            .is_some_and(|&i| matches!(self.funcs[i as usize], FuncData::Host(_)))
    }
}

pub struct StoreInner {
    engine: Engine,
    pub(crate) context: Box<VMStoreContext>,
    data: RefCell<StoreData>,
    /// Host handle counts and what deleted instances released (`collect.rs`).
    collector: RefCell<super::collect::Collector>,
    /// Calls into wasm in progress on this store (nested through host functions).
    wasm_calls: Cell<u32>,
    /// What the store may allocate, and the memory bytes it holds.
    limiter: std::sync::Arc<super::limits::Limiter>,
}

impl Drop for StoreInner {
    fn drop(&mut self) {
        self.engine.unregister_epoch_store(&self.context);
    }
}

/// A store handle; clones share the store, which lives as long as any handle.
#[derive(Clone)]
pub struct Store {
    inner: Rc<StoreInner>,
}

impl Store {
    pub fn new(engine: &Engine) -> Self {
        // Without epoch interruption no code reads the epoch, and a null address means no
        // deadline is ever reached (`VMStoreContext::deadline_reached`).
        let epoch_address = if engine.config().epoch_interruption {
            engine.epoch_address()
        } else {
            0
        };
        let context = Box::new(VMStoreContext::default());
        context.epoch_address.set(epoch_address);
        context
            .epoch_deadline
            .store(u64::MAX, std::sync::atomic::Ordering::SeqCst);
        engine.register_epoch_store(&context);
        Store {
            inner: Rc::new(StoreInner {
                engine: engine.clone(),
                context,
                data: RefCell::new(StoreData::default()),
                collector: RefCell::default(),
                wasm_calls: Cell::new(0),
                limiter: Default::default(),
            }),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Code of this store traps with "interrupted" once the engine's epoch reaches its current
    /// value plus `ticks` (with epoch interruption; the deadline starts at never).
    pub fn set_epoch_deadline(&self, ticks: u64) {
        let deadline = self.inner.engine.epoch().saturating_add(ticks);
        let context = &self.inner.context;
        context
            .epoch_deadline
            .store(deadline, std::sync::atomic::Ordering::SeqCst);
        // A host function may move the deadline while wasm below it runs: the limit the
        // function entries see follows it at once.
        context.refresh_stack_limit(trap::stack_limit());
    }

    pub fn same(&self, other: &Store) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    pub(crate) fn context_ptr(&self) -> *const VMStoreContext {
        &*self.inner.context
    }

    /// The store's objects, borrowed. Never hold this across a call into wasm.
    pub fn data(&self) -> RefMut<'_, StoreData> {
        self.inner.data.borrow_mut()
    }

    pub(super) fn try_data(&self) -> std::result::Result<RefMut<'_, StoreData>, ()> {
        self.inner.data.try_borrow_mut().map_err(|_| ())
    }

    pub(super) fn collector(&self) -> RefMut<'_, super::collect::Collector> {
        self.inner.collector.borrow_mut()
    }

    pub(super) fn try_collector(
        &self,
    ) -> std::result::Result<RefMut<'_, super::collect::Collector>, ()> {
        self.inner.collector.try_borrow_mut().map_err(|_| ())
    }

    /// Whether wasm code of this store is running (a host function called from it runs now).
    pub fn wasm_running(&self) -> bool {
        self.inner.wasm_calls.get() > 0
    }

    // ---- functions --------------------------------------------------------------------------

    /// A new host function of type `ty` (any signature, v128 included: the callback receives
    /// and returns `Val::V128` values; the C API refuses to pass them on).
    pub fn new_host_func(&self, ty: FuncType, callback: HostCallback) -> Result<u32> {
        let stub = self.engine().host_stub(&ty)?;
        let type_id = TypeId::of(&ty).index();
        let mut host = Box::new(HostFunc {
            func_ref: VMFuncRef {
                code: stub.into(),
                vmctx: 0,
                type_id,
                array_call: 0.into(),
            },
            ty,
            callback,
            store: Rc::downgrade(&self.inner),
        });
        host.func_ref.vmctx = &*host as *const HostFunc as usize;
        let key = &host.func_ref as *const VMFuncRef as usize;
        let mut data = self.data();
        let index = data.funcs.len() as u32;
        data.funcs.push(FuncData::Host(host));
        data.func_by_ref.insert(key, index);
        Ok(index)
    }

    /// The store function for a function reference (registering it on first sight).
    pub fn func_from_ref(&self, func_ref: usize) -> Option<u32> {
        if func_ref == 0 {
            return None;
        }
        let mut data = self.data();
        if let Some(&i) = data.func_by_ref.get(&func_ref) {
            return Some(i);
        }
        // SAFETY: non-null function references in this store point at live VMFuncRefs.
        let type_id = unsafe { (*(func_ref as *const VMFuncRef)).type_id };
        let ty = TypeId::from_index(type_id).expect("a VMFuncRef's type id is registered");
        let index = data.funcs.len() as u32;
        data.funcs.push(FuncData::Wasm {
            func_ref: func_ref as *const VMFuncRef,
            ty: (*ty.func_type()).clone(),
        });
        data.func_by_ref.insert(func_ref, index);
        Some(index)
    }

    pub fn func_ref(&self, func: u32) -> usize {
        self.data().funcs[func as usize].func_ref() as usize
    }

    pub fn func_type(&self, func: u32) -> FuncType {
        self.data().funcs[func as usize].ty().clone()
    }

    /// Calls `func` with `args` (checked against its type) and returns its results.
    pub fn call(&self, func: u32, args: &[Val]) -> std::result::Result<Vec<Val>, Trap> {
        let (ty, func_ref, host, id) = {
            let data = self.data();
            let f = &data.funcs[func as usize];
            let host = matches!(f, FuncData::Host(_));
            (f.ty().clone(), f.func_ref(), host, f.type_id())
        };
        if args.len() != ty.params.len()
            || args
                .iter()
                .zip(ty.params_of(id))
                .any(|(a, t)| !a.matches(t))
        {
            return Err(Trap::new(format!(
                "argument type mismatch: function expects {ty}, got ({})",
                args.iter()
                    .map(|a| a.ty().to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            )));
        }
        if host {
            let mut results: Vec<Val> = ty.results.iter().map(|&t| Val::default_for(t)).collect();
            // SAFETY: a host function's vmctx is its HostFunc, owned by this store.
            let host = unsafe { &*((*func_ref).vmctx as *const HostFunc) };
            (host.callback)(self, args, &mut results)?;
            return Ok(results);
        }
        let mut slots: Vec<u128> = vec![0; ty.params.len().max(ty.results.len()).max(1)];
        for (slot, a) in slots.iter_mut().zip(args) {
            *slot = a.to_bits();
        }
        self.enter_wasm(func_ref, &ty, &mut slots)?;
        Ok(ty
            .results
            .iter()
            .zip(&slots)
            .map(|(&t, &bits)| Val::from_bits(t, bits))
            .collect())
    }

    /// Runs a wasm function through its array trampoline, catching traps.
    fn enter_wasm(
        &self,
        func_ref: *const VMFuncRef,
        ty: &FuncType,
        slots: &mut [u128],
    ) -> std::result::Result<(), Trap> {
        // Poisoned at once if the deadline has already been reached.
        self.inner.context.refresh_stack_limit(trap::stack_limit());
        // SAFETY: `func_ref` is a live wasm function reference of this store; its trampoline
        // matches its signature and reads/writes at most `slots.len()` 16-byte slots.
        let (tramp, vmctx, code) = unsafe {
            (
                (*func_ref)
                    .array_call
                    .load(std::sync::atomic::Ordering::Relaxed),
                (*func_ref).vmctx,
                (*func_ref).code.load(std::sync::atomic::Ordering::Acquire),
            )
        };
        // Lift-off modules get the trampolines of their exports' signatures up front and the
        // others from the engine on a host's first call (a function reached through a table).
        let tramp = if tramp == 0 {
            let tramp = self.engine().trampoline(ty).map_err(|e| {
                Trap::new(format!("cannot compile the host entry point of {ty}: {e}"))
            })?;
            // SAFETY: as above, `func_ref` is live.
            unsafe {
                (*func_ref)
                    .array_call
                    .store(tramp, std::sync::atomic::Ordering::Relaxed)
            };
            tramp
        } else {
            tramp
        };
        debug_assert_eq!(std::mem::size_of::<u128>(), VALUE_SLOT as usize);
        let slots_ptr = slots.as_mut_ptr();
        let calls = &self.inner.wasm_calls;
        calls.set(calls.get() + 1);
        let result = trap::catch_traps(|| {
            // SAFETY: see above.
            let tramp: extern "C" fn(usize, usize, *mut u128) =
                unsafe { std::mem::transmute(tramp) };
            tramp(vmctx, code, slots_ptr);
        })
        .map_err(|t| self.resolve_exception(t));
        calls.set(calls.get() - 1);
        if calls.get() == 0 {
            // A host function may have deleted an instance while wasm ran (see `collect.rs`).
            self.collect();
            // No wasm frame of this store holds an exnref now; the results may.
            if result.is_ok() && self.sweep_due() {
                let results = ty.results.iter().zip(slots.iter());
                let roots: Vec<usize> = results
                    .filter(|(t, _)| t.is_exn_ref())
                    .map(|(_, &bits)| bits as u64 as usize)
                    .collect();
                self.sweep_exceptions(&roots);
            }
        }
        result
    }

    /// Kept exceptions (see `VMStoreContext::kept_exceptions`) a sweep waits for: at least
    /// this many, and twice what the last sweep left.
    const SWEEP_MIN: usize = 256;

    /// Whether enough kept exceptions have accumulated for [`Self::sweep_exceptions`].
    fn sweep_due(&self) -> bool {
        let context = &self.inner.context;
        context.kept_exceptions.borrow().len() >= context.sweep_at.get().max(Self::SWEEP_MIN)
    }

    /// Frees the kept exceptions no exnref can reach any more (when [`Self::sweep_due`]).
    /// Called only when no call into wasm is running on this store, so no frame holds one:
    /// what can reach a kept exception then is an exnref in one of the store's tables or
    /// globals, in `roots` (the results of the call that just returned), in the payload of
    /// another reachable exception, or a handle the host was given (pinned, never freed before
    /// the store). A payload is scanned by its tag's type; an exception of another store's tag
    /// (rethrown here by a host function) can only hold exnrefs the host was given.
    fn sweep_exceptions(&self, roots: &[usize]) {
        use super::builtins::{exception_payload, exception_pinned, exception_tag, free_exception};
        let context = &self.inner.context;
        let mut kept = context.kept_exceptions.borrow_mut();
        let all: std::collections::HashSet<usize> = kept.iter().copied().collect();
        let mut work: Vec<usize> = kept
            .iter()
            .copied()
            .filter(|&e| exception_pinned(e))
            .collect();
        work.extend(roots.iter().copied());
        let data = self.data();
        for table in data.tables.iter().filter(|t| t.ty.element.is_exn_ref()) {
            work.extend(table.elements().iter().copied());
        }
        for global in data.globals.iter().filter(|g| g.ty.content.is_exn_ref()) {
            work.push(global.vm.bits as u64 as usize);
        }
        // Which payload slots are exnrefs, by tag address.
        let exn_slots: HashMap<usize, Vec<usize>> = data
            .tags
            .iter()
            .map(|t| {
                let address = &t.vm as *const crate::vm::VMTag as usize;
                let slots = t.ty.params.iter().enumerate();
                let slots = slots.filter(|(_, p)| p.is_exn_ref()).map(|(i, _)| i);
                (address, slots.collect())
            })
            .collect();
        drop(data);
        let mut reached = std::collections::HashSet::new();
        while let Some(e) = work.pop() {
            if !all.contains(&e) || !reached.insert(e) {
                continue;
            }
            if let Some(slots) = exn_slots.get(&exception_tag(e)) {
                let payload = exception_payload(e);
                work.extend(slots.iter().map(|&i| payload[i] as u64 as usize));
            }
        }
        kept.retain(|&e| {
            if reached.contains(&e) {
                return true;
            }
            // SAFETY: a kept exception of this store that nothing reaches, dropped from the
            // list as it is freed.
            unsafe { free_exception(e) };
            false
        });
        context.sweep_at.set(2 * kept.len());
    }

    /// How many exceptions the store keeps for exnrefs (tests watch sweeps with it).
    pub fn kept_exceptions(&self) -> usize {
        self.inner.context.kept_exceptions.borrow().len()
    }

    // ---- memories, tables, globals ----------------------------------------------------------

    /// Caps what the store may allocate from now on (see [`super::limits::StoreLimits`]).
    pub fn set_limits(&self, limits: super::limits::StoreLimits) {
        self.inner.limiter.set(limits);
    }

    /// The store's caps.
    pub fn limits(&self) -> super::limits::StoreLimits {
        self.inner.limiter.limits()
    }

    /// The store may hold one more instance (under its limit).
    pub fn check_instance_limit(&self) -> Result<()> {
        let count = self.data().instances.len();
        super::limits::Limiter::count_fits(self.limits().instances, count, "instances")
    }

    pub fn new_memory(&self, ty: MemoryType) -> Result<u32> {
        if ty.limits.max.is_some_and(|max| max < ty.limits.min) {
            return Err(Error::new("memory minimum exceeds its maximum"));
        }
        let limiter = &self.inner.limiter;
        let count = self.data().memories.len();
        super::limits::Limiter::count_fits(limiter.limits().memories, count, "memories")?;
        // The initial pages count against the limits before they are allocated.
        let bytes = ty
            .limits
            .min
            .saturating_mul(super::memory::PAGE_SIZE as u64);
        limiter.grow_memory(0, bytes)?;
        let mut memory = match LinearMemory::new(ty) {
            Ok(m) => Box::new(m),
            Err(e) => {
                limiter.free_memory(bytes);
                return Err(e);
            }
        };
        memory.set_limiter(limiter.clone());
        let mut data = self.data();
        data.memories.push(memory);
        Ok(data.memories.len() as u32 - 1)
    }

    pub fn new_table(&self, ty: TableType, init: Val) -> Result<u32> {
        if ty.limits.max.is_some_and(|max| max < ty.limits.min) {
            return Err(Error::new("table minimum exceeds its maximum"));
        }
        if !ty.element.is_ref() || !init.matches(ty.element) {
            return Err(Error::new(
                "table initial value does not match the element type",
            ));
        }
        let limiter = &self.inner.limiter;
        let count = self.data().tables.len();
        super::limits::Limiter::count_fits(limiter.limits().tables, count, "tables")?;
        limiter.table_fits(ty.limits.min)?;
        let mut table = Table::new(ty, init.to_bits() as usize)
            .ok_or_else(|| Error::new("table minimum size is too large"))?;
        table.limiter = Some(limiter.clone());
        let mut data = self.data();
        data.tables.push(Box::new(table));
        Ok(data.tables.len() as u32 - 1)
    }

    pub fn new_global(&self, ty: GlobalType, value: Val) -> Result<u32> {
        if !value.matches(ty.content) {
            return Err(Error::new(format!(
                "global initial value has type {}, expected {}",
                value.ty(),
                ty.content
            )));
        }
        let mut data = self.data();
        data.globals.push(Box::new(GlobalData {
            vm: VMGlobal {
                bits: value.to_bits(),
            },
            ty,
        }));
        Ok(data.globals.len() as u32 - 1)
    }

    pub fn global_get(&self, global: u32) -> Val {
        let data = self.data();
        let g = &data.globals[global as usize];
        Val::from_bits(g.ty.content, g.vm.bits)
    }

    /// Sets a mutable global; an error for an immutable one or a value of the wrong type.
    pub fn global_set(&self, global: u32, value: Val) -> Result<()> {
        let mut data = self.data();
        let g = &mut data.globals[global as usize];
        if !g.ty.mutable {
            return Err(Error::new("cannot set an immutable global"));
        }
        if !value.matches(g.ty.content) {
            return Err(Error::new(format!(
                "global has type {}, value is {}",
                g.ty.content,
                value.ty()
            )));
        }
        g.vm.bits = value.to_bits();
        Ok(())
    }

    /// A new tag of type `ty`; its index.
    pub fn new_tag(&self, ty: crate::module::types::FuncType, name: String) -> u32 {
        let mut data = self.data();
        let type_id = crate::module::types::TypeId::of(&ty).index();
        data.tags.push(Box::new(TagData {
            ty,
            vm: crate::vm::VMTag { type_id },
            name,
        }));
        data.tags.len() as u32 - 1
    }

    /// The store tag at `address` (a `VMTag`'s), if it is one of this store's.
    fn tag_at(&self, address: usize) -> Option<u32> {
        let data = self.data();
        data.tags
            .iter()
            .position(|t| &t.vm as *const crate::vm::VMTag as usize == address)
            .map(|i| i as u32)
    }

    /// Gives an "uncaught exception" trap its exception (tag and typed payload) and names the
    /// tag in its message.
    fn resolve_exception(&self, mut trap: Trap) -> Trap {
        if let Some((address, slots)) = trap.raw_exception.take().map(|b| *b) {
            if let Some(tag) = self.tag_at(address) {
                let ty = self.data().tags[tag as usize].ty.clone();
                let payload = ty
                    .params
                    .iter()
                    .zip(slots)
                    .map(|(&t, bits)| Val::from_bits(t, bits))
                    .collect::<Vec<_>>();
                // The host gets the payload's exnrefs: no sweep may free them.
                for v in &payload {
                    if let Val::ExnRef(e) = *v {
                        if e != 0 {
                            super::builtins::pin_exception(e);
                        }
                    }
                }
                trap.exception = Some(Box::new(trap::Exception { tag, payload }));
            }
        }
        if let Some(e) = &trap.exception {
            if let Some(t) = self.data().tags.get(e.tag as usize) {
                trap.message = format!("uncaught exception (tag {})", t.name);
            }
        }
        trap
    }

    /// The type of a store entity, as an import would see it now (tables and memories report
    /// their current size as the minimum).
    pub fn extern_type(&self, ext: Extern) -> ExternType {
        let data = self.data();
        match ext {
            Extern::Func(i) => ExternType::Func(data.funcs[i as usize].ty().clone()),
            Extern::Global(i) => ExternType::Global(data.globals[i as usize].ty),
            Extern::Table(i) => {
                let t = &data.tables[i as usize];
                let mut ty = t.ty;
                ty.limits.min = t.size() as u64;
                ExternType::Table(ty)
            }
            Extern::Tag(i) => ExternType::Tag(data.tags[i as usize].ty.clone()),
            Extern::Memory(i) => {
                let m = &data.memories[i as usize];
                let mut ty = m.ty;
                ty.limits.min = m.pages();
                ExternType::Memory(ty)
            }
        }
    }

    // ---- externrefs and host data -------------------------------------------------------------

    /// A new externref carrying `value`, alive as long as the store.
    pub fn new_externref(&self, value: Box<dyn Any>) -> usize {
        let data_box = Box::new(ExternRefData { value });
        let ptr = &*data_box as *const ExternRefData as usize;
        self.data().externrefs.push(data_box);
        ptr
    }

    /// The payload of a non-null externref of this store.
    ///
    /// # Safety
    /// `ptr` must be an externref created by this store.
    pub unsafe fn externref_value(&self, ptr: usize) -> &dyn Any {
        // SAFETY: see the function's contract; payloads live as long as the store.
        unsafe { &*(*(ptr as *const ExternRefData)).value }
    }

    /// The host's data slot for an entity (`kind` tells entity kinds apart), dropped with the
    /// store.
    pub fn with_host_data<R>(
        &self,
        kind: u8,
        index: u32,
        f: impl FnOnce(&mut Option<Box<dyn Any>>) -> R,
    ) -> R {
        let mut slot = self.data().host_data.remove(&(kind, index));
        let r = f(&mut slot);
        if let Some(v) = slot {
            self.data().host_data.insert((kind, index), v);
        }
        r
    }
}

/// Called by host stubs: runs host function `host` on the argument slots, writes the results
/// back; returns 1 (with the trap parked) if it trapped.
pub(crate) fn host_call(host: *const HostFunc, values: *mut u128) -> u32 {
    // SAFETY: host stubs pass the HostFunc their VMFuncRef carries, alive with its store, and a
    // slot array large enough for the signature's parameters and results.
    let host = unsafe { &*host };
    let Some(inner) = host.store.upgrade() else {
        trap::set_pending(Trap::new(
            "host function called after its store was deleted",
        ));
        return 1;
    };
    let store = Store { inner };
    let n = host.ty.params.len().max(host.ty.results.len());
    // SAFETY: see above.
    let slots = unsafe { std::slice::from_raw_parts_mut(values, n.max(1)) };
    let args: Vec<Val> = host
        .ty
        .params
        .iter()
        .zip(slots.iter())
        .map(|(&t, &b)| Val::from_bits(t, b))
        .collect();
    let mut results: Vec<Val> = host
        .ty
        .results
        .iter()
        .map(|&t| Val::default_for(t))
        .collect();
    let outcome = trap::in_host(|| (host.callback)(&store, &args, &mut results));
    match outcome {
        Ok(()) => {
            let id = TypeId::from_vm(host.func_ref.type_id);
            for (i, (r, t)) in results.iter().zip(host.ty.results_of(id)).enumerate() {
                if !r.matches(t) {
                    trap::set_pending(Trap::new(format!(
                        "host function returned {} for result {i}, expected {t}",
                        r.ty()
                    )));
                    return 1;
                }
                slots[i] = r.to_bits();
            }
            0
        }
        Err(t) => {
            if let Some(e) = &t.exception {
                match store.exception_for_wasm(e) {
                    Ok(exception) => {
                        // SAFETY: a new exception of `exception.c`'s; raised by the stub.
                        unsafe { wasmo_exception_set_pending(exception) };
                    }
                    Err(message) => trap::set_pending(Trap::new(message)),
                }
                return 1;
            }
            trap::set_pending(t);
            1
        }
    }
}

extern "C" {
    fn wasmo_exception_alloc(tag: usize, values: *const u128, count: u32) -> *mut u8;
    fn wasmo_exception_set_pending(exception: *mut u8);
}

impl Store {
    /// The exception object a host function throws into wasm for `e`, after checking it
    /// against its tag.
    fn exception_for_wasm(&self, e: &trap::Exception) -> std::result::Result<*mut u8, String> {
        let data = self.data();
        let Some(tag) = data.tags.get(e.tag as usize) else {
            return Err("host function threw an exception of a tag of another store".into());
        };
        if e.payload.len() != tag.ty.params.len()
            || e.payload
                .iter()
                .zip(&tag.ty.params)
                .any(|(v, &t)| v.ty() != t)
        {
            return Err(format!(
                "host function threw an exception whose payload does not match its tag {}",
                tag.ty
            ));
        }
        let slots: Vec<u128> = e.payload.iter().map(|v| v.to_bits()).collect();
        let address = &tag.vm as *const crate::vm::VMTag as usize;
        // SAFETY: `slots` holds `count` values; the object copies them.
        let exception =
            unsafe { wasmo_exception_alloc(address, slots.as_ptr(), slots.len() as u32) };
        if exception.is_null() {
            return Err("out of memory for an exception".into());
        }
        Ok(exception)
    }
}
