// NumPy-style broadcasting for the element-wise binary ops (ADD, MUL): the shape checks done in
// prepare, the loop nest they reduce to, and the driver every binary kernel runs.
//
// prepare reduces the two inputs' shapes against the output's to at most 6 fused loops: output
// dimensions of extent 1 are dropped, and neighbouring dimensions merge when each input is either
// contiguous across both or broadcast across both. Each fused loop keeps one element stride per
// input (0 where that input is broadcast); the output is always written contiguously. Equal shapes
// (and any case with nothing to broadcast) fuse into a single flat row: the fast path.
//
// These words open the params of every binary op record (the op's own params follow them):
//   [B_DIMS + k]    extent of fused loop k, k = 0..5, outermost first (padded with 1s in front)
//   [B_STRIDE1 + k] element stride of input 1 in loop k (0: broadcast)
//   [B_STRIDE2 + k] element stride of input 2 in loop k (0: broadcast)
// Tensor refs of every binary op record: 0 input 1, 1 input 2, 2 output.

import { DType, type Tensor } from '../model/model.js';
import { RECORD_HEADER, type Memory, type OpContext } from './op.js';
import { ACTIVATION_NAMES, floatActivationRange, quantizedActivationRange } from './quant.js';

export const MAX_BROADCAST_RANK = 6;
export const B_DIMS = 0;
export const B_STRIDE1 = B_DIMS + MAX_BROADCAST_RANK;
export const B_STRIDE2 = B_STRIDE1 + MAX_BROADCAST_RANK;
/** Where an op's own params start. */
export const B_END = B_STRIDE2 + MAX_BROADCAST_RANK;

/** The float clamp of a fused activation (CalculateActivationRange<float>). */
export function floatClamp(ctx: OpContext, activation: number): [number, number] {
  const range = floatActivationRange(activation);
  if (!range) ctx.unsupported(`fused activation ${ACTIVATION_NAMES[activation] ?? activation} is not supported, expected NONE, RELU, RELU_N1_TO_1 or RELU6`);
  return range;
}

/** The int8 clamp of a fused activation (CalculateActivationRangeQuantized). */
export function int8Clamp(ctx: OpContext, activation: number, scale: number, zeroPoint: number): [number, number] {
  const range = quantizedActivationRange(activation, scale, zeroPoint, -128, 127);
  if (!range) ctx.unsupported(`fused activation ${ACTIVATION_NAMES[activation] ?? activation} is not supported, expected NONE, RELU, RELU_N1_TO_1 or RELU6`);
  return range;
}

/** Per-tensor int8 quantization of a binary op's operand, with a zero point in the int8 range. */
export function int8Quant(ctx: OpContext, t: Tensor, what: string): { scale: number; zeroPoint: number } {
  const q = ctx.quant(t, what);
  if (t.quant!.scale.length > 1) ctx.unsupported(`${what} ${ctx.describe(t)} has ${t.quant!.scale.length} scales; only per-tensor quantization is supported`);
  if (!Number.isInteger(q.zeroPoint) || q.zeroPoint < -128 || q.zeroPoint > 127) {
    ctx.fail(`${what} ${ctx.describe(t)} has zero point ${q.zeroPoint}, expected an integer in [-128, 127]`);
  }
  return q;
}

/** Checks the element types of a binary op: float32 or int8 everywhere (int16 is not supported). */
export function expectBinaryTypes(ctx: OpContext, a: Tensor, b: Tensor, output: Tensor): void {
  for (const [t, what] of [[a, 'input 1'], [b, 'input 2'], [output, 'output']] as const) {
    if (t.type === DType.INT16) ctx.unsupported(`${what} ${ctx.describe(t)} is int16: 16-bit quantized ${ctx.op.opcode.name} is not supported, only float32 and int8`);
  }
  ctx.expectType(a, 'input 1', DType.FLOAT32, DType.INT8);
  ctx.expectSameType(a, b, 'inputs');
  ctx.expectSameType(a, output, 'input and output');
}

