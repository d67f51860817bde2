//! Wasmo's public Rust embedding API, mirroring the embedding appendix of the WebAssembly spec:
//! a [`Store`]; modules decoded ([`Module::new`]), parsed from text ([`Module::from_text`]),
//! validated, reflected ([`Module::imports`], [`Module::exports`]) and instantiated
//! ([`Instance::new`]); instance exports; functions (host functions made with [`Func::new`],
//! their types, calls); tables, memories and globals (made, typed, read, written, sized, grown);
//! serialisation; and the engine settings ([`Config`]).
//!
//! Entities are typed handles ([`Func`], [`Table`], [`Memory`], [`Global`], [`Instance`]) into
//! the store that made them; they are `Copy` and mean nothing in another store. Values are
//! [`Val`]s, failures `Result`s: [`Error`] for what is refused, [`Trap`] for what trapped.
//!
//! The C API (`capi/`), the `wasmo` tool and the spec test runner are written on this API alone.
//!
//! # Example
//!
//! ```
//! use wasmo::api::{Engine, Extern, Func, FuncType, Instance, Module, Store, Val, ValType};
//!
//! let engine = Engine::default();
//! let module = Module::from_text(
//!     &engine,
//!     r#"(module
//!          (import "host" "double" (func $double (param i32) (result i32)))
//!          (memory (export "memory") 1)
//!          (func (export "run") (param i32) (result i32)
//!            (i32.store (i32.const 8) (call $double (local.get 0)))
//!            (i32.load (i32.const 8))))"#,
//! )?;
//! let store = Store::new(&engine);
//! let double = Func::new(
//!     &store,
//!     FuncType::new(vec![ValType::I32], vec![ValType::I32]),
//!     |_store, args, results| {
//!         let Val::I32(x) = args[0] else { unreachable!("typed i32") };
//!         results[0] = Val::I32(x * 2);
//!         Ok(())
//!     },
//! )?;
//! let instance = Instance::new(&store, &module, &[Extern::Func(double)])?;
//! let run = instance.get_func(&store, "run").expect("exported");
//! assert_eq!(run.call(&store, &[Val::I32(21)])?, vec![Val::I32(42)]);
//! let memory = instance.get_memory(&store, "memory").expect("exported");
//! let mut word = [0u8; 4];
//! memory.read(&store, 8, &mut word)?;
//! assert_eq!(u32::from_le_bytes(word), 42);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod inspect;

pub use inspect::{
    host_triple, ArtifactHeader, ArtifactSummary, CodeForm, ModuleSummary, BUILD_ID,
};

use crate::artifact;
use crate::runtime::collect::Held;
use crate::runtime::instance::instantiate;
use crate::runtime::store::Extern as RtExtern;
use crate::runtime::values::Val as RtVal;
use std::any::Any;

pub use crate::artifact::code_map::FrameInfo;
pub use crate::engine::{Config, Engine, Mode};
pub use crate::error::{Error, Result};
pub use crate::module::types::{
    ExternKind, ExternType, FuncType, GlobalType, HeapType, Limits, MemoryType, RefType, TableType,
    TypeId, ValType,
};
pub use crate::module::{Export as ExportType, Import as ImportType};
pub use crate::runtime::instance::InstantiationError;
pub use crate::runtime::limits::StoreLimits;
pub use crate::runtime::trap::{Trap, TrapCode};
pub use crate::tier::{osr_failures, FuncTier, TierCounts};

/// How many wasm exceptions this thread's calls into wasm left alive when they returned
/// normally (and freed then): each one a share of an exception compiled code failed to let go
/// of. Always 0 unless Wasmo has a bug; for tests.
#[doc(hidden)]
pub fn leaked_exceptions() -> u64 {
    crate::runtime::builtins::leaked_exceptions()
}

/// A store: the unit of isolation that owns instances, functions, tables, memories, globals
/// and externref payloads. Clones share the store; it lives as long as any clone. A store is
/// used by one thread at a time (it is not `Send`).
#[derive(Clone)]
pub struct Store(crate::runtime::store::Store);

impl Store {
    /// A new, empty store of `engine`.
    pub fn new(engine: &Engine) -> Store {
        Store(crate::runtime::store::Store::new(engine))
    }

    /// The engine this store belongs to.
    pub fn engine(&self) -> &Engine {
        self.0.engine()
    }

