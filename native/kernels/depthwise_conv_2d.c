/* DEPTHWISE_CONV_2D kernels (float32, int8) and their record decoders and checks. See depthwise_conv_2d.h. */
#include "depthwise_conv_2d.h"

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
  P_COUNT_S8 = 20 /* + 2 * out_c, then the layout word and its section */
};

/* The layout word after the shifts (src/ops/depthwise-conv-2d.ts): DW_PLAIN, or DW_ONE_CHANNEL and the widened filter. */
enum { DW_PLAIN = 0, DW_ONE_CHANNEL = 1, DW_ONE_CHANNEL_MAX_TAPS = 256 };

enum { R_INPUT = 0, R_FILTER = 1, R_BIAS = 2, R_OUTPUT = 3, R_COUNT = 4 };

void xsml_depthwise_conv_2d_f32(const xsml_dwconv_dims *d, const float *input, const float *filter, const float *bias,
                                xsml_act_f32 act, float *output) {
  const int32_t in_h = d->in_h, in_w = d->in_w, in_c = d->in_c, out_c = d->out_c, f_w = d->filter_w, mult = d->depth_multiplier;
#if defined(XSML_F32_VFP)
  /*
   * Eight output channels at a time, each tap one VLDM of their weights: with a depth multiplier of 1
   * their inputs are eight channels side by side, with a multiple of 8 one value.
   */
  static const float zeros[8];
  const int32_t blocks = mult == 1 || mult % 8 == 0 ? out_c / 8 : 0;
  xsml_f32_window win;
  win.x_step = d->dilation_w * in_c * 4, win.w_step = out_c * 4;
  win.flags = XSML_F32_BIAS | xsml_f32_bound_flags(act.min, act.max); /* + 0 without a bias, as the loop below */
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
        /* Output channels o = c * mult + m come out in order. */
        int32_t o = 0;
#if defined(XSML_F32_VFP)
        if (blocks > 0) {
          const int32_t y = y0 + d->dilation_h * ky_lo, x = x0 + d->dilation_w * kx_lo, taps = kx_hi - kx_lo;
          const float *in_px = in_b + ((size_t)y * (size_t)in_w + (size_t)x) * (size_t)in_c;
          const float *f_px = filter + ((size_t)ky_lo * (size_t)f_w + (size_t)kx_lo) * (size_t)out_c;
          win.taps = taps, win.rows = ky_hi - ky_lo;
          win.x_row = (d->dilation_h * in_w - d->dilation_w * taps) * in_c * 4, win.w_row = (f_w - taps) * out_c * 4;
          for (int32_t k = 0; k < blocks; k++, o += 8) {
            win.bias = bias ? bias + o : zeros, win.out = out + o;
            xsml_f32_window8(in_px + o / mult, f_px + o, mult == 1, &win, act.min, act.max);
          }
        }
#endif
        for (; o < out_c; o++) {
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
          out[o] = total < act.min ? act.min : total > act.max ? act.max : total;
        }
        out += out_c;
      }
    }
  }
}

/*
 * The int8 kernel takes four output channels at a time where they read four consecutive input
 * channels (depth multiplier 1: one word of input per tap) or one input channel (a multiple of 4:
 * one input value per tap against a word of filter; eight channels for a multiple of 8). With the DSP extension a word of filter or input
 * is widened into int16 lanes (__sxtb16, __sxtab16 adding the input offset) and each lane is
 * multiplied and accumulated on its own (__smlabb, __smlatt, __smlatb). Every sum wraps mod 2^32,
 * as the plain loops' do: the same bits in any order.
 */

/* Four accumulators that stay in registers. */
typedef struct {
  uint32_t a0, a1, a2, a3;
} acc4;

