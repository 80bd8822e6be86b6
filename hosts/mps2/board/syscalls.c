/*
 * newlib system calls for the MPS2 firmware: stdout/stderr go to the UART console, the heap
 * (malloc, and so the XS heap) is the region [__heap_start, __heap_end) of the linker script and
 * nothing more, exit ends the emulation with its status, time is the 25 MHz counter since reset.
 * There is no file system: open fails, read returns end of file.
 */
#define _POSIX_TIMERS 1
#define _POSIX_MONOTONIC_CLOCK 200112L
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "mps2.h"

#undef errno
extern int errno;

extern char __heap_start[], __heap_end[]; /* linker script */
static char *heap_break = __heap_start;

void *_sbrk(ptrdiff_t increment)
{
	char *previous = heap_break;
	if ((increment > 0 && increment > __heap_end - heap_break) || (increment < 0 && -increment > heap_break - __heap_start)) {
		errno = ENOMEM;
		return (void *)-1;
	}
	heap_break += increment;
	return previous;
}

size_t mps2_heap_size(void)
{
	return (size_t)(__heap_end - __heap_start);
}

/* newlib's malloc never gives memory back to sbrk, so the break is the heap's high-water mark. */
size_t mps2_heap_used(void)
{
	return (size_t)(heap_break - __heap_start);
}

int _write(int fd, const char *buf, int len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	mps2_console_write(buf, (size_t)len);
	return len;
}

int _read(int fd, char *buf, int len)
{
	(void)fd;
	(void)buf;
	(void)len;
	return 0;
}

int _open(const char *path, int flags, int mode)
{
	(void)path;
	(void)flags;
	(void)mode;
	errno = ENOENT;
	return -1;
}

int _close(int fd)
{
	(void)fd;
	return 0;
}

int _fstat(int fd, struct stat *st)
{
	(void)fd;
	st->st_mode = S_IFCHR;
	return 0;
}

int _isatty(int fd)
{
	return fd <= 2;
}

off_t _lseek(int fd, off_t offset, int whence)
{
	(void)fd;
	(void)offset;
	(void)whence;
	return 0;
}

int _getpid(void)
{
	return 1;
}

int _kill(int pid, int sig)
{
	(void)pid;
	(void)sig;
	errno = EINVAL;
	return -1;
}

void _exit(int status)
{
	mps2_exit(status);
}

/* Virtual time since reset (with -icount shift=0: guest instructions / 1000 per microsecond). */
int _gettimeofday(struct timeval *tv, void *tz)
{
	(void)tz;
	if (tv) {
		uint64_t us = mps2_ticks() / (MPS2_COUNTER_HZ / 1000000u);
		tv->tv_sec = (time_t)(us / 1000000u);
		tv->tv_usec = (suseconds_t)(us % 1000000u);
	}
	return 0;
}

/* Cheap on purpose (the native glue reads it around every run): no 64-bit division while the
   counter fits in 32 bits (the first 171 s of virtual time). */
int clock_gettime(clockid_t clock, struct timespec *ts)
{
	(void)clock;
	uint64_t ticks = mps2_ticks();
	uint64_t seconds = (ticks >> 32) ? ticks / MPS2_COUNTER_HZ : (uint32_t)ticks / MPS2_COUNTER_HZ;
	uint32_t rest = (uint32_t)(ticks - seconds * MPS2_COUNTER_HZ);
	ts->tv_sec = (time_t)seconds;
	ts->tv_nsec = (long)(rest * (1000000000u / MPS2_COUNTER_HZ));
	return 0;
}

/* No crti/crtn (-nostartfiles): __libc_init_array calls these. */
void _init(void)
{
}

void _fini(void)
{
}
