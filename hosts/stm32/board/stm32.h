/*
 * Registers and bits the STM32 firmware touches, named as in ST's reference manuals: RM0090
 * (STM32F405/407, the Netduino Plus 2), RM0385 (STM32F746, 32F746G-DISCOVERY), RM0410 (STM32F767,
 * NUCLEO-F767ZI), and ARM's ARMv7-M Architecture Reference Manual for the core's (SCB, DWT,
 * SysTick, MPU, caches). Offsets are from each manual's register map.
 */
#ifndef XSML_STM32_H
#define XSML_STM32_H

#include <stddef.h>
#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- core (ARMv7-M) ---- */
#define SCB_ICSR REG32(0xE000ED04u)
#define SCB_CCR REG32(0xE000ED14u)
#define SCB_CCR_DC (1u << 16) /* data cache enable (Cortex-M7) */
#define SCB_CCR_IC (1u << 17) /* instruction cache enable (Cortex-M7) */
#define SCB_SHCSR REG32(0xE000ED24u)
#define SCB_CFSR REG32(0xE000ED28u)
#define SCB_HFSR REG32(0xE000ED2Cu)
#define SCB_MMFAR REG32(0xE000ED34u)
#define SCB_BFAR REG32(0xE000ED38u)
#define SCB_CCSIDR REG32(0xE000ED80u) /* cache size ID of the cache CSSELR selects */
#define SCB_CSSELR REG32(0xE000ED84u) /* 0: level 1 data cache */
#define SCB_ICIALLU REG32(0xE000EF50u) /* write: invalidate the whole I-cache */
#define SCB_DCISW REG32(0xE000EF60u) /* write: invalidate a D-cache line by set and way */
#define CCSIDR_SETS(x) (((x) >> 13) & 0x7FFFu) /* number of sets - 1 */
#define CCSIDR_WAYS(x) (((x) >> 3) & 0x3FFu) /* number of ways - 1 */
#define DCISW_SET_SHIFT 5u /* Cortex-M7: 32-byte lines */
#define DCISW_WAY_SHIFT 30u /* Cortex-M7: 4 ways */

#define CoreDebug_DHCSR REG32(0xE000EDF0u)
#define DHCSR_C_DEBUGEN (1u << 0) /* a debugger is attached */
#define CoreDebug_DEMCR REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24) /* enables the DWT */
#define DWT_CTRL REG32(0xE0001000u)
#define DWT_CTRL_CYCCNTENA (1u << 0)
#define DWT_CYCCNT REG32(0xE0001004u)
#define DWT_LAR REG32(0xE0001FB0u) /* Cortex-M7: write DWT_LAR_KEY to unlock the DWT */
#define DWT_LAR_KEY 0xC5ACCE55u

#define SYST_CSR REG32(0xE000E010u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* 1: the processor clock */
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)

#define MPU_CTRL REG32(0xE000ED94u)
#define MPU_CTRL_ENABLE (1u << 0)
#define MPU_CTRL_PRIVDEFENA (1u << 2) /* the default memory map where no region matches */
#define MPU_RNR REG32(0xE000ED98u)
#define MPU_RBAR REG32(0xE000ED9Cu)
#define MPU_RASR REG32(0xE000EDA0u)
#define MPU_RASR_ENABLE (1u << 0)
#define MPU_RASR_SIZE(log2) ((((uint32_t)(log2)) - 1u) << 1) /* region of 2^log2 bytes */
#define MPU_RASR_B (1u << 16)
#define MPU_RASR_C (1u << 17)
#define MPU_RASR_S (1u << 18)
#define MPU_RASR_TEX(x) ((uint32_t)(x) << 19)
#define MPU_RASR_AP_FULL (3u << 24) /* read/write, privileged and unprivileged */
#define MPU_RASR_XN (1u << 28) /* never execute */

