//! The functions of `wasi_snapshot_preview1`: each reads its arguments, checks the descriptor's
//! rights, does the work on the host and returns an errno. Guest memory is reached only through
//! [`Mem`], which checks every range (a bad pointer is `EFAULT`).

use super::abi::*;
use super::fd::{self, fstat, last_errno, Entry, Handle};
use super::WasiCtx;
use crate::api::{FuncType, Trap, Val, ValType};
use cap_fs_ext::{DirExt, OpenOptionsFollowExt, OpenOptionsMaybeDirExt};
use cap_std::fs::{Dir, MetadataExt, OpenOptions};
use std::ffi::OsStr;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

type R = Result<(), Errno>;

/// The guest's memory for the length of one call: no wasm code runs during a host call, so its
/// base and size stay put.
pub struct Mem {
    base: *mut u8,
    len: usize,
}

impl Mem {
    pub fn new(store: &crate::api::Store, memory: crate::api::Memory) -> Mem {
        Mem {
            base: memory.data_ptr(store),
            len: memory.data_size(store),
        }
    }

    /// The address of `ptr..ptr + len`, if it is in bounds.
    fn range(&self, ptr: u32, len: usize) -> Result<*mut u8, Errno> {
        let end = (ptr as usize).checked_add(len).ok_or(Errno::FAULT)?;
        if end > self.len {
            return Err(Errno::FAULT);
        }
        // SAFETY: in bounds of the memory's accessible bytes.
        Ok(unsafe { self.base.add(ptr as usize) })
    }

    fn read(&self, ptr: u32, len: u32) -> Result<Vec<u8>, Errno> {
        let src = self.range(ptr, len as usize)?;
        let mut v = vec![0; len as usize];
        // SAFETY: `src` has `len` readable bytes; `v` is a separate allocation.
        unsafe { std::ptr::copy_nonoverlapping(src, v.as_mut_ptr(), len as usize) };
        Ok(v)
    }

    fn write(&self, ptr: u32, bytes: &[u8]) -> R {
        let dst = self.range(ptr, bytes.len())?;
        // SAFETY: `dst` has `bytes.len()` writable bytes; `bytes` is host memory.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
        Ok(())
    }

    fn set_u32(&self, ptr: u32, v: u32) -> R {
        self.write(ptr, &v.to_le_bytes())
    }

    fn set_u64(&self, ptr: u32, v: u64) -> R {
        self.write(ptr, &v.to_le_bytes())
    }

    /// The guest's iovec array as host `iovec`s pointing into its memory, each range checked.
    fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<libc::iovec>, Errno> {
        let raw = self.read(ptr, count.checked_mul(IOVEC_SIZE).ok_or(Errno::FAULT)?)?;
        raw.chunks_exact(8)
            .map(|c| {
                let buf = u32::from_le_bytes(c[0..4].try_into().unwrap());
                let len = u32::from_le_bytes(c[4..8].try_into().unwrap());
                Ok(libc::iovec {
                    iov_base: self.range(buf, len as usize)?.cast(),
                    iov_len: len as usize,
                })
            })
            .collect()
    }

    fn path(&self, ptr: u32, len: u32) -> Result<std::path::PathBuf, Errno> {
        let bytes = self.read(ptr, len)?;
        // Preview 1 paths are strings: UTF-8, and no NUL can reach the host.
        if std::str::from_utf8(&bytes).is_err() {
            return Err(Errno::ILSEQ);
        }
        if bytes.contains(&0) {
            return Err(Errno::INVAL);
        }
        Ok(Path::new(OsStr::from_bytes(&bytes)).to_path_buf())
    }
}

/// The arguments of a call.
struct A<'a>(&'a [Val]);

impl A<'_> {
    fn u32(&self, i: usize) -> u32 {
        match self.0[i] {
            Val::I32(v) => v as u32,
            _ => unreachable!("the import's type was checked"),
        }
    }
    fn u64(&self, i: usize) -> u64 {
        match self.0[i] {
            Val::I64(v) => v as u64,
            _ => unreachable!("the import's type was checked"),
        }
    }
}

/// One WASI function: its name, parameter types (`i` i32, `I` i64; every function but
/// `proc_exit` returns an errno) and body.
pub struct Call {
    pub name: &'static str,
    sig: &'static str,
    pub run: fn(&WasiCtx, &Mem, &[Val]) -> Result<Errno, Trap>,
}

impl Call {
    pub fn ty(&self) -> FuncType {
        let params = self
            .sig
            .bytes()
            .map(|c| {
                if c == b'I' {
                    ValType::I64
                } else {
                    ValType::I32
                }
            })
            .collect();
        let results = if self.name == "proc_exit" {
            vec![]
        } else {
            vec![ValType::I32]
        };
        FuncType::new(params, results)
    }
}

pub fn find(name: &str) -> Option<&'static Call> {
    CALLS.iter().find(|c| c.name == name)
}

macro_rules! calls {
    ($($name:ident $sig:literal,)*) => {
        static CALLS: &[Call] = &[
            Call {
                name: "proc_exit",
                sig: "i",
                run: |_, _, a| Err(proc_exit(A(a).u32(0) as i32)),
            },
            $(Call {
                name: stringify!($name),
                sig: $sig,
                run: |cx, m, a| Ok(match $name(cx, m, &A(a)) {
                    Ok(()) => Errno::SUCCESS,
                    Err(e) => e,
                }),
            },)*
        ];
    };
}

