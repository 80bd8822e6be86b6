// SignalRfft (TFLM custom op), int16: the real FFT of each row of the input, zero-padded to
// fft_length, as fft_length / 2 + 1 complex int16 values (interleaved real, imaginary).
// Semantics of tensorflow/tflite-micro signal/micro/kernels/rfft.cc and signal/src/rfft_int16.cc:
// KISS FFT (github.com/mborgerding/kissfft, the version TFLM pins) built with FIXED_POINT=16, whose
// real FFT is a complex FFT of half the length followed by a split step. Fixed point throughout:
// every butterfly input is divided by the radix first (x * (32767 / p), rounded, >> 15), every
// complex product rounds at bit 15, and every result is stored into int16 (wrapping).
// The twiddles (floor(0.5 + 32767 * cos/sin(phase)), as int16) are computed here, at prepare, and
// stored in the plan. Power-of-two fft_length only (radix 4 stages, then one radix 2).

import { KernelId } from '../kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from '../op.js';
import { customOptions } from '../flexbuffer.js';
import { T_INT16, s16 } from './common.js';

// Tensor refs: 0 input, 1 output, 2 scratch (the padded input, then the complex FFT's output).
// Params:
const P_ROWS = 0; // rows of the input (product of all dimensions but the last)
const P_INPUT_LENGTH = 1; // the input's last dimension (<= fft_length)
const P_FFT_LENGTH = 2;
const P_STAGES = 3; // stages of the complex FFT of fft_length / 2 points
const P_FACTORS = 4; // per stage (radix p, remaining length m), then the twiddles:
// fft_length / 2 twiddles of the complex FFT, then fft_length / 4 of the split step, each packed as
// (real & 0xffff) | (imaginary << 16).

const MAX_FFT_LENGTH = 1 << 16;

/** kf_cexp in fixed point: floor(0.5 + 32767 * cos), floor(0.5 + 32767 * sin), packed. */
function twiddle(phase: number): number {
  const r = Math.floor(0.5 + 32767 * Math.cos(phase));
  const i = Math.floor(0.5 + 32767 * Math.sin(phase));
  return (r & 0xffff) | (i << 16);
}

/** KISS FFT's factorization of n: powers of 4 first, then 2 (n a power of two >= 2). */
function factors(n: number): number[] {
  const out: number[] = [];
  while (n > 1) {
    const p = n % 4 === 0 ? 4 : 2;
    n /= p;
    out.push(p, n);
  }
  return out;
}

/** The plan's words for a real FFT of fftLength points: stages, factors, twiddles. */
export function rfftTables(fftLength: number): number[] {
  const n = fftLength / 2; // the complex FFT's length
  const f = factors(n);
  const words = [f.length / 2, ...f];
  const pi = 3.141592653589793238462643383279502884197169399375105820974944;
  for (let i = 0; i < n; i++) words.push(twiddle(-2 * pi * i / n));
  for (let i = 0; i < n / 2; i++) words.push(twiddle(-3.14159265358979323846264338327 * ((i + 1) / n + 0.5)));
  return words;
}

export const signalRfft: OpDefinition = {
  code: 32,
  name: 'SignalRfft',
  custom: true,
  maxVersion: 1,
  prepare(ctx: OpContext) {
    ctx.expectArity(1, 1, 1);
    const input = ctx.input(0), output = ctx.output(0);
    const options = customOptions(ctx);
    const type = options.int('T');
    const fftLength = options.int('fft_length');
    if (type !== T_INT16) ctx.unsupported(`the option T is ${type}: only int16 (${T_INT16}) real FFTs are supported`);
    ctx.expectType(input, 'input', T_INT16);
    ctx.expectType(output, 'output', T_INT16);
    if (!(fftLength >= 4 && fftLength <= MAX_FFT_LENGTH && (fftLength & (fftLength - 1)) === 0)) {
      ctx.unsupported(`fft_length ${fftLength} is not supported, expected a power of two from 4 to ${MAX_FFT_LENGTH}`);
    }
    const rank = input.shape.length;
    if (rank < 1) ctx.fail(`input ${ctx.describe(input)} must have rank 1 or more`);
    const inputLength = input.shape[rank - 1];
    if (inputLength > fftLength) ctx.fail(`input ${ctx.describe(input)} has rows of ${inputLength} samples, more than fft_length ${fftLength}`);
    ctx.expectShape(output, 'output', [...input.shape.slice(0, -1), fftLength + 2]);
    const rows = inputLength === 0 ? 0 : input.elements / inputLength;
    return {
      kernel: KernelId.SIGNAL_RFFT_S16,
      tensors: [input, output],
      params: [rows, inputLength, fftLength, ...rfftTables(fftLength)],
      scratchBytes: 2 * fftLength + 2 * fftLength,
    };
  },
};