/* ---- RCC (RM0090 7.3, RM0385/RM0410 5.3) ---- */
#define RCC_BASE 0x40023800u
#define RCC_CR REG32(RCC_BASE + 0x00u)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_PLLCFGR REG32(RCC_BASE + 0x04u)
#define RCC_PLLCFGR_PLLM(m) ((uint32_t)(m) << 0) /* VCO input = PLL input / M (2..63) */
#define RCC_PLLCFGR_PLLN(n) ((uint32_t)(n) << 6) /* VCO = VCO input x N (50..432) */
#define RCC_PLLCFGR_PLLP(p) ((((uint32_t)(p) / 2u) - 1u) << 16) /* SYSCLK = VCO / P (2, 4, 6, 8) */
#define RCC_PLLCFGR_PLLSRC_HSE (1u << 22)
#define RCC_PLLCFGR_PLLQ(q) ((uint32_t)(q) << 24) /* 48 MHz clock = VCO / Q */
#define RCC_CFGR REG32(RCC_BASE + 0x08u)
#define RCC_CFGR_SW_PLL (2u << 0)
#define RCC_CFGR_SW_MASK (3u << 0)
#define RCC_CFGR_SWS_PLL (2u << 2)
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_HPRE_DIV1 (0u << 4)
#define RCC_CFGR_PPRE1_DIV4 (5u << 10) /* APB1 = HCLK / 4 */
#define RCC_CFGR_PPRE2_DIV2 (4u << 13) /* APB2 = HCLK / 2 */
#define RCC_AHB1ENR REG32(RCC_BASE + 0x30u)
#define RCC_AHB1ENR_GPIOEN(port) (1u << (port)) /* port 0 = A, 1 = B, ... */
#define RCC_AHB3ENR REG32(RCC_BASE + 0x38u)
#define RCC_AHB3ENR_FMCEN (1u << 0)
#define RCC_APB1ENR REG32(RCC_BASE + 0x40u)
#define RCC_APB1ENR_USART3EN (1u << 18)
#define RCC_APB1ENR_PWREN (1u << 28)
#define RCC_APB2ENR REG32(RCC_BASE + 0x44u)
#define RCC_APB2ENR_USART1EN (1u << 4)

/* ---- PWR (RM0385/RM0410 4.4): voltage scaling and over-drive for 216 MHz ---- */
#define PWR_BASE 0x40007000u
#define PWR_CR1 REG32(PWR_BASE + 0x00u)
#define PWR_CR1_VOS_SCALE1 (3u << 14)
#define PWR_CR1_ODEN (1u << 16)
#define PWR_CR1_ODSWEN (1u << 17)
#define PWR_CSR1 REG32(PWR_BASE + 0x04u)
#define PWR_CSR1_ODRDY (1u << 16)
#define PWR_CSR1_ODSWRDY (1u << 17)

/* ---- FLASH interface (RM0385/RM0410 3.7) ---- */
#define FLASH_ACR REG32(0x40023C00u)
#define FLASH_ACR_LATENCY(ws) ((uint32_t)(ws) << 0)
#define FLASH_ACR_LATENCY_MASK (0xFu << 0)
#define FLASH_ACR_PRFTEN (1u << 8) /* prefetch */
#define FLASH_ACR_ARTEN (1u << 9) /* ART accelerator */

/* ---- GPIO (RM0090 8.4, RM0385/RM0410 6.4) ---- */
#define GPIO_BASE(port) (0x40020000u + 0x400u * (uint32_t)(port))
#define GPIO_MODER(port) REG32(GPIO_BASE(port) + 0x00u)
#define GPIO_OSPEEDR(port) REG32(GPIO_BASE(port) + 0x08u)
#define GPIO_PUPDR(port) REG32(GPIO_BASE(port) + 0x0Cu)
#define GPIO_AFRL(port) REG32(GPIO_BASE(port) + 0x20u)
#define GPIO_AFRH(port) REG32(GPIO_BASE(port) + 0x24u)
#define GPIO_MODE_AF 2u
#define GPIO_SPEED_VERY_HIGH 3u
#define GPIO_PULL_UP 1u
#define PORT_A 0
#define PORT_B 1
#define PORT_C 2
#define PORT_D 3
#define PORT_E 4
#define PORT_F 5
#define PORT_G 6
#define PORT_H 7
#define AF7_USART 7u
#define AF12_FMC 12u

/* ---- USART ---- */
#define USART1_BASE 0x40011000u
#define USART3_BASE 0x40004800u
/* STM32F4 (RM0090 30.6) */
#define F4_USART_SR(b) REG32((b) + 0x00u)
#define F4_USART_DR(b) REG32((b) + 0x04u)
#define F4_USART_BRR(b) REG32((b) + 0x08u)
#define F4_USART_CR1(b) REG32((b) + 0x0Cu)
#define F4_USART_SR_TXE (1u << 7)
#define F4_USART_CR1_RE (1u << 2)
#define F4_USART_CR1_TE (1u << 3)
#define F4_USART_CR1_UE (1u << 13)
/* STM32F7 (RM0385 31.8, RM0410 34.8) */
#define F7_USART_CR1(b) REG32((b) + 0x00u)
#define F7_USART_BRR(b) REG32((b) + 0x0Cu)
#define F7_USART_ISR(b) REG32((b) + 0x1Cu)
#define F7_USART_TDR(b) REG32((b) + 0x28u)
#define F7_USART_CR1_UE (1u << 0)
#define F7_USART_CR1_RE (1u << 2)
#define F7_USART_CR1_TE (1u << 3)
#define F7_USART_ISR_TXE (1u << 7)

