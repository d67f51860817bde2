//! Relaxed SIMD (Wasm 3.0): each of the 20 operators gives the one result of those the spec
//! allows that DESIGN.md documents ("Relaxed SIMD"), and gives it in every mode (optimised at
//! every opt level, lift-off's baseline code and its tier-up), after serialisation, and on an
//! x86-64 without SSSE3, SSE4.1 or FMA (`WASMO_CPU=x86-64`, in a child process), where the
//! translator takes its generic lowerings and libm's `fma`.
//!
//! The expected lanes come from a model of the x86 instructions written here. Inputs are the
//! edges (NaN of both signs and kinds, ±0, ±1, infinities, floats just inside and outside the
//! i32 and u32 ranges, swizzle indices 16..=127 and >= 128, masks whose lanes mix set and clear
//! bits, INT16_MIN squared, bytes with the top bit set) and pseudo-random vectors, passed as
//! arguments and, for some, written as constants LLVM can fold.

use wasmo::api::{Config, Engine, Instance, Mode, Module, Store, Val};

// ---- lanes ------------------------------------------------------------------------------------

fn bytes(v: u128) -> [u8; 16] {
    v.to_le_bytes()
}

fn lanes16(v: u128) -> [u16; 8] {
    std::array::from_fn(|i| (v >> (16 * i)) as u16)
}

fn lanes32(v: u128) -> [u32; 4] {
    std::array::from_fn(|i| (v >> (32 * i)) as u32)
}

fn lanes64(v: u128) -> [u64; 2] {
    std::array::from_fn(|i| (v >> (64 * i)) as u64)
}

fn from16(l: [u16; 8]) -> u128 {
    l.iter().rev().fold(0, |acc, &x| acc << 16 | x as u128)
}

fn from32(l: [u32; 4]) -> u128 {
    l.iter().rev().fold(0, |acc, &x| acc << 32 | x as u128)
}

fn from64(l: [u64; 2]) -> u128 {
    l.iter().rev().fold(0, |acc, &x| acc << 64 | x as u128)
}

fn f32s(v: u128) -> [f32; 4] {
    lanes32(v).map(f32::from_bits)
}

fn f64s(v: u128) -> [f64; 2] {
    lanes64(v).map(f64::from_bits)
}

fn of_f32s(l: [f32; 4]) -> u128 {
    from32(l.map(f32::to_bits))
}

fn of_f64s(l: [f64; 2]) -> u128 {
    from64(l.map(f64::to_bits))
}

// ---- the documented results, as x86 computes them ---------------------------------------------

/// `pshufb`: 0 where the index's top bit is set, else the lane its low four bits name.
fn swizzle(a: u128, s: u128) -> u128 {
    let (a, s) = (bytes(a), bytes(s));
    u128::from_le_bytes(std::array::from_fn(|i| {
        if s[i] & 0x80 != 0 {
            0
        } else {
            a[(s[i] & 15) as usize]
        }
    }))
}

/// `cvttps2dq`/`cvttpd2dq`: INT32_MIN for NaN and for lanes whose truncation is out of range.
fn cvtt(x: f64) -> u32 {
    let t = x.trunc();
    if x.is_nan() || !(-2147483648.0..2147483648.0).contains(&t) {
        0x8000_0000
    } else {
        t as i32 as u32
    }
}

fn trunc_s_f32(x: u128) -> u128 {
    from32(f32s(x).map(|f| cvtt(f as f64)))
}

fn trunc_s_f64(x: u128) -> u128 {
    let [a, b] = f64s(x);
    from32([cvtt(a), cvtt(b), 0, 0])
}

/// Unsigned: saturating (Rust's `as` saturates and maps NaN to 0).
fn trunc_u_f32(x: u128) -> u128 {
    from32(f32s(x).map(|f| f as u32))
}

fn trunc_u_f64(x: u128) -> u128 {
    let [a, b] = f64s(x);
    from32([a as u32, b as u32, 0, 0])
}

