/*
 * What every STM32 board of the firmware shares: console text, the cycle counter, fault reports,
 * the C stack's high-water mark, the heap and newlib's system calls, the end of the firmware.
 * The chip's clock, caches, memories and console USART are in stm32f4.c / stm32f7.c.
 */
#define _POSIX_TIMERS 1
#define _POSIX_MONOTONIC_CLOCK 200112L
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "stm32.h"

#ifndef XSML_NOMINAL_HZ
	#error "XSML_NOMINAL_HZ: the core clock the board runs at"
#endif

uint32_t stm32_init_status;

/* ---- console ---- */

void board_console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			stm32_console_putc('\r');
		stm32_console_putc(s[i]);
	}
}

void board_console_puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			stm32_console_putc('\r');
		stm32_console_putc(*s++);
	}
}

/* ---- cycle counter: DWT CYCCNT, or SysTick where the DWT does not count (QEMU) ---- */

static int use_systick;
static volatile uint32_t systick_wraps; /* SysTick reloads: 2^24 cycles each */

void SysTick_Handler(void)
{
	systick_wraps++;
}

static void counter_start(void)
{
	CoreDebug_DEMCR |= DEMCR_TRCENA;
	DWT_LAR = DWT_LAR_KEY; /* Cortex-M7: unlocks the DWT; ignored on the M4 */
	DWT_CYCCNT = 0;
	DWT_CTRL |= DWT_CTRL_CYCCNTENA;
	for (volatile int i = 0; i < 16; i++)
		;
	if (DWT_CYCCNT == 0) {
		/* No cycle counter: SysTick at the processor clock, 24 bits, its reloads counted. */
		use_systick = 1;
		SYST_RVR = 0x00FFFFFFu;
		SYST_CVR = 0;
		SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
	}
}

static uint64_t systick_cycles(void)
{
	uint32_t wraps, value;
	do {
		wraps = systick_wraps;
		value = SYST_CVR;
	} while (wraps != systick_wraps);
	return ((uint64_t)wraps << 24) + (0x00FFFFFFu - value);
}

uint64_t board_ticks(void)
{
	static uint32_t last;
	static uint64_t high;
	uint32_t now;
	if (use_systick)
		return systick_cycles();
	now = DWT_CYCCNT;
	if (now < last)
		high += (uint64_t)1 << 32;
	last = now;
	return high | now;
}

uint64_t stm32_clock_ns(void)
{
	return board_ticks() * 1000u / (XSML_NOMINAL_HZ / 1000000u);
}

/* The cycle counter is exact: a reading is the count, less what an empty measurement costs. */
static uint64_t exact_zero;

uint64_t board_instructions_start(void)
{
	return board_ticks();
}

uint64_t board_instructions_end(void)
{
	return board_ticks() - exact_zero;
}

void board_instructions_calibrate(void)
{
	uint64_t zero = ~(uint64_t)0, start, span;
	exact_zero = 0;
	for (int i = 0; i < 8; i++) {
		start = board_instructions_start();
		span = board_instructions_end() - start;
		if (span < zero)
			zero = span;
	}
	exact_zero = zero;
}

/* A loop of 1 + 2 * n instructions (cycles depend on the core's pipeline and flash wait states). */
uint32_t board_instructions_check(uint32_t n)
{
	uint64_t start = board_instructions_start();
	__asm__ volatile(
		"movs r0, %0\n"
		"1:\n\t"
		"subs r0, r0, #1\n\t"
		"bne 1b\n\t"
		:
		: "r"(n)
		: "r0", "cc");
	return (uint32_t)(board_instructions_end() - start);
}

/* ---- console start, with what stm32_system_init reported ---- */

void board_console_init(void)
{
	static const char *const waits[] = {
		"HSE ready (RCC_CR.HSERDY)", "PLL lock (RCC_CR.PLLRDY)", "over-drive ready (PWR_CSR1.ODRDY)",
		"over-drive switch (PWR_CSR1.ODSWRDY)", "system clock switch to the PLL (RCC_CFGR.SWS)",
		"SDRAM controller (FMC_SDSR.BUSY)",
	};
	stm32_console_start();
	counter_start();
	for (unsigned i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		if (stm32_init_status & (1u << i)) {
			board_console_puts("xsml: warning: timed out waiting for ");
			board_console_puts(waits[i]);
			board_console_puts("\n");
		}
	}
}

/* ---- the end ---- */

#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20
#define ADP_Stopped_ApplicationExit 0x20026

