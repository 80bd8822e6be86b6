/*
 * AVERAGE_POOL_2D and MAX_POOL_2D (src/ops/average-pool-2d.ts, max-pool-2d.ts, layout in pool-2d.ts).
 * Semantics of TFLite's reference kernels (reference_ops::AveragePool / MaxPool for float,
 * reference_integer_ops::AveragePool / MaxPool for int8), bit-exact with the TypeScript kernels.
 */
#include "pool_2d.h"

#include "check_util.h"

#include <float.h>

enum {
  P_BATCHES = 0, P_IN_H, P_IN_W, P_CHANNELS, P_OUT_H, P_OUT_W, P_STRIDE_H, P_STRIDE_W,
  P_FILTER_H, P_FILTER_W, P_PAD_H, P_PAD_W, P_ACT_MIN, P_ACT_MAX, P_COUNT
};
#define REFS 2

/* The in-bounds part [lo, hi) of a window starting at origin (may be negative) over size elements. */
static inline void window(int32_t origin, int32_t filter, int32_t size, int32_t *lo, int32_t *hi) {
  *lo = origin < 0 ? -origin : 0;
  *hi = filter < size - origin ? filter : size - origin;
}

void xsml_average_pool_2d_f32(const xsml_pool_dims *d, const float *input, float act_min, float act_max, float *output) {
  const int32_t depth = d->channels;
  if (depth <= 0) return;
  for (int32_t b = 0; b < d->batches; b++) {
    const float *batch = input + (size_t)b * d->in_h * d->in_w * depth;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      int32_t fy0, fy1;
      window(y0, d->filter_h, d->in_h, &fy0, &fy1);
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        int32_t fx0, fx1;
        window(x0, d->filter_w, d->in_w, &fx0, &fx1);
        const float count = (float)((fy1 - fy0) * (fx1 - fx0));
        for (int32_t c = 0; c < depth; c++) {
          /* Summed in float32 row by row, as the reference does, then divided by the count. */
          float total = 0.0f;
          for (int32_t fy = fy0; fy < fy1; fy++) {
            const float *in = batch + ((size_t)(y0 + fy) * d->in_w + (size_t)(x0 + fx0)) * depth + c;
            for (int32_t fx = fx0; fx < fx1; fx++, in += depth) total += *in;
          }
          const float average = total / count;
          *output++ = average < act_min ? act_min : average > act_max ? act_max : average;
        }
      }
    }
  }
}

void xsml_average_pool_2d_s8(const xsml_pool_dims *d, const int8_t *input, int32_t act_min, int32_t act_max, int8_t *output) {
  const int32_t depth = d->channels;
  if (depth <= 0) return;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *batch = input + (size_t)b * d->in_h * d->in_w * depth;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      int32_t fy0, fy1;
      window(y0, d->filter_h, d->in_h, &fy0, &fy1);
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        int32_t fx0, fx1;
        window(x0, d->filter_w, d->in_w, &fx0, &fx1);
        const int32_t count = (fy1 - fy0) * (fx1 - fx0);
        const int32_t half = count >> 1;
        for (int32_t c = 0; c < depth; c++) {
          int32_t acc = 0;
          for (int32_t fy = fy0; fy < fy1; fy++) {
            const int8_t *in = batch + ((size_t)(y0 + fy) * d->in_w + (size_t)(x0 + fx0)) * depth + c;
            for (int32_t fx = fx0; fx < fx1; fx++, in += depth) acc += *in;
          }
          /* Rounded half away from zero: (acc +- count/2) / count with C's truncating division. */
          int32_t v = acc > 0 ? (acc + half) / count : (acc - half) / count;
          v = v < act_min ? act_min : v > act_max ? act_max : v;
          *output++ = (int8_t)v;
        }
      }
    }
  }
}