/// Fused: one rounding (Rust's `mul_add` is the correctly rounded fused operation).
fn madd_f32(a: u128, b: u128, c: u128, negate: bool) -> u128 {
    let (a, b, c) = (f32s(a), f32s(b), f32s(c));
    of_f32s(std::array::from_fn(|i| {
        let x = if negate { -a[i] } else { a[i] };
        x.mul_add(b[i], c[i])
    }))
}

fn madd_f64(a: u128, b: u128, c: u128, negate: bool) -> u128 {
    let (a, b, c) = (f64s(a), f64s(b), f64s(c));
    of_f64s(std::array::from_fn(|i| {
        let x = if negate { -a[i] } else { a[i] };
        x.mul_add(b[i], c[i])
    }))
}

/// `blendv`: the lane of `a` where the mask lane's top bit is set, else `b`'s.
fn laneselect(a: u128, b: u128, m: u128, bits: u32) -> u128 {
    let mut r = 0;
    for lane in 0..128 / bits {
        let ones = (1u128 << bits) - 1;
        let shift = lane * bits;
        let top = m >> (shift + bits - 1) & 1 == 1;
        r |= (if top { a } else { b } >> shift & ones) << shift;
    }
    r
}

/// `minps a, b` is `a < b ? a : b`, `maxps a, b` is `a > b ? a : b`: `b` for NaN and zeroes.
fn min_max_f32(a: u128, b: u128, min: bool) -> u128 {
    let (a, b) = (f32s(a), f32s(b));
    from32(std::array::from_fn(|i| {
        let pick_a = if min { a[i] < b[i] } else { a[i] > b[i] };
        if pick_a { a[i] } else { b[i] }.to_bits()
    }))
}

fn min_max_f64(a: u128, b: u128, min: bool) -> u128 {
    let (a, b) = (f64s(a), f64s(b));
    from64(std::array::from_fn(|i| {
        let pick_a = if min { a[i] < b[i] } else { a[i] > b[i] };
        if pick_a { a[i] } else { b[i] }.to_bits()
    }))
}

/// `pmulhrsw`: `(a * b + 0x4000) >> 15`, INT16_MIN * INT16_MIN wrapping to INT16_MIN.
fn q15mulr(a: u128, b: u128) -> u128 {
    let (a, b) = (lanes16(a), lanes16(b));
    from16(std::array::from_fn(|i| {
        ((a[i] as i16 as i32 * b[i] as i16 as i32 + 0x4000) >> 15) as u16
    }))
}

/// `pmaddubsw b, a`: `b` unsigned times `a` signed, pairs added with signed saturation.
fn dot16(a: u128, b: u128) -> [i16; 8] {
    let (a, b) = (bytes(a), bytes(b));
    std::array::from_fn(|i| {
        let p = |j: usize| a[j] as i8 as i32 * b[j] as i32;
        (p(2 * i) + p(2 * i + 1)).clamp(-32768, 32767) as i16
    })
}

fn dot(a: u128, b: u128) -> u128 {
    from16(dot16(a, b).map(|x| x as u16))
}

/// Then `pmaddwd` by 1 and `c` added, wrapping.
fn dot_add(a: u128, b: u128, c: u128) -> u128 {
    let (d, c) = (dot16(a, b), lanes32(c));
    from32(std::array::from_fn(|i| {
        (d[2 * i] as i32 + d[2 * i + 1] as i32).wrapping_add(c[i] as i32) as u32
    }))
}

// ---- operators and inputs ---------------------------------------------------------------------

/// How results are compared: bit for bit, or with any quiet NaN standing for a NaN lane (fused
/// multiply-add hands on one of its NaN operands, quieted, and which one depends on register
/// allocation, as for every wasm float operation).
#[derive(Clone, Copy, PartialEq)]
enum Compare {
    Exact,
    QuietNaN32,
    QuietNaN64,
}

struct Op {
    name: &'static str,
    model: fn(&[u128]) -> u128,
    inputs: fn() -> Vec<Vec<u128>>,
    compare: Compare,
}

