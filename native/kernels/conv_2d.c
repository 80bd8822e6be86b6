/* CONV_2D kernels (float32, int8, hybrid) and their record decoders and checks. See conv_2d.h. */
#include "conv_2d.h"

#include <string.h>

#include "f32_dot.h"
#include "fixed_point.h"
#include "int8_dot.h"

enum {
  P_BATCHES = 0,
  P_IN_H,
  P_IN_W,
  P_IN_C,
  P_OUT_H,
  P_OUT_W,
  P_OUT_C,
  P_FILTER_H,
  P_FILTER_W,
  P_FILTER_C,
  P_FILTERS_PER_GROUP,
  P_STRIDE_H,
  P_STRIDE_W,
  P_DILATION_H,
  P_DILATION_W,
  P_PAD_H,
  P_PAD_W,
  P_ACT_MIN = 17,
  P_ACT_MAX = 18,
  P_INPUT_OFFSET = 19,
  P_OUTPUT_OFFSET = 20,
  P_PER_CHANNEL = 21,
  P_HYBRID_PER_CHANNEL = 19,
  P_HYBRID_SCALES = 20,
  P_COUNT_F32 = 19,
  P_COUNT_S8 = 21,    /* + 2 * out_c */
  P_COUNT_HYBRID = 20 /* + 1 or out_c */
};

enum { R_INPUT = 0, R_FILTER = 1, R_BIAS = 2, R_OUTPUT = 3, R_SCRATCH = 4 };

void xsml_conv_2d_f32(const xsml_conv_dims *d, const float *input, const float *filter, const float *bias,
                      xsml_act_f32 act, float *output) {
  const int32_t in_h = d->in_h, in_w = d->in_w, in_c = d->in_c, out_c = d->out_c;
  const int32_t f_w = d->filter_w, f_c = d->filter_c, per_group = d->filters_per_group;
  const size_t filter_size = (size_t)d->filter_h * (size_t)f_w * (size_t)f_c;
  const size_t row_run = (size_t)f_w * (size_t)f_c;
#if defined(XSML_F32_VFP)
  /*
   * Eight output channels of one group at a time over each window row: with one group and no
   * dilation across a row, a filter row meets a contiguous stretch of the input, else each tap its
   * filter_c channels. The sums run in the loop's order.
   */
  static const float zeros[8];
  const int32_t blocks = per_group % 8 == 0 ? out_c / 8 : 0;
  const int rows_contiguous = f_c == in_c && d->dilation_w == 1;
  const int flags = XSML_F32_BIAS | xsml_f32_bound_flags(act.min, act.max); /* + 0 without a bias, as the loop below */
#endif
  float *out = output;
  for (int32_t b = 0; b < d->batches; b++) {
    const float *in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)in_c;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      int32_t ky_lo, ky_hi;
      xsml_window_taps(y0, d->dilation_h, d->filter_h, in_h, &ky_lo, &ky_hi);
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        int32_t kx_lo, kx_hi;
        xsml_window_taps(x0, d->dilation_w, f_w, in_w, &kx_lo, &kx_hi);
        int32_t o = 0;
#if defined(XSML_F32_VFP)
        for (int32_t k = 0; k < blocks; k++, o += 8) {
          const float *in_g = in_b + (size_t)(o / per_group) * (size_t)f_c, *f_o = filter + (size_t)o * filter_size;
          float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
          int32_t ky_first = ky_lo;
          if (rows_contiguous && in_w == f_w && kx_lo == 0 && kx_hi == f_w && d->dilation_h == 1 && ky_hi > ky_lo) {
            /* Whole rows of an input as wide as the filter follow each other there as in the filter: one run. */
            xsml_f32_rows8_acc(in_g + (size_t)(y0 + ky_lo) * (size_t)in_w * (size_t)in_c, f_o + (size_t)ky_lo * row_run, (int32_t)filter_size,
                               (ky_hi - ky_lo) * (int32_t)row_run, acc);
            ky_first = ky_hi;
          }
          for (int32_t ky = ky_first; ky < ky_hi; ky++) {
            const int32_t y = y0 + d->dilation_h * ky;
            const float *f_row = f_o + (size_t)ky * row_run;
            if (rows_contiguous) {
              xsml_f32_rows8_acc(in_g + ((size_t)y * (size_t)in_w + (size_t)(x0 + kx_lo)) * (size_t)in_c, f_row + (size_t)kx_lo * (size_t)f_c,
                                 (int32_t)filter_size, (kx_hi - kx_lo) * f_c, acc);
              continue;
            }
            for (int32_t kx = kx_lo; kx < kx_hi; kx++) {
              const int32_t x = x0 + d->dilation_w * kx;
              xsml_f32_rows8_acc(in_g + ((size_t)y * (size_t)in_w + (size_t)x) * (size_t)in_c, f_row + (size_t)kx * (size_t)f_c,
                                 (int32_t)filter_size, f_c, acc);
            }
          }
          xsml_f32_end8(acc, bias ? bias + o : zeros, act.min, act.max, flags, out + o);
        }
#endif
        for (; o < out_c; o++) {
          const float *in_g = in_b + (size_t)(o / per_group) * (size_t)f_c;
          const float *f_o = filter + (size_t)o * filter_size;
          float total = 0.0f;
          for (int32_t ky = ky_lo; ky < ky_hi; ky++) {
            const int32_t y = y0 + d->dilation_h * ky;
            for (int32_t kx = kx_lo; kx < kx_hi; kx++) {
              const int32_t x = x0 + d->dilation_w * kx;
              const float *in_px = in_g + ((size_t)y * (size_t)in_w + (size_t)x) * (size_t)in_c, *f_px = f_o + (size_t)ky * row_run + (size_t)kx * (size_t)f_c;
              for (int32_t c = 0; c < f_c; c++) total = total + in_px[c] * f_px[c];
            }
          }
          total = total + (bias ? bias[o] : 0.0f);
          out[o] = total < act.min ? act.min : total > act.max ? act.max : total;
        }
        out += out_c;
      }
    }
  }
}

