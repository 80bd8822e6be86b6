// xsml's own structure-aware fuzzer.
//
//   npm run fuzz -- [--minutes N | --mutants N] [--seed S] [--jobs J] [--no-asan] [--xs SHARE | --no-xs]
//                   [--board NAME [--board-rate SHARE]] [--no-cases] [--model FILE]... [--save DIR | --no-save] [--quiet]
// (--model: seed only with these files instead of models/*/*.tflite.)
//
// Seeds: every model in models/*/*.tflite, and (unless --no-cases) the one-op models of the golden
// cases (test/cases), which reach kernels and options the shipped models do not. Each mutant is a
// seed (or an earlier mutant that did something new: the corpus grows) with one to three mutations:
// fields found by walking the flatbuffer (offsets, vtable entries, vector and string lengths, tensor
// indices, shapes, dtypes, buffer indices, quantization scales, zero points and quantized_dimension,
// opcode indices, builtin codes and versions, options types and fields, custom options' bytes,
// buffer sizes and offsets), consistent resizes of one dimension across tensors, swaps of two tables
// in a vector, random bit flips, byte copies and truncations. Each mutant goes through
//   node  load, plan and invoke on the TypeScript executor in a worker thread with a time limit, the
//         arena between guard bytes, the model's bytes checked unchanged (tools/fuzz-worker.ts);
//   C     if it planned: the same plan and inputs through the sanitized plan runner
//         (build/native/xsml-run-plan-asan, guard bytes around its arena), outputs compared;
//   XS    a share of them (--xs, all by default), loaded, planned and run by the sanitized XS host
//         (hosts/xs/build/xsml-xs-asan, its arena and model in exact-size host buffers) in batches,
//         outcome and outputs compared with node's, the model's bytes checked unchanged;
//   board with --board NAME, a share (--board-rate) through the runner firmware in QEMU, one boot
//         per batch: a fault or an XS abort stops the firmware and is a failure; outputs compared.
// Failures: a non-XsmlError exception, an XsmlError without a documented code, a hang (time limit), a
// crash (signal, worker death, board fault), a sanitizer report, a write outside the arena or into the
// model, a plan the C check rejects that the TypeScript planner made, hosts that disagree on whether
// a model runs or on its outputs.
// Each is saved as DIR/<kind>-<seed model>-<hash>.tflite with a .txt saying what happened
// (DIR: test/fuzz/regressions by default); test/fuzz.test.ts runs every saved file through checkModel.
// Exit status 1 if anything failed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { XSML_ERROR_CODES, errorFromLine } from '../src/errors.js';
import { ensureFirmwareAsync, bootFirmwareAsync, writeJob, BOARDS, type BoardJson, type BoardRun } from '../hosts/node/board-host.js';
import { allCases } from '../test/cases/index.js';
import { buildModel } from '../test/support/builder.js';
import { ASAN_RUNNER, planFileBytes } from '../test/support/native.js';
import type { WorkerReply, WorkerRequest } from './fuzz-worker.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REGRESSIONS_DIR = join(ROOT, 'test/fuzz/regressions');

// ---------------------------------------------------------------------------------------------
// Randomness

/** mulberry32. */
export class Random {
  private a: number;
  constructor(seed: number) { this.a = seed >>> 0; }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  below(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(items: readonly T[]): T { return items[this.below(items.length)]; }
  chance(p: number): boolean { return this.next() < p; }
  u32(): number { return (this.next() * 4294967296) >>> 0; }
}

// ---------------------------------------------------------------------------------------------
// Walking a model: every field worth mutating, with what it is

export type FieldKind =
  | 'root-offset' | 'uoffset' | 'element-offset' | 'soffset' | 'vtable-size' | 'table-size' | 'vtable-entry'
  | 'vector-length' | 'string-length' | 'buffer-length'
  | 'tensor-index' | 'shape' | 'dtype' | 'buffer-index' | 'scale' | 'zero-point' | 'quantized-dimension' | 'minmax'
  | 'opcode-index' | 'builtin-code' | 'deprecated-code' | 'op-version' | 'options-type' | 'option' | 'custom-option'
  | 'buffer-offset' | 'buffer-size' | 'model-version' | 'flag';

export interface Field {
  pos: number;
  size: 1 | 2 | 4 | 8;
  kind: FieldKind;
  path: string;
  signed?: boolean;
  float?: boolean;
  max?: number; // for indices: the count they index
  group?: number; // element offsets of one vector share a group (for swaps)
  dim?: number; // a shape field's dimension index, when the tensor is not constant (for consistent resizes)
}

interface TableRef { pos: number; vtable: number; vsize: number; tsize: number }

class Walker {
  readonly fields: Field[] = [];
  private readonly seen = new Set<string>();
  private readonly view: DataView;
  private groups = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private ok(pos: number, n: number): boolean { return Number.isInteger(pos) && pos >= 0 && n >= 0 && pos + n <= this.bytes.length; }
  private u16(p: number): number { return this.view.getUint16(p, true); }
  private u32(p: number): number { return this.view.getUint32(p, true); }
  private i32(p: number): number { return this.view.getInt32(p, true); }

  add(f: Field): void {
    const key = `${f.pos}/${f.kind}`;
    if (this.seen.has(key) || !this.ok(f.pos, f.size)) return;
    this.seen.add(key);
    this.fields.push(f);
  }

  table(pos: number, path: string): TableRef | null {
    if (!this.ok(pos, 4) || pos % 4 !== 0) return null;
    const vtable = pos - this.i32(pos);
    if (!this.ok(vtable, 4)) return null;
    const vsize = this.u16(vtable), tsize = this.u16(vtable + 2);
    if (vsize < 4 || !this.ok(vtable, vsize) || !this.ok(pos, tsize)) return null;
    this.add({ pos, size: 4, kind: 'soffset', path: `${path} (vtable offset)`, signed: true });
    this.add({ pos: vtable, size: 2, kind: 'vtable-size', path: `${path} (vtable size)` });
    this.add({ pos: vtable + 2, size: 2, kind: 'table-size', path: `${path} (table size)` });
    for (let i = 0; 4 + 2 * i + 2 <= vsize; i++) {
      this.add({ pos: vtable + 4 + 2 * i, size: 2, kind: 'vtable-entry', path: `${path} (vtable entry ${i})` });
    }
    return { pos, vtable, vsize, tsize };
  }

  /** Absolute position of field i of a table, or 0. */
  field(t: TableRef, i: number, size: number): number {
    const slot = 4 + 2 * i;
    if (slot + 2 > t.vsize) return 0;
    const off = this.u16(t.vtable + slot);
    if (!off || off + size > t.tsize) return 0;
    return t.pos + off;
  }

  scalar(t: TableRef, i: number, size: 1 | 2 | 4 | 8, kind: FieldKind, path: string, extra: Partial<Field> = {}): number {
    const p = this.field(t, i, size);
    if (!p) return 0;
    this.add({ pos: p, size, kind, path, ...extra });
    if (size === 1) return extra.signed ? this.view.getInt8(p) : this.bytes[p];
    if (size === 2) return this.u16(p);
    if (size === 4) return extra.float ? this.view.getFloat32(p, true) : extra.signed ? this.i32(p) : this.u32(p);
    return this.u32(p);
  }

  /** Follows the offset in field i; adds it. */
  indirect(t: TableRef, i: number, path: string): number {
    const p = this.field(t, i, 4);
    if (!p) return 0;
    this.add({ pos: p, size: 4, kind: 'uoffset', path: `${path} (offset)` });
    const target = p + this.u32(p);
    return this.ok(target, 4) ? target : 0;
  }

  subtable(t: TableRef, i: number, path: string): TableRef | null {
    const target = this.indirect(t, i, path);
    return target ? this.table(target, path) : null;
  }

  /** A vector field: its length and elements' start, with the length added as a field. */
  vector(t: TableRef, i: number, elementBytes: number, path: string, lengthKind: FieldKind = 'vector-length'): { start: number; length: number } | null {
    const v = this.indirect(t, i, path);
    if (!v) return null;
    const length = this.u32(v);
    this.add({ pos: v, size: 4, kind: lengthKind, path: `${path} (length)` });
    if (!this.ok(v + 4, length * elementBytes)) return null;
    return { start: v + 4, length };
  }

  scalars(t: TableRef, i: number, size: 1 | 4 | 8, kind: FieldKind, path: string, extra: Partial<Field> = {}): number {
    const v = this.vector(t, i, size, path);
    if (!v) return 0;
    for (let k = 0; k < v.length && k < 4096; k++) this.add({ pos: v.start + size * k, size, kind, path: `${path}[${k}]`, ...extra });
    return v.length;
  }

