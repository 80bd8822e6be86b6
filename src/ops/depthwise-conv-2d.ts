// DEPTHWISE_CONV_2D: output[b, y, x, c*M + m] = act(sum over (ky, kx) of
//   input[b, y*sh - ph + ky*dh, x*sw - pw + kx*dw, c] * filter[0, ky, kx, c*M + m] + bias[c*M + m]),
// with the depth multiplier M = filter.shape[3] / input.shape[3].
// Semantics of tensorflow/lite/kernels/depthwise_conv.cc with the reference kernels
// (reference_ops::DepthwiseConv for float, reference_integer_ops::DepthwiseConvPerChannel for int8).
// M comes from the shapes (as TFLite computes it); the options' depth_multiplier must agree (TFLM uses it).

import { KernelId } from './kernel-ids.js';
import { NO_TENSOR, RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';
import { CONV_REQUANTIZE, convWindow, expectConvTypes, floatRange, quantizedConvParams, windowLag } from './conv-2d.js';

// Tensor refs: 0 input, 1 filter, 2 bias (or NO_TENSOR), 3 output; S8: 4 arena scratch (s8ScratchBytes).
// Params, both kernels:
const P_BATCHES = 0; // input.shape[0] = output.shape[0]
const P_IN_H = 1; // input.shape[1]
const P_IN_W = 2; // input.shape[2]
const P_IN_C = 3; // input.shape[3]
const P_OUT_H = 4; // output.shape[1]
const P_OUT_W = 5; // output.shape[2]
const P_OUT_C = 6; // output.shape[3] = filter.shape[3] = IN_C * DEPTH_MULTIPLIER
const P_FILTER_H = 7; // filter.shape[1]
const P_FILTER_W = 8; // filter.shape[2]
const P_DEPTH_MULTIPLIER = 9; // output channels per input channel
const P_STRIDE_H = 10;
const P_STRIDE_W = 11;
const P_DILATION_H = 12;
const P_DILATION_W = 13;
const P_PAD_H = 14; // rows of zero padding above the input (TFLite's padding_values.height)
const P_PAD_W = 15; // columns of zero padding left of the input (padding_values.width)
const P_ACT_MIN = 16; // float32 bits (F32) or int32 (S8)
const P_ACT_MAX = 17;
// S8 only:
const P_INPUT_OFFSET = 18; // -input zero point
const P_OUTPUT_OFFSET = 19; // output zero point
const P_PER_CHANNEL = 20; // out_c multipliers from here, then the shifts: one int8 per channel, 4 to a word (packShifts)
/**
 * The int8 kernels' banded shapes (native/kernels/depthwise_conv_2d.c): a 3x3 filter, dilation 1, and
 * depth multiplier 1 with channels a multiple of 4 (band4), or a multiplier that is a multiple of 4 (band1).
 * They read the input through rows of it copied into the scratch, bandCols columns wide.
 */
const band3x3 = (fH: number, fW: number, dH: number, dW: number) => fH === 3 && fW === 3 && dH === 1 && dW === 1;
const isBand4 = (mult: number, inC: number, fH: number, fW: number, dH: number, dW: number) => mult === 1 && inC % 4 === 0 && band3x3(fH, fW, dH, dW);
const isBand1 = (mult: number, fH: number, fW: number, dH: number, dW: number) => mult % 4 === 0 && band3x3(fH, fW, dH, dW);
const bandCols = (outW: number, strideW: number) => (outW - 1) * strideW + 3;

/**
 * xsml_depthwise_conv_2d_s8_scratch_bytes: band4 4 int16 lanes a column, of every row the windows span
 * when that takes at most 2048 bytes, else of a ring of 3; band1 a byte a column (and a word's slack).
 */
function s8ScratchBytes(mult: number, inC: number, fH: number, fW: number,
  win: { outH: number, outW: number, strideH: number, strideW: number, dilationH: number, dilationW: number }): number {
  const cols = bandCols(win.outW, win.strideW);
  if (isBand4(mult, inC, fH, fW, win.dilationH, win.dilationW)) {
    const whole = ((win.outH - 1) * win.strideH + 3) * cols * 8;
    return whole <= 2048 ? whole : 3 * cols * 8;
  }
  if (isBand1(mult, fH, fW, win.dilationH, win.dilationW)) return 3 * ((cols + 4) & ~3);
  return 0;
}

/**
 * Whether a band4 layer's output may start where its input does: both kernels copy the input rows in
 * order, one channel (a group of 4 in C) at a time, into a ring of 3 before the output row that first
 * needs them (or the C kernel, all of a group's rows before its first output row), and pixels take
 * in_c bytes in both tensors; so every output row must end before the first input row not yet read.
 */
function band4InPlace(batches: number, inH: number, inW: number, outH: number, outW: number, strideH: number, padH: number): boolean {
  for (let b = 0; b < batches; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const next = oy * strideH - padH + 3; // the first input row not read once output row oy is
      const unread = next >= inH ? (b + 1) * inH * inW : b * inH * inW + next * inW;
      if (b * outH * outW + (oy + 1) * outW > unread) return false;
    }
  }
  return true;
}

