// Loads a .tflite ("TFL3") or .circle ("CIR0") model: one pass over the flatbuffer that checks every
// offset, length, index and buffer size, and keeps only metadata. Weights stay in the model bytes;
// a constant tensor's `data` is a view of them, never a copy.
//
// The verifier runs here, once, before any op is prepared, and every host runs it:
//   structure  (flatbuffer.ts) root and vtable offsets, vector lengths, string bounds, alignment;
//   tensors    buffer index in range, dimensions non-negative, element count and byte size within
//              2^31 - 1 (no overflow in any product), constant data of exactly that size, quantization
//              finite with non-negative scales, int32 zero points, per-channel scales matching their dimension;
//   operators  opcode index in range, tensor indices in range, every tensor an op touches of a type
//              xsml can store, an execution order in which every input is produced (model input,
//              constant data, variable or an earlier op's output) before it is used, no output written
//              twice (by two ops, or one op listing it twice) and no op writing constant data or a model input;
//   subgraph   inputs and outputs in range, inputs neither constant nor listed twice, every output produced.
// Failures are XsmlErrors: MALFORMED_MODEL for unreadable bytes, INVALID_MODEL for values that cannot
// be right, UNSUPPORTED_FEATURE for a type xsml cannot store; each names the model, the subgraph (if
// not the main one), the op (index, name, version), the tensor (index, name) and what was expected.

import { XsmlError, type XsmlErrorCode } from '../errors.js';
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

/**
 * Per-channel values in typed arrays: on XS every element of an array is a slot of its own (16 bytes
 * on a Cortex-M; person_detect has thousands of them), a typed array's element 4 bytes. A single
 * value stays in a one-element array, smaller than a typed array and its buffer.
 */
export interface Quantization {
  scale: readonly number[] | Float32Array; // one per channel or one for the tensor
  zeroPoint: readonly number[] | Int32Array; // same length as scale
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
  customOptions?: Uint8Array | null; // a custom op's options (FlexBuffers): a view of the model bytes
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

/** The largest element count and byte size of one tensor, and of the arena: offsets in a plan are int32. */
export const MAX_TENSOR_BYTES = 0x7fffffff;

export const TFLITE_IDENTIFIER = 'TFL3';
export const CIRCLE_IDENTIFIER = 'CIR0';

export function loadModel(bytes: Uint8Array, name = 'model'): Model {
  if (!(bytes instanceof Uint8Array)) throw new XsmlError(`${name}: model bytes must be a Uint8Array`, 'BAD_ARGUMENT');
  const { fb, root, format, opcodes, buffers, subgraphs } = openModel(bytes, name);
  // Read here once to verify them; the model reads them again when asked.
  root.u32(0, 'version');
  root.string(3, 'description');
  if (subgraphs.length === 0) fb.fail('subgraphs', 'the model has no subgraph', 'INVALID_MODEL');
  // Every subgraph is verified; only the main one is run.
  let main: Graph | null = null;
  for (let s = 0; s < subgraphs.length; s++) {
    const g = readSubgraph(fb, subgraphs[s], s, opcodes, buffers);
    verifyGraph(name, s, g);
    if (s === 0) main = g;
  }
  return new LoadedModel(name, bytes, main!);
}

/** The flatbuffer's root and the tables every subgraph refers to. */
function openModel(bytes: Uint8Array, name: string) {
  const fb = new FlatBuffer(bytes, name);
  const id = fb.identifier();
  if (id !== TFLITE_IDENTIFIER && id !== CIRCLE_IDENTIFIER) {
    const shown = bytes.length < 8 ? `a ${bytes.length}-byte file` : `file identifier ${JSON.stringify(id)}`;
    throw new XsmlError(`${name}: not a TFLite ("TFL3") or Circle ("CIR0") model: ${shown}`, 'MALFORMED_MODEL');
  }
  const format: 'tflite' | 'circle' = id === TFLITE_IDENTIFIER ? 'tflite' : 'circle';
  const root = fb.root();
  const opcodes = root.tables(1, 'operator_codes').map((t) => readOperatorCode(t, format));
  const buffers = root.tables(4, 'buffers').map((t) => readBuffer(fb, t));
  const subgraphs = root.tables(2, 'subgraphs');
  return { fb, root, format, opcodes, buffers, subgraphs };
}

/**
 * A loaded model: its name, its bytes and, until releaseGraph(), its main graph. Everything else is
 * read from the bytes (already verified) when asked for: on XS every property is a 16-byte slot for
 * as long as the model lives, every array and string more. The tensors and operators are read
 * once and kept until releaseGraph(): the Interpreter lets them go once it has planned the model,
 * so that what stays in the heap per model is the plan, not the metadata only planning needs.
 * Asked for again, they are read again from the bytes, with the same values.
 */
class LoadedModel implements Model {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Present until releaseGraph() deletes it (a property set to null would keep its slot). */
  graph?: Graph;