  string(t: TableRef, i: number, path: string): void {
    this.vector(t, i, 1, path, 'string-length');
  }

  tables(t: TableRef, i: number, path: string): TableRef[] {
    const v = this.vector(t, i, 4, path);
    if (!v) return [];
    const group = ++this.groups;
    const out: TableRef[] = [];
    for (let k = 0; k < v.length && k < 65536; k++) {
      const p = v.start + 4 * k;
      this.add({ pos: p, size: 4, kind: 'element-offset', path: `${path}[${k}] (offset)`, group });
      const table = this.table(p + this.u32(p), `${path}[${k}]`);
      if (table) out.push(table);
    }
    return out;
  }

  /** The fields of an options table, whose layout is not known here: sizes from the gaps between fields. */
  options(t: TableRef, path: string): void {
    const offsets: { slot: number; off: number }[] = [];
    for (let i = 0; 4 + 2 * i + 2 <= t.vsize; i++) {
      const off = this.u16(t.vtable + 4 + 2 * i);
      if (off) offsets.push({ slot: i, off });
    }
    const sorted = offsets.slice().sort((a, b) => a.off - b.off);
    sorted.forEach(({ slot, off }, k) => {
      const gap = (k + 1 < sorted.length ? sorted[k + 1].off : t.tsize) - off;
      const size = gap >= 4 && off % 4 === 0 ? 4 : gap >= 2 && off % 2 === 0 ? 2 : 1;
      const p = t.pos + off;
      this.add({ pos: p, size, kind: 'option', path: `${path}.field${slot}`, signed: true });
      // A 4-byte field that points at a short int32 vector (ReshapeOptions.new_shape, ...).
      if (size === 4 && this.ok(p, 4)) {
        const target = p + this.u32(p);
        if (target > p && target % 4 === 0 && this.ok(target, 4)) {
          const n = this.u32(target);
          if (n <= 16 && this.ok(target + 4, 4 * n)) {
            this.add({ pos: target, size: 4, kind: 'vector-length', path: `${path}.field${slot} (length)` });
            for (let e = 0; e < n; e++) this.add({ pos: target + 4 + 4 * e, size: 4, kind: 'shape', path: `${path}.field${slot}[${e}]`, signed: true });
          }
        }
      }
    });
  }

  walkModel(): void {
    const b = this.bytes;
    if (b.length < 8) return;
    this.add({ pos: 0, size: 4, kind: 'root-offset', path: 'root (offset)' });
    const root = this.table(this.u32(0), 'model');
    if (!root) return;
    this.scalar(root, 0, 4, 'model-version', 'version');
    const opcodes = this.tables(root, 1, 'operator_codes');
    opcodes.forEach((t, j) => {
      const path = `operator_codes[${j}]`;
      this.scalar(t, 0, 1, 'deprecated-code', `${path}.deprecated_builtin_code`, { signed: true });
      this.string(t, 1, `${path}.custom_code`);
      this.scalar(t, 2, 4, 'op-version', `${path}.version`, { signed: true });
      this.scalar(t, 3, 4, 'builtin-code', `${path}.builtin_code`, { signed: true });
    });
    const buffers = this.tables(root, 4, 'buffers');
    const bufferBytes: number[] = [];
    buffers.forEach((t, j) => {
      const path = `buffers[${j}]`;
      bufferBytes.push(this.vector(t, 0, 1, `${path}.data`, 'buffer-length')?.length ?? 0);
      this.scalar(t, 1, 8, 'buffer-offset', `${path}.offset`);
      this.scalar(t, 2, 8, 'buffer-size', `${path}.size`);
    });
    this.string(root, 3, 'description');
    this.scalars(root, 5, 4, 'buffer-index', 'metadata_buffer', { max: buffers.length, signed: true });
    this.tables(root, 6, 'metadata').forEach((t, j) => {
      this.string(t, 0, `metadata[${j}].name`);
      this.scalar(t, 1, 4, 'buffer-index', `metadata[${j}].buffer`, { max: buffers.length });
    });
    this.tables(root, 2, 'subgraphs').forEach((g, s) => {
      const sp = `subgraphs[${s}]`;
      const tensorsVector = this.vector(g, 0, 4, `${sp}.tensors`);
      const nTensors = tensorsVector?.length ?? 0;
      const tensors = this.tables(g, 0, `${sp}.tensors`);
      tensors.forEach((t, k) => {
        const tp = `${sp}.tensors[${k}]`;
        const shapeAt = this.fields.length;
        this.scalars(t, 0, 4, 'shape', `${tp}.shape`, { signed: true });
        const shapeEnd = this.fields.length;
        this.scalar(t, 1, 1, 'dtype', `${tp}.type`, { signed: true });
        const buffer = this.scalar(t, 2, 4, 'buffer-index', `${tp}.buffer`, { max: buffers.length });
        if (!(bufferBytes[buffer] > 0)) {
          for (let i = shapeAt, d = 0; i < shapeEnd; i++) if (this.fields[i].kind === 'shape') this.fields[i].dim = d++;
        }
        this.string(t, 3, `${tp}.name`);
        const q = this.subtable(t, 4, `${tp}.quantization`);
        if (q) {
          const qp = `${tp}.quantization`;
          this.scalars(q, 0, 4, 'minmax', `${qp}.min`, { float: true });
          this.scalars(q, 1, 4, 'minmax', `${qp}.max`, { float: true });
          this.scalars(q, 2, 4, 'scale', `${qp}.scale`, { float: true });
          this.scalars(q, 3, 8, 'zero-point', `${qp}.zero_point`, { signed: true });
          this.scalar(q, 4, 1, 'options-type', `${qp}.details_type`);
          this.scalar(q, 6, 4, 'quantized-dimension', `${qp}.quantized_dimension`, { signed: true });
        }
        this.scalar(t, 5, 1, 'flag', `${tp}.is_variable`);
        this.scalars(t, 7, 4, 'shape', `${tp}.shape_signature`, { signed: true });
      });
      this.scalars(g, 1, 4, 'tensor-index', `${sp}.inputs`, { max: nTensors, signed: true });
      this.scalars(g, 2, 4, 'tensor-index', `${sp}.outputs`, { max: nTensors, signed: true });
      this.tables(g, 3, `${sp}.operators`).forEach((op, k) => {
        const opPath = `${sp}.operators[${k}]`;
        this.scalar(op, 0, 4, 'opcode-index', `${opPath}.opcode_index`, { max: opcodes.length });
        this.scalars(op, 1, 4, 'tensor-index', `${opPath}.inputs`, { max: nTensors, signed: true });
        this.scalars(op, 2, 4, 'tensor-index', `${opPath}.outputs`, { max: nTensors, signed: true });
        this.scalar(op, 3, 1, 'options-type', `${opPath}.builtin_options_type`);
        const options = this.subtable(op, 4, `${opPath}.builtin_options`);
        if (options) this.options(options, `${opPath}.builtin_options`);
        // A custom op's options: a flexbuffer, whose bytes are mutated one by one.
        const custom = this.vector(op, 5, 1, `${opPath}.custom_options`);
        if (custom) {
          for (let i = 0; i < custom.length && i < 1024; i++) this.add({ pos: custom.start + i, size: 1, kind: 'custom-option', path: `${opPath}.custom_options[${i}]` });
        }
        this.scalars(op, 8, 4, 'tensor-index', `${opPath}.intermediates`, { max: nTensors, signed: true });
      });
      this.string(g, 4, `${sp}.name`);
    });
  }
}

/** Every mutable field of a model (as much of it as can be walked). */
export function walkModel(bytes: Uint8Array): Field[] {
  const w = new Walker(bytes);
  try { w.walkModel(); } catch { /* a partly walkable mutant: keep what was found */ }
  return w.fields;
}

// ---------------------------------------------------------------------------------------------
// Mutations

const SUPPORTED_CODES = [0, 1, 2, 3, 4, 6, 9, 17, 18, 22, 25, 114];
const OPTION_TYPES = [0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 17, 21, 22, 127, 255];

function readField(b: Uint8Array, f: Field): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (f.size) {
    case 1: return f.signed ? v.getInt8(f.pos) : v.getUint8(f.pos);
    case 2: return v.getUint16(f.pos, true);
    case 4: return f.float ? v.getFloat32(f.pos, true) : f.signed ? v.getInt32(f.pos, true) : v.getUint32(f.pos, true);
    case 8: return v.getInt32(f.pos + 4, true) * 4294967296 + v.getUint32(f.pos, true);
  }
}