/**
 * quantizedConvParams' shifts (the last n params) as int8, 4 to a word: channel 4w + j in byte j. A shift
 * above 0 is kept mod 32 (the requantizer shifts left by it mod 32), so every one fits.
 */
function packShifts(params: number[], n: number): number[] {
  const at = params.length - n, words = (n + 3) >> 2;
  // Word w only takes shifts 4w.. (at and after its own index): packed in place.
  for (let w = 0; w < words; w++) {
    let word = 0;
    for (let j = 0; j < 4 && 4 * w + j < n; j++) {
      const shift = params[at + 4 * w + j];
      word |= ((shift > 0 ? shift & 31 : shift) & 0xff) << (8 * j);
    }
    params[at + w] = word;
  }
  params.length = at + words;
  return params;
}

/** Channel o's shift in a record whose shifts start at plan[at]. */
const shiftOf = (plan: Int32Array, at: number, o: number) => (plan[at + (o >> 2)] << (24 - 8 * (o & 3))) >> 24;

export const depthwiseConv2d: OpDefinition = {
  code: 4,
  name: 'DEPTHWISE_CONV_2D',
  maxVersion: 7,
  prepare(ctx: OpContext) {
    ctx.expectArity(2, 3, 1);
    const input = ctx.input(0);
    const filter = ctx.input(1);
    const bias = ctx.optionalInput(2);
    const output = ctx.output(0);
    const options = ctx.options(2, 'DepthwiseConv2DOptions');
    if (!options) ctx.fail('has no DepthwiseConv2DOptions (padding and strides are required)');
    const activation = options.i8(4, 'fused_activation_function');

    const float = expectConvTypes(ctx, input, filter, bias, output);
    ctx.expectRank(input, 'input', 4);
    ctx.expectRank(filter, 'filter', 4);
    ctx.expectNonEmpty(input, 'input');
    ctx.expectNonEmpty(filter, 'filter');
    const [batches, inH, inW, inC] = input.shape;
    const [one, filterH, filterW, outC] = filter.shape;
    if (one !== 1) ctx.fail(`filter ${ctx.describe(filter)} must have shape [1, height, width, channels]`);
    if (!(inC > 0) || !(outC > 0) || outC % inC !== 0) {
      ctx.fail(`filter channels ${outC} (filter.shape[3]) must be a positive multiple of the input's ${inC} channels`);
    }
    // TFLite derives the multiplier from the shapes; TFLM takes the option: they must agree.
    const multiplierOption = options.i32(3, 'depth_multiplier');
    if (multiplierOption !== outC / inC) {
      ctx.fail(`depth_multiplier ${multiplierOption} does not match the shapes: filter channels ${outC} / input channels ${inC} = ${outC / inC}`);
    }
    const win = convWindow(ctx, options, { padding: 0, strideW: 1, strideH: 2, dilationW: 5, dilationH: 6 }, inH, inW, filterH, filterW);
    ctx.expectShape(output, 'output', [batches, win.outH, win.outW, outC]);
    if (bias) ctx.expectShape(bias, 'bias', [outC]);

    const geometry = [batches, inH, inW, inC, win.outH, win.outW, outC, filterH, filterW, outC / inC,
      win.strideH, win.strideW, win.dilationH, win.dilationW, win.padH, win.padW];
    const tensors = [input, filter, bias, output];
    // The kernels other than the banded ones write output pixels in ascending order, each after
    // reading its window (the one-channel C kernel copies a row's windows to the C stack first); with
    // a depth multiplier of 1 each output channel reads only its own input channel, in ascending
    // channel order (the C kernels four or eight channels at a time): windowLag.
    const esize = float ? 4 : 1;
    const lag = windowLag(win, batches, inH, inW, filterH, filterW, inC * esize, outC * esize, outC === inC);
    if (float) return { kernel: KernelId.DEPTHWISE_CONV_2D_F32, tensors, params: [...geometry, ...floatRange(ctx, activation)], shares: [3, 0, lag] };
    // The banded C kernels go channel group by group: band4 (and the TypeScript kernel for its shapes)
    // exactly over the input when band4InPlace allows it, band1 never over it.
    const band4 = isBand4(outC / inC, inC, filterH, filterW, win.dilationH, win.dilationW);
    const shares: [number, number, number] | null = band4
      ? (band4InPlace(batches, inH, inW, win.outH, win.outW, win.strideH, win.padH) ? [3, 0, 0] : null)
      : isBand1(outC / inC, filterH, filterW, win.dilationH, win.dilationW) ? null : [3, 0, lag];
    return {
      kernel: KernelId.DEPTHWISE_CONV_2D_S8,
      tensors,
      params: [...geometry, ...packShifts(quantizedConvParams(ctx, input, filter, bias, output, activation, outC, 3), outC)],
      scratchBytes: s8ScratchBytes(outC / inC, inC, filterH, filterW, win),
      ...(shares ? { shares } : {}),
    };
  },
};

