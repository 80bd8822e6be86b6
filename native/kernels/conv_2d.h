/*
 * CONV_2D: output[b, y, x, o] = act(sum over (ky, kx, c) of
 *   input[b, y*sh - ph + ky*dh, x*sw - pw + kx*dw, g*filter_c + c] * filter[o, ky, kx, c] + bias[o]),
 * g = o / filters_per_group. NHWC input and output, OHWI filter; taps that fall in the padding are skipped.
 * The C twin of src/ops/conv-2d.ts (its P_* constants are the record's param layout):
 *   tensor refs: 0 input, 1 filter, 2 bias (or XSML_NO_TENSOR), 3 output; S8 and HYBRID: 4 arena scratch
 *   params 0..16: the geometry below, in xsml_conv_dims order; 17, 18: act_min, act_max
 *   (float32 bits for F32 and HYBRID, int32 for S8);
 *   S8: 19 input_offset, 20 output_offset, 21.. out_c multipliers, then the out_c shifts as int8 bytes
 *   (little-endian, four to a word, (out_c + 3) / 4 words);
 *   HYBRID: 19 per-channel flag, 20.. filter scales (float32 bits): 1, or out_c if per channel.
 */
#ifndef XSML_CONV_2D_H
#define XSML_CONV_2D_H

#include <stddef.h>
#include <stdint.h>

#include "check_util.h"
#include "fixed_point.h"
#include "xsml_record.h"

typedef struct {
  int32_t batches, in_h, in_w, in_c;    /* input shape; in_c counts every group's channels */
  int32_t out_h, out_w, out_c;          /* output shape without batches; out_c = filter.shape[0] */
  int32_t filter_h, filter_w, filter_c; /* filter.shape[1..3]; filter_c: input channels of one group */
  int32_t filters_per_group;            /* out_c / (in_c / filter_c) */
  int32_t stride_h, stride_w, dilation_h, dilation_w;
  int32_t pad_h, pad_w; /* zero rows above and columns left of the input */
} xsml_conv_dims;

typedef struct {
  int32_t input_offset;  /* -input zero point */
  int32_t output_offset; /* output zero point */
  xsml_act_s8 act;
  const int32_t *multiplier; /* out_c Q31 multipliers */
  const int8_t *shift;       /* out_c shifts, one byte each, each in [-31, 31] */
} xsml_conv_quant_s8;

typedef struct {
  int per_channel;           /* 0: one filter scale and symmetric input quantization; 1: per-channel scales, asymmetric */
  const int32_t *scale_bits; /* 1 or out_c filter scales, as float32 bits (read with memcpy: no aliasing) */
} xsml_conv_hybrid_params;

/*
 * Preconditions of all three kernels: dims positive, in_c = filter_c * (out_c / filters_per_group);
 * strides and dilations >= 1; pads >= 0; (out - 1) * stride + (filter - 1) * dilation fits in int32;
 * input batches x in_h x in_w x in_c, filter out_c x filter_h x filter_w x filter_c,
 * output batches x out_h x out_w x out_c elements; float32 and int32 arrays 4-byte aligned. Pixels are
 * written in ascending order, each after the reads of its window: the output may overlap the input
 * when it starts at least windowLag (src/ops/conv-2d.ts) bytes below it (but see xsml_conv_2d_s8 for
 * 1x1); it overlaps nothing else.
 */

/*
 * float32: each output's taps summed in order (rows, taps, channels) in float32, + bias (+ 0 without
 * one), then the clamp: the roundings of the TypeScript kernel. On the FPU (f32_dot.h) eight output
 * channels of one group at a time, over each contiguous run of the window.
 */
void xsml_conv_2d_f32(const xsml_conv_dims *dims, const float *input, const float *filter, const float *bias,
                      xsml_act_f32 act, float *output);

/*
 * Scratch bytes of the int8 kernel for one group: BLOCK (6) columns of round4(k) int16 values,
 * k = filter_h x filter_w x filter_c; when in_c is not a multiple of 4 one int8 column of round4(k)
 * bytes more, and when k is not, round4(k) bytes more again (a filter row). None for several groups.
 */
uint64_t xsml_conv_2d_s8_get_buffer_size(const xsml_conv_dims *dims);

/*
 * int8 with int32 bias: acc = sum filter * (input + input_offset) (+ bias), int32 wrap-around;
 * double-rounding requantization per output channel (always, as TFLite's and TFLM's
 * ConvPerChannel), + output_offset, clamped. One group runs as a matrix product over widened im2col
 * columns in `scratch` (xsml_conv_2d_s8_get_buffer_size bytes, 4-byte aligned), six output pixels
 * at a time; grouped convolutions (and input zero points outside int8 when in_c is not a multiple of
 * 4) take the loop of the definition. A 1x1 filter with stride 1 may have its output start at its
 * input's address (see conv_2d.c). Preconditions: |input_offset| <= 255; |output_offset| <= 128;
 * act within [-128, 127].
 */