  constructor(name: string, bytes: Uint8Array, graph: Graph) {
    this.name = name;
    this.bytes = bytes;
    this.graph = graph;
  }

  get format(): 'tflite' | 'circle' { return new FlatBuffer(this.bytes, this.name).identifier() === TFLITE_IDENTIFIER ? 'tflite' : 'circle'; }
  get version(): number { return new FlatBuffer(this.bytes, this.name).root().u32(0, 'version'); }
  get description(): string { return new FlatBuffer(this.bytes, this.name).root().string(3, 'description'); }
  get subgraphCount(): number { return new FlatBuffer(this.bytes, this.name).root().vectorAt(2, 'subgraphs', 4)!.length; }
  get inputs(): number[] { return this.graph ? this.graph.inputs : new FlatBuffer(this.bytes, this.name).root().tableAt(2, 'subgraphs', 0)!.numbers(1, 'inputs', 'i32') ?? []; }
  get outputs(): number[] { return this.graph ? this.graph.outputs : new FlatBuffer(this.bytes, this.name).root().tableAt(2, 'subgraphs', 0)!.numbers(2, 'outputs', 'i32') ?? []; }
  get tensors(): Tensor[] { return (this.graph ??= readMain(this)).tensors; }
  get operators(): Operator[] { return (this.graph ??= readMain(this)).operators; }
}

/** The main subgraph of a loaded model, read again from its bytes. */
function readMain(model: Model): Graph {
  const { fb, opcodes, buffers, subgraphs } = openModel(model.bytes, model.name);
  return readSubgraph(fb, subgraphs[0], 0, opcodes, buffers);
}

/**
 * Tensor `index` of the main subgraph; when a loaded model has let its graph go (releaseGraph),
 * that tensor alone is read again from the bytes.
 */
export function tensorOf(model: Model, index: number): Tensor {
  const graph = model instanceof LoadedModel ? model.graph : model;
  if (graph) return graph.tensors[index];
  const root = new FlatBuffer(model.bytes, model.name).root();
  const t = root.tableAt(2, 'subgraphs', 0)!.tableAt(0, 'tensors', index);
  if (!t) throw new XsmlError(`${model.name}: no tensor #${index}`, 'BAD_ARGUMENT');
  // Its buffer only, at its index (the others are not read).
  const buffers: BufferSpan[] = [];
  const buffer = t.u32(2, 'buffer');
  const b = root.tableAt(4, 'buffers', buffer);
  if (b) buffers[buffer] = readBuffer(root.fb, b);
  return readTensor(root.fb, t, index, buffers);
}

/**
 * Lets a loaded model's tensor and operator objects go (they are read again from the bytes if
 * asked for); a no-op for any other Model.
 */
export function releaseGraph(model: Model): void {
  if (model instanceof LoadedModel) delete model.graph;
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

/** Checks every index of a vector field `field` of `table`; the error's path is only built on failure. */
function checkIndices(fb: FlatBuffer, table: Table, field: string, indices: number[], count: number, optional: boolean): void {
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (optional && index === -1) continue;
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      fb.fail(`${table.path}.${field}[${i}]`, `tensor index ${index} is out of range (the subgraph has ${count} tensors)`, 'INVALID_MODEL');
    }
  }
}