/* acc.a_i += filter[i] * (input[i] + offset), i = 0..3. */
static inline void mac_4x4(const int8_t *input, const int8_t *filter, int32_t offset, acc4 *acc) {
#if defined(__ARM_FEATURE_DSP)
  const int32_t iw = xsml_load_s8x4(input), fw = xsml_load_s8x4(filter), off2 = xsml_lanes_s16x2(offset);
  const int32_t ie = __sxtab16(off2, iw), io = xsml_sxtab16_odd(off2, iw);
  const int32_t fe = __sxtb16(fw), fo = xsml_sxtb16_odd(fw);
  acc->a0 = (uint32_t)__smlabb(ie, fe, (int32_t)acc->a0);
  acc->a1 = (uint32_t)__smlabb(io, fo, (int32_t)acc->a1);
  acc->a2 = (uint32_t)__smlatt(ie, fe, (int32_t)acc->a2);
  acc->a3 = (uint32_t)__smlatt(io, fo, (int32_t)acc->a3);
#else
  acc->a0 += (uint32_t)(filter[0] * (input[0] + offset));
  acc->a1 += (uint32_t)(filter[1] * (input[1] + offset));
  acc->a2 += (uint32_t)(filter[2] * (input[2] + offset));
  acc->a3 += (uint32_t)(filter[3] * (input[3] + offset));
#endif
}

/* acc.a_i += filter[i] * x, i = 0..3, for x = input + offset. */
static inline void mac_1x4(int32_t x, const int8_t *filter, acc4 *acc) {
#if defined(__ARM_FEATURE_DSP)
  const int32_t fw = xsml_load_s8x4(filter);
  const int32_t fe = __sxtb16(fw), fo = xsml_sxtb16_odd(fw);
  acc->a0 = (uint32_t)__smlabb(fe, x, (int32_t)acc->a0);
  acc->a1 = (uint32_t)__smlabb(fo, x, (int32_t)acc->a1);
  acc->a2 = (uint32_t)__smlatb(fe, x, (int32_t)acc->a2);
  acc->a3 = (uint32_t)__smlatb(fo, x, (int32_t)acc->a3);
#else
  acc->a0 += (uint32_t)(filter[0] * x);
  acc->a1 += (uint32_t)(filter[1] * x);
  acc->a2 += (uint32_t)(filter[2] * x);
  acc->a3 += (uint32_t)(filter[3] * x);
#endif
}

/* The four accumulators from bias[0..3], or 0. */
static inline acc4 acc4_from(const int32_t *bias) {
  acc4 acc = {0, 0, 0, 0};
  if (bias) acc.a0 = (uint32_t)bias[0], acc.a1 = (uint32_t)bias[1], acc.a2 = (uint32_t)bias[2], acc.a3 = (uint32_t)bias[3];
  return acc;
}

/* Requantizes four outputs of channels o..o+3. */
static inline void store4(const acc4 *acc, const int32_t *mul, const int32_t *shift, int32_t lo, int32_t hi, int32_t out_off, int8_t *out) {
  out[0] = xsml_conv_output_s8(acc->a0, mul[0], shift[0], lo, hi, out_off);
  out[1] = xsml_conv_output_s8(acc->a1, mul[1], shift[1], lo, hi, out_off);
  out[2] = xsml_conv_output_s8(acc->a2, mul[2], shift[2], lo, hi, out_off);
  out[3] = xsml_conv_output_s8(acc->a3, mul[3], shift[3], lo, hi, out_off);
}

/* store4 for channels that all requantize in one step (xsml_conv_quant_rs). */
static inline void store4_rs(const acc4 *acc, const int32_t *mul, const int32_t *shift, int32_t lo, int32_t hi, int32_t out_off, int8_t *out) {
  out[0] = xsml_conv_output_rs(acc->a0, mul[0], -shift[0] - 2, lo, hi, out_off);
  out[1] = xsml_conv_output_rs(acc->a1, mul[1], -shift[1] - 2, lo, hi, out_off);
  out[2] = xsml_conv_output_rs(acc->a2, mul[2], -shift[2] - 2, lo, hi, out_off);
  out[3] = xsml_conv_output_rs(acc->a3, mul[3], -shift[3] - 2, lo, hi, out_off);
}

/*
 * One input channel, output channels a multiple of 4 (micro_speech: 10x8 filter, multiplier 8):
 * each output pixel is a matrix product. The window is copied once per pixel into `patch` as int16
 * pairs with the input offset added (0 in the padding), in the order of the filter widened at prepare
 * (`wide`, see the layout in depthwise_conv_2d.h): two taps of one channel per __smlad.
 */
