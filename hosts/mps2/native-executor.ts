// The native executor on the boards: hosts/xs/native-executor.ts (the plan checked and copied into
// C once, then ONE call of xsml_plan_run per invoke) with the host functions fetched once per plan.
// On XS a global lookup (`xsmlNative`) and a property get (`.run`) cost ~1,250 instructions on the
// Cortex-M4F, paid on every invoke otherwise: 600 more than the closure variable read here.
import { XsmlError, type ExecutorFactory } from '../../src/index.js';
import type { NativeExecutor } from '../xs/native-executor.js';

export type { NativeExecutor };

export const nativeExecutor: ExecutorFactory = (plan, arena, model): NativeExecutor => {
  const { prepare, run, runNanoseconds } = xsmlNative;
  let handle: XsmlNativePlan;
  try {
    handle = prepare(plan.program, plan.refBytes, arena, model, plan.rounding === 'single' ? 0 : 1);
  } catch (e) {
    throw new XsmlError(`${plan.model.name}: the native executor rejects the plan: ${(e as Error).message}`, 'PLAN_REJECTED');
  }
  return {
    name: 'native',
    run(from: number, to: number): void {
      run(handle, from, to, arena, model);
    },
    kernelNanoseconds(): number {
      return runNanoseconds(handle);
    },
  };
};
