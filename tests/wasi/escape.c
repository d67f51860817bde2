// Every way out of the sandbox we could think of, through the raw preview 1 calls (wasi-libc
// would resolve some of these paths itself). Descriptor 3 is a writable preopen holding
// symlinks that point outside (made by tests/wasi.rs), 4 a read-only one. Each attempt prints
// the errno it got; tests/wasi.rs checks the list and that nothing outside either preopen, and
// nothing in the read-only one, changed.
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#define SB 3
#define RO 4

static const __wasi_rights_t READ = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK |
                                    __WASI_RIGHTS_FD_FILESTAT_GET;
static const __wasi_rights_t WRITE = READ | __WASI_RIGHTS_FD_WRITE;

static int refused, allowed;

static void expect_refused(const char *what, __wasi_errno_t e) {
  printf("%s: %d\n", what, e);
  if (e == 0) {
    printf("  ESCAPED: %s succeeded\n", what);
    allowed++;
  } else {
    refused++;
  }
}

static __wasi_errno_t open_at(__wasi_fd_t dir, const char *path, __wasi_lookupflags_t follow,
                              __wasi_oflags_t oflags, __wasi_rights_t rights, __wasi_fd_t *fd) {
  return __wasi_path_open(dir, follow, path, oflags, rights, 0, 0, fd);
}