    /// How many exceptions the store keeps because an exnref to them was made (caught with
    /// `catch_ref`/`catch_all_ref`) and no sweep has found unreachable yet; for tests.
    #[doc(hidden)]
    pub fn kept_exceptions(&self) -> usize {
        self.0.kept_exceptions()
    }

    /// With `Config::epoch_interruption`: wasm code of this store traps with "interrupted" at
    /// its next check (a function entry, a loop's back-edge) once [`Engine::increment_epoch`] has been called
    /// `ticks` more times (0: at once). Until this is called, never. The store stays usable
    /// after such a trap; set a new deadline before calling in again. Set it between calls: a
    /// deadline changed by a host function while wasm code runs applies to the functions called
    /// after that, not to the loops already running (compiled code reads it once per call).
    pub fn set_epoch_deadline(&self, ticks: u64) {
        self.0.set_epoch_deadline(ticks)
    }

    /// Caps what the store may allocate from now on: bytes per linear memory and in all,
    /// elements per table, instances, memories and tables. Growing past a cap fails as growing
    /// past a maximum does (`memory.grow`/`table.grow` give -1, [`Memory::grow`] an error);
    /// creating an instance, memory or table past one is an error naming the cap.
    pub fn set_limits(&self, limits: StoreLimits) {
        self.0.set_limits(limits)
    }

    /// The store's caps.
    pub fn limits(&self) -> StoreLimits {
        self.0.limits()
    }

    /// Whether `self` and `other` are the same store.
    pub fn same(&self, other: &Store) -> bool {
        self.0.same(&other.0)
    }

    /// Runs `f` on the host's data slot for `entity` (empty at first, dropped with the store).
    /// Embedders keep per-entity data here (the C API its host info).
    pub fn with_host_data<R>(
        &self,
        entity: Entity,
        f: impl FnOnce(&mut Option<Box<dyn Any>>) -> R,
    ) -> R {
        let (kind, index) = entity.key();
        self.0.with_host_data(kind, index, f)
    }

    /// The only instance of this store running the code with id `code_id` (a frame's
    /// [`FrameInfo::module_id`]), or None if there is none or several.
    pub fn unique_instance_of_code(&self, code_id: u64) -> Option<Instance> {
        self.0.unique_instance_of_code(code_id).map(Instance)
    }
}

/// A validated, compiled module, ready to instantiate in any store of its engine. Cloning
/// shares it; it may be sent to other threads.
#[derive(Clone)]
pub struct Module(artifact::Module);

/// Translates a module in the text format (a `(module ...)`, or a module's fields alone) to the
/// binary format. The error gives the line and column of the first problem and shows that line.
pub fn wat2wasm(text: &str) -> Result<Vec<u8>> {
    wat::parse_str(text).map_err(|e| Error::new(format!("invalid text format: {e}")))
}

impl Module {
    /// Decodes, validates and compiles the binary module `bytes` (or takes its code from the
    /// engine's code cache). An error names what is malformed, invalid or unsupported.
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        artifact::Module::new(engine, bytes).map(Module)
    }

    /// Parses a module in the text format (or binary bytes given as text), then as
    /// [`Module::new`].
    pub fn from_text(engine: &Engine, text: &str) -> Result<Module> {
        Module::new(engine, &wat2wasm(text)?)
    }

    /// Whether `engine` would create a module from `bytes`, without compiling it (the same
    /// answer as [`Module::new`], in every compile mode).
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<()> {
        artifact::Module::validate(engine, bytes)
    }

    /// The module's imports, in order.
    pub fn imports(&self) -> &[ImportType] {
        &self.0.info().imports
    }

    /// The module's exports, in order.
    pub fn exports(&self) -> &[ExportType] {
        &self.0.info().exports
    }

    /// The type of export `export` (one of [`Module::exports`]).
    pub fn export_type(&self, export: &ExportType) -> ExternType {
        self.0.info().export_type(export)
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        self.0.engine()
    }

    /// The module's binary.
    pub fn bytes(&self) -> &[u8] {
        self.0.bytes()
    }

    /// Whether the module's code came from the engine's code cache.
    pub fn from_cache(&self) -> bool {
        self.0.from_cache()
    }

    /// How many of the module's defined functions run on each tier (all optimised in optimised
    /// mode). The figures move while lift-off's tier-up runs.
    pub fn tier_counts(&self) -> TierCounts {
        self.0.code().tier_counts(self.0.info().bodies.len())
    }

    /// The tier defined function `defined` runs on (always optimised in optimised mode).
    pub fn func_tier(&self, defined: u32) -> FuncTier {
        match self.0.code().tier() {
            Some(tier) => tier.tier_of(defined),
            None => FuncTier::Optimized,
        }
    }

    /// Blocks until every function that runs baseline code runs optimised code (lift-off;
    /// returns at once in optimised mode).
    pub fn wait_for_tier_up(&self) {
        self.0.code().wait_for_tier_up(self.0.engine().tier_queue());
    }

    /// The module's optimised code as an artifact [`Module::deserialize`] loads without
    /// compiling (a lift-off module is compiled optimised for it first).
    pub fn serialize(&self) -> Result<Vec<u8>> {
        self.0.serialize()
    }

    /// Loads an artifact of [`Module::serialize`]; corrupt, truncated or foreign artifacts
    /// (another build, target or CPU) are refused.
    pub fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        artifact::Module::deserialize(engine, bytes).map(Module)
    }

    /// Loads the artifact of [`Module::serialize`] in the file at `path` by mapping the file
    /// (its code pages are shared by every process that maps it), with the same checks.
    pub fn deserialize_file(engine: &Engine, path: &std::path::Path) -> Result<Module> {
        artifact::Module::deserialize_file(engine, path).map(Module)
    }
}

