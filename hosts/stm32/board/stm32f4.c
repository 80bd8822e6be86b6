/*
 * STM32F405 (Netduino Plus 2; QEMU -M netduinoplus2): the core runs on the 16 MHz internal RC
 * oscillator it resets to (HSI; RM0090 6.2.2), so nothing waits on a clock; the console is USART1
 * on PA9 (TX) / PA10 (RX), AF7 (STM32F405 data sheet, alternate function table), which QEMU's
 * STM32F405 model connects to its first serial port. USART registers: RM0090 30.6.
 */
#include "board.h"
#include "stm32.h"

#ifndef STM32_CONSOLE_USART
	#define STM32_CONSOLE_USART USART1_BASE
#endif

uint32_t stm32_system_init(void)
{
	return 0;
}

static void pin_af(int port, int pin, uint32_t af)
{
	GPIO_MODER(port) = (GPIO_MODER(port) & ~(3u << (2 * pin))) | (GPIO_MODE_AF << (2 * pin));
	if (pin < 8)
		GPIO_AFRL(port) = (GPIO_AFRL(port) & ~(15u << (4 * pin))) | (af << (4 * pin));
	else
		GPIO_AFRH(port) = (GPIO_AFRH(port) & ~(15u << (4 * (pin - 8)))) | (af << (4 * (pin - 8)));
}

void stm32_console_start(void)
{
	RCC_AHB1ENR |= RCC_AHB1ENR_GPIOEN(PORT_A);
	RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
	pin_af(PORT_A, 9, AF7_USART);
	pin_af(PORT_A, 10, AF7_USART);
	/* 16x oversampling: BRR = f_PCLK2 / baud, as mantissa.fraction in 1/16ths (16 MHz / 115200 = 138.9). */
	F4_USART_BRR(STM32_CONSOLE_USART) = (XSML_NOMINAL_HZ + 115200u / 2u) / 115200u;
	F4_USART_CR1(STM32_CONSOLE_USART) = F4_USART_CR1_UE | F4_USART_CR1_TE | F4_USART_CR1_RE;
}

void stm32_console_putc(char c)
{
	/* Bounded: a console that never drains must not hang the firmware. */
	for (uint32_t i = 0; i < WAIT_POLLS && !(F4_USART_SR(STM32_CONSOLE_USART) & F4_USART_SR_TXE); i++)
		;
	F4_USART_DR(STM32_CONSOLE_USART) = (uint8_t)c;
}