static inline int32_t pack_s16x2(int32_t lo, int32_t hi) { return (int32_t)(((uint32_t)lo & 0xffffu) | ((uint32_t)hi << 16)); }

#if defined(__ARM_FEATURE_DSP)
#define DW_SMLAD(a, b, acc) ((uint32_t)__smlad((a), (b), (int32_t)(acc)))
#else
static inline uint32_t dw_smlad(int32_t a, int32_t b, uint32_t acc) {
  return acc + (uint32_t)((int32_t)(int16_t)a * (int32_t)(int16_t)b) + (uint32_t)((a >> 16) * (b >> 16));
}
#define DW_SMLAD(a, b, acc) dw_smlad((a), (b), (acc))
#endif

/* acc.a_j += patch . wide channel j, over `groups` groups of 4 taps (8 words of `wide` per group). */
static void __attribute__((noinline)) dot_wide4(const int16_t *patch, const int32_t *wide, int32_t groups, acc4 *acc) {
  uint32_t a0 = acc->a0, a1 = acc->a1, a2 = acc->a2, a3 = acc->a3;
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  const int16_t *pp = patch;
  const int32_t *fp = wide;
  int32_t p0, p1, f0, f1;
  __asm__ volatile(
      "1:\n\t"
      "ldrd %[p0], %[p1], [%[pp]], #8\n\t"
      "ldrd %[f0], %[f1], [%[fp]], #8\n\t"
      "smlad %[a0], %[p0], %[f0], %[a0]\n\t"
      "smlad %[a0], %[p1], %[f1], %[a0]\n\t"
      "ldrd %[f0], %[f1], [%[fp]], #8\n\t"
      "smlad %[a1], %[p0], %[f0], %[a1]\n\t"
      "smlad %[a1], %[p1], %[f1], %[a1]\n\t"
      "ldrd %[f0], %[f1], [%[fp]], #8\n\t"
      "smlad %[a2], %[p0], %[f0], %[a2]\n\t"
      "smlad %[a2], %[p1], %[f1], %[a2]\n\t"
      "ldrd %[f0], %[f1], [%[fp]], #8\n\t"
      "smlad %[a3], %[p0], %[f0], %[a3]\n\t"
      "smlad %[a3], %[p1], %[f1], %[a3]\n\t"
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n\t"
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [pp] "+r"(pp), [fp] "+r"(fp), [n] "+r"(groups),
        [p0] "=&r"(p0), [p1] "=&r"(p1), [f0] "=&r"(f0), [f1] "=&r"(f1)
      :
      : "cc", "memory");
#else
  for (int32_t n = groups; n > 0; n--, patch += 4, wide += 8) {
    const int32_t p0 = pack_s16x2(patch[0], patch[1]), p1 = pack_s16x2(patch[2], patch[3]);
    a0 = DW_SMLAD(p0, wide[0], a0), a0 = DW_SMLAD(p1, wide[1], a0);
    a1 = DW_SMLAD(p0, wide[2], a1), a1 = DW_SMLAD(p1, wide[3], a1);
    a2 = DW_SMLAD(p0, wide[4], a2), a2 = DW_SMLAD(p1, wide[5], a2);
    a3 = DW_SMLAD(p0, wide[6], a3), a3 = DW_SMLAD(p1, wide[7], a3);
  }
#endif
  acc->a0 = a0, acc->a1 = a1, acc->a2 = a2, acc->a3 = a3;
}

/* The int16 slot of tap kx in its row of the patch: taps t0..t3 of a group as t0 t2 t1 t3. */
static inline int32_t patch_slot(int32_t kx) { return (kx & ~3) | ((kx & 1) << 1) | ((kx >> 1) & 1); }