static void semihost(int op, void *arg)
{
	register int r0 __asm__("r0") = op;
	register void *r1 __asm__("r1") = arg;
	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

void board_exit(int status)
{
	char line[32];
	snprintf(line, sizeof(line), "xsml: exit %d\n", status);
	board_console_puts(line);
	/* bkpt without a debugger is a HardFault (a lockup at this point): only when one is attached. */
	if (CoreDebug_DHCSR & DHCSR_C_DEBUGEN) {
		uint32_t block[2] = { ADP_Stopped_ApplicationExit, (uint32_t)status };
		semihost(SYS_EXIT_EXTENDED, block);
		semihost(SYS_EXIT, (void *)(uintptr_t)(status == 0 ? ADP_Stopped_ApplicationExit : 0x20023));
	}
	SYST_CSR = 0;
	for (;;)
		__asm__ volatile("wfi");
}

/* ---- faults and the C stack ---- */

#define FAULT_PUTS board_console_puts
#define FAULT_EXIT board_exit
#include "../../mps2/board/cortex_m.h"

/* ---- where the RAM goes (the boot banner) ---- */

extern char __data_start[], __data_end[], __bss_start[], __bss_end[], __arena_start[], __arena_end[];
extern char __heap_start[], __heap_end[], __heap_extra_start[], __heap_extra_end[];

void board_print_memory(void)
{
	uint32_t stack = (uint32_t)board_stack_size(), data = (uint32_t)(__data_end - __data_start);
	uint32_t bss = (uint32_t)(__bss_end - __bss_start), arena = (uint32_t)(__arena_end - __arena_start);
	uint32_t heap = (uint32_t)(__heap_end - __heap_start), extra = (uint32_t)(__heap_extra_end - __heap_extra_start);
	printf("RAM: C stack %lu at 0x%08lx, .data %lu + .bss %lu at 0x%08lx, arena %lu at 0x%08lx, XS heap %lu at 0x%08lx + %lu at 0x%08lx: %lu bytes\n",
		(unsigned long)stack, (unsigned long)(uintptr_t)__stack_limit, (unsigned long)data, (unsigned long)bss,
		(unsigned long)(uintptr_t)__data_start, (unsigned long)arena, (unsigned long)(uintptr_t)__arena_start,
		(unsigned long)heap, (unsigned long)(uintptr_t)__heap_start, (unsigned long)extra, (unsigned long)(uintptr_t)__heap_extra_start,
		(unsigned long)(stack + data + bss + arena + heap + extra));
	printf("clock: %lu MHz, timing by %s\n", (unsigned long)(XSML_NOMINAL_HZ / 1000000u),
		use_systick ? "SysTick (this core has no DWT cycle counter: an emulator)" : "DWT CYCCNT");
}

/* ---- newlib ---- */

#undef errno
extern int errno;

/* The heap is two spans: the rest of HEAP_RAM, then the rest of DATA_RAM (sections.ld). newlib's
   malloc takes memory from _sbrk in pieces and does not need them contiguous. */
static char *heap_break = __heap_start;
static char *heap_extra_break = __heap_extra_start;

void *_sbrk(ptrdiff_t increment)
{
	char *previous;
	if (increment < 0) {
		errno = ENOMEM;
		return (void *)-1;
	}
	if (increment <= __heap_end - heap_break && heap_extra_break == __heap_extra_start) {
		previous = heap_break;
		heap_break += increment;
		return previous;
	}
	if (increment <= __heap_extra_end - heap_extra_break) {
		previous = heap_extra_break;
		heap_extra_break += increment;
		return previous;
	}
	errno = ENOMEM;
	return (void *)-1;
}

size_t board_heap_size(void)
{
	return (size_t)((__heap_end - __heap_start) + (__heap_extra_end - __heap_extra_start));
}

size_t board_heap_used(void)
{
	return (size_t)((heap_break - __heap_start) + (heap_extra_break - __heap_extra_start));
}

int _write(int fd, const char *buf, int len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	board_console_write(buf, (size_t)len);
	return len;
}

int _read(int fd, char *buf, int len) { (void)fd; (void)buf; (void)len; return 0; }
int _open(const char *path, int flags, int mode) { (void)path; (void)flags; (void)mode; errno = ENOENT; return -1; }
int _close(int fd) { (void)fd; return 0; }
int _fstat(int fd, struct stat *st) { (void)fd; st->st_mode = S_IFCHR; return 0; }
int _isatty(int fd) { return fd <= 2; }
off_t _lseek(int fd, off_t offset, int whence) { (void)fd; (void)offset; (void)whence; return 0; }
int _getpid(void) { return 1; }
int _kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }

void _exit(int status)
{
	board_exit(status);
}

int _gettimeofday(struct timeval *tv, void *tz)
{
	(void)tz;
	if (tv) {
		uint64_t us = board_ticks() / (XSML_NOMINAL_HZ / 1000000u);
		tv->tv_sec = (time_t)(us / 1000000u);
		tv->tv_usec = (suseconds_t)(us % 1000000u);
	}
	return 0;
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
	(void)clock;
	uint64_t ns = stm32_clock_ns();
	ts->tv_sec = (time_t)(ns / 1000000000u);
	ts->tv_nsec = (long)(ns % 1000000000u);
	return 0;
}

void _init(void)
{
}

void _fini(void)
{
}