/* The loop of the definition: any grouping, any input offset. */
static void conv_s8_direct(const xsml_conv_dims *d, const xsml_conv_quant_s8 *quant, const int8_t *input, const int8_t *filter,
                           const int32_t *bias, int8_t *output) {
  const int32_t in_h = d->in_h, in_w = d->in_w, in_c = d->in_c, out_c = d->out_c;
  const int32_t f_w = d->filter_w, f_c = d->filter_c, per_group = d->filters_per_group;
  const size_t filter_size = (size_t)d->filter_h * (size_t)f_w * (size_t)f_c;
  const int32_t in_off = quant->input_offset, out_off = quant->output_offset;
  const int32_t lo = quant->act.min - out_off, hi = quant->act.max - out_off;
  int8_t *out = output;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)in_c;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      int32_t ky_lo, ky_hi;
      xsml_window_taps(y0, d->dilation_h, d->filter_h, in_h, &ky_lo, &ky_hi);
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        int32_t kx_lo, kx_hi;
        xsml_window_taps(x0, d->dilation_w, f_w, in_w, &kx_lo, &kx_hi);
        for (int32_t o = 0; o < out_c; o++) {
          const int8_t *in_g = in_b + (size_t)(o / per_group) * (size_t)f_c;
          const int8_t *f_o = filter + (size_t)o * filter_size;
          uint32_t acc = 0; /* int32 that wraps, as the TypeScript `| 0` */
          for (int32_t ky = ky_lo; ky < ky_hi; ky++) {
            const int32_t y = y0 + d->dilation_h * ky;
            for (int32_t kx = kx_lo; kx < kx_hi; kx++) {
              const int32_t x = x0 + d->dilation_w * kx;
              const int8_t *ip = in_g + ((size_t)y * (size_t)in_w + (size_t)x) * (size_t)in_c;
              const int8_t *fp = f_o + ((size_t)ky * (size_t)f_w + (size_t)kx) * (size_t)f_c;
              acc += xsml_dot_1x1(fp, ip, f_c, in_off);
            }
          }
          if (bias) acc += (uint32_t)bias[o];
          *out++ = xsml_conv_output_s8(acc, quant->multiplier[o], quant->shift[o], lo, hi, out_off);
        }
      }
    }
  }
}

/*
 * One group: a matrix product. Each output pixel's window is a column of k = filter_h x filter_w x
 * filter_c int8 values in the filter's (ky, kx, c) order: the input pixel itself for a 1x1 filter
 * without padding, else gathered into `scratch` (im2col), taps in the padding set to the input zero
 * point so that they add 0. Two pixels and two output channels per pass share every loaded value.
 */
