// Runs a Plan in TypeScript: the reference executor, used on Node and wherever no native executor
// is installed. Inputs and outputs are typed-array views into the caller's arena.

import { XsmlError } from './errors.js';
import { DType, dtypeName, releaseGraph, tensorOf, type Model, type Tensor } from './model/model.js';
import { typescriptExecutor, type Executor, type ExecutorFactory } from './executor.js';
import { ARENA_ALIGNMENT, planModel, type PlanOptions, type PlanSummary } from './planner.js';

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

/** The words an interpreter keeps with its plan (Executor.word): its sizes, options and tensor offsets. */
const ARENA_BYTES = 0, PERSISTENT_BYTES = 1, OPTIONS = 2, INPUT_COUNT = 3, OFFSETS = 4; // then the inputs' offsets, then the outputs'
const EXACT_WITH_TFLM = 1, PRESERVE_INPUTS = 2, ROUNDING_DOUBLE = 4; // OPTIONS bits

/**
 * An interpreter is four properties: on XS each is a 16-byte slot for as long as it lives, and every
 * object, array and string more, so the rest is asked for: its plan's sizes and options and its
 * inputs' and outputs' offsets are words the executor keeps with the records (in C memory for the
 * native one), and `plan`, `inputs` and `outputs` are made anew each time they are read.
 */
export class Interpreter {
  /**
   * Runs every op once. Allocates nothing. The executor's runAll: no lookups between the call and the
   * kernels. The first property: XS finds a property by walking the object's list from its first.
   */
  readonly invoke: () => void;
  readonly model: Model;
  readonly arena: Uint8Array;
  readonly executor: Executor;

  constructor(model: Model, options: InterpreterOptions = {}) {
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
    const inputs = model.inputs, outputs = model.outputs;
    const words = new Int32Array(OFFSETS + inputs.length + outputs.length);
    words[ARENA_BYTES] = plan.arenaBytes;
    words[PERSISTENT_BYTES] = plan.persistentBytes;
    words[OPTIONS] = (plan.exactWith === 'tflm' ? EXACT_WITH_TFLM : 0) | (options.preserveInputs ? PRESERVE_INPUTS : 0) |
      (plan.rounding === 'double' ? ROUNDING_DOUBLE : 0);
    words[INPUT_COUNT] = inputs.length;
    [...inputs, ...outputs].forEach((t, k) => { words[OFFSETS + k] = plan.tensorOffsets[t]; });
    this.model = model;
    this.arena = arena;
    this.executor = (options.executor ?? typescriptExecutor)(plan, arena, model.bytes, words);
    this.invoke = this.executor.runAll;
    this.reset();
    // Planned: the tensor and operator objects are not needed to run (model.tensors reads them again if asked).
    releaseGraph(model);
  }

  /** Its plan's sizes and options (a new object each time); planModel(plan.model, plan) gives the records, ops and tensor offsets again. */
  get plan(): PlanSummary {
    const word = (i: number) => this.executor.word(i);
    const options = word(OPTIONS);
    return {
      model: this.model, exactWith: options & EXACT_WITH_TFLM ? 'tflm' : 'tflite', preserveInputs: (options & PRESERVE_INPUTS) !== 0,
      rounding: options & ROUNDING_DOUBLE ? 'double' : 'single', arenaBytes: word(ARENA_BYTES), persistentBytes: word(PERSISTENT_BYTES),
    };
  }

  /** The model's inputs: views into the arena (a new array of new views each time). */
  get inputs(): TensorView[] {
    return this.views(this.model.inputs, OFFSETS);
  }

  /** The model's outputs: views into the arena, or the model for a constant one (a new array of new views each time). */
  get outputs(): TensorView[] {
    return this.views(this.model.outputs, OFFSETS + this.executor.word(INPUT_COUNT));
  }

  /** Zeroes the state stateful ops keep between invokes (the arena's persistent part), as at creation. */
  reset(): void {
    const end = this.executor.word(ARENA_BYTES);
    this.arena.fill(0, end - this.executor.word(PERSISTENT_BYTES), end);
  }

  /** Runs ops [from, to) (indices into plan.ops); for per-op timing. */
  invokeOps(from: number, to: number): void {
    this.executor.run(from, to);
  }

  private views(tensors: number[], first: number): TensorView[] {
    return tensors.map((index, k) => new View(tensorOf(this.model, index), this.arena, this.executor.word(first + k)));
  }
}

/** An input or output, made when asked for: its tensor (read from the model) and its data. */
class View implements TensorView {
  readonly data: TensorData;

  constructor(private readonly tensor: Tensor, arena: Uint8Array, offset: number) {
    this.data = typedView(tensor.data ?? arena.subarray(offset, offset + tensor.bytes), tensor);
  }

  get index(): number { return this.tensor.index; }
  get name(): string { return this.tensor.name; }
  get dtype(): string { return dtypeName(this.tensor.type); }
  get shape(): number[] { return this.tensor.shape.slice(); }
  get quant(): { scale: number; zeroPoint: number } | null {
    const q = this.tensor.quant;
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