/// A wasm value. Floats are kept as bits, so NaN payloads survive; references are handles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    /// An `i32` (its bits; wasm integers have no sign of their own).
    I32(i32),
    /// An `i64` (its bits).
    I64(i64),
    /// An `f32`'s bits.
    F32(u32),
    /// An `f64`'s bits.
    F64(u64),
    /// A `v128`, little-endian lane order (as in linear memory).
    V128(u128),
    /// A function reference, or null.
    FuncRef(Option<Func>),
    /// An external reference, or null.
    ExternRef(Option<ExternRef>),
    /// An exception caught with `catch_ref`/`catch_all_ref`, or null: an opaque handle that
    /// is valid in the store it came from.
    ExnRef(Option<ExnRef>),
}

/// A non-null exception reference (see [`Val::ExnRef`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExnRef(usize);

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FUNCREF,
            Val::ExternRef(_) => ValType::EXTERNREF,
            Val::ExnRef(_) => ValType::EXNREF,
        }
    }

    /// The zero value of `ty` (null for references).
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::Ref(r) if r.is_func() => Val::FuncRef(None),
            ValType::Ref(r) if r.heap == HeapType::Exn => Val::ExnRef(None),
            ValType::Ref(_) => Val::ExternRef(None),
        }
    }

    fn from_runtime(store: &Store, v: RtVal) -> Val {
        match v {
            RtVal::I32(x) => Val::I32(x),
            RtVal::I64(x) => Val::I64(x),
            RtVal::F32(x) => Val::F32(x),
            RtVal::F64(x) => Val::F64(x),
            RtVal::V128(x) => Val::V128(x),
            RtVal::FuncRef(p) => Val::FuncRef(store.0.func_from_ref(p).map(Func)),
            RtVal::ExternRef(0) => Val::ExternRef(None),
            RtVal::ExternRef(p) => Val::ExternRef(Some(ExternRef(p))),
            RtVal::ExnRef(0) => Val::ExnRef(None),
            RtVal::ExnRef(p) => {
                // The host may keep the handle anywhere: the store's sweeps must not free it.
                crate::runtime::builtins::pin_exception(p);
                Val::ExnRef(Some(ExnRef(p)))
            }
        }
    }

    fn to_runtime(self, store: &Store) -> RtVal {
        match self {
            Val::I32(x) => RtVal::I32(x),
            Val::I64(x) => RtVal::I64(x),
            Val::F32(x) => RtVal::F32(x),
            Val::F64(x) => RtVal::F64(x),
            Val::V128(x) => RtVal::V128(x),
            Val::FuncRef(f) => RtVal::FuncRef(f.map_or(0, |f| store.0.func_ref(f.0))),
            Val::ExternRef(r) => RtVal::ExternRef(r.map_or(0, |r| r.0)),
            Val::ExnRef(r) => RtVal::ExnRef(r.map_or(0, |r| r.0)),
        }
    }
}

