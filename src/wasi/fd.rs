//! The guest's descriptor table: what each WASI descriptor is, and its rights.

use super::abi::*;
use super::{Stdio, WasiConfig};
use crate::error::Error;
use cap_std::ambient_authority;
use cap_std::fs::Dir;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// What a descriptor refers to.
pub enum Handle {
    /// A host file of any kind but a directory: regular files, the inherited streams, devices,
    /// pipes.
    File(File),
    /// A directory: paths are resolved beneath it.
    Dir(Dir),
    /// Bytes given for stdin, read from `pos`.
    Bytes { data: Vec<u8>, pos: usize },
}

pub struct Entry {
    pub handle: Handle,
    pub base: u64,
    pub inheriting: u64,
    /// The guest path of a preopened directory.
    pub preopen: Option<Vec<u8>>,
}

impl Entry {
    /// The entry, if it has all of `rights`; else `ENOTCAPABLE`.
    pub fn require(&self, rights: u64) -> Result<&Entry, Errno> {
        if self.base & rights == rights {
            Ok(self)
        } else {
            Err(Errno::NOTCAPABLE)
        }
    }

    /// The host descriptor, if the handle has one.
    pub fn raw_fd(&self) -> Option<i32> {
        match &self.handle {
            Handle::File(f) => Some(f.as_raw_fd()),
            Handle::Dir(d) => Some(d.as_raw_fd()),
            Handle::Bytes { .. } => None,
        }
    }

    pub fn dir(&self) -> Result<&Dir, Errno> {
        match &self.handle {
            Handle::Dir(d) => Ok(d),
            _ => Err(Errno::NOTDIR),
        }
    }

    /// The WASI file type.
    pub fn filetype(&self) -> u8 {
        match &self.handle {
            Handle::Dir(_) => FILETYPE_DIRECTORY,
            Handle::Bytes { .. } => FILETYPE_CHARACTER_DEVICE,
            Handle::File(f) => match fstat(f.as_raw_fd()) {
                Ok(st) => filetype_of_mode(st.st_mode),
                Err(_) => FILETYPE_UNKNOWN,
            },
        }
    }
}

pub fn fstat(fd: i32) -> Result<libc::stat, Errno> {
    // SAFETY: `st` is written by fstat before it is read.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &mut st) == 0 {
            Ok(st)
        } else {
            Err(last_errno())
        }
    }
}

pub fn last_errno() -> Errno {
    Errno::from(std::io::Error::last_os_error())
}

pub fn filetype_of_mode(mode: libc::mode_t) -> u8 {
    match mode & libc::S_IFMT {
        libc::S_IFREG => FILETYPE_REGULAR_FILE,
        libc::S_IFDIR => FILETYPE_DIRECTORY,
        libc::S_IFLNK => FILETYPE_SYMBOLIC_LINK,
        libc::S_IFCHR => FILETYPE_CHARACTER_DEVICE,
        libc::S_IFBLK => FILETYPE_BLOCK_DEVICE,
        libc::S_IFSOCK => FILETYPE_SOCKET_STREAM,
        _ => FILETYPE_UNKNOWN,
    }
}

/// The rights a non-directory descriptor of this file type can use: no seeking on a stream.
pub fn file_rights(filetype: u8, write: bool) -> u64 {
    let mut rights = FILE_READ_RIGHTS;
    if write {
        rights |= FILE_WRITE_RIGHTS;
    }
    if filetype != FILETYPE_REGULAR_FILE && filetype != FILETYPE_BLOCK_DEVICE {
        rights &= !(RIGHT_FD_SEEK | RIGHT_FD_TELL);
    }
    rights
}

pub struct Table {
    entries: Vec<Option<Entry>>,
}

/// A duplicate of one of the host process's own descriptors.
fn dup(fd: i32) -> Result<File, Error> {
    // SAFETY: dup returns a new descriptor, owned by the File.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(Error::new(format!(
            "cannot duplicate the host's descriptor {fd}: {}",
            std::io::Error::last_os_error()
        )));
    }
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(new) }))
}

