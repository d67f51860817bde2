// Files and directories through wasi-libc in the preopened directory /work (tests/wasi.rs
// gives it an empty host directory and checks what is left in it afterwards).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <wasi/api.h>

#define CHECK(cond)                                                                              \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      printf("FAILED line %d: %s (errno %d %s)\n", __LINE__, #cond, errno, strerror(errno));    \
      failures++;                                                                                \
    }                                                                                            \
  } while (0)

static int failures;

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

int main(void) {
  // Write, read back, seek, tell.
  int fd = open("/work/a.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
  CHECK(fd >= 0);
  CHECK(write(fd, "hello, world\n", 13) == 13);
  CHECK(lseek(fd, 0, SEEK_CUR) == 13);
  CHECK(lseek(fd, 7, SEEK_SET) == 7);
  char buf[64] = {0};
  CHECK(read(fd, buf, sizeof buf) == 6 && memcmp(buf, "world\n", 6) == 0);
  CHECK(read(fd, buf, sizeof buf) == 0);
  CHECK(lseek(fd, -6, SEEK_END) == 7);
  // Scatter and gather.
  struct iovec iov[2] = {{buf, 3}, {buf + 10, 3}};
  CHECK(readv(fd, iov, 2) == 6 && memcmp(buf, "wor", 3) == 0 && memcmp(buf + 10, "ld\n", 3) == 0);
  // Positional reads and writes leave the offset alone.
  CHECK(pwrite(fd, "HELLO", 5, 0) == 5);
  CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "HELLO", 5) == 0);
  CHECK(lseek(fd, 0, SEEK_CUR) == 13);
  struct stat st;
  CHECK(fstat(fd, &st) == 0 && st.st_size == 13 && S_ISREG(st.st_mode) && st.st_nlink == 1);
  CHECK(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5);
  CHECK(posix_fallocate(fd, 0, 4096) == 0 && fstat(fd, &st) == 0 && st.st_size == 4096);
  CHECK(ftruncate(fd, 5) == 0);
  CHECK(posix_fadvise(fd, 0, 5, POSIX_FADV_SEQUENTIAL) == 0);
  CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
  // Times: set both, read them back.
  struct timespec times[2] = {{1000000000, 5}, {1100000000, 7}};
  CHECK(futimens(fd, times) == 0);
  CHECK(fstat(fd, &st) == 0 && st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1100000000 &&
        st.st_mtim.tv_nsec == 7);
  CHECK(close(fd) == 0);
  CHECK(close(fd) == -1 && errno == EBADF);

  // Append mode writes at the end whatever the offset.
  fd = open("/work/a.txt", O_WRONLY | O_APPEND);
  CHECK(fd >= 0);
  CHECK(write(fd, "!", 1) == 1);
  CHECK(fcntl(fd, F_GETFL) & O_APPEND);
  close(fd);
  FILE *f = fopen("/work/a.txt", "r");
  CHECK(f && fgets(buf, sizeof buf, f) && strcmp(buf, "HELLO!") == 0);
  if (f) fclose(f);

  // O_EXCL, O_DIRECTORY, a missing file.
  CHECK(open("/work/a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST);
  CHECK(open("/work/missing", O_RDONLY) == -1 && errno == ENOENT);
  CHECK(open("/work/a.txt", O_RDONLY | O_DIRECTORY) == -1 && errno == ENOTDIR);
  CHECK(open("/work/a.txt/", O_RDONLY) == -1 && errno == ENOTDIR);

  // Directories.
  CHECK(mkdir("/work/d", 0755) == 0);
  CHECK(mkdir("/work/d", 0755) == -1 && errno == EEXIST);
  CHECK(mkdir("/work/d/e", 0755) == 0);
  f = fopen("/work/d/e/f.txt", "w");
  CHECK(f != NULL);
  if (f) fclose(f);
  CHECK(rmdir("/work/d") == -1 && errno == ENOTEMPTY);
  CHECK(stat("/work/d/e", &st) == 0 && S_ISDIR(st.st_mode));
  CHECK(unlink("/work/d/e") == -1 && (errno == EISDIR || errno == EPERM));
  CHECK(rmdir("/work/a.txt") == -1 && errno == ENOTDIR);

  // Listing: . and .. and the entries, with their types.
  DIR *d = opendir("/work/d/e");
  CHECK(d != NULL);
  char *names[8];
  int count = 0;
  struct dirent *de;
  while (d && (de = readdir(d)) && count < 8) {
    names[count++] = strdup(de->d_name);
    if (strcmp(de->d_name, "f.txt") == 0) CHECK(de->d_type == DT_REG);
  }
  if (d) closedir(d);
  qsort(names, count, sizeof *names, cmp);
  printf("listing:");
  for (int i = 0; i < count; i++) printf(" %s", names[i]);
  printf("\n");
  // Many entries: readdir continues across calls with cookies.
  for (int i = 0; i < 300; i++) {
    char p[64];
    snprintf(p, sizeof p, "/work/d/many-%03d-with-a-long-name-to-fill-buffers", i);
    int m = open(p, O_CREAT | O_WRONLY, 0644);
    if (m >= 0) close(m);
  }
  d = opendir("/work/d");
  count = 0;
  while (d && (de = readdir(d))) count++;
  if (d) closedir(d);
  printf("entries in /work/d: %d\n", count);
  for (int i = 0; i < 300; i++) {
    char p[64];
    snprintf(p, sizeof p, "/work/d/many-%03d-with-a-long-name-to-fill-buffers", i);
    CHECK(unlink(p) == 0);
  }

  // Rename a file and a directory.
  CHECK(rename("/work/d/e/f.txt", "/work/g.txt") == 0);
  CHECK(access("/work/g.txt", F_OK) == 0 && access("/work/d/e/f.txt", F_OK) == -1);
  CHECK(rename("/work/d/e", "/work/e2") == 0);
  CHECK(rmdir("/work/e2") == 0);
  CHECK(rmdir("/work/d") == 0);

  // Symlinks inside the sandbox, and hard links.
  CHECK(symlink("g.txt", "/work/link") == 0);
  ssize_t n = readlink("/work/link", buf, sizeof buf);
  CHECK(n == 5 && memcmp(buf, "g.txt", 5) == 0);
  CHECK(lstat("/work/link", &st) == 0 && S_ISLNK(st.st_mode));
  CHECK(stat("/work/link", &st) == 0 && S_ISREG(st.st_mode));
  CHECK(open("/work/link", O_RDONLY | O_NOFOLLOW) == -1 && (errno == ELOOP || errno == EMLINK));
  fd = open("/work/link", O_RDONLY);
  CHECK(fd >= 0);
  close(fd);
  CHECK(link("/work/g.txt", "/work/h.txt") == 0);
  CHECK(stat("/work/h.txt", &st) == 0 && st.st_nlink == 2);
  CHECK(unlink("/work/h.txt") == 0 && unlink("/work/link") == 0);
  // A symlink to a missing target dangles.
  CHECK(symlink("nowhere", "/work/dangling") == 0);
  CHECK(stat("/work/dangling", &st) == -1 && errno == ENOENT);
  CHECK(unlink("/work/dangling") == 0);

  // utimensat through the path.
  struct timespec t2[2] = {{0, UTIME_OMIT}, {1200000000, 0}};
  CHECK(utimensat(AT_FDCWD, "/work/g.txt", t2, 0) == 0);
  CHECK(stat("/work/g.txt", &st) == 0 && st.st_mtim.tv_sec == 1200000000);

  // fdstat: a preopen is a directory; stdout is not seekable when it is a pipe.
  __wasi_fdstat_t fs;
  CHECK(__wasi_fd_fdstat_get(3, &fs) == 0 && fs.fs_filetype == __WASI_FILETYPE_DIRECTORY);
  // Rights can be dropped, never regained.
  fd = open("/work/g.txt", O_RDWR);
  CHECK(__wasi_fd_fdstat_get(fd, &fs) == 0);
  CHECK(__wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE, 0) == 0);
  __wasi_ciovec_t x = {(const uint8_t *)"x", 1};
  __wasi_size_t written;
  CHECK(__wasi_fd_write(fd, &x, 1, &written) == __WASI_ERRNO_NOTCAPABLE);
  CHECK(__wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base, 0) == __WASI_ERRNO_NOTCAPABLE);
  // fd_renumber moves a descriptor.
  int other = open("/work/g.txt", O_RDONLY);
  CHECK(__wasi_fd_renumber(other, fd) == 0);
  CHECK(close(other) == -1 && errno == EBADF);
  CHECK(read(fd, buf, 1) == 0);
  close(fd);

  // poll: a regular file is always ready.
  fd = open("/work/g.txt", O_RDONLY);
  struct pollfd pfd = {fd, POLLRDNORM, 0};
  CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLRDNORM));
  close(fd);
  CHECK(unlink("/work/g.txt") == 0);

  printf("failures: %d\n", failures);
  return failures != 0;
}
