/*
 * DEPTHWISE_CONV_2D: output[b, y, x, c*M + m] = act(sum over (ky, kx) of
 *   input[b, y*sh - ph + ky*dh, x*sw - pw + kx*dw, c] * filter[0, ky, kx, c*M + m] + bias[c*M + m]),
 * M the depth multiplier. NHWC input and output, 1HWO filter; taps in the padding are skipped.
 * The C twin of src/ops/depthwise-conv-2d.ts (its P_* constants are the record's param layout):
 *   tensor refs: 0 input, 1 filter, 2 bias (or XSML_NO_TENSOR), 3 output; S8: 4 arena scratch
 *   (xsml_depthwise_conv_2d_s8_scratch_bytes)
 *   params 0..15: the geometry below, in xsml_dwconv_dims order; 16, 17: act_min, act_max
 *   (float32 bits for F32, int32 for S8); S8: 18 input_offset, 19 output_offset,
 *   20.. out_c multipliers, then the shifts, one int8 per channel, 4 to a word (channel 4w + j in byte j).
 */
#ifndef XSML_DEPTHWISE_CONV_2D_H
#define XSML_DEPTHWISE_CONV_2D_H

#include <stdint.h>

#include "check_util.h"
#include "conv_2d.h"
#include "xsml_record.h"

typedef struct {
  int32_t batches, in_h, in_w, in_c;
  int32_t out_h, out_w, out_c; /* out_c = in_c * depth_multiplier */
  int32_t filter_h, filter_w;
  int32_t depth_multiplier;
  int32_t stride_h, stride_w, dilation_h, dilation_w;
  int32_t pad_h, pad_w;
} xsml_dwconv_dims;

/*
 * Preconditions: dims positive, out_c = in_c * depth_multiplier; strides and dilations >= 1; pads >= 0;
 * (out - 1) * stride + (filter - 1) * dilation fits in int32; input batches x in_h x in_w x in_c,
 * filter filter_h x filter_w x out_c, output batches x out_h x out_w x out_c elements; float32 and int32
 * arrays 4-byte aligned. Pixels are written in ascending order, each after the reads of its window:
 * the output may overlap the input when it starts at least windowLag (src/ops/conv-2d.ts) bytes below
 * it (but see the banded int8 shapes below); it overlaps nothing else.
 */

/*
 * float32: each output's taps summed in order in float32 (as the TypeScript kernel), + bias, clamped.
 * On the FPU (f32_dot.h) eight output channels at a time for a depth multiplier of 1 or a multiple of 8.
 */
void xsml_depthwise_conv_2d_f32(const xsml_dwconv_dims *dims, const float *input, const float *filter, const float *bias,
                                xsml_act_f32 act, float *output);

/*
 * int8 with int32 bias: acc = sum filter * (input + input_offset) (+ bias), int32 wrap-around;
 * double-rounding requantization per output channel, + output_offset, clamped.
 * Preconditions: |input_offset| <= 255; |output_offset| <= 128; act within [-128, 127]; -31 <= quant->shift[o] <= 31;
 * `scratch` 4-byte aligned, xsml_depthwise_conv_2d_s8_scratch_bytes(dims) bytes.
 * A 3x3 filter with dilation 1 and either depth multiplier 1 with channels a multiple of 4 (MobileNet's
 * layers) or a depth multiplier that is a multiple of 4 (a first layer) is banded: the input rows go
 * through the scratch, so every output pixel is computed alike. With depth multiplier 1 the output may
 * then start where the input does, when every output row ends before the first input row not yet read
 * (band4InPlace in src/ops/depthwise-conv-2d.ts); otherwise it overlaps nothing else.
 * One input channel with a depth multiplier that is a multiple of 4 and dilation_w 1 (micro_speech's
 * 10x8 layer) goes through buffers on the C stack of at most 2048 bytes when the shape's fit (else the
 * general loops): it reads every window of an output row before it writes the row, a group of 4
 * channels at a time, which the overlap above allows as well.
 */
void xsml_depthwise_conv_2d_s8(const xsml_dwconv_dims *dims, const xsml_conv_quant_s8 *quant, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output, void *scratch);

/* Scratch bytes of the int8 kernel: for the banded shapes input rows (every row the windows span, or a ring of 3), else 0. */
uint64_t xsml_depthwise_conv_2d_s8_scratch_bytes(const xsml_dwconv_dims *dims);

#endif
