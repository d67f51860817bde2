//! The engine: process-wide compilation settings shared by every store and module made from it.

use std::sync::Arc;

/// How an engine compiles functions (see DESIGN.md, "Tiers").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every function compiled once through the optimising pipeline.
    Optimized,
    /// A fast unoptimised first tier, recompiled optimised in the background.
    Liftoff,
}

/// Engine settings, filled through `wasm_config_t` and the `wasmo_config_*` setters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub mode: Mode,
    /// LLVM optimisation level for the optimised tier, 0..=3.
    pub opt_level: u32,
    /// Compile worker threads; 0 means one per available core.
    pub compile_threads: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Optimized,
            opt_level: 2,
            compile_threads: 0,
        }
    }
}

impl Config {
    pub const MAX_OPT_LEVEL: u32 = 3;
}

/// A shareable engine. Cloning shares the same engine.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

#[derive(Debug)]
struct EngineInner {
    config: Config,
}

impl Engine {
    pub fn new(config: Config) -> Self {
        Engine {
            inner: Arc::new(EngineInner { config }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Whether two handles name the same engine.
    pub fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(Config::default())
    }
}