static const int8_t *conv_s8_column(const xsml_conv_dims *d, const int8_t *input, int32_t pixel, int8_t pad, int8_t *scratch) {
  const int32_t per_image = d->out_h * d->out_w;
  const int32_t b = pixel / per_image, oy = pixel % per_image / d->out_w, ox = pixel % d->out_w;
  const int32_t in_h = d->in_h, in_w = d->in_w, in_c = d->in_c, f_w = d->filter_w;
  const int8_t *in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)in_c;
  const int32_t y0 = oy * d->stride_h - d->pad_h, x0 = ox * d->stride_w - d->pad_w;
  if (!xsml_conv_2d_s8_get_buffer_size(d)) return in_b + ((size_t)y0 * (size_t)in_w + (size_t)x0) * (size_t)in_c;
  const size_t row_bytes = (size_t)f_w * (size_t)in_c;
  int32_t kx_lo, kx_hi;
  xsml_window_taps(x0, d->dilation_w, f_w, in_w, &kx_lo, &kx_hi);
  int8_t *col = scratch;
  for (int32_t ky = 0; ky < d->filter_h; ky++, col += row_bytes) {
    const int32_t y = y0 + d->dilation_h * ky;
    if (y < 0 || y >= in_h || kx_lo == kx_hi) {
      memset(col, pad, row_bytes);
      continue;
    }
    memset(col, pad, (size_t)kx_lo * (size_t)in_c);
    const int8_t *row = in_b + (size_t)y * (size_t)in_w * (size_t)in_c;
    if (d->dilation_w == 1) {
      memcpy(col + (size_t)kx_lo * (size_t)in_c, row + (size_t)(x0 + kx_lo) * (size_t)in_c, (size_t)(kx_hi - kx_lo) * (size_t)in_c);
    } else {
      for (int32_t kx = kx_lo; kx < kx_hi; kx++) {
        memcpy(col + (size_t)kx * (size_t)in_c, row + (size_t)(x0 + d->dilation_w * kx) * (size_t)in_c, (size_t)in_c);
      }
    }
    memset(col + (size_t)kx_hi * (size_t)in_c, pad, (size_t)(f_w - kx_hi) * (size_t)in_c);
  }
  return scratch;
}

/*
 * Every output channel of one or two pixels (col1 NULL: one) from their columns. A function of its
 * own, not inlined, so that fewer values compete for the registers of its loops.
 */
static void __attribute__((noinline)) conv_s8_pixels(const xsml_conv_quant_s8 *quant, const int8_t *filter, const int32_t *bias,
                                                     int32_t out_c, int32_t k, const int8_t *col0, const int8_t *col1, int8_t *out0) {
  const int32_t in_off = quant->input_offset, out_off = quant->output_offset;
  const int32_t lo = quant->act.min - out_off, hi = quant->act.max - out_off;
  const int32_t *mult = quant->multiplier, *shift = quant->shift;
  int8_t *out1 = out0 + out_c;
  const int8_t *row = filter;
  int32_t o = 0;
  for (; o + 1 < out_c; o += 2, row += 2 * k) {
    const uint32_t b0 = bias ? (uint32_t)bias[o] : 0u, b1 = bias ? (uint32_t)bias[o + 1] : 0u;
    if (col1) {
      uint32_t acc[4] = {b0, b0, b1, b1};
      if (col1 == col0 + k) {
        xsml_dot_2x2_k(row, col0, k, in_off, acc);
      } else {
        xsml_dot_2x2(row, row + k, col0, col1, k, in_off, acc);
      }
      out0[o] = xsml_conv_output_s8(acc[0], mult[o], shift[o], lo, hi, out_off);
      out1[o] = xsml_conv_output_s8(acc[1], mult[o], shift[o], lo, hi, out_off);
      out0[o + 1] = xsml_conv_output_s8(acc[2], mult[o + 1], shift[o + 1], lo, hi, out_off);
      out1[o + 1] = xsml_conv_output_s8(acc[3], mult[o + 1], shift[o + 1], lo, hi, out_off);
    } else {
      uint32_t acc[2] = {b0, b1};
      xsml_dot_2x1(row, row + k, col0, k, in_off, acc);
      out0[o] = xsml_conv_output_s8(acc[0], mult[o], shift[o], lo, hi, out_off);
      out0[o + 1] = xsml_conv_output_s8(acc[1], mult[o + 1], shift[o + 1], lo, hi, out_off);
    }
  }
  if (o < out_c) {
    const uint32_t b = bias ? (uint32_t)bias[o] : 0u;
    out0[o] = xsml_conv_output_s8(b + xsml_dot_1x1(row, col0, k, in_off), mult[o], shift[o], lo, hi, out_off);
    if (col1) out1[o] = xsml_conv_output_s8(b + xsml_dot_1x1(row, col1, k, in_off), mult[o], shift[o], lo, hi, out_off);
  }
}

/*
 * One group of 1x1 filters, stride 1, no padding, every channel requantized in one step: the input is
 * the matrix of columns itself. Channel pairs outside, pixel pairs inside, so that a pair's bias,
 * multipliers and shifts are read once per pair of channels.
 */