const OPS: &[Op] = &[
    Op {
        name: "i8x16.relaxed_swizzle",
        model: |v| swizzle(v[0], v[1]),
        inputs: swizzle_inputs,
        compare: Compare::Exact,
    },
    Op {
        name: "i32x4.relaxed_trunc_f32x4_s",
        model: |v| trunc_s_f32(v[0]),
        inputs: || f32_inputs(1),
        compare: Compare::Exact,
    },
    Op {
        name: "i32x4.relaxed_trunc_f32x4_u",
        model: |v| trunc_u_f32(v[0]),
        inputs: || f32_inputs(1),
        compare: Compare::Exact,
    },
    Op {
        name: "i32x4.relaxed_trunc_f64x2_s_zero",
        model: |v| trunc_s_f64(v[0]),
        inputs: || f64_inputs(1),
        compare: Compare::Exact,
    },
    Op {
        name: "i32x4.relaxed_trunc_f64x2_u_zero",
        model: |v| trunc_u_f64(v[0]),
        inputs: || f64_inputs(1),
        compare: Compare::Exact,
    },
    Op {
        name: "f32x4.relaxed_madd",
        model: |v| madd_f32(v[0], v[1], v[2], false),
        inputs: || f32_inputs(3),
        compare: Compare::QuietNaN32,
    },
    Op {
        name: "f32x4.relaxed_nmadd",
        model: |v| madd_f32(v[0], v[1], v[2], true),
        inputs: || f32_inputs(3),
        compare: Compare::QuietNaN32,
    },
    Op {
        name: "f64x2.relaxed_madd",
        model: |v| madd_f64(v[0], v[1], v[2], false),
        inputs: || f64_inputs(3),
        compare: Compare::QuietNaN64,
    },
    Op {
        name: "f64x2.relaxed_nmadd",
        model: |v| madd_f64(v[0], v[1], v[2], true),
        inputs: || f64_inputs(3),
        compare: Compare::QuietNaN64,
    },
    Op {
        name: "i8x16.relaxed_laneselect",
        model: |v| laneselect(v[0], v[1], v[2], 8),
        inputs: laneselect_inputs,
        compare: Compare::Exact,
    },
    Op {
        name: "i16x8.relaxed_laneselect",
        model: |v| laneselect(v[0], v[1], v[2], 16),
        inputs: laneselect_inputs,
        compare: Compare::Exact,
    },
    Op {
        name: "i32x4.relaxed_laneselect",
        model: |v| laneselect(v[0], v[1], v[2], 32),
        inputs: laneselect_inputs,
        compare: Compare::Exact,
    },
    Op {
        name: "i64x2.relaxed_laneselect",
        model: |v| laneselect(v[0], v[1], v[2], 64),
        inputs: laneselect_inputs,
        compare: Compare::Exact,
    },
    Op {
        name: "f32x4.relaxed_min",
        model: |v| min_max_f32(v[0], v[1], true),
        inputs: || f32_inputs(2),
        compare: Compare::Exact,
    },
    Op {
        name: "f32x4.relaxed_max",
        model: |v| min_max_f32(v[0], v[1], false),
        inputs: || f32_inputs(2),
        compare: Compare::Exact,
    },
    Op {
        name: "f64x2.relaxed_min",
        model: |v| min_max_f64(v[0], v[1], true),
        inputs: || f64_inputs(2),
        compare: Compare::Exact,
    },
    Op {
        name: "f64x2.relaxed_max",
        model: |v| min_max_f64(v[0], v[1], false),
        inputs: || f64_inputs(2),
        compare: Compare::Exact,
    },
    Op {
        name: "i16x8.relaxed_q15mulr_s",
        model: |v| q15mulr(v[0], v[1]),
        inputs: i16_inputs,
        compare: Compare::Exact,
    },
    Op {
        name: "i16x8.relaxed_dot_i8x16_i7x16_s",
        model: |v| dot(v[0], v[1]),
        inputs: || byte_inputs(2),
        compare: Compare::Exact,
    },
    Op {
        name: "i32x4.relaxed_dot_i8x16_i7x16_add_s",
        model: |v| dot_add(v[0], v[1], v[2]),
        inputs: || byte_inputs(3),
        compare: Compare::Exact,
    },
];

