/*
 * Board services for the MPS2 images under QEMU: UART console, 25 MHz counter, exit through
 * semihosting, fault reports, C stack painting.
 */
#include "mps2.h"

/* ---- console: CMSDK APB UART0, polled TX ---- */

void mps2_console_init(void)
{
	CMSDK_UART_BAUDDIV(MPS2_UART0) = MPS2_COUNTER_HZ / 115200u; /* QEMU needs >= 16; the rate is nominal */
	CMSDK_UART_CTRL(MPS2_UART0) = 1u; /* TX enable */
}

static void console_putc(char c)
{
	while (CMSDK_UART_STATE(MPS2_UART0) & 1u)
		;
	CMSDK_UART_DATA(MPS2_UART0) = (uint8_t)c;
}

void mps2_console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			console_putc('\r');
		console_putc(s[i]);
	}
}

void mps2_console_puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			console_putc('\r');
		console_putc(*s++);
	}
}

/* ---- clock ---- */

/* The 64-bit tick count of a 32-bit reading (call at least every 171 s of virtual time). */
static uint64_t extend_ticks(uint32_t now)
{
	static uint32_t last;
	static uint64_t high;
	if (now < last)
		high += (uint64_t)1 << 32;
	last = now;
	return high | now;
}

uint64_t mps2_ticks(void)
{
	return extend_ticks(MPS2_FPGAIO_COUNTER);
}

/* Nanoseconds of virtual time: with -icount shift=0, guest instructions (the native glue's clock). */
uint64_t mps2_clock_ns(void)
{
	return mps2_instructions();
}

/*
 * Exact readings. The counter ticks every 40 instructions, so a plain reading is off by up to 39.
 * These read it in a loop of 4 instructions until it ticks: the read that sees the new value runs
 * within 4 instructions after the tick, which fixes its time, and the loop's iterations give the
 * time of the first read. Under icount every instruction advances virtual time by exactly 1 ns, I/O
 * reads included, so both are exact to a few instructions; the loop itself costs up to 44.
 */
static uint32_t spin_to_tick(uint32_t *loops)
{
	uint32_t first, now, n;
	__asm__ volatile(
		"ldr %0, [%3]\n\t"
		"movs %2, #0\n"
		"1:\n\t"
		"ldr %1, [%3]\n\t"
		"adds %2, %2, #1\n\t"
		"cmp %1, %0\n\t"
		"beq 1b\n\t"
		: "=&r"(first), "=&r"(now), "=&r"(n)
		: "r"(&MPS2_FPGAIO_COUNTER)
		: "cc", "memory");
	*loops = n;
	return now;
}

static uint64_t exact_zero; /* mps2_instructions_end() - mps2_instructions_start() with nothing between */

uint64_t mps2_instructions_start(void)
{
	uint32_t loops;
	return extend_ticks(spin_to_tick(&loops)) * MPS2_INSTRUCTIONS_PER_TICK;
}

uint64_t mps2_instructions_end(void)
{
	uint32_t loops;
	uint64_t tick = extend_ticks(spin_to_tick(&loops)) * MPS2_INSTRUCTIONS_PER_TICK;
	return tick - 4u * loops - exact_zero;
}

/* A loop of exactly 1 + 2 * n instructions, to check the readings. */
uint32_t mps2_instructions_check(uint32_t n)
{
	uint64_t start = mps2_instructions_start(), span;
	__asm__ volatile(
		"movs r0, %0\n"
		"1:\n\t"
		"subs r0, r0, #1\n\t"
		"bne 1b\n\t"
		:
		: "r"(n)
		: "r0", "cc");
	span = mps2_instructions_end() - start;
	return (uint32_t)span;
}

void mps2_instructions_calibrate(void)
{
	uint64_t zero = ~(uint64_t)0, start, span;
	int i;
	exact_zero = 0;
	for (i = 0; i < 8; i++) {
		start = mps2_instructions_start();
		span = mps2_instructions_end() - start;
		if ((int64_t)span >= 0 && span < zero)
			zero = span;
	}
	exact_zero = zero;
}

/* ---- exit: ARM semihosting (QEMU: -semihosting-config enable=on,target=native) ---- */

#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20
#define ADP_Stopped_ApplicationExit 0x20026

static int semihost(int op, void *arg)
{
	register int r0 __asm__("r0") = op;
	register void *r1 __asm__("r1") = arg;
	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

void mps2_exit(int status)
{
	/* SYS_EXIT_EXTENDED passes the status on AArch32; plain SYS_EXIT only success/failure. */
	uint32_t block[2] = { ADP_Stopped_ApplicationExit, (uint32_t)status };
	semihost(SYS_EXIT_EXTENDED, block);
	semihost(SYS_EXIT, (void *)(uintptr_t)(status == 0 ? ADP_Stopped_ApplicationExit : 0x20023 /* RunTimeErrorUnknown */));
	for (;;)
		__asm__ volatile("wfi");
}

/* ---- faults and the C stack ---- */

#define FAULT_PUTS mps2_console_puts
#define FAULT_EXIT mps2_exit
#include "cortex_m.h"
