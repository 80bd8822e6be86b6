// From a loaded model to a Plan: prepare every op (all checks and constants, once), work out each
// tensor's lifetime, place the tensors in one arena greedily by size (as TFLM's greedy planner
// does), and encode the ops as records in one Int32Array. Nothing after this allocates.

import { XsmlError } from './errors.js';
import { dtypeName, MAX_TENSOR_BYTES, type Model, type Tensor } from './model/model.js';
import { CUSTOM_OPERATORS, OPERATORS, findOperator } from './ops/index.js';
import { NO_TENSOR, OpContext, POOL_ARENA, POOL_MODEL, RECORD_HEADER, type OpDefinition, type PreparedOp } from './ops/op.js';
import type { ExactWith, Rounding } from './ops/quant.js';

export const ARENA_ALIGNMENT = 16;

export interface PlannedOp {
  index: number; // operator index in the model
  name: string; // builtin name
  kernel: number;
  recordStart: number; // position of its record in program
}

export interface PlanOptions {
  /** The interpreter whose outputs this plan reproduces bit for bit: 'tflite' (default) or 'tflm'. */
  exactWith?: ExactWith;
  /**
   * Keep the model's inputs intact through invoke (their arena bytes are not reused by later
   * tensors). Off by default: like TFLM, the arena then only holds what is live at each op.
   */
  preserveInputs?: boolean;
}

export interface Plan {
  readonly model: Model;
  readonly exactWith: ExactWith;
  readonly rounding: Rounding; // of Memory.requantize
  readonly program: Int32Array; // op records, in execution order
  readonly refBytes: Int32Array; // byte length of every tensor ref of every record, in order: what a native executor checks
  /** The ops in execution order (a new array each time it is read: the plan keeps them in two compact arrays). */
  readonly ops: PlannedOp[];
  readonly arenaBytes: number; // exact bytes the arena needs (tensors, scratch and the persistent part)
  /** Bytes at the end of the arena that ops keep between invokes (their state): zeroed at creation and reset. */
  readonly persistentBytes: number;
  readonly tensorOffsets: Int32Array; // arena byte offset of each tensor, -1 for constants and unused tensors
}

/**
 * A plan as planModel makes it. On XS every object is a slot per property and every array element
 * a slot (16 bytes on a Cortex-M): the ops are kept as [index, kernel, recordStart] triples in an
 * Int32Array and their names (shared strings), and made into PlannedOps only when asked for.
 */
class CompactPlan implements Plan {
  constructor(
    readonly model: Model,
    readonly exactWith: ExactWith,
    readonly rounding: Rounding,
    readonly program: Int32Array,
    readonly refBytes: Int32Array,
    private readonly opTable: Int32Array,
    private readonly opNames: string[],
    readonly arenaBytes: number,
    readonly persistentBytes: number,
    readonly tensorOffsets: Int32Array,
  ) {}

  get ops(): PlannedOp[] {
    const t = this.opTable;
    return this.opNames.map((name, i) => ({ index: t[3 * i], name, kernel: t[3 * i + 1], recordStart: t[3 * i + 2] }));
  }
}

/**
 * What an interpreter keeps of its plan: the executor holds the records it runs (the native one
 * in C memory), so the XS heap does not hold them twice. It is also the plan's options:
 * planModel(summary.model, summary) makes the whole plan again, with the same values.
 */
export interface PlanSummary extends Required<PlanOptions> {
  readonly model: Model;
  readonly rounding: Rounding;
  readonly arenaBytes: number;
  readonly persistentBytes: number;
}

export interface OpSupport {
  index: number;
  name: string;
  version: number;
  supported: boolean;
  reason?: string;
}

/** Which of a model's ops xsml can run (by name and version), without preparing them. */
export function checkSupport(model: Model): OpSupport[] {
  return model.operators.map((op) => {
    const { name, version, code, custom } = op.opcode;
    const def = findOperator({ code, name, custom });
    let reason: string | undefined;
    if (!def) reason = custom ? 'custom operator' : 'operator not implemented';
    else if (version > def.maxVersion) reason = `version ${version} not supported (up to ${def.maxVersion})`;
    return { index: op.index, name, version, supported: !reason, ...(reason ? { reason } : {}) };
  });
}

