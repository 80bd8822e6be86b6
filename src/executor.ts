// Executors run a Plan's op records over the arena and the model bytes. The TypeScript one here
// runs anywhere; a host with native kernels (the XS hosts) installs its own through the same
// interface, and then one invoke is one call into C.
import { KERNELS } from './ops/index.js';
import type { Memory } from './ops/op.js';
import { requantizerFor } from './ops/quant.js';
import type { Plan } from './planner.js';

export interface Executor {
  /** What runs the kernels, for reports: 'typescript', 'native', ... */
  readonly name: string;
  /** Runs ops [from, to) of plan.ops. Allocates nothing. */
  run(from: number, to: number): void;
  /**
   * Runs every op: Interpreter.invoke itself, so a closure over what it needs (on XS every property
   * read and call level costs hundreds of instructions, more than a small model's kernels).
   */
  readonly runAll: () => void;
  /** Word i of the factory's `words`: what the interpreter keeps with the plan. */
  word(i: number): number;
}

/**
 * Makes the executor of one plan; checks whatever it needs to once, here. `words` are numbers the
 * interpreter keeps with the plan (its sizes and options, its inputs' and outputs' offsets; none
 * when the executor is made without an interpreter): the executor holds them with its records (the
 * native one in C memory) and gives them back by word().
 */
export type ExecutorFactory = (plan: Plan, arena: Uint8Array, model: Uint8Array, words?: Int32Array) => Executor;

export const typescriptExecutor: ExecutorFactory = (plan, arena, model, words = new Int32Array(0)) => {
  const memory = memoryOf([arena, model], plan);
  const program = plan.program;
  const starts = Int32Array.from(plan.ops, (op) => op.recordStart);
  const run = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const at = starts[i];
      KERNELS[program[at]](program, at, memory);
    }
  };
  const count = starts.length;
  return { name: 'typescript', run, runAll: () => run(0, count), word: (i) => words[i] };
};

function memoryOf(pools: Uint8Array[], plan: Plan): Memory {
  const program = plan.program;
  const whole = (n: number, p: Uint8Array) => [p.buffer, p.byteOffset, Math.floor(p.byteLength / n)] as const;
  return {
    i8: pools.map((p) => new Int8Array(p.buffer, p.byteOffset, p.byteLength)),
    u8: pools.map((p) => p),
    i16: pools.map((p) => new Int16Array(...whole(2, p))),
    i32: pools.map((p) => new Int32Array(...whole(4, p))),
    f32: pools.map((p) => new Float32Array(...whole(4, p))),
    planF32: new Float32Array(program.buffer, program.byteOffset, program.length),
    requantize: requantizerFor(plan.rounding),
  };
}