static void depthwise_one_channel_s8(const xsml_dwconv_dims *d, const xsml_conv_quant_s8 *quant, const int8_t *input,
                                     const int32_t *wide, const int32_t *bias, int8_t *output) {
  const int32_t in_h = d->in_h, in_w = d->in_w, out_c = d->out_c, f_w = d->filter_w, f_h = d->filter_h, dil_w = d->dilation_w;
  const int32_t w4 = (f_w + 3) & ~3, groups = (f_h * w4) >> 2;
  const int32_t in_off = quant->input_offset, out_off = quant->output_offset;
  const int32_t lo = quant->act.min - out_off, hi = quant->act.max - out_off;
  const int32_t *mul = quant->multiplier, *shift = quant->shift;
  const int rows_fit_words = f_w == w4 && dil_w == 1;
#if defined(__ARM_FEATURE_DSP)
  const int32_t off2 = xsml_lanes_s16x2(in_off);
#endif
  /* 8-byte aligned for the word-pair loads. */
  union {
    int16_t h[DW_ONE_CHANNEL_MAX_TAPS];
    int64_t align;
  } patch;
  int8_t *out = output;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      for (int32_t ox = 0; ox < d->out_w; ox++, out += out_c) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        int32_t kx_lo, kx_hi;
        xsml_window_taps(x0, dil_w, f_w, in_w, &kx_lo, &kx_hi);
        const int row_inside = rows_fit_words && kx_lo == 0 && kx_hi == f_w;
        int16_t *pp = patch.h;
        for (int32_t ky = 0; ky < f_h; ky++, pp += w4) {
          const int32_t y = y0 + d->dilation_h * ky;
          if (y < 0 || y >= in_h) {
            memset(pp, 0, (size_t)w4 * sizeof(int16_t));
            continue;
          }
          const int8_t *row = in_b + (size_t)y * (size_t)in_w;
          if (row_inside) {
            row += x0;
            for (int32_t i = 0; i < w4; i += 4) {
#if defined(__ARM_FEATURE_DSP)
              const int32_t w = xsml_load_s8x4(row + i), e = __sxtab16(off2, w), o = xsml_sxtab16_odd(off2, w);
              memcpy(pp + i, &e, 4);
              memcpy(pp + i + 2, &o, 4);
#else
              pp[i] = (int16_t)(row[i] + in_off), pp[i + 1] = (int16_t)(row[i + 2] + in_off);
              pp[i + 2] = (int16_t)(row[i + 1] + in_off), pp[i + 3] = (int16_t)(row[i + 3] + in_off);
#endif
            }
          } else {
            memset(pp, 0, (size_t)w4 * sizeof(int16_t));
            for (int32_t kx = kx_lo; kx < kx_hi; kx++) pp[patch_slot(kx)] = (int16_t)(row[x0 + dil_w * kx] + in_off);
          }
        }
        const int32_t *fp = wide;
        for (int32_t o = 0; o < out_c; o += 4, fp += 8 * groups) {
          acc4 acc = acc4_from(bias ? bias + o : NULL);
          dot_wide4(patch.h, fp, groups, &acc);
          store4(&acc, mul + o, shift + o, lo, hi, out_off, out + o);
        }
      }
    }
  }
}

/*
 * Depth multiplier 1, 3x3 filter, dilation 1, channels a multiple of 4 (the MobileNet layers): `count`
 * output pixels of one row whose windows lie inside the input, `in_step` input bytes apart. Every
 * tap unrolled, four channels at a time.
 */
typedef struct {
  const int8_t *filter;
  const int32_t *bias, *mul, *shift;
  int32_t channels, row_step, in_off, lo, hi, out_off;
} dw3x3_run;

