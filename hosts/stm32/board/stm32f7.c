/*
 * STM32F746 / STM32F767 at 216 MHz (32F746G-DISCOVERY, NUCLEO-F767ZI): clock tree, flash wait
 * states and ART accelerator, over-drive, caches, an MPU region for the SDRAM, the FMC SDRAM
 * (DISCOVERY: STM32_SDRAM), the console USART. Registers and sequences: RM0385 (F746) and RM0410
 * (F767), which agree on everything here; the SDRAM's timings from the IS42S32400F and
 * MT48LC4M32B2 data sheets (the DISCOVERY board carries one or the other, 16 bits wired).
 *
 * Board settings (the board's Makefile, -D):
 *   STM32_HSE_HZ        the HSE clock: 8000000 (NUCLEO: the ST-LINK's MCO) or 25000000 (DISCO crystal)
 *   STM32_HSE_BYPASS    1: an external clock drives OSC_IN (NUCLEO), 0: a crystal (DISCO)
 *   STM32_CONSOLE       1: USART1 on PA9/PB7 (DISCO), 3: USART3 on PD8/PD9 (NUCLEO), both the ST-LINK VCP
 *   STM32_SDRAM         1: initialise the FMC SDRAM at 0xC0000000 (DISCO)
 */
#include "board.h"
#include "stm32.h"

#if XSML_NOMINAL_HZ != 216000000
	#error "stm32f7.c sets the clock to 216 MHz: build with XSML_NOMINAL_HZ=216000000"
#endif

/* PLL: VCO input = HSE / M = 1 or 2 MHz, VCO = 432 MHz, SYSCLK = VCO / 2 = 216 MHz,
   48 MHz domain = VCO / 9 (RM0410 5.3.2: VCO input 1-2 MHz, VCO 100-432 MHz). */
#if STM32_HSE_HZ == 8000000
	#define PLL_M 4u
	#define PLL_N 216u
#elif STM32_HSE_HZ == 25000000
	#define PLL_M 25u
	#define PLL_N 432u
#else
	#error "STM32_HSE_HZ: 8000000 or 25000000"
#endif
#define PLL_P 2u
#define PLL_Q 9u
/* 216 MHz at 2.7-3.6 V needs 7 wait states (RM0410 table 7, RM0385 table 5). */
#define FLASH_WAIT_STATES 7u

#if STM32_CONSOLE == 1
	#define CONSOLE_USART USART1_BASE
	#define CONSOLE_PCLK_HZ (XSML_NOMINAL_HZ / 2u) /* APB2 */
#elif STM32_CONSOLE == 3
	#define CONSOLE_USART USART3_BASE
	#define CONSOLE_PCLK_HZ (XSML_NOMINAL_HZ / 4u) /* APB1 */
#else
	#error "STM32_CONSOLE: 1 or 3"
#endif

static void pin_mode(int port, int pin, uint32_t af)
{
	GPIO_MODER(port) = (GPIO_MODER(port) & ~(3u << (2 * pin))) | (GPIO_MODE_AF << (2 * pin));
	GPIO_OSPEEDR(port) = (GPIO_OSPEEDR(port) & ~(3u << (2 * pin))) | (GPIO_SPEED_VERY_HIGH << (2 * pin));
	GPIO_PUPDR(port) = (GPIO_PUPDR(port) & ~(3u << (2 * pin))) | (GPIO_PULL_UP << (2 * pin));
	if (pin < 8)
		GPIO_AFRL(port) = (GPIO_AFRL(port) & ~(15u << (4 * pin))) | (af << (4 * pin));
	else
		GPIO_AFRH(port) = (GPIO_AFRH(port) & ~(15u << (4 * (pin - 8)))) | (af << (4 * (pin - 8)));
}

static uint32_t clock_init(void)
{
	uint32_t status = 0;
	/* HSE: the ST-LINK's 8 MHz clock (bypass) or the 25 MHz crystal. */
	RCC_CR |= RCC_CR_HSEON | (STM32_HSE_BYPASS ? RCC_CR_HSEBYP : 0u);
	if (!wait_for(&RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY))
		return INIT_HSE_TIMEOUT; /* stay on HSI 16 MHz: the console's baud rate will be wrong */
	/* Voltage scale 1 (needed above 180 MHz with over-drive). */
	RCC_APB1ENR |= RCC_APB1ENR_PWREN;
	(void)RCC_APB1ENR;
	PWR_CR1 |= PWR_CR1_VOS_SCALE1;
	RCC_PLLCFGR = RCC_PLLCFGR_PLLM(PLL_M) | RCC_PLLCFGR_PLLN(PLL_N) | RCC_PLLCFGR_PLLP(PLL_P) |
		RCC_PLLCFGR_PLLSRC_HSE | RCC_PLLCFGR_PLLQ(PLL_Q);
	RCC_CR |= RCC_CR_PLLON;
	if (!wait_for(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY))
		return INIT_PLL_TIMEOUT;
	/* Over-drive (RM0410 4.1.4): enable, wait ready, switch, wait ready. */
	PWR_CR1 |= PWR_CR1_ODEN;
	if (!wait_for(&PWR_CSR1, PWR_CSR1_ODRDY, PWR_CSR1_ODRDY))
		status |= INIT_OVERDRIVE_TIMEOUT;
	PWR_CR1 |= PWR_CR1_ODSWEN;
	if (!wait_for(&PWR_CSR1, PWR_CSR1_ODSWRDY, PWR_CSR1_ODSWRDY))
		status |= INIT_OVERDRIVE_SWITCH_TIMEOUT;
	if (status)
		return status; /* without over-drive 216 MHz is out of specification: stay on HSI */
	/* Wait states before the clock rises; ART accelerator and prefetch on. */
	FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | FLASH_ACR_LATENCY(FLASH_WAIT_STATES) | FLASH_ACR_ARTEN | FLASH_ACR_PRFTEN;
	(void)FLASH_ACR;
	/* AHB 216 MHz, APB1 54 MHz (max 54), APB2 108 MHz (max 108); then SYSCLK from the PLL. */
	RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_HPRE_DIV1 | RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2;
	RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
	if (!wait_for(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL))
		status |= INIT_CLOCK_SWITCH_TIMEOUT;
	return status;
}

