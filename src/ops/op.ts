// What an operator is to xsml: a prepare step that checks everything and reduces the op to a
// kernel id, the tensors that kernel touches and integer parameters; and kernels that run from
// the plan without checking or allocating anything.
//
// An op record in the plan (Int32Array), read identically by the TypeScript kernels and the C ones:
//   [kernel id, tensor count T, record length L, pool0, byte offset0, ..., pool(T-1), offset(T-1), params...]
// pool is POOL_ARENA, POOL_MODEL (constant data) or NO_TENSOR (an omitted optional input).

import { XsmlError, type XsmlErrorCode } from '../errors.js';
import type { Table } from '../model/flatbuffer.js';
import { dtypeName, type Model, type Operator, type Tensor } from '../model/model.js';
import { quantizeMultiplier, type ExactWith, type Requantize, type Rounding } from './quant.js';

export const RECORD_HEADER = 3;
export const POOL_ARENA = 0;
export const POOL_MODEL = 1;
export const NO_TENSOR = -1;

/** The typed views a kernel reads and writes, one per pool, indexed by the pool id in the plan. */
export interface Memory {
  i8: Int8Array[];
  u8: Uint8Array[];
  i16: Int16Array[];
  i32: Int32Array[];
  f32: Float32Array[];
  /** The plan itself seen as float32, for float parameters stored as bits. */
  planF32: Float32Array;
  /** MultiplyByQuantizedMultiplier in the plan's rounding mode. */
  requantize: Requantize;
}

/** Runs one op record starting at plan[at]. Must not allocate. */
export type Kernel = (plan: Int32Array, at: number, mem: Memory) => void;

export interface PreparedOp {
  kernel: number; // a KernelId
  tensors: (Tensor | null)[]; // what the kernel addresses, in the order its record lists them
  params: number[]; // int32 parameters (floats as floatBits)
  scratchBytes?: number; // arena scratch for this op only; appended as the last tensor ref
  /**
   * Arena bytes this op keeps between invokes (state): never reused by other tensors, zeroed when
   * the interpreter is created and by reset(). Appended as a tensor ref after the scratch ref.
   */
  persistentBytes?: number;
  /**
   * [output, input, lag]: indices into `tensors` and a byte count (default 0). The output may start
   * `lag` bytes below that input's arena offset when the input's last use is this op (it dies here).
   * The kernels (TypeScript and C, every code path) give the same bits with the output there: at
   * exactly the input's address for lag 0; for lag > 0 at any L >= lag bytes below it (the planner
   * rounds lag up to ARENA_ALIGNMENT). A lag > 0 comes from the order the kernels write in (see
   * windowLag in conv-2d.ts): every byte written so far ends at or before the first input byte still
   * to be read.
   */
  shares?: [output: number, input: number, lag?: number];
}

export interface OpDefinition {
  code: number; // BuiltinOperator code (32, CUSTOM, for a custom op)
  name: string; // the builtin's name, or the custom op's custom_code, by which it is found
  custom?: boolean; // a custom op: registered in CUSTOM_OPERATORS by name
  maxVersion: number; // highest op version whose semantics this implementation covers
  prepare(ctx: OpContext): PreparedOp;
}

/** The values a zero point may take, by TensorType: those of the quantized type itself. */
const ZERO_POINT_RANGE: Record<number, [number, number]> = { 3: [0, 255], 7: [-32768, 32767], 9: [-128, 127] };

/** Everything prepare may look at, with errors that name the model, op and tensor. */
export class OpContext {
  constructor(readonly model: Model, readonly op: Operator, readonly exactWith: ExactWith) {}

  /** The rounding of the plan's requantizer (Memory.requantize): single for 'tflite', double for 'tflm'. */
  get rounding(): Rounding {
    return this.exactWith === 'tflite' ? 'single' : 'double';
  }

  /** QuantizeMultiplier in the plan's rounding mode. */
  quantizeMultiplier(real: number): { multiplier: number; shift: number } {
    return quantizeMultiplier(real, this.rounding);
  }

  get where(): string {
    const op = this.op;
    return `${this.model.name}: op #${op.index} ${op.opcode.name} (version ${op.opcode.version})`;
  }

  /** Fails with INVALID_MODEL (or the code given): the op as the model states it cannot be right. */
  fail(message: string, code: XsmlErrorCode = 'INVALID_MODEL'): never {
    throw new XsmlError(`${this.where}: ${message}`, code);
  }