#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
/* mac_4x4 for the 9 taps of a 3x3 window, written out in 13 registers (GCC's allocation of the C spills). */
static void __attribute__((noinline)) dw3x3_taps(const int8_t *ip, const int8_t *fp, int32_t c, int32_t row_step, int32_t off2, acc4 *acc) {
  uint32_t a0 = acc->a0, a1 = acc->a1, a2 = acc->a2, a3 = acc->a3;
  const int8_t *i0 = ip, *f0 = fp;
  int32_t x, xe, f, fe;
#define DW_TAP(ADDR_I, ADDR_F)                  \
  "ldr %[x], " ADDR_I "\n\t"                   \
  "ldr %[f], " ADDR_F "\n\t"                   \
  "sxtab16 %[xe], %[off2], %[x]\n\t"           \
  "sxtab16 %[x], %[off2], %[x], ror #8\n\t"    \
  "sxtb16 %[fe], %[f]\n\t"                     \
  "sxtb16 %[f], %[f], ror #8\n\t"              \
  "smlabb %[a0], %[xe], %[fe], %[a0]\n\t"      \
  "smlatt %[a2], %[xe], %[fe], %[a2]\n\t"      \
  "smlabb %[a1], %[x], %[f], %[a1]\n\t"        \
  "smlatt %[a3], %[x], %[f], %[a3]\n\t"
#define DW_ROW                                                 \
  DW_TAP("[%[i0]]", "[%[f0]]")                                 \
  DW_TAP("[%[i0], %[c]]", "[%[f0], %[c]]")                     \
  DW_TAP("[%[i0], %[c], lsl #1]", "[%[f0], %[c], lsl #1]")
#define DW_NEXT_ROW                                            \
  "add %[i0], %[i0], %[rs]\n\t"                              \
  "add %[f0], %[f0], %[c], lsl #1\n\t"                       \
  "add %[f0], %[f0], %[c]\n\t"
  __asm__ volatile(DW_ROW DW_NEXT_ROW DW_ROW DW_NEXT_ROW DW_ROW
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [i0] "+r"(i0), [f0] "+r"(f0),
                     [x] "=&r"(x), [xe] "=&r"(xe), [f] "=&r"(f), [fe] "=&r"(fe)
                   : [c] "r"(c), [rs] "r"(row_step), [off2] "r"(off2)
                   : "memory");
#undef DW_ROW
#undef DW_NEXT_ROW
#undef DW_TAP
  acc->a0 = a0, acc->a1 = a1, acc->a2 = a2, acc->a3 = a3;
}
#endif

static inline __attribute__((always_inline)) void dw3x3_body(const dw3x3_run *r, const int8_t *in, int32_t count, int32_t in_step, int8_t *out,
                                                             const int rs) {
  const int32_t c = r->channels, row_step = r->row_step, in_off = r->in_off;
  for (; count > 0; count--, in += in_step, out += c) {
    const int8_t *ip = in, *fp = r->filter;
    for (int32_t o = 0; o < c; o += 4, ip += 4, fp += 4) {
      acc4 acc = acc4_from(r->bias ? r->bias + o : NULL);
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
      dw3x3_taps(ip, fp, c, row_step, xsml_lanes_s16x2(in_off), &acc);
#else
      const int8_t *i0 = ip, *f0 = fp;
      for (int32_t ky = 0; ky < 3; ky++, i0 += row_step, f0 += 3 * c) {
        mac_4x4(i0, f0, in_off, &acc);
        mac_4x4(i0 + c, f0 + c, in_off, &acc);
        mac_4x4(i0 + 2 * c, f0 + 2 * c, in_off, &acc);
      }
#endif
      if (rs) {
        store4_rs(&acc, r->mul + o, r->shift + o, r->lo, r->hi, r->out_off, out + o);
      } else {
        store4(&acc, r->mul + o, r->shift + o, r->lo, r->hi, r->out_off, out + o);
      }
    }
  }
}

/* dw3x3_body with the requantization chosen outside the loops. */
static void __attribute__((noinline)) dw3x3_s8_rs(const dw3x3_run *r, const int8_t *in, int32_t count, int32_t in_step, int8_t *out) {
  dw3x3_body(r, in, count, in_step, out, 1);
}

static void __attribute__((noinline)) dw3x3_s8(const dw3x3_run *r, const int8_t *in, int32_t count, int32_t in_step, int8_t *out) {
  dw3x3_body(r, in, count, in_step, out, 0);
}