static void __attribute__((noinline)) conv_s8_pointwise_rs(const xsml_conv_dims *d, const xsml_conv_quant_s8 *quant, const int8_t *input, const int8_t *filter,
                                 const int32_t *bias, int8_t *output) {
  const int32_t out_c = d->out_c, k = d->in_c, pixels = d->batches * d->out_h * d->out_w;
  const int32_t in_off = quant->input_offset, out_off = quant->output_offset;
  const int32_t lo = quant->act.min - out_off, hi = quant->act.max - out_off;
  const size_t out_step = 2 * (size_t)out_c, col_step = 2 * (size_t)k;
  int32_t o = 0;
  for (; o + 1 < out_c; o += 2) {
    const int8_t *row = filter + (size_t)o * (size_t)k, *col = input;
    const uint32_t b0 = bias ? (uint32_t)bias[o] : 0u, b1 = bias ? (uint32_t)bias[o + 1] : 0u;
    const int32_t m0 = quant->multiplier[o], m1 = quant->multiplier[o + 1];
    const int32_t rs0 = -quant->shift[o] - 2, rs1 = -quant->shift[o + 1] - 2;
    int8_t *out = output + o;
    int32_t p = pixels;
    for (; p >= 2; p -= 2, col += col_step, out += out_step) {
      uint32_t acc[4] = {b0, b0, b1, b1};
      xsml_dot_2x2_k(row, col, k, in_off, acc);
      out[0] = xsml_conv_output_rs(acc[0], m0, rs0, lo, hi, out_off);
      out[1] = xsml_conv_output_rs(acc[2], m1, rs1, lo, hi, out_off);
      out[out_c] = xsml_conv_output_rs(acc[1], m0, rs0, lo, hi, out_off);
      out[out_c + 1] = xsml_conv_output_rs(acc[3], m1, rs1, lo, hi, out_off);
    }
    if (p) {
      uint32_t acc[2] = {b0, b1};
      xsml_dot_2x1(row, row + k, col, k, in_off, acc);
      out[0] = xsml_conv_output_rs(acc[0], m0, rs0, lo, hi, out_off);
      out[1] = xsml_conv_output_rs(acc[1], m1, rs1, lo, hi, out_off);
    }
  }
  if (o < out_c) {
    const int8_t *row = filter + (size_t)o * (size_t)k, *col = input;
    const uint32_t b = bias ? (uint32_t)bias[o] : 0u;
    const int32_t m = quant->multiplier[o], rs = -quant->shift[o] - 2;
    int8_t *out = output + o;
    for (int32_t p = 0; p < pixels; p++, col += k, out += out_c) {
      *out = xsml_conv_output_rs(b + xsml_dot_1x1(row, col, k, in_off), m, rs, lo, hi, out_off);
    }
  }
}

static void conv_s8_columns(const xsml_conv_dims *d, const xsml_conv_quant_s8 *quant, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, int8_t *output, int8_t *scratch) {
  const int32_t out_c = d->out_c, k = d->filter_h * d->filter_w * d->filter_c;
  const int32_t pixels = d->batches * d->out_h * d->out_w;
  const int8_t pad = (int8_t)-quant->input_offset;
  for (int32_t p = 0; p < pixels; p += 2) {
    const int8_t *col0 = conv_s8_column(d, input, p, pad, scratch);
    const int8_t *col1 = p + 1 < pixels ? conv_s8_column(d, input, p + 1, pad, scratch + k) : NULL;
    conv_s8_pixels(quant, filter, bias, out_c, k, col0, col1, output + (size_t)p * (size_t)out_c);
  }
}

void xsml_conv_2d_s8(const xsml_conv_dims *d, const xsml_conv_quant_s8 *quant, const int8_t *input,
                     const int8_t *filter, const int32_t *bias, int8_t *output, void *scratch) {
  /* The columns path pads with the input zero point, which must be an int8 value. */
  const int pointwise = d->filter_h == 1 && d->filter_w == 1 && d->pad_h == 0 && d->pad_w == 0 && d->stride_h == 1 && d->stride_w == 1 &&
                        d->out_h == d->in_h && d->out_w == d->in_w;
  if (pointwise && d->filter_c == d->in_c && xsml_conv_quant_rs(quant, d->out_c)) {
    conv_s8_pointwise_rs(d, quant, input, filter, bias, output);
  } else if (d->filter_c == d->in_c && quant->input_offset >= -127 && quant->input_offset <= 128) {
    conv_s8_columns(d, quant, input, filter, bias, output, (int8_t *)scratch);
  } else {
    conv_s8_direct(d, quant, input, filter, bias, output);
  }
}