calls! {
    args_get "ii",
    args_sizes_get "ii",
    environ_get "ii",
    environ_sizes_get "ii",
    clock_res_get "ii",
    clock_time_get "iIi",
    fd_advise "iIIi",
    fd_allocate "iII",
    fd_close "i",
    fd_datasync "i",
    fd_fdstat_get "ii",
    fd_fdstat_set_flags "ii",
    fd_fdstat_set_rights "iII",
    fd_filestat_get "ii",
    fd_filestat_set_size "iI",
    fd_filestat_set_times "iIIi",
    fd_pread "iiiIi",
    fd_prestat_get "ii",
    fd_prestat_dir_name "iii",
    fd_pwrite "iiiIi",
    fd_read "iiii",
    fd_readdir "iiiIi",
    fd_renumber "ii",
    fd_seek "iIii",
    fd_sync "i",
    fd_tell "ii",
    fd_write "iiii",
    path_create_directory "iii",
    path_filestat_get "iiiii",
    path_filestat_set_times "iiiiIIi",
    path_link "iiiiiii",
    path_open "iiiiiIIii",
    path_readlink "iiiiii",
    path_remove_directory "iii",
    path_rename "iiiiii",
    path_symlink "iiiii",
    path_unlink_file "iii",
    poll_oneoff "iiii",
    proc_raise "i",
    sched_yield "",
    random_get "ii",
    sock_accept "iii",
    sock_recv "iiiiii",
    sock_send "iiiii",
    sock_shutdown "ii",
}

fn proc_exit(code: i32) -> Trap {
    let mut trap = Trap::new(format!("the WASI program exited with status {code}"));
    trap.exit_code = Some(code);
    trap
}

// ---- arguments and environment ----

/// Writes `strings` as a pointer array at `ptrs` and NUL-terminated bytes at `buf`.
fn put_strings(m: &Mem, strings: &[Vec<u8>], ptrs: u32, buf: u32) -> R {
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        m.set_u32(ptrs.wrapping_add(4 * i as u32), at)?;
        m.write(at, s)?;
        m.write(at.wrapping_add(s.len() as u32), &[0])?;
        at = at.wrapping_add(s.len() as u32 + 1);
    }
    Ok(())
}

fn put_sizes(m: &Mem, strings: &[Vec<u8>], count: u32, size: u32) -> R {
    m.set_u32(count, strings.len() as u32)?;
    m.set_u32(size, strings.iter().map(|s| s.len() as u32 + 1).sum())
}

fn args_get(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    put_strings(m, &cx.args, a.u32(0), a.u32(1))
}
fn args_sizes_get(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    put_sizes(m, &cx.args, a.u32(0), a.u32(1))
}
fn environ_get(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    put_strings(m, &cx.env, a.u32(0), a.u32(1))
}
fn environ_sizes_get(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    put_sizes(m, &cx.env, a.u32(0), a.u32(1))
}

// ---- clocks and randomness ----

fn host_clock(id: u32) -> Result<libc::clockid_t, Errno> {
    Ok(match id {
        CLOCK_REALTIME => libc::CLOCK_REALTIME,
        CLOCK_MONOTONIC => libc::CLOCK_MONOTONIC,
        CLOCK_PROCESS_CPUTIME => libc::CLOCK_PROCESS_CPUTIME_ID,
        CLOCK_THREAD_CPUTIME => libc::CLOCK_THREAD_CPUTIME_ID,
        _ => return Err(Errno::INVAL),
    })
}

fn nanos(ts: &libc::timespec) -> u64 {
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

fn clock_now(id: u32) -> Result<u64, Errno> {
    let clock = host_clock(id)?;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes `ts`.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return Err(last_errno());
    }
    Ok(nanos(&ts))
}

fn clock_res_get(_: &WasiCtx, m: &Mem, a: &A) -> R {
    let clock = host_clock(a.u32(0))?;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes `ts`.
    if unsafe { libc::clock_getres(clock, &mut ts) } != 0 {
        return Err(last_errno());
    }
    m.set_u64(a.u32(1), nanos(&ts))
}

fn clock_time_get(_: &WasiCtx, m: &Mem, a: &A) -> R {
    let now = clock_now(a.u32(0))?;
    m.set_u64(a.u32(2), now)
}

fn random_get(_: &WasiCtx, m: &Mem, a: &A) -> R {
    let (buf, len) = (a.u32(0), a.u32(1));
    let dst = m.range(buf, len as usize)?;
    let mut done = 0usize;
    while done < len as usize {
        // SAFETY: `dst..dst + len` is guest memory in bounds; getrandom writes into it.
        let n = unsafe { libc::getrandom(dst.add(done).cast(), len as usize - done, 0) };
        if n < 0 {
            let e = last_errno();
            if e == Errno::INTR {
                continue;
            }
            return Err(e);
        }
        done += n as usize;
    }
    Ok(())
}

fn proc_raise(_: &WasiCtx, _: &Mem, _: &A) -> R {
    Err(Errno::NOSYS)
}

fn sched_yield(_: &WasiCtx, _: &Mem, _: &A) -> R {
    // SAFETY: no arguments.
    unsafe { libc::sched_yield() };
    Ok(())
}

// ---- descriptors ----

/// A host call's result: the value, or the errno it set.
fn check(ret: isize) -> Result<usize, Errno> {
    if ret < 0 {
        Err(last_errno())
    } else {
        Ok(ret as usize)
    }
}

fn host_fd(e: &Entry) -> Result<i32, Errno> {
    e.raw_fd().ok_or(Errno::BADF)
}