// The kernel's working state, set once per record (module level: nothing is allocated per call).
let buf: Int16Array = new Int16Array(0); // the arena as int16: the FFT's input and output live in it
let plan_: Int32Array = new Int32Array(0);
let twiddles = 0; // plan index of the first complex FFT twiddle

/** C_FIXDIV: x / p in fixed point, x * (32767 / p) rounded at bit 15. */
const fixdiv2 = (x: number): number => s16((x * 16383 + 16384) >> 15);
const fixdiv4 = (x: number): number => s16((x * 8191 + 16384) >> 15);

/** Radix-2 butterflies: out (int16 index of complex 0), m of them, twiddle stride fstride. */
function bfly2(out: number, fstride: number, m: number): void {
  for (let k = 0; k < m; k++) {
    const a = out + 2 * k, b = a + 2 * m;
    const ar = fixdiv2(buf[a]), ai = fixdiv2(buf[a + 1]);
    const br = fixdiv2(buf[b]), bi = fixdiv2(buf[b + 1]);
    const w = plan_[twiddles + k * fstride], wr = (w << 16) >> 16, wi = w >> 16;
    const tr = s16((br * wr - bi * wi + 16384) >> 15);
    const ti = s16((br * wi + bi * wr + 16384) >> 15);
    buf[b] = ar - tr; buf[b + 1] = ai - ti;
    buf[a] = ar + tr; buf[a + 1] = ai + ti;
  }
}

/** Radix-4 butterflies (forward). */
function bfly4(out: number, fstride: number, m: number): void {
  for (let k = 0; k < m; k++) {
    const a0 = out + 2 * k, a1 = a0 + 2 * m, a2 = a1 + 2 * m, a3 = a2 + 2 * m;
    const f0r = fixdiv4(buf[a0]), f0i = fixdiv4(buf[a0 + 1]);
    const f1r = fixdiv4(buf[a1]), f1i = fixdiv4(buf[a1 + 1]);
    const f2r = fixdiv4(buf[a2]), f2i = fixdiv4(buf[a2 + 1]);
    const f3r = fixdiv4(buf[a3]), f3i = fixdiv4(buf[a3 + 1]);
    const w1 = plan_[twiddles + k * fstride], w1r = (w1 << 16) >> 16, w1i = w1 >> 16;
    const w2 = plan_[twiddles + 2 * k * fstride], w2r = (w2 << 16) >> 16, w2i = w2 >> 16;
    const w3 = plan_[twiddles + 3 * k * fstride], w3r = (w3 << 16) >> 16, w3i = w3 >> 16;
    const s0r = s16((f1r * w1r - f1i * w1i + 16384) >> 15), s0i = s16((f1r * w1i + f1i * w1r + 16384) >> 15);
    const s1r = s16((f2r * w2r - f2i * w2i + 16384) >> 15), s1i = s16((f2r * w2i + f2i * w2r + 16384) >> 15);
    const s2r = s16((f3r * w3r - f3i * w3i + 16384) >> 15), s2i = s16((f3r * w3i + f3i * w3r + 16384) >> 15);
    const s5r = s16(f0r - s1r), s5i = s16(f0i - s1i);
    const g0r = s16(f0r + s1r), g0i = s16(f0i + s1i);
    const s3r = s16(s0r + s2r), s3i = s16(s0i + s2i);
    const s4r = s16(s0r - s2r), s4i = s16(s0i - s2i);
    buf[a2] = g0r - s3r; buf[a2 + 1] = g0i - s3i;
    buf[a0] = g0r + s3r; buf[a0 + 1] = g0i + s3i;
    buf[a1] = s5r + s4i; buf[a1 + 1] = s5i - s4r;
    buf[a3] = s5r - s4i; buf[a3 + 1] = s5i + s4r;
  }
}

