//! The ORC v2 LLJIT (through llvm-sys' C API): loads relocatable object files, links them against
//! each other and the process (libc/libm symbols that LLVM's lowering may call), and frees them
//! again through resource trackers. Objects are linked by RuntimeDyld into memory from
//! `memory_manager` (one arena per object). One per engine; every call is serialised by a mutex because
//! the C API's LLJIT is not safe for concurrent lookups (see the toolchain notes).

use crate::error::{Error, Result};
use llvm_sys::error::{LLVMDisposeErrorMessage, LLVMErrorRef, LLVMGetErrorMessage};
use llvm_sys::orc2::lljit::*;
use llvm_sys::orc2::*;
use std::ffi::{CStr, CString};
use std::sync::Mutex;

/// Takes the message out of an LLVM error (consuming it).
///
/// # Safety
/// `err` must be a live error reference (or null).
pub(crate) unsafe fn take_message(err: LLVMErrorRef) -> String {
    if err.is_null() {
        return "unknown LLVM error".into();
    }
    // SAFETY: a live error; getting the message consumes it, the message is then disposed.
    unsafe {
        let msg = LLVMGetErrorMessage(err);
        let text = CStr::from_ptr(msg).to_string_lossy().into_owned();
        LLVMDisposeErrorMessage(msg);
        text
    }
}

fn check(err: LLVMErrorRef, what: &str) -> Result<()> {
    if err.is_null() {
        Ok(())
    } else {
        // SAFETY: non-null error returned by LLVM.
        Err(Error::new(format!("{what}: {}", unsafe {
            take_message(err)
        })))
    }
}

struct Inner {
    jit: LLVMOrcLLJITRef,
}

// SAFETY: all access goes through the mutex in `Jit`; LLJIT itself is usable from any thread.
unsafe impl Send for Inner {}

/// An LLJIT instance.
pub struct Jit {
    inner: Mutex<Inner>,
}

/// Object files loaded together; unloading them frees their code.
pub struct LoadedObjects {
    tracker: LLVMOrcResourceTrackerRef,
}

// SAFETY: a resource tracker is only used through `Jit::unload`, under the JIT's mutex.
unsafe impl Send for LoadedObjects {}
unsafe impl Sync for LoadedObjects {}

impl Jit {
    /// A JIT whose objects may call `symbols` (runtime builtins, by name and address) and the
    /// process' own symbols (libc/libm functions LLVM's lowering calls).
    pub fn new(symbols: &[(&str, usize)]) -> Result<Jit> {
        super::host();
        let mut jit = std::ptr::null_mut();
        // SAFETY: plain LLVM C API use; the builder is consumed by LLVMOrcCreateLLJIT.
        unsafe {
            let builder = LLVMOrcCreateLLJITBuilder();
            // Each object's sections in one arena, so PC-relative references reach.
            LLVMOrcLLJITBuilderSetObjectLinkingLayerCreator(
                builder,
                super::memory_manager::create_object_layer,
                std::ptr::null_mut(),
            );
            check(
                LLVMOrcCreateLLJIT(&mut jit, builder),
                "cannot create the LLJIT",
            )?;
            let mut generator = std::ptr::null_mut();
            check(
                LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
                    &mut generator,
                    LLVMOrcLLJITGetGlobalPrefix(jit),
                    None,
                    std::ptr::null_mut(),
                ),
                "cannot search the process for symbols",
            )?;
            LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(jit), generator);
            let mut pairs: Vec<LLVMOrcCSymbolMapPair> = symbols
                .iter()
                .map(|(name, address)| {
                    let cname = CString::new(*name).expect("symbol names have no NUL");
                    LLVMOrcCSymbolMapPair {
                        Name: LLVMOrcLLJITMangleAndIntern(jit, cname.as_ptr()),
                        Sym: LLVMJITEvaluatedSymbol {
                            Address: *address as u64,
                            Flags: LLVMJITSymbolFlags {
                                GenericFlags: LLVMJITSymbolGenericFlags::LLVMJITSymbolGenericFlagsExported as u8
                                    | LLVMJITSymbolGenericFlags::LLVMJITSymbolGenericFlagsCallable as u8,
                                TargetFlags: 0,
                            },
                        },
                    }
                })
                .collect();
            if !pairs.is_empty() {
                let unit = LLVMOrcAbsoluteSymbols(pairs.as_mut_ptr(), pairs.len());
                check(
                    LLVMOrcJITDylibDefine(LLVMOrcLLJITGetMainJITDylib(jit), unit),
                    "cannot define the runtime builtins",
                )?;
            }
        }
        Ok(Jit {
            inner: Mutex::new(Inner { jit }),
        })
    }

    /// Loads object files into the main JIT library. Their symbols must be unique in the JIT.
    pub fn load(&self, objects: &[Vec<u8>]) -> Result<LoadedObjects> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: LLVM C API; buffers are copied and handed to LLJIT, which owns them after.
        unsafe {
            let tracker =
                LLVMOrcJITDylibCreateResourceTracker(LLVMOrcLLJITGetMainJITDylib(inner.jit));
            for object in objects {
                let buffer = llvm_sys::core::LLVMCreateMemoryBufferWithMemoryRangeCopy(
                    object.as_ptr().cast(),
                    object.len(),
                    c"wasmo-object".as_ptr(),
                );
                if let Err(e) = check(
                    LLVMOrcLLJITAddObjectFileWithRT(inner.jit, tracker, buffer),
                    "cannot load object code",
                ) {
                    let _ = LLVMOrcResourceTrackerRemove(tracker);
                    LLVMOrcReleaseResourceTracker(tracker);
                    return Err(e);
                }
            }
            Ok(LoadedObjects { tracker })
        }
    }

    /// The address of a loaded symbol (linking its object on first lookup).
    pub fn lookup(&self, name: &str) -> Result<usize> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let cname = CString::new(name).map_err(|_| Error::new("symbol name with NUL"))?;
        let mut addr = 0;
        // SAFETY: LLVM C API with a live JIT.
        check(
            unsafe { LLVMOrcLLJITLookup(inner.jit, &mut addr, cname.as_ptr()) },
            &format!("cannot resolve `{name}`"),
        )?;
        Ok(addr as usize)
    }

    /// Frees the code of `objects`. Nothing may still run it.
    pub fn unload(&self, objects: LoadedObjects) {
        let _inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the tracker is live and owned by `objects`, which is consumed.
        unsafe {
            let _ = LLVMOrcResourceTrackerRemove(objects.tracker);
            LLVMOrcReleaseResourceTracker(objects.tracker);
        }
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        let inner = self.inner.get_mut().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the JIT is live and dropped once.
        unsafe {
            let _ = LLVMOrcDisposeLLJIT(inner.jit);
        }
    }
}