fn fd_advise(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?.require(RIGHT_FD_ADVISE)?;
    let advice = match a.u32(3) {
        0 => libc::POSIX_FADV_NORMAL,
        1 => libc::POSIX_FADV_SEQUENTIAL,
        2 => libc::POSIX_FADV_RANDOM,
        3 => libc::POSIX_FADV_WILLNEED,
        4 => libc::POSIX_FADV_DONTNEED,
        5 => libc::POSIX_FADV_NOREUSE,
        _ => return Err(Errno::INVAL),
    };
    if e.filetype() == FILETYPE_DIRECTORY {
        return Err(Errno::BADF);
    }
    let fd = host_fd(e)?;
    // SAFETY: a plain syscall on our descriptor.
    let r = unsafe { libc::posix_fadvise(fd, a.u64(1) as i64, a.u64(2) as i64, advice) };
    match r {
        0 => Ok(()),
        e => Err(Errno::from_host(e)),
    }
}

fn fd_allocate(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?.require(RIGHT_FD_ALLOCATE)?;
    let fd = host_fd(e)?;
    let (offset, len) = (a.u64(1), a.u64(2));
    if offset
        .checked_add(len)
        .is_none_or(|end| end > i64::MAX as u64)
    {
        return Err(Errno::INVAL);
    }
    // SAFETY: a plain syscall on our descriptor.
    match unsafe { libc::posix_fallocate(fd, offset as i64, len as i64) } {
        0 => Ok(()),
        e => Err(Errno::from_host(e)),
    }
}

fn fd_close(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    cx.fds.borrow_mut().remove(a.u32(0)).map(drop)
}

fn sync(cx: &WasiCtx, fd: u32, right: u64, data_only: bool) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(fd)?.require(right)?;
    let fd = host_fd(e)?;
    // SAFETY: plain syscalls on our descriptor.
    let r = unsafe {
        if data_only {
            libc::fdatasync(fd)
        } else {
            libc::fsync(fd)
        }
    };
    check(r as isize).map(drop)
}

fn fd_datasync(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    sync(cx, a.u32(0), RIGHT_FD_DATASYNC, true)
}
fn fd_sync(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    sync(cx, a.u32(0), RIGHT_FD_SYNC, false)
}

fn fd_fdstat_get(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?;
    let mut flags = 0u16;
    if let Some(fd) = e.raw_fd() {
        // SAFETY: a plain syscall on our descriptor.
        let fl = check(unsafe { libc::fcntl(fd, libc::F_GETFL) } as isize)? as i32;
        if fl & libc::O_APPEND != 0 {
            flags |= FDFLAGS_APPEND;
        }
        if fl & libc::O_NONBLOCK != 0 {
            flags |= FDFLAGS_NONBLOCK;
        }
        if fl & libc::O_SYNC == libc::O_SYNC {
            flags |= FDFLAGS_SYNC;
        } else if fl & libc::O_DSYNC != 0 {
            flags |= FDFLAGS_DSYNC;
        }
    }
    let mut out = [0u8; FDSTAT_SIZE];
    out[0] = e.filetype();
    out[2..4].copy_from_slice(&flags.to_le_bytes());
    out[8..16].copy_from_slice(&e.base.to_le_bytes());
    out[16..24].copy_from_slice(&e.inheriting.to_le_bytes());
    m.write(a.u32(1), &out)
}

fn fd_fdstat_set_flags(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?.require(RIGHT_FD_FDSTAT_SET_FLAGS)?;
    let flags = a.u32(1);
    if flags & !0x1f != 0 {
        return Err(Errno::INVAL);
    }
    // The synchronisation flags are fixed when a file is opened on Linux.
    if flags as u16 & (FDFLAGS_DSYNC | FDFLAGS_RSYNC | FDFLAGS_SYNC) != 0 {
        return Err(Errno::NOTSUP);
    }
    if flags as u16 & FDFLAGS_APPEND != 0 && e.base & RIGHT_FD_WRITE == 0 {
        return Err(Errno::NOTCAPABLE);
    }
    let fd = host_fd(e)?;
    // SAFETY: plain syscalls on our descriptor.
    unsafe {
        let mut fl = check(libc::fcntl(fd, libc::F_GETFL) as isize)? as i32;
        fl &= !(libc::O_APPEND | libc::O_NONBLOCK);
        if flags as u16 & FDFLAGS_APPEND != 0 {
            fl |= libc::O_APPEND;
        }
        if flags as u16 & FDFLAGS_NONBLOCK != 0 {
            fl |= libc::O_NONBLOCK;
        }
        check(libc::fcntl(fd, libc::F_SETFL, fl) as isize)?;
    }
    Ok(())
}

fn fd_fdstat_set_rights(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    let mut fds = cx.fds.borrow_mut();
    let e = fds.get_mut(a.u32(0))?;
    let (base, inheriting) = (a.u64(1), a.u64(2));
    // Rights can only be dropped.
    if base & !e.base != 0 || inheriting & !e.inheriting != 0 {
        return Err(Errno::NOTCAPABLE);
    }
    e.base = base;
    e.inheriting = inheriting;
    Ok(())
}

