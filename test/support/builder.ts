// Builds small TFLite (or Circle) models with the flatbuffers library: one-op models for the golden
// tests, and broken ones for the error tests. Field slots follow tflite_schema.fbs.
import { Builder } from 'flatbuffers';

export type OptionField =
  | [slot: number, kind: 'i8' | 'i32' | 'f32' | 'bool', value: number | boolean]
  | [slot: number, kind: 'i32[]', value: number[]];

export interface TensorSpec {
  name?: string;
  type: number; // TensorType code
  shape: number[];
  data?: Uint8Array; // constant bytes
  quant?: { scale: number[]; zeroPoint: number[]; axis?: number };
}

export interface OpSpec {
  code: number; // BuiltinOperator
  version?: number;
  customName?: string;
  customOptions?: Uint8Array; // a custom op's options (FlexBuffers bytes)
  inputs: number[];
  outputs: number[];
  optionsType?: number; // BuiltinOptions union type
  options?: OptionField[];
}

export interface ModelSpec {
  tensors: TensorSpec[];
  inputs: number[];
  outputs: number[];
  ops: OpSpec[];
  identifier?: 'TFL3' | 'CIR0';
}

function intVector(b: Builder, values: number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
  return b.endVector();
}

function floatVector(b: Builder, values: number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
  return b.endVector();
}

function longVector(b: Builder, values: number[]): number {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i]));
  return b.endVector();
}

function offsetVector(b: Builder, offsets: number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}

function optionsTable(b: Builder, fields: OptionField[]): number {
  const vectors = new Map<number, number>();
  for (const f of fields) if (f[1] === 'i32[]') vectors.set(f[0], intVector(b, f[2] as number[]));
  b.startObject(Math.max(1, ...fields.map((f) => f[0] + 1)));
  for (const [slot, kind, value] of fields) {
    if (kind === 'i8') b.addFieldInt8(slot, value as number, 0);
    else if (kind === 'bool') b.addFieldInt8(slot, value ? 1 : 0, 0);
    else if (kind === 'i32') b.addFieldInt32(slot, value as number, 0);
    else if (kind === 'f32') b.addFieldFloat32(slot, value as number, 0);
    else b.addFieldOffset(slot, vectors.get(slot)!, 0);
  }
  return b.endObject();
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const b = new Builder(1024);
  b.forceDefaults(true);

  // Buffers: 0 is the empty sentinel; each constant tensor gets its own.
  const bufferOffsets: number[] = [];
  b.startObject(1);
  bufferOffsets.push(b.endObject());
  const tensorBuffer: number[] = [];
  for (const t of spec.tensors) {
    if (t.data) {
      b.startVector(1, t.data.length, 16);
      for (let i = t.data.length - 1; i >= 0; i--) b.addInt8(t.data[i]);
      const data = b.endVector();
      b.startObject(1);
      b.addFieldOffset(0, data, 0);
      tensorBuffer.push(bufferOffsets.length);
      bufferOffsets.push(b.endObject());
    } else {
      tensorBuffer.push(0);
    }
  }

  const tensors = spec.tensors.map((t, i) => {
    const name = b.createString(t.name ?? `t${i}`);
    const shape = intVector(b, t.shape);
    let quant = 0;
    if (t.quant) {
      const scale = floatVector(b, t.quant.scale);
      const zp = longVector(b, t.quant.zeroPoint);
      b.startObject(7);
      b.addFieldOffset(2, scale, 0);
      b.addFieldOffset(3, zp, 0);
      b.addFieldInt32(6, t.quant.axis ?? 0, 0);
      quant = b.endObject();
    }
    b.startObject(5);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type, 0);
    b.addFieldInt32(2, tensorBuffer[i], 0);
    b.addFieldOffset(3, name, 0);
    if (quant) b.addFieldOffset(4, quant, 0);
    return b.endObject();
  });

  // Operator codes: one per distinct (code, version, custom name).
  const codeKeys: string[] = [];
  const codes: OpSpec[] = [];
  const opcodeIndex = spec.ops.map((op) => {
    const key = `${op.code}/${op.version ?? 1}/${op.customName ?? ''}`;
    let i = codeKeys.indexOf(key);
    if (i < 0) { i = codeKeys.length; codeKeys.push(key); codes.push(op); }
    return i;
  });
  const opcodeOffsets = codes.map((op) => {
    const custom = op.customName ? b.createString(op.customName) : 0;
    b.startObject(4);
    b.addFieldInt8(0, Math.min(op.code, 127), 0);
    if (custom) b.addFieldOffset(1, custom, 0);
    b.addFieldInt32(2, op.version ?? 1, 1);
    b.addFieldInt32(3, op.code, 0);
    return b.endObject();
  });

  const ops = spec.ops.map((op, i) => {
    const inputs = intVector(b, op.inputs);
    const outputs = intVector(b, op.outputs);
    const options = op.options ? optionsTable(b, op.options) : 0;
    let custom = 0;
    if (op.customOptions) {
      b.startVector(1, op.customOptions.length, 1);
      for (let i = op.customOptions.length - 1; i >= 0; i--) b.addInt8(op.customOptions[i]);
      custom = b.endVector();
    }
    b.startObject(custom ? 6 : 5);
    b.addFieldInt32(0, opcodeIndex[i], 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    if (options) {
      b.addFieldInt8(3, op.optionsType ?? 0, 0);
      b.addFieldOffset(4, options, 0);
    }
    if (custom) b.addFieldOffset(5, custom, 0);
    return b.endObject();
  });

  const tensorVec = offsetVector(b, tensors);
  const inputs = intVector(b, spec.inputs);
  const outputs = intVector(b, spec.outputs);
  const opVec = offsetVector(b, ops);
  const subgraphName = b.createString('main');
  b.startObject(5);
  b.addFieldOffset(0, tensorVec, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  b.addFieldOffset(3, opVec, 0);
  b.addFieldOffset(4, subgraphName, 0);
  const subgraph = b.endObject();

  const subgraphs = offsetVector(b, [subgraph]);
  const opcodes = offsetVector(b, opcodeOffsets);
  const buffers = offsetVector(b, bufferOffsets);
  const description = b.createString('xsml test model');
  b.startObject(5);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, opcodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffers, 0);
  const model = b.endObject();
  b.finish(model, spec.identifier ?? 'TFL3');
  // Copy out of the builder's buffer so the model starts at offset 0 of its own ArrayBuffer.
  return b.asUint8Array().slice();
}

/** Raw little-endian bytes of numbers in a tensor type. */
export function bytesOf(type: number, values: ArrayLike<number>): Uint8Array {
  switch (type) {
    case 0: return new Uint8Array(Float32Array.from(values).buffer);
    case 2: return new Uint8Array(Int32Array.from(values).buffer);
    case 3: return Uint8Array.from(values);
    case 7: return new Uint8Array(Int16Array.from(values).buffer);
    case 9: return new Uint8Array(Int8Array.from(values).buffer);
    case 15: return new Uint8Array(Uint32Array.from(values).buffer);
    case 16: return new Uint8Array(Uint16Array.from(values).buffer);
    default: throw new Error(`bytesOf: type ${type}`);
  }
}
