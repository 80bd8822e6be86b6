// TFLite's fixed-point arithmetic, exactly: the same integers as tensorflow/lite/kernels/internal
// (quantization_util.cc, common.h). Two rounding modes exist there and both are in use:
//   'single' (TFLITE_SINGLE_ROUNDING=1): TFLite 2.20+ and its reference kernels, the golden reference;
//   'double' (gemmlowp's two roundings): TFLM and CMSIS-NN as built by default.
// They differ by one in rare results, so a plan is made for one of them.
// No BigInt: eval must not allocate.

export type Rounding = 'single' | 'double';

/**
 * Which interpreter a plan is bit-exact with: 'tflite' (TFLite 2.20+ reference kernels: single rounding
 * in FULLY_CONNECTED and SOFTMAX's multiplier, double rounding elsewhere, as measured op by op against
 * ai-edge-litert) or 'tflm' (TFLM and CMSIS-NN: double rounding everywhere).
 */
export type ExactWith = 'tflite' | 'tflm';

const TWO_31 = 2147483648;
const TWO_30 = 1073741824;
const TWO_15 = 32768;

/** frexp: m = fraction * 2^exponent with |fraction| in [0.5, 1). Writes into out[0..1]. */
function frexp(m: number, out: number[]): void {
  if (m === 0 || !Number.isFinite(m)) { out[0] = m; out[1] = 0; return; }
  let e = Math.max(-1073, Math.floor(Math.log2(Math.abs(m))) + 1);
  let f = m * Math.pow(2, -e);
  // log2 can be off by one near powers of two; fix up so 0.5 <= |f| < 1 exactly.
  while (Math.abs(f) < 0.5) { f *= 2; e -= 1; }
  while (Math.abs(f) >= 1) { f /= 2; e += 1; }
  out[0] = f; out[1] = e;
}

/** C's std::round: half away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** QuantizeMultiplier: a real multiplier as (int32 multiplier in Q31, shift). */
export function quantizeMultiplier(m: number, rounding: Rounding): { multiplier: number; shift: number } {
  if (m === 0) return { multiplier: 0, shift: 0 };
  const fe = [0, 0];
  frexp(m, fe);
  let shift = fe[1];
  let q = roundHalfAway(fe[0] * TWO_31);
  if (q === TWO_31) { q /= 2; shift += 1; }
  if (shift < -31) { shift = 0; q = 0; }
  // Single rounding cannot shift left by more than 30: saturate.
  if (rounding === 'single' && shift > 30) { shift = 30; q = 2147483647; }
  return { multiplier: q, shift };
}

/** SaturatingRoundingDoublingHighMul(a, b) of gemmlowp: the high 32 bits of 2*a*b, rounded. */
export function srdhm(a: number, b: number): number {
  if (a === -TWO_31 && b === -TWO_31) return 2147483647;
  // a*b needs 62 bits; split b into 16-bit halves so every partial product is exact in a double.
  const bh = b >> 16;
  const bl = b & 0xffff;
  const p = a * bh; // |p| < 2^46
  const nudge = (p * 65536 + a * bl) >= 0 ? TWO_30 : 1 - TWO_30; // sign of a*b, computed exactly
  const q = a * bl + nudge; // |q| < 2^48
  const ph = Math.floor(p / TWO_15);
  const pl = p - ph * TWO_15;
  const r = pl * 65536 + q; // a*b + nudge = ph * 2^31 + r, exactly
  const fl = Math.floor(r / TWO_31);
  const rem = r - fl * TWO_31;
  let result = ph + fl; // floor((a*b + nudge) / 2^31)
  // C division truncates toward zero.
  if (rem !== 0 && ph * TWO_31 + r < 0) result += 1;
  return result;
}

/** RoundingDivideByPOT: x / 2^exponent, rounded half away from zero. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  const mask = ((1 << exponent) - 1) | 0;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** A MultiplyByQuantizedMultiplier: round(x * multiplier * 2^(shift - 31)) in one rounding mode. */
export type Requantize = (x: number, multiplier: number, shift: number) => number;

/** MultiplyByQuantizedMultiplier with double rounding (gemmlowp; TFLM). */
export const multiplyByQuantizedMultiplierDouble: Requantize = (x, multiplier, shift) => {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return roundingDivideByPOT(srdhm(Math.imul(x, 1 << left), multiplier), right);
};

/** 2^k for k in 0..63, exact. */
const POW2 = new Float64Array(64).map((_, k) => Math.pow(2, k));

/**
 * MultiplyByQuantizedMultiplier with single rounding (TFLite 2.20+):
 * (x * multiplier + 2^(s-1)) >> s with s = 31 - shift, in 64 bits, computed exactly in doubles.
 */
export const multiplyByQuantizedMultiplierSingle: Requantize = (x, multiplier, shift) => {
  const s = 31 - shift; // 1 ..= 62
  const p = x * (multiplier >>> 16); // |p| < 2^47
  const q = x * (multiplier & 0xffff); // |q| < 2^47
  const qh = Math.floor(q / 65536);
  const ql = q - qh * 65536;
  const sum = p + qh; // x * multiplier = sum * 2^16 + ql, exactly
  if (s >= 17) return Math.floor((sum + POW2[s - 17]) / POW2[s - 16]);
  return sum * POW2[16 - s] + Math.floor((ql + POW2[s - 1]) / POW2[s]);
};

export function requantizerFor(rounding: Rounding): Requantize {
  return rounding === 'single' ? multiplyByQuantizedMultiplierSingle : multiplyByQuantizedMultiplierDouble;
}

/** Activation codes of the schema (ActivationFunctionType). */
export const Activation = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;
export const ACTIVATION_NAMES = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];

/** The largest float32: TFLite clamps to it, so an overflowing float result is never infinite. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** CalculateActivationRange for float: [min, max], or null if the activation cannot be fused. */
export function floatActivationRange(activation: number): [number, number] | null {
  switch (activation) {
    case Activation.NONE: return [-FLOAT32_MAX, FLOAT32_MAX];
    case Activation.RELU: return [0, FLOAT32_MAX];
    case Activation.RELU_N1_TO_1: return [-1, 1];
    case Activation.RELU6: return [0, 6];
    default: return null;
  }
}

/** CalculateActivationRangeQuantized for an int8/int16 output with (scale, zeroPoint). */
export function quantizedActivationRange(activation: number, scale: number, zeroPoint: number,
  qmin: number, qmax: number): [number, number] | null {
  // Quantize as TFLite does: zero_point + round(x / scale) computed in float.
  const q = (x: number) => zeroPoint + roundHalfAway(Math.fround(x / scale));
  switch (activation) {
    case Activation.NONE: return [qmin, qmax];
    case Activation.RELU: return [Math.max(qmin, q(0)), qmax];
    case Activation.RELU6: return [Math.max(qmin, q(0)), Math.min(qmax, q(6))];
    case Activation.RELU_N1_TO_1: return [Math.max(qmin, q(-1)), Math.min(qmax, q(1))];
    default: return null;
  }
}

/** Float32 bits as an int32, for float parameters in the integer plan. */
const f32Scratch = new Float32Array(1);
const i32Scratch = new Int32Array(f32Scratch.buffer);
export function floatBits(x: number): number {
  f32Scratch[0] = x;
  return i32Scratch[0];
}
