// The runtime bundle's global, for the STM32 app scripts (hosts/stm32/runtime.ts).
declare const xsml: typeof import('../runtime.js');