void xsml_max_pool_2d_f32(const xsml_pool_dims *d, const float *input, float act_min, float act_max, float *output) {
  const int32_t depth = d->channels;
  if (depth <= 0) return;
  for (int32_t b = 0; b < d->batches; b++) {
    const float *batch = input + (size_t)b * d->in_h * d->in_w * depth;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      int32_t fy0, fy1;
      window(y0, d->filter_h, d->in_h, &fy0, &fy1);
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        int32_t fx0, fx1;
        window(x0, d->filter_w, d->in_w, &fx0, &fx1);
        for (int32_t c = 0; c < depth; c++) {
          /* std::max(max, v) keeps max unless max < v: a NaN input never wins. */
          float max = -FLT_MAX;
          for (int32_t fy = fy0; fy < fy1; fy++) {
            const float *in = batch + ((size_t)(y0 + fy) * d->in_w + (size_t)(x0 + fx0)) * depth + c;
            for (int32_t fx = fx0; fx < fx1; fx++, in += depth) {
              if (max < *in) max = *in;
            }
          }
          *output++ = max < act_min ? act_min : max > act_max ? act_max : max;
        }
      }
    }
  }
}

void xsml_max_pool_2d_s8(const xsml_pool_dims *d, const int8_t *input, int32_t act_min, int32_t act_max, int8_t *output) {
  const int32_t depth = d->channels;
  if (depth <= 0) return;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *batch = input + (size_t)b * d->in_h * d->in_w * depth;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      int32_t fy0, fy1;
      window(y0, d->filter_h, d->in_h, &fy0, &fy1);
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        int32_t fx0, fx1;
        window(x0, d->filter_w, d->in_w, &fx0, &fx1);
        for (int32_t c = 0; c < depth; c++) {
          int32_t max = -128;
          for (int32_t fy = fy0; fy < fy1; fy++) {
            const int8_t *in = batch + ((size_t)(y0 + fy) * d->in_w + (size_t)(x0 + fx0)) * depth + c;
            for (int32_t fx = fx0; fx < fx1; fx++, in += depth) {
              if (max < *in) max = *in;
            }
          }
          *output++ = (int8_t)(max < act_min ? act_min : max > act_max ? act_max : max);
        }
      }
    }
  }
}

/* ---- record decoders ---- */

static void dims_of(const int32_t *p, xsml_pool_dims *d) {
  d->batches = p[P_BATCHES];
  d->in_h = p[P_IN_H];
  d->in_w = p[P_IN_W];
  d->channels = p[P_CHANNELS];
  d->out_h = p[P_OUT_H];
  d->out_w = p[P_OUT_W];
  d->stride_h = p[P_STRIDE_H];
  d->stride_w = p[P_STRIDE_W];
  d->filter_h = p[P_FILTER_H];
  d->filter_w = p[P_FILTER_W];
  d->pad_h = p[P_PAD_H];
  d->pad_w = p[P_PAD_W];
}

static void eval_avg_f32(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  xsml_pool_dims d;
  dims_of(p, &d);
  xsml_average_pool_2d_f32(&d, (const float *)xsml_tensor(rec, 0, mem), xsml_param_f32(p[P_ACT_MIN]), xsml_param_f32(p[P_ACT_MAX]),
                           (float *)xsml_tensor(rec, 1, mem));
}

static void eval_avg_s8(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  xsml_pool_dims d;
  dims_of(p, &d);
  xsml_average_pool_2d_s8(&d, (const int8_t *)xsml_tensor(rec, 0, mem), p[P_ACT_MIN], p[P_ACT_MAX],
                          (int8_t *)xsml_tensor(rec, 1, mem));
}

static void eval_max_f32(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  xsml_pool_dims d;
  dims_of(p, &d);
  xsml_max_pool_2d_f32(&d, (const float *)xsml_tensor(rec, 0, mem), xsml_param_f32(p[P_ACT_MIN]), xsml_param_f32(p[P_ACT_MAX]),
                       (float *)xsml_tensor(rec, 1, mem));
}

static void eval_max_s8(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  xsml_pool_dims d;
  dims_of(p, &d);
  xsml_max_pool_2d_s8(&d, (const int8_t *)xsml_tensor(rec, 0, mem), p[P_ACT_MIN], p[P_ACT_MAX],
                      (int8_t *)xsml_tensor(rec, 1, mem));
}

/* Whether every window along one axis holds at least one input element. */
static int windows_nonempty(int32_t out, int32_t stride, int32_t pad, int32_t filter, int32_t size) {
  for (int32_t o = 0; o < out; o++) {
    int32_t lo, hi;
    window(o * stride - pad, filter, size, &lo, &hi);
    if (hi <= lo) return 0;
  }
  return 1;
}

