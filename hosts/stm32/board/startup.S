/*
 * Vector table and reset for the STM32 boards (ARMv7-M: STM32F405, STM32F746, STM32F767), linked
 * at the start of flash (0x08000000, where the chip boots from by default). Reset: FPU on (CPACR,
 * before any C: newlib's hard-float setjmp saves d8-d15), the chip's clock, caches and external
 * memory (stm32_system_init, which uses no .data or .bss: SDRAM may hold them), then .data from
 * flash, .bss zeroed, the stack painted, constructors, main. stm32_system_init's status (its
 * bounded waits that timed out) is kept in r4 and stored in stm32_init_status once .bss is zeroed,
 * for the console to report.
 */
	.syntax unified
	.thumb

	.section .isr_vector, "a", %progbits
	.align 2
	.global __isr_vector
__isr_vector:
	.word __stack_top
	.word Reset_Handler
	.word NMI_Handler
	.word HardFault_Handler
	.word MemManage_Handler
	.word BusFault_Handler
	.word UsageFault_Handler
	.word 0, 0, 0, 0
	.word SVC_Handler
	.word DebugMon_Handler
	.word 0
	.word PendSV_Handler
	.word SysTick_Handler
	/* Peripheral interrupts: 82 on the F405, 98 on the F746/F767 (RM0090 and RM0410 vector tables).
	   None is enabled; a stray one is reported as a fault. */
	.rept 98
	.word Default_Handler
	.endr

	.text
	.thumb_func
	.global Reset_Handler
	.type Reset_Handler, %function
Reset_Handler:
	/* CPACR (0xE000ED88): full access to CP10 and CP11, the FPU. */
	ldr r0, =0xE000ED88
	ldr r1, [r0]
	orr r1, r1, #(0xF << 20)
	str r1, [r0]
	dsb
	isb
	bl stm32_system_init
	mov r4, r0
	/* .data: flash -> RAM */
	ldr r0, =__data_load
	ldr r1, =__data_start
	ldr r2, =__data_end
1:	cmp r1, r2
	bhs 2f
	ldr r3, [r0], #4
	str r3, [r1], #4
	b 1b
	/* .bss: zero */
2:	ldr r1, =__bss_start
	ldr r2, =__bss_end
	movs r3, #0
3:	cmp r1, r2
	bhs 4f
	str r3, [r1], #4
	b 3b
4:	ldr r0, =stm32_init_status
	str r4, [r0]
	bl cortex_m_stack_paint
	bl __libc_init_array
	movs r0, #0
	movs r1, #0
	bl main
	bl exit
5:	b 5b
	.size Reset_Handler, . - Reset_Handler

	/* Faults: r0 = the stacked exception frame (MSP or PSP, from EXC_RETURN bit 2), r1 = EXC_RETURN. */
	.macro fault name, number
	.thumb_func
	.weak \name
	.type \name, %function
\name:
	tst lr, #4
	ite eq
	mrseq r0, msp
	mrsne r0, psp
	mov r1, lr
	movs r2, #\number
	b cortex_m_fault
	.size \name, . - \name
	.endm

	fault NMI_Handler, 2
	fault HardFault_Handler, 3
	fault MemManage_Handler, 4
	fault BusFault_Handler, 5
	fault UsageFault_Handler, 6
	fault SVC_Handler, 11
	fault DebugMon_Handler, 12
	fault PendSV_Handler, 14
	fault Default_Handler, 16