  /** Fails with UNSUPPORTED_FEATURE: a valid use of the op that xsml does not run. */
  unsupported(message: string): never {
    this.fail(message, 'UNSUPPORTED_FEATURE');
  }

  describe(t: Tensor): string {
    return `tensor #${t.index} ${JSON.stringify(t.name)} (${dtypeName(t.type)}[${t.shape.join(',')}])`;
  }

  get inputCount(): number { return this.op.inputs.length; }
  get outputCount(): number { return this.op.outputs.length; }

  /** Fails unless the op has between min and max inputs, and exactly `outputs` outputs. */
  expectArity(minInputs: number, maxInputs: number, outputs: number): void {
    const n = this.op.inputs.length;
    if (n < minInputs || n > maxInputs) {
      this.fail(`expected ${minInputs === maxInputs ? minInputs : `${minInputs} to ${maxInputs}`} inputs, got ${n}`);
    }
    if (this.op.outputs.length !== outputs) this.fail(`expected ${outputs} outputs, got ${this.op.outputs.length}`);
  }

  input(i: number): Tensor {
    const t = this.optionalInput(i);
    if (!t) this.fail(`input ${i} is required but missing`);
    return t;
  }

  optionalInput(i: number): Tensor | null {
    const index = this.op.inputs[i];
    return index === undefined || index < 0 ? null : this.model.tensors[index];
  }

  output(i: number): Tensor {
    const index = this.op.outputs[i];
    if (index === undefined) this.fail(`output ${i} is missing`);
    return this.model.tensors[index];
  }

  /** The builtin options table, checked to be of the expected union type (see BuiltinOptions). */
  options(unionType: number, unionName: string): Table | null {
    const { optionsType, options } = this.op;
    if (options && optionsType !== unionType) {
      this.fail(`builtin options are of union type ${optionsType}, expected ${unionName} (${unionType})`);
    }
    return options;
  }

  expectType(t: Tensor, what: string, ...types: number[]): void {
    if (!types.includes(t.type)) {
      this.unsupported(`${what} ${this.describe(t)} has type ${dtypeName(t.type)}, expected ${types.map(dtypeName).join(' or ')}`);
    }
  }

  expectSameType(a: Tensor, b: Tensor, what: string): void {
    if (a.type !== b.type) this.fail(`${what}: ${this.describe(a)} and ${this.describe(b)} must have the same type`);
  }

  expectRank(t: Tensor, what: string, rank: number): void {
    if (t.shape.length !== rank) this.fail(`${what} ${this.describe(t)} must have rank ${rank}`);
  }

  /** Fails unless every dimension is at least 1 (the op's kernels do not take empty tensors). */
  expectNonEmpty(t: Tensor, what: string): void {
    if (t.shape.some((d) => d === 0)) this.unsupported(`${what} ${this.describe(t)} is empty (a dimension is 0), which ${this.op.opcode.name} does not support`);
  }

  expectConstant(t: Tensor, what: string): void {
    if (!t.data) this.fail(`${what} ${this.describe(t)} must be constant (stored in the model)`);
  }

  /** Fails unless the model's declared output shape equals what the op computes. */
  expectShape(t: Tensor, what: string, shape: number[]): void {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      this.fail(`${what} ${this.describe(t)} should have shape [${shape.join(',')}]`);
    }
  }

  /**
   * Per-tensor quantization (scale, zero point); fails if the tensor has none, if the scale is not
   * positive, or if the zero point is not a value of the tensor's integer type.
   */
  quant(t: Tensor, what: string): { scale: number; zeroPoint: number } {
    const q = t.quant;
    if (!q) this.fail(`${what} ${this.describe(t)} has no quantization parameters`);
    if (!(q.scale[0] > 0) || !Number.isFinite(q.scale[0])) this.fail(`${what} ${this.describe(t)} has scale ${q.scale[0]}, expected a positive number`);
    const range = ZERO_POINT_RANGE[t.type];
    const zeroPoint = q.zeroPoint[0];
    if (range && !(Number.isInteger(zeroPoint) && zeroPoint >= range[0] && zeroPoint <= range[1])) {
      this.fail(`${what} ${this.describe(t)} has zero point ${zeroPoint}, expected an integer in [${range[0]}, ${range[1]}]`);
    }
    return { scale: q.scale[0], zeroPoint };
  }
}