void xsml_conv_2d_s8(const xsml_conv_dims *dims, const xsml_conv_quant_s8 *quant, const int8_t *input,
                     const int8_t *filter, const int32_t *bias, int8_t *output, void *scratch);

/*
 * One int8 output of CONV_2D and DEPTHWISE_CONV_2D: acc requantized with double rounding, clamped
 * to [lo, hi] (the activation range minus output_offset), + output_offset.
 */
static inline int8_t xsml_conv_output_s8(uint32_t acc, int32_t multiplier, int32_t shift, int32_t lo, int32_t hi, int32_t output_offset) {
  if (shift <= -2 && multiplier >= 0) { /* the usual case, in one rounding step (fixed_point.h) */
    int32_t v = xsml_mbqm_double_rs2((int32_t)acc, multiplier, shift);
    v = v < lo ? lo : v > hi ? hi : v;
    return (int8_t)(v + output_offset);
  }
  /* xsml_mbqm_double written out for -31 <= shift, without branches. */
  const int32_t x = (int32_t)(acc << (shift > 0 ? shift & 31 : 0));
  const int right = shift > 0 ? 0 : -shift;
  int32_t v = x == INT32_MIN && multiplier == INT32_MIN ? INT32_MAX : (int32_t)(((int64_t)x * multiplier + ((int64_t)1 << 30)) >> 31);
  const int32_t mask = (int32_t)((UINT32_C(1) << right) - 1u);
  const int32_t remainder = v & mask, threshold = (mask >> 1) + (v < 0);
  v = (v >> right) + (remainder > threshold);
  v = v < lo ? lo : v > hi ? hi : v;
  return (int8_t)(v + output_offset);
}

/* xsml_conv_output_s8 for a channel with shift <= -2 and multiplier >= 0, given rs = -shift - 2. */
static inline int8_t xsml_conv_output_rs(uint32_t acc, int32_t multiplier, int32_t rs, int32_t lo, int32_t hi, int32_t output_offset) {
  int32_t v = xsml_mbqm_rs((int32_t)acc, multiplier, rs);
  v = v < lo ? lo : v > hi ? hi : v;
  return (int8_t)(v + output_offset);
}

/* Scratch bytes of the hybrid kernel: the quantized input (padded to 4), a float and an int32 per batch. */
uint32_t xsml_conv_2d_hybrid_get_buffer_size(const xsml_conv_dims *dims);

/*
 * Hybrid: float32 input and output, int8 filter, float32 bias. Quantizes each batch of the input into
 * `scratch` (xsml_conv_2d_hybrid_get_buffer_size bytes, 4-byte aligned), then an int8 x int8
 * convolution in int32 scaled back to float: exactly TFLite's EvalHybrid / EvalHybridPerChannel as
 * src/ops/conv-2d.ts documents them.
 */
void xsml_conv_2d_hybrid(const xsml_conv_dims *dims, const xsml_conv_hybrid_params *hybrid, const float *input,
                         const int8_t *filter, const float *bias, xsml_act_f32 act, float *output, void *scratch);

/*
 * The taps of one window dimension inside the input: k in [*lo, *hi) has
 * 0 <= start + dilation * k < extent, for k < size. dilation >= 1.
 */
static inline void xsml_window_taps(int32_t start, int32_t dilation, int32_t size, int32_t extent, int32_t *lo, int32_t *hi) {
  /* Most windows lie inside the input: no division. */
  if (start >= 0 && (int64_t)start + (int64_t)(size - 1) * dilation < extent) {
    *lo = 0;
    *hi = size;
    return;
  }
  if (dilation == 1) { /* no division either */
    int64_t first = start >= 0 ? 0 : -(int64_t)start, last = start >= extent ? 0 : (int64_t)extent - start;
    if (last > size) last = size;
    if (first > last) first = last;
    *lo = (int32_t)first;
    *hi = (int32_t)last;
    return;
  }
  int64_t first = start >= 0 ? 0 : (-(int64_t)start + dilation - 1) / dilation;
  int64_t last = start >= extent ? 0 : ((int64_t)extent - 1 - start) / dilation + 1;
  if (last > size) last = size;
  if (first > last) first = last;
  *lo = (int32_t)first;
  *hi = (int32_t)last;
}

/*
 * Checks one spatial dimension of a window for xsml_check_fn: stride and dilation >= 1, pad >= 0, and
 * every coordinate the loops compute fits in int32. Returns 1 if fine.
 */
static inline int xsml_window_fits(int32_t out, int32_t stride, int32_t filter, int32_t dilation, int32_t pad) {
  if (stride < 1 || dilation < 1 || pad < 0 || out < 1 || filter < 1) return 0;
  const int64_t reach = (int64_t)(out - 1) * stride + (int64_t)(filter - 1) * dilation;
  return reach <= INT32_MAX;
}

#endif