function writeField(b: Uint8Array, f: Field, value: number): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (f.size) {
    case 1: v.setUint8(f.pos, Number(BigInt.asUintN(8, BigInt(Math.trunc(value))))); break;
    case 2: v.setUint16(f.pos, Number(BigInt.asUintN(16, BigInt(Math.trunc(value)))), true); break;
    case 4:
      if (f.float) v.setFloat32(f.pos, value, true);
      else v.setUint32(f.pos, Number(BigInt.asUintN(32, BigInt(Math.trunc(value)))), true);
      break;
    case 8: v.setBigUint64(f.pos, BigInt.asUintN(64, BigInt(Math.trunc(value))), true); break;
  }
}

function valueFor(f: Field, old: number, r: Random, fields: Field[], b: Uint8Array): number {
  const fileLength = b.length;
  const max = f.max ?? 0;
  const small = () => r.below(8);
  const sameKind = () => {
    for (let i = 0; i < 8; i++) {
      const g = fields[r.below(fields.length)];
      if (g.kind === f.kind && g.pos !== f.pos) return g;
    }
    return null;
  };
  switch (f.kind) {
    case 'tensor-index': return r.pick([-1, -2, 0, max - 1, max, max + 1, r.below(Math.max(max, 1)), r.below(Math.max(max, 1)), old + 1, old - 1,
      0x7fffffff, -0x80000000, r.below(Math.max(max, 1))]);
    case 'opcode-index': case 'buffer-index': return r.pick([0, max - 1, max, max + 1, r.below(Math.max(max, 1)), r.below(Math.max(max, 1)), old + 1, old - 1, 0xffffffff, 0x80000000]);
    case 'shape': return r.pick([0, 1, 2, 3, old + 1, old - 1, old * 2, old >> 1, -1, -2, 0x7fffffff, 0x10000, 46341, 131072, r.below(300), old * 256]);
    case 'dtype': return r.chance(0.5) ? r.pick([0, 2, 3, 4, 6, 7, 9, 0, 9, 9]) : r.pick([-1, -2, 1, 5, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 22, 23, 127, -128]);
    case 'scale': case 'minmax': return r.pick([0, -0, -old, NaN, Infinity, -Infinity, 1.4e-45, 1e-30, 1e30, 3.4e38, old * 2, old / 2, old * 256, old / 256, 1, 2 ** -8, 2 ** -16, 2 ** -31, 2 ** 31, old * (1 + 1e-6)]);
    case 'zero-point': return r.pick([0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, -32768, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 40, 2 ** 53, old + 1, old - 1, -old]);
    case 'quantized-dimension': return r.pick([-1, 0, 1, 2, 3, 4, 5, 0x7fffffff, -0x80000000, old + 1, old - 1]);
    case 'builtin-code': return r.chance(0.6) ? r.pick(SUPPORTED_CODES) : r.pick([-1, -2, -8, 32, 127, 128, 210, 255, 1000, 0x7fffffff, r.below(210)]);
    case 'deprecated-code': return r.chance(0.6) ? r.pick(SUPPORTED_CODES) : r.pick([-1, -2, -8, 32, 126, 127, r.below(128)]);
    case 'op-version': return r.pick([0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 99, -1, 0x7fffffff]);
    case 'options-type': return r.chance(0.5) ? r.pick(OPTION_TYPES) : r.below(256);
    case 'custom-option': return r.pick([0, 1, 2, 3, 4, 8, 0x7f, 0x80, 0xfe, 0xff, old + 1, old - 1, old ^ 0x80, r.below(256)]);
    case 'option': return r.pick([0, 1, 2, 3, 4, 5, 6, -1, -2, old + 1, old - 1, old * 2, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, -0x80000000, r.below(64)]);
    case 'vector-length': case 'string-length': case 'buffer-length':
      return r.pick([0, 1, old - 1, old + 1, old + 2, old * 2, old + small(), old - small(), 0x3fffffff, 0x40000000, 0x7fffffff, 0xffffffff, old + 4, old - 4]);
    case 'root-offset': case 'uoffset': case 'element-offset': {
      const other = sameKind();
      // Point at what another offset points at (another table, vector or string).
      if (other && r.chance(0.3)) return other.pos + new DataView(b.buffer, b.byteOffset, b.length).getUint32(other.pos, true) - f.pos;
      return r.pick([old + 4, old - 4, old + 1, old - 1, old + 2, old - 2, 0, 4, 0xffffffff, 0x80000000, old + 8, old - 8, fileLength - f.pos, fileLength - f.pos - 4]);
    }
    case 'soffset': return r.pick([old + 4, old - 4, old + 2, old - 2, 0, -old, 0x7fffffff, -0x80000000, old + 1, 4]);
    case 'vtable-size': case 'table-size': case 'vtable-entry':
      return r.pick([0, 1, 2, 3, 4, old + 1, old + 2, old - 2, old + 4, old - 4, 0xffff, 0x8000, old * 2, r.below(64), r.below(256)]);
    case 'buffer-offset': case 'buffer-size': return r.pick([0, 1, 2, fileLength, fileLength - 1, fileLength + 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -1, old + 1, old - 1, old * 2]);
    case 'model-version': return r.pick([0, 1, 2, 3, 4, 0xffffffff]);
    case 'flag': return r.pick([0, 1, 2, 255]);
  }
  // Unreachable for the kinds above; keeps the compiler's exhaustiveness honest.
  return old ^ 1;
}

/** How often each kind of field is mutated, relative to the others: the model's meaning more than its layout. */
const KIND_WEIGHTS: Record<FieldKind, number> = {
  'tensor-index': 4, shape: 4, dtype: 2, scale: 2, 'zero-point': 2, 'quantized-dimension': 1, minmax: 0.2,
  'opcode-index': 1, 'builtin-code': 1, 'deprecated-code': 0.5, 'op-version': 1, 'options-type': 1, option: 4, 'custom-option': 3,
  'buffer-index': 1, 'buffer-length': 1, 'vector-length': 1.5, 'string-length': 0.3,
  'root-offset': 0.1, uoffset: 1, 'element-offset': 0.7, soffset: 0.4, 'vtable-size': 0.3, 'table-size': 0.3, 'vtable-entry': 0.6,
  'buffer-offset': 0.3, 'buffer-size': 0.3, 'model-version': 0.1, flag: 0.3,
};

function pickField(fields: Field[], r: Random): Field {
  const byKind = new Map<FieldKind, Field[]>();
  for (const f of fields) {
    const list = byKind.get(f.kind);
    if (list) list.push(f); else byKind.set(f.kind, [f]);
  }
  const kinds = [...byKind.keys()];
  const total = kinds.reduce((t, k) => t + KIND_WEIGHTS[k], 0);
  let x = r.next() * total;
  for (const k of kinds) {
    x -= KIND_WEIGHTS[k];
    if (x <= 0) return r.pick(byKind.get(k)!);
  }
  return r.pick(fields);
}

export interface Mutant { bytes: Uint8Array; steps: string[] }

