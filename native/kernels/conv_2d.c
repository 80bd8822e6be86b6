/* CONV_2D kernels (float32, int8, hybrid) and their record decoders and checks. See conv_2d.h. */
#include "conv_2d.h"

#include <string.h>

#include "dsp/basic_math_functions.h"
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
  /* One group and no dilation across a row: a filter row meets a contiguous stretch of the input. */
  const int rows_contiguous = f_c == in_c && d->dilation_w == 1;
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
        const int whole_rows = rows_contiguous && kx_lo == 0 && kx_hi == f_w;
        for (int32_t o = 0; o < out_c; o++) {
          const float *in_g = in_b + (size_t)(o / per_group) * (size_t)f_c;
          const float *f_o = filter + (size_t)o * filter_size;
          float total = 0.0f;
          for (int32_t ky = ky_lo; ky < ky_hi; ky++) {
            const int32_t y = y0 + d->dilation_h * ky;
            const float *f_row = f_o + (size_t)ky * row_run;
            float run;
            if (whole_rows) {
              arm_dot_prod_f32(in_g + ((size_t)y * (size_t)in_w + (size_t)x0) * (size_t)in_c, f_row, (uint32_t)row_run, &run);
              total = total + run;
              continue;
            }
            for (int32_t kx = kx_lo; kx < kx_hi; kx++) {
              const int32_t x = x0 + d->dilation_w * kx;
              arm_dot_prod_f32(in_g + ((size_t)y * (size_t)in_w + (size_t)x) * (size_t)in_c, f_row + (size_t)kx * (size_t)f_c,
                               (uint32_t)f_c, &run);
              total = total + run;
            }
          }
          total = total + (bias ? bias[o] : 0.0f);
          *out++ = total < act.min ? act.min : total > act.max ? act.max : total;
        }
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
 * One group: a matrix product of the filter (out_c rows of k = filter_h x filter_w x filter_c int8
 * values in (ky, kx, c) order) and the columns of the output pixels (each pixel's window in that
 * order), BLOCK pixels at a time. A block's columns are widened once into `scratch` as int16 lanes,
 * with the input offset added: chunk j (values 4j..4j+3) holds, for the block's pixel q, the words
 * (v[4j], v[4j+2]) and (v[4j+1], v[4j+3]) at words 8j + 2q and 8j + 2q + 1, the lanes that
 * xsml_s16x2_widen_even/_odd make of a filter word, so that one __smlad adds two products. Taps in
 * the padding widen to 0, and so do the values past k in the last chunk. Then each filter row runs
 * over the block's columns: one filter word serves four pixels.
 *
 * Pixels go in ascending order, and for a 1x1 filter with stride 1 and out_c > in_c in descending
 * order; a block's columns are read before any of its outputs is written. So the output of a 1x1
 * convolution with stride 1 may start at its input's address (src/ops/conv-2d.ts): the bytes a
 * block writes only cover input pixels already read.
 */
enum { BLOCK = 4 };

static inline uint64_t round4(uint64_t k) { return (k + 3u) & ~(uint64_t)3u; }

/* The block's columns: where they come from and where they go. */
typedef struct {
  const xsml_conv_dims *d;
  const int8_t *input;
  int32_t off2;   /* the input offset in both lanes */
  int8_t pad;     /* the input zero point: the int8 value that widens to 0 */
  int32_t words;  /* chunks of a column: round4(k) / 4 */
  int pointwise;  /* 1x1 filter, stride 1, no padding: output pixel p reads input pixel p */
  int32_t *cols;  /* BLOCK widened columns, 8 * words words */
  int8_t *gather; /* in_c not a multiple of 4: one int8 column of 4 * words bytes; else NULL */
} conv_columns;

/* Widens n words of int8 values from src into one pixel's lanes of n chunks from dst. */
static void widen_run(int32_t *dst, const int8_t *src, int32_t n, int32_t off2) {
  for (; n > 0; n--, src += 4, dst += 8) {
    const int32_t w = xsml_load_word(src);
    dst[0] = xsml_s16x2_widen_even(off2, w);
    dst[1] = xsml_s16x2_widen_odd(off2, w);
  }
}

static void zero_run(int32_t *dst, int32_t n) {
  for (; n > 0; n--, dst += 8) dst[0] = dst[1] = 0;
}