uint32_t xsml_conv_2d_s8_get_buffer_size(const xsml_conv_dims *d) {
  const int pointwise = d->filter_h == 1 && d->filter_w == 1 && d->pad_h == 0 && d->pad_w == 0;
  if (d->filter_c != d->in_c || pointwise) return 0;
  const uint32_t k = (uint32_t)d->filter_h * (uint32_t)d->filter_w * (uint32_t)d->filter_c;
  return (2u * k + 3u) & ~3u;
}

uint32_t xsml_conv_2d_hybrid_get_buffer_size(const xsml_conv_dims *d) {
  const uint32_t elements = (uint32_t)d->batches * (uint32_t)d->in_h * (uint32_t)d->in_w * (uint32_t)d->in_c;
  return ((elements + 3u) & ~3u) + 8u * (uint32_t)d->batches;
}

/*
 * The rounding of TFLite's vectorized quantizers: truncate(x +- 0.5), the addition in float32.
 * Precondition: |x| <= 2^20 (callers clamp first; the result is clamped to int8 afterwards anyway).
 */
static inline int32_t round_lanes(float x) { return (int32_t)(x + (x < 0.0f ? -0.5f : 0.5f)); }

/* std::round of a float: half away from zero. Precondition: |x| <= 2^20. */
static inline int32_t round_half_away(float x) {
  int32_t t = (int32_t)x;
  const float frac = x - (float)t; /* exact */
  if (frac >= 0.5f) t++;
  else if (frac <= -0.5f) t--;
  return t;
}

/* std::round of a double. Precondition: |x| <= 2^30. */
static inline int32_t round_half_away_d(double x) {
  int32_t t = (int32_t)x;
  const double frac = x - (double)t;
  if (frac >= 0.5) t++;
  else if (frac <= -0.5) t--;
  return t;
}

/*
 * zp + round(x) clamped to [lo, hi], with lanes (the first (n & ~7) values of a batch) rounded as the
 * vector code does. A NaN stores 0 (what the TypeScript kernel's Int8Array store of NaN gives).
 */
static inline int8_t quantize_one(float x, int lanes, int32_t zp, int32_t lo, int32_t hi) {
  if (x != x) return 0;
  /* Beyond +-2^20 the result saturates whatever the rounding: clamp first so the conversions stay defined. */
  if (x > 1048576.0f) x = 1048576.0f;
  if (x < -1048576.0f) x = -1048576.0f;
  const int32_t q = zp + (lanes ? round_lanes(x) : round_half_away(x));
  return (int8_t)(q < lo ? lo : q > hi ? hi : q);
}

