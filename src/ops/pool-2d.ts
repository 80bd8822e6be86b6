// What AVERAGE_POOL_2D and MAX_POOL_2D share: the checks and constants of their prepare step
// (tensorflow/lite/kernels/pooling.cc GenericPrepare) and the record layout their kernels read.

import { DType } from '../model/model.js';
import { windowLag } from './conv-2d.js';
import type { OpContext, PreparedOp } from './op.js';
import { ACTIVATION_NAMES, floatActivationRange, floatBits, quantizedActivationRange } from './quant.js';

// Tensor refs: 0 input, 1 output (both NHWC).
// Params, all four pool kernels:
export const P_BATCHES = 0; // input.shape[0] = output.shape[0]
export const P_IN_H = 1; // input height
export const P_IN_W = 2; // input width
export const P_CHANNELS = 3; // input.shape[3] = output.shape[3]
export const P_OUT_H = 4; // output height
export const P_OUT_W = 5; // output width
export const P_STRIDE_H = 6; // stride along the height
export const P_STRIDE_W = 7; // stride along the width
export const P_FILTER_H = 8; // window height
export const P_FILTER_W = 9; // window width
export const P_PAD_H = 10; // padding before the first row (ComputePaddingHeightWidth)
export const P_PAD_W = 11; // padding before the first column
export const P_ACT_MIN = 12; // float32 bits (F32) or int32 (S8): fused activation range, inclusive
export const P_ACT_MAX = 13;

/** The schema's Padding enum. */
const PADDING_SAME = 0;
const PADDING_VALID = 1;

/** ComputeOutSize of tensorflow/lite/kernels/padding.h (no dilation), with C's truncating division. */
function outSize(padding: number, inSize: number, filter: number, stride: number): number {
  return Math.trunc(padding === PADDING_SAME ? (inSize + stride - 1) / stride : (inSize + stride - filter) / stride);
}

/** ComputePaddingWithOffset of padding.h: the padding before the first element (the odd one goes after). */
function padBefore(inSize: number, filter: number, stride: number, out: number): number {
  const total = (out - 1) * stride + filter - inSize;
  return total > 0 ? Math.trunc(total / 2) : 0;
}

/**
 * Prepares a 2-D pool: checks arity, types, rank, options, quantization and the declared output
 * shape, and returns the record with the kernel id for the input type.
 */
export function preparePool2d(ctx: OpContext, kernelF32: number, kernelS8: number): PreparedOp {
  ctx.expectArity(1, 1, 1);
  const input = ctx.input(0);
  const output = ctx.output(0);
  const options = ctx.options(5, 'Pool2DOptions');
  if (!options) ctx.fail('Pool2DOptions are missing (strides and filter size are required)');
  const padding = options.i8(0, 'padding');
  const strideW = options.i32(1, 'stride_w');
  const strideH = options.i32(2, 'stride_h');
  const filterW = options.i32(3, 'filter_width');
  const filterH = options.i32(4, 'filter_height');
  const activation = options.i8(5, 'fused_activation_function');
  if (padding !== PADDING_SAME && padding !== PADDING_VALID) ctx.unsupported(`padding ${padding} is not supported, expected SAME (0) or VALID (1)`);
  if (!(strideH > 0 && strideW > 0)) ctx.fail(`strides must be positive, got stride_h ${strideH} and stride_w ${strideW}`);
  if (!(filterH > 0 && filterW > 0)) ctx.fail(`filter size must be positive, got filter_height ${filterH} and filter_width ${filterW}`);

  ctx.expectRank(input, 'input', 4);
  ctx.expectSameType(input, output, 'input and output');
  const [batches, inH, inW, channels] = input.shape;
  const outH = outSize(padding, inH, filterH, strideH);
  const outW = outSize(padding, inW, filterW, strideW);
  if (outH < 1 || outW < 1) {
    ctx.fail(`a ${filterH}x${filterW} window with ${padding === PADDING_SAME ? 'SAME' : 'VALID'} padding leaves no output for input ${ctx.describe(input)}`);
  }
  ctx.expectShape(output, 'output', [batches, outH, outW, channels]);
  const padH = padBefore(inH, filterH, strideH, outH);
  const padW = padBefore(inW, filterW, strideW, outW);
  // The kernels compute window coordinates and element counts in int32 (and the count as a float).
  for (const [what, out, stride, pad, filter, size] of [['height', outH, strideH, padH, filterH, inH], ['width', outW, strideW, padW, filterW, inW]] as const) {
    if (out * stride + pad + filter + size > 0x7fffffff) {
      ctx.unsupported(`window ${what}: ${out} outputs with stride ${stride}, padding ${pad} and filter ${filter} over ${size} inputs overflow int32 coordinates`);
    }
  }
  if (filterH * filterW >= 2 ** 23) ctx.unsupported(`a ${filterH}x${filterW} pooling window has more than 2^23 elements`);
  // The reference fails at eval when a window holds no input element; that never happens with the
  // paddings above, but a plan must never divide by zero, so check every window row and column.
  const emptyAt = (out: number, stride: number, pad: number, filter: number, size: number) => {
    for (let o = 0; o < out; o++) {
      const origin = o * stride - pad;
      if (Math.min(filter, size - origin) <= Math.max(0, -origin)) return o;
    }
    return -1;
  };
  if (emptyAt(outH, strideH, padH, filterH, inH) >= 0 || emptyAt(outW, strideW, padW, filterW, inW) >= 0) {
    ctx.fail('a pooling window lies entirely in the padding');
  }
  const shapeParams = [batches, inH, inW, channels, outH, outW, strideH, strideW, filterH, filterW, padH, padW];
  const tensors = [input, output];
  // Every pool kernel writes output pixels in ascending order, channel c after reading channel c of its window.
  const pixel = channels * (input.type === DType.FLOAT32 ? 4 : 1);
  const lag = windowLag({ outH, outW, strideH, strideW, dilationH: 1, dilationW: 1, padH, padW }, batches, inH, inW, filterH, filterW, pixel, pixel, true);
  const shares: [number, number, number] = [1, 0, lag];

  if (input.type === DType.FLOAT32) {
    const range = floatActivationRange(activation);
    if (!range) ctx.unsupported(`fused activation ${ACTIVATION_NAMES[activation] ?? activation} is not supported`);
    return { kernel: kernelF32, tensors, params: [...shapeParams, floatBits(range[0]), floatBits(range[1])], shares };
  }

  ctx.expectType(input, 'input', DType.FLOAT32, DType.INT8);
  const inQ = ctx.quant(input, 'input');
  const outQ = ctx.quant(output, 'output');
  // TFLite's prepare asserts this (in debug builds only): its int8 kernels ignore both
  // quantizations, so they are only meaningful when they agree.
  if (Math.abs(inQ.scale - outQ.scale) > 1e-6 || inQ.zeroPoint !== outQ.zeroPoint) {
    ctx.fail(`input and output must have the same quantization, got scale ${inQ.scale} zero point ${inQ.zeroPoint} and scale ${outQ.scale} zero point ${outQ.zeroPoint}`);
  }
  const range = quantizedActivationRange(activation, outQ.scale, outQ.zeroPoint, -128, 127);
  if (!range) ctx.unsupported(`fused activation ${ACTIVATION_NAMES[activation] ?? activation} is not supported`);
  return { kernel: kernelS8, tensors, params: [...shapeParams, range[0], range[1]], shares };
}
