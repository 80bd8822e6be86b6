/*
 * What every board's firmware does the same way on a Cortex-M4 or M7: the fault report it prints
 * before it stops (the exception, the stacked registers, the fault status registers SCB CFSR,
 * HFSR, MMFAR, BFAR), and the C stack's high-water mark (the stack painted at reset). Included by
 * exactly one C file of each board (hosts/mps2/board/board.c, hosts/stm32/board/stm32.c), after
 * the header that defines SCB_CFSR ... SCB_BFAR, with the board's console and exit given as
 * FAULT_PUTS and FAULT_EXIT. Each startup.S calls cortex_m_stack_paint at reset and branches to
 * cortex_m_fault from its fault handlers; the linker script gives __stack_limit and __stack_top.
 */
#ifndef XSML_CORTEX_M_H
#define XSML_CORTEX_M_H

#include <stddef.h>
#include <stdint.h>

static void fault_put_hex(const char *name, uint32_t value)
{
	static const char digits[] = "0123456789abcdef";
	char text[12];
	FAULT_PUTS(name);
	text[0] = '0';
	text[1] = 'x';
	for (int i = 0; i < 8; i++)
		text[2 + i] = digits[(value >> (28 - 4 * i)) & 15u];
	text[10] = ' ';
	text[11] = 0;
	FAULT_PUTS(text);
}

/* The report for the stacked frame r0, r1, r2, r3, r12, lr, pc, xPSR; then exit status 3. */
void cortex_m_fault(const uint32_t *frame, uint32_t exc_return) __attribute__((noreturn, used));
void cortex_m_fault(const uint32_t *frame, uint32_t exc_return)
{
	static const char *const names[] = { "?", "?", "NMI", "HardFault", "MemManage", "BusFault", "UsageFault" };
	uint32_t ipsr;
	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	ipsr &= 0x1ffu;
	FAULT_PUTS("\n*** fault: ");
	FAULT_PUTS(ipsr < 7 ? names[ipsr] : "exception");
	fault_put_hex(" ipsr=", ipsr);
	FAULT_PUTS("\n");
	fault_put_hex("r0=", frame[0]);
	fault_put_hex("r1=", frame[1]);
	fault_put_hex("r2=", frame[2]);
	fault_put_hex("r3=", frame[3]);
	FAULT_PUTS("\n");
	fault_put_hex("r12=", frame[4]);
	fault_put_hex("lr=", frame[5]);
	fault_put_hex("pc=", frame[6]);
	fault_put_hex("xpsr=", frame[7]);
	FAULT_PUTS("\n");
	fault_put_hex("sp=", (uint32_t)(uintptr_t)frame);
	fault_put_hex("exc_return=", exc_return);
	fault_put_hex("CFSR=", SCB_CFSR);
	fault_put_hex("HFSR=", SCB_HFSR);
	FAULT_PUTS("\n");
	fault_put_hex("MMFAR=", SCB_MMFAR);
	fault_put_hex("BFAR=", SCB_BFAR);
	FAULT_PUTS("\n");
	FAULT_EXIT(3);
}

extern uint32_t __stack_limit[], __stack_top[];
#define STACK_PAINT 0xa5a5a5a5u

/* Called by Reset_Handler before anything deep runs: paints the unused stack below this frame. */
void cortex_m_stack_paint(void)
{
	uint32_t *p = __stack_limit;
	uint32_t *end = (uint32_t *)__builtin_frame_address(0) - 64;
	while (p < end)
		*p++ = STACK_PAINT;
}

/* The deepest the C stack has been: the bytes from its top to the first word not still painted. */
size_t cortex_m_stack_peak(void)
{
	const uint32_t *p = __stack_limit;
	while ((p < __stack_top) && (*p == STACK_PAINT))
		p++;
	return (size_t)((const char *)__stack_top - (const char *)p);
}

size_t cortex_m_stack_size(void)
{
	return (size_t)((const char *)__stack_top - (const char *)__stack_limit);
}

#endif
