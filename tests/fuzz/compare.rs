//! Comparing a Wasmo run with the reference's, and classifying what differs.

use crate::model::{Call, Run, Trap, TrapKind, Value};

/// What one comparison found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A real difference: its class (for counting) and a description.
    Mismatch { class: String, detail: String },
    /// One side exhausted its stack and the other did not: a resource difference, after which
    /// the runs are not compared further.
    Resource { detail: String },
}

fn kind_name(k: TrapKind) -> &'static str {
    match k {
        TrapKind::MemoryOutOfBounds => "out-of-bounds-memory",
        TrapKind::TableOutOfBounds => "out-of-bounds-table",
        TrapKind::UninitializedElement => "uninitialized-element",
        TrapKind::IndirectCallTypeMismatch => "indirect-call-type-mismatch",
        TrapKind::IntegerOverflow => "integer-overflow",
        TrapKind::IntegerDivideByZero => "divide-by-zero",
        TrapKind::InvalidConversionToInteger => "invalid-conversion",
        TrapKind::Unreachable => "unreachable",
        TrapKind::StackExhausted => "stack-exhausted",
        TrapKind::Other => "other",
    }
}

/// Values equal, floats' NaNs by class (any NaN equals any NaN: the spec leaves payloads
/// nondeterministic; configurations that canonicalise NaNs compare v128 bit-exactly).
fn value_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::F32(x), Value::F32(y)) => {
            x == y || (f32::from_bits(*x).is_nan() && f32::from_bits(*y).is_nan())
        }
        (Value::F64(x), Value::F64(y)) => {
            x == y || (f64::from_bits(*x).is_nan() && f64::from_bits(*y).is_nan())
        }
        _ => a == b,
    }
}

fn describe(call: &Call) -> String {
    format!("{:?}({:?})", call.func, call.args)
}

fn show(r: &Result<Vec<Value>, Trap>) -> String {
    match r {
        Ok(v) => format!("{v:x?}"),
        Err(t) => format!("trap {:?} ({})", t.kind, t.message),
    }
}

/// Whether every differing byte of two memories lies in a 4- or 8-byte window that is a NaN
/// in both (a float store of NaNs whose payloads differ, which the spec allows).
fn nan_explained(a: &[u8], b: &[u8]) -> bool {
    let is_nan = |m: &[u8], at: usize, n: usize| -> bool {
        if at + n > m.len() {
            return false;
        }
        if n == 4 {
            f32::from_le_bytes(m[at..at + 4].try_into().unwrap()).is_nan()
        } else {
            f64::from_le_bytes(m[at..at + 8].try_into().unwrap()).is_nan()
        }
    };
    (0..a.len()).filter(|&i| a[i] != b[i]).all(|i| {
        [4usize, 8]
            .iter()
            .any(|&n| (i.saturating_sub(n - 1)..=i).any(|s| is_nan(a, s, n) && is_nan(b, s, n)))
    })
}