/** "xsml runs: ADD (v1-4), ...; custom: SignalWindow, ...": what an unsupported-operator error offers instead. */
function supportedList(): string {
  const builtins = [...OPERATORS.values()].map((d) => `${d.name} (v1${d.maxVersion > 1 ? `-${d.maxVersion}` : ''})`).sort();
  return `xsml runs: ${builtins.join(', ')}; custom: ${[...CUSTOM_OPERATORS.keys()].sort().join(', ')}`;
}

interface Buffer {
  bytes: number;
  first: number; // first op (index in execution order) that uses it; -1: before the first op
  last: number; // last op that uses it
  offset: number;
  tensor: number; // tensor index, or -1 for an op's scratch
  // A group: buffers placed at fixed distances (an op's output over its dying input: PreparedOp.shares).
  group: Buffer | null; // its first buffer, itself if alone
  next: Buffer | null; // the group's next buffer
  rel: number; // offset from the group's first buffer (a multiple of ARENA_ALIGNMENT, may be negative)
}

export function planModel(model: Model, options: PlanOptions = {}): Plan {
  const exactWith = options.exactWith ?? 'tflite';
  if (exactWith !== 'tflite' && exactWith !== 'tflm') throw new XsmlError(`exactWith must be 'tflite' or 'tflm', got ${JSON.stringify(exactWith)}`, 'BAD_ARGUMENT');
  const unsupported = checkSupport(model).filter((s) => !s.supported);
  if (unsupported.length > 0) {
    const list = unsupported.map((s) => `op #${s.index} ${s.name} (version ${s.version}): ${s.reason}`).join('; ');
    throw new XsmlError(`${model.name}: ${unsupported.length} unsupported operator${unsupported.length > 1 ? 's' : ''}: ${list}. ${supportedList()}`, 'UNSUPPORTED_OPERATOR');
  }
  if (model.inputs.length === 0) throw new XsmlError(`${model.name}: the model declares no inputs`, 'INVALID_MODEL');
  if (model.outputs.length === 0) throw new XsmlError(`${model.name}: the model declares no outputs`, 'INVALID_MODEL');

  const prepared: PreparedOp[] = model.operators.map((op) => {
    const def = findOperator(op.opcode) as OpDefinition;
    return def.prepare(new OpContext(model, op, exactWith));
  });

  // Lifetimes of the tensors that live in the arena.
  const nOps = prepared.length;
  const buffers: Buffer[] = [];
  const bufferOf: (Buffer | undefined)[] = new Array(model.tensors.length); // by tensor index (a Map costs XS slots per entry)
  const touch = (t: Tensor, at: number) => {
    if (t.data) return; // constant: stays in the model
    if (t.bytes === 0 && t.elements > 0) {
      throw new XsmlError(`${model.name}: tensor #${t.index} ${JSON.stringify(t.name)} has type ${dtypeName(t.type)}, which xsml cannot store`, 'UNSUPPORTED_FEATURE');
    }
    let b = bufferOf[t.index];
    if (!b) {
      b = { bytes: t.bytes, first: at, last: at, offset: -1, tensor: t.index, group: null, next: null, rel: 0 };
      b.group = b;
      bufferOf[t.index] = b;
      buffers.push(b);
    }
    b.first = Math.min(b.first, at);
    b.last = Math.max(b.last, at);
  };
  for (const i of model.inputs) {
    touch(model.tensors[i], -1);
    if (options.preserveInputs) touch(model.tensors[i], nOps);
  }
  const scratch: (Buffer | null)[] = prepared.map((p, i) => {
    for (const t of p.tensors) if (t) touch(t, i);
    // A kernel that declares a scratch gets its ref even when it is empty (the record's layout is fixed).
    if (p.scratchBytes === undefined) return null;
    const b: Buffer = { bytes: p.scratchBytes, first: i, last: i, offset: -1, tensor: -1, group: null, next: null, rel: 0 };
    b.group = b;
    buffers.push(b);
    return b;
  });
  for (const i of model.outputs) touch(model.tensors[i], nOps);

  // Outputs over the inputs they consume (PreparedOp.shares), placed as groups: a lag that makes a
  // group span more may cost more than it saves, so when some is refused the plan is also made with
  // every one taken, and the smaller arena kept.
  const everyLag = () => {
    groupShares(prepared, bufferOf, buffers, true);
    return placeGreedy(buffers);
  };
  let arenaBytes = groupShares(prepared, bufferOf, buffers, false) ? smaller(buffers, () => placeGreedy(buffers), everyLag) : placeGreedy(buffers);
  // The persistent part, after everything placed above: each op's state, never reused.
  const persistentStart = arenaBytes;
  const persistent = prepared.map((p) => {
    if (!p.persistentBytes) return -1;
    const at = arenaBytes;
    arenaBytes = align(arenaBytes + p.persistentBytes);
    return at;
  });
  const persistentBytes = arenaBytes - persistentStart;
  if (arenaBytes > MAX_TENSOR_BYTES) {
    throw new XsmlError(`${model.name}: the arena would need ${arenaBytes} bytes, more than 2^31 - 1 (offsets in a plan are int32)`, 'UNSUPPORTED_FEATURE');
  }

  const tensorOffsets = new Int32Array(model.tensors.length).fill(-1);
  for (const b of buffers) if (b.tensor >= 0) tensorOffsets[b.tensor] = b.offset;

  // Encode the op records, straight into their Int32Arrays (sizes first: no arrays grown word by word).
  const refCounts = prepared.map((p, i) => p.tensors.length + (scratch[i] ? 1 : 0) + (persistent[i] >= 0 ? 1 : 0));
  let totalWords = 0, totalRefs = 0;
  for (let i = 0; i < nOps; i++) {
    totalWords += RECORD_HEADER + 2 * refCounts[i] + prepared[i].params.length;
    totalRefs += refCounts[i];
  }
  const program = new Int32Array(totalWords);
  const refBytes = new Int32Array(totalRefs);
  const opTable = new Int32Array(3 * nOps);
  const opNames: string[] = [];
  let w = 0, r = 0;
  for (let i = 0; i < nOps; i++) {
    const p = prepared[i];
    const start = w;
    program[w++] = p.kernel;
    program[w++] = refCounts[i];
    w++; // the record's length, below
    for (const t of p.tensors) {
      if (!t) { program[w++] = NO_TENSOR; w++; }
      else if (t.data) { program[w++] = POOL_MODEL; program[w++] = t.data.byteOffset - model.bytes.byteOffset; }
      else { program[w++] = POOL_ARENA; program[w++] = tensorOffsets[t.index]; }
      refBytes[r++] = t ? t.bytes : 0;
    }
    if (scratch[i]) {
      program[w++] = POOL_ARENA;
      program[w++] = scratch[i]!.offset;
      refBytes[r++] = scratch[i]!.bytes;
    }
    if (persistent[i] >= 0) {
      program[w++] = POOL_ARENA;
      program[w++] = persistent[i];
      refBytes[r++] = p.persistentBytes!;
    }
    const params = p.params;
    for (let k = 0; k < params.length; k++, w++) {
      // Every param is an int32 (floats as their bits): a value that is not one overflowed in prepare.
      const v = params[k];
      program[w] = v;
      if (program[w] !== v) {
        const op = model.operators[i];
        throw new XsmlError(`${model.name}: op #${op.index} ${op.opcode.name} (version ${op.opcode.version}): a parameter of its record is ${v}, which is not an int32: `
          + 'a size computed from the shapes overflows', 'INVALID_MODEL');
      }
    }
    program[start + 2] = w - start;
    const op = model.operators[i];
    opTable[3 * i] = op.index;
    opTable[3 * i + 1] = p.kernel;
    opTable[3 * i + 2] = start;
    opNames.push(op.opcode.name);
  }
  const rounding = exactWith === 'tflite' ? 'single' : 'double';
  return new CompactPlan(model, exactWith, rounding, program, refBytes, opTable, opNames, arenaBytes, persistentBytes, tensorOffsets);
}