function readSubgraph(fb: FlatBuffer, g: Table, s: number, opcodes: OperatorCode[], buffers: BufferSpan[]): Graph {
  const tensors = g.tables(0, 'tensors').map((t, i) => readTensor(fb, t, i, buffers));
  const n = tensors.length;
  const inputs = g.numbers(1, 'inputs', 'i32') ?? [];
  const outputs = g.numbers(2, 'outputs', 'i32') ?? [];
  checkIndices(fb, g, 'inputs', inputs, n, false);
  checkIndices(fb, g, 'outputs', outputs, n, false);
  const operators = g.tables(3, 'operators').map((t, index): Operator => {
    const opcodeIndex = t.u32(0, 'opcode_index');
    if (opcodeIndex >= opcodes.length) {
      fb.fail(`${t.path}.opcode_index`, `${opcodeIndex} is out of range (the model has ${opcodes.length} operator codes)`, 'INVALID_MODEL');
    }
    const opInputs = t.numbers(1, 'inputs', 'i32') ?? [];
    const opOutputs = t.numbers(2, 'outputs', 'i32') ?? [];
    checkIndices(fb, t, 'inputs', opInputs, n, true);
    checkIndices(fb, t, 'outputs', opOutputs, n, false);
    const optionsType = t.u8(3, 'builtin_options_type');
    const options = t.table(4, 'builtin_options');
    const custom = t.vectorAt(5, 'custom_options', 1);
    const customOptions = custom ? fb.bytes.subarray(custom.start, custom.start + custom.length) : null;
    return { index, opcode: opcodes[opcodeIndex], inputs: opInputs, outputs: opOutputs, optionsType, options, customOptions };
  });
  void s;
  return { tensors, inputs, outputs, operators };
}

interface Graph { tensors: Tensor[]; inputs: number[]; outputs: number[]; operators: Operator[] }

/**
 * The graph-level checks of one subgraph (its indices are already in range): tensor types, execution
 * order, single writers, model inputs and outputs.
 */
function verifyGraph(model: string, s: number, g: Graph): void {
  const where = s === 0 ? `${model}: invalid model: ` : `${model}: invalid model: subgraph ${s}: `;
  const fail = (message: string, code: XsmlErrorCode = 'INVALID_MODEL'): never => {
    throw new XsmlError(`${where}${message}`, code);
  };
  const { tensors, operators } = g;
  const tensor = (i: number) => `tensor #${i} ${JSON.stringify(tensors[i].name)}`;
  const opName = (op: Operator) => `op #${op.index} ${op.opcode.name} (version ${op.opcode.version})`;
  const storable = (i: number, what: string) => {
    const t = tensors[i];
    if (dtypeBytes(t.type) === 0) {
      fail(`${what} ${tensor(i)} has type ${dtypeName(t.type)}, which xsml cannot store (expected a type with a fixed element size)`,
        'UNSUPPORTED_FEATURE');
    }
  };

  // Who produces each tensor: -1 not (yet) produced, -2 a model input, -3 constant data or a variable,
  // otherwise the index of the op that writes it.
  const MODEL_INPUT = -2, CONSTANT = -3;
  const producer = new Int32Array(tensors.length).fill(-1);
  tensors.forEach((t, i) => { if (t.data || t.isVariable) producer[i] = CONSTANT; });
  g.inputs.forEach((x, i) => {
    storable(x, `model input ${i}`);
    if (tensors[x].data) fail(`model input ${i} ${tensor(x)} is constant data: an input must live in the arena`);
    const first = g.inputs.indexOf(x);
    if (first !== i) fail(`model input ${i} ${tensor(x)} is also model input ${first}: each input must be a tensor of its own`);
    producer[x] = MODEL_INPUT;
  });
  // Ops that write each tensor (for "produced only later" and "written twice").
  const writer = new Int32Array(tensors.length).fill(-1);
  for (const op of operators) for (const o of op.outputs) if (writer[o] < 0) writer[o] = op.index;

  for (const op of operators) {
    op.inputs.forEach((x, k) => {
      if (x < 0) return;
      storable(x, `${opName(op)}: input ${k}`);
      if (producer[x] !== -1) return;
      if (op.outputs.includes(x)) fail(`${opName(op)}: input ${k} ${tensor(x)} is also its own output: an op cannot read what it writes`);
      const later = writer[x] >= 0 ? ` (op #${writer[x]} ${operators[writer[x]].opcode.name} writes it later: the ops are not in execution order)` : '';
      fail(`${opName(op)}: input ${k} ${tensor(x)} is used before it is produced: expected a model input, constant data or the output of an earlier op${later}`);
    });
    op.outputs.forEach((x, k) => {
      storable(x, `${opName(op)}: output ${k}`);
      const first = op.outputs.indexOf(x);
      if (first !== k) fail(`${opName(op)}: outputs ${first} and ${k} are both ${tensor(x)}: each output must be a tensor of its own`);
      const p = producer[x];
      if (p === CONSTANT && tensors[x].data) {
        fail(`${opName(op)}: output ${k} ${tensor(x)} is constant data: expected a tensor of the arena, which no buffer of the model holds`);
      }
      if (p === MODEL_INPUT) fail(`${opName(op)}: output ${k} ${tensor(x)} is model input ${g.inputs.indexOf(x)}: an op cannot overwrite a model input`);
      if (p >= 0) fail(`${opName(op)}: output ${k} ${tensor(x)} is already written by op #${p} ${operators[p].opcode.name}: each tensor must have one writer`);
      producer[x] = op.index;
    });
  }
  g.outputs.forEach((x, i) => {
    storable(x, `model output ${i}`);
    if (producer[x] === -1) {
      fail(`model output ${i} ${tensor(x)} is never produced: expected the output of an op, a model input or constant data`);
    }
  });
}

