//! Reproducible inputs: a seeded PRNG, the named wasm-smith configurations, module generation
//! from (configuration, module seed), and byte mutations.

use arbitrary::Unstructured;

/// splitmix64's finaliser: a good 64-bit mix, also the PRNG's step.
pub fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// FNV-1a over bytes, for names of saved cases.
pub fn hash_bytes(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        splitmix(self.0)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// The named configurations.
pub const CONFIGS: [&str; 5] = ["scalar", "simd", "trap-free", "wasm3", "exceptions"];

/// Whether wasmi can run the configuration's modules. It has no exception handling, so
/// "exceptions" is checked against Wasmo itself: lift-off and serialised code against
/// optimised code, and nothing may crash.
pub fn has_reference(config: &str) -> bool {
    config != "exceptions"
}

/// Fuel of the termination global wasm-smith injects: shared by all calls into an instance,
/// it bounds loops and recursion depth alike.
pub const FUEL: u32 = 2000;

/// Whether the configuration uses SIMD (the reference must enable it too).
pub fn uses_simd(config: &str) -> bool {
    config == "simd"
}

/// wasm-smith's settings for a configuration: Wasm 2.0 and nothing Wasmo refuses, small
/// modules, no imports, everything exported so the state can be compared.
pub fn smith_config(config: &str) -> Option<wasm_smith::Config> {
    let mut c = wasm_smith::Config {
        max_imports: 0,
        min_funcs: 1,
        max_funcs: 8,
        max_instructions: 80,
        max_types: 12,
        max_globals: 8,
        max_tables: 2,
        max_memories: 1,
        max_memory32_bytes: 4 * 65536,
        memory_max_size_required: true,
        max_table_elements: 64,
        table_max_size_required: true,
        max_data_segments: 4,
        max_element_segments: 4,
        max_elements: 16,
        max_tags: 0,
        export_everything: true,
        allow_start_export: true,
        // Wasm 2.0 ...
        sign_extension_ops_enabled: true,
        saturating_float_to_int_enabled: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        simd_enabled: false,
        // ... and nothing of 3.0 or later.
        relaxed_simd_enabled: false,
        memory64_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        tail_call_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_descriptors_enabled: false,
        ..wasm_smith::Config::default()
    };
    match config {
        "scalar" => {
            // Results are compared with NaNs by class, but a NaN's sign and payload are the
            // spec's nondeterminism, and `reinterpret` carries them into integers (globals,
            // memory) that are compared bit for bit: two campaigns found only that
            // (nan-payload-through-reinterpret). Canonical NaNs after every float operation keep
            // the comparison exact; NaN constants and bit operations still reach the code.
            c.canonicalize_nans = true;
        }
        "simd" => {
            c.simd_enabled = true;
            // NaN bit patterns in v128 lanes are not compared by class: make them canonical.
            c.canonicalize_nans = true;
        }
        "trap-free" => {
            c.disallow_traps = true;
            c.canonicalize_nans = true;
        }
        "wasm3" => {
            // What Wasmo supports of Wasm 3.0 (issue 15): 64-bit memories and tables, several
            // memories, extended constant expressions; scalar otherwise.
            c.memory64_enabled = true;
            c.max_memories = 3;
            c.max_memory64_bytes = 4 * 65536;
            c.extended_const_enabled = true;
            c.canonicalize_nans = true;
        }
        "exceptions" => {
            // Exception handling (issue 18): tags, throw, throw_ref, try_table, exnref, with
            // tail calls leaving handlers; self-checked (see `has_reference`).
            c.exceptions_enabled = true;
            c.min_types = 6;
            c.min_tags = 1;
            c.max_tags = 4;
            c.tail_call_enabled = true;
            c.canonicalize_nans = true;
        }
        _ => return None,
    }
    Some(c)
}

/// The module of (configuration, module seed), or None if wasm-smith could not make one.
pub fn generate(config: &str, seed: u64) -> Option<Vec<u8>> {
    let c = smith_config(config)?;
    let mut rng = Rng::new(seed);
    let len = 1024 + rng.below(8192);
    let data = rng.bytes(len);
    let mut u = Unstructured::new(&data);
    let mut module = wasm_smith::Module::new(c, &mut u).ok()?;
    module.ensure_termination(FUEL).ok()?;
    Some(module.to_bytes())
}

/// One to four byte edits: flip bits, overwrite, insert, delete, duplicate a run, or set a
/// byte to an interesting value (LEB continuation bits, section ids, 0xff).
pub fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for _ in 0..1 + rng.below(4) {
        if b.is_empty() {
            b.push(0);
        }
        let at = rng.below(b.len());
        match rng.below(6) {
            0 => b[at] ^= 1 << rng.below(8),
            1 => b[at] = rng.next() as u8,
            2 => b.insert(at, rng.next() as u8),
            3 => {
                let n = (1 + rng.below(4)).min(b.len() - at);
                b.drain(at..at + n);
            }
            4 => {
                let n = (1 + rng.below(16)).min(b.len() - at);
                let run: Vec<u8> = b[at..at + n].to_vec();
                let to = rng.below(b.len());
                b.splice(to..to, run);
            }
            _ => {
                let v = [0x00, 0x7f, 0x80, 0xff, 0x01, 0x0b, 0x40, 0x41][rng.below(8)];
                b[at] = v;
            }
        }
    }
    b
}
