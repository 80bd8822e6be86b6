// The native executor on XS (desktop and boards): the plan is checked and copied into C once, then
// every run is ONE call into native/executor.c (xsml_plan_run), which loops over the ops in C.
// The host functions are fetched once per plan: on XS a global lookup (`xsmlNative`) and a property
// get (`.run`) cost ~1,250 instructions on the Cortex-M4F, paid on every invoke otherwise.
import { XsmlError, type Executor, type ExecutorFactory } from '../../src/index.js';

export interface NativeExecutor extends Executor {
  /** Nanoseconds spent inside the C kernels so far (for reports: the C share of invoke). */
  kernelNanoseconds(): number;
}

export const nativeExecutor: ExecutorFactory = (plan, arena, model): NativeExecutor => {
  const { prepare, run } = xsmlNative;
  let handle: XsmlNativePlan;
  try {
    handle = prepare(plan.program, plan.refBytes, arena, model, plan.rounding === 'single' ? 0 : 1);
  } catch (e) {
    throw new XsmlError(`${plan.model.name}: the native executor rejects the plan: ${(e as Error).message}`, 'PLAN_REJECTED');
  }
  const count = plan.ops.length;
  // Pools that never move (host buffers) were taken once, by prepare: a call of three arguments.
  const runAll = handle.pinned ? xsmlNative.runner(handle) : () => run(handle, 0, count, arena, model);
  return new NativePlanExecutor(handle, arena, model, runAll);
};

/**
 * One object per plan, its methods on the prototype: on XS each closure is a function object and
 * its scope, each property a slot, all kept as long as the interpreter. runAll is the one closure
 * (Interpreter.invoke: no property reads between the call and C).
 */
class NativePlanExecutor implements NativeExecutor {
  constructor(
    private readonly handle: XsmlNativePlan,
    private readonly arena: Uint8Array,
    private readonly model: Uint8Array,
    readonly runAll: () => void,
  ) {}

  get name(): string { return 'native'; }

  run(from: number, to: number): void {
    xsmlNative.run(this.handle, from, to, this.arena, this.model);
  }

  kernelNanoseconds(): number {
    return xsmlNative.runNanoseconds(this.handle);
  }
}
