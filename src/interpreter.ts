// Runs a Plan in TypeScript: the reference executor, used on Node and wherever no native executor
// is installed. Inputs and outputs are typed-array views into the caller's arena.

import { XsmlError } from './errors.js';
import { DType, dtypeName, releaseGraph, tensorOf, type Model } from './model/model.js';
import type { Executor, ExecutorFactory } from './executor.js';
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

/**
 * The words an interpreter keeps with its plan (Executor.word): its sizes and options, then per
 * input and then per output three words: its tensor (index * 64 + CONSTANT + type code), the byte
 * offset of its data (in the arena, or in the model for constant data) and its element count.
 */
// Const enums: tsc writes their values in place (on XS a module constant is a slot and a key).
const enum W { ARENA_BYTES = 0, PERSISTENT_BYTES = 1, OPTIONS = 2, OUTPUT_COUNT = 3, TENSORS = 4 }
/** OPTIONS: the input count << 3 | these bits. A tensor's word: index << 6 | CONSTANT | type code. */
const enum B { EXACT_WITH_TFLM = 1, PRESERVE_INPUTS = 2, ROUNDING_DOUBLE = 4, INPUT_COUNT_SHIFT = 3, TYPE_BITS = 31, CONSTANT = 32, INDEX_SHIFT = 6 }

/**
 * What runs a plan when InterpreterOptions.executor is not given: src/index.ts installs the TypeScript
 * kernels. A runtime bundled without them (hosts/stm32/runtime.ts: every function is XS heap on the
 * board) has none, and its applications pass the native executor.
 */
let defaultExecutor: ExecutorFactory | undefined;

export function setDefaultExecutor(factory: ExecutorFactory): void {
  defaultExecutor = factory;
}

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
    const executor = options.executor ?? defaultExecutor;
    if (!executor) throw new XsmlError(`${model.name}: this runtime has no TypeScript kernels: pass options.executor (nativeExecutor)`, 'BAD_ARGUMENT');
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
    const words = new Int32Array(W.TENSORS + 3 * (inputs.length + outputs.length));
    words[W.ARENA_BYTES] = plan.arenaBytes;
    words[W.PERSISTENT_BYTES] = plan.persistentBytes;
    words[W.OPTIONS] = (plan.exactWith === 'tflm' ? B.EXACT_WITH_TFLM : 0) | (options.preserveInputs ? B.PRESERVE_INPUTS : 0) |
      (plan.rounding === 'double' ? B.ROUNDING_DOUBLE : 0) | inputs.length << B.INPUT_COUNT_SHIFT;
    words[W.OUTPUT_COUNT] = outputs.length;
    [...inputs, ...outputs].forEach((index, k) => {
      const t = model.tensors[index];
      if (!arrayOf(t.type)) throw new XsmlError(`tensor #${index} ${JSON.stringify(t.name)}: type ${dtypeName(t.type)} cannot be an input or output`, 'UNSUPPORTED_FEATURE');
      if (index >= 2 ** (31 - B.INDEX_SHIFT)) throw new XsmlError(`${model.name}: input or output tensor #${index}: xsml keeps indices below 2^25`, 'UNSUPPORTED_FEATURE');
      words[W.TENSORS + 3 * k] = index << B.INDEX_SHIFT | (t.data ? B.CONSTANT : 0) | t.type;
      words[W.TENSORS + 3 * k + 1] = t.data ? t.data.byteOffset - model.bytes.byteOffset : plan.tensorOffsets[index];
      words[W.TENSORS + 3 * k + 2] = t.elements;
    });
    this.model = model;
    this.arena = arena;
    this.executor = executor(plan, arena, model.bytes, words);
    this.invoke = this.executor.runAll;
    this.reset();
    // Planned: the tensor and operator objects are not needed to run (model.tensors reads them again if asked).
    releaseGraph(model);
  }

  /** Its plan's sizes and options (a new object each time); planModel(plan.model, plan) gives the records, ops and tensor offsets again. */
  get plan(): PlanSummary {
    const word = (i: number) => this.executor.word(i);
    const options = word(W.OPTIONS);
    return {
      model: this.model, exactWith: options & B.EXACT_WITH_TFLM ? 'tflm' : 'tflite', preserveInputs: (options & B.PRESERVE_INPUTS) !== 0,
      rounding: options & B.ROUNDING_DOUBLE ? 'double' : 'single', arenaBytes: word(W.ARENA_BYTES), persistentBytes: word(W.PERSISTENT_BYTES),
    };
  }

  /** The model's inputs: views into the arena (a new array of new views each time). */
  get inputs(): TensorView[] {
    return views(this, W.TENSORS, this.executor.word(W.OPTIONS) >>> B.INPUT_COUNT_SHIFT);
  }

  /** The model's outputs: views into the arena, or the model for a constant one (a new array of new views each time). */
  get outputs(): TensorView[] {
    return views(this, W.TENSORS + 3 * (this.executor.word(W.OPTIONS) >>> B.INPUT_COUNT_SHIFT), this.executor.word(W.OUTPUT_COUNT));
  }

  /** Zeroes the state stateful ops keep between invokes (the arena's persistent part), as at creation. */
  reset(): void {
    const end = this.executor.word(W.ARENA_BYTES);
    this.arena.fill(0, end - this.executor.word(W.PERSISTENT_BYTES), end);
  }

  /** Runs ops [from, to) (indices into plan.ops); for per-op timing. */
  invokeOps(from: number, to: number): void {
    this.executor.run(from, to);
  }
}

/** Views of the `count` tensors whose words start at `first`. */
function views({ model, arena, executor }: Interpreter, first: number, count: number): TensorView[] {
  const views: TensorView[] = [];
  for (let k = first; k < first + 3 * count; k += 3) {
    const tensor = executor.word(k);
    const pool = tensor & B.CONSTANT ? model.bytes : arena;
    const Data = arrayOf(tensor & B.TYPE_BITS)!;
    views.push(new View(model, tensor, new Data(pool.buffer, pool.byteOffset + executor.word(k + 1), executor.word(k + 2))));
  }
  return views;
}

/** An input or output, made when asked for: its data, and the model to read the rest from when asked. */
class View implements TensorView {
  readonly index: number;
  readonly dtype: string;

  constructor(private readonly model: Model, tensor: number, readonly data: TensorData) {
    this.index = tensor >>> B.INDEX_SHIFT;
    this.dtype = dtypeName(tensor & B.TYPE_BITS);
  }

  get name(): string { return tensorOf(this.model, this.index).name; }
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

type TypedArrayOf = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TensorData;

const UINT32 = 15, UINT16 = 16; // TensorType codes

/** The typed array of a type code an input or output can have. */
function arrayOf(type: number): TypedArrayOf | null {
  switch (type) {
    case DType.FLOAT32: return Float32Array;
    case DType.INT8: return Int8Array;
    case DType.UINT8: case DType.BOOL: return Uint8Array;
    case DType.INT16: return Int16Array;
    case DType.INT32: return Int32Array;
    case UINT16: return Uint16Array;
    case UINT32: return Uint32Array;
    default: return null;
  }
}
