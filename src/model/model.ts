// Loads a .tflite ("TFL3") or .circle ("CIR0") model: one pass over the flatbuffer that checks every
// offset, length, index and buffer size, and keeps only metadata. Weights stay in the model bytes;
// a constant tensor's `data` is a view of them, never a copy.

import { XsmlError } from '../errors.js';
import { FlatBuffer, Table } from './flatbuffer.js';
import { BUILTIN_OPERATOR_NAMES, TENSOR_TYPE_NAMES } from './schema-names.js';

/** TensorType codes of the schema that xsml computes with. */
export const DType = {
  FLOAT32: 0,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  BOOL: 6,
  INT16: 7,
  INT8: 9,
} as const;

const DTYPE_BYTES: Record<number, number> = { 0: 4, 1: 2, 2: 4, 3: 1, 4: 8, 6: 1, 7: 2, 9: 1, 10: 8, 12: 8, 15: 4, 16: 2 };

/** Circle's operators with negative builtin codes (Samsung ONE circle_schema.fbs). */
const CIRCLE_OPERATOR_NAMES: Record<number, string> = {
  [-1]: 'BCQ_GATHER_OLD', [-2]: 'INSTANCE_NORM', [-3]: 'BCQ_FULLY_CONNECTED', [-4]: 'BCQ_GATHER', [-5]: 'GRU',
  [-6]: 'RMS_NORM', [-7]: 'ROPE', [-8]: 'RUN_MODEL',
};

export function dtypeName(type: number): string {
  return (TENSOR_TYPE_NAMES[type] ?? `type ${type}`).toLowerCase();
}

/** Bytes per element, or 0 for types xsml cannot size (strings, sub-byte, circle extras). */
export function dtypeBytes(type: number): number {
  return DTYPE_BYTES[type] ?? 0;
}

export interface Quantization {
  scale: number[]; // float32 values, one per channel or one for the tensor
  zeroPoint: number[]; // same length as scale
  axis: number; // quantized_dimension: the channel axis when per-channel
}

export interface Tensor {
  index: number;
  name: string;
  type: number; // TensorType code
  shape: number[];
  elements: number;
  bytes: number; // elements * element size (0 if the type has no fixed size)
  data: Uint8Array | null; // constant data: a view into the model bytes
  quant: Quantization | null;
  isVariable: boolean;
}

export interface OperatorCode {
  code: number; // builtin operator code (negative for circle extensions)
  name: string; // builtin name, or the custom op's name
  custom: boolean;
  version: number;
}

export interface Operator {
  index: number;
  opcode: OperatorCode;
  inputs: number[]; // tensor indices; -1 for an omitted optional input
  outputs: number[];
  optionsType: number; // BuiltinOptions union type, 0 if none
  options: Table | null;
}

export interface Model {
  name: string; // what errors call the model (usually its file name)
  format: 'tflite' | 'circle';
  bytes: Uint8Array;
  version: number;
  description: string;
  subgraphCount: number;
  tensors: Tensor[]; // of the main subgraph (0)
  inputs: number[];
  outputs: number[];
  operators: Operator[];
}

export const TFLITE_IDENTIFIER = 'TFL3';
export const CIRCLE_IDENTIFIER = 'CIR0';

export function loadModel(bytes: Uint8Array, name = 'model'): Model {
  if (!(bytes instanceof Uint8Array)) throw new XsmlError(`${name}: model bytes must be a Uint8Array`);
  const fb = new FlatBuffer(bytes, name);
  const id = fb.identifier();
  if (id !== TFLITE_IDENTIFIER && id !== CIRCLE_IDENTIFIER) {
    const shown = bytes.length < 8 ? `a ${bytes.length}-byte file` : `file identifier ${JSON.stringify(id)}`;
    throw new XsmlError(`${name}: not a TFLite ("TFL3") or Circle ("CIR0") model: ${shown}`);
  }
  const format = id === TFLITE_IDENTIFIER ? 'tflite' : 'circle';
  const root = fb.root();
  const version = root.u32(0, 'version');

  const opcodes = root.tables(1, 'operator_codes').map((t) => readOperatorCode(t, format));
  const buffers = root.tables(4, 'buffers').map((t) => readBuffer(fb, t));
  const subgraphs = root.tables(2, 'subgraphs');
  if (subgraphs.length === 0) fb.fail('subgraphs', 'the model has no subgraph');
  // Every subgraph is verified; only the main one is run.
  let main: ReturnType<typeof readSubgraph> | null = null;
  for (let s = 0; s < subgraphs.length; s++) {
    const g = readSubgraph(fb, subgraphs[s], s, opcodes, buffers);
    if (s === 0) main = g;
  }
  return {
    name, format, bytes, version,
    description: root.string(3, 'description'),
    subgraphCount: subgraphs.length,
    ...main!,
  };
}

function readOperatorCode(t: Table, format: 'tflite' | 'circle'): OperatorCode {
  const deprecated = t.i8(0, 'deprecated_builtin_code');
  const builtin = t.i32(3, 'builtin_code');
  // TFLite takes the larger of the two fields; Circle stores its negative codes in the old byte
  // field unless it holds the "see builtin_code" marker 127.
  const code = format === 'tflite' ? Math.max(deprecated, builtin) : (deprecated === 127 ? builtin : deprecated);
  const customName = t.string(1, 'custom_code');
  const custom = code === 32; // CUSTOM
  const name = custom ? (customName || 'CUSTOM')
    : BUILTIN_OPERATOR_NAMES[code] ?? CIRCLE_OPERATOR_NAMES[code] ?? `operator code ${code}`;
  return { code, name, custom, version: t.i32(2, 'version', 1) };
}