const align = (n: number) => Math.ceil(n / ARENA_ALIGNMENT) * ARENA_ALIGNMENT;

/**
 * Makes the groups of PreparedOp.shares: an op's output at its input's offset less the lag, when that
 * input is an arena tensor whose last use is this op (so neither a model output nor an input kept by
 * preserveInputs) and the output is born here. Chains of such ops make one group, at fixed distances.
 * Unless `every`, a lag joins only if the group then spans no more than it did or than the two
 * tensors alone (lags down a long chain add up). Returns whether that refused one.
 */
function groupShares(prepared: PreparedOp[], bufferOf: (Buffer | undefined)[], buffers: Buffer[], every: boolean): boolean {
  for (const b of buffers) {
    b.group = b;
    b.next = null;
    b.rel = 0;
  }
  let refused = false;
  prepared.forEach((p, i) => {
    if (!p.shares) return;
    const out = p.tensors[p.shares[0]], input = p.tensors[p.shares[1]];
    if (!out || !input || out === input || out.isVariable || input.isVariable) return;
    const o = bufferOf[out.index], x = bufferOf[input.index];
    // o is born here, so no later op has joined it to a group yet.
    if (!o || !x || o.first !== i || x.last !== i || o.group !== o) return;
    const lag = align(p.shares[2] ?? 0);
    let tail = x.group!, lo = 0, hi = 0;
    for (let b: Buffer | null = tail; b; b = b.next) {
      lo = Math.min(lo, b.rel);
      hi = Math.max(hi, b.rel + b.bytes);
      tail = b;
    }
    const rel = x.rel - lag;
    if (!every && Math.max(hi, rel + o.bytes) - Math.min(lo, rel) > Math.max(hi - lo, x.bytes + lag, o.bytes)) {
      refused = true;
      return;
    }
    tail.next = o;
    o.group = x.group;
    o.rel = rel;
  });
  return refused;
}

