// A small FlexBuffers reader: the one map a custom op's custom_options hold (TFLM's Signal ops write
// theirs with flexbuffers::Builder), read by key. Scalars only: int, uint, float, bool and their
// indirect forms; every read is bounds-checked, and a malformed buffer fails through `fail`.
//
// The format (flatbuffers/docs FlexBuffers): the last byte is the root's byte width, the one before
// it the root's packed type (type << 2 | log2 of its own width), the root value just before them.
// A map value is an offset back to its values vector, preceded by [keys vector offset, keys byte
// width, length]; the values' packed types follow the values. Keys are offsets to C strings.

import type { OpContext } from './op.js';

const FBT_NULL = 0, FBT_INT = 1, FBT_UINT = 2, FBT_FLOAT = 3;
const FBT_INDIRECT_INT = 6, FBT_INDIRECT_UINT = 7, FBT_INDIRECT_FLOAT = 8, FBT_MAP = 9, FBT_BOOL = 26;

export type FlexValue = number | boolean | null;

export class FlexMap {
  constructor(private readonly values: Map<string, FlexValue>, private readonly fail: (message: string) => never) {}

  get keys(): string[] { return [...this.values.keys()]; }

  has(key: string): boolean { return this.values.has(key); }

  /** An integer value (a bool reads as 0 or 1); fails if it is missing (and no default is given) or not an integer. */
  int(key: string, dflt?: number): number {
    const v = this.values.get(key);
    if (v === undefined || v === null) {
      if (dflt !== undefined) return dflt;
      return this.fail(`the option "${key}" is missing`);
    }
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (!Number.isInteger(v)) return this.fail(`the option "${key}" is ${v}, expected an integer`);
    return v;
  }

  bool(key: string, dflt?: boolean): boolean {
    const v = this.values.get(key);
    if (v === undefined || v === null) {
      if (dflt !== undefined) return dflt;
      return this.fail(`the option "${key}" is missing`);
    }
    return typeof v === 'boolean' ? v : v !== 0;
  }
}

/** Reads the root map of a FlexBuffer; no bytes (or none at all) read as an empty map. */
export function readFlexMap(bytes: Uint8Array | null, fail: (message: string) => never): FlexMap {
  const values = new Map<string, FlexValue>();
  if (!bytes || bytes.length === 0) return new FlexMap(values, fail);
  const n = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const check = (pos: number, width: number) => {
    if (!(pos >= 0 && pos + width <= n)) fail(`${width} bytes at offset ${pos} are outside the ${n}-byte FlexBuffer`);
  };
  const uint = (pos: number, width: number): number => {
    check(pos, width);
    switch (width) {
      case 1: return view.getUint8(pos);
      case 2: return view.getUint16(pos, true);
      case 4: return view.getUint32(pos, true);
      case 8: {
        const hi = view.getUint32(pos + 4, true);
        if (hi >= 0x200000) fail(`a 64-bit value at offset ${pos} exceeds 2^53`);
        return hi * 0x100000000 + view.getUint32(pos, true);
      }
      default: return fail(`byte width ${width} is not 1, 2, 4 or 8`);
    }
  };
  const int = (pos: number, width: number): number => {
    check(pos, width);
    switch (width) {
      case 1: return view.getInt8(pos);
      case 2: return view.getInt16(pos, true);
      case 4: return view.getInt32(pos, true);
      case 8: {
        const hi = view.getInt32(pos + 4, true);
        if (hi < -0x200000 || hi >= 0x200000) fail(`a 64-bit value at offset ${pos} does not fit 53 bits`);
        return hi * 0x100000000 + view.getUint32(pos, true);
      }
      default: return fail(`byte width ${width} is not 1, 2, 4 or 8`);
    }
  };
  const float = (pos: number, width: number): number => {
    check(pos, width);
    if (width === 4) return view.getFloat32(pos, true);
    if (width === 8) return view.getFloat64(pos, true);
    return fail(`a float of ${width} bytes`);
  };
  /** The value at pos, stored with its parent's byte width, of packed type `packed`. */
  const scalar = (pos: number, parentWidth: number, packed: number): FlexValue => {
    const type = packed >> 2, width = 1 << (packed & 3);
    const target = () => pos - uint(pos, parentWidth);
    switch (type) {
      case FBT_NULL: return null;
      case FBT_INT: return int(pos, parentWidth);
      case FBT_UINT: return uint(pos, parentWidth);
      case FBT_FLOAT: return float(pos, parentWidth);
      case FBT_BOOL: return uint(pos, parentWidth) !== 0;
      case FBT_INDIRECT_INT: return int(target(), width);
      case FBT_INDIRECT_UINT: return uint(target(), width);
      case FBT_INDIRECT_FLOAT: return float(target(), width);
      default: return fail(`a value of FlexBuffer type ${type}, expected a number or a bool`);
    }
  };

  if (n < 3) fail(`a FlexBuffer of ${n} bytes is too short`);
  const rootWidth = bytes[n - 1];
  const rootPacked = bytes[n - 2];
  const rootPos = n - 2 - rootWidth;
  if (rootPacked >> 2 !== FBT_MAP) fail(`the root has FlexBuffer type ${rootPacked >> 2}, expected a map (${FBT_MAP})`);
  const map = rootPos - uint(rootPos, rootWidth);
  const w = 1 << (rootPacked & 3);
  const size = uint(map - w, w);
  check(map, size * w + size); // the values, then their types
  const keysAt = map - 3 * w;
  const keys = keysAt - uint(keysAt, w);
  const keysWidth = uint(map - 2 * w, w);
  check(keys, size * keysWidth);
  for (let i = 0; i < size; i++) {
    const ref = keys + i * keysWidth;
    let k = ref - uint(ref, keysWidth);
    let key = '';
    for (;; k++) {
      check(k, 1);
      if (bytes[k] === 0) break;
      key += String.fromCharCode(bytes[k]);
    }
    values.set(key, scalar(map + i * w, w, bytes[map + size * w + i]));
  }
  return new FlexMap(values, fail);
}

/** A custom op's options as a FlexBuffer map; errors name the op. */
export function customOptions(ctx: OpContext): FlexMap {
  return readFlexMap(ctx.op.customOptions ?? null, (message) => ctx.fail(`custom options: ${message}`));
}