/* The int8 window of an output pixel into c->gather, taps in the padding and the rest of the last word set to c->pad. */
static void gather_column(const conv_columns *c, const int8_t *in_b, int32_t y0, int32_t x0) {
  const xsml_conv_dims *d = c->d;
  const int32_t in_h = d->in_h, in_w = d->in_w, in_c = d->in_c, f_w = d->filter_w;
  const size_t row_bytes = (size_t)f_w * (size_t)in_c;
  int32_t kx_lo, kx_hi;
  xsml_window_taps(x0, d->dilation_w, f_w, in_w, &kx_lo, &kx_hi);
  int8_t *col = c->gather;
  for (int32_t ky = 0; ky < d->filter_h; ky++, col += row_bytes) {
    const int32_t y = y0 + d->dilation_h * ky;
    if (y < 0 || y >= in_h || kx_lo == kx_hi) {
      memset(col, c->pad, row_bytes);
      continue;
    }
    memset(col, c->pad, (size_t)kx_lo * (size_t)in_c);
    const int8_t *row = in_b + (size_t)y * (size_t)in_w * (size_t)in_c;
    if (d->dilation_w == 1) {
      memcpy(col + (size_t)kx_lo * (size_t)in_c, row + (size_t)(x0 + kx_lo) * (size_t)in_c, (size_t)(kx_hi - kx_lo) * (size_t)in_c);
    } else {
      for (int32_t kx = kx_lo; kx < kx_hi; kx++) {
        memcpy(col + (size_t)kx * (size_t)in_c, row + (size_t)(x0 + d->dilation_w * kx) * (size_t)in_c, (size_t)in_c);
      }
    }
    memset(col + (size_t)kx_hi * (size_t)in_c, c->pad, (size_t)(f_w - kx_hi) * (size_t)in_c);
  }
  memset(col, c->pad, (size_t)(4 * c->words) - (size_t)(col - c->gather));
}

/* Widens output pixel `pixel`'s column into the block's column q. */
static void pixel_column(const conv_columns *c, int32_t pixel, int32_t q) {
  const xsml_conv_dims *d = c->d;
  const int32_t in_h = d->in_h, in_w = d->in_w, in_c = d->in_c, f_w = d->filter_w;
  int32_t *dst = c->cols + 2 * q;
  if (c->pointwise) {
    const int8_t *src = c->input + (size_t)pixel * (size_t)in_c;
    if (c->gather) {
      memcpy(c->gather, src, (size_t)in_c);
      memset(c->gather + in_c, c->pad, (size_t)(4 * c->words - in_c));
      src = c->gather;
    }
    widen_run(dst, src, c->words, c->off2);
    return;
  }
  const int32_t per_image = d->out_h * d->out_w, b = pixel / per_image, rest = pixel - b * per_image;
  const int32_t oy = rest / d->out_w, ox = rest - oy * d->out_w;
  const int8_t *in_b = c->input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)in_c;
  const int32_t y0 = oy * d->stride_h - d->pad_h, x0 = ox * d->stride_w - d->pad_w;
  if (c->gather) {
    gather_column(c, in_b, y0, x0);
    widen_run(dst, c->gather, c->words, c->off2);
    return;
  }
  /* in_c a multiple of 4: each tap is in_c / 4 whole chunks. */
  const int32_t tap = in_c >> 2, row_words = f_w * tap;
  int32_t kx_lo, kx_hi;
  xsml_window_taps(x0, d->dilation_w, f_w, in_w, &kx_lo, &kx_hi);
  for (int32_t ky = 0; ky < d->filter_h; ky++, dst += 8 * row_words) {
    const int32_t y = y0 + d->dilation_h * ky;
    if (y < 0 || y >= in_h || kx_lo == kx_hi) {
      zero_run(dst, row_words);
      continue;
    }
    const int8_t *row = in_b + (size_t)y * (size_t)in_w * (size_t)in_c;
    zero_run(dst, kx_lo * tap);
    if (d->dilation_w == 1) {
      widen_run(dst + 8 * kx_lo * tap, row + (size_t)(x0 + kx_lo) * (size_t)in_c, (kx_hi - kx_lo) * tap, c->off2);
    } else {
      for (int32_t kx = kx_lo; kx < kx_hi; kx++) {
        widen_run(dst + 8 * kx * tap, row + (size_t)(x0 + d->dilation_w * kx) * (size_t)in_c, tap, c->off2);
      }
    }
    zero_run(dst + 8 * kx_hi * tap, (f_w - kx_hi) * tap);
  }
}

/* The filter rows and the requantization of every output channel. */
typedef struct {
  const int8_t *filter;
  const int32_t *bias; /* or NULL */
  const int32_t *mult, *shift;
  int32_t out_c, k;
  int32_t out_off, act_min, act_max;
} conv_rows;