fn time_nanos(secs: i64, nsec: i64) -> u64 {
    if secs < 0 {
        return 0;
    }
    (secs as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(nsec as u64)
}

fn filestat_of_stat(st: &libc::stat) -> [u8; FILESTAT_SIZE] {
    filestat(
        st.st_dev,
        st.st_ino,
        fd::filetype_of_mode(st.st_mode),
        st.st_nlink,
        st.st_size as u64,
        time_nanos(st.st_atime, st.st_atime_nsec),
        time_nanos(st.st_mtime, st.st_mtime_nsec),
        time_nanos(st.st_ctime, st.st_ctime_nsec),
    )
}

#[allow(clippy::too_many_arguments)]
fn filestat(
    dev: u64,
    ino: u64,
    filetype: u8,
    nlink: u64,
    size: u64,
    atim: u64,
    mtim: u64,
    ctim: u64,
) -> [u8; FILESTAT_SIZE] {
    let mut out = [0u8; FILESTAT_SIZE];
    out[0..8].copy_from_slice(&dev.to_le_bytes());
    out[8..16].copy_from_slice(&ino.to_le_bytes());
    out[16] = filetype;
    out[24..32].copy_from_slice(&nlink.to_le_bytes());
    out[32..40].copy_from_slice(&size.to_le_bytes());
    out[40..48].copy_from_slice(&atim.to_le_bytes());
    out[48..56].copy_from_slice(&mtim.to_le_bytes());
    out[56..64].copy_from_slice(&ctim.to_le_bytes());
    out
}

fn fd_filestat_get(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?.require(RIGHT_FD_FILESTAT_GET)?;
    let out = match &e.handle {
        Handle::Bytes { data, .. } => filestat(
            0,
            0,
            FILETYPE_CHARACTER_DEVICE,
            1,
            data.len() as u64,
            0,
            0,
            0,
        ),
        _ => filestat_of_stat(&fstat(host_fd(e)?)?),
    };
    m.write(a.u32(1), &out)
}

fn fd_filestat_set_size(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?.require(RIGHT_FD_FILESTAT_SET_SIZE)?;
    let size = a.u64(1);
    if size > i64::MAX as u64 {
        return Err(Errno::INVAL);
    }
    // SAFETY: a plain syscall on our descriptor.
    check(unsafe { libc::ftruncate(host_fd(e)?, size as i64) } as isize).map(drop)
}

/// What a `filestat_set_times` call does to one of the two times.
#[derive(Clone, Copy)]
enum TimeSet {
    Keep,
    Now,
    /// Nanoseconds since the epoch.
    At(u64),
}

/// The access and modification times `fst_flags` asks for: EINVAL for unknown flags or a
/// time both given and asked to be now.
fn time_sets(atim: u64, mtim: u64, fst: u32) -> Result<[TimeSet; 2], Errno> {
    let set = |t: u64, given: u16, now: u16| match (fst as u16 & given != 0, fst as u16 & now != 0)
    {
        (true, true) => Err(Errno::INVAL),
        (false, true) => Ok(TimeSet::Now),
        (true, false) => Ok(TimeSet::At(t)),
        (false, false) => Ok(TimeSet::Keep),
    };
    if fst & !0xf != 0 {
        return Err(Errno::INVAL);
    }
    Ok([
        set(atim, FST_ATIM, FST_ATIM_NOW)?,
        set(mtim, FST_MTIM, FST_MTIM_NOW)?,
    ])
}

fn fd_filestat_set_times(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?.require(RIGHT_FD_FILESTAT_SET_TIMES)?;
    let timespec = |t| match t {
        TimeSet::Keep => libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
        TimeSet::Now => libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_NOW,
        },
        TimeSet::At(t) => libc::timespec {
            tv_sec: (t / 1_000_000_000) as i64,
            tv_nsec: (t % 1_000_000_000) as i64,
        },
    };
    let times = time_sets(a.u64(1), a.u64(2), a.u32(3))?.map(timespec);
    // SAFETY: `times` is two timespecs.
    check(unsafe { libc::futimens(host_fd(e)?, times.as_ptr()) } as isize).map(drop)
}

fn fd_read(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let mut fds = cx.fds.borrow_mut();
    let e = fds.get_mut(a.u32(0))?;
    e.require(RIGHT_FD_READ)?;
    let iovs = m.iovecs(a.u32(1), a.u32(2))?;
    let n = match &mut e.handle {
        Handle::Bytes { data, pos } => {
            let mut n = 0;
            for iov in &iovs {
                let take = iov.iov_len.min(data.len() - *pos);
                // SAFETY: the iovec is guest memory in bounds; `data` is host memory.
                unsafe {
                    std::ptr::copy_nonoverlapping(data[*pos..].as_ptr(), iov.iov_base.cast(), take)
                };
                *pos += take;
                n += take;
            }
            n
        }
        // SAFETY: the iovecs point into guest memory, in bounds; the kernel writes them.
        _ => {
            check(unsafe { libc::readv(host_fd(e)?, iovs.as_ptr(), iovs.len().min(1024) as i32) })?
        }
    };
    m.set_u32(a.u32(3), n as u32)
}

fn fd_pread(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?.require(RIGHT_FD_READ | RIGHT_FD_SEEK)?;
    let iovs = m.iovecs(a.u32(1), a.u32(2))?;
    let offset = a.u64(3);
    if offset > i64::MAX as u64 {
        return Err(Errno::INVAL);
    }
    // SAFETY: as fd_read.
    let n = check(unsafe {
        libc::preadv(
            host_fd(e)?,
            iovs.as_ptr(),
            iovs.len().min(1024) as i32,
            offset as i64,
        )
    })?;
    m.set_u32(a.u32(4), n as u32)
}

fn fd_write(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?.require(RIGHT_FD_WRITE)?;
    let iovs = m.iovecs(a.u32(1), a.u32(2))?;
    // SAFETY: the iovecs point into guest memory, in bounds; the kernel reads them.
    let n =
        check(unsafe { libc::writev(host_fd(e)?, iovs.as_ptr(), iovs.len().min(1024) as i32) })?;
    m.set_u32(a.u32(3), n as u32)
}