/// xorshift64*: the same pseudo-random vectors every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn v128(&mut self) -> u128 {
        (self.next() as u128) << 64 | self.next() as u128
    }
}

/// Every combination of `arity` values of `edges` lane by lane (the first operand's value
/// changes slowest), packed `per` lanes to a vector, then `random` pseudo-random vectors.
fn combinations(
    edges: &[u128],
    bits: u32,
    arity: usize,
    random: usize,
    seed: u64,
) -> Vec<Vec<u128>> {
    let per = (128 / bits) as usize;
    let n = edges.len();
    let total = n.pow(arity as u32);
    let mut out = Vec::new();
    let mut at = 0;
    while at < total {
        let mut args = vec![0u128; arity];
        for lane in 0..per {
            let mut k = (at + lane) % total;
            for arg in (0..arity).rev() {
                args[arg] |= edges[k % n] << (lane as u32 * bits);
                k /= n;
            }
        }
        out.push(args);
        at += per;
    }
    let mut rng = Rng(seed);
    out.extend((0..random).map(|_| (0..arity).map(|_| rng.v128()).collect()));
    out
}

fn f32_edges(arity: usize) -> Vec<u128> {
    let mut bits: Vec<u32> = [
        0.0f32,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        -0.99,
        1.5,
        -2.5,
        3.7,
        f32::INFINITY,
        f32::NEG_INFINITY,
        2147483520.0, // the largest float below 2^31
        2147483648.0,
        -2147483648.0,
        -2147483904.0, // the next float below -2^31
        4294967040.0,  // the largest float below 2^32
        4294967296.0,
        f32::MAX,
        f32::MIN_POSITIVE,
        1e-45, // the smallest subnormal
        1.000_000_2,
    ]
    .iter()
    .map(|f| f.to_bits())
    .chain([
        0x7fc0_0000,
        0xffc0_0000,
        0x7f80_0001,
        0xffa0_0000,
        0x7fc4_4444,
    ])
    .collect();
    // NaNs first, so that the first inputs, also compiled as constants, have them.
    bits.rotate_right(5);
    if arity == 3 {
        // Triples of every edge would be 19,683 lanes: the fused-multiply-add cases instead.
        bits = [
            1.0f32,
            -0.0,
            2.0,
            f32::MAX,
            -f32::MAX,
            f32::INFINITY,
            1.000_000_2,
        ]
        .iter()
        .map(|f| f.to_bits())
        .chain([
            0x7fc0_0000,
            0x7f80_0001,
            0x3f80_0004,
            0x3f80_1000,
            0xbf80_1020,
        ])
        .collect();
    }
    bits.into_iter().map(u128::from).collect()
}

fn f32_inputs(arity: usize) -> Vec<Vec<u128>> {
    let mut v = combinations(&f32_edges(arity), 32, arity, 64, 1 + arity as u64);
    if arity == 3 {
        // What LLVM would fold to a signalling NaN (`fma(x, 1.0, -0.0)` to `x`), first.
        let (one, zero) = (1f32.to_bits(), (-0f32).to_bits());
        v.insert(
            0,
            vec![
                from32([0x7f80_0001, 0x7fc0_0000, 0xffa0_0000, 1.5f32.to_bits()]),
                from32([one; 4]),
                from32([zero; 4]),
            ],
        );
    }
    // Random floats of ordinary magnitudes too (random bits are mostly huge, tiny or NaN).
    let mut rng = Rng(99);
    v.extend((0..64).map(|_| {
        (0..arity)
            .map(|_| of_f32s(std::array::from_fn(|_| rng.next() as i32 as f32 / 65536.0)))
            .collect()
    }));
    v
}

