/* DEPTHWISE_CONV_2D kernels (float32, int8) and their record decoders and checks. See depthwise_conv_2d.h. */
#include "depthwise_conv_2d.h"

#include "fixed_point.h"

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
  P_DEPTH_MULTIPLIER,
  P_STRIDE_H,
  P_STRIDE_W,
  P_DILATION_H,
  P_DILATION_W,
  P_PAD_H,
  P_PAD_W,
  P_ACT_MIN = 16,
  P_ACT_MAX = 17,
  P_INPUT_OFFSET = 18,
  P_OUTPUT_OFFSET = 19,
  P_PER_CHANNEL = 20,
  P_COUNT_F32 = 18,
  P_COUNT_S8 = 20 /* + 2 * out_c */
};

enum { R_INPUT = 0, R_FILTER = 1, R_BIAS = 2, R_OUTPUT = 3, R_COUNT = 4 };

void xsml_depthwise_conv_2d_f32(const xsml_dwconv_dims *d, const float *input, const float *filter, const float *bias,
                                xsml_act_f32 act, float *output) {
  const int32_t in_h = d->in_h, in_w = d->in_w, in_c = d->in_c, out_c = d->out_c, f_w = d->filter_w, mult = d->depth_multiplier;
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
        /* Output channels o = c * mult + m come out in order. */
        for (int32_t o = 0; o < out_c; o++) {
          const float *in_c0 = in_b + o / mult;
          float total = 0.0f;
          for (int32_t ky = ky_lo; ky < ky_hi; ky++) {
            const int32_t y = y0 + d->dilation_h * ky;
            for (int32_t kx = kx_lo; kx < kx_hi; kx++) {
              const int32_t x = x0 + d->dilation_w * kx;
              total = total + in_c0[((size_t)y * (size_t)in_w + (size_t)x) * (size_t)in_c] *
                                  filter[((size_t)ky * (size_t)f_w + (size_t)kx) * (size_t)out_c + (size_t)o];
            }
          }
          total = total + (bias ? bias[o] : 0.0f);
          *out++ = total < act.min ? act.min : total > act.max ? act.max : total;
        }
      }
    }
  }
}

void xsml_depthwise_conv_2d_s8(const xsml_dwconv_dims *d, const xsml_conv_quant_s8 *quant, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output) {
  const int32_t in_h = d->in_h, in_w = d->in_w, in_c = d->in_c, out_c = d->out_c, f_w = d->filter_w, mult = d->depth_multiplier;
  const int32_t in_off = quant->input_offset;
  const int64_t out_off = quant->output_offset, lo = quant->act.min, hi = quant->act.max;
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
          const int8_t *in_c0 = in_b + o / mult;
          uint32_t acc = 0; /* int32 that wraps, as the TypeScript `| 0` */
          for (int32_t ky = ky_lo; ky < ky_hi; ky++) {
            const int32_t y = y0 + d->dilation_h * ky;
            for (int32_t kx = kx_lo; kx < kx_hi; kx++) {
              const int32_t x = x0 + d->dilation_w * kx;
              acc += (uint32_t)(filter[((size_t)ky * (size_t)f_w + (size_t)kx) * (size_t)out_c + (size_t)o] *
                                (in_c0[((size_t)y * (size_t)in_w + (size_t)x) * (size_t)in_c] + in_off));
            }
          }
          if (bias) acc += (uint32_t)bias[o];
          int64_t v = (int64_t)xsml_mbqm_double((int32_t)acc, quant->multiplier[o], quant->shift[o]) + out_off;
          v = v < lo ? lo : v > hi ? hi : v;
          *out++ = (int8_t)v;
        }
      }
    }
  }
}

static xsml_dwconv_dims dims_of(const int32_t *p) {
  const xsml_dwconv_dims d = {
      p[P_BATCHES], p[P_IN_H], p[P_IN_W], p[P_IN_C], p[P_OUT_H], p[P_OUT_W], p[P_OUT_C], p[P_FILTER_H],
      p[P_FILTER_W], p[P_DEPTH_MULTIPLIER], p[P_STRIDE_H], p[P_STRIDE_W], p[P_DILATION_H], p[P_DILATION_W], p[P_PAD_H], p[P_PAD_W],
  };
  return d;
}

static void eval_f32(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const xsml_dwconv_dims d = dims_of(p);
  const xsml_act_f32 act = {xsml_param_f32(p[P_ACT_MIN]), xsml_param_f32(p[P_ACT_MAX])};
  xsml_depthwise_conv_2d_f32(&d, (const float *)xsml_tensor(rec, R_INPUT, mem), (const float *)xsml_tensor(rec, R_FILTER, mem),
                             (const float *)xsml_tensor(rec, R_BIAS, mem), act, (float *)xsml_tensor(rec, R_OUTPUT, mem));
}

static void eval_s8(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const xsml_dwconv_dims d = dims_of(p);
  const xsml_conv_quant_s8 quant = {
      p[P_INPUT_OFFSET], p[P_OUTPUT_OFFSET], {p[P_ACT_MIN], p[P_ACT_MAX]}, p + P_PER_CHANNEL, p + P_PER_CHANNEL + d.out_c,
  };
  xsml_depthwise_conv_2d_s8(&d, &quant, (const int8_t *)xsml_tensor(rec, R_INPUT, mem), (const int8_t *)xsml_tensor(rec, R_FILTER, mem),
                            (const int32_t *)xsml_tensor(rec, R_BIAS, mem), (int8_t *)xsml_tensor(rec, R_OUTPUT, mem));
}

