// The xsml runtime as the MPS2 firmware runs it: rollup bundles this module into one IIFE script
// (build/mps2/js/xsml-board.js) that defines the global `xsml`, compiled to byte code on the
// desktop and run before the app's script. The native executor is included: an app uses it when
// the firmware has the native glue (typeof xsmlNative !== 'undefined'): hosts/xs/native-executor.ts.
export * from '../../src/index.js';
export { nativeExecutor, type NativeExecutor } from '../xs/native-executor.js';
