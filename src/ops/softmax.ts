// SOFTMAX: output = exp(beta * (x - max)) / sum(exp(beta * (x - max))) over the last dimension.
// Semantics of tensorflow/lite/kernels/activations.cc (SoftmaxPrepare/SoftmaxEval, kReference):
// float in float32 arithmetic; int8/uint8 inputs through reference_ops::Softmax, gemmlowp's
// fixed-point exp and reciprocal with the multiplier of PreprocessSoftmaxScaling.

import { DType } from '../model/model.js';
import { KernelId } from './kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';
import { floatBits, roundingDivideByPOT, srdhm } from './quant.js';

// Tensor refs: 0 input, 1 output.
// Params, both kernels:
const P_OUTER = 0; // rows: product of all dimensions but the last
const P_DEPTH = 1; // the last dimension, over which each row is normalized
// F32 only:
const P_BETA = 2; // beta, float32 bits
// S8 only (int8 or uint8 input; int8, uint8 or int16 output):
const P_INPUT_MULTIPLIER = 2; // beta * input scale in Q(31 - 5) as a quantized multiplier...
const P_INPUT_SHIFT = 3; // ...and its left shift (>= 0): input differences become Q5.26
const P_DIFF_MIN = 4; // differences from the row maximum below this contribute exactly 0
const P_INPUT_UINT8 = 5; // 1 if the input is uint8, 0 if int8
const P_OUTPUT_TYPE = 6; // TensorType code of the output: 9 int8, 3 uint8, 7 int16
const P_OUTPUT_MIN = 7; // lowest output value, also the value that encodes probability 0
const P_OUTPUT_MAX = 8; // highest output value
const P_OUTPUT_BITS = 9; // 8 or 16: the output is probability * 2^bits + P_OUTPUT_MIN

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;
const SCALED_DIFF_INTEGER_BITS = 5; // the exp input is Q5.26
const ACCUMULATION_INTEGER_BITS = 12; // the sum of exps is Q12.19

export const softmax: OpDefinition = {
  code: 25,
  name: 'SOFTMAX',
  maxVersion: 2, // 3 is int16 -> int16, not supported
  prepare(ctx: OpContext) {
    ctx.expectArity(1, 1, 1);
    const input = ctx.input(0);
    const output = ctx.output(0);
    const options = ctx.options(9, 'SoftmaxOptions');
    const beta = options?.f32(0, 'beta') ?? 0;
    const rank = input.shape.length;
    if (rank < 1) ctx.fail(`input ${ctx.describe(input)} must have at least one dimension`);
    ctx.expectShape(output, 'output', input.shape);
    const depth = input.shape[rank - 1];
    const outer = depth === 0 ? 0 : input.elements / depth;
    const tensors = [input, output];

    if (input.type === DType.FLOAT32) {
      ctx.expectType(output, 'output', DType.FLOAT32);
      if (!Number.isFinite(beta)) ctx.fail(`beta ${beta} is not a finite number`);
      return { kernel: KernelId.SOFTMAX_F32, tensors, params: [outer, depth, floatBits(beta)] };
    }

    ctx.expectType(input, 'input', DType.FLOAT32, DType.INT8, DType.UINT8);
    if (input.type === DType.INT8) ctx.expectType(output, 'output', DType.INT8, DType.INT16);
    else ctx.expectType(output, 'output', DType.UINT8, DType.INT16);
    const inQ = ctx.quant(input, 'input');
    const outQ = ctx.quant(output, 'output');
    // The kernel's output encoding is fixed: probability p is stored as p * 2^bits + lowest value.
    const bits = output.type === DType.INT16 ? 16 : 8;
    const outMin = output.type === DType.INT16 ? -32768 : output.type === DType.INT8 ? -128 : 0;
    const outMax = output.type === DType.INT16 ? 32767 : output.type === DType.INT8 ? 127 : 255;
    const wantScale = 1 / 2 ** bits;
    if (outQ.zeroPoint !== outMin || Math.abs(outQ.scale - wantScale) > 0.001 * wantScale) {
      ctx.fail(`output ${ctx.describe(output)} has scale ${outQ.scale} and zero point ${outQ.zeroPoint}, ` +
        `expected scale 1/${2 ** bits} and zero point ${outMin}`);
    }
    if (!(beta > 0) || !Number.isFinite(beta)) ctx.unsupported(`beta ${beta} is not supported for quantized softmax, expected a positive number`);

    // PreprocessSoftmaxScaling: beta * input_scale * 2^26 in double, capped (lower with single
    // rounding, whose multiply cannot shift left by 31), as a multiplier greater than one.
    const cap = ctx.rounding === 'single' ? 2 ** 30 - 1 : 2 ** 31 - 1;
    const real = Math.min(beta * inQ.scale * 2 ** (31 - SCALED_DIFF_INTEGER_BITS), cap);
    if (!(real > 1)) {
      ctx.fail(`beta ${beta} times input scale ${inQ.scale} is too small (below 2^-26): TFLite's quantized softmax cannot represent it`);
    }
    const { multiplier, shift } = ctx.quantizeMultiplier(real);
    // CalculateInputRadius(5, shift): the largest difference whose rescaling cannot overflow.
    const diffMin = -Math.floor((2 ** SCALED_DIFF_INTEGER_BITS - 1) * 2 ** (31 - SCALED_DIFF_INTEGER_BITS) / 2 ** shift);
    return {
      kernel: KernelId.SOFTMAX_S8,
      tensors,
      params: [outer, depth, multiplier, shift, diffMin, input.type === DType.UINT8 ? 1 : 0, output.type, outMin, outMax, bits],
    };
  },
};

