// Instruction counts on the MPS2 boards, shared by the apps (span() by the STM32 boards' too, over
// their cycle counter). QEMU runs with -icount shift=0, so virtual time counts guest instructions;
// xsmlBoard.instructions() and xsmlBoard.elapsed(start) read it to +-4 instructions
// (hosts/mps2/board/board.c), and span() takes off what an empty measurement counts. An inference costs the same instructions every time it runs; a count of one
// is exact to +-8 (where the counter's ticks fall shifts with the console's output before it).
import type { Interpreter } from '../../../src/index.js';

let zero = 0;

/** Instructions from `start` (an xsmlBoard.instructions() value) to this call, of the code between. */
export function span(start: number): number {
  return xsmlBoard.elapsed(start) - zero;
}

{
  // What `const t = xsmlBoard.instructions(); span(t)` counts with nothing between.
  let least = Infinity;
  for (let i = 0; i < 8; i++) {
    const t = xsmlBoard.instructions();
    const s = span(t); // before anything else is looked up: `Math.min(least, span(t))` would count Math.min's lookup
    least = Math.min(least, s);
  }
  zero = least;
}

/**
 * Instructions of one `interp.invoke()`, the mean of n (each after restore(), which is not
 * counted); the first 100 counts are pushed on `each` if given. The first invoke costs the same as
 * the others: XS has no JIT and QEMU models no cache.
 */
export function invokeInstructions(interp: Interpreter, n: number, restore: () => void, each?: number[]): number {
  let total = 0;
  for (let r = 0; r < n; r++) {
    restore();
    const t = xsmlBoard.instructions();
    interp.invoke();
    const spent = span(t);
    total += spent;
    if (each && r < 100) each.push(spent);
  }
  return total / n;
}

export interface OpProfile {
  op: number;
  name: string;
  instructions: number; // mean per inference
  microseconds: number; // at the nominal clock
  share: number; // of the whole inference's instructions
}

/**
 * Instructions of each op: the mean of `interp.invokeOps(i, i + 1)` over n inferences (inputs
 * restored before each), less what `invokeOps(i, i)` costs (the JS side and the call, no op).
 * The rest of a whole inference's instructions is that fixed cost, paid once per invoke.
 */
export function profileOps(interp: Interpreter, n: number, restore: () => void, perInference: number): OpProfile[] {
  const ops = interp.plan.ops;
  let call = Infinity;
  for (let i = 0; i < 4; i++) {
    const from = 0, to = 0; // locals, as below: an expression inside the span would count
    const t = xsmlBoard.instructions();
    interp.invokeOps(from, to);
    const s = span(t);
    call = Math.min(call, s);
  }
  const sums = ops.map(() => 0);
  for (let r = 0; r < n; r++) {
    restore();
    for (let i = 0; i < ops.length; i++) {
      const from = i, to = i + 1;
      const t = xsmlBoard.instructions();
      interp.invokeOps(from, to);
      const s = span(t);
      sums[i] += s - call;
    }
  }
  const mhz = xsmlBoard.nominalHz / 1e6;
  return ops.map((op, i) => {
    const instructions = Math.round(sums[i] / n);
    return { op: op.index, name: op.name, instructions, microseconds: instructions / mhz, share: perInference > 0 ? instructions / perInference : 0 };
  });
}