static void quantize_batches(const xsml_conv_dims *d, int per_channel, float scale0, const float *input, int8_t *q_in,
                             float *factors, int32_t *offsets) {
  const int32_t batch_size = d->in_h * d->in_w * d->in_c;
  const int32_t lanes = batch_size & ~7;
  for (int32_t b = 0; b < d->batches; b++) {
    const float *src = input + (size_t)b * (size_t)batch_size;
    int8_t *dst = q_in + (size_t)b * (size_t)batch_size;
    float min = src[0], max = min;
    for (int32_t i = 1; i < batch_size; i++) {
      const float v = src[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!per_channel) {
      /* Math.max(|min|, |max|), NaN if either is. */
      const float amin = min < 0.0f ? -min : min, amax = max < 0.0f ? -max : max;
      const float range = (amin != amin || amax != amax) ? amin + amax : amin > amax ? amin : amax;
      float factor = 1.0f;
      if (range == 0.0f) {
        for (int32_t i = 0; i < batch_size; i++) dst[i] = 0;
      } else {
        factor = range / 127.0f;
        const float inverse = 127.0f / range;
        for (int32_t i = 0; i < batch_size; i++) dst[i] = quantize_one(src[i] * inverse, i < lanes, 0, -127, 127);
      }
      factors[b] = factor * scale0;
      offsets[b] = 0;
    } else {
      const float rmin = min < 0.0f ? min : 0.0f, rmax = max > 0.0f ? max : 0.0f;
      if (rmin == rmax) {
        for (int32_t i = 0; i < batch_size; i++) dst[i] = 0;
        factors[b] = 1.0f;
        offsets[b] = 0;
        continue;
      }
      /* The range is a float32 difference; the scale and zero point are computed in doubles. */
      const double scale = (double)(float)(rmax - rmin) / 255.0;
      const double from_min = -128.0 - rmin / scale, from_max = 127.0 - rmax / scale;
      const double a_min = rmin / scale < 0.0 ? -(rmin / scale) : rmin / scale;
      const double a_max = rmax / scale < 0.0 ? -(rmax / scale) : rmax / scale;
      const double zpd = 128.0 + a_min < 127.0 + a_max ? from_min : from_max;
      const float factor = (float)scale;
      const float inverse = factor == 0.0f ? 0.0f : (float)(1.0 / (double)factor);
      if (zpd != zpd) {
        /* A NaN zero point makes every q NaN, stored as 0, and the stored zero point 0. */
        for (int32_t i = 0; i < batch_size; i++) dst[i] = 0;
        factors[b] = factor;
        offsets[b] = 0;
        continue;
      }
      const int32_t zp = zpd <= -128.0 ? -128 : zpd >= 127.0 ? 127 : round_half_away_d(zpd);
      for (int32_t i = 0; i < batch_size; i++) dst[i] = quantize_one(src[i] * inverse, i < lanes, zp, -128, 127);
      factors[b] = factor;
      offsets[b] = zp;
    }
  }
}

void xsml_conv_2d_hybrid(const xsml_conv_dims *d, const xsml_conv_hybrid_params *hybrid, const float *input,
                         const int8_t *filter, const float *bias, xsml_act_f32 act, float *output, void *scratch) {
  const int32_t in_h = d->in_h, in_w = d->in_w, in_c = d->in_c, out_c = d->out_c;
  const int32_t f_w = d->filter_w, f_c = d->filter_c, per_group = d->filters_per_group;
  const size_t filter_size = (size_t)d->filter_h * (size_t)f_w * (size_t)f_c;
  const size_t batch_size = (size_t)in_h * (size_t)in_w * (size_t)in_c;
  const int per_channel = hybrid->per_channel;
  const int32_t *scale_bits = hybrid->scale_bits;
  int8_t *q_in = (int8_t *)scratch;
  float *factors = (float *)(void *)(q_in + (((size_t)d->batches * batch_size + 3u) & ~(size_t)3u));
  int32_t *offsets = (int32_t *)(void *)(factors + d->batches);
  quantize_batches(d, per_channel, xsml_param_f32(scale_bits[0]), input, q_in, factors, offsets);

  float *out = output;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *in_b = q_in + (size_t)b * batch_size;
    const float factor = factors[b];
    const int32_t zp = offsets[b];
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      int32_t ky_lo, ky_hi;
      xsml_window_taps(y0, d->dilation_h, d->filter_h, in_h, &ky_lo, &ky_hi);
      for (int32_t ox = 0; ox < d->out_w; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        int32_t kx_lo, kx_hi;
        xsml_window_taps(x0, d->dilation_w, f_w, in_w, &kx_lo, &kx_hi);
        for (int32_t o = 0; o < out_c; o++) {
          const int8_t *in_g = in_b + (size_t)(o / per_group) * (size_t)f_c;
          const int8_t *f_o = filter + (size_t)o * filter_size;
          uint32_t acc = 0;
          for (int32_t ky = ky_lo; ky < ky_hi; ky++) {
            const int32_t y = y0 + d->dilation_h * ky;
            for (int32_t kx = kx_lo; kx < kx_hi; kx++) {
              const int32_t x = x0 + d->dilation_w * kx;
              const int8_t *ip = in_g + ((size_t)y * (size_t)in_w + (size_t)x) * (size_t)in_c;
              const int8_t *fp = f_o + ((size_t)ky * (size_t)f_w + (size_t)kx) * (size_t)f_c;
              for (int32_t c = 0; c < f_c; c++) acc += (uint32_t)(fp[c] * (ip[c] - zp));
            }
          }
          float v = per_channel ? ((float)(int32_t)acc * xsml_param_f32(scale_bits[o])) * factor : (float)(int32_t)acc * factor;
          if (bias) v = v + bias[o];
          *out++ = v < act.min ? act.min : v > act.max ? act.max : v;
        }
      }
    }
  }
}

static xsml_conv_dims dims_of(const int32_t *p) {
  const xsml_conv_dims d = {
      p[P_BATCHES], p[P_IN_H], p[P_IN_W], p[P_IN_C], p[P_OUT_H], p[P_OUT_W], p[P_OUT_C], p[P_FILTER_H], p[P_FILTER_W],
      p[P_FILTER_C], p[P_FILTERS_PER_GROUP], p[P_STRIDE_H], p[P_STRIDE_W], p[P_DILATION_H], p[P_DILATION_W], p[P_PAD_H], p[P_PAD_W],
  };
  return d;
}

static void eval_f32(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const xsml_conv_dims d = dims_of(p);
  const xsml_act_f32 act = {xsml_param_f32(p[P_ACT_MIN]), xsml_param_f32(p[P_ACT_MAX])};
  xsml_conv_2d_f32(&d, (const float *)xsml_tensor(rec, R_INPUT, mem), (const float *)xsml_tensor(rec, R_FILTER, mem),
                   (const float *)xsml_tensor(rec, R_BIAS, mem), act, (float *)xsml_tensor(rec, R_OUTPUT, mem));
}

