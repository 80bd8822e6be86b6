/*
 * The fault report every board prints before it stops: the exception, the stacked registers and
 * the fault status registers (SCB CFSR, HFSR, MMFAR, BFAR: the same addresses on every Cortex-M4
 * and M7). Included by one C file of each board (hosts/mps2/board/board.c,
 * hosts/stm32/board/stm32.c), after the header that defines SCB_CFSR ... SCB_BFAR, with the
 * board's console and exit given as FAULT_PUTS and FAULT_EXIT.
 */
#ifndef XSML_FAULT_REPORT_H
#define XSML_FAULT_REPORT_H

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
static void __attribute__((noreturn)) fault_report(const uint32_t *frame, uint32_t exc_return)
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

#endif
