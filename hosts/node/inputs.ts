// Reading input tensors from files: .json (flat array of numbers), .npy, .csv, or raw bytes.
// Numbers are the tensor's own values (int8 values for an int8 tensor, not real numbers to quantize).
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { XsmlError, type TensorView } from '../../src/index.js';

const RANGES: Record<string, [number, number]> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], int32: [-2147483648, 2147483647], bool: [0, 1],
};

function describe(view: TensorView, k: number): string {
  return `input ${k} (tensor ${JSON.stringify(view.name)}, ${view.dtype}[${view.shape.join(',')}])`;
}

/** Fills input tensor `view` from `path`. */
export function fillInput(view: TensorView, k: number, path: string): void {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new XsmlError(`${describe(view, k)}: cannot read ${path}: ${(e as Error).message}`, 'BAD_INPUT');
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return setNumbers(view, k, path, parseJson(bytes, path));
  if (ext === '.csv') return setNumbers(view, k, path, parseCsv(bytes, path));
  if (ext === '.npy') return setNumbers(view, k, path, parseNpy(bytes, path));
  const target = new Uint8Array(view.data.buffer, view.data.byteOffset, view.data.byteLength);
  if (bytes.length !== target.length) {
    throw new XsmlError(`${describe(view, k)}: ${path} has ${bytes.length} bytes, expected ${target.length} raw little-endian ${view.dtype} bytes`, 'BAD_INPUT');
  }
  target.set(bytes);
}

function setNumbers(view: TensorView, k: number, path: string, values: ArrayLike<number>): void {
  const n = view.data.length;
  if (values.length !== n) throw new XsmlError(`${describe(view, k)}: ${path} has ${values.length} values, expected ${n}`, 'BAD_INPUT');
  const range = RANGES[view.dtype];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new XsmlError(`${describe(view, k)}: ${path}: value ${i} is not a number`, 'BAD_INPUT');
    }
    if (range && (!Number.isInteger(v) || v < range[0] || v > range[1])) {
      throw new XsmlError(`${describe(view, k)}: ${path}: value ${i} (${v}) is not an ${view.dtype} value (integers ${range[0]}..${range[1]})`, 'BAD_INPUT');
    }
  }
  for (let i = 0; i < n; i++) view.data[i] = values[i];
}

function parseJson(bytes: Uint8Array, path: string): number[] {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new XsmlError(`${path}: not valid JSON: ${(e as Error).message}`, 'BAD_INPUT');
  }
  const flat = Array.isArray(value) ? (value as unknown[]).flat(Infinity) : [value];
  flat.forEach((v, i) => {
    if (typeof v !== 'number') throw new XsmlError(`${path}: element ${i} is ${JSON.stringify(v)}, expected a number`, 'BAD_INPUT');
  });
  return flat as number[];
}

function parseCsv(bytes: Uint8Array, path: string): number[] {
  const text = new TextDecoder().decode(bytes).trim();
  if (text === '') return [];
  return text.split(/[\s,]+/).map((s, i) => {
    const v = Number(s);
    if (s === '' || Number.isNaN(v)) throw new XsmlError(`${path}: value ${i} (${JSON.stringify(s)}) is not a number`, 'BAD_INPUT');
    return v;
  });
}

const NPY_TYPES: Record<string, (b: ArrayBuffer, o: number, n: number) => ArrayLike<number>> = {
  f4: (b, o, n) => new Float32Array(b, o, n),
  f8: (b, o, n) => new Float64Array(b, o, n),
  i1: (b, o, n) => new Int8Array(b, o, n),
  u1: (b, o, n) => new Uint8Array(b, o, n),
  i2: (b, o, n) => new Int16Array(b, o, n),
  u2: (b, o, n) => new Uint16Array(b, o, n),
  i4: (b, o, n) => new Int32Array(b, o, n),
  u4: (b, o, n) => new Uint32Array(b, o, n),
  b1: (b, o, n) => new Uint8Array(b, o, n),
};

/** A little-endian, C-order .npy file (format 1.x to 3.x). */
function parseNpy(bytes: Uint8Array, path: string): ArrayLike<number> {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) throw new XsmlError(`${path}: not a .npy file`, 'BAD_INPUT');
  const major = bytes[6];
  const headerLength = major === 1 ? bytes[8] | (bytes[9] << 8) : bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > bytes.length) throw new XsmlError(`${path}: truncated .npy header`, 'BAD_INPUT');
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) throw new XsmlError(`${path}: unreadable .npy header ${JSON.stringify(header.trim())}`, 'BAD_INPUT');
  if (descr[1] === '>') throw new XsmlError(`${path}: big-endian .npy data is not supported`, 'BAD_INPUT');
  const make = NPY_TYPES[descr[2]];
  if (!make) throw new XsmlError(`${path}: .npy dtype ${descr[2]} is not supported`, 'BAD_INPUT');
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (fortran[1] === 'True' && dims.filter((d) => d > 1).length > 1) throw new XsmlError(`${path}: Fortran-order .npy data is not supported`, 'BAD_INPUT');
  const count = dims.reduce((a, b) => a * b, 1);
  const itemBytes = Number(descr[2].slice(1));
  const dataStart = start + headerLength;
  if (bytes.length - dataStart < count * itemBytes) throw new XsmlError(`${path}: .npy data is truncated (${count} values of ${itemBytes} bytes expected)`, 'BAD_INPUT');
  // An aligned copy of the data (Buffer.slice would be a view into Node's shared pool).
  const copy = new Uint8Array(bytes.subarray(dataStart, dataStart + count * itemBytes));
  return make(copy.buffer, 0, count);
}
