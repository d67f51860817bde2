//! Errors: the crate-wide [`Error`] type and the thread-local "last error" that the C API exposes
//! through `wasmo_error_message()`.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::fmt;

/// An error with a human-readable message, as shown to C callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
        }
    }

    /// A construct Wasmo does not handle yet; the message names the proposal it belongs to.
    pub fn unsupported(what: impl fmt::Display, proposal: &str) -> Self {
        Error::new(format!("unsupported: {what} ({proposal} proposal)"))
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<wasmparser::BinaryReaderError> for Error {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        // The reader's Display already ends with "(at offset 0x..)".
        Error::new(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Records `err` as this thread's last error.
pub fn set_last_error(err: &Error) {
    // Interior NULs cannot appear in a C string; they never occur in our messages, but be safe.
    let text = err.message().replace('\0', "\\0");
    let c = CString::new(text).expect("NULs were replaced");
    LAST_ERROR.with(|slot| *slot.borrow_mut() = Some(c));
}

/// Forgets this thread's last error.
pub fn clear_last_error() {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = None);
}

/// A pointer to this thread's last error message, or NULL. It stays valid until the next call
/// that records or clears an error on this thread.
pub fn last_error_ptr() -> *const c_char {
    LAST_ERROR.with(|slot| match &*slot.borrow() {
        Some(c) => c.as_ptr(),
        None => std::ptr::null(),
    })
}

/// The last error message as a Rust string (tests and diagnostics).
pub fn last_error() -> Option<String> {
    LAST_ERROR.with(|slot| {
        slot.borrow()
            .as_ref()
            .map(|c| c.to_string_lossy().into_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_error_round_trip() {
        clear_last_error();
        assert!(last_error_ptr().is_null());
        set_last_error(&Error::new("bad magic"));
        assert_eq!(last_error().as_deref(), Some("bad magic"));
        clear_last_error();
        assert_eq!(last_error(), None);
    }

    #[test]
    fn unsupported_names_the_proposal() {
        let e = Error::unsupported("operator `v128.load`", "simd");
        assert_eq!(
            e.message(),
            "unsupported: operator `v128.load` (simd proposal)"
        );
    }
}
