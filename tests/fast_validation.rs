//! The fast validation path (`wasmo::module::validate`) against wasmparser on damaged modules:
//! generated modules (wasm-smith, fixed seeds) with bytes of their code changed at random, each
//! body judged by both. The fast path may give up on anything, but must never accept a body
//! wasmparser refuses.

use wasmo::module::validate::{validate, Scratch};

/// The fuzzer's generator (`Rng`, wasm-smith configurations).
#[allow(dead_code)]
#[path = "fuzz/gen.rs"]
mod gen;

use gen::Rng;

/// A module of what compilers emit in bulk, the fast path's ground: the fuzzer's "wasm3"
/// configuration (64-bit memories and tables) with tail calls and one memory.
fn generate(rng: &mut Rng) -> Option<Vec<u8>> {
    let mut config = gen::smith_config("wasm3")?;
    config.tail_call_enabled = true;
    config.max_memories = 1;
    let seed = rng.bytes(4096);
    let mut u = arbitrary::Unstructured::new(&seed);
    wasm_smith::Module::new(config, &mut u)
        .ok()
        .map(|m| m.to_bytes())
}

/// The code section's byte range.
fn code_range(bytes: &[u8]) -> Option<std::ops::Range<usize>> {
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let Ok(wasmparser::Payload::CodeSectionStart {
            unchecked_range, ..
        }) = payload
        {
            let range = unchecked_range.start as usize..unchecked_range.end as usize;
            return (range.end <= bytes.len()).then_some(range);
        }
    }
    None
}

/// Judges every body both ways: (accepted by the fast path, refused by wasmparser) counts.
fn judge(bytes: &[u8], scratch: &mut Scratch) -> (usize, usize, usize) {
    let mut validator = wasmparser::Validator::new_with_features(wasmo::module::features());
    let (mut fast, mut refused, mut total) = (0, 0, 0);
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else { break };
        let Ok(valid) = validator.payload(&payload) else {
            break;
        };
        if let wasmparser::ValidPayload::Func(func, body) = valid {
            let accepted = validate(&func, body.as_bytes(), scratch).is_ok();
            let valid = func
                .into_validator(Default::default())
                .validate(&body)
                .is_ok();
            assert!(
                valid || !accepted,
                "the fast path accepted a body wasmparser refuses:\n{}",
                wasmprinter::print_bytes(bytes).unwrap_or_default()
            );
            fast += accepted as usize;
            refused += !valid as usize;
            total += 1;
        }
    }
    (fast, refused, total)
}

#[test]
fn damaged_bodies_are_never_accepted() {
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let mut scratch = Scratch::default();
    let (mut accepted_intact, mut intact, mut refused_damaged, mut modules) = (0, 0, 0, 0);
    // FAST_VALIDATION_MODULES=N checks N modules instead (for longer campaigns by hand).
    let count: usize = std::env::var("FAST_VALIDATION_MODULES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    while modules < count {
        let Some(module) = generate(&mut rng) else {
            continue;
        };
        let Some(code) = code_range(&module) else {
            continue;
        };
        if code.is_empty() {
            continue;
        }
        modules += 1;
        let (fast, _, total) = judge(&module, &mut scratch);
        accepted_intact += fast;
        intact += total;
        for _ in 0..40 {
            let mut damaged = module.clone();
            for _ in 0..1 + rng.below(3) {
                let at = code.start + rng.below(code.len());
                damaged[at] = match rng.below(3) {
                    0 => rng.next() as u8,
                    1 => damaged[at] ^ (1 << rng.below(8)),
                    // A nearby operator or type code.
                    _ => damaged[at].wrapping_add(rng.below(5) as u8).wrapping_sub(2),
                };
            }
            refused_damaged += judge(&damaged, &mut scratch).1;
        }
    }
    println!(
        "{modules} modules: {accepted_intact} of {intact} intact bodies accepted, \
         {refused_damaged} damaged bodies refused by wasmparser"
    );
    // The test means something only if both validators had work on both sides.
    assert!(
        accepted_intact * 10 > intact * 9,
        "the fast path accepted {accepted_intact} of {intact} intact bodies"
    );
    assert!(
        refused_damaged > count * 10,
        "{refused_damaged} damaged bodies refused"
    );
}