const evalF32: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.f32[plan[t]], inBase = plan[t + 1] >> 2;
  const filter = m.f32[plan[t + 2]], fBase = plan[t + 3] >> 2;
  const hasBias = plan[t + 4] !== NO_TENSOR;
  const bias = hasBias ? m.f32[plan[t + 4]] : input, bBase = plan[t + 5] >> 2;
  const output = m.f32[plan[t + 6]];
  let out = plan[t + 7] >> 2;
  const batches = plan[p + P_BATCHES], inH = plan[p + P_IN_H], inW = plan[p + P_IN_W], inC = plan[p + P_IN_C];
  const outH = plan[p + P_OUT_H], outW = plan[p + P_OUT_W], outC = plan[p + P_OUT_C];
  const fH = plan[p + P_FILTER_H], fW = plan[p + P_FILTER_W], mult = plan[p + P_DEPTH_MULTIPLIER];
  const sH = plan[p + P_STRIDE_H], sW = plan[p + P_STRIDE_W], dH = plan[p + P_DILATION_H], dW = plan[p + P_DILATION_W];
  const padH = plan[p + P_PAD_H], padW = plan[p + P_PAD_W];
  const lo = m.planF32[p + P_ACT_MIN], hi = m.planF32[p + P_ACT_MAX];
  const fround = Math.fround;
  for (let b = 0; b < batches; b++) {
    const batchBase = inBase + b * inH * inW * inC;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sH - padH;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sW - padW;
        // Output channels o = c * mult + k come out in order.
        for (let o = 0; o < outC; o++) {
          const c = (o / mult) | 0;
          let total = 0;
          for (let ky = 0; ky < fH; ky++) {
            const y = y0 + dH * ky;
            if (y < 0 || y >= inH) continue;
            for (let kx = 0; kx < fW; kx++) {
              const x = x0 + dW * kx;
              if (x < 0 || x >= inW) continue;
              total = fround(total + fround(input[batchBase + (y * inW + x) * inC + c] * filter[fBase + (ky * fW + kx) * outC + o]));
            }
          }
          total = fround(total + (hasBias ? bias[bBase + o] : 0));
          output[out++] = total < lo ? lo : total > hi ? hi : total;
        }
      }
    }
  }
};