/* ---- FMC SDRAM controller (RM0385 13.7) ---- */
#define FMC_BASE 0xA0000000u
#define FMC_SDCR1 REG32(FMC_BASE + 0x140u)
#define FMC_SDTR1 REG32(FMC_BASE + 0x148u)
#define FMC_SDCMR REG32(FMC_BASE + 0x150u)
#define FMC_SDRTR REG32(FMC_BASE + 0x154u)
#define FMC_SDSR REG32(FMC_BASE + 0x158u)
#define FMC_SDCR_NC_8 (0u << 0) /* 8 column address bits */
#define FMC_SDCR_NR_12 (1u << 2) /* 12 row address bits */
#define FMC_SDCR_MWID_16 (1u << 4) /* 16-bit data bus */
#define FMC_SDCR_NB_4 (1u << 6) /* 4 internal banks */
#define FMC_SDCR_CAS(n) ((uint32_t)(n) << 7)
#define FMC_SDCR_SDCLK_HCLK_2 (2u << 10) /* SDRAM clock = HCLK / 2 */
#define FMC_SDCR_RBURST (1u << 12)
#define FMC_SDCR_RPIPE(n) ((uint32_t)(n) << 13)
/* SDTR fields hold cycles - 1 */
#define FMC_SDTR_TMRD(n) (((uint32_t)(n) - 1u) << 0)
#define FMC_SDTR_TXSR(n) (((uint32_t)(n) - 1u) << 4)
#define FMC_SDTR_TRAS(n) (((uint32_t)(n) - 1u) << 8)
#define FMC_SDTR_TRC(n) (((uint32_t)(n) - 1u) << 12)
#define FMC_SDTR_TWR(n) (((uint32_t)(n) - 1u) << 16)
#define FMC_SDTR_TRP(n) (((uint32_t)(n) - 1u) << 20)
#define FMC_SDTR_TRCD(n) (((uint32_t)(n) - 1u) << 24)
#define FMC_SDCMR_MODE_CLOCK_ENABLE 1u
#define FMC_SDCMR_MODE_PALL 2u /* precharge all banks */
#define FMC_SDCMR_MODE_AUTO_REFRESH 3u
#define FMC_SDCMR_MODE_LOAD_MODE 4u
#define FMC_SDCMR_CTB1 (1u << 4) /* command to bank 1 (SDNE0) */
#define FMC_SDCMR_NRFS(n) (((uint32_t)(n) - 1u) << 5) /* consecutive auto-refreshes */
#define FMC_SDCMR_MRD(x) ((uint32_t)(x) << 9) /* the SDRAM mode register's value */
#define FMC_SDRTR_COUNT(n) ((uint32_t)(n) << 1)
#define FMC_SDSR_BUSY (1u << 5)
/* SDRAM mode register (JEDEC; IS42S32400F / MT48LC4M32B2 data sheets) */
#define SDRAM_MODE_BURST_LENGTH_1 0x0000u
#define SDRAM_MODE_BURST_SEQUENTIAL 0x0000u
#define SDRAM_MODE_CAS_LATENCY_2 0x0020u
#define SDRAM_MODE_OPERATING_STANDARD 0x0000u
#define SDRAM_MODE_WRITEBURST_SINGLE 0x0200u

/* Bits of stm32_init_status: the bounded waits of stm32_system_init that timed out. */
#define INIT_HSE_TIMEOUT (1u << 0)
#define INIT_PLL_TIMEOUT (1u << 1)
#define INIT_OVERDRIVE_TIMEOUT (1u << 2)
#define INIT_OVERDRIVE_SWITCH_TIMEOUT (1u << 3)
#define INIT_CLOCK_SWITCH_TIMEOUT (1u << 4)
#define INIT_SDRAM_TIMEOUT (1u << 5)

/* How many times a wait on a hardware flag polls before it gives up (each poll a few cycles:
   milliseconds at 16-216 MHz, far longer than any of these flags takes on working hardware). */
#define WAIT_POLLS 1000000u

/* Polls until (REG & mask) == value, at most WAIT_POLLS times; 1 if it got there. */
static inline int wait_for(volatile uint32_t *reg, uint32_t mask, uint32_t value)
{
	for (uint32_t i = 0; i < WAIT_POLLS; i++)
		if ((*reg & mask) == value)
			return 1;
	return 0;
}

#endif
