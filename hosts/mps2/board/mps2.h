/*
 * The MPS2 FPGA images QEMU models as mps2-an386 (Cortex-M4F) and mps2-an500 (Cortex-M7): the
 * few peripherals the firmware uses, at the addresses of QEMU's hw/arm/mps2.c (identical on both
 * images), and the board services the rest of the firmware calls (console, clock, exit).
 */
#ifndef XSML_MPS2_H
#define XSML_MPS2_H

#include <stdint.h>
#include <stddef.h>

#define MPS2_REG(addr) (*(volatile uint32_t *)(addr))

/* CMSDK APB UART0 (QEMU connects it to the first serial port: stdio with -nographic). */
#define MPS2_UART0 0x40004000u
#define CMSDK_UART_DATA(base) MPS2_REG((base) + 0x00)
#define CMSDK_UART_STATE(base) MPS2_REG((base) + 0x04) /* bit 0: TX buffer full */
#define CMSDK_UART_CTRL(base) MPS2_REG((base) + 0x08) /* bit 0: TX enable */
#define CMSDK_UART_BAUDDIV(base) MPS2_REG((base) + 0x10) /* >= 16 */

/* FPGA IO block: COUNTER counts up at 25 MHz (SYSCLK). With `-icount shift=0` QEMU's virtual
   clock advances 1 ns per guest instruction, so one tick is 40 instructions. */
#define MPS2_FPGAIO 0x40028000u
#define MPS2_FPGAIO_COUNTER MPS2_REG(MPS2_FPGAIO + 0x18)
#define MPS2_COUNTER_HZ 25000000u
#define MPS2_INSTRUCTIONS_PER_TICK 40u

/* System control block (ARMv7-M). */
#define SCB_CPACR MPS2_REG(0xE000ED88u)
#define SCB_CFSR MPS2_REG(0xE000ED28u)
#define SCB_HFSR MPS2_REG(0xE000ED2Cu)
#define SCB_MMFAR MPS2_REG(0xE000ED34u)
#define SCB_BFAR MPS2_REG(0xE000ED38u)
#define SCB_ICSR MPS2_REG(0xE000ED04u)

/* Console: UART0, polled transmit. */
void mps2_console_init(void);
void mps2_console_write(const char *s, size_t n);
void mps2_console_puts(const char *s);

/* Clock: the FPGAIO counter extended to 64 bits (call at least every 171 s of virtual time). */
uint64_t mps2_ticks(void);
static inline uint64_t mps2_instructions(void) { return mps2_ticks() * MPS2_INSTRUCTIONS_PER_TICK; }
/* The same in nanoseconds of virtual time (= instructions): the native glue's clock, XSML_XS_CLOCK_NS. */
uint64_t mps2_clock_ns(void);
/* Exact to a few instructions (board.c): the instructions since reset when mps2_instructions_start
   returns, and when mps2_instructions_end is called, less the span of an empty measurement. Each
   spins up to 44 instructions to the counter's next tick. Calibrate once at boot. */
uint64_t mps2_instructions_start(void);
uint64_t mps2_instructions_end(void);
void mps2_instructions_calibrate(void);
/* What the readings measure around a loop of exactly 1 + 2 * n instructions (n >= 1). */
uint32_t mps2_instructions_check(uint32_t n);

/* Ends the emulation with this exit status (semihosting SYS_EXIT_EXTENDED). Never returns. */
void mps2_exit(int status) __attribute__((noreturn));

/* The C stack (a linker-defined region below .data): its size, and its high-water mark found by
   painting it at boot and looking for the deepest overwritten word (cortex_m.h). */
size_t cortex_m_stack_peak(void);
size_t cortex_m_stack_size(void);

/* Heap (newlib malloc's sbrk region, bounded by linker symbols): size and how much sbrk handed out. */
size_t mps2_heap_size(void);
size_t mps2_heap_used(void);

#endif