/*
 * acc[q] += the filter row . column q over `chunks` chunks; *rowp advances by 4 * chunks. With the DSP
 * extension written out: the columns' words come in four at a time (LDM, hence fixed registers).
 */
static inline void dot_rows_1x4(const int8_t **rowp, const int32_t *col, int32_t chunks, uint32_t acc[4]) {
  uint32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const int8_t *row = *rowp;
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  if (chunks > 0) {
    register int32_t c0 __asm__("r8"), c1 __asm__("r9"), c2 __asm__("r10"), c3 __asm__("r11");
    int32_t w, t;
#define XSML_CHUNK                                       \
  "ldr %[w], [%[row]], #4\n\t"                           \
  "ldm %[col]!, {%[c0], %[c1], %[c2], %[c3]}\n\t"        \
  "sxtb16 %[t], %[w]\n\t"                                \
  "sxtb16 %[w], %[w], ror #8\n\t"                        \
  "smlad %[a0], %[t], %[c0], %[a0]\n\t"                  \
  "smlad %[a0], %[w], %[c1], %[a0]\n\t"                  \
  "smlad %[a1], %[t], %[c2], %[a1]\n\t"                  \
  "smlad %[a1], %[w], %[c3], %[a1]\n\t"                  \
  "ldm %[col]!, {%[c0], %[c1], %[c2], %[c3]}\n\t"        \
  "smlad %[a2], %[t], %[c0], %[a2]\n\t"                  \
  "smlad %[a2], %[w], %[c1], %[a2]\n\t"                  \
  "smlad %[a3], %[t], %[c2], %[a3]\n\t"                  \
  "smlad %[a3], %[w], %[c3], %[a3]\n\t"
    __asm__ volatile(
        "tst %[n], #1\n\t"
        "beq 2f\n\t" XSML_CHUNK
        "2:\n\t"
        "lsrs %[n], %[n], #1\n\t"
        "beq 3f\n"
        "1:\n\t" XSML_CHUNK XSML_CHUNK
        "subs %[n], %[n], #1\n\t"
        "bne 1b\n"
        "3:\n\t"
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [row] "+r"(row), [col] "+r"(col), [n] "+r"(chunks),
          [w] "=&r"(w), [t] "=&r"(t), [c0] "=&r"(c0), [c1] "=&r"(c1), [c2] "=&r"(c2), [c3] "=&r"(c3)
        :
        : "cc", "memory");
#undef XSML_CHUNK
  }
#else
  for (; chunks > 0; chunks--, row += 4, col += 8) {
    const int32_t w = xsml_load_word(row), even = xsml_s16x2_widen_even(0, w), odd = xsml_s16x2_widen_odd(0, w);
    a0 = xsml_s16x2_smlad(odd, col[1], xsml_s16x2_smlad(even, col[0], a0));
    a1 = xsml_s16x2_smlad(odd, col[3], xsml_s16x2_smlad(even, col[2], a1));
    a2 = xsml_s16x2_smlad(odd, col[5], xsml_s16x2_smlad(even, col[4], a2));
    a3 = xsml_s16x2_smlad(odd, col[7], xsml_s16x2_smlad(even, col[6], a3));
  }
#endif
  *rowp = row;
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}

/*
 * xsml_mbqm_double(x, m, shift) + output_offset for m >= 0 and -23 <= shift <= -2, given rs1 = -shift - 1
 * and h = 2^(rs1 - 1) + output_offset * 2^rs1: floor((x * m + (x < 0 ? -2^30 : 2^30) + h * 2^32) / 2^(32 + rs1)),
 * xsml_mbqm_rs's value with the rounding half and the offset added to the high word before the shift
 * (exact: |x * m| < 2^62 and |h| < 2^29, so the high word stays within int32).
 */
static inline int32_t requantize_high(int32_t x, int32_t m, int32_t h, int32_t rs1) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  int32_t lo = (int32_t)(((uint32_t)x & 0x80000000u) | 0x40000000u), hi = h + (x >> 31);
  __asm__("smlal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"(x), "r"(m));
  return hi >> rs1;
#else
  const int64_t p = (int64_t)x * m + (x < 0 ? -((int64_t)1 << 30) : ((int64_t)1 << 30)) + (int64_t)h * ((int64_t)1 << 32);
  return (int32_t)(p >> 32) >> rs1;
#endif
}