function readTensor(fb: FlatBuffer, t: Table, index: number, buffers: BufferSpan[]): Tensor {
  const name = t.string(3, 'name');
  const type = t.i8(1, 'type');
  const shape = t.numbers(0, 'shape', 'i32') ?? [];
  const what = () => `(${JSON.stringify(name)}, ${dtypeName(type)}[${shape.join(',')}])`;
  const described = () => `${t.path} ${what()}`;
  shape.forEach((d, i) => {
    if (d < 0) fb.fail(`${t.path}.shape[${i}]`, `dimension ${d} is negative (dynamic shapes are not supported)`, 'INVALID_MODEL');
  });
  // Element count and byte size within 2^31 - 1, every partial product included (unless a dimension
  // is 0: the tensor is empty whatever the others are).
  let elements = shape.includes(0) ? 0 : 1;
  if (elements) {
    for (const d of shape) {
      elements *= d;
      if (elements > MAX_TENSOR_BYTES) {
        fb.fail(described(), `the element count overflows: the dimensions multiply to more than 2^31 - 1`, 'INVALID_MODEL');
      }
    }
  }
  const elementBytes = dtypeBytes(type);
  const bytes = elements * elementBytes;
  if (bytes > MAX_TENSOR_BYTES) {
    fb.fail(described(), `${elements} elements of ${elementBytes} bytes are ${bytes} bytes, more than 2^31 - 1`, 'INVALID_MODEL');
  }
  if (t.has(6)) fb.fail(described(), 'sparse tensors are not supported, expected dense data', 'UNSUPPORTED_FEATURE');

  const bufferIndex = t.u32(2, 'buffer');
  if (bufferIndex >= buffers.length && bufferIndex !== 0) {
    fb.fail(`${t.path}.buffer`, `buffer index ${bufferIndex} is out of range (the model has ${buffers.length} buffers)`, 'INVALID_MODEL');
  }
  let data: Uint8Array | null = null;
  const span = buffers[bufferIndex];
  if (span && span.length > 0) {
    if (elementBytes > 0 && span.length !== bytes) {
      fb.fail(`${t.path} (${JSON.stringify(name)})`,
        `constant data has ${span.length} bytes, expected ${bytes} for ${dtypeName(type)}[${shape.join(',')}]`, 'INVALID_MODEL');
    }
    const address = fb.bytes.byteOffset + span.start;
    if (elementBytes > 1 && address % Math.min(elementBytes, 4) !== 0) {
      // Misaligned in the file itself, or only because of where the caller's bytes start.
      fb.fail(`${t.path} (${JSON.stringify(name)})`,
        `constant data at byte ${address} is not aligned to ${Math.min(elementBytes, 4)} bytes; pass the model in a buffer of its own`,
        span.start % Math.min(elementBytes, 4) !== 0 ? 'MALFORMED_MODEL' : 'BAD_ARGUMENT');
    }
    data = fb.bytes.subarray(span.start, span.start + span.length);
  }

  let quant: Quantization | null = null;
  const q = t.table(4, 'quantization');
  if (q) {
    const channels = perChannel(fb, q);
    if (channels) {
      const n = channels.scale.length;
      let axis = q.i32(6, 'quantized_dimension');
      if (shape.length === 1 && axis >= 1 && shape[0] === n) axis = 0; // as below
      if (axis < 0 || axis >= shape.length || shape[axis] !== n) {
        fb.fail(`${q.path}`, `${n} per-channel scales do not match dimension ${axis} of shape [${shape.join(',')}]`, 'INVALID_MODEL');
      }
      quant = { scale: channels.scale, zeroPoint: channels.zeroPoint, axis };
    } else {
      const scale = q.numbers(2, 'scale', 'f32');
      const zeroPoint = q.numbers(3, 'zero_point', 'i64');
      let axis = q.i32(6, 'quantized_dimension');
      if (scale && scale.length > 0) {
        const zp = zeroPoint && zeroPoint.length > 0 ? zeroPoint : scale.map(() => 0);
        if (zp.length !== scale.length) {
          fb.fail(`${q.path}`, `${scale.length} scales but ${zp.length} zero points`, 'INVALID_MODEL');
        }
        scale.forEach((x, i) => {
          if (!(x >= 0) || !Number.isFinite(x)) fb.fail(`${q.path}.scale[${i}] ${what()}`, `scale ${x}, expected a finite number >= 0`, 'INVALID_MODEL');
        });
        zp.forEach((z, i) => {
          if (z < -0x80000000 || z > 0x7fffffff) fb.fail(`${q.path}.zero_point[${i}] ${what()}`, `zero point ${z} does not fit 32 bits`, 'INVALID_MODEL');
        });
        // Some converters leave the filter's axis on 1-D bias tensors (person_detect: axis 3 on
        // shape [8]); TFLM accepts that, and so does xsml, reading it as axis 0.
        if (scale.length > 1 && shape.length === 1 && axis >= 1 && shape[0] === scale.length) axis = 0;
        if (scale.length > 1 && (axis < 0 || axis >= shape.length || shape[axis] !== scale.length)) {
          fb.fail(`${q.path}`, `${scale.length} per-channel scales do not match dimension ${axis} of shape [${shape.join(',')}]`, 'INVALID_MODEL');
        }
        quant = scale.length > 1 ? { scale: Float32Array.from(scale), zeroPoint: Int32Array.from(zp), axis } : { scale, zeroPoint: zp, axis };
      }
    }
  }
  return { index, name, type, shape, elements, bytes, data, quant, isVariable: t.bool(5, 'is_variable') };
}