fn to_runtime_vals(store: &Store, vals: &[Val]) -> Vec<RtVal> {
    vals.iter().map(|v| v.to_runtime(store)).collect()
}

/// A non-null external reference: a host value of any type, owned by the store that made it
/// and alive as long as the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternRef(usize);

impl ExternRef {
    /// A new external reference carrying `value`.
    pub fn new(store: &Store, value: Box<dyn Any>) -> ExternRef {
        ExternRef(store.0.new_externref(value))
    }

    /// The value the reference carries. `store` must be the store that made it.
    pub fn data<'s>(&self, store: &'s Store) -> &'s dyn Any {
        // SAFETY: an ExternRef is only made by `ExternRef::new` or read from wasm values of
        // `store` (the caller's contract), whose payloads live as long as the store.
        unsafe { store.0.externref_value(self.0) }
    }
}

/// An entity of a store, as an import or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A global.
    Global(Global),
    /// A table.
    Table(Table),
    /// A memory.
    Memory(Memory),
    /// An exception tag.
    Tag(Tag),
}

impl Extern {
    /// The entity's type as an import would see it now (tables and memories report their
    /// current size as the minimum).
    pub fn ty(&self, store: &Store) -> ExternType {
        store.0.extern_type(self.to_runtime())
    }

    fn to_runtime(self) -> RtExtern {
        match self {
            Extern::Func(f) => RtExtern::Func(f.0),
            Extern::Global(g) => RtExtern::Global(g.0),
            Extern::Table(t) => RtExtern::Table(t.0),
            Extern::Memory(m) => RtExtern::Memory(m.0),
            Extern::Tag(t) => RtExtern::Tag(t.0),
        }
    }

    fn from_runtime(e: RtExtern) -> Extern {
        match e {
            RtExtern::Func(i) => Extern::Func(Func(i)),
            RtExtern::Global(i) => Extern::Global(Global(i)),
            RtExtern::Table(i) => Extern::Table(Table(i)),
            RtExtern::Memory(i) => Extern::Memory(Memory(i)),
            RtExtern::Tag(i) => Extern::Tag(Tag(i)),
        }
    }
}

/// Any entity a store owns, for [`Store::with_host_data`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// A function.
    Func(Func),
    /// A global.
    Global(Global),
    /// A table.
    Table(Table),
    /// A memory.
    Memory(Memory),
    /// A instance.
    Instance(Instance),
    /// An exception tag.
    Tag(Tag),
}

impl Entity {
    /// The store's key for the entity's host data: kind and index.
    fn key(self) -> (u8, u32) {
        match self {
            Entity::Func(f) => (0, f.0),
            Entity::Global(g) => (1, g.0),
            Entity::Table(t) => (2, t.0),
            Entity::Memory(m) => (3, m.0),
            Entity::Instance(i) => (4, i.0),
            Entity::Tag(t) => (5, t.0),
        }
    }
}

macro_rules! entity_from {
    ($($ty:ident),*) => {$(
        impl From<$ty> for Entity {
            fn from(x: $ty) -> Entity {
                Entity::$ty(x)
            }
        }
    )*};
}
entity_from!(Func, Global, Table, Memory, Instance, Tag);

impl From<Extern> for Entity {
    fn from(e: Extern) -> Entity {
        match e {
            Extern::Func(f) => Entity::Func(f),
            Extern::Global(g) => Entity::Global(g),
            Extern::Table(t) => Entity::Table(t),
            Extern::Memory(m) => Entity::Memory(m),
            Extern::Tag(t) => Entity::Tag(t),
        }
    }
}

impl Entity {
    /// What the store's collector counts for the entity.
    fn held(self) -> Held {
        match self {
            Entity::Func(f) => Held::Extern(RtExtern::Func(f.0)),
            Entity::Global(g) => Held::Extern(RtExtern::Global(g.0)),
            Entity::Table(t) => Held::Extern(RtExtern::Table(t.0)),
            Entity::Memory(m) => Held::Extern(RtExtern::Memory(m.0)),
            Entity::Instance(i) => Held::Instance(i.0),
            Entity::Tag(t) => Held::Extern(RtExtern::Tag(t.0)),
        }
    }
}