/** The broadcast shape of the two inputs (CalculateShapeForBroadcast); fails if they do not broadcast. */
export function broadcastShape(ctx: OpContext, a: Tensor, b: Tensor): number[] {
  const rank = Math.max(a.shape.length, b.shape.length);
  const out: number[] = new Array(rank);
  for (let i = 1; i <= rank; i++) {
    const da = i <= a.shape.length ? a.shape[a.shape.length - i] : 1;
    const db = i <= b.shape.length ? b.shape[b.shape.length - i] : 1;
    if (da !== db && da !== 1 && db !== 1) {
      ctx.fail(`inputs ${ctx.describe(a)} and ${ctx.describe(b)} do not broadcast: dimension ${rank - i} is ${da} and ${db}`);
    }
    out[rank - i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Checks the output's declared shape against the broadcast of the inputs and returns the B_* words
 * of the fused loop nest.
 */
export function prepareBroadcast(ctx: OpContext, a: Tensor, b: Tensor, output: Tensor): number[] {
  const shape = broadcastShape(ctx, a, b);
  if (shape.length > MAX_BROADCAST_RANK) {
    ctx.unsupported(`inputs ${ctx.describe(a)} and ${ctx.describe(b)} broadcast to rank ${shape.length}; at most ${MAX_BROADCAST_RANK} is supported`);
  }
  ctx.expectShape(output, 'output', shape);

  const rank = shape.length;
  const ea = [...new Array(rank - a.shape.length).fill(1), ...a.shape];
  const eb = [...new Array(rank - b.shape.length).fill(1), ...b.shape];
  // Fused loops, innermost first.
  const loops: { n: number; fullA: boolean; fullB: boolean; sa: number; sb: number }[] = [];
  let accA = 1, accB = 1;
  let empty = false;
  for (let i = rank - 1; i >= 0; i--) {
    const n = shape[i];
    if (n === 0) empty = true;
    if (n === 1) continue;
    const fullA = ea[i] !== 1, fullB = eb[i] !== 1;
    const inner = loops[loops.length - 1];
    if (inner && inner.fullA === fullA && inner.fullB === fullB) {
      inner.n *= n;
    } else {
      loops.push({ n, fullA, fullB, sa: fullA ? accA : 0, sb: fullB ? accB : 0 });
    }
    if (fullA) accA *= n;
    if (fullB) accB *= n;
  }
  const dims = new Array(MAX_BROADCAST_RANK).fill(1);
  const sa = new Array(MAX_BROADCAST_RANK).fill(0);
  const sb = new Array(MAX_BROADCAST_RANK).fill(0);
  if (empty) {
    dims[MAX_BROADCAST_RANK - 1] = 0;
  } else {
    loops.forEach((l, k) => {
      const at = MAX_BROADCAST_RANK - 1 - k;
      dims[at] = l.n;
      sa[at] = l.sa;
      sb[at] = l.sb;
    });
  }
  return [...dims, ...sa, ...sb];
}

/**
 * The output over an input of its own shape (PreparedOp.shares), input 1 first: every binary kernel,
 * TypeScript and C, writes the output in order and reads element i of both inputs before it writes
 * element i, and an input of the output's shape (the same type: same element size) is read at the
 * output's own index. None when both inputs are broadcast.
 */
export function binaryShares(a: Tensor, b: Tensor, output: Tensor): { shares?: [number, number] } {
  if (a.elements === output.elements && a.type === output.type) return { shares: [2, 0] };
  if (b.elements === output.elements && b.type === output.type) return { shares: [2, 1] };
  return {};
}

/**
 * Computes one contiguous run of n outputs starting at output element o, reading input 1 from
 * element i1 with stride s1 and input 2 from element i2 with stride s2 (element indices relative to
 * each tensor's start). A module-level function: passing it allocates nothing.
 */
export type BinaryRow = (plan: Int32Array, at: number, m: Memory,
  i1: number, i2: number, o: number, n: number, s1: number, s2: number) => void;

/** Runs the fused loop nest of the record at plan[at], one row call per innermost loop. */
export function runBroadcast(plan: Int32Array, at: number, m: Memory, row: BinaryRow): void {
  const p = at + RECORD_HEADER + 2 * plan[at + 1];
  const d = p + B_DIMS, s = p + B_STRIDE1, t = p + B_STRIDE2;
  const n0 = plan[d], n1 = plan[d + 1], n2 = plan[d + 2], n3 = plan[d + 3], n4 = plan[d + 4], n5 = plan[d + 5];
  const a0 = plan[s], a1 = plan[s + 1], a2 = plan[s + 2], a3 = plan[s + 3], a4 = plan[s + 4], a5 = plan[s + 5];
  const b0 = plan[t], b1 = plan[t + 1], b2 = plan[t + 2], b3 = plan[t + 3], b4 = plan[t + 4], b5 = plan[t + 5];
  let o = 0;
  for (let k0 = 0, x0 = 0, y0 = 0; k0 < n0; k0++, x0 += a0, y0 += b0) {
    for (let k1 = 0, x1 = x0, y1 = y0; k1 < n1; k1++, x1 += a1, y1 += b1) {
      for (let k2 = 0, x2 = x1, y2 = y1; k2 < n2; k2++, x2 += a2, y2 += b2) {
        for (let k3 = 0, x3 = x2, y3 = y2; k3 < n3; k3++, x3 += a3, y3 += b3) {
          for (let k4 = 0, x4 = x3, y4 = y3; k4 < n4; k4++, x4 += a4, y4 += b4) {
            row(plan, at, m, x4, y4, o, n5, a5, b5);
            o += n5;
          }
        }
      }
    }
  }
}
