// The native executor on XS (desktop and boards): the plan is checked and copied into C once, then
// every run is ONE call into native/executor.c (xsml_plan_run), which loops over the ops in C.
// The executor is the plan's handle itself (a host object: no property of its own), its methods on
// a prototype; invoke is a host function that reaches the plan through its closure slot, so that
// no global lookup (`xsmlNative`) or property get (`.run`), ~1,250 instructions on the Cortex-M4F,
// comes between the call and C.
import { XsmlError, type Executor, type ExecutorFactory } from '../../src/index.js';

export interface NativeExecutor extends Executor {
  /**
   * Nanoseconds spent inside the C kernels, by every native plan, since the first call, which
   * returns 0 and starts the timing (for reports: the C share of invoke).
   */
  kernelNanoseconds(): number;
}

/**
 * The host functions, fetched once (on XS a global lookup and a property get cost more than the
 * call): set by the first plan, as there is no xsmlNative where no native executor is built in.
 */
let native: typeof xsmlNative;

export const nativeExecutor: ExecutorFactory = (plan, arena, model, words = new Int32Array(0)): NativeExecutor => {
  native ??= xsmlNative;
  let handle: XsmlNativePlan;
  try {
    handle = native.prepare(plan.program, plan.refBytes, arena, model, plan.rounding === 'single' ? 0 : 1, words);
  } catch (e) {
    throw new XsmlError(`${plan.model.name}: the native executor rejects the plan: ${(e as Error).message}`, 'PLAN_REJECTED');
  }
  const executor = Object.setPrototypeOf(handle, NativePlan.prototype) as NativePlan;
  if (!native.pinned(handle)) {
    // Pools that may move (ArrayBuffers in the XS heap): every run passes them.
    executor.arena = arena;
    executor.model = model;
    executor.count = plan.ops.length;
  }
  return executor;
};

/**
 * The prototype of a plan's handle. Pinned pools (host buffers) were taken once, by prepare: a run
 * passes none, and runAll is the host function runner makes. Pools that may move are kept on the
 * handle and passed to every run.
 */
class NativePlan implements NativeExecutor {
  declare readonly name: string;
  declare arena?: Uint8Array;
  declare model?: Uint8Array;
  declare count?: number;

  /** A new function each time (the interpreter takes one, as invoke). */
  get runAll(): () => void {
    const plan = this as unknown as XsmlNativePlan;
    return this.arena ? () => native.run(plan, 0, this.count!, this.arena, this.model) : native.runner(plan);
  }

  run(from: number, to: number): void {
    native.run(this as unknown as XsmlNativePlan, from, to, this.arena, this.model);
  }

  word(i: number): number {
    return native.word(this as unknown as XsmlNativePlan, i);
  }

  kernelNanoseconds(): number {
    return native.runNanoseconds();
  }
}
Object.defineProperty(NativePlan.prototype, 'name', { value: 'native' }); // a value, not a getter: no function object
