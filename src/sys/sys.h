/*
 * sys.h - the CLI's door to the operating system: whole-file reads with a
 * size ceiling, atomic writes (temporary file in the target directory,
 * fsync, rename) that refuse to replace an input, and where mvbuild's data
 * (boards, firmware, templates) lives.  The core never includes this.
 */
#ifndef MVB_SYS_H
#define MVB_SYS_H

#include <stddef.h>
#include <sys/types.h>

/* Reads a whole file (at most max bytes) into a malloc'd buffer with a NUL
 * after the data.  Returns 0, or -1 with errno set (EFBIG when too large). */
int sys_read_file(const char *path, size_t max, unsigned char **data, size_t *len);

/* Remembers an input path so sys_write_atomic refuses to replace it. */
void sys_note_input(const char *path);

/* Writes data to path atomically with the given mode.  Returns 0, or -1 with
 * errno set (EEXIST when path is one of the noted inputs). */
int sys_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* The directory holding boards/, firmware/ and templates/: $MVBUILD_DATA_DIR,
 * else the installed share directory next to the executable, else the
 * source tree the binary was built from. */
const char *sys_data_dir(void);

/* 1 when path names an existing directory. */
int sys_is_dir(const char *path);
/* 1 when path names an existing regular file. */
int sys_is_file(const char *path);

/* Fills buf with n bytes from the kernel's random source.  0 or -1. */
int sys_random(void *buf, size_t n);
/* Mode bits of an existing file, or -1. */
int sys_file_mode(const char *path);
/* CPUs this process may run on (at least 1). */
unsigned sys_cpu_count(void);
#endif