fn fd_pwrite(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?.require(RIGHT_FD_WRITE | RIGHT_FD_SEEK)?;
    let iovs = m.iovecs(a.u32(1), a.u32(2))?;
    let offset = a.u64(3);
    if offset > i64::MAX as u64 {
        return Err(Errno::INVAL);
    }
    let fd = host_fd(e)?;
    // SAFETY: as fd_write.
    let n = check(unsafe {
        libc::pwritev(
            fd,
            iovs.as_ptr(),
            iovs.len().min(1024) as i32,
            offset as i64,
        )
    })?;
    m.set_u32(a.u32(4), n as u32)
}

fn fd_prestat_get(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?;
    let name = e.preopen.as_ref().ok_or(Errno::BADF)?;
    let mut out = [0u8; 8];
    out[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
    m.write(a.u32(1), &out)
}

fn fd_prestat_dir_name(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?;
    let name = e.preopen.as_ref().ok_or(Errno::BADF)?;
    if (a.u32(2) as usize) < name.len() {
        return Err(Errno::NAMETOOLONG);
    }
    m.write(a.u32(1), name)
}

/// A directory's entries as the kernel lists them, `.` and `..` included: (inode, WASI type,
/// name).
fn dir_entries(dir: &Dir) -> Result<Vec<(u64, u8, Vec<u8>)>, Errno> {
    // A separate open file description, so that listing does not move the guest's descriptor.
    // SAFETY: plain syscalls; the DIR stream owns the new descriptor and is closed below.
    unsafe {
        let fd = libc::openat(
            dir.as_raw_fd(),
            c".".as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        );
        if fd < 0 {
            return Err(last_errno());
        }
        let stream = libc::fdopendir(fd);
        if stream.is_null() {
            let e = last_errno();
            libc::close(fd);
            return Err(e);
        }
        let mut out = Vec::new();
        loop {
            *libc::__errno_location() = 0;
            let ent = libc::readdir64(stream);
            if ent.is_null() {
                let err = *libc::__errno_location();
                libc::closedir(stream);
                if err != 0 {
                    return Err(Errno::from_host(err));
                }
                break;
            }
            let ent = &*ent;
            let name = std::ffi::CStr::from_ptr(ent.d_name.as_ptr())
                .to_bytes()
                .to_vec();
            let ty = match ent.d_type {
                libc::DT_REG => FILETYPE_REGULAR_FILE,
                libc::DT_DIR => FILETYPE_DIRECTORY,
                libc::DT_LNK => FILETYPE_SYMBOLIC_LINK,
                libc::DT_CHR => FILETYPE_CHARACTER_DEVICE,
                libc::DT_BLK => FILETYPE_BLOCK_DEVICE,
                libc::DT_SOCK => FILETYPE_SOCKET_STREAM,
                _ => FILETYPE_UNKNOWN,
            };
            out.push((ent.d_ino, ty, name));
        }
        Ok(out)
    }
}

fn fd_readdir(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?.require(RIGHT_FD_READDIR)?;
    let dir = e.dir()?;
    let (buf, buf_len, cookie) = (a.u32(1), a.u32(2) as usize, a.u64(3));
    let mut out = Vec::new();
    for (i, (ino, ty, name)) in dir_entries(dir)?
        .into_iter()
        .enumerate()
        .skip(cookie.min(usize::MAX as u64) as usize)
    {
        if out.len() >= buf_len {
            break;
        }
        let mut d = [0u8; DIRENT_SIZE];
        d[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        d[8..16].copy_from_slice(&ino.to_le_bytes());
        d[16..20].copy_from_slice(&(name.len() as u32).to_le_bytes());
        d[20] = ty;
        out.extend_from_slice(&d);
        out.extend_from_slice(&name);
    }
    // A full buffer tells the guest there may be more; the last entry may be cut short.
    out.truncate(buf_len);
    m.write(buf, &out)?;
    m.set_u32(a.u32(4), out.len() as u32)
}

fn fd_renumber(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    cx.fds.borrow_mut().renumber(a.u32(0), a.u32(1))
}

fn fd_seek(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let mut fds = cx.fds.borrow_mut();
    let e = fds.get_mut(a.u32(0))?;
    let (offset, whence) = (a.u64(1) as i64, a.u32(2));
    // Asking where one is needs only the right to tell.
    let right = if offset == 0 && whence == WHENCE_CUR as u32 {
        RIGHT_FD_TELL
    } else {
        RIGHT_FD_SEEK
    };
    if e.base & (right | RIGHT_FD_SEEK) == 0 {
        return Err(Errno::NOTCAPABLE);
    }
    let host_whence = match whence as u8 {
        WHENCE_SET if whence <= 0xff => libc::SEEK_SET,
        WHENCE_CUR if whence <= 0xff => libc::SEEK_CUR,
        WHENCE_END if whence <= 0xff => libc::SEEK_END,
        _ => return Err(Errno::INVAL),
    };
    let new = match &mut e.handle {
        Handle::Bytes { .. } => return Err(Errno::SPIPE),
        Handle::Dir(_) => return Err(Errno::BADF),
        Handle::File(f) => {
            // SAFETY: a plain syscall on our descriptor.
            let r = unsafe { libc::lseek(f.as_raw_fd(), offset, host_whence) };
            check(r as isize)? as u64
        }
    };
    m.set_u64(a.u32(3), new)
}

fn fd_tell(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let e = fds.get(a.u32(0))?.require(RIGHT_FD_TELL)?;
    let Handle::File(f) = &e.handle else {
        return Err(Errno::BADF);
    };
    // SAFETY: a plain syscall on our descriptor.
    let r = unsafe { libc::lseek(f.as_raw_fd(), 0, libc::SEEK_CUR) };
    m.set_u64(a.u32(1), check(r as isize)? as u64)
}

// ---- paths ----

fn path_create_directory(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let dir = fds
        .get(a.u32(0))?
        .require(RIGHT_PATH_CREATE_DIRECTORY)?
        .dir()?;
    let path = m.path(a.u32(1), a.u32(2))?;
    dir.create_dir(path).map_err(Errno::from)
}

fn path_filestat_get(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let dir = fds.get(a.u32(0))?.require(RIGHT_PATH_FILESTAT_GET)?.dir()?;
    let follow = a.u32(1) & LOOKUP_SYMLINK_FOLLOW != 0;
    let path = m.path(a.u32(2), a.u32(3))?;
    let md = if follow {
        dir.metadata(&path)
    } else {
        dir.symlink_metadata(&path)
    }
    .map_err(Errno::from)?;
    let ty = md.file_type();
    use cap_std::fs::FileTypeExt;
    let filetype = if ty.is_dir() {
        FILETYPE_DIRECTORY
    } else if ty.is_file() {
        FILETYPE_REGULAR_FILE
    } else if ty.is_symlink() {
        FILETYPE_SYMBOLIC_LINK
    } else if ty.is_char_device() {
        FILETYPE_CHARACTER_DEVICE
    } else if ty.is_block_device() {
        FILETYPE_BLOCK_DEVICE
    } else if ty.is_socket() {
        FILETYPE_SOCKET_STREAM
    } else {
        FILETYPE_UNKNOWN
    };
    let out = filestat(
        md.dev(),
        md.ino(),
        filetype,
        md.nlink(),
        md.size(),
        time_nanos(md.atime(), md.atime_nsec()),
        time_nanos(md.mtime(), md.mtime_nsec()),
        time_nanos(md.ctime(), md.ctime_nsec()),
    );
    m.write(a.u32(4), &out)
}

fn path_filestat_set_times(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let dir = fds
        .get(a.u32(0))?
        .require(RIGHT_PATH_FILESTAT_SET_TIMES)?
        .dir()?;
    let follow = a.u32(1) & LOOKUP_SYMLINK_FOLLOW != 0;
    let path = m.path(a.u32(2), a.u32(3))?;
    let spec = |t| match t {
        TimeSet::Keep => None,
        TimeSet::Now => Some(cap_fs_ext::SystemTimeSpec::SymbolicNow),
        TimeSet::At(t) => Some(cap_fs_ext::SystemTimeSpec::Absolute(
            cap_std::time::SystemTime::from_std(
                std::time::UNIX_EPOCH + std::time::Duration::from_nanos(t),
            ),
        )),
    };
    let [atime, mtime] = time_sets(a.u64(4), a.u64(5), a.u32(6))?.map(spec);
    if follow {
        dir.set_times(&path, atime, mtime)
    } else {
        dir.set_symlink_times(&path, atime, mtime)
    }
    .map_err(Errno::from)
}

fn path_link(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let old = fds.get(a.u32(0))?.require(RIGHT_PATH_LINK_SOURCE)?.dir()?;
    // Following a symlink at the source is not offered: the link is to the symlink itself.
    if a.u32(1) & LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(Errno::INVAL);
    }
    let old_path = m.path(a.u32(2), a.u32(3))?;
    let new = fds.get(a.u32(4))?.require(RIGHT_PATH_LINK_TARGET)?.dir()?;
    let new_path = m.path(a.u32(5), a.u32(6))?;
    old.hard_link(old_path, new, new_path).map_err(Errno::from)
}

fn path_open(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let mut fds = cx.fds.borrow_mut();
    let parent = fds.get(a.u32(0))?.require(RIGHT_PATH_OPEN)?;
    let follow = a.u32(1) & LOOKUP_SYMLINK_FOLLOW != 0;
    let path = m.path(a.u32(2), a.u32(3))?;
    let oflags = a.u32(4);
    let (base, inheriting) = (a.u64(5), a.u64(6));
    let fdflags = a.u32(7);
    if oflags & !0xf != 0 || fdflags & !0x1f != 0 {
        return Err(Errno::INVAL);
    }
    let (oflags, fdflags) = (oflags as u16, fdflags as u16);
    if oflags & OFLAGS_CREAT != 0 {
        parent.require(RIGHT_PATH_CREATE_FILE)?;
    }
    if oflags & OFLAGS_TRUNC != 0 {
        parent.require(RIGHT_PATH_FILESTAT_SET_SIZE)?;
    }
    // A descriptor opened beneath this one has at most its inheriting rights.
    if (base | inheriting) & !parent.inheriting != 0 {
        return Err(Errno::NOTCAPABLE);
    }
    let dir = parent.dir()?;
    let handle = if oflags & OFLAGS_DIRECTORY != 0 {
        if oflags & (OFLAGS_CREAT | OFLAGS_TRUNC) != 0 {
            return Err(Errno::INVAL);
        }
        let opened = if follow {
            dir.open_dir(&path)
        } else {
            dir.open_dir_nofollow(&path)
        };
        let opened = opened.map_err(Errno::from)?;
        if base & (RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE) != 0 {
            return Err(Errno::ISDIR);
        }
        Handle::Dir(opened)
    } else {
        let write = base & (RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE) != 0
            || oflags & (OFLAGS_CREAT | OFLAGS_TRUNC) != 0
            || fdflags & FDFLAGS_APPEND != 0;
        let read = base & (RIGHT_FD_READ | RIGHT_FD_READDIR) != 0 || !write;
        let mut opts = OpenOptions::new();
        opts.read(read)
            .write(write)
            .create(oflags & OFLAGS_CREAT != 0)
            .create_new(oflags & OFLAGS_CREAT != 0 && oflags & OFLAGS_EXCL != 0)
            .truncate(oflags & OFLAGS_TRUNC != 0)
            .follow(if follow {
                cap_fs_ext::FollowSymlinks::Yes
            } else {
                cap_fs_ext::FollowSymlinks::No
            })
            .maybe_dir(!write);
        if fdflags & FDFLAGS_APPEND != 0 {
            use cap_fs_ext::OpenOptionsExt;
            opts.custom_flags(libc::O_APPEND);
        }
        {
            use cap_fs_ext::OpenOptionsSyncExt;
            opts.sync(fdflags & FDFLAGS_SYNC != 0)
                .dsync(fdflags & FDFLAGS_DSYNC != 0)
                .rsync(fdflags & FDFLAGS_RSYNC != 0)
                .nonblock(fdflags & FDFLAGS_NONBLOCK != 0);
        }
        let file = dir.open_with(&path, &opts).map_err(Errno::from)?.into_std();
        if fstat(file.as_raw_fd())?.st_mode & libc::S_IFMT == libc::S_IFDIR {
            Handle::Dir(Dir::from_std_file(file))
        } else {
            Handle::File(file)
        }
    };
    let base = match handle {
        Handle::Dir(_) => base & (DIR_READ_RIGHTS | DIR_WRITE_RIGHTS),
        _ => base,
    };
    let fd = fds.insert(Entry {
        handle,
        base,
        inheriting,
        preopen: None,
    })?;
    if let Err(e) = m.set_u32(a.u32(8), fd) {
        let _ = fds.remove(fd);
        return Err(e);
    }
    Ok(())
}

fn path_readlink(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let dir = fds.get(a.u32(0))?.require(RIGHT_PATH_READLINK)?.dir()?;
    let path = m.path(a.u32(1), a.u32(2))?;
    let target = dir.read_link_contents(path).map_err(Errno::from)?;
    let bytes = target.as_os_str().as_bytes();
    let n = bytes.len().min(a.u32(4) as usize);
    m.write(a.u32(3), &bytes[..n])?;
    m.set_u32(a.u32(5), n as u32)
}

fn path_remove_directory(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let dir = fds
        .get(a.u32(0))?
        .require(RIGHT_PATH_REMOVE_DIRECTORY)?
        .dir()?;
    let path = m.path(a.u32(1), a.u32(2))?;
    dir.remove_dir(path).map_err(Errno::from)
}

fn path_rename(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let old = fds
        .get(a.u32(0))?
        .require(RIGHT_PATH_RENAME_SOURCE)?
        .dir()?;
    let old_path = m.path(a.u32(1), a.u32(2))?;
    let new = fds
        .get(a.u32(3))?
        .require(RIGHT_PATH_RENAME_TARGET)?
        .dir()?;
    let new_path = m.path(a.u32(4), a.u32(5))?;
    old.rename(old_path, new, new_path).map_err(Errno::from)
}

fn path_symlink(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let target = m.path(a.u32(0), a.u32(1))?;
    let dir = fds.get(a.u32(2))?.require(RIGHT_PATH_SYMLINK)?.dir()?;
    let path = m.path(a.u32(3), a.u32(4))?;
    // cap-std refuses an absolute target: such a link could only ever lead out.
    Dir::symlink(dir, target, path).map_err(Errno::from)
}

fn path_unlink_file(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let fds = cx.fds.borrow();
    let dir = fds.get(a.u32(0))?.require(RIGHT_PATH_UNLINK_FILE)?.dir()?;
    let path = m.path(a.u32(1), a.u32(2))?;
    dir.remove_file(path).map_err(Errno::from)
}

// ---- polling ----

fn poll_oneoff(cx: &WasiCtx, m: &Mem, a: &A) -> R {
    let (sub_ptr, event_ptr, count) = (a.u32(0), a.u32(1), a.u32(2));
    if count == 0 {
        return Err(Errno::INVAL);
    }
    let subs = m.read(
        sub_ptr,
        count.checked_mul(SUBSCRIPTION_SIZE).ok_or(Errno::FAULT)?,
    )?;
    // Check the event array before waiting.
    m.range(
        event_ptr,
        (count.checked_mul(EVENT_SIZE).ok_or(Errno::FAULT)?) as usize,
    )?;
    let u64_at = |s: &[u8], o: usize| u64::from_le_bytes(s[o..o + 8].try_into().unwrap());
    let u32_at = |s: &[u8], o: usize| u32::from_le_bytes(s[o..o + 4].try_into().unwrap());

    struct Event {
        userdata: u64,
        error: Errno,
        ty: u8,
        nbytes: u64,
        flags: u16,
    }
    let mut ready: Vec<Event> = Vec::new();
    // Clock subscriptions: (userdata, deadline in monotonic nanoseconds).
    let mut clocks: Vec<(u64, u64)> = Vec::new();
    // Descriptors to wait on: (userdata, type, host pollfd).
    let mut waits: Vec<(u64, u8, libc::pollfd)> = Vec::new();
    let now = clock_now(CLOCK_MONOTONIC)?;
    let fds = cx.fds.borrow();
    for s in subs.chunks_exact(SUBSCRIPTION_SIZE as usize) {
        let userdata = u64_at(s, 0);
        let tag = s[8];
        let event = |error, ty| Event {
            userdata,
            error,
            ty,
            nbytes: 0,
            flags: 0,
        };
        match tag {
            EVENTTYPE_CLOCK => {
                let (id, timeout, flags) = (u32_at(s, 16), u64_at(s, 24), s[40] as u16);
                let deadline = if flags & SUBSCRIPTION_CLOCK_ABSTIME != 0 {
                    match clock_now(id) {
                        Ok(t) => now.saturating_add(timeout.saturating_sub(t)),
                        Err(e) => {
                            ready.push(event(e, tag));
                            continue;
                        }
                    }
                } else {
                    if let Err(e) = host_clock(id) {
                        ready.push(event(e, tag));
                        continue;
                    }
                    now.saturating_add(timeout)
                };
                clocks.push((userdata, deadline));
            }
            EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE => {
                let entry = match fds.get(u32_at(s, 16)) {
                    Ok(e) => e,
                    Err(err) => {
                        ready.push(event(err, tag));
                        continue;
                    }
                };
                if entry.base & RIGHT_POLL_FD_READWRITE == 0 {
                    ready.push(event(Errno::NOTCAPABLE, tag));
                    continue;
                }
                match (&entry.handle, entry.filetype()) {
                    // Regular files and in-memory bytes are always ready.
                    (Handle::Bytes { data, pos }, _) => {
                        let mut e = event(Errno::SUCCESS, tag);
                        e.nbytes = (data.len() - pos) as u64;
                        ready.push(e);
                    }
                    (Handle::File(f), FILETYPE_REGULAR_FILE) => {
                        let mut e = event(Errno::SUCCESS, tag);
                        if tag == EVENTTYPE_FD_READ {
                            let fd = f.as_raw_fd();
                            let size = fstat(fd).map(|s| s.st_size as u64).unwrap_or(0);
                            // SAFETY: a plain syscall on our descriptor.
                            let pos = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
                            e.nbytes = size.saturating_sub(pos.max(0) as u64);
                        }
                        ready.push(e);
                    }
                    (Handle::Dir(_), _) => ready.push(event(Errno::BADF, tag)),
                    (Handle::File(f), _) => waits.push((
                        userdata,
                        tag,
                        libc::pollfd {
                            fd: f.as_raw_fd(),
                            events: if tag == EVENTTYPE_FD_READ {
                                libc::POLLIN
                            } else {
                                libc::POLLOUT
                            },
                            revents: 0,
                        },
                    )),
                }
            }
            _ => return Err(Errno::INVAL),
        }
    }
    // Wait for a descriptor, or the earliest clock, unless something is ready already.
    let earliest = clocks.iter().map(|c| c.1).min();
    let timeout = if !ready.is_empty() {
        Some(0)
    } else {
        earliest.map(|d| d.saturating_sub(now))
    };
    let mut pollfds: Vec<libc::pollfd> = waits.iter().map(|w| w.2).collect();
    loop {
        let ts = timeout.map(|t| libc::timespec {
            tv_sec: (t / 1_000_000_000) as i64,
            tv_nsec: (t % 1_000_000_000) as i64,
        });
        let ts_ptr = ts
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: `pollfds` has `len` entries; `ts_ptr` is null or a timespec.
        let r = unsafe {
            libc::ppoll(
                pollfds.as_mut_ptr(),
                pollfds.len() as libc::nfds_t,
                ts_ptr,
                std::ptr::null(),
            )
        };
        if r < 0 {
            let e = last_errno();
            if e == Errno::INTR {
                continue;
            }
            return Err(e);
        }
        break;
    }
    for (w, p) in waits.iter().zip(&pollfds) {
        if p.revents == 0 {
            continue;
        }
        let mut nbytes = 0u64;
        if w.1 == EVENTTYPE_FD_READ {
            let mut avail: libc::c_int = 0;
            // SAFETY: FIONREAD writes an int.
            if unsafe { libc::ioctl(p.fd, libc::FIONREAD, &mut avail) } == 0 {
                nbytes = avail.max(0) as u64;
            }
        }
        let error = if p.revents & libc::POLLNVAL != 0 {
            Errno::BADF
        } else {
            Errno::SUCCESS
        };
        ready.push(Event {
            userdata: w.0,
            error,
            ty: w.1,
            nbytes,
            flags: if p.revents & libc::POLLHUP != 0 {
                EVENT_FD_READWRITE_HANGUP
            } else {
                0
            },
        });
    }
    let after = clock_now(CLOCK_MONOTONIC)?;
    for &(userdata, deadline) in &clocks {
        if deadline <= after || (ready.is_empty() && Some(deadline) == earliest) {
            ready.push(Event {
                userdata,
                error: Errno::SUCCESS,
                ty: EVENTTYPE_CLOCK,
                nbytes: 0,
                flags: 0,
            });
        }
    }
    let mut out = Vec::with_capacity(ready.len() * EVENT_SIZE as usize);
    for e in &ready {
        let mut b = [0u8; EVENT_SIZE as usize];
        b[0..8].copy_from_slice(&e.userdata.to_le_bytes());
        b[8..10].copy_from_slice(&e.error.0.to_le_bytes());
        b[10] = e.ty;
        b[16..24].copy_from_slice(&e.nbytes.to_le_bytes());
        b[24..26].copy_from_slice(&e.flags.to_le_bytes());
        out.extend_from_slice(&b);
    }
    m.write(event_ptr, &out)?;
    m.set_u32(a.u32(3), ready.len() as u32)
}

// ---- sockets: none can be preopened, so every descriptor is not a socket ----

fn not_socket(cx: &WasiCtx, fd: u32) -> R {
    cx.fds.borrow().get(fd)?;
    Err(Errno::NOTSOCK)
}

fn sock_accept(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    not_socket(cx, a.u32(0))
}
fn sock_recv(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    not_socket(cx, a.u32(0))
}
fn sock_send(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    not_socket(cx, a.u32(0))
}
fn sock_shutdown(cx: &WasiCtx, _: &Mem, a: &A) -> R {
    not_socket(cx, a.u32(0))
}
