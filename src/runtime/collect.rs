//! Giving back what deleted instances held (issue 14, finding 5). A store owns every entity it
//! made until it is deleted; but an instance the host has deleted, and that nothing else can
//! reach any more, must not keep its linear memories (each an 8 GiB address-space reservation:
//! some 16,000 of them exhaust a process).
//!
//! Hosts that count their handles (the C API: each `wasm_*_t` of a store entity holds one
//! [`Held`]) tell the store about them; an instance they made is *collectable*
//! ([`Store::make_collectable`]). When the last handle of a collectable instance goes, the store
//! marks what is reachable from every held entity and every instance that is not collectable (an
//! externref wrapping an entity holds it for good): an instance reaches what it imports and
//! defines, a function its instance, a funcref table or global the instances of its functions. A
//! collectable instance that is neither held nor reached is *released*: the memories it defined
//! that are not reached either are unmapped
//! ([`LinearMemory::release`](super::memory::LinearMemory::release)). Nothing is released while
//! wasm runs in the store (a host function may delete the handle of an instance whose code is on
//! the stack); the outermost call retries when it returns. The instance itself (vmctx, a few
//! hundred bytes) and its tables and globals stay until the store goes.
//!
//! A released instance is unreachable by construction, so nothing calls its code again; should
//! anything still touch its memories, their base is a shared `PROT_NONE` reservation (a trap).

use super::instance::Instance;
use super::store::{Extern, FuncData, Store, StoreData};
use crate::vm::VMFuncRef;
use std::collections::{BTreeSet, HashMap, HashSet};

/// A store entity a host handle keeps alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Held {
    Extern(Extern),
    Instance(u32),
}

impl Held {
    /// The entity's index in its store (of its kind).
    pub fn index(self) -> u32 {
        match self {
            Held::Instance(i)
            | Held::Extern(Extern::Func(i))
            | Held::Extern(Extern::Global(i))
            | Held::Extern(Extern::Table(i))
            | Held::Extern(Extern::Memory(i))
            | Held::Extern(Extern::Tag(i)) => i,
        }
    }
}

/// The handle counts and collection state of one store.
#[derive(Default)]
pub struct Collector {
    /// Live host handles per entity.
    holds: HashMap<Held, usize>,
    /// Instances the counting host made (released ones included).
    collectable: HashSet<u32>,
    /// Collectable instances with no handle left and not released yet: the candidates.
    orphans: BTreeSet<u32>,
    released: HashSet<u32>,
}

impl Store {
    /// A host handle to `held` was made.
    pub fn hold(&self, held: Held) {
        let mut c = self.collector();
        *c.holds.entry(held).or_insert(0) += 1;
        if let Held::Instance(i) = held {
            c.orphans.remove(&i);
        }
    }

    /// A host handle to `held` was deleted. When it was the last handle of anything and some
    /// deleted instance is still unreleased, collects.
    pub fn unhold(&self, held: Held) {
        let last = {
            let mut c = self.collector();
            let Some(n) = c.holds.get_mut(&held) else {
                return;
            };
            *n -= 1;
            if *n > 0 {
                return;
            }
            c.holds.remove(&held);
            if let Held::Instance(i) = held {
                if c.collectable.contains(&i) && !c.released.contains(&i) {
                    c.orphans.insert(i);
                }
            }
            !c.orphans.is_empty()
        };
        if last {
            self.collect();
        }
    }

    /// Instance `index` was made by a host that counts its handles: once none is left and
    /// nothing reaches it, what it holds may be released.
    pub fn make_collectable(&self, index: u32) {
        let mut c = self.collector();
        c.collectable.insert(index);
        if !c.holds.contains_key(&Held::Instance(index)) {
            c.orphans.insert(index);
        }
    }

    /// Whether instance `index` was released (its memories given back).
    pub fn instance_released(&self, index: u32) -> bool {
        self.collector().released.contains(&index)
    }

    /// Releases the memories of every deleted, unreachable instance (see the module docs).
    pub fn collect(&self) {
        if self.wasm_running() {
            return;
        }
        let (Ok(mut data), Ok(mut c)) = (self.try_data(), self.try_collector()) else {
            return;
        };
        if c.orphans.is_empty() {
            return;
        }
        let reached = mark(&data, &c);
        let orphans: Vec<u32> = c.orphans.iter().copied().collect();
        for i in orphans {
            if reached.instances.contains(&i) {
                continue;
            }
            c.orphans.remove(&i);
            c.released.insert(i);
            let defined = data.instances[i as usize].defined_memories.clone();
            for m in defined {
                if !reached.externs.contains(&Extern::Memory(m)) {
                    // A memory whose reservation cannot be swapped for the shared one stays.
                    let _ = data.memories[m as usize].release();
                }
            }
        }
    }
}

/// What the mark phase reached.
#[derive(Default)]
struct Reached {
    instances: HashSet<u32>,
    externs: HashSet<Extern>,
}

fn mark(data: &StoreData, c: &Collector) -> Reached {
    let mut reached = Reached::default();
    let mut work: Vec<Held> = c.holds.keys().copied().collect();
    // Instances of hosts that do not count handles (the Rust API's are `Copy`) are roots.
    if data.instances.len() > c.collectable.len() {
        work.extend(
            (0..data.instances.len() as u32)
                .filter(|i| !c.collectable.contains(i))
                .map(Held::Instance),
        );
    }
    while let Some(item) = work.pop() {
        match item {
            Held::Instance(i) => {
                if !reached.instances.insert(i) {
                    continue;
                }
                if let Some(inst) = data.instances.get(i as usize) {
                    work.extend(inst.uses.iter().map(|&e| Held::Extern(e)));
                }
            }
            Held::Extern(e) => {
                if !reached.externs.insert(e) {
                    continue;
                }
                match e {
                    Extern::Func(f) => {
                        if let Some(FuncData::Wasm { func_ref, .. }) = data.funcs.get(f as usize) {
                            work.extend(instance_of(data, *func_ref as usize).map(Held::Instance));
                        }
                    }
                    Extern::Table(t) => {
                        let table = &data.tables[t as usize];
                        if table.ty.element.is_func_ref() {
                            for &r in table.elements() {
                                work.extend(instance_of(data, r).map(Held::Instance));
                            }
                        }
                    }
                    Extern::Global(g) => {
                        let global = &data.globals[g as usize];
                        if global.ty.content.is_func_ref() {
                            let r = global.vm.bits as usize;
                            work.extend(instance_of(data, r).map(Held::Instance));
                        }
                    }
                    Extern::Memory(_) | Extern::Tag(_) => {}
                }
            }
        }
    }
    reached
}

/// The store instance a function reference belongs to (None for null and host functions).
fn instance_of(data: &StoreData, func_ref: usize) -> Option<u32> {
    if func_ref == 0 || data.is_host_func_ref(func_ref) {
        return None;
    }
    // SAFETY: a non-null, non-host function reference of this store is a live wasm one.
    let instance = unsafe { Instance::of_func_ref(func_ref as *const VMFuncRef) };
    Some(instance.index)
}
