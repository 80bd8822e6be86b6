// CONV_2D: output[b, y, x, o] = act(sum over (ky, kx, c) of input[b, y*sh - ph + ky*dh, x*sw - pw + kx*dw, g*Cf + c]
//   * filter[o, ky, kx, c] + bias[o]), with g = o / (Cout / groups), Cf = filter.shape[3], groups = Cin / Cf.
// Semantics of tensorflow/lite/kernels/conv.cc with the reference kernels (reference_ops::Conv for float,
// reference_integer_ops::ConvPerChannel for int8, per-tensor filters broadcast to every channel), and
// its hybrid paths for a float32 input with an int8 filter (see CONV_2D_HYBRID below).
// The window geometry and int8 requantization helpers here are shared with DEPTHWISE_CONV_2D.

import { DType, dtypeName, type Tensor } from '../model/model.js';
import { KernelId } from './kernel-ids.js';
import { NO_TENSOR, RECORD_HEADER, type Kernel, type OpContext, type OpDefinition } from './op.js';
import type { Table } from '../model/flatbuffer.js';
import {
  ACTIVATION_NAMES, floatActivationRange, floatBits, multiplyByQuantizedMultiplierDouble, quantizeMultiplier, quantizedActivationRange,
  roundHalfAway,
} from './quant.js';

// Tensor refs: 0 input, 1 filter, 2 bias (or NO_TENSOR), 3 output; S8 and HYBRID: 4 arena scratch.
// Params, both kernels:
const P_BATCHES = 0; // input.shape[0] = output.shape[0]
const P_IN_H = 1; // input.shape[1]
const P_IN_W = 2; // input.shape[2]
const P_IN_C = 3; // input.shape[3]: all groups' channels
const P_OUT_H = 4; // output.shape[1]
const P_OUT_W = 5; // output.shape[2]
const P_OUT_C = 6; // output.shape[3] = filter.shape[0]
const P_FILTER_H = 7; // filter.shape[1]
const P_FILTER_W = 8; // filter.shape[2]
const P_FILTER_C = 9; // filter.shape[3]: input channels of one group
const P_FILTERS_PER_GROUP = 10; // output channels of one group: OUT_C / (IN_C / FILTER_C)
const P_STRIDE_H = 11;
const P_STRIDE_W = 12;
const P_DILATION_H = 13;
const P_DILATION_W = 14;
const P_PAD_H = 15; // rows of zero padding above the input (TFLite's padding_values.height)
const P_PAD_W = 16; // columns of zero padding left of the input (padding_values.width)
const P_ACT_MIN = 17; // float32 bits (F32) or int32 (S8)
const P_ACT_MAX = 18;
// S8 only:
const P_INPUT_OFFSET = 19; // -input zero point
const P_OUTPUT_OFFSET = 20; // output zero point
const P_PER_CHANNEL = 21; // OUT_C multipliers, then the OUT_C shifts as int8 bytes, four to a word (little-endian)
// HYBRID only (tensor ref 4 is the arena scratch, see hybridScratchBytes):
const P_HYBRID_PER_CHANNEL = 19; // 0: EvalHybrid (symmetric input, one filter scale); 1: EvalHybridPerChannel
const P_HYBRID_SCALES = 20; // filter scales as float32 bits: one (per tensor) or one per output channel

/** The sliding window of a 2-D convolution or pooling, as TFLite's ComputePaddingHeightWidth computes it. */
export interface Window {
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  outH: number;
  outW: number;
  padH: number; // padding before the first row (the odd extra row of SAME goes after the last)
  padW: number;
}

const PADDING_NAMES = ['SAME', 'VALID'];

/** One spatial dimension: output size and leading padding, or null if the output would be empty. */
function windowDim(same: boolean, inSize: number, filterSize: number, stride: number, dilation: number): [number, number] | null {
  const effective = (filterSize - 1) * dilation + 1;
  const out = same ? Math.floor((inSize + stride - 1) / stride) : Math.floor((inSize + stride - effective) / stride);
  if (out <= 0) return null;
  const total = Math.max(0, (out - 1) * stride + effective - inSize);
  return [out, Math.floor(total / 2)];
}

/**
 * Reads padding, strides and dilations from a Conv2DOptions / DepthwiseConv2DOptions table (their
 * slot numbers given) and computes the output size and padding for an input and filter size.
 */