/// A counted host handle to an entity of a store.
///
/// Entities live as long as their store. An embedder that keeps count of its handles, as the C
/// API does (each `wasm_*_t` of a store entity is one `Root`), lets the store give back what an
/// instance holds once no handle to it is left and nothing reaches it: it marks the instance
/// with [`Instance::release_when_unrooted`]. The store then releases the linear memories of
/// such an instance when neither a `Root` nor anything reachable from a `Root` or from an
/// unmarked instance refers to it (an instance reaches its imports and entities, a function its
/// instance, a funcref table or global the instances of its functions). Nothing is released
/// while wasm code of the store runs. A released instance is unreachable, so nothing can call
/// its code again.
pub struct Root {
    store: Store,
    entity: Entity,
}

impl Root {
    /// A new handle to `entity` of `store`.
    pub fn new(store: &Store, entity: Entity) -> Root {
        store.0.hold(entity.held());
        Root {
            store: store.clone(),
            entity,
        }
    }

    /// The store the entity belongs to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The entity held.
    pub fn entity(&self) -> Entity {
        self.entity
    }

    /// Keeps the entity held for as long as its store lives, without keeping the store alive
    /// (for a reference the store itself keeps, e.g. an externref wrapping the entity).
    pub fn hold_while_store_lives(self) {
        // One more count than handles: dropping `self` leaves it held.
        self.store.0.hold(self.entity.held());
    }
}

impl Clone for Root {
    fn clone(&self) -> Root {
        Root::new(&self.store, self.entity)
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        self.store.0.unhold(self.entity.held());
    }
}

/// A module instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instance(u32);

impl Instance {
    /// Instantiates `module` in `store` with `imports` (one per module import, in order):
    /// links them, creates the instance's entities, runs segments and the start function.
    pub fn new(
        store: &Store,
        module: &Module,
        imports: &[Extern],
    ) -> std::result::Result<Instance, InstantiationError> {
        let imports: Vec<RtExtern> = imports.iter().map(|e| e.to_runtime()).collect();
        instantiate(&store.0, &module.0, &imports).map(Instance)
    }

    /// Lets the store release the instance's memories once no [`Root`] holds it and nothing
    /// reaches it (see [`Root`]). For embedders that hold every handle as a `Root`.
    pub fn release_when_unrooted(&self, store: &Store) {
        store.0.make_collectable(self.0);
    }

    /// Whether the store has released the instance (see [`Root`]).
    pub fn is_released(&self, store: &Store) -> bool {
        store.0.instance_released(self.0)
    }

    /// The instance's exports, in the module's order.
    pub fn exports(&self, store: &Store) -> Vec<(String, Extern)> {
        store
            .0
            .instance_exports(self.0)
            .into_iter()
            .map(|(name, e)| (name, Extern::from_runtime(e)))
            .collect()
    }