static void eval_s8(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const xsml_conv_dims d = dims_of(p);
  const xsml_conv_quant_s8 quant = {
      p[P_INPUT_OFFSET], p[P_OUTPUT_OFFSET], {p[P_ACT_MIN], p[P_ACT_MAX]}, p + P_PER_CHANNEL, p + P_PER_CHANNEL + d.out_c,
  };
  xsml_conv_2d_s8(&d, &quant, (const int8_t *)xsml_tensor(rec, R_INPUT, mem), (const int8_t *)xsml_tensor(rec, R_FILTER, mem),
                  (const int32_t *)xsml_tensor(rec, R_BIAS, mem), (int8_t *)xsml_tensor(rec, R_OUTPUT, mem), xsml_tensor(rec, R_SCRATCH, mem));
}

static void eval_hybrid(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const xsml_conv_dims d = dims_of(p);
  const xsml_act_f32 act = {xsml_param_f32(p[P_ACT_MIN]), xsml_param_f32(p[P_ACT_MAX])};
  const xsml_conv_hybrid_params hybrid = {p[P_HYBRID_PER_CHANNEL], p + P_HYBRID_SCALES};
  xsml_conv_2d_hybrid(&d, &hybrid, (const float *)xsml_tensor(rec, R_INPUT, mem), (const int8_t *)xsml_tensor(rec, R_FILTER, mem),
                      (const float *)xsml_tensor(rec, R_BIAS, mem), act, (float *)xsml_tensor(rec, R_OUTPUT, mem),
                      xsml_tensor(rec, R_SCRATCH, mem));
}

/*
 * The checks all three kernels share: ref count, fixed params, geometry, refs present and in place,
 * and every tensor's size. in_elem / out_elem / f_elem: element bytes of input, output, filter.
 */
static const char *check_common(const int32_t *rec, const int32_t *ref_bytes, int32_t refs, int64_t params, uint64_t in_elem,
                                uint64_t f_elem, uint64_t out_elem) {
  if (xsml_ref_count(rec) != refs) {
    return refs == 4 ? "expects 4 tensor refs (input, filter, bias, output)" : "expects 5 tensor refs (input, filter, bias, output, scratch)";
  }
  if (xsml_param_words(rec) < params) return "record too short for its params";
  const int32_t *p = xsml_params(rec);
  const xsml_conv_dims d = dims_of(p);
  if (d.batches < 1 || d.in_h < 1 || d.in_w < 1 || d.in_c < 1 || d.out_c < 1 || d.filter_c < 1 || d.filters_per_group < 1) {
    return "a shape dimension is not positive";
  }
  if (d.out_c % d.filters_per_group != 0 || (int64_t)d.filter_c * (d.out_c / d.filters_per_group) != d.in_c) {
    return "input channels are not filter channels x groups";
  }
  if (!xsml_window_fits(d.out_h, d.stride_h, d.filter_h, d.dilation_h, d.pad_h) ||
      !xsml_window_fits(d.out_w, d.stride_w, d.filter_w, d.dilation_w, d.pad_w)) {
    return "window geometry out of range (output size, filter size, stride, dilation or padding)";
  }
  if (!xsml_ref_present(rec, R_INPUT) || !xsml_ref_present(rec, R_FILTER) || !xsml_ref_present(rec, R_OUTPUT)) {
    return "input, filter or output ref missing";
  }
  if (!xsml_ref_writable(rec, R_OUTPUT)) return "output ref is not in the arena";
  if ((in_elem == 4 && !xsml_ref_aligned(rec, R_INPUT, 4)) || (f_elem == 4 && !xsml_ref_aligned(rec, R_FILTER, 4)) ||
      (out_elem == 4 && !xsml_ref_aligned(rec, R_OUTPUT, 4))) {
    return "float32 input, filter or output ref not 4-byte aligned";
  }
  if (xsml_ref_present(rec, R_BIAS)) {
    if (!xsml_ref_aligned(rec, R_BIAS, 4)) return "bias ref not 4-byte aligned";
    if (!xsml_ref_holds(ref_bytes, R_BIAS, xsml_mul_sat((uint64_t)d.out_c, 4))) return "bias ref shorter than output channels";
  }
  const uint64_t in_n = xsml_mul_sat(xsml_mul_sat((uint64_t)d.batches, (uint64_t)d.in_h), xsml_mul_sat((uint64_t)d.in_w, (uint64_t)d.in_c));
  if (!xsml_ref_holds(ref_bytes, R_INPUT, xsml_mul_sat(in_n, in_elem))) return "input ref shorter than batches x height x width x channels";
  const uint64_t f_n =
      xsml_mul_sat(xsml_mul_sat((uint64_t)d.out_c, (uint64_t)d.filter_h), xsml_mul_sat((uint64_t)d.filter_w, (uint64_t)d.filter_c));
  if (!xsml_ref_holds(ref_bytes, R_FILTER, xsml_mul_sat(f_n, f_elem))) return "filter ref shorter than out channels x height x width x channels";
  const uint64_t out_n =
      xsml_mul_sat(xsml_mul_sat((uint64_t)d.batches, (uint64_t)d.out_h), xsml_mul_sat((uint64_t)d.out_w, (uint64_t)d.out_c));
  if (!xsml_ref_holds(ref_bytes, R_OUTPUT, xsml_mul_sat(out_n, out_elem))) return "output ref shorter than batches x height x width x channels";
  return NULL;
}

