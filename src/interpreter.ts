// Runs a Plan in TypeScript: the reference executor, used on Node and wherever no native executor
// is installed. Inputs and outputs are typed-array views into the caller's arena.

import { XsmlError } from './errors.js';
import { DType, dtypeName, type Model, type Tensor } from './model/model.js';
import { KERNELS } from './ops/index.js';
import { RECORD_HEADER, type Memory } from './ops/op.js';
import { requantizerFor } from './ops/quant.js';
import { ARENA_ALIGNMENT, planModel, type Plan, type PlanOptions } from './planner.js';

export type TensorData = Float32Array | Int8Array | Uint8Array | Int16Array | Int32Array;

export interface TensorView {
  index: number;
  name: string;
  dtype: string; // 'float32', 'int8', ...
  shape: number[];
  data: TensorData; // a view into the arena (or the model, for a constant output)
  quant: { scale: number; zeroPoint: number } | null;
}

export interface InterpreterOptions extends PlanOptions {
  /** The arena: all activations live here. Default: a new one of exactly plan.arenaBytes. */
  arena?: Uint8Array;
}

export class Interpreter {
  readonly model: Model;
  readonly plan: Plan;
  readonly arena: Uint8Array;
  readonly inputs: TensorView[];
  readonly outputs: TensorView[];
  private readonly memory: Memory;

  constructor(model: Model, options: InterpreterOptions = {}) {
    this.model = model;
    this.plan = planModel(model, options);
    const need = this.plan.arenaBytes;
    const arena = options.arena ?? new Uint8Array(need);
    if (arena.byteLength < need) {
      throw new XsmlError(`${model.name}: arena of ${arena.byteLength} bytes is too small: the model needs ${need} bytes`);
    }
    if (arena.byteOffset % ARENA_ALIGNMENT !== 0) {
      throw new XsmlError(`${model.name}: arena must start on a ${ARENA_ALIGNMENT}-byte boundary (byteOffset is ${arena.byteOffset})`);
    }
    if (model.bytes.byteOffset % 4 !== 0) {
      throw new XsmlError(`${model.name}: model bytes must start on a 4-byte boundary (byteOffset is ${model.bytes.byteOffset})`);
    }
    this.arena = arena;
    this.memory = memoryOf([arena, model.bytes], this.plan);
    this.inputs = model.inputs.map((i) => this.view(model.tensors[i]));
    this.outputs = model.outputs.map((i) => this.view(model.tensors[i]));
  }

  /** Runs every op once. Allocates nothing. */
  invoke(): void {
    const program = this.plan.program;
    const memory = this.memory;
    const end = program.length;
    for (let at = 0; at < end; at += program[at + 2]) {
      KERNELS[program[at]](program, at, memory);
    }
  }

  /** Runs op records [from, to) (indices into plan.ops); for per-op timing. */
  invokeOps(from: number, to: number): void {
    const program = this.plan.program;
    const ops = this.plan.ops;
    for (let i = from; i < to; i++) {
      const at = ops[i].recordStart;
      KERNELS[program[at]](program, at, this.memory);
    }
  }

  private view(t: Tensor): TensorView {
    const offset = this.plan.tensorOffsets[t.index];
    const bytes = t.data ?? this.arena.subarray(offset, offset + t.bytes);
    return {
      index: t.index,
      name: t.name,
      dtype: dtypeName(t.type),
      shape: t.shape.slice(),
      data: typedView(bytes, t),
      quant: t.quant && t.quant.scale.length === 1 ? { scale: t.quant.scale[0], zeroPoint: t.quant.zeroPoint[0] } : null,
    };
  }
}

function typedView(bytes: Uint8Array, t: Tensor): TensorData {
  const { buffer, byteOffset } = bytes;
  switch (t.type) {
    case DType.FLOAT32: return new Float32Array(buffer, byteOffset, t.elements);
    case DType.INT8: return new Int8Array(buffer, byteOffset, t.elements);
    case DType.UINT8: case DType.BOOL: return new Uint8Array(buffer, byteOffset, t.elements);
    case DType.INT16: return new Int16Array(buffer, byteOffset, t.elements);
    case DType.INT32: return new Int32Array(buffer, byteOffset, t.elements);
    default: throw new XsmlError(`tensor #${t.index} ${JSON.stringify(t.name)}: type ${dtypeName(t.type)} cannot be an input or output`);
  }
}

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