interface BufferSpan { start: number; length: number }

function readBuffer(fb: FlatBuffer, t: Table): BufferSpan {
  const data = t.vectorAt(0, 'data', 1);
  if (data && data.length > 0) return data;
  // Models over 2 GB keep buffers outside the flatbuffer, at an offset from the file's start.
  const offset = t.u64(1, 'offset');
  const size = t.u64(2, 'size');
  if (offset > 1) {
    fb.span(`${t.path} (offset ${offset}, size ${size})`, offset, size);
    return { start: offset, length: size };
  }
  return { start: 0, length: 0 };
}

function checkIndex(fb: FlatBuffer, path: string, index: number, count: number, optional: boolean): void {
  if (optional && index === -1) return;
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    fb.fail(path, `tensor index ${index} is out of range (the subgraph has ${count} tensors)`);
  }
}

function readSubgraph(fb: FlatBuffer, g: Table, s: number, opcodes: OperatorCode[], buffers: BufferSpan[]) {
  const tensors = g.tables(0, 'tensors').map((t, i) => readTensor(fb, t, i, buffers));
  const n = tensors.length;
  const inputs = g.numbers(1, 'inputs', 'i32') ?? [];
  const outputs = g.numbers(2, 'outputs', 'i32') ?? [];
  inputs.forEach((x, i) => checkIndex(fb, `${g.path}.inputs[${i}]`, x, n, false));
  outputs.forEach((x, i) => checkIndex(fb, `${g.path}.outputs[${i}]`, x, n, false));
  const operators = g.tables(3, 'operators').map((t, index): Operator => {
    const opcodeIndex = t.u32(0, 'opcode_index');
    if (opcodeIndex >= opcodes.length) {
      fb.fail(`${t.path}.opcode_index`, `${opcodeIndex} is out of range (the model has ${opcodes.length} operator codes)`);
    }
    const opInputs = t.numbers(1, 'inputs', 'i32') ?? [];
    const opOutputs = t.numbers(2, 'outputs', 'i32') ?? [];
    opInputs.forEach((x, i) => checkIndex(fb, `${t.path}.inputs[${i}]`, x, n, true));
    opOutputs.forEach((x, i) => checkIndex(fb, `${t.path}.outputs[${i}]`, x, n, false));
    const optionsType = t.u8(3, 'builtin_options_type');
    const options = t.table(4, 'builtin_options');
    return { index, opcode: opcodes[opcodeIndex], inputs: opInputs, outputs: opOutputs, optionsType, options };
  });
  void s;
  return { tensors, inputs, outputs, operators };
}

function readTensor(fb: FlatBuffer, t: Table, index: number, buffers: BufferSpan[]): Tensor {
  const path = t.path;
  const name = t.string(3, 'name');
  const type = t.i8(1, 'type');
  const shape = t.numbers(0, 'shape', 'i32') ?? [];
  let elements = 1;
  shape.forEach((d, i) => {
    if (d < 0) fb.fail(`${path}.shape[${i}]`, `dimension ${d} is negative (dynamic shapes are not supported)`);
    elements *= d;
  });
  if (elements > 0x7fffffff) fb.fail(`${path}.shape`, `${elements} elements is too many`);
  const elementBytes = dtypeBytes(type);
  const bytes = elements * elementBytes;

  const bufferIndex = t.u32(2, 'buffer');
  if (bufferIndex >= buffers.length && bufferIndex !== 0) {
    fb.fail(`${path}.buffer`, `buffer index ${bufferIndex} is out of range (the model has ${buffers.length} buffers)`);
  }
  let data: Uint8Array | null = null;
  const span = buffers[bufferIndex];
  if (span && span.length > 0) {
    if (elementBytes > 0 && span.length !== bytes) {
      fb.fail(`${path} (${JSON.stringify(name)})`,
        `constant data has ${span.length} bytes, expected ${bytes} for ${dtypeName(type)}[${shape.join(',')}]`);
    }
    const address = fb.bytes.byteOffset + span.start;
    if (elementBytes > 1 && address % Math.min(elementBytes, 4) !== 0) {
      fb.fail(`${path} (${JSON.stringify(name)})`,
        `constant data at byte ${address} is not aligned to ${Math.min(elementBytes, 4)} bytes; pass the model in a buffer of its own`);
    }
    data = fb.bytes.subarray(span.start, span.start + span.length);
  }

  let quant: Quantization | null = null;
  const q = t.table(4, 'quantization');
  if (q) {
    const scale = q.numbers(2, 'scale', 'f32');
    const zeroPoint = q.numbers(3, 'zero_point', 'i64');
    let axis = q.i32(6, 'quantized_dimension');
    if (scale && scale.length > 0) {
      const zp = zeroPoint && zeroPoint.length > 0 ? zeroPoint : scale.map(() => 0);
      if (zp.length !== scale.length) {
        fb.fail(`${q.path}`, `${scale.length} scales but ${zp.length} zero points`);
      }
      // Some converters leave the filter's axis on 1-D bias tensors (person_detect: axis 3 on
      // shape [8]); TFLM accepts that, and so does xsml, reading it as axis 0.
      if (scale.length > 1 && shape.length === 1 && axis >= 1 && shape[0] === scale.length) axis = 0;
      if (scale.length > 1 && (axis < 0 || axis >= shape.length || shape[axis] !== scale.length)) {
        fb.fail(`${q.path}`, `${scale.length} per-channel scales do not match dimension ${axis} of shape [${shape.join(',')}]`);
      }
      quant = { scale, zeroPoint: zp, axis };
    }
  }
  return { index, name, type, shape, elements, bytes, data, quant, isVariable: t.bool(5, 'is_variable') };
}