static inline int8_t clamp_s8(int32_t v, int32_t lo, int32_t hi) { return (int8_t)(v < lo ? lo : v > hi ? hi : v); }

/* 1 if every channel requantizes with requantize_high. */
static int conv_rows_fast(const conv_rows *r) {
  for (int32_t o = 0; o < r->out_c; o++) {
    if (r->mult[o] < 0 || r->shift[o] < -23 || r->shift[o] > -2) return 0;
  }
  return 1;
}

enum { REQUANT_FAST_INT8 = 0, REQUANT_FAST = 1, REQUANT_ANY = 2 };

/*
 * Every output channel of a block: out[0], out[s1], out[s2], out[s3] get its outputs for columns 0..3.
 * mode: REQUANT_FAST_INT8 (requantize_high, activation range [-128, 127]), REQUANT_FAST
 * (requantize_high, any range), REQUANT_ANY (xsml_conv_output_s8).
 */
static inline void conv_rows_run(const conv_rows *r, const int32_t *cols, int8_t *out, int32_t s1, int32_t s2, int32_t s3, int mode) {
  const int8_t *row = r->filter;
  const int32_t chunks = r->k >> 2, tail = r->k & 3, out_c = r->out_c, out_off = r->out_off;
  const int32_t amin = r->act_min, amax = r->act_max;
  for (int32_t o = 0; o < out_c; o++, out++) {
    const uint32_t b = r->bias ? (uint32_t)r->bias[o] : 0u;
    uint32_t acc[4] = {b, b, b, b};
    dot_rows_1x4(&row, cols, chunks, acc);
    if (tail) {
      /* The last 1..3 values of the row in the low bytes of a word, zeros above. */
      int32_t w = 0;
      if (r->k >= 4) {
        w = (int32_t)((uint32_t)xsml_load_word(row + tail - 4) >> (32 - 8 * tail));
      } else {
        for (int32_t i = 0; i < tail; i++) w |= (int32_t)((uint32_t)(uint8_t)row[i] << (8 * i));
      }
      row += tail;
      const int32_t *tc = cols + 8 * chunks, even = xsml_s16x2_widen_even(0, w), odd = xsml_s16x2_widen_odd(0, w);
      acc[0] = xsml_s16x2_smlad(odd, tc[1], xsml_s16x2_smlad(even, tc[0], acc[0]));
      acc[1] = xsml_s16x2_smlad(odd, tc[3], xsml_s16x2_smlad(even, tc[2], acc[1]));
      acc[2] = xsml_s16x2_smlad(odd, tc[5], xsml_s16x2_smlad(even, tc[4], acc[2]));
      acc[3] = xsml_s16x2_smlad(odd, tc[7], xsml_s16x2_smlad(even, tc[6], acc[3]));
    }
    const int32_t m = r->mult[o], shift = r->shift[o];
    if (mode == REQUANT_ANY) {
      const int32_t lo = amin - out_off, hi = amax - out_off;
      out[0] = xsml_conv_output_s8(acc[0], m, shift, lo, hi, out_off);
      out[s1] = xsml_conv_output_s8(acc[1], m, shift, lo, hi, out_off);
      out[s2] = xsml_conv_output_s8(acc[2], m, shift, lo, hi, out_off);
      out[s3] = xsml_conv_output_s8(acc[3], m, shift, lo, hi, out_off);
      continue;
    }
    const int32_t rs1 = -shift - 1, h = (int32_t)((1u << (rs1 - 1)) + ((uint32_t)out_off << rs1));
    const int32_t v0 = requantize_high((int32_t)acc[0], m, h, rs1), v1 = requantize_high((int32_t)acc[1], m, h, rs1);
    const int32_t v2 = requantize_high((int32_t)acc[2], m, h, rs1), v3 = requantize_high((int32_t)acc[3], m, h, rs1);
    if (mode == REQUANT_FAST_INT8) {
#if defined(__ARM_FEATURE_SAT)
      out[0] = (int8_t)__ssat(v0, 8), out[s1] = (int8_t)__ssat(v1, 8), out[s2] = (int8_t)__ssat(v2, 8), out[s3] = (int8_t)__ssat(v3, 8);
#else
      out[0] = clamp_s8(v0, -128, 127), out[s1] = clamp_s8(v1, -128, 127), out[s2] = clamp_s8(v2, -128, 127), out[s3] = clamp_s8(v3, -128, 127);
#endif
    } else {
      out[0] = clamp_s8(v0, amin, amax), out[s1] = clamp_s8(v1, amin, amax), out[s2] = clamp_s8(v2, amin, amax), out[s3] = clamp_s8(v3, amin, amax);
    }
  }
}