/// Compares `got` (a Wasmo mode) with `reference` (wasmi). At most one finding: the first
/// difference, which usually explains the rest.
pub fn compare(reference: &Run, got: &Run) -> Option<Finding> {
    let mismatch = |class: String, detail: String| Some(Finding::Mismatch { class, detail });
    // Instantiation: segments and the start function, classified like a call.
    let detail = || {
        format!(
            "instantiation: reference {:?}, wasmo {:?}",
            reference.instantiate, got.instantiate
        )
    };
    match (&reference.instantiate, &got.instantiate) {
        (None, None) => {}
        (Some(a), Some(b)) if a.kind == b.kind => return None,
        (Some(t), None) | (None, Some(t)) if t.kind == TrapKind::StackExhausted => {
            return Some(Finding::Resource { detail: detail() })
        }
        (Some(a), Some(b))
            if a.kind == TrapKind::StackExhausted || b.kind == TrapKind::StackExhausted =>
        {
            return Some(Finding::Resource { detail: detail() })
        }
        (Some(t), None) => {
            return mismatch(
                format!("instantiation: missing trap: {}", kind_name(t.kind)),
                detail(),
            )
        }
        (None, Some(t)) => {
            return mismatch(
                format!("instantiation: unexpected trap: {}", kind_name(t.kind)),
                detail(),
            )
        }
        (Some(a), Some(b)) => {
            return mismatch(
                format!(
                    "instantiation: wrong trap kind: reference {}, wasmo {}",
                    kind_name(a.kind),
                    kind_name(b.kind)
                ),
                detail(),
            )
        }
    }
    if reference.calls.len() != got.calls.len() {
        return mismatch(
            "export list differs".into(),
            format!("{} calls vs {}", reference.calls.len(), got.calls.len()),
        );
    }
    // The kind of the last trap both sides agreed on (out-of-bounds memory, if any was): state
    // compared after it is "after trap (KIND)".
    let mut trapped: Option<TrapKind> = None;
    for (r, g) in reference.calls.iter().zip(&got.calls) {
        let detail = || {
            format!(
                "{}: reference {}, wasmo {}",
                describe(r),
                show(&r.result),
                show(&g.result)
            )
        };
        let stack = |t: &Trap| t.kind == TrapKind::StackExhausted;
        match (&r.result, &g.result) {
            (Ok(a), Ok(b)) => {
                if a.len() != b.len() || a.iter().zip(b).any(|(x, y)| !value_eq(x, y)) {
                    return mismatch("result differs".into(), detail());
                }
            }
            (Err(t), Ok(_)) | (Ok(_), Err(t)) if stack(t) => {
                return Some(Finding::Resource { detail: detail() })
            }
            (Err(t), Ok(_)) => {
                return mismatch(format!("missing trap: {}", kind_name(t.kind)), detail())
            }
            (Ok(_), Err(t)) => {
                return mismatch(format!("unexpected trap: {}", kind_name(t.kind)), detail())
            }
            (Err(a), Err(b)) => {
                if a.kind != b.kind {
                    if stack(a) || stack(b) {
                        return Some(Finding::Resource { detail: detail() });
                    }
                    return mismatch(
                        format!(
                            "wrong trap kind: reference {}, wasmo {}",
                            kind_name(a.kind),
                            kind_name(b.kind)
                        ),
                        detail(),
                    );
                }
                // An out-of-bounds trap names the state after it: bug 1 changes state there.
                if trapped != Some(TrapKind::MemoryOutOfBounds) {
                    trapped = Some(a.kind);
                }
            }
        }
    }
    let after = match trapped {
        Some(TrapKind::MemoryOutOfBounds) => " after trap (out-of-bounds-memory)".to_string(),
        Some(k) => format!(" after trap ({})", kind_name(k)),
        None => String::new(),
    };
    for ((name, a), (_, b)) in reference.globals.iter().zip(&got.globals) {
        if !value_eq(a, b) {
            return mismatch(
                format!("global differs{after}"),
                format!("global {name}: reference {a:x?}, wasmo {b:x?}"),
            );
        }
    }
    for ((name, a), (_, b)) in reference.memories.iter().zip(&got.memories) {
        if a.len() != b.len() {
            return mismatch(
                format!("memory size differs{after}"),
                format!(
                    "memory {name}: reference {} bytes, wasmo {}",
                    a.len(),
                    b.len()
                ),
            );
        }
        if a != b && !nan_explained(a, b) {
            let first = (0..a.len()).find(|&i| a[i] != b[i]).unwrap();
            let n = (0..a.len()).filter(|&i| a[i] != b[i]).count();
            return mismatch(
                format!("memory differs{after}"),
                format!(
                    "memory {name}: {n} bytes differ, first at {first:#x}: reference {:02x?}, wasmo {:02x?}",
                    &a[first..(first + 8).min(a.len())],
                    &b[first..(first + 8).min(b.len())]
                ),
            );
        }
    }
    for ((name, a), (_, b)) in reference.tables.iter().zip(&got.tables) {
        if a != b {
            return mismatch(
                format!("table differs{after}"),
                format!(
                    "table {name}: reference {} elements, wasmo {}",
                    a.len(),
                    b.len()
                ),
            );
        }
    }
    None
}