/**
 * Places the groups of buffers (each buffer at the group's offset + its rel, rels made >= 0) at the
 * lowest offset where none of their buffers meets a placed buffer live at the same time, in two
 * orders: largest first (as TFLM's greedy planner does; a group by the bytes it spans) and in order of
 * first use, largest first among equals. Keeps the smaller arena; returns its size. (Typed arrays and
 * no objects per buffer: on XS the planner's working set is what a small board's heap must hold on
 * top of the model's graph.)
 */
function placeGreedy(buffers: Buffer[]): number {
  // Each group's span and first use, at its first buffer's index.
  const size = new Int32Array(buffers.length), first = new Int32Array(buffers.length);
  const order = Int32Array.from(buffers.keys()).filter((i) => buffers[i].group === buffers[i]);
  order.forEach((i) => {
    first[i] = buffers[i].first;
    let lo = 0;
    for (let b: Buffer | null = buffers[i]; b; b = b.next) lo = Math.min(lo, b.rel);
    for (let b: Buffer | null = buffers[i]; b; b = b.next) {
      b.rel -= lo;
      size[i] = Math.max(size[i], b.rel + b.bytes);
    }
  });
  return smaller(buffers, () => place(buffers, order.sort((a, b) => size[b] - size[a] || first[a] - first[b] || a - b)),
    () => place(buffers, order.sort((a, b) => first[a] - first[b] || size[b] - size[a] || a - b)));
}

/** Places the buffers by `one`, then by `other`, and keeps the placement of the smaller arena; returns its size. */
function smaller(buffers: Buffer[], one: () => number, other: () => number): number {
  const arenaBytes = one();
  const offsets = Int32Array.from(buffers, (b) => b.offset);
  const otherBytes = other();
  if (otherBytes < arenaBytes) return otherBytes;
  buffers.forEach((b, i) => { b.offset = offsets[i]; });
  return arenaBytes;
}

/** Places the groups (their first buffers' indices) in this order (see placeGreedy); returns the arena size. */
function place(buffers: Buffer[], order: Int32Array): number {
  const placed: Buffer[] = []; // by offset
  let arenaBytes = 0;
  for (let k = 0; k < order.length; k++) {
    const g = buffers[order[k]];
    // The lowest offset where no buffer of the group meets a placed buffer live at the same time:
    // each buffer's sweep of the placed ones by offset moves it up, until none does.
    let offset = 0;
    for (let moved = true; moved;) {
      moved = false;
      for (let b: Buffer | null = g; b; b = b.next) {
        let at = offset + b.rel;
        for (let j = 0; j < placed.length; j++) {
          const p = placed[j];
          if (p.first > b.last || b.first > p.last) continue;
          if (at + b.bytes <= p.offset) break;
          at = Math.max(at, align(p.offset + p.bytes));
        }
        if (at !== offset + b.rel) {
          offset = at - b.rel;
          moved = true;
        }
      }
    }
    for (let b: Buffer | null = g; b; b = b.next) {
      b.offset = offset + b.rel;
      let j = placed.length;
      placed.push(b);
      for (; j > 0 && placed[j - 1].offset > b.offset; j--) placed[j] = placed[j - 1];
      placed[j] = b;
      arenaBytes = Math.max(arenaBytes, align(b.offset + b.bytes));
    }
  }
  return arenaBytes;
}
