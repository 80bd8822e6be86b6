/*
 * The board services hosts/mps2/main.c calls (see hosts/mps2/board/board.h), for the STM32 boards:
 * console on a USART, time from the core's cycle counter (DWT CYCCNT; SysTick where there is
 * none, as in QEMU), the heap, the C stack. hosts/stm32/board/stm32.c.
 */
#ifndef XSML_BOARD_SERVICES_H
#define XSML_BOARD_SERVICES_H

#include <stddef.h>
#include <stdint.h>

/* What board_instructions() and the exact readings count: core clock cycles. */
#define BOARD_COUNT_UNIT "cycles"
#define BOARD_COUNTER_NAME "cycle"

void board_console_init(void);
void board_console_write(const char *s, size_t n);
void board_console_puts(const char *s);
/* Cycles since the counter started (at board_console_init), 64-bit: read at least every 2^32 cycles. */
uint64_t board_ticks(void);
static inline uint64_t board_instructions(void) { return board_ticks(); }
uint64_t board_instructions_start(void);
uint64_t board_instructions_end(void);
void board_instructions_calibrate(void);
uint32_t board_instructions_check(uint32_t n);
/* Nanoseconds since the counter started (the native glue's clock, XSML_XS_CLOCK_NS). */
uint64_t stm32_clock_ns(void);
size_t board_heap_size(void);
size_t board_heap_used(void);
/* The C stack's size and high-water mark (hosts/mps2/board/cortex_m.h). */
size_t cortex_m_stack_size(void);
size_t cortex_m_stack_peak(void);
#define board_stack_size cortex_m_stack_size
#define board_stack_peak cortex_m_stack_peak
/* The boot banner's lines on where the RAM goes, region by region (linker symbols). */
void board_print_memory(void);
/* Prints "xsml: exit STATUS" (the line QEMU's runner waits for), then ends the firmware: through
   semihosting when a debugger is attached, else the core sleeps. */
void board_exit(int status) __attribute__((noreturn));

/* The chip's part (stm32f4.c, stm32f7.c). */
uint32_t stm32_system_init(void); /* clock, caches, external memory; returns INIT_* bits */
void stm32_console_start(void); /* the console USART and its pins, 115200 baud */
void stm32_console_putc(char c);
extern uint32_t stm32_init_status; /* stm32_system_init's result (startup.S) */

#endif
