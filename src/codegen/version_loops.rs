//! Loop versioning for exact traps: the Rust side of `version_loops.cpp`, which has the whole
//! story. A nest of loops whose linear-memory accesses all lie, as the nest's preheader can
//! compute, inside their memory runs a copy of itself with plain accesses, which the loop
//! vectoriser and unroll-and-jam may reorder; otherwise the original nest, volatile, runs.

use crate::error::{Error, Result};
use inkwell::module::Module;
use inkwell::targets::TargetMachine;

/// The module's named metadata listing the memories whose accesses may be versioned: one node
/// `!{i64 base, i64 definition, i64 length}` per memory, where `base` is the vmctx offset of the
/// memory's base (the load every access's address starts from), `definition` the vmctx offset
/// of its `VMMemory` pointer and `length` the offset of the current byte length there.
pub const HEAP_METADATA: &str = "wasmo.heap";

/// The module's named metadata holding the out-of-bounds trap's code, `!{i64 code}`: a 64-bit
/// memory's bounds checks branch to a block that raises it, and the plain copy of a nest
/// drops them.
pub const OUT_OF_BOUNDS_METADATA: &str = "wasmo.oob_trap";

extern "C" {
    fn wasmo_version_loops(
        module: llvm_sys::prelude::LLVMModuleRef,
        machine: llvm_sys::target_machine::LLVMTargetMachineRef,
        verify: i32,
    ) -> i32;
}

