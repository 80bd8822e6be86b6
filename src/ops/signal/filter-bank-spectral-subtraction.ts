// SignalFilterBankSpectralSubtraction (TFLM custom op), stateful: a per-channel noise estimate
// (low-pass filtered input, kept between invokes in the arena's persistent part, zeroed at creation
// and reset) is subtracted from the input, never below min_signal_remaining of it. Outputs the
// result (0) and a copy of the noise estimate (1). Even channels use smoothing, odd ones
// alternate_smoothing.
// Semantics of tensorflow/tflite-micro signal/micro/kernels/filter_bank_spectral_subtraction.cc and
// signal/src/filter_bank_spectral_subtraction.cc (uint32 values, uint64 products).

import { KernelId } from '../kernel-ids.js';
import { RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from '../op.js';
import { customOptions } from '../flexbuffer.js';
import { T_UINT32, TWO_32, expectRank, optionInRange } from './common.js';

// Tensor refs: 0 input, 1 output, 2 noise estimate output, 3 the state (persistent, uint32 per channel).
// Params:
const P_CHANNELS = 0;
const P_SMOOTHING = 1;
const P_ONE_MINUS_SMOOTHING = 2;
const P_ALTERNATE_SMOOTHING = 3;
const P_ALTERNATE_ONE_MINUS_SMOOTHING = 4;
const P_SMOOTHING_BITS = 5;
const P_SPECTRAL_SUBTRACTION_BITS = 6;
const P_MIN_SIGNAL_REMAINING = 7;
const P_CLAMPING = 8;

/** Coefficients up to 2^20 keep every uint64 product below 2^52, exact in a float64. */
const MAX_COEFFICIENT = 1 << 20;

export const signalFilterBankSpectralSubtraction: OpDefinition = {
  code: 32,
  name: 'SignalFilterBankSpectralSubtraction',
  custom: true,
  maxVersion: 1,
  prepare(ctx: OpContext) {
    ctx.expectArity(1, 1, 2);
    const input = ctx.input(0), output = ctx.output(0), noise = ctx.output(1);
    const o = customOptions(ctx);
    const channels = o.int('num_channels');
    const coefficient = (name: string) => optionInRange(ctx, name, o.int(name), 0, MAX_COEFFICIENT);
    const params = [
      channels,
      coefficient('smoothing'), coefficient('one_minus_smoothing'),
      coefficient('alternate_smoothing'), coefficient('alternate_one_minus_smoothing'),
      optionInRange(ctx, 'smoothing_bits', o.int('smoothing_bits'), 0, 31),
      optionInRange(ctx, 'spectral_subtraction_bits', o.int('spectral_subtraction_bits'), 0, 31),
      coefficient('min_signal_remaining'),
      o.bool('clamping') ? 1 : 0,
    ];
    for (const [t, what] of [[input, 'input'], [output, 'output 0'], [noise, 'output 1']] as const) {
      ctx.expectType(t, what, T_UINT32);
      expectRank(ctx, t, what, 1);
      ctx.expectShape(t, what, [channels]);
    }
    return {
      kernel: KernelId.SIGNAL_FILTER_BANK_SPECTRAL_SUBTRACTION,
      tensors: [input, output, noise],
      params,
      persistentBytes: 4 * channels,
    };
  },
};

const evalSpectralSubtraction: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i32[plan[t]], inBase = plan[t + 1] >> 2;
  const out = m.i32[plan[t + 2]], oBase = plan[t + 3] >> 2;
  const noise = m.i32[plan[t + 4]], nBase = plan[t + 5] >> 2;
  const state = m.i32[plan[t + 6]], sBase = plan[t + 7] >> 2;
  const channels = plan[p + P_CHANNELS];
  const smoothingBits = plan[p + P_SMOOTHING_BITS];
  const down = 2 ** plan[p + P_SPECTRAL_SUBTRACTION_BITS], smoothingDown = 2 ** smoothingBits;
  const minRemaining = plan[p + P_MIN_SIGNAL_REMAINING];
  const clamping = plan[p + P_CLAMPING] !== 0;
  for (let i = 0; i < channels; i++) {
    const odd = (i & 1) !== 0;
    const smoothing = plan[p + (odd ? P_ALTERNATE_SMOOTHING : P_SMOOTHING)];
    const oneMinus = plan[p + (odd ? P_ALTERNATE_ONE_MINUS_SMOOTHING : P_ONE_MINUS_SMOOTHING)];
    const x = input[inBase + i] >>> 0;
    const scaledUp = (x << smoothingBits) >>> 0;
    const estimate = Math.floor((scaledUp * smoothing + (state[sBase + i] >>> 0) * oneMinus) / down) % TWO_32;
    state[sBase + i] = estimate;
    let subtrahend = estimate;
    if (subtrahend > scaledUp) {
      subtrahend = scaledUp;
      if (clamping) state[sBase + i] = scaledUp;
    }
    const floor = Math.floor(x * minRemaining / down) % TWO_32;
    const subtracted = Math.floor((scaledUp - subtrahend) / smoothingDown);
    out[oBase + i] = subtracted > floor ? subtracted : floor;
    noise[nBase + i] = state[sBase + i];
  }
};

export const signalFilterBankSpectralSubtractionKernels: Record<number, Kernel> = {
  [KernelId.SIGNAL_FILTER_BANK_SPECTRAL_SUBTRACTION]: evalSpectralSubtraction,
};
