// A small zero-copy flatbuffer reader that checks every offset it follows.
// Nothing is parsed ahead of time and nothing is copied: a Table is a position in the model bytes.
// Every read is bounds-checked, so walking a model once at load also verifies it; errors carry
// the path of the field that is wrong ("subgraphs[0].tensors[3].shape").

import { XsmlError, type XsmlErrorCode } from '../errors.js';

export class FlatBuffer {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly what: string; // the model's name, for errors

  constructor(bytes: Uint8Array, what: string) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.what = what;
  }

  /** Fails with MALFORMED_MODEL (the bytes are not a readable flatbuffer) or INVALID_MODEL (a field's value cannot be right). */
  fail(path: string, message: string, code: XsmlErrorCode = 'MALFORMED_MODEL'): never {
    throw new XsmlError(`${this.what}: ${code === 'MALFORMED_MODEL' ? 'malformed' : 'invalid'} model: ${path}: ${message}`, code);
  }

  /** Checks that [pos, pos+size) lies inside the buffer. */
  span(path: string, pos: number, size: number): void {
    if (!this.fits(pos, size)) {
      this.fail(path, `${size} bytes at offset ${pos} run past the end of the ${this.bytes.length}-byte file`);
    }
  }

  /** Whether [pos, pos+size) lies inside the buffer (callers build an error's path only when it does not). */
  fits(pos: number, size: number): boolean {
    return pos >= 0 && size >= 0 && pos + size <= this.bytes.length;
  }

  u8(pos: number): number { return this.bytes[pos]; }
  i8(pos: number): number { return this.view.getInt8(pos); }
  u16(pos: number): number { return this.view.getUint16(pos, true); }
  i32(pos: number): number { return this.view.getInt32(pos, true); }
  u32(pos: number): number { return this.view.getUint32(pos, true); }
  f32(pos: number): number { return this.view.getFloat32(pos, true); }

  /** The root table, after checking the 4-byte file identifier at offset 4. */
  root(): Table {
    this.span('file header', 0, 8);
    return this.table(this.u32(0), null, 'root', -1);
  }

  identifier(): string {
    if (this.bytes.length < 8) return '';
    return String.fromCharCode(this.bytes[4], this.bytes[5], this.bytes[6], this.bytes[7]);
  }

  /**
   * A table at pos, with its vtable checked: field `name` of `parent` (element `index` of that
   * vector, or -1), which is its path in errors, built only when one is thrown.
   */
  table(pos: number, parent: Table | null, name: string, index: number): Table {
    if (!this.fits(pos, 4)) this.span(pathOf(parent, name, index), pos, 4);
    if (pos % 4 !== 0) this.fail(pathOf(parent, name, index), `table at offset ${pos} is not 4-byte aligned`);
    const vtable = pos - this.i32(pos);
    if (!this.fits(vtable, 4)) this.span(pathOf(parent, name, index) + ' (vtable)', vtable, 4);
    if (vtable % 2 !== 0) this.fail(pathOf(parent, name, index), `vtable at offset ${vtable} is not 2-byte aligned`);
    const vtableBytes = this.u16(vtable);
    const tableBytes = this.u16(vtable + 2);
    if (vtableBytes < 4 || vtableBytes % 2 !== 0) this.fail(pathOf(parent, name, index), `vtable size ${vtableBytes} is invalid`);
    if (!this.fits(vtable, vtableBytes)) this.span(pathOf(parent, name, index) + ' (vtable)', vtable, vtableBytes);
    if (tableBytes < 4) this.fail(pathOf(parent, name, index), `table size ${tableBytes} is invalid`);
    if (!this.fits(pos, tableBytes)) this.span(pathOf(parent, name, index), pos, tableBytes);
    return new Table(this, parent, name, index, pos, vtable, vtableBytes, tableBytes);
  }
}

/** "root.subgraphs[0].tensors[3]": the path of field `name` of `parent`, element `index` (or -1). */
function pathOf(parent: Table | null, name: string, index: number): string {
  const field = parent ? `${parent.path}.${name}` : name;
  return index >= 0 ? `${field}[${index}]` : field;
}

/** Element sizes of the scalar vectors the reader knows. */
type Scalar = 'u8' | 'i8' | 'bool' | 'i32' | 'u32' | 'i64' | 'f32';
const SCALAR_BYTES: Record<Scalar, number> = { u8: 1, i8: 1, bool: 1, i32: 4, u32: 4, i64: 8, f32: 4 };

export class Table {
  constructor(
    readonly fb: FlatBuffer,
    private readonly parent: Table | null,
    private readonly name: string,
    private readonly index: number,
    readonly pos: number,
    private readonly vtable: number,
    private readonly vtableBytes: number,
    private readonly tableBytes: number,
  ) {}

  /** Where the table is in the model, for errors: "root.subgraphs[0].tensors[3]". */
  get path(): string {
    return pathOf(this.parent, this.name, this.index);
  }

  /** Position of field `index`'s inline data, or 0 if absent; checks it fits the table. */
  private field(index: number, size: number, name: string): number {
    const slot = 4 + 2 * index;
    if (slot + 2 > this.vtableBytes) return 0;
    const offset = this.fb.u16(this.vtable + slot);
    if (offset === 0) return 0;
    if (offset + size > this.tableBytes) {
      this.fb.fail(`${this.path}.${name}`, `field at table offset ${offset} (${size} bytes) runs past the table's ${this.tableBytes} bytes`);
    }
    return this.pos + offset;
  }

  has(index: number): boolean {
    const slot = 4 + 2 * index;
    return slot + 2 <= this.vtableBytes && this.fb.u16(this.vtable + slot) !== 0;
  }