/// Versions the loop nests of `module`'s functions; returns how many were versioned.
pub fn version_loops(module: &Module, machine: &TargetMachine) -> Result<u32> {
    // SAFETY: both handles are live for the call, which only reads and rewrites the module.
    let n = unsafe {
        wasmo_version_loops(
            module.as_mut_ptr(),
            machine.as_mut_ptr(),
            i32::from(cfg!(debug_assertions)),
        )
    };
    u32::try_from(n).map_err(|_| Error::new("internal error: loop versioning made invalid IR"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkwell::context::Context;
    use inkwell::memory_buffer::MemoryBuffer;

    /// A loop storing `n` i32s from byte 0 of memory 0 (vmctx + 32 holds the base, vmctx + 0
    /// the `VMMemory`, whose length is at + 8), with `BODY` spliced in after the store.
    fn module<'c>(ctx: &'c Context, body: &str) -> Module<'c> {
        let ir = format!(
            r#"
declare void @trap(i32) noreturn cold
declare void @grow(ptr)

define i32 @f(ptr %vmctx, i32 %n) {{
entry:
  %slot = getelementptr i8, ptr %vmctx, i64 32
  %base = load ptr, ptr %slot, !invariant.load !1
  %some = icmp sgt i32 %n, 0
  br i1 %some, label %loop, label %done
loop:
  %i = phi i32 [ 0, %entry ], [ %next, %latch ]
  %scaled = shl i32 %i, 2
  %index = zext i32 %scaled to i64
  %heap = getelementptr i8, ptr %base, i64 %index
  store volatile i32 %i, ptr %heap, align 1
  {body}
  br label %latch
latch:
  %next = add i32 %i, 1
  %again = icmp slt i32 %next, %n
  br i1 %again, label %loop, label %done
done:
  ret i32 0
}}

!wasmo.heap = !{{!0}}
!0 = !{{i64 32, i64 0, i64 8}}
!1 = !{{}}
"#
        );
        parse(ctx, &ir)
    }

    fn parse<'c>(ctx: &'c Context, ir: &str) -> Module<'c> {
        let buffer = MemoryBuffer::create_from_memory_range_copy(ir.as_bytes(), "test");
        ctx.create_module_from_ir(buffer).unwrap()
    }

    /// The text of module `ir` after versioning, which must version exactly one nest and
    /// leave valid IR.
    fn versioned_once(ir: &str) -> String {
        let ctx = Context::create();
        let m = parse(&ctx, ir);
        assert_eq!(version_loops(&m, &machine()).unwrap(), 1);
        m.verify().unwrap();
        m.print_to_string().to_string()
    }

    fn machine() -> TargetMachine {
        crate::codegen::target_machine(inkwell::OptimizationLevel::Default).unwrap()
    }

    #[test]
    fn an_affine_loop_gets_a_plain_copy_behind_a_bounds_check() {
        let ctx = Context::create();
        let m = module(&ctx, "");
        assert_eq!(version_loops(&m, &machine()).unwrap(), 1);
        m.verify().unwrap();
        let text = m.print_to_string().to_string();
        // The original keeps its volatile store, the copy has a plain one, and the check loads
        // the memory's length.
        assert_eq!(text.matches("store volatile i32").count(), 1, "{text}");
        assert_eq!(text.matches("store i32").count(), 1, "{text}");
        assert!(text.contains("%wasmo.length"), "{text}");
        // Versioned once: a second run finds both copies marked.
        assert_eq!(version_loops(&m, &machine()).unwrap(), 0);
    }

    #[test]
    fn a_loop_with_a_call_that_returns_is_left_alone() {
        let ctx = Context::create();
        // `grow` may change the memory's length: the nest cannot be checked up front.
        let m = module(&ctx, "call void @grow(ptr %vmctx)");
        assert_eq!(version_loops(&m, &machine()).unwrap(), 0);
        // A trap's call never comes back to the loop, so it does not stop versioning.
        let ctx = Context::create();
        let trap = "%odd = icmp eq i32 %i, 7\n  br i1 %odd, label %t, label %c\nt:\n  \
                    call void @trap(i32 3)\n  unreachable\nc:";
        let m = module(&ctx, trap);
        assert_eq!(version_loops(&m, &machine()).unwrap(), 1);
        m.verify().unwrap();
    }

    #[test]
    fn a_strided_inner_loop_is_checked_from_the_outer_phi_without_a_division() {
        // The sieve's shape: for i in 2..10^6 { for (j = 2i; j < 2^22; j += i) mem[1024 + j] = 0 }.
        let ir = r#"
define void @f(ptr %vmctx) {
entry:
  %slot = getelementptr i8, ptr %vmctx, i64 32
  %base = load ptr, ptr %slot, !invariant.load !1
  br label %outer
outer:
  %i = phi i32 [ 2, %entry ], [ %i.next, %outer.latch ]
  %first = mul nuw nsw i32 %i, 3
  %some = icmp ult i32 %i, 2097152
  br i1 %some, label %inner, label %outer.latch
inner:
  %j = phi i32 [ %first, %outer ], [ %j.next, %inner ]
  %at = add nuw nsw i32 %j, 1024
  %index = zext i32 %at to i64
  %heap = getelementptr i8, ptr %base, i64 %index
  store volatile i8 0, ptr %heap, align 1
  %j.next = add nuw nsw i32 %j, %i
  %again = icmp ult i32 %j.next, 4194304
  br i1 %again, label %inner, label %outer.latch
outer.latch:
  %i.next = add nuw nsw i32 %i, 1
  %more = icmp ult i32 %i.next, 4194304
  br i1 %more, label %outer, label %done
done:
  ret void
}

!wasmo.heap = !{!0}
!0 = !{i64 32, i64 0, i64 8}
!1 = !{}
"#;
        let text = versioned_once(ir);
        assert_eq!(text.matches("store i8 0").count(), 1, "{text}");
        // The outer header is as it was: the check reads %i rather than recomputing the
        // recurrence there on every outer iteration (a new i128 induction variable), and it
        // bounds the last j by n instead of dividing by the stride.
        let header = &text[text.find("\nouter:").unwrap()..];
        let header = &header[..header.find("\n\n").unwrap()];
        assert_eq!(header.trim().lines().count(), 5, "{header}");
        assert!(!text.contains("phi i128"), "{text}");
        assert!(!text.contains("udiv"), "{text}");
        // The volatile copy is kept from the vectoriser and the unrollers.
        assert!(
            text.contains("!\"llvm.loop.vectorize.enable\", i1 false"),
            "{text}"
        );
        assert!(text.contains("!\"llvm.loop.unroll.disable\""), "{text}");
    }

    #[test]
    fn a_triangular_nest_is_versioned_whole() {
        // nbody's shape: for i in 0..16 { if i <= 14 { for j in i+1..16 { mem[8j] += 1 } } }.
        // The inner count, 14 - i, is -1 at i = 15, where the guard keeps the loop from being
        // entered; the check still goes before the outer loop, once.
        let ir = r#"
define void @f(ptr %vmctx) {
entry:
  %slot = getelementptr i8, ptr %vmctx, i64 32
  %base = load ptr, ptr %slot, !invariant.load !1
  br label %outer
outer:
  %i = phi i32 [ 0, %entry ], [ %i.next, %outer.latch ]
  %i.next = add nuw nsw i32 %i, 1
  %last = icmp ugt i32 %i, 14
  br i1 %last, label %outer.latch, label %inner
inner:
  %j = phi i32 [ %i.next, %outer ], [ %j.next, %inner ]
  %at = shl nuw nsw i32 %j, 3
  %index = zext i32 %at to i64
  %heap = getelementptr i8, ptr %base, i64 %index
  %x = load volatile double, ptr %heap, align 1
  %y = fadd double %x, 1.0
  store volatile double %y, ptr %heap, align 1
  %j.next = add nuw nsw i32 %j, 1
  %again = icmp ne i32 %j.next, 16
  br i1 %again, label %inner, label %outer.latch
outer.latch:
  %more = icmp ne i32 %i.next, 16
  br i1 %more, label %outer, label %done
done:
  ret void
}

!wasmo.heap = !{!0}
!0 = !{i64 32, i64 0, i64 8}
!1 = !{}
"#;
        let text = versioned_once(ir);
        assert!(text.contains("outer.slow:"), "{text}");
        assert_eq!(text.matches("%wasmo.length = ").count(), 1, "{text}");
        assert_eq!(text.matches("store double").count(), 1, "{text}");
    }

    #[test]
    fn the_plain_copy_never_takes_a_64_bit_memorys_bounds_check() {
        let ir = r#"
declare void @wasmo_builtin_trap(i32) noreturn cold

define void @f(ptr %vmctx, i64 %n) {
entry:
  %slot = getelementptr i8, ptr %vmctx, i64 32
  %base = load ptr, ptr %slot, !invariant.load !1
  %definition = load ptr, ptr %vmctx, !invariant.load !1
  %at.length = getelementptr i8, ptr %definition, i64 8
  %length = load i64, ptr %at.length
  %some = icmp ugt i64 %n, 0
  br i1 %some, label %loop, label %done
loop:
  %i = phi i64 [ 0, %entry ], [ %next, %ok ]
  %end = add i64 %i, 1
  %past = icmp ugt i64 %end, %length
  br i1 %past, label %oob, label %ok
ok:
  %heap = getelementptr i8, ptr %base, i64 %i
  store volatile i8 0, ptr %heap, align 1
  %next = add nuw i64 %i, 1
  %again = icmp ult i64 %next, %n
  br i1 %again, label %loop, label %done
oob:
  call void @wasmo_builtin_trap(i32 2)
  unreachable
done:
  ret void
}

!wasmo.heap = !{!0}
!wasmo.oob_trap = !{!2}
!0 = !{i64 32, i64 0, i64 8}
!1 = !{}
!2 = !{i64 2}
"#;
        let text = versioned_once(ir);
        // The volatile copy keeps its check; the plain one branches on false to the trap.
        assert!(text.contains("br i1 %past.slow, label %oob"), "{text}");
        assert!(text.contains("br i1 false, label %oob"), "{text}");
        assert_eq!(text.matches("store i8 0").count(), 1, "{text}");
    }

    #[test]
    fn an_index_loaded_from_memory_is_left_alone() {
        let ctx = Context::create();
        let m = module(
            &ctx,
            "%x = load volatile i32, ptr %heap, align 1\n  %w = zext i32 %x to i64\n  \
             %at = getelementptr i8, ptr %base, i64 %w\n  store volatile i32 0, ptr %at, align 1",
        );
        assert_eq!(version_loops(&m, &machine()).unwrap(), 0);
    }
}