/** Applies one mutation to bytes, in place (a truncation returns a shorter copy); returns the bytes and what it did. */
function mutateOnce(input: Uint8Array, fields: Field[], r: Random): { bytes: Uint8Array; step: string } {
  let b = input;
  const n = b.length;
  const roll = r.next();
  const inRange = fields.filter((f) => f.pos + f.size <= n);
  if (roll < 0.62 && inRange.length > 0) {
    // One field, structure-aware: a kind by weight, then one field of that kind.
    const f = pickField(inRange, r);
    const old = readField(b, f);
    const value = valueFor(f, old, r, inRange, b);
    writeField(b, f, value);
    return { bytes: b, step: `${f.path} (${f.kind} at byte ${f.pos}): ${old} -> ${readField(b, f)}` };
  }
  if (roll < 0.66) {
    // A consistent resize: one dimension value changed in every non-constant tensor that has it at
    // that position (a batch of 1 becomes 2, a width of 49 becomes 50 everywhere).
    const dims = inRange.filter((f) => f.dim !== undefined);
    if (dims.length > 0) {
      const f = r.pick(dims);
      const old = readField(b, f);
      const value = r.pick([1, 2, 3, old + 1, old - 1, old * 2, 0]);
      let changed = 0;
      for (const g of dims) {
        if (g.dim === f.dim && readField(b, g) === old) { writeField(b, g, value); changed++; }
      }
      return { bytes: b, step: `resized dimension ${f.dim} from ${old} to ${value} in ${changed} tensors` };
    }
  }
  if (roll < 0.72) {
    // Swap two elements of one vector of tables (operators, tensors, subgraphs, ...).
    const elements = inRange.filter((f) => f.kind === 'element-offset');
    if (elements.length > 1) {
      const a = r.pick(elements);
      const same = elements.filter((f) => f.group === a.group && f.pos !== a.pos);
      if (same.length > 0) {
        const c = r.pick(same);
        const v = new DataView(b.buffer, b.byteOffset, n);
        const ta = a.pos + v.getUint32(a.pos, true), tc = c.pos + v.getUint32(c.pos, true);
        v.setUint32(a.pos, (tc - a.pos) >>> 0, true);
        v.setUint32(c.pos, (ta - c.pos) >>> 0, true);
        return { bytes: b, step: `swapped ${a.path} and ${c.path}` };
      }
    }
  }
  if (roll < 0.84) {
    // Random bit flips, near a field half the time.
    const k = 1 + r.below(6);
    const where: string[] = [];
    for (let i = 0; i < k; i++) {
      const near = inRange.length > 0 && r.chance(0.5) ? r.pick(inRange).pos + r.below(8) : r.below(n);
      const p = Math.min(n - 1, near);
      const bit = r.below(8);
      b[p] ^= 1 << bit;
      where.push(`${p}.${bit}`);
    }
    return { bytes: b, step: `flipped bits ${where.join(' ')}` };
  }
  if (roll < 0.90) {
    // Copy a run of bytes over another place.
    const len = 1 + r.below(32);
    const from = r.below(Math.max(1, n - len)), to = inRange.length > 0 && r.chance(0.5) ? r.pick(inRange).pos : r.below(Math.max(1, n - len));
    const run = b.slice(from, from + len);
    b.set(run.subarray(0, Math.max(0, Math.min(run.length, n - to))), to);
    return { bytes: b, step: `copied ${len} bytes from ${from} to ${to}` };
  }
  if (roll < 0.95) {
    // Random bytes at a field.
    const p = inRange.length > 0 ? r.pick(inRange).pos : r.below(n);
    const len = 1 + r.below(8);
    for (let i = p; i < Math.min(n, p + len); i++) b[i] = r.below(256);
    return { bytes: b, step: `random bytes at ${p}..${Math.min(n, p + len) - 1}` };
  }
  // Truncation: anywhere, or just inside a field.
  const cut = inRange.length > 0 && r.chance(0.5) ? r.pick(inRange).pos + r.below(4) : r.below(n);
  b = b.slice(0, Math.max(0, Math.min(n, cut)));
  return { bytes: b, step: `truncated to ${b.length} bytes` };
}

/** One mutant of a model: one to three mutations. */
export function mutate(original: Uint8Array, fields: Field[], r: Random): Mutant {
  // A copy in an ArrayBuffer of its own, so that byteOffset is 0 (alignment as for a file read).
  let bytes: Uint8Array = original.slice();
  const steps: string[] = [];
  const count = r.chance(0.6) ? 1 : r.chance(0.6) ? 2 : 3;
  for (let i = 0; i < count && bytes.length > 0; i++) {
    const m = mutateOnce(bytes, fields, r);
    bytes = m.bytes;
    steps.push(m.step);
  }
  return { bytes, steps };
}

// ---------------------------------------------------------------------------------------------
// The node host: a worker thread running tools/fuzz-worker.ts over src/, transpiled once

let compiledDir: string | null = null;

/** Transpiles src/, tools/fuzz-worker.ts and the types they import into a temporary directory. */
function compileWorker(): string {
  if (compiledDir) return compiledDir;
  const out = mkdtempSync(join(tmpdir(), 'xsml-fuzz-'));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(join(ROOT, 'src'));
  files.push(join(ROOT, 'tools/fuzz-worker.ts'));
  for (const file of files) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: file,
    }).outputText;
    const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  compiledDir = out;
  process.once('exit', () => rmSync(out, { recursive: true, force: true }));
  return out;
}

export type NodeOutcome = WorkerReply | { id: number; status: 'hang' | 'crash'; message: string };

export class NodeHost {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending: { id: number; resolve: (r: NodeOutcome) => void; timer: NodeJS.Timeout } | null = null;
  executed = 0;

  constructor(readonly timeoutMs: number) {}