// gemmlowp fixed point on int32 raw values, exactly.

/** SaturatingRoundingMultiplyByPOT with a positive exponent: x * 2^k, saturated. */
function saturatingShiftLeft(x: number, k: number): number {
  const threshold = (1 << (31 - k)) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x << k;
}

/** exp(a) for a in [-1/4, 0), a and the result in Q0.31. */
function expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a: number): number {
  const constantTerm = 1895147668; // exp(-1/8)
  const oneThird = 715827883;
  const x = (a + (1 << 28)) | 0; // Taylor expansion around -1/8
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const x4Over4 = roundingDivideByPOT(x4, 2);
  const poly = roundingDivideByPOT((srdhm((x4Over4 + x3) | 0, oneThird) + x2) | 0, 1);
  return (constantTerm + srdhm(constantTerm, (x + poly) | 0)) | 0;
}

/** exp(a) for a <= 0: a in Q5.26, the result in Q0.31. */
function expOnNegativeValues(a: number): number {
  const quarter = 1 << 24; // 1/4 in Q5.26
  const aModQuarterMinusQuarter = ((a & (quarter - 1)) - quarter) | 0;
  let result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(saturatingShiftLeft(aModQuarterMinusQuarter, SCALED_DIFF_INTEGER_BITS));
  const remainder = (aModQuarterMinusQuarter - a) | 0;
  // Multiply by exp(-2^k) for every bit 2^k (k = -2 .. 4) of the remainder.
  if (remainder & (1 << 24)) result = srdhm(result, 1672461947); // exp(-1/4)
  if (remainder & (1 << 25)) result = srdhm(result, 1302514674); // exp(-1/2)
  if (remainder & (1 << 26)) result = srdhm(result, 790015084); // exp(-1)
  if (remainder & (1 << 27)) result = srdhm(result, 290630308); // exp(-2)
  if (remainder & (1 << 28)) result = srdhm(result, 39332535); // exp(-4)
  if (remainder & (1 << 29)) result = srdhm(result, 720401); // exp(-8)
  if (remainder & (1 << 30)) result = srdhm(result, 242); // exp(-16)
  return a === 0 ? INT32_MAX : result;
}

/** 1 / (1 + a) for a in [0, 1): a and the result in Q0.31 (Newton-Raphson, three steps). */
function oneOverOnePlusXForXIn01(a: number): number {
  // RoundingHalfSum(a, 1): (a + INT32_MAX + 1) / 2 truncated; a >= 0 here.
  const halfDenominator = Math.floor((a + INT32_MAX + 1) / 2);
  // x in Q2.29: 48/17 - 32/17 * halfDenominator
  let x = (1515870810 + srdhm(halfDenominator, -1010580540)) | 0;
  for (let i = 0; i < 3; i++) {
    const oneMinusHalfDenominatorTimesX = ((1 << 29) - srdhm(halfDenominator, x)) | 0;
    x = (x + saturatingShiftLeft(srdhm(x, oneMinusHalfDenominatorTimesX), 2)) | 0;
  }
  return saturatingShiftLeft(x, 1);
}