export function convWindow(ctx: OpContext, options: Table, slots: { padding: number; strideW: number; strideH: number; dilationW: number; dilationH: number },
  inH: number, inW: number, filterH: number, filterW: number): Window {
  const padding = options.i8(slots.padding, 'padding');
  const strideW = options.i32(slots.strideW, 'stride_w');
  const strideH = options.i32(slots.strideH, 'stride_h');
  const dilationW = options.i32(slots.dilationW, 'dilation_w_factor', 1);
  const dilationH = options.i32(slots.dilationH, 'dilation_h_factor', 1);
  if (padding !== 0 && padding !== 1) ctx.unsupported(`padding ${padding} is not supported, expected SAME (0) or VALID (1)`);
  if (!(strideH > 0 && strideW > 0 && strideH <= 0xffff && strideW <= 0xffff)) {
    ctx.fail(`strides (${strideH}, ${strideW}) must be between 1 and 65535`);
  }
  if (!(dilationH > 0 && dilationW > 0 && dilationH <= 0xffff && dilationW <= 0xffff)) {
    ctx.fail(`dilation factors (${dilationH}, ${dilationW}) must be between 1 and 65535`);
  }
  if (!(filterH > 0 && filterW > 0)) ctx.fail(`filter size ${filterH}x${filterW} must be at least 1x1`);
  const same = padding === 0;
  const h = windowDim(same, inH, filterH, strideH, dilationH);
  const w = windowDim(same, inW, filterW, strideW, dilationW);
  if (!h || !w) {
    ctx.fail(`${PADDING_NAMES[padding]} padding of a ${inH}x${inW} input with a ${filterH}x${filterW} filter (stride ${strideH}x${strideW}, `
      + `dilation ${dilationH}x${dilationW}) leaves an empty output`);
  }
  // The kernels compute window coordinates in int32.
  for (const [what, out, stride, filter, dilation] of [['height', h[0], strideH, filterH, dilationH], ['width', w[0], strideW, filterW, dilationW]] as const) {
    if ((out - 1) * stride + (filter - 1) * dilation > 0x7fffffff) {
      ctx.unsupported(`window ${what}: ${out} outputs with stride ${stride} and a filter of ${filter} dilated by ${dilation} overflow int32 coordinates`);
    }
  }
  return { strideH, strideW, dilationH, dilationW, outH: h[0], outW: w[0], padH: h[1], padW: w[1] };
}

/** The first coordinate inside [0, extent) of the taps start + dilation * k, k < size; -1 if none is. */
function firstTap(start: number, dilation: number, size: number, extent: number): number {
  const k = start >= 0 ? 0 : Math.ceil(-start / dilation);
  const at = start + dilation * k;
  return k < size && at < extent ? at : -1;
}

/**
 * The lag of PreparedOp.shares for kernels that write output pixels in ascending order (batch, row,
 * column), each pixel's outputs after reading its window's taps (those inside the input): the fewest
 * bytes L such that, with the output starting L bytes below the input, everything written up to and
 * including pixel p ends at or before the first input byte that pixel p or a later one reads; so any
 * larger L is safe too. `inPixel` and `outPixel` are the bytes of one pixel of each. `channelwise`:
 * output channel c reads only input channel c (pixels of the same bytes), in ascending channel order:
 * then pixel p's own outputs need only end before the channels it has yet to read, which start
 * where its window does. Reading ahead (into a scratch) only helps. Runs in O(outW + batches * outH).
 */
export function windowLag(g: Window, batches: number, inH: number, inW: number, filterH: number, filterW: number,
  inPixel: number, outPixel: number, channelwise: boolean): number {
  // Per output column: colFirst, the bytes into an input row of its first tap (Infinity: none); best,
  // the largest (ox + 1) * outPixel - the first byte read from column ox on (conservative) or after
  // column ox (channelwise, with ox * outPixel - colFirst for the pixel's own later channels).
  let best = -Infinity, later = Infinity;
  for (let ox = g.outW - 1; ox >= 0; ox--) {
    const x = firstTap(ox * g.strideW - g.padW, g.dilationW, filterW, inW);
    const colFirst = x < 0 ? Infinity : x * inPixel;
    if (channelwise) {
      best = Math.max(best, (ox + 1) * outPixel - later, ox * outPixel - colFirst);
      later = Math.min(later, colFirst);
    } else {
      later = Math.min(later, colFirst);
      best = Math.max(best, (ox + 1) * outPixel - later);
    }
  }
  const colMin = later;
  // Per output row, last first: the first byte it reads, and the first byte any later row reads.
  let lag = 0, after = Infinity;
  const rowBytes = inW * inPixel;
  for (let r = batches * g.outH - 1; r >= 0; r--) {
    const b = Math.floor(r / g.outH), oy = r - b * g.outH;
    const y = firstTap(oy * g.strideH - g.padH, g.dilationH, filterH, inH);
    const rowFirst = y < 0 ? Infinity : (b * inH + y) * rowBytes;
    const p0 = r * g.outW;
    if (rowFirst < Infinity) lag = Math.max(lag, p0 * outPixel - rowFirst + best);
    lag = Math.max(lag, (p0 + g.outW) * outPixel - after);
    after = Math.min(after, rowFirst + colMin);
  }
  return lag;
}