fn stdio(which: i32, stdio: &Stdio) -> Result<Entry, Error> {
    let name = ["stdin", "stdout", "stderr"][which as usize];
    let write = which != 0;
    let file = match stdio {
        Stdio::Inherit => dup(which)?,
        Stdio::Null => std::fs::OpenOptions::new()
            .read(!write)
            .write(write)
            .open("/dev/null")
            .map_err(|e| Error::new(format!("cannot open /dev/null for {name}: {e}")))?,
        Stdio::File(path) => {
            let opened = if write {
                File::create(path)
            } else {
                File::open(path)
            };
            opened.map_err(|e| {
                Error::new(format!("cannot open {} for {name}: {e}", path.display()))
            })?
        }
        Stdio::Bytes(data) if !write => {
            return Ok(Entry {
                handle: Handle::Bytes {
                    data: data.clone(),
                    pos: 0,
                },
                base: RIGHT_FD_READ | RIGHT_FD_FILESTAT_GET | RIGHT_POLL_FD_READWRITE,
                inheriting: 0,
                preopen: None,
            })
        }
        Stdio::Bytes(_) => {
            return Err(Error::new(format!(
                "{name} cannot be given bytes: only stdin reads them"
            )))
        }
    };
    let ft = fstat(file.as_raw_fd())
        .map(|st| filetype_of_mode(st.st_mode))
        .unwrap_or(FILETYPE_UNKNOWN);
    Ok(Entry {
        handle: Handle::File(file),
        base: file_rights(ft, write),
        inheriting: 0,
        preopen: None,
    })
}

impl Table {
    pub fn new(config: &WasiConfig) -> Result<Table, Error> {
        let mut entries = Vec::new();
        for (i, s) in [&config.stdin, &config.stdout, &config.stderr]
            .into_iter()
            .enumerate()
        {
            entries.push(Some(stdio(i as i32, s)?));
        }
        for p in &config.preopens {
            let dir = Dir::open_ambient_dir(&p.host, ambient_authority()).map_err(|e| {
                Error::new(format!(
                    "cannot preopen {} (as {}): {e}",
                    p.host.display(),
                    p.guest
                ))
            })?;
            let mut base = DIR_READ_RIGHTS;
            if p.dir_write {
                base |= DIR_WRITE_RIGHTS;
            }
            let mut files = FILE_READ_RIGHTS;
            if p.file_write {
                files |= FILE_WRITE_RIGHTS;
            }
            entries.push(Some(Entry {
                handle: Handle::Dir(dir),
                base,
                inheriting: base | files,
                preopen: Some(p.guest.as_bytes().to_vec()),
            }));
        }
        Ok(Table { entries })
    }

    pub fn get(&self, fd: u32) -> Result<&Entry, Errno> {
        self.entries
            .get(fd as usize)
            .and_then(|e| e.as_ref())
            .ok_or(Errno::BADF)
    }

    pub fn get_mut(&mut self, fd: u32) -> Result<&mut Entry, Errno> {
        self.entries
            .get_mut(fd as usize)
            .and_then(|e| e.as_mut())
            .ok_or(Errno::BADF)
    }

    /// Puts `entry` at the lowest free descriptor.
    pub fn insert(&mut self, entry: Entry) -> Result<u32, Errno> {
        let slot = match self.entries.iter().position(|e| e.is_none()) {
            Some(i) => i,
            None => {
                if self.entries.len() >= 1 << 20 {
                    return Err(Errno::MFILE);
                }
                self.entries.push(None);
                self.entries.len() - 1
            }
        };
        self.entries[slot] = Some(entry);
        Ok(slot as u32)
    }

    pub fn remove(&mut self, fd: u32) -> Result<Entry, Errno> {
        self.entries
            .get_mut(fd as usize)
            .and_then(|e| e.take())
            .ok_or(Errno::BADF)
    }

    /// Moves `from` to `to`, closing what `to` was.
    pub fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        self.get(from)?;
        self.get(to)?;
        if from != to {
            let e = self.remove(from)?;
            self.entries[to as usize] = Some(e);
        }
        Ok(())
    }
}