fn f64_edges(arity: usize) -> Vec<u128> {
    let mut bits: Vec<u64> = [
        0.0f64,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        -0.99,
        -1.5,
        3.7,
        f64::INFINITY,
        f64::NEG_INFINITY,
        2147483647.5,
        2147483648.0,
        -2147483648.0,
        -2147483648.5,
        -2147483649.0,
        4294967295.0,
        4294967295.5,
        4294967296.0,
        1e300,
        f64::MAX,
        5e-324,
    ]
    .iter()
    .map(|f| f.to_bits())
    .chain([
        0x7ff8_0000_0000_0000,
        0xfff8_0000_0000_0000,
        0x7ff0_0000_0000_0001,
    ])
    .collect();
    bits.rotate_right(3);
    if arity == 3 {
        bits = [1.0f64, -0.0, 2.0, f64::MAX, -f64::MAX, f64::INFINITY]
            .iter()
            .map(|f| f.to_bits())
            .chain([
                0x7ff8_0000_0000_0000,
                0x7ff0_0000_0000_0001,
                0x3ff0_0000_0400_0000, // 1 + 2^-30
                0x3ff0_0002_0000_0000, // 1 + 2^-23
                0xbff0_0002_0400_0000, // -(1 + 2^-23 + 2^-30)
            ])
            .collect();
    }
    bits.into_iter().map(u128::from).collect()
}

fn f64_inputs(arity: usize) -> Vec<Vec<u128>> {
    let mut v = combinations(&f64_edges(arity), 64, arity, 64, 11 + arity as u64);
    if arity == 3 {
        let (one, zero) = (1f64.to_bits(), (-0f64).to_bits());
        v.insert(
            0,
            vec![
                from64([0x7ff0_0000_0000_0001, 1.5f64.to_bits()]),
                from64([one; 2]),
                from64([zero; 2]),
            ],
        );
    }
    let mut rng = Rng(98);
    v.extend((0..64).map(|_| {
        (0..arity)
            .map(|_| {
                of_f64s(std::array::from_fn(|_| {
                    rng.next() as i64 as f64 / 2f64.powi(rng.next() as i32 & 63)
                }))
            })
            .collect()
    }));
    v
}

fn swizzle_inputs() -> Vec<Vec<u128>> {
    let mut rng = Rng(5);
    let mut v = Vec::new();
    // Every index 0..=255 against a random table.
    for chunk in 0..16u8 {
        let idx = u128::from_le_bytes(std::array::from_fn(|i| chunk * 16 + i as u8));
        v.push(vec![rng.v128(), idx]);
    }
    v.extend((0..64).map(|_| vec![rng.v128(), rng.v128()]));
    v
}

fn laneselect_inputs() -> Vec<Vec<u128>> {
    // Masks of bytes all set, all clear, only the top bit, all but the top bit or mixed, in
    // every pairing of neighbouring bytes (i16 lanes 0x0080, 0x8000, 0xff00, 0x7fff...).
    let mask_bytes = [0x00u16, 0xff, 0x80, 0x7f, 0xf0, 0x0f, 0x01];
    let mut rng = Rng(7);
    let mut masks = Vec::new();
    for &low in &mask_bytes {
        for &high in &mask_bytes {
            masks.push(from16([low | high << 8; 8]));
        }
    }
    masks.extend((0..64).map(|_| rng.v128()));
    masks
        .into_iter()
        .map(|m| vec![rng.v128(), rng.v128(), m])
        .collect()
}

fn i16_inputs() -> Vec<Vec<u128>> {
    let edges = [
        0x8000u128, 0x8001, 0x7fff, 0, 1, 0xffff, 0x4000, 0xc000, 0x0100,
    ];
    combinations(&edges, 16, 2, 64, 3)
}

fn byte_inputs(arity: usize) -> Vec<Vec<u128>> {
    let edges = [0x80u128, 0x81, 0x7f, 0, 1, 0xff, 0x40, 0xc0];
    let mut v = combinations(&edges, 8, 2, 64, 4 + arity as u64);
    if arity == 3 {
        let mut rng = Rng(21);
        for args in &mut v {
            args.push(rng.v128());
        }
        // And accumulators at the wrapping edges.
        let c = from32([0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 1]);
        let min = u128::from_le_bytes([0x80; 16]);
        let b = u128::from_le_bytes([0xff; 16]);
        v.push(vec![min, b, c]);
        v.push(vec![u128::from_le_bytes([0x7f; 16]), b, c]);
    }
    v
}