/** Types of a float or int8 convolution; fails on hybrid, int16, uint8 and other mixes. */
export function expectConvTypes(ctx: OpContext, input: Tensor, filter: Tensor, bias: Tensor | null, output: Tensor): boolean {
  if (input.type === DType.FLOAT32 && filter.type !== DType.FLOAT32) {
    ctx.unsupported(`hybrid convolution is not supported: float32 input with filter ${ctx.describe(filter)} of type ${dtypeName(filter.type)}; `
      + 'expected a float32 filter (or an int8 input)');
  }
  if (input.type === DType.INT16) ctx.unsupported(`int16 activations (${ctx.describe(input)}) are not supported, expected float32 or int8`);
  ctx.expectType(input, 'input', DType.FLOAT32, DType.INT8);
  const float = input.type === DType.FLOAT32;
  ctx.expectType(filter, 'filter', float ? DType.FLOAT32 : DType.INT8);
  ctx.expectType(output, 'output', input.type);
  if (bias) ctx.expectType(bias, 'bias', float ? DType.FLOAT32 : DType.INT32);
  return float;
}

export function floatRange(ctx: OpContext, activation: number): [number, number] {
  const range = floatActivationRange(activation);
  if (!range) ctx.unsupported(`fused activation ${ACTIVATION_NAMES[activation] ?? activation} is not supported`);
  return [floatBits(range[0]), floatBits(range[1])];
}

/**
 * The requantization of CONV_2D and DEPTHWISE_CONV_2D in every plan, whatever its rounding mode:
 * MultiplyByQuantizedMultiplier with gemmlowp's double rounding, and multipliers from QuantizeMultiplier
 * without the single-rounding saturation. Both references agree on it: TFLM is built that way, and the
 * TFLite reference kernels of ai-edge-litert 2.3.0 (BUILTIN_REF) give exactly these results for
 * ConvPerChannel and DepthwiseConvPerChannel (checked on every int8 golden case: single rounding
 * differs by one in about a quarter of them). The C kernels must do the same.
 */
export const CONV_REQUANTIZE = multiplyByQuantizedMultiplierDouble;

/**
 * The int8 parameters of PopulateConvolutionQuantizationParams: the activation range, offsets and one
 * (multiplier, shift) per output channel from input_scale * filter_scale / output_scale in doubles
 * (a per-tensor filter scale broadcast to every channel). Returned as params in the record's order:
 * act min, act max, input offset, output offset, multipliers..., shifts...
 */
export function quantizedConvParams(ctx: OpContext, input: Tensor, filter: Tensor, bias: Tensor | null, output: Tensor,
  activation: number, channels: number, channelAxis: number): number[] {
  const inQ = ctx.quant(input, 'input');
  const outQ = ctx.quant(output, 'output');
  const fq = filter.quant;
  if (!fq || fq.scale.length === 0) ctx.fail(`filter ${ctx.describe(filter)} has no quantization parameters`);
  const perChannel = fq.scale.length > 1;
  // The reference accepts any quantized_dimension whose size is the channel count; scales still go by output channel.
  if (perChannel && (fq.scale.length !== channels || filter.shape[fq.axis] !== channels)) {
    ctx.fail(`filter ${ctx.describe(filter)} has ${fq.scale.length} scales on axis ${fq.axis}, expected 1 or ${channels} on axis ${channelAxis}`);
  }
  fq.scale.forEach((s, i) => {
    if (!(s > 0) || !Number.isFinite(s)) ctx.fail(`filter ${ctx.describe(filter)} has scale ${s} at ${i}, expected a positive number`);
  });
  const zp = fq.zeroPoint.findIndex((z) => z !== 0);
  if (zp >= 0) ctx.fail(`filter ${ctx.describe(filter)} has zero point ${fq.zeroPoint[zp]} at ${zp}, expected 0 (symmetric int8 weights)`);
  if (bias?.quant && bias.quant.zeroPoint[0] !== 0) {
    ctx.fail(`bias ${ctx.describe(bias)} has zero point ${bias.quant.zeroPoint[0]}, expected 0`);
  }
  const range = quantizedActivationRange(activation, outQ.scale, outQ.zeroPoint, -128, 127);
  if (!range) ctx.unsupported(`fused activation ${ACTIVATION_NAMES[activation] ?? activation} is not supported`);
  const multipliers: number[] = [];
  const shifts: number[] = [];
  for (let o = 0; o < channels; o++) {
    const { multiplier, shift } = quantizeMultiplier(inQ.scale * fq.scale[perChannel ? o : 0] / outQ.scale, 'double');
    multipliers.push(multiplier);
    shifts.push(shift);
  }
  return [range[0], range[1], -inQ.zeroPoint, outQ.zeroPoint, ...multipliers, ...shifts];
}

