//! Stores: the unit of isolation that owns runtime objects (instances, functions, memories,
//! tables, globals). A store belongs to one thread at a time.

use crate::engine::Engine;

pub struct Store {
    engine: Engine,
}

impl Store {
    pub fn new(engine: &Engine) -> Self {
        Store {
            engine: engine.clone(),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}