// ---- the module and the engines ---------------------------------------------------------------

/// Which of an operator's inputs are also written as constants: the first eight and every
/// sixteenth after them.
fn constant_case(i: usize) -> bool {
    i < 8 || i.is_multiple_of(16)
}

fn arity(op: &Op) -> usize {
    (op.inputs)()[0].len()
}

fn v128_const(v: u128) -> String {
    let [a, b, c, d] = lanes32(v);
    format!("(v128.const i32x4 {a:#x} {b:#x} {c:#x} {d:#x})")
}

/// Export `N` computes operator `N` of its parameters; `kN_I` of its inputs `I` as constants;
/// `pN` of its parameter and the other operands of input 0 as constants (which LLVM may fold
/// with the operator: `fma(x, 1.0, -0.0)` to `x`); `lanesN` (for the `_zero` truncations) the
/// upper lanes, as an i64 LLVM sees on its own.
fn module_text() -> String {
    let mut wat = String::from("(module\n");
    for (n, op) in OPS.iter().enumerate() {
        let k = arity(op);
        let params = "v128 ".repeat(k);
        let gets: String = (0..k).map(|i| format!("(local.get {i}) ")).collect();
        let name = op.name;
        wat += &format!("(func (export \"{n}\") (param {params}) (result v128) ({name} {gets}))\n");
        let inputs = (op.inputs)();
        for (i, args) in inputs.iter().enumerate().filter(|&(i, _)| constant_case(i)) {
            let args: String = args.iter().map(|&a| v128_const(a)).collect();
            wat += &format!("(func (export \"k{n}_{i}\") (result v128) ({name} {args}))\n");
        }
        if k > 1 {
            let rest: String = inputs[0][1..].iter().map(|&a| v128_const(a)).collect();
            wat += &format!(
                "(func (export \"p{n}\") (param v128) (result v128) \
                 ({name} (local.get 0) {rest}))\n"
            );
        }
        if name.ends_with("_zero") {
            wat += &format!(
                "(func (export \"lanes{n}\") (param v128) (result i64) \
                 (i64x2.extract_lane 1 ({name} (local.get 0))))\n"
            );
        }
    }
    wat + ")"
}

/// Every way of compiling: (name, engine, wait for tier-up, serialise and load again).
fn engines() -> Vec<(String, Engine, bool, bool)> {
    let optimised = |level| {
        Engine::new(Config {
            mode: Mode::Optimized,
            opt_level: level,
            compile_threads: 1,
            ..Config::default()
        })
    };
    let liftoff = |lazy| {
        Engine::new(Config {
            mode: Mode::Liftoff,
            lazy,
            compile_threads: 1,
            ..Config::default()
        })
    };
    let mut v: Vec<_> = (0..=3)
        .map(|level| {
            (
                format!("optimised -O{level}"),
                optimised(level),
                false,
                false,
            )
        })
        .collect();
    v.push((
        "optimised -O0, serialised".into(),
        optimised(0),
        false,
        true,
    ));
    v.push((
        "optimised -O2, serialised".into(),
        optimised(2),
        false,
        true,
    ));
    v.push(("lift-off baseline".into(), liftoff(true), false, false));
    v.push(("lift-off tiered up".into(), liftoff(false), true, false));
    v
}