/** kf_work: the FFT of the complex input at int16 index `input` (stride fstride) into `out`. */
function work(out: number, input: number, fstride: number, stage: number): void {
  const p = plan_[stage], m = plan_[stage + 1];
  if (m === 1) {
    for (let q = 0; q < p; q++) {
      const src = input + 2 * q * fstride;
      buf[out + 2 * q] = buf[src];
      buf[out + 2 * q + 1] = buf[src + 1];
    }
  } else {
    for (let q = 0; q < p; q++) work(out + 2 * q * m, input + 2 * q * fstride, fstride * p, stage + 2);
  }
  if (p === 4) bfly4(out, fstride, m);
  else bfly2(out, fstride, m);
}

const evalRfft: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i16[plan[t]], inBase = plan[t + 1] >> 1;
  const output = m.i16[plan[t + 2]], oBase = plan[t + 3] >> 1;
  const scratch = plan[t + 5] >> 1; // int16 index of the scratch in the arena
  const rows = plan[p + P_ROWS], inputLength = plan[p + P_INPUT_LENGTH], fftLength = plan[p + P_FFT_LENGTH];
  const n = fftLength >> 1;
  buf = m.i16[plan[t + 4]];
  plan_ = plan;
  const stages = plan[p + P_STAGES];
  twiddles = p + P_FACTORS + 2 * stages;
  const superTwiddles = twiddles + n;
  const tmp = scratch + fftLength; // the complex FFT's output: n complex values
  for (let r = 0; r < rows; r++) {
    const src = inBase + r * inputLength;
    for (let i = 0; i < inputLength; i++) buf[scratch + i] = input[src + i];
    for (let i = inputLength; i < fftLength; i++) buf[scratch + i] = 0;
    work(tmp, scratch, 1, p + P_FACTORS); // the stages' factors are read from plan_ at absolute indices
    rfftSplit(output, oBase + r * (fftLength + 2), n, tmp, superTwiddles);
  }
};

function rfftSplit(output: Int16Array, o: number, n: number, tmp: number, superTwiddles: number): void {
  const dcr = fixdiv2(buf[tmp]), dci = fixdiv2(buf[tmp + 1]);
  output[o] = dcr + dci;
  output[o + 1] = 0;
  output[o + 2 * n] = dcr - dci;
  output[o + 2 * n + 1] = 0;
  for (let k = 1; k <= n / 2; k++) {
    const pk = tmp + 2 * k, pnk = tmp + 2 * (n - k);
    const fpkr = fixdiv2(buf[pk]), fpki = fixdiv2(buf[pk + 1]);
    const fpnkr = fixdiv2(buf[pnk]), fpnki = fixdiv2(s16(-buf[pnk + 1]));
    const f1kr = s16(fpkr + fpnkr), f1ki = s16(fpki + fpnki);
    const f2kr = s16(fpkr - fpnkr), f2ki = s16(fpki - fpnki);
    const w = plan_[superTwiddles + k - 1], wr = (w << 16) >> 16, wi = w >> 16;
    const twr = s16((f2kr * wr - f2ki * wi + 16384) >> 15);
    const twi = s16((f2kr * wi + f2ki * wr + 16384) >> 15);
    output[o + 2 * k] = (f1kr + twr) >> 1;
    output[o + 2 * k + 1] = (f1ki + twi) >> 1;
    output[o + 2 * (n - k)] = (f1kr - twr) >> 1;
    output[o + 2 * (n - k) + 1] = (twi - f1ki) >> 1;
  }
}

export const signalRfftKernels: Record<number, Kernel> = { [KernelId.SIGNAL_RFFT_S16]: evalRfft };
