/*
 * AVERAGE_POOL_2D and MAX_POOL_2D: the kernels of src/ops/average-pool-2d.ts and max-pool-2d.ts,
 * record layout of src/ops/pool-2d.ts.
 *
 * Tensor refs: 0 input, 1 output, both NHWC ([batches, height, width, channels]).
 * Params (all four kernels): batches, in_h, in_w, channels, out_h, out_w, stride_h, stride_w,
 * filter_h, filter_w, pad_h, pad_w, act_min, act_max (float32 bits for F32, int32 for S8).
 */
#ifndef XSML_POOL_2D_H
#define XSML_POOL_2D_H

#include <stdint.h>

#include "xsml_record.h"

/* The window geometry of one pool. */
typedef struct {
  int32_t batches, in_h, in_w, channels;
  int32_t out_h, out_w;
  int32_t stride_h, stride_w;
  int32_t filter_h, filter_w;
  int32_t pad_h, pad_w; /* padding before the first row / column */
} xsml_pool_dims;

/*
 * Preconditions, all four kernels: every window (output position oy, ox) overlaps the input in at
 * least one row and one column: max(0, pad - o * stride) < min(filter, in + pad - o * stride);
 * filter_h * filter_w < 2^23; input holds batches * in_h * in_w * channels elements, output
 * batches * out_h * out_w * channels. Pixels are written in ascending order, each channel after the
 * reads of its window: the output may overlap the input when it starts at least windowLag's channelwise
 * lag (src/ops/conv-2d.ts) bytes below it; it overlaps nothing else.
 */

/* Mean of each window's in-bounds elements, summed in float32 row by row, then clamped. */
void xsml_average_pool_2d_f32(const xsml_pool_dims *d, const float *input, float act_min, float act_max, float *output);

/* Mean of each window's in-bounds elements rounded half away from zero, then clamped. */
void xsml_average_pool_2d_s8(const xsml_pool_dims *d, const int8_t *input, int32_t act_min, int32_t act_max, int8_t *output);

/* Maximum of each window's in-bounds elements (NaN never wins), then clamped. */
void xsml_max_pool_2d_f32(const xsml_pool_dims *d, const float *input, float act_min, float act_max, float *output);

/* Maximum of each window's in-bounds elements, then clamped. */
void xsml_max_pool_2d_s8(const xsml_pool_dims *d, const int8_t *input, int32_t act_min, int32_t act_max, int8_t *output);

extern const xsml_kernel xsml_k_average_pool_2d_f32;
extern const xsml_kernel xsml_k_average_pool_2d_s8;
extern const xsml_kernel xsml_k_max_pool_2d_f32;
extern const xsml_kernel xsml_k_max_pool_2d_s8;

#endif