/** round(x / 2^exponent), half away from zero, for exponent 0 ..= 34 (0 beyond 31: |x| < 2^31). */
function roundingDivide(x: number, exponent: number): number {
  return exponent <= 31 ? roundingDivideByPOT(x, exponent) : 0;
}

const evalF32: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.f32[plan[t]], inBase = plan[t + 1] >> 2;
  const output = m.f32[plan[t + 2]], outBase = plan[t + 3] >> 2;
  const outer = plan[p + P_OUTER], depth = plan[p + P_DEPTH];
  const beta = m.planF32[p + P_BETA];
  const fround = Math.fround;
  for (let i = 0; i < outer; i++) {
    const row = inBase + i * depth, outRow = outBase + i * depth;
    let max = -3.4028234663852886e38;
    for (let c = 0; c < depth; c++) if (input[row + c] > max) max = input[row + c];
    let sum = 0;
    for (let c = 0; c < depth; c++) {
      const e = fround(Math.exp(fround(fround(input[row + c] - max) * beta)));
      output[outRow + c] = e;
      sum = fround(sum + e);
    }
    for (let c = 0; c < depth; c++) output[outRow + c] = output[outRow + c] / sum;
  }
};

const evalS8: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const inU8 = plan[p + P_INPUT_UINT8] === 1;
  const input = inU8 ? m.u8[plan[t]] : m.i8[plan[t]], inBase = plan[t + 1];
  const outType = plan[p + P_OUTPUT_TYPE];
  const output = outType === DType.INT16 ? m.i16[plan[t + 2]] : outType === DType.UINT8 ? m.u8[plan[t + 2]] : m.i8[plan[t + 2]];
  const outBase = outType === DType.INT16 ? plan[t + 3] >> 1 : plan[t + 3];
  const outer = plan[p + P_OUTER], depth = plan[p + P_DEPTH];
  const multiplier = plan[p + P_INPUT_MULTIPLIER], shift = plan[p + P_INPUT_SHIFT], diffMin = plan[p + P_DIFF_MIN];
  const outMin = plan[p + P_OUTPUT_MIN], outMax = plan[p + P_OUTPUT_MAX], outBits = plan[p + P_OUTPUT_BITS];
  for (let i = 0; i < outer; i++) {
    const row = inBase + i * depth, outRow = outBase + i * depth;
    let max = inU8 ? 0 : -128;
    for (let c = 0; c < depth; c++) if (input[row + c] > max) max = input[row + c];

    let sumOfExps = 0; // Q12.19
    for (let c = 0; c < depth; c++) {
      const diff = input[row + c] - max;
      if (diff >= diffMin) {
        // MultiplyByQuantizedMultiplierGreaterThanOne is MultiplyByQuantizedMultiplier in either
        // rounding mode (with a left shift, gemmlowp's second rounding divides by 2^0).
        const exp = expOnNegativeValues(m.requantize(diff, multiplier, shift));
        // Rescale from Q0.31 to Q12.19.
        sumOfExps = (sumOfExps + roundingDivideByPOT(exp, ACCUMULATION_INTEGER_BITS)) | 0;
      }
    }

    // GetReciprocal: 1 / sum as a Q0.31 scale and a power of two.
    const headroomPlusOne = Math.clz32(sumOfExps);
    const bitsOverUnit = ACCUMULATION_INTEGER_BITS - headroomPlusOne;
    const shiftedSumMinusOne = (((sumOfExps << headroomPlusOne) >>> 0) - 2147483648) | 0;
    const scale = oneOverOnePlusXForXIn01(shiftedSumMinusOne);
    const exponent = bitsOverUnit + 31 - outBits;

    for (let c = 0; c < depth; c++) {
      const diff = input[row + c] - max;
      let v = outMin;
      if (diff >= diffMin) {
        const exp = expOnNegativeValues(m.requantize(diff, multiplier, shift));
        v = roundingDivide(srdhm(scale, exp), exponent) + outMin;
        v = v < outMin ? outMin : v > outMax ? outMax : v;
      }
      output[outRow + c] = v;
    }
  }
};

export const softmaxKernels: Record<number, Kernel> = {
  [KernelId.SOFTMAX_F32]: evalF32,
  [KernelId.SOFTMAX_S8]: evalS8,
};