static const char *check_f32(const int32_t *rec, const int32_t *ref_bytes) {
  return check_common(rec, ref_bytes, 4, P_COUNT_F32, 4, 4, 4);
}

static const char *check_s8(const int32_t *rec, const int32_t *ref_bytes) {
  const char *error = check_common(rec, ref_bytes, 5, P_COUNT_S8, 1, 1, 1);
  if (error) return error;
  const int32_t *p = xsml_params(rec);
  const int32_t out_c = p[P_OUT_C];
  if (xsml_param_words(rec) < P_COUNT_S8 + 2 * (int64_t)out_c) return "record too short for the per-channel multipliers and shifts";
  if (p[P_ACT_MIN] < -128 || p[P_ACT_MIN] > p[P_ACT_MAX] || p[P_ACT_MAX] > 127) return "activation range not within [-128, 127]";
  if (p[P_INPUT_OFFSET] < -255 || p[P_INPUT_OFFSET] > 255) return "input offset outside [-255, 255]";
  if (p[P_OUTPUT_OFFSET] < -128 || p[P_OUTPUT_OFFSET] > 127) return "output offset outside [-128, 127]";
  const int32_t *shift = p + P_PER_CHANNEL + out_c;
  for (int32_t o = 0; o < out_c; o++) {
    if (shift[o] < -31) return "a requantization shift below -31";
  }
  if (!xsml_ref_present(rec, R_SCRATCH) || !xsml_ref_writable(rec, R_SCRATCH)) return "scratch ref missing or not in the arena";
  const xsml_conv_dims d = dims_of(p);
  if (!xsml_ref_holds(ref_bytes, R_SCRATCH, xsml_conv_2d_s8_get_buffer_size(&d))) return "scratch ref shorter than two im2col columns";
  return NULL;
}

static const char *check_hybrid(const int32_t *rec, const int32_t *ref_bytes) {
  const char *error = check_common(rec, ref_bytes, 5, P_COUNT_HYBRID, 4, 1, 4);
  if (error) return error;
  const int32_t *p = xsml_params(rec);
  const int32_t per_channel = p[P_HYBRID_PER_CHANNEL];
  if (per_channel != 0 && per_channel != 1) return "per-channel flag is neither 0 nor 1";
  if (xsml_param_words(rec) < P_COUNT_HYBRID + (per_channel ? (int64_t)p[P_OUT_C] : 1)) return "record too short for the filter scales";
  if (!xsml_ref_present(rec, R_SCRATCH) || !xsml_ref_writable(rec, R_SCRATCH)) return "scratch ref missing or not in the arena";
  if (!xsml_ref_aligned(rec, R_SCRATCH, 4)) return "scratch ref not 4-byte aligned";
  const xsml_conv_dims d = dims_of(p);
  const uint64_t elements =
      xsml_mul_sat(xsml_mul_sat((uint64_t)d.batches, (uint64_t)d.in_h), xsml_mul_sat((uint64_t)d.in_w, (uint64_t)d.in_c));
  if (!xsml_ref_holds(ref_bytes, R_SCRATCH, ((elements + 3u) & ~(uint64_t)3u) + 8u * (uint64_t)d.batches)) {
    return "scratch ref shorter than the quantized input and per-batch factors";
  }
  return NULL;
}

const xsml_kernel xsml_k_conv_2d_f32 = {XSML_K_CONV_2D_F32, "CONV_2D_F32", eval_f32, check_f32};
const xsml_kernel xsml_k_conv_2d_s8 = {XSML_K_CONV_2D_S8, "CONV_2D_S8", eval_s8, check_s8};
const xsml_kernel xsml_k_conv_2d_hybrid = {XSML_K_CONV_2D_HYBRID, "CONV_2D_HYBRID", eval_hybrid, check_hybrid};