/* The checks both kernels share; `elem` is the byte size of input, filter and output elements. */
static const char *check_common(const int32_t *rec, const int32_t *ref_bytes, int64_t params, uint64_t elem) {
  if (xsml_ref_count(rec) != R_COUNT) return "expects 4 tensor refs (input, filter, bias, output)";
  if (xsml_param_words(rec) < params) return "record too short for its params";
  const xsml_dwconv_dims d = dims_of(xsml_params(rec));
  if (d.batches < 1 || d.in_h < 1 || d.in_w < 1 || d.in_c < 1 || d.depth_multiplier < 1) return "a shape dimension is not positive";
  if ((int64_t)d.in_c * d.depth_multiplier != d.out_c) return "output channels are not input channels x depth multiplier";
  if (!xsml_window_fits(d.out_h, d.stride_h, d.filter_h, d.dilation_h, d.pad_h) ||
      !xsml_window_fits(d.out_w, d.stride_w, d.filter_w, d.dilation_w, d.pad_w)) {
    return "window geometry out of range (output size, filter size, stride, dilation or padding)";
  }
  if (!xsml_ref_present(rec, R_INPUT) || !xsml_ref_present(rec, R_FILTER) || !xsml_ref_present(rec, R_OUTPUT)) {
    return "input, filter or output ref missing";
  }
  if (!xsml_ref_writable(rec, R_OUTPUT)) return "output ref is not in the arena";
  if (elem == 4 && (!xsml_ref_aligned(rec, R_INPUT, 4) || !xsml_ref_aligned(rec, R_FILTER, 4) || !xsml_ref_aligned(rec, R_OUTPUT, 4))) {
    return "float32 input, filter or output ref not 4-byte aligned";
  }
  if (xsml_ref_present(rec, R_BIAS)) {
    if (!xsml_ref_aligned(rec, R_BIAS, 4)) return "bias ref not 4-byte aligned";
    if (!xsml_ref_holds(ref_bytes, R_BIAS, xsml_mul_sat((uint64_t)d.out_c, 4))) return "bias ref shorter than output channels";
  }
  const uint64_t in_n = xsml_mul_sat(xsml_mul_sat((uint64_t)d.batches, (uint64_t)d.in_h), xsml_mul_sat((uint64_t)d.in_w, (uint64_t)d.in_c));
  if (!xsml_ref_holds(ref_bytes, R_INPUT, xsml_mul_sat(in_n, elem))) return "input ref shorter than batches x height x width x channels";
  const uint64_t f_n = xsml_mul_sat(xsml_mul_sat((uint64_t)d.filter_h, (uint64_t)d.filter_w), (uint64_t)d.out_c);
  if (!xsml_ref_holds(ref_bytes, R_FILTER, xsml_mul_sat(f_n, elem))) return "filter ref shorter than height x width x output channels";
  const uint64_t out_n =
      xsml_mul_sat(xsml_mul_sat((uint64_t)d.batches, (uint64_t)d.out_h), xsml_mul_sat((uint64_t)d.out_w, (uint64_t)d.out_c));
  if (!xsml_ref_holds(ref_bytes, R_OUTPUT, xsml_mul_sat(out_n, elem))) return "output ref shorter than batches x height x width x channels";
  return NULL;
}

static const char *check_f32(const int32_t *rec, const int32_t *ref_bytes) {
  return check_common(rec, ref_bytes, P_COUNT_F32, 4);
}

static const char *check_s8(const int32_t *rec, const int32_t *ref_bytes) {
  const char *error = check_common(rec, ref_bytes, P_COUNT_S8, 1);
  if (error) return error;
  const int32_t *p = xsml_params(rec);
  const int32_t out_c = p[P_OUT_C];
  if (xsml_param_words(rec) < P_COUNT_S8 + 2 * (int64_t)out_c) return "record too short for the per-channel multipliers and shifts";
  if (p[P_ACT_MIN] < -128 || p[P_ACT_MIN] > p[P_ACT_MAX] || p[P_ACT_MAX] > 127) return "activation range not within [-128, 127]";
  if (p[P_INPUT_OFFSET] < -255 || p[P_INPUT_OFFSET] > 255) return "input offset outside [-255, 255]";
  const int32_t *shift = p + P_PER_CHANNEL + out_c;
  for (int32_t o = 0; o < out_c; o++) {
    if (shift[o] < -31) return "a requantization shift below -31";
  }
  return NULL;
}

const xsml_kernel xsml_k_depthwise_conv_2d_f32 = {XSML_K_DEPTHWISE_CONV_2D_F32, "DEPTHWISE_CONV_2D_F32", eval_f32, check_f32};
const xsml_kernel xsml_k_depthwise_conv_2d_s8 = {XSML_K_DEPTHWISE_CONV_2D_S8, "DEPTHWISE_CONV_2D_S8", eval_s8, check_s8};
