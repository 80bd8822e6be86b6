// Runs a Plan in TypeScript: the reference executor, used on Node and wherever no native executor
// is installed. Inputs and outputs are typed-array views into the caller's arena.

import { XsmlError } from './errors.js';
import { DType, dtypeName, releaseGraph, tensorOf, type Model, type Tensor } from './model/model.js';
import { typescriptExecutor, type Executor, type ExecutorFactory } from './executor.js';
import { ARENA_ALIGNMENT, planModel, type Plan, type PlanOptions, type PlanSummary } from './planner.js';

export type TensorData = Float32Array | Int8Array | Uint8Array | Int16Array | Int32Array | Uint16Array | Uint32Array;

export interface TensorView {
  readonly index: number;
  readonly name: string;
  readonly dtype: string; // 'float32', 'int8', ...
  readonly shape: number[];
  readonly data: TensorData; // a view into the arena (or the model, for a constant output)
  readonly quant: { scale: number; zeroPoint: number } | null;
}

export interface InterpreterOptions extends PlanOptions {
  /** The arena: all activations live here. Default: a new one of exactly plan.arenaBytes. */
  arena?: Uint8Array;
  /** What runs the plan: the TypeScript kernels by default; a host may install native ones. */
  executor?: ExecutorFactory;
}

export class Interpreter {
  readonly model: Model;
  /** Its plan's sizes and options; planModel(plan.model, plan) gives the records, ops and tensor offsets again. */
  readonly plan: PlanSummary;
  readonly arena: Uint8Array;
  readonly inputs: TensorView[];
  readonly outputs: TensorView[];
  readonly executor: Executor;
  /** Runs every op once. Allocates nothing. (The executor's runAll: no lookups between the call and the kernels.) */
  readonly invoke: () => void;

  constructor(model: Model, options: InterpreterOptions = {}) {
    this.model = model;
    const plan = planModel(model, options);
    const need = plan.arenaBytes;
    const arena = options.arena ?? newArena(model.name, need);
    if (arena.byteLength < need) {
      throw new XsmlError(`${model.name}: arena of ${arena.byteLength} bytes is too small: the model needs ${need} bytes`, 'ARENA_TOO_SMALL');
    }
    if (arena.byteOffset % ARENA_ALIGNMENT !== 0) {
      throw new XsmlError(`${model.name}: arena must start on a ${ARENA_ALIGNMENT}-byte boundary (byteOffset is ${arena.byteOffset})`, 'BAD_ARGUMENT');
    }
    if (model.bytes.byteOffset % 4 !== 0) {
      throw new XsmlError(`${model.name}: model bytes must start on a 4-byte boundary (byteOffset is ${model.bytes.byteOffset})`, 'BAD_ARGUMENT');
    }
    this.arena = arena;
    // What stays of the plan: its sizes. The executor holds the records it runs.
    this.plan = {
      model, exactWith: plan.exactWith, preserveInputs: !!options.preserveInputs, rounding: plan.rounding,
      arenaBytes: plan.arenaBytes, persistentBytes: plan.persistentBytes,
    };
    this.reset();
    this.executor = (options.executor ?? typescriptExecutor)(plan, arena, model.bytes);
    this.invoke = this.executor.runAll;
    this.inputs = model.inputs.map((i) => new View(model, i, plan, arena));
    this.outputs = model.outputs.map((i) => new View(model, i, plan, arena));
    // Planned: the tensor and operator objects are not needed to run (model.tensors reads them again if asked).
    releaseGraph(model);
  }

  /** Zeroes the state stateful ops keep between invokes (the arena's persistent part), as at creation. */
  reset(): void {
    const end = this.plan.arenaBytes;
    this.arena.fill(0, end - this.plan.persistentBytes, end);
  }

  /** Runs ops [from, to) (indices into plan.ops); for per-op timing. */
  invokeOps(from: number, to: number): void {
    this.executor.run(from, to);
  }
}

/**
 * An input or output: its data, and the model to read the rest from when asked (on XS every
 * property, array and string an interpreter keeps is heap for as long as it lives).
 */
class View implements TensorView {
  readonly data: TensorData;

  constructor(private readonly model: Model, readonly index: number, plan: Plan, arena: Uint8Array) {
    const t = model.tensors[index];
    const offset = plan.tensorOffsets[index];
    this.data = typedView(t.data ?? arena.subarray(offset, offset + t.bytes), t);
  }

  get name(): string { return tensorOf(this.model, this.index).name; }
  get dtype(): string { return dtypeName(tensorOf(this.model, this.index).type); }
  get shape(): number[] { return tensorOf(this.model, this.index).shape.slice(); }
  get quant(): { scale: number; zeroPoint: number } | null {
    const q = tensorOf(this.model, this.index).quant;
    return q && q.scale.length === 1 ? { scale: q.scale[0], zeroPoint: q.zeroPoint[0] } : null;
  }
}

function newArena(name: string, bytes: number): Uint8Array {
  try {
    return new Uint8Array(bytes);
  } catch (e) {
    throw new XsmlError(`${name}: cannot allocate an arena of ${bytes} bytes (${(e as Error).message}): the model needs ${bytes} bytes; pass options.arena`, 'ARENA_TOO_SMALL');
  }
}

const UINT32 = 15, UINT16 = 16; // TensorType codes

function typedView(bytes: Uint8Array, t: Tensor): TensorData {
  const { buffer, byteOffset } = bytes;
  switch (t.type) {
    case DType.FLOAT32: return new Float32Array(buffer, byteOffset, t.elements);
    case DType.INT8: return new Int8Array(buffer, byteOffset, t.elements);
    case DType.UINT8: case DType.BOOL: return new Uint8Array(buffer, byteOffset, t.elements);
    case DType.INT16: return new Int16Array(buffer, byteOffset, t.elements);
    case DType.INT32: return new Int32Array(buffer, byteOffset, t.elements);
    case UINT16: return new Uint16Array(buffer, byteOffset, t.elements);
    case UINT32: return new Uint32Array(buffer, byteOffset, t.elements);
    default: throw new XsmlError(`tensor #${t.index} ${JSON.stringify(t.name)}: type ${dtypeName(t.type)} cannot be an input or output`, 'UNSUPPORTED_FEATURE');
  }
}