fn matches(compare: Compare, got: u128, expected: u128) -> bool {
    match compare {
        Compare::Exact => got == expected,
        Compare::QuietNaN32 => lanes32(got).iter().zip(lanes32(expected)).all(|(&g, e)| {
            let nan = |x: u32| x & 0x7fff_ffff > 0x7f80_0000;
            if nan(e) {
                nan(g) && g & 0x0040_0000 != 0
            } else {
                g == e
            }
        }),
        Compare::QuietNaN64 => lanes64(got).iter().zip(lanes64(expected)).all(|(&g, e)| {
            let nan = |x: u64| x & 0x7fff_ffff_ffff_ffff > 0x7ff0_0000_0000_0000;
            if nan(e) {
                nan(g) && g & 0x0008_0000_0000_0000 != 0
            } else {
                g == e
            }
        }),
    }
}

fn v128(results: Vec<Val>) -> u128 {
    match results[..] {
        [Val::V128(v)] => v,
        ref other => panic!("expected one v128, got {other:?}"),
    }
}

#[test]
fn every_operator_gives_the_documented_result_in_every_mode() {
    let wat = module_text();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (mode, engine, tier_up, serialise) in engines() {
        let mut module = Module::from_text(&engine, &wat).unwrap_or_else(|e| panic!("{mode}: {e}"));
        if serialise {
            let bytes = module.serialize().unwrap();
            module = Module::deserialize(&engine, &bytes).unwrap();
        }
        if tier_up {
            module.wait_for_tier_up();
        }
        let store = Store::new(&engine);
        let instance = Instance::new(&store, &module, &[]).unwrap();
        for (n, op) in OPS.iter().enumerate() {
            let f = instance.get_func(&store, &n.to_string()).unwrap();
            let inputs = (op.inputs)();
            for (i, args) in inputs.iter().enumerate() {
                let expected = (op.model)(args);
                let vals: Vec<Val> = args.iter().map(|&a| Val::V128(a)).collect();
                let got = v128(f.call(&store, &vals).unwrap());
                checked += 1;
                if !matches(op.compare, got, expected) {
                    failures.push(format!(
                        "{mode}: {} {args:#034x?}: got {got:#034x}, expected {expected:#034x}",
                        op.name
                    ));
                }
                if constant_case(i) {
                    let k = instance.get_func(&store, &format!("k{n}_{i}")).unwrap();
                    let got = v128(k.call(&store, &[]).unwrap());
                    if !matches(op.compare, got, expected) {
                        failures.push(format!(
                            "{mode}: {} of constants {args:#034x?}: got {got:#034x}, \
                             expected {expected:#034x}",
                            op.name
                        ));
                    }
                }
                if let Some(p) = instance.get_func(&store, &format!("p{n}")) {
                    let mut partly = inputs[0].clone();
                    partly[0] = args[0];
                    let expected = (op.model)(&partly);
                    let got = v128(p.call(&store, &vals[..1]).unwrap());
                    if !matches(op.compare, got, expected) {
                        failures.push(format!(
                            "{mode}: {} of {partly:#034x?}, all but the first constant: got \
                             {got:#034x}, expected {expected:#034x}",
                            op.name
                        ));
                    }
                }
                if let Some(lanes) = instance.get_func(&store, &format!("lanes{n}")) {
                    let got = lanes.call(&store, &vals[..1]).unwrap();
                    if got != [Val::I64(0)] {
                        failures.push(format!("{mode}: {} upper lanes: {got:?}", op.name));
                    }
                }
            }
        }
    }
    assert!(checked > 10_000, "only {checked} checks");
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed (first 40):\n{}",
        failures.len(),
        failures[..failures.len().min(40)].join("\n")
    );
}

/// The same checks in a child process compiling for a baseline x86-64 (SSE2 only), where the
/// translator uses its lowerings without `pshufb`, `pmulhrsw`, `pmaddubsw` and `blendv`, and the
/// fused multiply-add calls libm.
#[test]
fn a_cpu_without_ssse3_sse41_or_fma_gives_the_same_results() {
    if std::env::var_os("WASMO_CPU").is_some() {
        return; // Already the child (or chosen by whoever runs the tests).
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "every_operator_gives_the_documented_result_in_every_mode",
            "--exact",
            "--test-threads=1",
        ])
        .env("WASMO_CPU", "x86-64")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "WASMO_CPU=x86-64: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