static const char *check_pool(const int32_t *rec, const int32_t *ref_bytes, uint32_t element_bytes) {
  if (rec[1] != REFS) return "expected 2 tensor refs (input, output)";
  if (rec[2] < XSML_RECORD_HEADER + 2 * REFS + P_COUNT) return "record too short for the pool params";
  for (int k = 0; k < REFS; k++) {
    if (rec[XSML_RECORD_HEADER + 2 * k] == XSML_NO_TENSOR) return "input and output are required";
    if ((uint32_t)rec[XSML_RECORD_HEADER + 2 * k + 1] % element_bytes != 0) return "tensor offset not aligned to its element size";
  }
  if (rec[XSML_RECORD_HEADER + 2] != XSML_POOL_ARENA) return "output ref is not in the arena";
  const int32_t *p = xsml_params(rec);
  xsml_pool_dims d;
  dims_of(p, &d);
  if (d.batches < 0 || d.channels < 0) return "negative batches or channels";
  if (d.in_h < 1 || d.in_w < 1 || d.out_h < 1 || d.out_w < 1) return "input and output height and width must be positive";
  if (d.stride_h < 1 || d.stride_w < 1 || d.filter_h < 1 || d.filter_w < 1) return "strides and filter size must be positive";
  if (d.pad_h < 0 || d.pad_w < 0) return "negative padding";
  /* Every window coordinate must fit int32. */
  if ((int64_t)d.out_h * d.stride_h + d.pad_h + d.filter_h + d.in_h > INT32_MAX ||
      (int64_t)d.out_w * d.stride_w + d.pad_w + d.filter_w + d.in_w > INT32_MAX) return "window coordinates overflow int32";
  if ((int64_t)d.filter_h * d.filter_w >= (INT64_C(1) << 23)) return "pooling window larger than 2^23 elements";
  const uint64_t in_bytes = (uint64_t)d.batches * (uint64_t)d.in_h * (uint64_t)d.in_w * (uint64_t)d.channels * element_bytes;
  const uint64_t out_bytes = (uint64_t)d.batches * (uint64_t)d.out_h * (uint64_t)d.out_w * (uint64_t)d.channels * element_bytes;
  if (in_bytes > (uint64_t)(uint32_t)ref_bytes[0]) return "input shape exceeds the input tensor's bytes";
  if (out_bytes > (uint64_t)(uint32_t)ref_bytes[1]) return "output shape exceeds the output tensor's bytes";
  /* Nothing is computed without batches or channels; otherwise out_h and out_w are bounded by the bytes. */
  if (d.batches > 0 && d.channels > 0 &&
      (!windows_nonempty(d.out_h, d.stride_h, d.pad_h, d.filter_h, d.in_h) ||
       !windows_nonempty(d.out_w, d.stride_w, d.pad_w, d.filter_w, d.in_w))) return "a pooling window lies entirely in the padding";
  return NULL;
}

static const char *check_f32(const int32_t *rec, const int32_t *ref_bytes) { return check_pool(rec, ref_bytes, 4); }
static const char *check_s8(const int32_t *rec, const int32_t *ref_bytes) { return check_pool(rec, ref_bytes, 1); }

const xsml_kernel xsml_k_average_pool_2d_f32 = { XSML_K_AVERAGE_POOL_2D_F32, "AVERAGE_POOL_2D_F32", eval_avg_f32, check_f32 };
const xsml_kernel xsml_k_average_pool_2d_s8 = { XSML_K_AVERAGE_POOL_2D_S8, "AVERAGE_POOL_2D_S8", eval_avg_s8, check_s8 };
const xsml_kernel xsml_k_max_pool_2d_f32 = { XSML_K_MAX_POOL_2D_F32, "MAX_POOL_2D_F32", eval_max_f32, check_f32 };
const xsml_kernel xsml_k_max_pool_2d_s8 = { XSML_K_MAX_POOL_2D_S8, "MAX_POOL_2D_S8", eval_max_s8, check_s8 };