/** Types of a hybrid convolution (float32 input already known): int8 filter, float32 bias and output. */
function expectHybridTypes(ctx: OpContext, filter: Tensor, bias: Tensor | null, output: Tensor): void {
  if (filter.type !== DType.INT8) {
    ctx.unsupported(`hybrid convolution (float32 input) needs a float32 or int8 filter: ${ctx.describe(filter)} has type ${dtypeName(filter.type)}, `
      + 'which is not supported');
  }
  ctx.expectType(output, 'output', DType.FLOAT32);
  if (bias) ctx.expectType(bias, 'bias', DType.FLOAT32);
}

/**
 * The filter quantization of a hybrid convolution, as params: [per-channel flag, scale bits...].
 * TFLite takes the per-channel path (EvalHybridPerChannel) only when the filter scales differ; one scale,
 * or several equal ones, take EvalHybrid with the first scale.
 */
function hybridFilterParams(ctx: OpContext, filter: Tensor, channels: number, groups: number): number[] {
  const fq = filter.quant;
  if (!fq || fq.scale.length === 0) ctx.fail(`filter ${ctx.describe(filter)} has no quantization parameters (a hybrid filter needs its scales)`);
  if (fq.scale.length > 1 && (fq.scale.length !== channels || filter.shape[fq.axis] !== channels)) {
    ctx.fail(`filter ${ctx.describe(filter)} has ${fq.scale.length} scales on axis ${fq.axis}, expected 1 or ${channels} on axis 0`);
  }
  fq.scale.forEach((s, i) => {
    if (!(s > 0) || !Number.isFinite(s)) ctx.fail(`filter ${ctx.describe(filter)} has scale ${s} at ${i}, expected a positive number`);
  });
  const zp = fq.zeroPoint.findIndex((z) => z !== 0);
  if (zp >= 0) ctx.fail(`filter ${ctx.describe(filter)} has zero point ${fq.zeroPoint[zp]} at ${zp}, expected 0 (symmetric int8 weights)`);
  const perChannel = fq.scale.some((s) => s !== fq.scale[0]);
  // TFLite sends every grouped hybrid convolution to its per-channel kernel, which reads one scale per
  // output channel and an input offset that it only allocates for per-channel filters.
  if (groups > 1 && !perChannel) {
    ctx.fail(`a grouped hybrid convolution (${groups} groups) needs per-channel filter scales; `
      + `filter ${ctx.describe(filter)} has the one scale ${fq.scale[0]} for every channel`);
  }
  return perChannel ? [1, ...Array.from(fq.scale, floatBits)] : [0, floatBits(fq.scale[0])];
}

/**
 * Arena scratch of the hybrid kernel: the input quantized to int8 (padded to 4 bytes), then per batch
 * its float32 scaling factor, then per batch its int32 zero point (per-channel path only; 0 otherwise).
 */
function hybridScratchBytes(batches: number, inputElements: number): number {
  return ((inputElements + 3) & ~3) + 8 * batches;
}

/**
 * Arena scratch of the int8 kernel (native/kernels/conv_2d.c, xsml_conv_2d_s8_get_buffer_size) for a
 * convolution of one group: six columns of k = filterH * filterW * filterC values rounded up to 4, as
 * int16; when inC is not a multiple of 4 one more column of int8, and when k is not, a filter row
 * (rounded up to 4 bytes); none for several groups (the C kernel runs those without columns). The
 * TypeScript kernel uses its first inC bytes for 1x1 filters.
 */
function s8ScratchBytes(inC: number, filterH: number, filterW: number, filterC: number): number {
  if (filterC !== inC) return 0;
  const k = filterH * filterW * filterC, k4 = (k + 3) & ~3;
  return 12 * k4 + (inC % 4 !== 0 ? k4 : 0) + (k % 4 !== 0 ? k4 : 0);
}

