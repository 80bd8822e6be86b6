/*
 * The board services hosts/mps2/main.c calls, by the names every board folder's board.h gives
 * them (hosts/stm32/board/board.h is the other): here the MPS2 ones of mps2.h.
 */
#ifndef XSML_BOARD_SERVICES_H
#define XSML_BOARD_SERVICES_H

#include "mps2.h"

/* What board_instructions() and the exact readings count: QEMU's instructions (-icount shift=0). */
#define BOARD_COUNT_UNIT "instructions"
#define BOARD_COUNTER_NAME "instruction"

#define board_console_init mps2_console_init
#define board_ticks mps2_ticks
#define board_instructions mps2_instructions
#define board_instructions_start mps2_instructions_start
#define board_instructions_end mps2_instructions_end
#define board_instructions_calibrate mps2_instructions_calibrate
#define board_instructions_check mps2_instructions_check
#define board_heap_size mps2_heap_size
#define board_heap_used mps2_heap_used
#define board_stack_size cortex_m_stack_size
#define board_stack_peak cortex_m_stack_peak
/* The boot banner's memory lines beyond main.c's: none (one SRAM region holds everything). */
#define board_print_memory() ((void)0)

#endif