  private start(): Worker {
    const dir = compileWorker();
    const w = new Worker(pathToFileURL(join(dir, 'tools/fuzz-worker.js')), { resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    w.on('message', (reply: WorkerReply) => {
      const p = this.pending;
      if (!p || p.id !== reply.id) return;
      clearTimeout(p.timer);
      this.pending = null;
      p.resolve(reply);
    });
    const died = (message: string) => {
      if (this.worker === w) this.worker = null;
      const p = this.pending;
      if (!p) return;
      clearTimeout(p.timer);
      this.pending = null;
      p.resolve({ id: p.id, status: 'crash', message });
    };
    w.on('error', (e) => died(`the worker died: ${e.name}: ${e.message}`));
    w.on('exit', (code) => died(`the worker exited with code ${code}`));
    w.unref();
    return w;
  }

  run(req: Omit<WorkerRequest, 'id'>): Promise<NodeOutcome> {
    if (this.pending) throw new Error('NodeHost: one request at a time');
    this.worker ??= this.start();
    const w = this.worker;
    const id = this.nextId++;
    this.executed++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = null;
        this.worker = null;
        void w.terminate();
        resolve({ id, status: 'hang', message: `no answer within ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      this.pending = { id, resolve, timer };
      w.postMessage({ ...req, id });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

// ---------------------------------------------------------------------------------------------
// The C host: the sanitized plan runner

export interface NativeOutcome {
  /** no-kernel: the plan uses a kernel the C runner does not have (a TypeScript op not yet ported): not a failure. */
  status: 'ok' | 'rejected' | 'no-kernel' | 'sanitizer' | 'crash' | 'hang' | 'guard' | 'runner-error';
  message: string;
  outputs: Uint8Array | null;
}

let planDir: string | null = null;
let planCounter = 0;

const snapshots = new Map<string, string>();

/**
 * A copy of a runner in the fuzzer's own directory, taken once: a rebuild of build/native (make -C
 * native, by anyone) while the fuzzer runs then changes nothing under it. Waits up to a minute for a
 * runner that is missing or being written.
 */
async function snapshotOf(runner: string, dir: string, usageStatus = 1): Promise<string> {
  const known = snapshots.get(runner);
  if (known) return known;
  const copy = join(dir, runner.split('/').pop()!);
  for (let tries = 0; ; tries++) {
    try {
      copyFileSync(runner, copy);
      chmodSync(copy, 0o755);
      // A runner caught half-written fails to start: try again.
      const probe = await new Promise<number | null>((res) => {
        const child = spawn(copy, [], { stdio: 'ignore' });
        child.on('close', (code) => res(code));
        child.on('error', () => res(null));
      });
      if (probe === usageStatus) break; // started, and printed its usage
    } catch { /* missing or busy */ }
    if (tries >= 120) throw new Error(`${runner} is not built (make -C native all asan)`);
    await new Promise((res) => setTimeout(res, 500));
  }
  snapshots.set(runner, copy);
  return copy;
}

export async function runAsan(parts: Parameters<typeof planFileBytes>[0], timeoutMs: number, asanRunner = ASAN_RUNNER): Promise<NativeOutcome> {
  if (!planDir) {
    const dir = mkdtempSync(join(tmpdir(), 'xsml-fuzz-plans-'));
    planDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const runner = await snapshotOf(asanRunner, planDir);
  const file = join(planDir, `m${planCounter++}.plan`);
  const out = `${file}.out`;
  writeFileSync(file, planFileBytes(parts));
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:exitcode=87' };
  type Exit = { code: number | null; signal: NodeJS.Signals | null; stderr: string; timedOut: boolean; spawnError?: string };
  const once = () => new Promise<Exit>((resolvePromise) => {
    const child = spawn(runner, [file, '-o', out], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { if (stderr.length < 20000) stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('close', (code, signal) => { clearTimeout(timer); resolvePromise({ code, signal, stderr, timedOut }); });
    child.on('error', (e) => { clearTimeout(timer); resolvePromise({ code: null, signal: null, stderr: String(e), timedOut: false, spawnError: (e as NodeJS.ErrnoException).code }); });
  });
  // The runner may be being rebuilt (make -C native) just then: wait for it rather than report it.
  let result = await once();
  for (let tries = 0; tries < 20 && result.spawnError && ['EACCES', 'ETXTBSY', 'ENOENT'].includes(result.spawnError); tries++) {
    await new Promise((res) => setTimeout(res, 500));
    result = await once();
  }
  let outputs: Uint8Array | null = null;
  try {
    if (result.code === 0 && existsSync(out)) outputs = new Uint8Array(readFileSync(out));
  } finally {
    rmSync(file, { force: true });
    rmSync(out, { force: true });
  }
  const stderr = result.stderr.trim();
  if (result.timedOut) return { status: 'hang', message: `no exit within ${timeoutMs} ms`, outputs: null };
  if (/Sanitizer|runtime error:/.test(stderr) || result.code === 86 || result.code === 87) return { status: 'sanitizer', message: stderr, outputs: null };
  if (result.signal) return { status: 'crash', message: `killed by ${result.signal}: ${stderr}`, outputs: null };
  if (result.code === 3) return { status: 'guard', message: stderr, outputs: null };
  if (result.code === 2 && /plan rejected: op #\d+( \w+)?: (unknown kernel id -?\d+|kernel \w+ is not built into this executor)$/.test(stderr)) {
    return { status: 'no-kernel', message: stderr, outputs: null };
  }
  if (result.code === 2) return { status: 'rejected', message: stderr, outputs: null };
  if (result.code !== 0 || stderr !== '' || !outputs) return { status: 'runner-error', message: `exit ${result.code}: ${stderr}`, outputs: null };
  return { status: 'ok', message: '', outputs };
}

// ---------------------------------------------------------------------------------------------
// The XS host: the sanitized XS binary (hosts/xs, make asan) runs mutants in batches through its
// driver (hosts/xs/driver.ts batch): load, plan and check in JavaScript on XS, then the C kernels.

export const XS_ASAN = join(ROOT, 'hosts/xs/build/xsml-xs-asan');
export const XS_DRIVER = join(ROOT, 'dist/xsml-xs-driver.js');

export type XsOutcome =
  | { status: 'ok'; outputs: Uint8Array }
  | { status: 'rejected'; code: string; stage: string; message: string }
  | { status: 'exception' | 'model-write' | 'sanitizer' | 'crash' | 'hang'; message: string };

interface XsJob {
  bytes: Uint8Array;
  inputs: Uint8Array[]; // none: zeros
  outputs: number; // how many output files to expect
  exactWith: 'tflite' | 'tflm';
  preserveInputs: boolean;
  resolve: (o: XsOutcome) => void;
}

export class XsHost {
  private queue: XsJob[] = [];
  private dir: string | null = null;
  private batches = 0;
  private binary: string | null = null;
  private driver: string | null = null;
  executed = 0;

  constructor(private readonly batchSize = 48, private readonly timeoutMs = 30_000, private readonly xsBinary = XS_ASAN) {}

  /** Queues a model; its outcome comes when its batch has run (flush() runs a partial one). */
  run(job: Omit<XsJob, 'resolve'>): { outcome: Promise<XsOutcome>; batch: Promise<void> | null } {
    let resolve!: (o: XsOutcome) => void;
    const outcome = new Promise<XsOutcome>((r) => { resolve = r; });
    this.queue.push({ ...job, resolve });
    return { outcome, batch: this.queue.length >= this.batchSize ? this.flush() : null };
  }

  /** Runs what is queued. */
  flush(): Promise<void> {
    const jobs = this.queue;
    this.queue = [];
    return jobs.length ? this.runBatch(jobs) : Promise.resolve();
  }

  private async runBatch(jobs: XsJob[]): Promise<void> {
    if (!this.dir) {
      const dir = mkdtempSync(join(tmpdir(), 'xsml-fuzz-xs-'));
      this.dir = dir;
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
    this.binary ??= await snapshotOf(this.xsBinary, this.dir, 2);
    if (!this.driver) { // a copy too: a rebuild (npm run build) while the fuzzer runs changes nothing under it
      this.driver = join(this.dir, 'xsml-xs-driver.js');
      copyFileSync(XS_DRIVER, this.driver);
    }
    const base = join(this.dir, `b${this.batches++}`);
    mkdirSync(base, { recursive: true });
    try {
      const manifest = jobs.map((j, i) => {
        const model = join(base, `m${i}.tflite`);
        writeFileSync(model, j.bytes);
        const inputs = j.inputs.map((bytes, k) => {
          const f = join(base, `m${i}.in${k}.bin`);
          writeFileSync(f, bytes);
          return f;
        });
        const outputs = Array.from({ length: j.outputs }, (_, k) => join(base, `m${i}.out${k}.bin`));
        return { model, inputs, outputs, exactWith: j.exactWith, preserveInputs: j.preserveInputs };
      });
      const outcomes = await this.runManifest(base, manifest, 0, jobs.length);
      jobs.forEach((j, i) => j.resolve(outcomes[i]));
      this.executed += jobs.length;
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }

  /** Outcomes of manifest[from, to): one XS process, or, if it fails, halves until the culprit is alone. */
  private async runManifest(base: string, manifest: { model: string; inputs: string[]; outputs: string[] }[], from: number, to: number): Promise<XsOutcome[]> {
    const file = join(base, `manifest-${from}-${to}.json`);
    writeFileSync(file, JSON.stringify(manifest.slice(from, to)));
    const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:exitcode=87' };
    const r = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; timedOut: boolean }>((res) => {
      const child = spawn(this.binary!, [this.driver!, 'batch', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '', timedOut = false;
      child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 20000) stderr += d; });
      const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, this.timeoutMs * (to - from));
      child.on('close', (code, signal) => { clearTimeout(timer); res({ code, signal, stdout, stderr, timedOut }); });
      child.on('error', (e) => { clearTimeout(timer); res({ code: null, signal: null, stdout, stderr: String(e), timedOut: false }); });
    });
    const stderr = r.stderr.trim();
    if (r.code !== 0 || stderr !== '' || r.timedOut) {
      if (to - from > 1) {
        const mid = (from + to) >> 1;
        return [...await this.runManifest(base, manifest, from, mid), ...await this.runManifest(base, manifest, mid, to)];
      }
      if (r.timedOut) return [{ status: 'hang', message: `no exit within ${this.timeoutMs} ms` }];
      if (/Sanitizer|runtime error:/.test(stderr) || r.code === 86 || r.code === 87) return [{ status: 'sanitizer', message: stderr }];
      return [{ status: 'crash', message: `${r.signal ? `killed by ${r.signal}` : `exit status ${r.code}`}: ${stderr}` }];
    }
    const errors = new Map<number, { error: string; stage: string; code: string }>();
    for (const line of r.stdout.trim().split('\n')) {
      const j = JSON.parse(line);
      if (typeof j.case === 'number') errors.set(j.case, j);
    }
    return manifest.slice(from, to).map((m, i): XsOutcome => {
      const e = errors.get(i);
      if (!e) return { status: 'ok', outputs: new Uint8Array(Buffer.concat(m.outputs.map((f) => readFileSync(f)))) }; // a copy: a Buffer's slice() is not
      if (e.code === 'exception' || e.code === 'model-write') return { status: e.code, message: `${e.stage}: ${e.error}` };
      return { status: 'rejected', code: e.code, stage: e.stage, message: e.error };
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The emulated board: a sample of the mutants through the runner firmware (hosts/mps2), one boot per
// batch, outputs compared with node's. A run that stops the firmware (fault, XS abort, QEMU's time
// limit) is the one after the last result; the runs after it go in the next boot.

/** The static arena of the runner firmware (hosts/mps2: ARENA_BYTES): larger plans are refused there. */
const BOARD_ARENA_BYTES = 128 * 1024;

interface BoardJob { run: BoardRun; node: NodeOutcome; resolve: (f: Failure[]) => void }

export class BoardHost {
  private queue: BoardJob[] = [];
  executed = 0;

  constructor(readonly board: string, private readonly batchSize = 64, private readonly timeoutSeconds = 300) {
    if (!BOARDS[board]) throw new Error(`fuzz: unknown board ${board}`);
  }

  run(bytes: Uint8Array, inputs: Uint8Array[], exactWith: 'tflite' | 'tflm', node: NodeOutcome): { failures: Promise<Failure[]>; batch: Promise<void> | null } {
    let resolve!: (f: Failure[]) => void;
    const failures = new Promise<Failure[]>((r) => { resolve = r; });
    const run: BoardRun = { name: 'mutant.tflite', model: bytes, inputs, repeat: 1, arenaBytes: null, exactWith, profile: false };
    this.queue.push({ run, node, resolve });
    return { failures, batch: this.queue.length >= this.batchSize ? this.flush() : null };
  }

  flush(): Promise<void> {
    const jobs = this.queue;
    this.queue = [];
    return jobs.length ? this.boot(jobs) : Promise.resolve();
  }

  private async boot(jobs: BoardJob[]): Promise<void> {
    const elf = await ensureFirmwareAsync(this.board);
    const board = BOARDS[this.board];
    for (let from = 0; from < jobs.length;) {
      const rest = jobs.slice(from);
      const boot = await bootFirmwareAsync(this.board, elf, writeJob(rest.map((j) => j.run), board), this.timeoutSeconds);
      const results: ({ ok: true; json: BoardJson } | { ok: false; error: string })[] = [];
      const log: string[] = [];
      for (const line of boot.lines) {
        if (line.startsWith('{"model":')) results.push({ ok: true, json: JSON.parse(line) });
        else if (errorFromLine(line)) results.push({ ok: false, error: errorFromLine(line)!.message });
        else if (line) log.push(line);
      }
      results.forEach((r, i) => rest[i].resolve(boardFailures(rest[i].node, r)));
      this.executed += results.length;
      if (results.length < rest.length) {
        const why = boot.status === 124 ? 'QEMU timed out' : `exit status ${boot.status}`;
        rest[results.length].resolve([{ kind: 'board-crash', message: `the firmware stopped (${why}): ${[...log.slice(-8), boot.stderr.trim()].filter(Boolean).join(' | ')}` }]);
        this.executed++;
      }
      from += results.length + 1;
    }
  }
}

/** The board's result against node's outcome. */
function boardFailures(node: NodeOutcome, r: { ok: true; json: BoardJson } | { ok: false; error: string }): Failure[] {
  if (!r.ok) {
    if (node.status === 'ok' && !(node.arenaBytes > BOARD_ARENA_BYTES && /arena/.test(r.error))) {
      return [{ kind: 'board-disagrees', message: `node ran the model, the board rejected it: ${r.error}` }];
    }
    return [];
  }
  if (node.status !== 'ok') return [{ kind: 'board-disagrees', message: `node ${node.status === 'rejected' ? `rejected the model (${node.code}): ${node.message}` : node.status}, the board ran it` }];
  const outputs = r.json.outputs;
  if (outputs.length !== node.outputs.length) return [{ kind: 'board-mismatch', message: `${outputs.length} outputs on the board, ${node.outputs.length} on node` }];
  for (let k = 0; k < outputs.length; k++) {
    const { dtype, bytes } = node.outputs[k];
    const want = typedOf(dtype, bytes);
    const got = outputs[k].data;
    if (got.length !== want.length) return [{ kind: 'board-mismatch', message: `output ${k}: ${got.length} values on the board, ${want.length} on node` }];
    for (let i = 0; i < want.length; i++) {
      const a = Number(want[i]), b = got[i] === null ? NaN : Number(got[i]);
      if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || (!Number.isFinite(a) && !Number.isNaN(a) && b === null)) continue;
      if (dtype === 'float32' && Math.abs(a - b) <= 1e-5 * Math.max(Math.abs(a), 1)) continue;
      return [{ kind: 'board-mismatch', message: `output ${k} (${dtype}) element ${i}: node ${a}, board ${b}` }];
    }
  }
  return [];
}

function typedOf(dtype: string, bytes: Uint8Array): ArrayLike<number | bigint> {
  const b = bytes.slice().buffer;
  switch (dtype) {
    case 'float32': return new Float32Array(b);
    case 'int32': return new Int32Array(b);
    case 'uint32': return new Uint32Array(b);
    case 'int16': return new Int16Array(b);
    case 'uint16': return new Uint16Array(b);
    case 'int8': return new Int8Array(b);
    case 'int64': return new BigInt64Array(b);
    default: return new Uint8Array(b);
  }
}

/** What is wrong when the XS host and the node host did not do the same with a model. */
export function xsFailures(node: NodeOutcome, xs: XsOutcome): Failure[] {
  switch (xs.status) {
    case 'exception': return [{ kind: 'xs-exception', message: xs.message }];
    case 'model-write': return [{ kind: 'xs-model-write', message: xs.message }];
    case 'sanitizer': return [{ kind: 'xs-sanitizer', message: xs.message }];
    case 'crash': return [{ kind: 'xs-crash', message: xs.message }];
    case 'hang': return [{ kind: 'xs-hang', message: xs.message }];
    case 'rejected':
      if (!(XSML_ERROR_CODES as readonly string[]).includes(xs.code)) return [{ kind: 'xs-bad-code', message: `${xs.code}: ${xs.message}` }];
      if (node.status === 'ok') return [{ kind: 'xs-disagrees', message: `node ran the model, XS rejected it (${xs.stage}, ${xs.code}): ${xs.message}` }];
      if (node.status === 'rejected' && node.code !== xs.code) return [{ kind: 'xs-disagrees', message: `node rejected it with ${node.code} (${node.message}), XS with ${xs.code} (${xs.message})` }];
      return [];
    case 'ok': {
      if (node.status !== 'ok') return [{ kind: 'xs-disagrees', message: `node ${node.status === 'rejected' ? `rejected the model (${node.code}): ${node.message}` : node.status}, XS ran it` }];
      const diff = compareOutputs(node.outputs, xs.outputs);
      return diff ? [{ kind: 'xs-mismatch', message: diff }] : [];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Checking one model on both hosts

export type FailureKind =
  | 'node-exception' | 'node-bad-code' | 'node-hang' | 'node-crash' | 'node-model-write' | 'node-guard'
  | 'c-rejected' | 'c-sanitizer' | 'c-crash' | 'c-hang' | 'c-guard' | 'c-runner-error' | 'mismatch'
  | 'xs-exception' | 'xs-bad-code' | 'xs-model-write' | 'xs-sanitizer' | 'xs-crash' | 'xs-hang' | 'xs-disagrees' | 'xs-mismatch'
  | 'board-crash' | 'board-disagrees' | 'board-mismatch';

export interface Failure { kind: FailureKind; message: string }

export interface CheckOptions {
  exactWith?: 'tflite' | 'tflm';
  inputSeed?: number;
  preserveInputs?: boolean;
  nodeTimeoutMs?: number;
  asanTimeoutMs?: number;
  asan?: boolean;
  maxArenaBytes?: number;
  maxWork?: number;
}

export const DEFAULTS = { nodeTimeoutMs: 10_000, asanTimeoutMs: 30_000, maxArenaBytes: 64 << 20, maxWork: 3e8 };

/** Compares the outputs of the two executors: integers exactly, float32 within the tests' tolerance. */
function compareOutputs(node: { dtype: string; bytes: Uint8Array }[], native: Uint8Array): string | null {
  let at = 0;
  for (let k = 0; k < node.length; k++) {
    const { dtype, bytes } = node[k];
    const c = native.subarray(at, at + bytes.length);
    at += bytes.length;
    if (c.length !== bytes.length) return `output ${k}: ${c.length} bytes from C, ${bytes.length} from TypeScript`;
    if (dtype === 'float32') {
      const a = new Float32Array(bytes.slice().buffer), b = new Float32Array(c.slice().buffer);
      for (let i = 0; i < a.length; i++) {
        if (Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
        if (Math.abs(a[i] - b[i]) <= 1e-5 * Math.max(Math.abs(a[i]), 1)) continue;
        return `output ${k} (float32) element ${i}: TypeScript ${a[i]}, C ${b[i]}`;
      }
    } else {
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i] !== c[i]) return `output ${k} (${dtype}) byte ${i}: TypeScript ${bytes[i]}, C ${c[i]}`;
      }
    }
  }
  if (at !== native.length) return `C wrote ${native.length} output bytes, TypeScript ${at}`;
  return null;
}

export interface CheckResult {
  node: NodeOutcome;
  native: NativeOutcome | null; // null when the model did not plan (or asan is off)
  failures: Failure[];
}

/** Runs one model through the node host and, if it planned, the sanitized C runner. */
export async function checkModel(host: NodeHost, bytes: Uint8Array, name: string, options: CheckOptions = {}): Promise<CheckResult> {
  const node = await host.run({
    bytes, name, seed: options.inputSeed ?? 1, exactWith: options.exactWith ?? 'tflite', preserveInputs: options.preserveInputs,
    maxArenaBytes: options.maxArenaBytes ?? DEFAULTS.maxArenaBytes, maxWork: options.maxWork ?? DEFAULTS.maxWork,
  });
  const native = node.status === 'ok' && options.asan !== false
    ? await runAsan({ ...node.parts, model: bytes }, options.asanTimeoutMs ?? DEFAULTS.asanTimeoutMs)
    : null;
  return { node, native, failures: failuresOf(node, native) };
}

function failuresOf(node: NodeOutcome, native: NativeOutcome | null): Failure[] {
  const failures: Failure[] = [];
  switch (node.status) {
    case 'failure': failures.push({ kind: `node-${node.kind}` as FailureKind, message: `${node.stage}: ${node.message}` }); break;
    case 'hang': failures.push({ kind: 'node-hang', message: node.message }); break;
    case 'crash': failures.push({ kind: 'node-crash', message: node.message }); break;
    default: break;
  }
  if (native && node.status === 'ok') {
    switch (native.status) {
      case 'ok': {
        const diff = compareOutputs(node.outputs, native.outputs!);
        if (diff) failures.push({ kind: 'mismatch', message: diff });
        break;
      }
      case 'rejected': failures.push({ kind: 'c-rejected', message: `the TypeScript planner made a plan the C check rejects: ${native.message}` }); break;
      case 'no-kernel': break;
      case 'sanitizer': failures.push({ kind: 'c-sanitizer', message: native.message }); break;
      case 'crash': failures.push({ kind: 'c-crash', message: native.message }); break;
      case 'hang': failures.push({ kind: 'c-hang', message: native.message }); break;
      case 'guard': failures.push({ kind: 'c-guard', message: native.message }); break;
      case 'runner-error': failures.push({ kind: 'c-runner-error', message: native.message }); break;
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------------------------
// The fuzz loop

export interface FuzzOptions {
  seed?: number;
  /** Stop after this many mutants... */
  mutants?: number;
  /** ...or after this long (whichever comes first; at least one of the two). */
  milliseconds?: number;
  /** Run planned mutants through the sanitized C runner (default true). */
  asan?: boolean;
  /** C runs in flight at once (default: CPUs - 1, at least 1). */
  jobs?: number;
  /** Where to save reproducers; null: do not save. */
  saveDir?: string | null;
  /** Seed model files (default: models/*\/*.tflite). */
  models?: string[];
  /** Also seed with the one-op models of the golden cases (test/cases; default true): half the picks. */
  cases?: boolean;
  nodeTimeoutMs?: number;
  asanTimeoutMs?: number;
  /** The share of mutants also run on the sanitized XS host (0: none; default 0). */
  xs?: number;
  /** An emulated board (mps2-an386, mps2-an500) to run a share of the mutants on too... */
  board?: string;
  /** ...this share (default 0.01). */
  boardRate?: number;
  log?: (line: string) => void;
}

export interface FoundFailure extends Failure { seedModel: string; steps: string[]; file: string | null; signature: string }

export interface FuzzReport {
  seed: number;
  mutants: number;
  milliseconds: number;
  node: { executed: number; ok: number; rejected: number; skipped: number; byCode: Record<string, number> };
  native: { executed: number; ok: number; noKernel: number };
  xs: { executed: number };
  board: { executed: number };
  corpus: number;
  failures: FoundFailure[];
}

interface CorpusEntry { name: string; bytes: Uint8Array; fields: Field[] | null; weight: number; steps: string[] }

export function seedModels(): string[] {
  const dir = join(ROOT, 'models');
  const out: string[] = [];
  for (const group of readdirSync(dir).sort()) {
    const g = join(dir, group);
    if (!statSync(g).isDirectory()) continue;
    for (const f of readdirSync(g).sort()) if (f.endsWith('.tflite')) out.push(join(g, f));
  }
  return out;
}

/** A message with its numbers and names taken out: what kind of outcome it is. */
function template(message: string): string {
  return message.replace(/"[^"]*"/g, 'S').replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/g, 'N').slice(0, 160);
}

export async function fuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const seed = options.seed ?? 1;
  const r = new Random(seed);
  const log = options.log ?? (() => {});
  if (options.mutants === undefined && options.milliseconds === undefined) throw new Error('fuzz: give mutants or milliseconds');
  const maxMutants = options.mutants ?? Infinity;
  const deadline = Date.now() + (options.milliseconds ?? Infinity);
  const asan = options.asan ?? true;
  const jobs = Math.max(1, options.jobs ?? cpus().length - 1);
  const saveDir = options.saveDir === undefined ? REGRESSIONS_DIR : options.saveDir;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? DEFAULTS.nodeTimeoutMs;
  const asanTimeoutMs = options.asanTimeoutMs ?? DEFAULTS.asanTimeoutMs;

  const seeds: CorpusEntry[] = (options.models ?? seedModels()).map((file) => {
    const bytes = new Uint8Array(readFileSync(file));
    return { name: relative(join(ROOT, 'models'), file), bytes, fields: null, weight: 1 / Math.sqrt(bytes.length), steps: [] };
  });
  if (seeds.length === 0) throw new Error('fuzz: no seed models');
  const caseSeeds: CorpusEntry[] = [];
  if (options.cases ?? true) {
    for (const [op, cases] of allCases()) {
      cases.forEach((c, i) => caseSeeds.push({ name: `cases/${op}#${i}`, bytes: buildModel(c.spec), fields: null, weight: 1, steps: [] }));
    }
  }
  const derived: CorpusEntry[] = [];
  const seen = new Set<string>();
  const report: FuzzReport = {
    seed, mutants: 0, milliseconds: 0,
    node: { executed: 0, ok: 0, rejected: 0, skipped: 0, byCode: {} },
    native: { executed: 0, ok: 0, noKernel: 0 },
    xs: { executed: 0 },
    board: { executed: 0 },
    corpus: 0,
    failures: [],
  };
  const savedPerSignature = new Map<string, number>();
  const host = new NodeHost(nodeTimeoutMs);
  const xsRate = options.xs ?? 0;
  const xsHost = xsRate > 0 ? new XsHost() : null;
  const boardHost = options.board ? new BoardHost(options.board) : null;
  const boardRate = options.boardRate ?? 0.01;
  const inFlight = new Set<Promise<void>>();
  /** A batch (XS, board) or C run in flight; at most `jobs` at once. */
  const track = async (p: Promise<void> | null, onError: (e: unknown) => void) => {
    if (!p) return;
    const q: Promise<void> = p.catch(onError).finally(() => { inFlight.delete(q); });
    inFlight.add(q);
    while (inFlight.size >= jobs) await Promise.race(inFlight);
  };
  const started = Date.now();
  let lastLog = started;

  const pickEntry = (): CorpusEntry => {
    if (derived.length > 0 && r.chance(0.35)) return r.pick(derived);
    if (caseSeeds.length > 0 && r.chance(0.5)) return r.pick(caseSeeds);
    const total = seeds.reduce((s, e) => s + e.weight, 0);
    let x = r.next() * total;
    for (const e of seeds) { x -= e.weight; if (x <= 0) return e; }
    return seeds[seeds.length - 1];
  };

  const record = (f: Failure, entry: CorpusEntry, steps: string[], bytes: Uint8Array, exactWith: string, inputSeed: number, preserveInputs = false) => {
    const signature = `${f.kind}: ${template(f.message.split('\n')[0])}`;
    const count = savedPerSignature.get(signature) ?? 0;
    savedPerSignature.set(signature, count + 1);
    let file: string | null = null;
    if (saveDir && count < 2) {
      mkdirSync(saveDir, { recursive: true });
      const stem = entry.name.replace(/\.tflite$/, '').replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
      const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 10);
      file = join(saveDir, `${f.kind}-${stem}-${hash}.tflite`);
      writeFileSync(file, bytes);
      writeFileSync(file.replace(/\.tflite$/, '.txt'),
        `kind: ${f.kind}\nfrom: ${entry.name}\nmutations:\n${steps.map((s) => `  ${s}`).join('\n')}\nfuzz seed: ${seed}\n`
        + `exactWith: ${exactWith}\ninput seed: ${inputSeed}\npreserveInputs: ${preserveInputs}\n\n${f.message}\n`);
    }
    report.failures.push({ ...f, seedModel: entry.name, steps, file, signature });
    if (count === 0) log(`FAILURE ${f.kind} (${entry.name}: ${steps.join('; ')}): ${f.message.split('\n')[0].slice(0, 300)}${file ? `\n  saved ${relative(ROOT, file)}` : ''}`);
  };

  try {
    while (report.mutants < maxMutants && Date.now() < deadline) {
      const entry = pickEntry();
      entry.fields ??= walkModel(entry.bytes);
      const mutant = mutate(entry.bytes, entry.fields, r);
      mutant.steps = [...entry.steps, ...mutant.steps];
      const inputSeed = r.u32();
      const exactWith: 'tflite' | 'tflm' = r.chance(0.5) ? 'tflite' : 'tflm';
      const preserveInputs = r.chance(0.2);
      report.mutants++;
      const node = await host.run({
        bytes: mutant.bytes, name: 'mutant.tflite', seed: inputSeed, exactWith, preserveInputs,
        maxArenaBytes: DEFAULTS.maxArenaBytes, maxWork: DEFAULTS.maxWork,
      });
      report.node.executed++;
      let signature: string;
      switch (node.status) {
        case 'ok':
          report.node.ok++;
          signature = `ok ${node.kernels.join(',')} ${Math.round(Math.log2(node.arenaBytes + 1))}`;
          break;
        case 'rejected':
          report.node.rejected++;
          report.node.byCode[node.code] = (report.node.byCode[node.code] ?? 0) + 1;
          signature = `${node.stage} ${node.code} ${template(node.message)}`;
          break;
        case 'skipped':
          report.node.skipped++;
          signature = 'skipped';
          break;
        default:
          signature = `failure ${node.status}`;
      }
      for (const f of failuresOf(node, null)) record(f, entry, mutant.steps, mutant.bytes, exactWith, inputSeed, preserveInputs);
      // Feedback: a mutant that did something not seen before becomes a parent.
      if (!seen.has(signature) && node.status !== 'hang' && node.status !== 'crash' && mutant.bytes.length > 0) {
        seen.add(signature);
        if (derived.length < 3000) derived.push({ name: entry.name, bytes: mutant.bytes, fields: null, weight: 0, steps: mutant.steps });
      }
      const rerun = node.status === 'ok' || node.status === 'rejected';
      if (xsHost && rerun && r.chance(xsRate)) {
        const { outcome, batch } = xsHost.run({
          bytes: mutant.bytes, inputs: node.status === 'ok' ? node.parts.inputs.map((i) => i.bytes) : [],
          outputs: node.status === 'ok' ? node.outputs.length : 0, exactWith, preserveInputs,
        });
        void outcome.then((xs) => { for (const f of xsFailures(node, xs)) record(f, entry, mutant.steps, mutant.bytes, exactWith, inputSeed, preserveInputs); });
        await track(batch, (e) => log(`XS batch failed to run: ${(e as Error).message}`));
      }
      if (boardHost && rerun && !preserveInputs && r.chance(boardRate)) {
        const { failures, batch } = boardHost.run(mutant.bytes, node.status === 'ok' ? node.parts.inputs.map((i) => i.bytes) : [], exactWith, node);
        void failures.then((fs) => { for (const f of fs) record(f, entry, mutant.steps, mutant.bytes, exactWith, inputSeed, preserveInputs); });
        await track(batch, (e) => log(`board batch failed to run: ${(e as Error).message}`));
      }
      if (node.status === 'ok' && asan) {
        while (inFlight.size >= jobs) await Promise.race(inFlight);
        const parts = { ...node.parts, model: mutant.bytes };
        const p: Promise<void> = runAsan(parts, asanTimeoutMs).then((native) => {
          report.native.executed++;
          if (native.status === 'ok') report.native.ok++;
          if (native.status === 'no-kernel') {
            if (report.native.noKernel++ === 0) log(`note: the C runner lacks a kernel the TypeScript planner used (not counted as a failure): ${native.message}`);
          }
          for (const f of failuresOf(node, native)) record(f, entry, mutant.steps, mutant.bytes, exactWith, inputSeed, preserveInputs);
        }, (e) => {
          record({ kind: 'c-runner-error', message: `the C run could not be made: ${(e as Error).message}` }, entry, mutant.steps, mutant.bytes, exactWith, inputSeed, preserveInputs);
        }).finally(() => { inFlight.delete(p); });
        inFlight.add(p);
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        const s = (Date.now() - started) / 1000;
        log(`${s.toFixed(0)} s: ${report.mutants} mutants (${(report.mutants / s * 60).toFixed(0)}/min), node ok ${report.node.ok} rejected ${report.node.rejected} skipped ${report.node.skipped}, C ${report.native.executed}, XS ${xsHost?.executed ?? 0}, board ${boardHost?.executed ?? 0}, corpus ${seeds.length + caseSeeds.length + derived.length}, failures ${report.failures.length}`);
      }
    }
    if (xsHost) inFlight.add(xsHost.flush());
    if (boardHost) inFlight.add(boardHost.flush());
    await Promise.all(inFlight);
  } finally {
    await host.close();
  }
  report.xs.executed = xsHost?.executed ?? 0;
  report.board.executed = boardHost?.executed ?? 0;
  report.milliseconds = Date.now() - started;
  report.corpus = seeds.length + caseSeeds.length + derived.length;
  return report;
}

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv: string[]): FuzzOptions & { quiet: boolean } {
  const o: FuzzOptions & { quiet: boolean } = { quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) throw new Error(`${a} needs a number`);
      return Number(v);
    };
    switch (a) {
      case '--minutes': o.milliseconds = value() * 60_000; break;
      case '--mutants': o.mutants = value(); break;
      case '--seed': o.seed = value(); break;
      case '--jobs': o.jobs = value(); break;
      case '--no-asan': o.asan = false; break;
      case '--xs': o.xs = value(); break;
      case '--no-xs': o.xs = 0; break;
      case '--board': o.board = argv[++i] ?? ''; break;
      case '--board-rate': o.boardRate = value(); break;
      case '--no-cases': o.cases = false; break;
      case '--model': (o.models ??= []).push(resolve(argv[++i] ?? '')); break;
      case '--save': o.saveDir = resolve(argv[++i] ?? ''); break;
      case '--no-save': o.saveDir = null; break;
      case '--quiet': o.quiet = true; break;
      case '--': break;
      default: throw new Error(`unknown argument ${a}\nusage: npm run fuzz -- [--minutes N | --mutants N] [--seed S] [--jobs J] [--no-asan] [--xs SHARE | --no-xs] [--board NAME [--board-rate SHARE]] [--no-cases] [--model FILE]... [--save DIR | --no-save] [--quiet]`);
    }
  }
  if (o.milliseconds === undefined && o.mutants === undefined) o.milliseconds = 60_000;
  o.xs ??= 1;
  return o;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (options.asan !== false && !existsSync(ASAN_RUNNER)) {
    const make = spawn('make', ['-C', join(ROOT, 'native'), '--no-print-directory', 'asan'], { stdio: 'inherit' });
    const code = await new Promise<number | null>((res) => make.on('close', res));
    if (code !== 0) throw new Error('make -C native asan failed');
  }
  if (options.xs) {
    if (!existsSync(XS_DRIVER)) throw new Error(`${XS_DRIVER} is missing: npm run build first`);
    const make = spawn('make', ['-C', join(ROOT, 'hosts/xs'), '--no-print-directory', 'asan'], { stdio: 'inherit' });
    const code = await new Promise<number | null>((res) => make.on('close', res));
    if (code !== 0) throw new Error('make -C hosts/xs asan failed');
  }
  const log = options.quiet ? () => {} : (line: string) => console.log(`fuzz: ${line}`);
  const hosts = ['node', ...(options.asan === false ? [] : ['C (ASan)']), ...(options.xs ? [`XS (ASan, ${Math.round(options.xs * 100)}% of the mutants)`] : []),
    ...(options.board ? [`${options.board} (${((options.boardRate ?? 0.01) * 100).toFixed(1)}%)`] : [])];
  log(`seed ${options.seed ?? 1}, ${options.mutants !== undefined ? `${options.mutants} mutants` : `${(options.milliseconds! / 60_000).toFixed(1)} minutes`}, hosts: ${hosts.join(', ')}`);
  const report = await fuzz({ ...options, log });
  const minutes = report.milliseconds / 60_000;
  console.log(`fuzz: ${report.mutants} mutants in ${(report.milliseconds / 1000).toFixed(1)} s `
    + `(node ${report.node.executed}: ${(report.node.executed / minutes).toFixed(0)}/min, ok ${report.node.ok}, rejected ${report.node.rejected}, skipped ${report.node.skipped}; `
    + `C ASan ${report.native.executed}: ${(report.native.executed / minutes).toFixed(0)}/min${report.native.noKernel ? `, ${report.native.noKernel} with a kernel C lacks` : ''}; `
    + `XS ASan ${report.xs.executed}: ${(report.xs.executed / minutes).toFixed(0)}/min; board ${report.board.executed}), corpus ${report.corpus}`);
  console.log(`fuzz: rejections by code: ${Object.entries(report.node.byCode).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const kinds = new Map<string, number>();
  for (const f of report.failures) kinds.set(f.signature, (kinds.get(f.signature) ?? 0) + 1);
  console.log(`fuzz: ${report.failures.length} failures${kinds.size ? ':' : ''}`);
  for (const [sig, n] of kinds) console.log(`  ${n} x ${sig}`);
  return report.failures.length > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => { process.exitCode = code; }, (e) => { console.error(`fuzz: ${(e as Error).stack ?? e}`); process.exitCode = 2; });
}