static void __attribute__((noinline)) conv_rows_fast_int8(const conv_rows *r, const int32_t *cols, int8_t *out, int32_t s1, int32_t s2, int32_t s3) {
  conv_rows_run(r, cols, out, s1, s2, s3, REQUANT_FAST_INT8);
}
static void __attribute__((noinline)) conv_rows_fast_clamp(const conv_rows *r, const int32_t *cols, int8_t *out, int32_t s1, int32_t s2, int32_t s3) {
  conv_rows_run(r, cols, out, s1, s2, s3, REQUANT_FAST);
}
static void __attribute__((noinline)) conv_rows_any(const conv_rows *r, const int32_t *cols, int8_t *out, int32_t s1, int32_t s2, int32_t s3) {
  conv_rows_run(r, cols, out, s1, s2, s3, REQUANT_ANY);
}

static void conv_s8_blocks(const xsml_conv_dims *d, const xsml_conv_quant_s8 *quant, const int8_t *input, const int8_t *filter,
                           const int32_t *bias, int8_t *output, void *scratch) {
  const int32_t k = d->filter_h * d->filter_w * d->filter_c, out_c = d->out_c;
  const int32_t words = (int32_t)(round4((uint64_t)k) >> 2);
  conv_columns c = {d, input, xsml_s16x2_splat(quant->input_offset), (int8_t)-quant->input_offset, words, 0, (int32_t *)scratch, NULL};
  c.pointwise = d->filter_h == 1 && d->filter_w == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_h == 0 && d->pad_w == 0 &&
                d->out_h == d->in_h && d->out_w == d->in_w;
  if (d->in_c & 3) c.gather = (int8_t *)scratch + (size_t)32 * (size_t)words;
  const conv_rows r = {filter, bias, quant->multiplier, quant->shift, out_c, k, quant->output_offset, quant->act.min, quant->act.max};
  void (*run)(const conv_rows *, const int32_t *, int8_t *, int32_t, int32_t, int32_t) =
      !conv_rows_fast(&r) ? conv_rows_any : quant->act.min == -128 && quant->act.max == 127 ? conv_rows_fast_int8 : conv_rows_fast_clamp;
  const int32_t pixels = d->batches * d->out_h * d->out_w;
  const int descending = c.pointwise && out_c > d->in_c;
  for (int32_t done = 0; done < pixels;) {
    const int32_t n = pixels - done < BLOCK ? pixels - done : BLOCK;
    const int32_t p = descending ? pixels - done - n : done;
    /* A block of n < BLOCK pixels repeats its last one: the same column, the same outputs to the same place. */
    for (int32_t q = 0; q < BLOCK; q++) pixel_column(&c, p + (q < n ? q : n - 1), q);
    const int32_t s1 = (n > 1 ? 1 : n - 1) * out_c, s2 = (n > 2 ? 2 : n - 1) * out_c, s3 = (n > 3 ? 3 : n - 1) * out_c;
    run(&r, c.cols, output + (size_t)p * (size_t)out_c, s1, s2, s3);
    done += n;
  }
}

void xsml_conv_2d_s8(const xsml_conv_dims *d, const xsml_conv_quant_s8 *quant, const int8_t *input,
                     const int8_t *filter, const int32_t *bias, int8_t *output, void *scratch) {
  /* Gathered int8 columns pad with the input zero point, which must then be an int8 value. */
  if (d->filter_c == d->in_c && (!(d->in_c & 3) || (quant->input_offset >= -127 && quant->input_offset <= 128))) {
    conv_s8_blocks(d, quant, input, filter, bias, output, scratch);
  } else {
    conv_s8_direct(d, quant, input, filter, bias, output);
  }
}

uint64_t xsml_conv_2d_s8_get_buffer_size(const xsml_conv_dims *d) {
  if (d->filter_c != d->in_c) return 0;
  const uint64_t k = round4((uint64_t)d->filter_h * (uint64_t)d->filter_w * (uint64_t)d->filter_c);
  return 8u * k + (d->in_c & 3 ? k : 0);
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
  if (!xsml_ref_aligned(rec, R_SCRATCH, 4)) return "scratch ref not 4-byte aligned";
  const xsml_conv_dims d = dims_of(p);
  if (!xsml_ref_holds(ref_bytes, R_SCRATCH, xsml_conv_2d_s8_get_buffer_size(&d))) return "scratch ref shorter than four widened im2col columns";
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