void xsml_depthwise_conv_2d_s8(const xsml_dwconv_dims *d, const xsml_conv_quant_s8 *quant, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output) {
  const int32_t in_h = d->in_h, in_w = d->in_w, in_c = d->in_c, out_c = d->out_c, f_w = d->filter_w, mult = d->depth_multiplier;
  const int32_t in_off = quant->input_offset, out_off = quant->output_offset;
  const int32_t lo = quant->act.min - out_off, hi = quant->act.max - out_off;
  const int32_t *mul = quant->multiplier, *shift = quant->shift;
  /* Output channels [0, wide) go four at a time. */
  const int32_t wide = mult == 1 ? out_c & ~3 : mult % 4 == 0 ? out_c : 0;
  /* A multiple of 8: eight output channels per input value. */
  const int32_t wide8 = mult % 8 == 0 ? out_c : 0;
  const size_t row_step = (size_t)d->dilation_h * (size_t)in_w * (size_t)in_c, tap_step = (size_t)d->dilation_w * (size_t)in_c;
  const size_t f_row_step = (size_t)f_w * (size_t)out_c;
  const int fast3x3 = mult == 1 && d->filter_h == 3 && f_w == 3 && d->dilation_h == 1 && d->dilation_w == 1 && in_c % 4 == 0;
  const int rs = xsml_conv_quant_rs(quant, out_c);
  const dw3x3_run run = {filter, bias, mul, shift, in_c, in_w * in_c, in_off, lo, hi, out_off};
  int8_t *out = output;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)in_c;
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      int32_t ky_lo, ky_hi;
      xsml_window_taps(y0, d->dilation_h, d->filter_h, in_h, &ky_lo, &ky_hi);
      for (int32_t ox = 0; ox < d->out_w; ox++, out += out_c) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        int32_t kx_lo, kx_hi;
        xsml_window_taps(x0, d->dilation_w, f_w, in_w, &kx_lo, &kx_hi);
        const int32_t taps_w = kx_hi - kx_lo;
        /* The first tap inside the input, for input channel 0 and output channel 0. */
        const int8_t *in_first = in_b + ((size_t)(y0 + d->dilation_h * ky_lo) * (size_t)in_w + (size_t)(x0 + d->dilation_w * kx_lo)) * (size_t)in_c;
        const int8_t *f_first = filter + ((size_t)ky_lo * (size_t)f_w + (size_t)kx_lo) * (size_t)out_c;
        if (fast3x3 && ky_hi - ky_lo == 3 && taps_w == 3) {
          /* This pixel and the next ones whose windows lie inside the input. */
          int32_t n = 1;
          while (ox + n < d->out_w && (int64_t)x0 + (int64_t)n * d->stride_w + 2 < in_w) n++;
          (rs ? dw3x3_s8_rs : dw3x3_s8)(&run, in_first, n, d->stride_w * in_c, out);
          ox += n - 1, out += (size_t)(n - 1) * (size_t)out_c;
          continue;
        }
        int32_t o = 0;
        for (; o < wide8; o += 8) {
          acc4 lo4 = acc4_from(bias ? bias + o : NULL), hi4 = acc4_from(bias ? bias + o + 4 : NULL);
          const int8_t *in_row = in_first + o / mult, *f_row = f_first + o;
          for (int32_t ky = ky_lo; ky < ky_hi; ky++, in_row += row_step, f_row += f_row_step) {
            const int8_t *ip = in_row, *fp = f_row;
            for (int32_t n = taps_w; n > 0; n--, ip += tap_step, fp += out_c) {
              const int32_t x = *ip + in_off;
              mac_1x4(x, fp, &lo4);
              mac_1x4(x, fp + 4, &hi4);
            }
          }
          if (rs) {
            store4_rs(&lo4, mul + o, shift + o, lo, hi, out_off, out + o);
            store4_rs(&hi4, mul + o + 4, shift + o + 4, lo, hi, out_off, out + o + 4);
          } else {
            store4(&lo4, mul + o, shift + o, lo, hi, out_off, out + o);
            store4(&hi4, mul + o + 4, shift + o + 4, lo, hi, out_off, out + o + 4);
          }
        }
        for (; o < wide; o += 4) {
          acc4 acc = acc4_from(bias ? bias + o : NULL);
          const int8_t *in_row = in_first + o / mult, *f_row = f_first + o;
          for (int32_t ky = ky_lo; ky < ky_hi; ky++, in_row += row_step, f_row += f_row_step) {
            const int8_t *ip = in_row, *fp = f_row;
            if (mult == 1) {
              for (int32_t n = taps_w; n > 0; n--, ip += tap_step, fp += out_c) mac_4x4(ip, fp, in_off, &acc);
            } else {
              for (int32_t n = taps_w; n > 0; n--, ip += tap_step, fp += out_c) mac_1x4(*ip + in_off, fp, &acc);
            }
          }
          if (rs) {
            store4_rs(&acc, mul + o, shift + o, lo, hi, out_off, out + o);
          } else {
            store4(&acc, mul + o, shift + o, lo, hi, out_off, out + o);
          }
        }
        for (; o < out_c; o++) {
          uint32_t acc = bias ? (uint32_t)bias[o] : 0u; /* int32 that wraps, as the TypeScript `| 0` */
          const int8_t *in_row = in_first + o / mult, *f_row = f_first + o;
          for (int32_t ky = ky_lo; ky < ky_hi; ky++, in_row += row_step, f_row += f_row_step) {
            const int8_t *ip = in_row, *fp = f_row;
            for (int32_t n = taps_w; n > 0; n--, ip += tap_step, fp += out_c) acc += (uint32_t)(*fp * (*ip + in_off));
          }
          out[o] = xsml_conv_output_s8(acc, mul[o], shift[o], lo, hi, out_off);
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
  const int32_t *layout = p + P_PER_CHANNEL + 2 * d.out_c;
  if (layout[0] == DW_ONE_CHANNEL) {
    depthwise_one_channel_s8(&d, &quant, (const int8_t *)xsml_tensor(rec, R_INPUT, mem), layout + 1,
                             (const int32_t *)xsml_tensor(rec, R_BIAS, mem), (int8_t *)xsml_tensor(rec, R_OUTPUT, mem));
    return;
  }
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
  if (xsml_param_words(rec) < P_COUNT_S8 + 2 * (int64_t)out_c + 1) return "record too short for the per-channel multipliers and shifts and the layout word";
  const int32_t layout = p[P_PER_CHANNEL + 2 * out_c];
  if (layout == DW_ONE_CHANNEL) {
    const int64_t taps = (int64_t)p[P_FILTER_H] * (((int64_t)p[P_FILTER_W] + 3) & ~(int64_t)3);
    if (p[P_IN_C] != 1 || out_c % 4 != 0 || taps > DW_ONE_CHANNEL_MAX_TAPS) {
      return "one-channel layout needs one input channel, output channels a multiple of 4 and at most 256 taps";
    }
    if (xsml_param_words(rec) < P_COUNT_S8 + 2 * (int64_t)out_c + 1 + (int64_t)out_c * taps / 2) return "record too short for the widened filter";
  } else if (layout != DW_PLAIN) {
    return "unknown layout word";
  }
  if (p[P_ACT_MIN] < -128 || p[P_ACT_MIN] > p[P_ACT_MAX] || p[P_ACT_MAX] > 127) return "activation range not within [-128, 127]";
  if (p[P_INPUT_OFFSET] < -255 || p[P_INPUT_OFFSET] > 255) return "input offset outside [-255, 255]";
  if (p[P_OUTPUT_OFFSET] < -128 || p[P_OUTPUT_OFFSET] > 127) return "output offset outside [-128, 127]";
  const int32_t *shift = p + P_PER_CHANNEL + out_c;
  for (int32_t o = 0; o < out_c; o++) {
    if (shift[o] < -31) return "a requantization shift below -31";
  }
  return NULL;
}

const xsml_kernel xsml_k_depthwise_conv_2d_f32 = {XSML_K_DEPTHWISE_CONV_2D_F32, "DEPTHWISE_CONV_2D_F32", eval_f32, check_f32};
const xsml_kernel xsml_k_depthwise_conv_2d_s8 = {XSML_K_DEPTHWISE_CONV_2D_S8, "DEPTHWISE_CONV_2D_S8", eval_s8, check_s8};