/* Cortex-M7 L1 caches (ARMv7-M ARM B2.2.7): invalidate, then enable. */
static void caches_init(void)
{
	uint32_t ccsidr, sets, ways;
	__asm__ volatile("dsb\n\tisb" ::: "memory");
	SCB_ICIALLU = 0;
	__asm__ volatile("dsb\n\tisb" ::: "memory");
	SCB_CCR |= SCB_CCR_IC;
	__asm__ volatile("dsb\n\tisb" ::: "memory");

	SCB_CSSELR = 0; /* level 1 data cache */
	__asm__ volatile("dsb" ::: "memory");
	ccsidr = SCB_CCSIDR;
	for (sets = CCSIDR_SETS(ccsidr) + 1u; sets-- > 0;)
		for (ways = CCSIDR_WAYS(ccsidr) + 1u; ways-- > 0;)
			SCB_DCISW = (sets << DCISW_SET_SHIFT) | (ways << DCISW_WAY_SHIFT);
	__asm__ volatile("dsb" ::: "memory");
	SCB_CCR |= SCB_CCR_DC;
	__asm__ volatile("dsb\n\tisb" ::: "memory");
}

#if STM32_SDRAM
/* The default memory map makes 0xC0000000 Device memory (no unaligned access, no caching): region
   0 makes the 8 MB of SDRAM Normal memory, write-back write-allocate (TEX 1, C, B), data only. */
static void mpu_sdram(void)
{
	__asm__ volatile("dmb" ::: "memory");
	MPU_CTRL = 0;
	MPU_RNR = 0;
	MPU_RBAR = 0xC0000000u;
	MPU_RASR = MPU_RASR_XN | MPU_RASR_AP_FULL | MPU_RASR_TEX(1) | MPU_RASR_C | MPU_RASR_B | MPU_RASR_SIZE(23) | MPU_RASR_ENABLE;
	MPU_CTRL = MPU_CTRL_PRIVDEFENA | MPU_CTRL_ENABLE;
	__asm__ volatile("dsb\n\tisb" ::: "memory");
}

/* The FMC's SDRAM pins on the 32F746G-DISCOVERY (its schematic, MB1191): AF12. */
static const struct { uint8_t port; uint16_t pins; } sdram_pins[] = {
	{ PORT_C, 1u << 3 },
	{ PORT_D, (1u << 0) | (1u << 1) | (1u << 8) | (1u << 9) | (1u << 10) | (1u << 14) | (1u << 15) },
	{ PORT_E, (1u << 0) | (1u << 1) | (0x1FFu << 7) },
	{ PORT_F, 0x3Fu | (0x1Fu << 11) },
	{ PORT_G, (1u << 0) | (1u << 1) | (1u << 4) | (1u << 5) | (1u << 8) | (1u << 15) },
	{ PORT_H, (1u << 3) | (1u << 5) },
};

static int sdram_command(uint32_t command)
{
	if (!wait_for(&FMC_SDSR, FMC_SDSR_BUSY, 0))
		return 0;
	FMC_SDCMR = command;
	return wait_for(&FMC_SDSR, FMC_SDSR_BUSY, 0);
}