/**
 * The per-channel params of the int8 record from quantizedConvParams' (act min, act max, offsets,
 * multipliers, shifts): the shifts as int8 bytes, four to a word. A channel whose multiplier is 0 (its
 * outputs are the zero point whatever the shift) gets the shift -2, which the C kernel's one-step
 * requantization takes. A shift above 0 is kept mod 32 (the requantizer shifts left by it mod 32),
 * as DEPTHWISE_CONV_2D's, so every one fits a byte.
 */
function packShifts(params: number[], outC: number): number[] {
  const words = new Array<number>((outC + 3) >> 2).fill(0);
  for (let o = 0; o < outC; o++) {
    const shift = params[4 + o] === 0 ? -2 : params[4 + outC + o];
    words[o >> 2] |= ((shift > 0 ? shift & 31 : shift) & 0xff) << (8 * (o & 3));
  }
  return [...params.slice(0, 4 + outC), ...words];
}

export const conv2d: OpDefinition = {
  code: 3,
  name: 'CONV_2D',
  maxVersion: 8,
  prepare(ctx: OpContext) {
    ctx.expectArity(2, 3, 1);
    const input = ctx.input(0);
    const filter = ctx.input(1);
    const bias = ctx.optionalInput(2);
    const output = ctx.output(0);
    const options = ctx.options(1, 'Conv2DOptions');
    if (!options) ctx.fail('has no Conv2DOptions (padding and strides are required)');
    const activation = options.i8(3, 'fused_activation_function');

    const hybrid = input.type === DType.FLOAT32 && filter.type !== DType.FLOAT32;
    if (hybrid) expectHybridTypes(ctx, filter, bias, output);
    const float = hybrid || expectConvTypes(ctx, input, filter, bias, output);
    ctx.expectRank(input, 'input', 4);
    ctx.expectRank(filter, 'filter', 4);
    ctx.expectNonEmpty(input, 'input');
    ctx.expectNonEmpty(filter, 'filter');
    const [batches, inH, inW, inC] = input.shape;
    const [outC, filterH, filterW, filterC] = filter.shape;
    if (!(filterC > 0) || inC % filterC !== 0) {
      ctx.fail(`input channels ${inC} of ${ctx.describe(input)} must be a multiple of the filter's ${filterC} (filter.shape[3])`);
    }
    const groups = inC / filterC;
    if (!(outC > 0) || outC % groups !== 0) {
      ctx.fail(`output channels ${outC} (filter.shape[0]) must be a positive multiple of the ${groups} groups (input channels / filter channels)`);
    }
    const win = convWindow(ctx, options, { padding: 0, strideW: 1, strideH: 2, dilationW: 4, dilationH: 5 }, inH, inW, filterH, filterW);
    ctx.expectShape(output, 'output', [batches, win.outH, win.outW, outC]);
    if (bias && bias.elements !== outC) ctx.fail(`bias ${ctx.describe(bias)} should have ${outC} elements (one per output channel)`);

    const geometry = [batches, inH, inW, inC, win.outH, win.outW, outC, filterH, filterW, filterC, outC / groups,
      win.strideH, win.strideW, win.dilationH, win.dilationW, win.padH, win.padW];
    const tensors = [input, filter, bias, output];
    if (hybrid) {
      // Both kernels quantize the whole input into the scratch before they write any output.
      return {
        kernel: KernelId.CONV_2D_HYBRID,
        tensors,
        params: [...geometry, ...floatRange(ctx, activation), ...hybridFilterParams(ctx, filter, outC, groups)],
        scratchBytes: hybridScratchBytes(batches, input.elements),
        shares: [3, 0],
      };
    }
    // Every kernel below writes output pixels in ascending order, each after reading its window
    // (the int8 C kernel reads six pixels' windows into the scratch first): windowLag.
    const esize = float ? 4 : 1;
    const lag = windowLag(win, batches, inH, inW, filterH, filterW, inC * esize, outC * esize, false);
    if (float) return { kernel: KernelId.CONV_2D_F32, tensors, params: [...geometry, ...floatRange(ctx, activation)], shares: [3, 0, lag] };
    // A 1x1 filter with stride 1 over one group reads each pixel's inputs before it writes that pixel's
    // outputs, in an order where no output overwrites an input still to be read (both kernels): pixels
    // in descending order when the output is the wider, so the output starts exactly at the input.
    const pointwise = filterH === 1 && filterW === 1 && win.strideH === 1 && win.strideW === 1 && win.outH === inH && win.outW === inW && groups === 1;
    return {
      kernel: KernelId.CONV_2D_S8,
      tensors,
      params: [...geometry, ...packShifts(quantizedConvParams(ctx, input, filter, bias, output, activation, outC, 0), outC)],
      scratchBytes: s8ScratchBytes(inC, filterH, filterW, filterC),
      shares: pointwise ? [3, 0] : [3, 0, lag],
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
  const fH = plan[p + P_FILTER_H], fW = plan[p + P_FILTER_W], fC = plan[p + P_FILTER_C], perGroup = plan[p + P_FILTERS_PER_GROUP];
  const sH = plan[p + P_STRIDE_H], sW = plan[p + P_STRIDE_W], dH = plan[p + P_DILATION_H], dW = plan[p + P_DILATION_W];
  const padH = plan[p + P_PAD_H], padW = plan[p + P_PAD_W];
  const lo = m.planF32[p + P_ACT_MIN], hi = m.planF32[p + P_ACT_MAX];
  const fround = Math.fround;
  const filterSize = fH * fW * fC;
  for (let b = 0; b < batches; b++) {
    const batchBase = inBase + b * inH * inW * inC;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sH - padH;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sW - padW;
        for (let o = 0; o < outC; o++) {
          const channelBase = batchBase + ((o / perGroup) | 0) * fC;
          const filterBase = fBase + o * filterSize;
          let total = 0;
          for (let ky = 0; ky < fH; ky++) {
            const y = y0 + dH * ky;
            if (y < 0 || y >= inH) continue;
            for (let kx = 0; kx < fW; kx++) {
              const x = x0 + dW * kx;
              if (x < 0 || x >= inW) continue;
              const ip = channelBase + (y * inW + x) * inC;
              const fp = filterBase + (ky * fW + kx) * fC;
              for (let c = 0; c < fC; c++) total = fround(total + fround(input[ip + c] * filter[fp + c]));
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
  const outBase = plan[t + 7];
  const batches = plan[p + P_BATCHES], inH = plan[p + P_IN_H], inW = plan[p + P_IN_W], inC = plan[p + P_IN_C];
  const outH = plan[p + P_OUT_H], outW = plan[p + P_OUT_W], outC = plan[p + P_OUT_C];
  const fH = plan[p + P_FILTER_H], fW = plan[p + P_FILTER_W], fC = plan[p + P_FILTER_C], perGroup = plan[p + P_FILTERS_PER_GROUP];
  const sH = plan[p + P_STRIDE_H], sW = plan[p + P_STRIDE_W], dH = plan[p + P_DILATION_H], dW = plan[p + P_DILATION_W];
  const padH = plan[p + P_PAD_H], padW = plan[p + P_PAD_W];
  const lo = plan[p + P_ACT_MIN], hi = plan[p + P_ACT_MAX];
  const inOff = plan[p + P_INPUT_OFFSET], outOff = plan[p + P_OUTPUT_OFFSET];
  const mults = p + P_PER_CHANNEL, shifts = mults + outC;
  const requantize = CONV_REQUANTIZE;
  if (fH === 1 && fW === 1 && sH === 1 && sW === 1 && outH === inH && outW === inW && fC === inC) {
    // 1x1, stride 1, one group: each pixel's inputs go to the scratch before its outputs are written,
    // pixels in descending order when the output is the wider (the output may start at the input).
    const scratch = m.i8[plan[t + 8]], sBase = plan[t + 9];
    const pixels = batches * inH * inW;
    const down = outC > inC;
    for (let n = 0; n < pixels; n++) {
      const px = down ? pixels - 1 - n : n;
      for (let c = 0; c < inC; c++) scratch[sBase + c] = input[inBase + px * inC + c];
      const out = outBase + px * outC;
      for (let o = 0; o < outC; o++) {
        const fp = fBase + o * inC;
        let acc = 0;
        for (let c = 0; c < inC; c++) acc = (acc + filter[fp + c] * (scratch[sBase + c] + inOff)) | 0;
        if (hasBias) acc = (acc + bias[bBase + o]) | 0;
        let v = requantize(acc, plan[mults + o], (plan[shifts + (o >> 2)] << (24 - 8 * (o & 3))) >> 24) + outOff;
        v = v < lo ? lo : v > hi ? hi : v;
        output[out + o] = v;
      }
    }
    return;
  }
  let out = outBase;
  const filterSize = fH * fW * fC;
  for (let b = 0; b < batches; b++) {
    const batchBase = inBase + b * inH * inW * inC;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sH - padH;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sW - padW;
        for (let o = 0; o < outC; o++) {
          const channelBase = batchBase + ((o / perGroup) | 0) * fC;
          const filterBase = fBase + o * filterSize;
          let acc = 0;
          for (let ky = 0; ky < fH; ky++) {
            const y = y0 + dH * ky;
            if (y < 0 || y >= inH) continue;
            for (let kx = 0; kx < fW; kx++) {
              const x = x0 + dW * kx;
              if (x < 0 || x >= inW) continue;
              const ip = channelBase + (y * inW + x) * inC;
              const fp = filterBase + (ky * fW + kx) * fC;
              for (let c = 0; c < fC; c++) acc = (acc + filter[fp + c] * (input[ip + c] + inOff)) | 0;
            }
          }
          if (hasBias) acc = (acc + bias[bBase + o]) | 0;
          let v = requantize(acc, plan[mults + o], (plan[shifts + (o >> 2)] << (24 - 8 * (o & 3))) >> 24) + outOff;
          v = v < lo ? lo : v > hi ? hi : v;
          output[out++] = v;
        }
      }
    }
  }
};

/**
 * RoundToNearest of TFLite's vectorized quantizers (tensor_utils, NEON code; on x86 through NEON_2_SSE
 * without ARMv8's vcvta): truncate(x + 0.5 or x - 0.5), the addition in float32. It is std::round except
 * for x = +-(0.5 - 2^-25), where the addition rounds up to 1 (checked against ai-edge-litert on x86-64).
 * TFLite uses it for the first (n & ~7) values of each batch and std::round for the rest.
 */
function roundLanes(x: number): number {
  return Math.trunc(Math.fround(x + (x < 0 ? -0.5 : 0.5)));
}

/**
 * CONV_2D_HYBRID: TFLite's hybrid convolution (conv.cc) with the reference kernel type. Each batch of
 * the float input is quantized to int8 on its own (TFLite's optimized tensor_utils, which its reference
 * resolver also uses), the convolution accumulates int8 x int8 in int32, and the sum is scaled back:
 *  - one filter scale, or several equal ones (EvalHybrid): SymmetricQuantizeFloats: range = max |x|;
 *    factor = range / 127 and inverse = 127 / range in float32; q = round(x * inverse) clamped to
 *    [-127, 127]; an all-zero batch gets q = 0 and factor 1. Then factor *= filter scale (float32) and
 *    out = float(acc) * factor + bias. (EvalHybrid calls optimized_ops::HybridConv whatever the kernel
 *    type: im2col padded with 0, an int8 matrix product, then the same two float operations.)
 *  - differing per-channel scales (EvalHybridPerChannel -> reference_ops::HybridConvPerChannel):
 *    AsymmetricQuantizeFloats (NEON version): rmin = min(0, min x), rmax = max(0, max x);
 *    scale = float32(rmax - rmin) / 255 in double; the zero point (from rmin or from rmax, whichever has
 *    the smaller error) nudged into [-128, 127] and rounded in double; factor = float32(scale),
 *    inverse = 1 / factor; q = zp + round(x * inverse) clamped to [-128, 127]; an all-zero batch gets
 *    q = 0, factor 1, zp 0. acc = sum of filter * (q - zp) over the window, padding skipped;
 *    out = float(acc) * channel scale * factor + bias.
 * round is std::round (half away from zero) but roundLanes for the vectorized values; every float
 * operation is float32 unless said, in that order; clamping to the activation range comes last.
 */
const evalHybrid: Kernel = (plan, at, m) => {
  const t = at + RECORD_HEADER;
  const p = t + 2 * plan[at + 1];
  const input = m.f32[plan[t]], inBase = plan[t + 1] >> 2;
  const filter = m.i8[plan[t + 2]], fBase = plan[t + 3];
  const hasBias = plan[t + 4] !== NO_TENSOR;
  const bias = hasBias ? m.f32[plan[t + 4]] : input, bBase = plan[t + 5] >> 2;
  const output = m.f32[plan[t + 6]];
  let out = plan[t + 7] >> 2;
  const qIn = m.i8[plan[t + 8]], qBase = plan[t + 9];
  const batches = plan[p + P_BATCHES], inH = plan[p + P_IN_H], inW = plan[p + P_IN_W], inC = plan[p + P_IN_C];
  const outH = plan[p + P_OUT_H], outW = plan[p + P_OUT_W], outC = plan[p + P_OUT_C];
  const fH = plan[p + P_FILTER_H], fW = plan[p + P_FILTER_W], fC = plan[p + P_FILTER_C], perGroup = plan[p + P_FILTERS_PER_GROUP];
  const sH = plan[p + P_STRIDE_H], sW = plan[p + P_STRIDE_W], dH = plan[p + P_DILATION_H], dW = plan[p + P_DILATION_W];
  const padH = plan[p + P_PAD_H], padW = plan[p + P_PAD_W];
  const lo = m.planF32[p + P_ACT_MIN], hi = m.planF32[p + P_ACT_MAX];
  const perChannel = plan[p + P_HYBRID_PER_CHANNEL] !== 0;
  const scales = p + P_HYBRID_SCALES;
  const fround = Math.fround;
  const batchSize = inH * inW * inC;
  const lanes = batchSize & ~7; // elements quantized 8 at a time by TFLite's vector code
  // Per-batch factors and zero points live after the quantized input, in the same scratch buffer.
  const factors = m.f32[plan[t + 8]], fcBase = (qBase + ((batches * batchSize + 3) & ~3)) >> 2;
  const offsets = m.i32[plan[t + 8]], ofBase = fcBase + batches;

  // Quantize each batch of the input.
  for (let b = 0; b < batches; b++) {
    const src = inBase + b * batchSize, dst = qBase + b * batchSize;
    let min = input[src], max = min;
    for (let i = 1; i < batchSize; i++) {
      const v = input[src + i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!perChannel) {
      const range = Math.max(Math.abs(min), Math.abs(max));
      let factor = 1;
      if (range === 0) {
        for (let i = 0; i < batchSize; i++) qIn[dst + i] = 0;
      } else {
        factor = fround(range / 127);
        const inverse = fround(127 / range);
        for (let i = 0; i < batchSize; i++) {
          const x = fround(input[src + i] * inverse);
          const q = i < lanes ? roundLanes(x) : roundHalfAway(x);
          qIn[dst + i] = q < -127 ? -127 : q > 127 ? 127 : q;
        }
      }
      factors[fcBase + b] = fround(factor * m.planF32[scales]);
      offsets[ofBase + b] = 0;
    } else {
      const rmin = min < 0 ? min : 0, rmax = max > 0 ? max : 0; // float32 values
      if (rmin === rmax) {
        for (let i = 0; i < batchSize; i++) qIn[dst + i] = 0;
        factors[fcBase + b] = 1;
        offsets[ofBase + b] = 0;
      } else {
        // The range is a float32 difference; the scale and zero point are computed in doubles.
        const scale = fround(rmax - rmin) / 255;
        const fromMin = -128 - rmin / scale, fromMax = 127 - rmax / scale;
        const zpd = 128 + Math.abs(rmin / scale) < 127 + Math.abs(rmax / scale) ? fromMin : fromMax;
        const zp = zpd <= -128 ? -128 : zpd >= 127 ? 127 : roundHalfAway(zpd);
        const factor = fround(scale);
        const inverse = factor === 0 ? 0 : fround(1 / factor);
        for (let i = 0; i < batchSize; i++) {
          const x = fround(input[src + i] * inverse);
          const q = zp + (i < lanes ? roundLanes(x) : roundHalfAway(x));
          qIn[dst + i] = q < -128 ? -128 : q > 127 ? 127 : q;
        }
        factors[fcBase + b] = factor;
        offsets[ofBase + b] = zp;
      }
    }
  }

  // The integer convolution, scaled back to float.
  const filterSize = fH * fW * fC;
  for (let b = 0; b < batches; b++) {
    const batchBase = qBase + b * batchSize;
    const factor = factors[fcBase + b], zp = offsets[ofBase + b];
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sH - padH;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sW - padW;
        for (let o = 0; o < outC; o++) {
          const channelBase = batchBase + ((o / perGroup) | 0) * fC;
          const filterBase = fBase + o * filterSize;
          let acc = 0;
          for (let ky = 0; ky < fH; ky++) {
            const y = y0 + dH * ky;
            if (y < 0 || y >= inH) continue;
            for (let kx = 0; kx < fW; kx++) {
              const x = x0 + dW * kx;
              if (x < 0 || x >= inW) continue;
              const ip = channelBase + (y * inW + x) * inC;
              const fp = filterBase + (ky * fW + kx) * fC;
              for (let c = 0; c < fC; c++) acc = (acc + filter[fp + c] * (qIn[ip + c] - zp)) | 0;
            }
          }
          let v = perChannel
            ? fround(fround(fround(acc) * m.planF32[scales + o]) * factor)
            : fround(fround(acc) * factor);
          if (hasBias) v = fround(v + bias[bBase + o]);
          output[out++] = v < lo ? lo : v > hi ? hi : v;
        }
      }
    }
  }
};

export const conv2dKernels: Record<number, Kernel> = {
  [KernelId.CONV_2D_F32]: evalF32,
  [KernelId.CONV_2D_S8]: evalS8,
  [KernelId.CONV_2D_HYBRID]: evalHybrid,
};