  u8(index: number, name: string, dflt = 0): number { const p = this.field(index, 1, name); return p ? this.fb.u8(p) : dflt; }
  i8(index: number, name: string, dflt = 0): number { const p = this.field(index, 1, name); return p ? this.fb.i8(p) : dflt; }
  bool(index: number, name: string, dflt = false): boolean { const p = this.field(index, 1, name); return p ? this.fb.u8(p) !== 0 : dflt; }
  i32(index: number, name: string, dflt = 0): number { const p = this.field(index, 4, name); return p ? this.fb.i32(p) : dflt; }
  u32(index: number, name: string, dflt = 0): number { const p = this.field(index, 4, name); return p ? this.fb.u32(p) : dflt; }
  f32(index: number, name: string, dflt = 0): number { const p = this.field(index, 4, name); return p ? this.fb.f32(p) : dflt; }
  /** A 64-bit unsigned field as a JS number; values above 2^53 are rejected. */
  u64(index: number, name: string): number {
    const p = this.field(index, 8, name);
    if (!p) return 0;
    const hi = this.fb.u32(p + 4);
    if (hi >= 0x200000) this.fb.fail(`${this.path}.${name}`, 'value exceeds 2^53');
    return hi * 0x100000000 + this.fb.u32(p);
  }

  /** Follows the uoffset stored in field `index`; returns the target position or 0. */
  private indirect(index: number, name: string): number {
    const p = this.field(index, 4, name);
    if (!p) return 0;
    const target = p + this.fb.u32(p);
    if (!this.fb.fits(target, 4)) this.fb.span(`${this.path}.${name}`, target, 4);
    return target;
  }

  table(index: number, name: string): Table | null {
    const t = this.indirect(index, name);
    return t ? this.fb.table(t, this, name, -1) : null;
  }

  string(index: number, name: string): string {
    const v = this.vectorAt(index, name, 1);
    if (!v) return '';
    if (!this.fb.fits(v.start, v.length + 1)) this.fb.span(`${this.path}.${name}`, v.start, v.length + 1); // strings are NUL-terminated
    return decodeUtf8(this.fb.bytes, v.start, v.length);
  }

  /** Start and length of a vector field with `elementBytes`-byte elements, checked. */
  vectorAt(index: number, name: string, elementBytes: number): { start: number; length: number } | null {
    const v = this.indirect(index, name);
    if (!v) return null;
    const length = this.fb.u32(v);
    const start = v + 4;
    if (elementBytes > 1 && start % Math.min(elementBytes, 4) !== 0) {
      this.fb.fail(`${this.path}.${name}`, `vector at offset ${start} is not aligned to its ${elementBytes}-byte elements`);
    }
    if (!this.fb.fits(start, length * elementBytes)) this.fb.span(`${this.path}.${name}`, start, length * elementBytes);
    return { start, length };
  }

  /** A scalar vector read into a plain array (metadata only: shapes, indices, scales). */
  numbers(index: number, name: string, kind: Scalar): number[] | null {
    const size = SCALAR_BYTES[kind];
    const v = this.vectorAt(index, name, size);
    if (!v) return null;
    const out: number[] = new Array(v.length);
    const fb = this.fb;
    for (let i = 0; i < v.length; i++) {
      const p = v.start + i * size;
      switch (kind) {
        case 'u8': case 'bool': out[i] = fb.u8(p); break;
        case 'i8': out[i] = fb.i8(p); break;
        case 'i32': out[i] = fb.i32(p); break;
        case 'u32': out[i] = fb.u32(p); break;
        case 'f32': out[i] = fb.f32(p); break;
        case 'i64': {
          const lo = fb.u32(p), hi = fb.i32(p + 4);
          if (hi < -0x200000 || hi >= 0x200000) fb.fail(`${this.path}.${name}[${i}]`, 'value does not fit 53 bits');
          out[i] = hi * 0x100000000 + lo;
          break;
        }
      }
    }
    return out;
  }

  /** Element i of a vector of tables, or null if the vector is absent or has no element i. */
  tableAt(index: number, name: string, i: number): Table | null {
    const v = this.vectorAt(index, name, 4);
    if (!v || i < 0 || i >= v.length) return null;
    const p = v.start + 4 * i;
    return this.fb.table(p + this.fb.u32(p), this, name, i);
  }

  /** A vector of tables. */
  tables(index: number, name: string): Table[] {
    const v = this.vectorAt(index, name, 4);
    if (!v) return [];
    const out: Table[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const p = v.start + 4 * i;
      const target = p + this.fb.u32(p);
      out[i] = this.fb.table(target, this, name, i);
    }
    return out;
  }
}

/** UTF-8 to string without TextDecoder (XS has none); invalid sequences become U+FFFD. */
function decodeUtf8(bytes: Uint8Array, start: number, length: number): string {
  const end = start + length;
  // ASCII (every name in the models seen): one call, not one string per character.
  let ascii = true;
  for (let i = start; i < end; i++) if (bytes[i] >= 0x80) { ascii = false; break; }
  if (ascii && length <= 4096) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  let s = '';
  for (let i = start; i < end;) {
    const b = bytes[i++];
    let cp = 0xfffd, extra = 0;
    if (b < 0x80) { cp = b; }
    else if (b >= 0xc2 && b < 0xe0) { cp = b & 0x1f; extra = 1; }
    else if (b >= 0xe0 && b < 0xf0) { cp = b & 0x0f; extra = 2; }
    else if (b >= 0xf0 && b < 0xf5) { cp = b & 0x07; extra = 3; }
    for (; extra > 0; extra--) {
      if (i >= end || (bytes[i] & 0xc0) !== 0x80) { cp = 0xfffd; break; }
      cp = (cp << 6) | (bytes[i++] & 0x3f);
    }
    s += String.fromCodePoint(cp > 0x10ffff ? 0xfffd : cp);
  }
  return s;
}