const evalS8: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.i8[plan[t]], inBase = plan[t + 1];
  const filter = m.i8[plan[t + 2]], fBase = plan[t + 3];
  const hasBias = plan[t + 4] !== NO_TENSOR;
  const bias = hasBias ? m.i32[plan[t + 4]] : m.i32[0], bBase = plan[t + 5] >> 2;
  const output = m.i8[plan[t + 6]];
  let out = plan[t + 7];
  const batches = plan[p + P_BATCHES], inH = plan[p + P_IN_H], inW = plan[p + P_IN_W], inC = plan[p + P_IN_C];
  const outH = plan[p + P_OUT_H], outW = plan[p + P_OUT_W], outC = plan[p + P_OUT_C];
  const fH = plan[p + P_FILTER_H], fW = plan[p + P_FILTER_W], mult = plan[p + P_DEPTH_MULTIPLIER];
  const sH = plan[p + P_STRIDE_H], sW = plan[p + P_STRIDE_W], dH = plan[p + P_DILATION_H], dW = plan[p + P_DILATION_W];
  const padH = plan[p + P_PAD_H], padW = plan[p + P_PAD_W];
  const lo = plan[p + P_ACT_MIN], hi = plan[p + P_ACT_MAX];
  const inOff = plan[p + P_INPUT_OFFSET], outOff = plan[p + P_OUTPUT_OFFSET];
  const mults = p + P_PER_CHANNEL, shifts = mults + outC;
  const requantize = CONV_REQUANTIZE;
  if (isBand4(mult, inC, fH, fW, dH, dW)) {
    // Channel by channel, the input through a ring of 3 rows of input + inOff (0 in the padding) in the
    // scratch, as the C kernel does: the output may start where the input does (band4InPlace).
    const ring = m.i16[plan[t + 8]], rBase = plan[t + 9] >> 1, cols = bandCols(outW, sW);
    for (let b = 0; b < batches; b++) {
      const batchBase = inBase + b * inH * inW * inC, outBase = out + b * outH * outW * outC;
      for (let c = 0; c < inC; c++) {
        const f0 = fBase + c, mul = plan[mults + c], shift = shiftOf(plan, shifts, c), bc = hasBias ? bias[bBase + c] : 0;
        let filled = -padH;
        for (let oy = 0; oy < outH; oy++) {
          const y0 = oy * sH - padH;
          for (let y = Math.max(filled, y0); y < y0 + 3; y++) {
            const row = rBase + ((y + padH) % 3) * cols;
            for (let k = 0; k < cols; k++) {
              const x = k - padW;
              ring[row + k] = y >= 0 && y < inH && x >= 0 && x < inW ? input[batchBase + (y * inW + x) * inC + c] + inOff : 0;
            }
          }
          filled = y0 + 3;
          const r0 = rBase + ((y0 + padH) % 3) * cols, r1 = rBase + ((y0 + 1 + padH) % 3) * cols, r2 = rBase + ((y0 + 2 + padH) % 3) * cols;
          for (let ox = 0, k = 0; ox < outW; ox++, k += sW) {
            let acc = bc;
            for (let kx = 0; kx < 3; kx++) {
              acc = (acc + filter[f0 + kx * outC] * ring[r0 + k + kx] + filter[f0 + (3 + kx) * outC] * ring[r1 + k + kx]
                + filter[f0 + (6 + kx) * outC] * ring[r2 + k + kx]) | 0;
            }
            let v = requantize(acc, mul, shift) + outOff;
            v = v < lo ? lo : v > hi ? hi : v;
            output[outBase + (oy * outW + ox) * outC + c] = v;
          }
        }
      }
    }
    return;
  }
  for (let b = 0; b < batches; b++) {
    const batchBase = inBase + b * inH * inW * inC;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sH - padH;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sW - padW;
        for (let o = 0; o < outC; o++) {
          const c = (o / mult) | 0;
          let acc = 0;
          for (let ky = 0; ky < fH; ky++) {
            const y = y0 + dH * ky;
            if (y < 0 || y >= inH) continue;
            for (let kx = 0; kx < fW; kx++) {
              const x = x0 + dW * kx;
              if (x < 0 || x >= inW) continue;
              acc = (acc + filter[fBase + (ky * fW + kx) * outC + o] * (input[batchBase + (y * inW + x) * inC + c] + inOff)) | 0;
            }
          }
          if (hasBias) acc = (acc + bias[bBase + o]) | 0;
          let v = requantize(acc, plan[mults + o], shiftOf(plan, shifts, o)) + outOff;
          v = v < lo ? lo : v > hi ? hi : v;
          output[out++] = v;
        }
      }
    }
  }
};

export const depthwiseConv2dKernels: Record<number, Kernel> = {
  [KernelId.DEPTHWISE_CONV_2D_F32]: evalF32,
  [KernelId.DEPTHWISE_CONV_2D_S8]: evalS8,
};