    /// The export called `name`.
    pub fn get_export(&self, store: &Store, name: &str) -> Option<Extern> {
        self.exports(store)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e)
    }

    /// The exported function called `name`.
    pub fn get_func(&self, store: &Store, name: &str) -> Option<Func> {
        match self.get_export(store, name)? {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The exported memory called `name`.
    pub fn get_memory(&self, store: &Store, name: &str) -> Option<Memory> {
        match self.get_export(store, name)? {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// The exported global called `name`.
    pub fn get_global(&self, store: &Store, name: &str) -> Option<Global> {
        match self.get_export(store, name)? {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }

    /// The exported table called `name`.
    pub fn get_table(&self, store: &Store, name: &str) -> Option<Table> {
        match self.get_export(store, name)? {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }
}

/// A function: a wasm function of an instance, or a host function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Func(u32);

/// What a host function does with its arguments: writes its results (pre-filled with zero
/// values of the result types) or returns a trap, which unwinds the calling wasm code.
pub type HostFn = dyn Fn(&Store, &[Val], &mut [Val]) -> std::result::Result<(), Trap>;

impl Func {
    /// A host function of type `ty` calling `callback` (any signature, `v128` included).
    pub fn new(
        store: &Store,
        ty: FuncType,
        callback: impl Fn(&Store, &[Val], &mut [Val]) -> std::result::Result<(), Trap> + 'static,
    ) -> Result<Func> {
        Self::new_boxed(store, ty, Box::new(callback))
    }

    /// As [`Func::new`], with the callback already boxed.
    pub fn new_boxed(store: &Store, ty: FuncType, callback: Box<HostFn>) -> Result<Func> {
        let adapted: crate::runtime::store::HostCallback = Box::new(move |rt, args, results| {
            let store = Store(rt.clone());
            let args: Vec<Val> = args.iter().map(|&a| Val::from_runtime(&store, a)).collect();
            let mut out: Vec<Val> = results.iter().map(|r| Val::default_for(r.ty())).collect();
            callback(&store, &args, &mut out)?;
            for (slot, v) in results.iter_mut().zip(out) {
                *slot = v.to_runtime(&store);
            }
            Ok(())
        });
        store.0.new_host_func(ty, adapted).map(Func)
    }

    /// The function's type.
    pub fn ty(&self, store: &Store) -> FuncType {
        store.0.func_type(self.0)
    }

    /// Calls the function with `args` (checked against its type) and returns its results, or
    /// the trap that ended the call (the store stays usable).
    pub fn call(&self, store: &Store, args: &[Val]) -> std::result::Result<Vec<Val>, Trap> {
        let results = store.0.call(self.0, &to_runtime_vals(store, args))?;
        Ok(results
            .into_iter()
            .map(|r| Val::from_runtime(store, r))
            .collect())
    }

    /// The instance a wasm function belongs to and the id of its code (None for host
    /// functions).
    pub fn instance(&self, store: &Store) -> Option<(Instance, u64)> {
        store
            .0
            .instance_of_func(self.0)
            .map(|(i, code)| (Instance(i), code))
    }
}

/// An exception tag: an exception's kind, which `catch` clauses name. Each definition in an
/// instance is a new tag; an import is the exporter's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(u32);

impl Tag {
    /// A new tag whose exceptions carry values of `ty`'s parameters (`ty` has no results).
    pub fn new(store: &Store, ty: FuncType) -> Result<Tag> {
        if !ty.results.is_empty() {
            return Err(Error::new("non-empty tag result type"));
        }
        Ok(Tag(store.0.new_tag(ty, "host tag".into())))
    }

    /// The tag's type.
    pub fn ty(&self, store: &Store) -> FuncType {
        store.0.data().tags[self.0 as usize].ty.clone()
    }

    /// The trap a host function returns to throw an exception of this tag with `payload` into
    /// the wasm that called it, where a handler can catch it (the payload must match the tag's
    /// type, else the call traps). The host function has returned when it is raised: no host
    /// frame is unwound. Returned to the host, it is an "uncaught exception" trap.
    pub fn throw(&self, store: &Store, payload: &[Val]) -> Trap {
        Trap::throw(self.0, to_runtime_vals(store, payload))
    }

    /// The tag and payload of an "uncaught exception" trap (None for any other trap).
    pub fn of_trap(store: &Store, trap: &Trap) -> Option<(Tag, Vec<Val>)> {
        let e = trap.exception.as_ref()?;
        let payload = e
            .payload
            .iter()
            .map(|&v| Val::from_runtime(store, v))
            .collect();
        Some((Tag(e.tag), payload))
    }
}

/// A linear memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Memory(u32);

impl Memory {
    /// A new memory of type `ty`, zero-filled.
    pub fn new(store: &Store, ty: MemoryType) -> Result<Memory> {
        store.0.new_memory(ty).map(Memory)
    }

    /// The memory's type, with its current size as the minimum.
    pub fn ty(&self, store: &Store) -> MemoryType {
        match store.0.extern_type(RtExtern::Memory(self.0)) {
            ExternType::Memory(ty) => ty,
            _ => unreachable!("a memory's type"),
        }
    }

    /// The current size in pages of 64 KiB.
    pub fn size(&self, store: &Store) -> u64 {
        store.0.data().memories[self.0 as usize].pages()
    }

    /// The current size in bytes.
    pub fn data_size(&self, store: &Store) -> usize {
        store.0.data().memories[self.0 as usize].vm.length
    }

    /// The address of the memory's first byte. It stays the same as the memory grows; the
    /// bytes up to [`Memory::data_size`] may be read and written while no wasm code of the
    /// store runs.
    pub fn data_ptr(&self, store: &Store) -> *mut u8 {
        store.0.data().memories[self.0 as usize].vm.base
    }

    /// Copies the bytes at `offset` into `buf`; an error if they are out of bounds.
    pub fn read(&self, store: &Store, offset: usize, buf: &mut [u8]) -> Result<()> {
        let mut data = store.0.data();
        let memory = data.memories[self.0 as usize].data();
        let bytes = offset
            .checked_add(buf.len())
            .and_then(|end| memory.get(offset..end))
            .ok_or_else(|| Error::new("out of bounds memory access"))?;
        buf.copy_from_slice(bytes);
        Ok(())
    }

    /// Copies `bytes` to `offset`; an error if they are out of bounds.
    pub fn write(&self, store: &Store, offset: usize, bytes: &[u8]) -> Result<()> {
        let mut data = store.0.data();
        let memory = data.memories[self.0 as usize].data();
        let to = offset
            .checked_add(bytes.len())
            .and_then(|end| memory.get_mut(offset..end))
            .ok_or_else(|| Error::new("out of bounds memory access"))?;
        to.copy_from_slice(bytes);
        Ok(())
    }

    /// Grows the memory by `delta` pages; returns the previous size in pages, or an error
    /// beyond the maximum.
    pub fn grow(&self, store: &Store, delta: u64) -> Result<u64> {
        store.0.data().memories[self.0 as usize]
            .grow(delta)
            .ok_or_else(|| Error::new("memory cannot grow by that much"))
    }
}

/// A table of references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table(u32);

impl Table {
    /// A new table of type `ty`, every element `init`.
    pub fn new(store: &Store, ty: TableType, init: Val) -> Result<Table> {
        let init = init.to_runtime(store);
        store.0.new_table(ty, init).map(Table)
    }

    /// The table's type, with its current size as the minimum.
    pub fn ty(&self, store: &Store) -> TableType {
        match store.0.extern_type(RtExtern::Table(self.0)) {
            ExternType::Table(ty) => ty,
            _ => unreachable!("a table's type"),
        }
    }

    /// The current number of elements.
    pub fn size(&self, store: &Store) -> u32 {
        store.0.data().tables[self.0 as usize].size()
    }

    /// Element `index`, or None out of bounds.
    pub fn get(&self, store: &Store, index: u32) -> Option<Val> {
        let (bits, element) = {
            let data = store.0.data();
            let table = &data.tables[self.0 as usize];
            (table.get(index)?, table.ty.element)
        };
        Some(Val::from_runtime(
            store,
            RtVal::from_bits(element, bits as u128),
        ))
    }

    /// Sets element `index` to `value`; an error out of bounds or for a value of another type.
    pub fn set(&self, store: &Store, index: u32, value: Val) -> Result<()> {
        let element = store.0.data().tables[self.0 as usize].ty.element;
        let value = value.to_runtime(store);
        if !value.matches(element) {
            return Err(Error::new(format!(
                "table has elements of type {element}, value is {}",
                value.ty()
            )));
        }
        let bits = value.to_bits() as usize;
        match store.0.data().tables[self.0 as usize].set(index, bits) {
            true => Ok(()),
            false => Err(Error::new("out of bounds table access")),
        }
    }

    /// Grows the table by `delta` elements set to `init`; returns the previous size, or an
    /// error beyond the maximum or for a value of another type.
    pub fn grow(&self, store: &Store, delta: u32, init: Val) -> Result<u32> {
        let element = store.0.data().tables[self.0 as usize].ty.element;
        let init = init.to_runtime(store);
        if !init.matches(element) {
            return Err(Error::new(format!(
                "table has elements of type {element}, value is {}",
                init.ty()
            )));
        }
        let bits = init.to_bits() as usize;
        store.0.data().tables[self.0 as usize]
            .grow(delta, bits)
            .ok_or_else(|| Error::new("table cannot grow by that much"))
    }
}

/// A global variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Global(u32);

impl Global {
    /// A new global of type `ty` holding `value`.
    pub fn new(store: &Store, ty: GlobalType, value: Val) -> Result<Global> {
        let value = value.to_runtime(store);
        store.0.new_global(ty, value).map(Global)
    }

    /// The global's type.
    pub fn ty(&self, store: &Store) -> GlobalType {
        store.0.data().globals[self.0 as usize].ty
    }

    /// The global's value.
    pub fn get(&self, store: &Store) -> Val {
        let v = store.0.global_get(self.0);
        Val::from_runtime(store, v)
    }

    /// Sets a mutable global; an error for an immutable one or a value of another type.
    pub fn set(&self, store: &Store, value: Val) -> Result<()> {
        let value = value.to_runtime(store);
        store.0.global_set(self.0, value)
    }
}
