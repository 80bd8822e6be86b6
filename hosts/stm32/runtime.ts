// The xsml runtime as the STM32 firmware runs it: only what an app on the native executor uses
// (load, plan, the interpreter, the native executor). rollup bundles it into one IIFE script
// defining the global `xsml` and, with hosts/stm32/rollup.config.mjs, swaps the operator registry
// (src/ops/index.ts) for one with only the ops the app's models use and no TypeScript kernels:
// every byte of it costs the XS heap RAM on a board (hosts/stm32/README.md).
export { loadModel } from '../../src/model/model.js';
export { Interpreter } from '../../src/interpreter.js';
export { nativeExecutor, type NativeExecutor } from '../xs/native-executor.js';