int main(void) {
  __wasi_fd_t fd;
  const __wasi_lookupflags_t F = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;
  // Paths that leave the preopen.
  expect_refused("dotdot", open_at(SB, "../outside/secret.txt", F, 0, READ, &fd));
  expect_refused("absolute", open_at(SB, "/etc/passwd", F, 0, READ, &fd));
  expect_refused("inner dotdot", open_at(SB, "inner/../../outside/secret.txt", F, 0, READ, &fd));
  expect_refused("dotdot then back", open_at(SB, "../sandbox/inner", F, 0, READ, &fd));
  // Symlinks that lead out, followed.
  expect_refused("absolute symlink", open_at(SB, "out-link", F, 0, READ, &fd));
  expect_refused("relative symlink", open_at(SB, "up-link", F, 0, READ, &fd));
  expect_refused("symlinked dir", open_at(SB, "dir-link/secret.txt", F, 0, READ, &fd));
  expect_refused("symlink, no follow", open_at(SB, "out-link", 0, 0, READ, &fd));
  expect_refused("symlink in the middle", open_at(SB, "dir-link/../sandbox", F, 0, READ, &fd));
  expect_refused("create through symlink",
                 open_at(SB, "out-link", F, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, WRITE, &fd));
  expect_refused("create in symlinked dir",
                 open_at(SB, "dir-link/new.txt", F, __WASI_OFLAGS_CREAT, WRITE, &fd));
  __wasi_filestat_t st;
  expect_refused("stat through symlink", __wasi_path_filestat_get(SB, F, "out-link", &st));
  expect_refused("stat dotdot", __wasi_path_filestat_get(SB, 0, "../outside", &st));
  expect_refused("set times through symlink",
                 __wasi_path_filestat_set_times(SB, F, "out-link", 0, 0,
                                                __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
  // Changing entries outside.
  expect_refused("mkdir outside", __wasi_path_create_directory(SB, "../outside/newdir"));
  expect_refused("mkdir through symlink", __wasi_path_create_directory(SB, "dir-link/newdir"));
  expect_refused("rename out", __wasi_path_rename(SB, "inner", SB, "../outside/moved"));
  expect_refused("rename in", __wasi_path_rename(SB, "../outside/secret.txt", SB, "stolen"));
  expect_refused("hard link from outside", __wasi_path_link(SB, 0, "../outside/secret.txt", SB, "stolen"));
  expect_refused("hard link through symlink", __wasi_path_link(SB, 0, "dir-link/secret.txt", SB, "stolen"));
  expect_refused("hard link to outside", __wasi_path_link(SB, 0, "inner/x", SB, "../outside/x"));
  expect_refused("unlink outside", __wasi_path_unlink_file(SB, "../outside/secret.txt"));
  expect_refused("unlink through symlinked dir", __wasi_path_unlink_file(SB, "dir-link/secret.txt"));
  expect_refused("rmdir outside", __wasi_path_remove_directory(SB, "../outside"));
  expect_refused("symlink outside", __wasi_path_symlink("x", SB, "../outside/link"));
  uint8_t buf[64];
  __wasi_size_t used;
  expect_refused("readlink outside", __wasi_path_readlink(SB, "../outside/secret.txt", buf, 64, &used));
  // A symlink the guest makes with an absolute target is refused; one that climbs out may be
  // made, but never followed.
  expect_refused("make absolute symlink", __wasi_path_symlink("/etc/passwd", SB, "abs-sym"));
  __wasi_errno_t made = __wasi_path_symlink("../outside/secret.txt", SB, "rel-sym");
  printf("make climbing symlink: %d\n", made);
  expect_refused("follow climbing symlink", open_at(SB, "rel-sym", F, 0, READ, &fd));
  if (made == 0 && __wasi_path_unlink_file(SB, "rel-sym") != 0) printf("cannot remove rel-sym\n");
  // A directory opened inside is a root of its own: its `..` is refused.
  __wasi_fd_t inner;
  if (__wasi_path_open(SB, F, "inner", __WASI_OFLAGS_DIRECTORY,
                       __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR, __WASI_RIGHTS_FD_READ, 0,
                       &inner) != 0) {
    printf("cannot open inner\n");
    return 1;
  }
  expect_refused("dotdot of an inner dir", open_at(inner, "..", F, __WASI_OFLAGS_DIRECTORY, 0, &fd));
  expect_refused("inner dir rights", open_at(inner, "x", F, 0, WRITE, &fd));
  // Names that are not paths.
  expect_refused("non-UTF-8", open_at(SB, "\xff\xfe", F, 0, READ, &fd));
  expect_refused("empty", open_at(SB, "", F, 0, READ, &fd));
  expect_refused("not a directory fd", open_at(1, "x", F, 0, READ, &fd));

  // The read-only preopen refuses every change.
  expect_refused("ro: open for writing", open_at(RO, "file.txt", F, 0, WRITE, &fd));
  expect_refused("ro: create", open_at(RO, "new.txt", F, __WASI_OFLAGS_CREAT, READ, &fd));
  expect_refused("ro: truncate", open_at(RO, "file.txt", F, __WASI_OFLAGS_TRUNC, READ, &fd));
  expect_refused("ro: mkdir", __wasi_path_create_directory(RO, "newdir"));
  expect_refused("ro: rmdir", __wasi_path_remove_directory(RO, "sub"));
  expect_refused("ro: unlink", __wasi_path_unlink_file(RO, "file.txt"));
  expect_refused("ro: rename", __wasi_path_rename(RO, "file.txt", RO, "moved.txt"));
  expect_refused("ro: rename into", __wasi_path_rename(SB, "inner/x", RO, "x"));
  expect_refused("ro: symlink", __wasi_path_symlink("file.txt", RO, "l"));
  expect_refused("ro: link", __wasi_path_link(RO, 0, "file.txt", RO, "l"));
  expect_refused("ro: set times", __wasi_path_filestat_set_times(RO, 0, "file.txt", 0, 0,
                                                                  __WASI_FSTFLAGS_MTIM_NOW));
  // Reading works; the file's descriptor refuses writes.
  __wasi_fd_t ro;
  __wasi_errno_t e = open_at(RO, "file.txt", F, 0, READ, &ro);
  printf("ro: open for reading: %d\n", e);
  __wasi_iovec_t iov = {buf, sizeof buf};
  __wasi_size_t n = 0;
  e = __wasi_fd_read(ro, &iov, 1, &n);
  printf("ro: read: %d \"%.*s\"\n", e, (int)n, (char *)buf);
  __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};
  expect_refused("ro: write", __wasi_fd_write(ro, &ciov, 1, &n));
  expect_refused("ro: pwrite", __wasi_fd_pwrite(ro, &ciov, 1, 0, &n));
  expect_refused("ro: set size", __wasi_fd_filestat_set_size(ro, 0));
  expect_refused("ro: allocate", __wasi_fd_allocate(ro, 0, 100));
  expect_refused("ro: append", __wasi_fd_fdstat_set_flags(ro, __WASI_FDFLAGS_APPEND));
  expect_refused("ro: fd set times", __wasi_fd_filestat_set_times(ro, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
  expect_refused("ro: regain rights", __wasi_fd_fdstat_set_rights(ro, WRITE, 0));

  printf("refused %d, allowed %d\n", refused, allowed);
  return allowed != 0;
}