/* SDRAM at SDCLK = HCLK / 2 = 108 MHz (9.26 ns): 4096 rows refreshed every 64 ms. */
static uint32_t sdram_init(void)
{
	unsigned i;
	int pin;
	RCC_AHB3ENR |= RCC_AHB3ENR_FMCEN;
	for (i = 0; i < sizeof(sdram_pins) / sizeof(sdram_pins[0]); i++) {
		RCC_AHB1ENR |= RCC_AHB1ENR_GPIOEN(sdram_pins[i].port);
		(void)RCC_AHB1ENR;
		for (pin = 0; pin < 16; pin++)
			if (sdram_pins[i].pins & (1u << pin))
				pin_mode(sdram_pins[i].port, pin, AF12_FMC);
	}
	/* 8 columns, 12 rows, 16-bit bus, 4 banks, CAS latency 2, SDCLK = HCLK/2, read burst, no read pipe delay. */
	FMC_SDCR1 = FMC_SDCR_NC_8 | FMC_SDCR_NR_12 | FMC_SDCR_MWID_16 | FMC_SDCR_NB_4 | FMC_SDCR_CAS(2) |
		FMC_SDCR_SDCLK_HCLK_2 | FMC_SDCR_RBURST | FMC_SDCR_RPIPE(0);
	/* In SDCLK cycles: load mode to active 2 (tMRD), exit self-refresh 7 (tXSR 70 ns), self-refresh
	   4 (tRAS 42 ns), row cycle 7 (tRC 63 ns), write recovery 2 (tWR), precharge 2 (tRP 15 ns), row to
	   column 2 (tRCD 15 ns). */
	FMC_SDTR1 = FMC_SDTR_TMRD(2) | FMC_SDTR_TXSR(7) | FMC_SDTR_TRAS(4) | FMC_SDTR_TRC(7) | FMC_SDTR_TWR(2) |
		FMC_SDTR_TRP(2) | FMC_SDTR_TRCD(2);
	/* The JEDEC start-up: clock on, >= 100 us, precharge all, 8 auto-refreshes, mode register. */
	if (!sdram_command(FMC_SDCMR_MODE_CLOCK_ENABLE | FMC_SDCMR_CTB1))
		return INIT_SDRAM_TIMEOUT;
	for (volatile uint32_t d = 0; d < XSML_NOMINAL_HZ / 1000000u * 100u / 4u; d++) /* >= 100 us at 216 MHz */
		;
	if (!sdram_command(FMC_SDCMR_MODE_PALL | FMC_SDCMR_CTB1) ||
			!sdram_command(FMC_SDCMR_MODE_AUTO_REFRESH | FMC_SDCMR_CTB1 | FMC_SDCMR_NRFS(8)) ||
			!sdram_command(FMC_SDCMR_MODE_LOAD_MODE | FMC_SDCMR_CTB1 | FMC_SDCMR_MRD(SDRAM_MODE_BURST_LENGTH_1 |
				SDRAM_MODE_BURST_SEQUENTIAL | SDRAM_MODE_CAS_LATENCY_2 | SDRAM_MODE_OPERATING_STANDARD | SDRAM_MODE_WRITEBURST_SINGLE)))
		return INIT_SDRAM_TIMEOUT;
	/* Refresh every 64 ms / 4096 rows = 15.62 us: 15.62 us x 108 MHz - 20 = 1667 (RM0385 13.7.5). */
	FMC_SDRTR = FMC_SDRTR_COUNT(1667);
	mpu_sdram();
	return 0;
}
#endif

uint32_t stm32_system_init(void)
{
	uint32_t status = clock_init();
	caches_init();
#if STM32_SDRAM
	if (!(status & (INIT_HSE_TIMEOUT | INIT_PLL_TIMEOUT)))
		status |= sdram_init();
	else
		status |= INIT_SDRAM_TIMEOUT;
#endif
	return status;
}

void stm32_console_start(void)
{
#if STM32_CONSOLE == 1
	RCC_AHB1ENR |= RCC_AHB1ENR_GPIOEN(PORT_A) | RCC_AHB1ENR_GPIOEN(PORT_B);
	RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
	(void)RCC_APB2ENR;
	pin_mode(PORT_A, 9, AF7_USART); /* TX */
	pin_mode(PORT_B, 7, AF7_USART); /* RX */
#else
	RCC_AHB1ENR |= RCC_AHB1ENR_GPIOEN(PORT_D);
	RCC_APB1ENR |= RCC_APB1ENR_USART3EN;
	(void)RCC_APB1ENR;
	pin_mode(PORT_D, 8, AF7_USART); /* TX */
	pin_mode(PORT_D, 9, AF7_USART); /* RX */
#endif
	/* 16x oversampling: BRR = f_PCLK / baud (54 MHz: 469, 108 MHz: 938); the USART's kernel clock
	   is PCLK after reset (RCC_DCKCFGR2). If the clock did not come up, the core runs on HSI. */
	uint32_t pclk = (stm32_init_status & (INIT_HSE_TIMEOUT | INIT_PLL_TIMEOUT | INIT_OVERDRIVE_TIMEOUT | INIT_OVERDRIVE_SWITCH_TIMEOUT))
		? 16000000u /* still on HSI, prescalers 1 */ : CONSOLE_PCLK_HZ;
	F7_USART_BRR(CONSOLE_USART) = (pclk + 115200u / 2u) / 115200u;
	F7_USART_CR1(CONSOLE_USART) = F7_USART_CR1_UE | F7_USART_CR1_TE | F7_USART_CR1_RE;
}

void stm32_console_putc(char c)
{
	for (uint32_t i = 0; i < WAIT_POLLS && !(F7_USART_ISR(CONSOLE_USART) & F7_USART_ISR_TXE); i++)
		;
	F7_USART_TDR(CONSOLE_USART) = (uint8_t)c;
}
