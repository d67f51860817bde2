//! Why wasm code trapped: the codes compiled code passes to the trap builtin, builtins return,
//! and the catch point (`runtime/trap.c`, which is given them by the runtime) reports; and the
//! thread's parked trap, which `RaisePending` unwinds with ([`TrapCode::Host`]).

use std::any::Any;
use std::cell::RefCell;

thread_local! {
    /// What the next `RaisePending` on this thread reports: parked by a host call that returned
    /// a trap (the runtime's trap) or by a lazy compilation that failed (its message, a
    /// `String`), taken by the catch point's owner.
    static PARKED: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

/// Parks `payload` until the catch point takes it ([`take_parked`]).
pub fn park(payload: Box<dyn Any>) {
    PARKED.with(|p| *p.borrow_mut() = Some(payload));
}

/// Takes what [`park`] left on this thread.
pub fn take_parked() -> Option<Box<dyn Any>> {
    PARKED.with(|p| p.borrow_mut().take())
}

/// A trap's cause. The values cross into compiled code and C; 0 means "no trap" in the results
/// of fallible builtins.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrapCode {
    StackOverflow = 1,
    MemoryOutOfBounds = 2,
    TableOutOfBounds = 3,
    UndefinedElement = 4,
    UninitializedElement = 5,
    IndirectCallTypeMismatch = 6,
    IntegerOverflow = 7,
    IntegerDivideByZero = 8,
    InvalidConversionToInteger = 9,
    Unreachable = 10,
    /// `call_ref` or `return_call_ref` of null.
    NullFunctionReference = 11,
    /// `ref.as_non_null` of null.
    NullReference = 12,
    /// The store's epoch deadline was reached (epoch interruption).
    Interrupted = 13,
    /// A wasm exception no handler caught before the host.
    UncaughtException = 14,
    /// `throw_ref` of null.
    NullExceptionReference = 15,
    /// A host function returned a trap (parked in this thread's pending slot).
    Host = 100,
}

impl TrapCode {
    /// Every code.
    pub const ALL: [TrapCode; 16] = [
        TrapCode::StackOverflow,
        TrapCode::MemoryOutOfBounds,
        TrapCode::TableOutOfBounds,
        TrapCode::UndefinedElement,
        TrapCode::UninitializedElement,
        TrapCode::IndirectCallTypeMismatch,
        TrapCode::IntegerOverflow,
        TrapCode::IntegerDivideByZero,
        TrapCode::InvalidConversionToInteger,
        TrapCode::Unreachable,
        TrapCode::NullFunctionReference,
        TrapCode::NullReference,
        TrapCode::Interrupted,
        TrapCode::UncaughtException,
        TrapCode::NullExceptionReference,
        TrapCode::Host,
    ];

    /// The code whose value is `code`, if any.
    pub fn from_u32(code: u32) -> Option<TrapCode> {
        Self::ALL.into_iter().find(|c| *c as u32 == code)
    }

    /// The message the spec's test suite expects.
    pub fn message(self) -> &'static str {
        match self {
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::UndefinedElement => "undefined element",
            TrapCode::UninitializedElement => "uninitialized element",
            TrapCode::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::IntegerDivideByZero => "integer divide by zero",
            TrapCode::InvalidConversionToInteger => "invalid conversion to integer",
            TrapCode::Unreachable => "unreachable",
            TrapCode::NullFunctionReference => "null function reference",
            TrapCode::NullReference => "null reference",
            TrapCode::Interrupted => "interrupted",
            TrapCode::UncaughtException => "uncaught exception",
            TrapCode::NullExceptionReference => "null exception reference",
            TrapCode::Host => "host trap",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_never_zero() {
        for code in TrapCode::ALL {
            assert_ne!(code as u32, 0, "0 means success in builtin results");
            assert_eq!(TrapCode::from_u32(code as u32), Some(code));
        }
        assert_eq!(TrapCode::from_u32(0), None);
    }
}