/**
 * Per-channel scales and zero points read in one pass over typed views of the model bytes (the
 * scales a view, zero copy), for the common case: more than one scale, the vectors 4-byte aligned
 * in memory, as many zero points as scales (or none: all 0), every scale finite and >= 0, every
 * zero point an int32. Anything else gives null, and readTensor's element-by-element reading
 * reports what is wrong. On XS that reading costs microseconds per element, and person_detect has
 * thousands of channels: most of loadModel's time.
 */
function perChannel(fb: FlatBuffer, q: Table): { scale: Float32Array; zeroPoint: Int32Array } | null {
  const sv = q.vectorAt(2, 'scale', 4);
  if (!sv || sv.length < 2) return null;
  const zv = q.vectorAt(3, 'zero_point', 8);
  const n = sv.length;
  if (zv && zv.length !== 0 && zv.length !== n) return null;
  const { buffer, byteOffset } = fb.bytes;
  if ((byteOffset + sv.start) % 4 !== 0 || (zv && (byteOffset + zv.start) % 4 !== 0)) return null;
  const scale = new Float32Array(buffer, byteOffset + sv.start, n);
  for (let i = 0; i < n; i++) {
    const x = scale[i];
    if (!(x >= 0 && x < Infinity)) return null;
  }
  const zeroPoint = new Int32Array(n);
  if (zv && zv.length !== 0) {
    // int64 little-endian: the low word, and a high word that only extends its sign.
    const words = new Int32Array(buffer, byteOffset + zv.start, 2 * n);
    for (let i = 0; i < n; i++) {
      const lo = words[2 * i];
      if (words[2 * i + 1] !== lo >> 31) return null;
      zeroPoint[i] = lo;
    }
  }
  return { scale, zeroPoint };
}
