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
  P_COUNT_S8 = 21,    /* + out_c multipliers + (out_c + 3) / 4 words of int8 shifts */
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
 * One group: a matrix product of the filter (out_c rows of k = filter_h x filter_w x filter_c int8
 * values in (ky, kx, c) order) and the columns of the output pixels (each pixel's window in that
 * order), BLOCK pixels at a time. A block's columns are widened once into `scratch` as int16 lanes,
 * with the input offset added (and doubled, see conv_rows): chunk j (values 4j..4j+3) holds, for the
 * block's pixel q, the words (v[4j], v[4j+2]) and (v[4j+1], v[4j+3]) at words CHUNK_WORDS j + 2q and
 * CHUNK_WORDS j + 2q + 1, the lanes that xsml_s16x2_widen_even/_odd make of a filter word, so that one
 * __smlad adds two products. Taps in the padding widen to 0, and so do the values past k in the last
 * chunk. Then each filter row runs over the block's columns: one filter word serves six pixels.
 *
 * Pixels go in ascending order, and for a 1x1 filter with stride 1 and out_c > in_c in descending
 * order; a block's columns are read before any of its outputs is written. So the output of a 1x1
 * convolution with stride 1 may start at its input's address (src/ops/conv-2d.ts): the bytes a
 * block writes only cover input pixels already read.
 */
#define XSML_BLOCK 6 /* for the assembler too */
#define XSML_STR2(x) #x
#define XSML_STR(x) XSML_STR2(x)
enum { BLOCK = XSML_BLOCK, CHUNK_WORDS = 2 * BLOCK };

static inline uint64_t round4(uint64_t k) { return (k + 3u) & ~(uint64_t)3u; }

/* The block's columns: where they come from and where they go. */
typedef struct {
  const xsml_conv_dims *d;
  const int8_t *input;
  int32_t off2;   /* the input offset in both lanes */
  int8_t pad;     /* the input zero point: the int8 value that widens to 0 */
  int doubled;    /* lanes hold 2 (v + offset) */
  int32_t words;  /* chunks of a column: round4(k) / 4 */
  int pointwise;  /* 1x1 filter, stride 1, no padding: output pixel p reads input pixel p */
  int32_t *cols;  /* BLOCK widened columns, CHUNK_WORDS * words words */
  int8_t *gather; /* in_c not a multiple of 4: one int8 column of 4 * words bytes, its bytes past k the pad; else NULL */
  /* Windows inside the input, dilation_w 1: y0 in [0, y_max], x0 in [0, x_max]; each filter row a run of row_bytes. */
  int32_t y_max, x_max;
  size_t row_bytes, row_step;
} conv_columns;

/* Both lanes doubled. */
static inline int32_t s16x2_double(int32_t x) {
#if defined(__ARM_FEATURE_DSP)
  return __sadd16(x, x);
#else
  return xsml_s16x2_pack(2 * xsml_s16x2_lo(x), 2 * xsml_s16x2_hi(x));
#endif
}

/* Widens n words of int8 values from src into one pixel's lanes of n chunks from dst. */
static void widen_run(const conv_columns *c, int32_t *dst, const int8_t *src, int32_t n) {
  const int32_t off2 = c->off2;
  if (c->doubled) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
    /* Written out: GCC does not post-increment the STRD. Two words a pass. */
    if (n > 0) {
      int32_t w, e;
#define XSML_WIDEN                                  \
  "ldr %[w], [%[src]], #4\n\t"                      \
  "sxtab16 %[e], %[off2], %[w]\n\t"                 \
  "sxtab16 %[w], %[off2], %[w], ror #8\n\t"         \
  "sadd16 %[e], %[e], %[e]\n\t"                     \
  "sadd16 %[w], %[w], %[w]\n\t"                     \
  "strd %[e], %[w], [%[dst]], #" XSML_STR(XSML_BLOCK) "*8\n\t"
      __asm__ volatile(
          "tst %[n], #1\n\t"
          "beq 2f\n\t" XSML_WIDEN
          "2:\n\t"
          "lsrs %[n], %[n], #1\n\t"
          "beq 3f\n"
          "1:\n\t" XSML_WIDEN XSML_WIDEN
          "subs %[n], %[n], #1\n\t"
          "bne 1b\n"
          "3:\n\t"
          : [src] "+r"(src), [dst] "+r"(dst), [n] "+r"(n), [w] "=&r"(w), [e] "=&r"(e)
          : [off2] "r"(off2)
          : "cc", "memory");
#undef XSML_WIDEN
    }
#else
    for (; n > 0; n--, src += 4, dst += CHUNK_WORDS) {
      const int32_t w = xsml_load_word(src);
      dst[0] = s16x2_double(xsml_s16x2_widen_even(off2, w));
      dst[1] = s16x2_double(xsml_s16x2_widen_odd(off2, w));
    }
#endif
    return;
  }
  for (; n > 0; n--, src += 4, dst += CHUNK_WORDS) {
    const int32_t w = xsml_load_word(src);
    dst[0] = xsml_s16x2_widen_even(off2, w);
    dst[1] = xsml_s16x2_widen_odd(off2, w);
  }
}

static void zero_run(int32_t *dst, int32_t n) {
  for (; n > 0; n--, dst += CHUNK_WORDS) dst[0] = dst[1] = 0;
}

/* n bytes from src to dst, and n copies of v: short runs, without a library call. */
static inline void copy_run(int8_t *dst, const int8_t *src, size_t n) {
  for (; n >= 4; n -= 4, dst += 4, src += 4) {
    const int32_t w = xsml_load_word(src);
    memcpy(dst, &w, 4);
  }
  if (n & 2) dst[0] = src[0], dst[1] = src[1], dst += 2, src += 2;
  if (n & 1) dst[0] = src[0];
}

static inline void fill_run(int8_t *dst, int8_t v, size_t n) {
  const uint32_t w = 0x01010101u * (uint8_t)v;
  for (; n >= 4; n -= 4, dst += 4) memcpy(dst, &w, 4);
  if (n & 2) dst[0] = v, dst[1] = v, dst += 2;
  if (n & 1) dst[0] = v;
}

/* The int8 window of an output pixel into c->gather, taps in the padding set to c->pad. */
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
      fill_run(col, c->pad, row_bytes);
      continue;
    }
    fill_run(col, c->pad, (size_t)kx_lo * (size_t)in_c);
    const int8_t *row = in_b + (size_t)y * (size_t)in_w * (size_t)in_c;
    if (d->dilation_w == 1) {
      copy_run(col + (size_t)kx_lo * (size_t)in_c, row + (size_t)(x0 + kx_lo) * (size_t)in_c, (size_t)(kx_hi - kx_lo) * (size_t)in_c);
    } else {
      for (int32_t kx = kx_lo; kx < kx_hi; kx++) {
        copy_run(col + (size_t)kx * (size_t)in_c, row + (size_t)(x0 + d->dilation_w * kx) * (size_t)in_c, (size_t)in_c);
      }
    }
    fill_run(col + (size_t)kx_hi * (size_t)in_c, c->pad, (size_t)(f_w - kx_hi) * (size_t)in_c);
  }
}

/* Widens the column of the output pixel whose window starts at (y0, x0) of image in_b into the block's column q. */
static void pixel_column(const conv_columns *c, const int8_t *in_b, int32_t y0, int32_t x0, int32_t q) {
  const xsml_conv_dims *d = c->d;
  int32_t *dst = c->cols + 2 * q;
  if (y0 >= 0 && y0 <= c->y_max && x0 >= 0 && x0 <= c->x_max) {
    /* The window inside the input: each filter row is a run of the input. */
    const int8_t *row = in_b + ((size_t)y0 * (size_t)d->in_w + (size_t)x0) * (size_t)d->in_c;
    const int32_t f_h = d->filter_h;
    if (!c->gather) {
      const int32_t row_words = (int32_t)(c->row_bytes >> 2);
      for (int32_t ky = 0; ky < f_h; ky++, row += c->row_step, dst += CHUNK_WORDS * row_words) widen_run(c, dst, row, row_words);
      return;
    }
    int8_t *col = c->gather;
    for (int32_t ky = 0; ky < f_h; ky++, row += c->row_step, col += c->row_bytes) copy_run(col, row, c->row_bytes);
    widen_run(c, dst, c->gather, c->words);
    return;
  }
  const int32_t in_h = d->in_h, in_w = d->in_w, in_c = d->in_c, f_h = d->filter_h, f_w = d->filter_w;
  if (c->gather) {
    gather_column(c, in_b, y0, x0);
    widen_run(c, dst, c->gather, c->words);
    return;
  }
  /* in_c a multiple of 4: each tap is in_c / 4 whole chunks. */
  const int32_t tap = in_c >> 2, row_words = f_w * tap;
  int32_t kx_lo, kx_hi;
  xsml_window_taps(x0, d->dilation_w, f_w, in_w, &kx_lo, &kx_hi);
  for (int32_t ky = 0; ky < f_h; ky++, dst += CHUNK_WORDS * row_words) {
    const int32_t y = y0 + d->dilation_h * ky;
    if (y < 0 || y >= in_h || kx_lo == kx_hi) {
      zero_run(dst, row_words);
      continue;
    }
    const int8_t *row = in_b + (size_t)y * (size_t)in_w * (size_t)in_c;
    zero_run(dst, kx_lo * tap);
    if (d->dilation_w == 1) {
      widen_run(c, dst + CHUNK_WORDS * kx_lo * tap, row + (size_t)(x0 + kx_lo) * (size_t)in_c, (kx_hi - kx_lo) * tap);
    } else {
      for (int32_t kx = kx_lo; kx < kx_hi; kx++) {
        widen_run(c, dst + CHUNK_WORDS * kx * tap, row + (size_t)(x0 + d->dilation_w * kx) * (size_t)in_c, tap);
      }
    }
    zero_run(dst + CHUNK_WORDS * kx_hi * tap, (f_w - kx_hi) * tap);
  }
}

/* Columns q0 .. q1 - 1 of the block of output pixels from p: column q gets pixel p + min(q, last). */
static void block_columns(const conv_columns *c, int32_t p, int32_t q0, int32_t q1, int32_t last) {
  const xsml_conv_dims *d = c->d;
  const int32_t in_c = d->in_c;
  if (c->pointwise) {
    for (int32_t q = q0; q < q1; q++) {
      const int8_t *src = c->input + (size_t)(p + (q < last ? q : last)) * (size_t)in_c;
      if (c->gather) {
        copy_run(c->gather, src, (size_t)in_c);
        src = c->gather;
      }
      widen_run(c, c->cols + 2 * q, src, c->words);
    }
    return;
  }
  const int32_t out_w = d->out_w, per_image = d->out_h * out_w, first = p + (q0 < last ? q0 : last);
  const int32_t b = first / per_image, rest = first - b * per_image;
  int32_t bb = b, oy = rest / out_w, ox = rest - oy * out_w;
  const size_t image = (size_t)d->in_h * (size_t)d->in_w * (size_t)in_c;
  for (int32_t q = q0; q < q1; q++) {
    if (q > q0 && q <= last && ++ox == out_w) {
      ox = 0;
      if (++oy == d->out_h) oy = 0, bb++;
    }
    pixel_column(c, c->input + (size_t)bb * image, oy * d->stride_h - d->pad_h, ox * d->stride_w - d->pad_w, q);
  }
}

/* Moves `count` columns of every chunk from column `from` to column `to`. */
static void move_columns(const conv_columns *c, int32_t from, int32_t to, int32_t count) {
  int32_t *col = c->cols;
  for (int32_t j = 0; j < c->words; j++, col += CHUNK_WORDS) memmove(col + 2 * to, col + 2 * from, (size_t)(8 * count));
}

enum { ROWS_C, ROWS_FOLDED, ROWS_AFTER, ROWS_SMLAL };

/*
 * The filter rows and the requantization of every output channel. Doubled (the usual case, see
 * conv_rows_form): the accumulators hold 2 acc exactly and requantize_doubled gives the output;
 * else xsml_conv_output_s8 of acc.
 */
typedef struct {
  const int8_t *filter;
  const int32_t *bias; /* or NULL */
  const int32_t *mult;
  const int8_t *shift;
  int32_t out_c, k;
  int32_t out_off, act_min, act_max;
  int doubled;
  int form;                /* ROWS_C or a written-out form (below) */
  const int8_t *last_row;  /* written-out forms with k % 4 != 0: the last row, zero-padded to round4(k) bytes */
} conv_rows;

/*
 * For m >= 0 and -31 <= shift <= -2: xsml_mbqm_double(x, m, shift) from x2 = 2x (exact), given
 * rs2 = -shift and h2 = 2^(rs2 - 1). With the one-step rounding of xsml_mbqm_double_rs2 the value is
 * floor(P / 2^(31 + rs2)), P = x m + (x < 0 ? -2^30 : 2^30); doubled, 2P + h2 2^32 = x2 m + 2^31 +
 * (h2 - [x < 0]) 2^32, whose high word SMMLAR computes from x2, m and h2 - [x < 0] (an arithmetic
 * shift of x2 by 31); then the shift by rs2 (|2P| < 2^63: nothing overflows). h2 may also carry the
 * output offset, + output_offset * 2^rs2, where that fits (shift >= -23).
 */
static inline int32_t requantize_doubled(int32_t x2, int32_t m, int32_t h2, int32_t rs2) {
  const int32_t a = h2 + (x2 >> 31);
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  int32_t v;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(v) : "r"(x2), "r"(m), "r"(a));
  return v >> rs2;
#else
  return (int32_t)(((int64_t)a * ((int64_t)1 << 32) + (int64_t)x2 * m + ((int64_t)1 << 31)) >> 32) >> rs2;
#endif
}

static inline int8_t clamp_s8(int32_t v, int32_t lo, int32_t hi) { return (int8_t)(v < lo ? lo : v > hi ? hi : v); }

/*
 * Output channels [first, first + n) of a block: out[o + s[q]] gets channel o's output for column q.
 * Reads exactly k bytes of each filter row. (The accumulators written out, one per column: GCC keeps
 * them in registers then.)
 */
static void __attribute__((noinline)) conv_rows_c(const conv_rows *r, int32_t first, int32_t n, const int32_t *cols, int8_t *out,
                                                  const int32_t s[BLOCK]) {
  const int32_t k = r->k, chunks = k >> 2, tail = k & 3, out_off = r->out_off;
  const int8_t *row = r->filter + (size_t)first * (size_t)k;
  for (int32_t o = first; o < first + n; o++) {
    uint32_t b = r->bias ? (uint32_t)r->bias[o] : 0u;
    if (r->doubled) b *= 2u;
    uint32_t a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b;
    const int32_t *col = cols;
    for (int32_t j = 0; j <= chunks; j++, row += 4, col += CHUNK_WORDS) {
      int32_t w;
      if (j < chunks) {
        w = xsml_load_word(row);
      } else if (!tail) {
        break;
      } else if (k >= 4) {
        /* The last 1..3 values of the row in the low bytes of a word, zeros above. */
        w = (int32_t)((uint32_t)xsml_load_word(row + tail - 4) >> (32 - 8 * tail));
      } else {
        w = 0;
        for (int32_t i = 0; i < tail; i++) w |= (int32_t)((uint32_t)(uint8_t)row[i] << (8 * i));
      }
      const int32_t even = xsml_s16x2_widen_even(0, w), odd = xsml_s16x2_widen_odd(0, w);
      a0 = xsml_s16x2_smlad(odd, col[1], xsml_s16x2_smlad(even, col[0], a0));
      a1 = xsml_s16x2_smlad(odd, col[3], xsml_s16x2_smlad(even, col[2], a1));
      a2 = xsml_s16x2_smlad(odd, col[5], xsml_s16x2_smlad(even, col[4], a2));
      a3 = xsml_s16x2_smlad(odd, col[7], xsml_s16x2_smlad(even, col[6], a3));
      a4 = xsml_s16x2_smlad(odd, col[9], xsml_s16x2_smlad(even, col[8], a4));
      a5 = xsml_s16x2_smlad(odd, col[11], xsml_s16x2_smlad(even, col[10], a5));
    }
    row += tail - (tail ? 4 : 0);
    const uint32_t acc[BLOCK] = {a0, a1, a2, a3, a4, a5};
    const int32_t m = r->mult[o], shift = r->shift[o];
    if (!r->doubled) {
      const int32_t lo = r->act_min - out_off, hi = r->act_max - out_off;
      for (int q = 0; q < BLOCK; q++) out[o + s[q]] = xsml_conv_output_s8(acc[q], m, shift, lo, hi, out_off);
      continue;
    }
    const int32_t rs2 = -shift, h2 = (int32_t)(1u << (rs2 - 1));
    for (int q = 0; q < BLOCK; q++) {
      out[o + s[q]] = clamp_s8(requantize_doubled((int32_t)acc[q], m, h2, rs2) + out_off, r->act_min, r->act_max);
    }
  }
}

/* The words of the written-out forms' state (numbers, for the assembler too; see conv_rows_folded). */
#define ST_OFF 0     /* the output offset, as the form takes it */
#define ST_PAD 1     /* round4(k) - k */
#define ST_S1 2      /* out_c: the offset from one column's outputs to the next one's */
#define ST_MULTX 3   /* multipliers - 4 out, shifts - out, bias - 4 out: indexed by a channel's output address */
#define ST_SHIFTX 4
#define ST_OUT 5     /* the channel's output address (column 0) */
#define ST_END 6     /* ST_OUT past the last channel */
#define ST_BIASX 7
#define ST_COLS 8
#define ST_COLS_END 9 /* ST_COLS + round4(k) / 4 chunks */
#define ST_ENTRY 10   /* where the loop starts after the first chunk */
#define ST_ROW 11     /* the first channel's filter row */
#define ST_CHUNKS 12  /* round4(k) / 4 */
#define ST_WORDS 16   /* on the stack: a multiple of 2 words */

#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
/*
 * conv_rows_c for the activation range [-128, 127], a bias and outputs ST_S1 apart, written out. The
 * state is copied to the stack, where everything a channel needs after its dot product comes in with
 * one LDM, so that all 14 registers serve the dot product: six accumulators r0..r5, the filter word
 * r6 and its lanes r6, r7, the columns' words r8..r11 (LDM, four at a time), the row r12, the columns
 * lr. Reads round4(k) bytes of each row (the bytes past k meet zero lanes). Three forms:
 *  - ROWS_FOLDED: doubled columns, requantize_doubled with the output offset folded into h2
 *    (ST_OFF = 2 output_offset + 1, h2 = ST_OFF << (rs2 - 1); for shifts >= -23, where that fits);
 *  - ROWS_AFTER: doubled columns, requantize_doubled, the offset added after the shift
 *    (ST_OFF = output_offset << 8, r10 = ST_OFF + rs2: ASR by a register reads its low byte only, and
 *    r10 >> 8 is the offset);
 *  - ROWS_SMLAL: plain columns (accumulators that would not fit doubled), xsml_mbqm_double_rs2's one
 *    step in 64 bits: the high word of x m + (x < 0 ? -2^30 : 2^30) + 2^(rs1 - 1) 2^32 shifted by
 *    rs1 = -shift - 1, then the offset as in ROWS_AFTER (r10 = ST_OFF + rs1).
 */
#define XSML_ST(i) "[sp, #" XSML_STR(i) "*4]"
/* One chunk: r0..r5 = a0..a5 + the row word . columns 0..5 (the first chunk: a0..a5 = r5, the bias). */
#define XSML_CHUNK(a0, a1, a2, a3, a4, a5) \
  "ldr r6, [r12], #4\n\t"                 \
  "ldm lr!, {r8, r9, r10, r11}\n\t"       \
  "sxtb16 r7, r6\n\t"                     \
  "sxtb16 r6, r6, ror #8\n\t"             \
  "smlad r0, r7, r8, " a0 "\n\t"          \
  "smlad r0, r6, r9, r0\n\t"              \
  "smlad r1, r7, r10, " a1 "\n\t"         \
  "smlad r1, r6, r11, r1\n\t"             \
  "ldm lr!, {r8, r9, r10, r11}\n\t"       \
  "smlad r2, r7, r8, " a2 "\n\t"          \
  "smlad r2, r6, r9, r2\n\t"              \
  "smlad r3, r7, r10, " a3 "\n\t"         \
  "smlad r3, r6, r11, r3\n\t"             \
  "ldm lr!, {r8, r9, r10, r11}\n\t"       \
  "smlad r4, r7, r8, " a4 "\n\t"          \
  "smlad r4, r6, r9, r4\n\t"              \
  "smlad r5, r7, r10, " a5 "\n\t"         \
  "smlad r5, r6, r11, r5\n\t"
#define XSML_NEXT XSML_CHUNK("r0", "r1", "r2", "r3", "r4", "r5")
/*
 * Per channel, on entry to `setup`: r6 = ST_OFF, r9 = m, r10 = the shift, r8 = ST_S1, r11 = the output
 * address; r7 and lr free. `output` keeps r6, r8, r9, r10, r11.
 */
#define XSML_SETUP_FOLDED "mvn r7, r10\n\tlsl r6, r6, r7\n\trsb r10, r10, #0\n\t"
#define XSML_SETUP_AFTER "mvn r7, r10\n\tsub r10, r6, r10\n\tmov r6, #1\n\tlsl r6, r6, r7\n\t"
#define XSML_SETUP_SMLAL "mvn r10, r10\n\tsub r7, r10, #1\n\tadd r10, r10, r6\n\tmov r6, #1\n\tlsl r6, r6, r7\n\t"
#define XSML_OUTPUT_FOLDED(acc, store)                                      \
  "add r7, r6, " acc ", asr #31\n\tsmmlar r7, " acc ", r9, r7\n\t"         \
  "asr r7, r7, r10\n\tssat r7, #8, r7\n\tstrb r7, " store "\n\t"
#define XSML_OUTPUT_AFTER(acc, store)                                       \
  "add r7, r6, " acc ", asr #31\n\tsmmlar r7, " acc ", r9, r7\n\t"         \
  "asr r7, r7, r10\n\tadd r7, r7, r10, asr #8\n\tssat r7, #8, r7\n\tstrb r7, " store "\n\t"
#define XSML_OUTPUT_SMLAL(acc, store)                                       \
  "and r7, " acc ", #0x80000000\n\torr r7, r7, #0x40000000\n\t"            \
  "add lr, r6, " acc ", asr #31\n\tsmlal r7, lr, " acc ", r9\n\t"          \
  "asr lr, lr, r10\n\tadd lr, lr, r10, asr #8\n\tssat lr, #8, lr\n\tstrb lr, " store "\n\t"

#define XSML_ROWS_ASM(name, tag, bias, setup, output)                                        \
  static void __attribute__((naked, noinline)) name(const int32_t *state) {                  \
    (void)state;                                                                             \
    __asm__ volatile(                                                                        \
        "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"                                    \
        "sub sp, sp, #" XSML_STR(ST_WORDS) "*4\n\t"                                          \
        "ldm r0!, {r1, r2, r3, r4, r5, r6, r7, r8}\n\t"                                      \
        "stm sp, {r1, r2, r3, r4, r5, r6, r7, r8}\n\t"                                       \
        "ldm r0, {r1, r2, r3, r4, r5}\n\t"                                                   \
        "add r6, sp, #32\n\t"                                                                \
        "stm r6, {r1, r2, r3, r4, r5}\n\t"                                                   \
        "ldr r12, " XSML_ST(ST_ROW) "\n\t"                                                   \
        /* The loop's entry: after the first chunk, four chunks a pass; a rest starts into the first pass. */ \
        "ldr r4, " XSML_ST(ST_CHUNKS) "\n\t"                                                 \
        "adr r5, .L" tag "_done\n\t"                                                         \
        "subs r4, r4, #1\n\t"                                                                \
        "beq 1f\n\t"                                                                         \
        "ands r4, r4, #3\n\t"                                                                \
        "adr r5, .L" tag "_top\n\t"                                                          \
        "beq 1f\n\t"                                                                         \
        "cmp r4, #2\n\t"                                                                     \
        "adr r5, .L" tag "_skip2\n\t"                                                        \
        "beq 1f\n\t"                                                                         \
        "adr r5, .L" tag "_skip1\n\t"                                                        \
        "bhi 1f\n\t"                                                                         \
        "adr r5, .L" tag "_skip3\n"                                                          \
        "1:\n\t"                                                                             \
        "orr r5, r5, #1\n\t"                                                                 \
        "str r5, " XSML_ST(ST_ENTRY) "\n"                                                    \
        ".L" tag "_channel:\n\t"                                                             \
        "ldr r6, " XSML_ST(ST_OUT) "\n\t"                                                    \
        "ldrd r7, lr, " XSML_ST(ST_BIASX) "\n\t"                                             \
        "ldr r5, [r7, r6, lsl #2]\n\t"                                                       \
        bias                                                                                 \
        XSML_CHUNK("r5", "r5", "r5", "r5", "r5", "r5")                                       \
        "ldr pc, " XSML_ST(ST_ENTRY) "\n"                                                    \
        ".L" tag "_top:\n\t"                                                                 \
        XSML_NEXT                                                                            \
        ".L" tag "_skip1:\n\t"                                                               \
        XSML_NEXT                                                                            \
        ".L" tag "_skip2:\n\t"                                                               \
        XSML_NEXT                                                                            \
        ".L" tag "_skip3:\n\t"                                                               \
        XSML_NEXT                                                                            \
        "ldr r7, " XSML_ST(ST_COLS_END) "\n\t"                                               \
        "cmp lr, r7\n\t"                                                                     \
        "bne .L" tag "_top\n"                                                                \
        ".L" tag "_done:\n\t"                                                                \
        "ldm sp, {r6, r7, r8, r9, r10, r11}\n\t"                                             \
        "sub r12, r12, r7\n\t"                                                               \
        "ldr r9, [r9, r11, lsl #2]\n\t"                                                      \
        "ldrsb r10, [r10, r11]\n\t"                                                          \
        setup                                                                                \
        output("r0", "[r11]") output("r1", "[r11, r8]") output("r2", "[r11, r8, lsl #1]")    \
        "add r7, r8, r8, lsl #1\n\t"                                                         \
        "add r11, r11, r7\n\t"                                                               \
        output("r3", "[r11]") output("r4", "[r11, r8]") output("r5", "[r11, r8, lsl #1]")    \
        "ldrd r11, r7, " XSML_ST(ST_OUT) "\n\t"                                              \
        "add r11, r11, #1\n\t"                                                               \
        "str r11, " XSML_ST(ST_OUT) "\n\t"                                                   \
        "cmp r11, r7\n\t"                                                                    \
        "bne .L" tag "_channel\n\t"                                                          \
        "add sp, sp, #" XSML_STR(ST_WORDS) "*4\n\t"                                          \
        "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n");                                     \
  }

XSML_ROWS_ASM(conv_rows_folded, "xsml_conv_folded", "lsl r5, r5, #1\n\t", XSML_SETUP_FOLDED, XSML_OUTPUT_FOLDED)
XSML_ROWS_ASM(conv_rows_after, "xsml_conv_after", "lsl r5, r5, #1\n\t", XSML_SETUP_AFTER, XSML_OUTPUT_AFTER)
XSML_ROWS_ASM(conv_rows_smlal, "xsml_conv_smlal", "", XSML_SETUP_SMLAL, XSML_OUTPUT_SMLAL)

static void conv_rows_asm(int form, const int32_t *st) {
  if (form == ROWS_FOLDED) conv_rows_folded(st);
  else if (form == ROWS_AFTER) conv_rows_after(st);
  else conv_rows_smlal(st);
}
#undef XSML_CHUNK
#undef XSML_NEXT
#undef XSML_SETUP_FOLDED
#undef XSML_SETUP_AFTER
#undef XSML_SETUP_SMLAL
#undef XSML_OUTPUT_FOLDED
#undef XSML_OUTPUT_AFTER
#undef XSML_OUTPUT_SMLAL
#undef XSML_ROWS_ASM
#undef XSML_ST
#endif

/*
 * Every output channel of a block of columns whose outputs go to out + s[q]: conv_rows_c, or a
 * written-out form with `st` (ARM only) holding the layer's words of the state; the block's are set here.
 */
static void conv_rows_run(const conv_rows *r, int32_t *st, const int32_t *cols, int8_t *out, const int32_t s[BLOCK]) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  /* The written-out forms take outputs s[1] apart: blocks of BLOCK pixels, or of one. */
  if (r->form != ROWS_C && s[BLOCK - 1] == (BLOCK - 1) * s[1]) {
    const uintptr_t at = (uintptr_t)out;
    st[ST_S1] = s[1];
    st[ST_MULTX] = (int32_t)((uintptr_t)r->mult - 4u * at);
    st[ST_SHIFTX] = (int32_t)((uintptr_t)r->shift - at);
    st[ST_BIASX] = (int32_t)((uintptr_t)r->bias - 4u * at);
    st[ST_OUT] = (int32_t)at;
    st[ST_ROW] = (int32_t)(uintptr_t)r->filter;
    /* With k % 4 != 0 the last row comes from its padded copy: the loop reads round4(k) bytes a row. */
    const int32_t n = r->last_row ? r->out_c - 1 : r->out_c;
    if (n > 0) {
      st[ST_END] = (int32_t)(at + (uintptr_t)n);
      conv_rows_asm(r->form, st);
    }
    if (n < r->out_c) {
      st[ST_OUT] = (int32_t)(at + (uintptr_t)n);
      st[ST_END] = (int32_t)(at + (uintptr_t)r->out_c);
      st[ST_ROW] = (int32_t)(uintptr_t)r->last_row;
      conv_rows_asm(r->form, st);
    }
    return;
  }
#else
  (void)st;
#endif
  conv_rows_c(r, 0, r->out_c, cols, out, s);
}

/*
 * Doubled columns when every accumulator stays within +-(2^30 - 1) whatever the input (bias plus k
 * products of at most 128 x (127 + |input_offset|)) and every channel requantizes in one step
 * (m >= 0, -31 <= shift <= -2). The rows' form: with a bias and the activation range [-128, 127] on
 * cores with the DSP extension, written out (ROWS_FOLDED if every shift allows, ROWS_AFTER; when the
 * accumulators may not be doubled, ROWS_SMLAL); else conv_rows_c.
 */
static int conv_rows_form(conv_rows *r, int32_t input_offset) {
  int64_t bias = 0;
  int folded = 1;
  for (int32_t o = 0; o < r->out_c; o++) {
    const int32_t m = r->mult[o], shift = r->shift[o];
    if (m < 0 || shift < -31 || shift > -2) return ROWS_C;
    if (shift < -23) folded = 0;
    const int64_t b = r->bias ? (int64_t)r->bias[o] : 0;
    if ((b < 0 ? -b : b) > bias) bias = b < 0 ? -b : b;
  }
  const int64_t v = 128 + (input_offset < 0 ? -(int64_t)input_offset : (int64_t)input_offset);
  r->doubled = bias + (int64_t)r->k * 128 * v < ((int64_t)1 << 30);
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  if (!r->bias || r->act_min != -128 || r->act_max != 127) return ROWS_C;
  return !r->doubled ? ROWS_SMLAL : folded ? ROWS_FOLDED : ROWS_AFTER;
#else
  (void)folded;
  return ROWS_C;
#endif
}

static void conv_s8_blocks(const xsml_conv_dims *d, const xsml_conv_quant_s8 *quant, const int8_t *input, const int8_t *filter,
                           const int32_t *bias, int8_t *output, void *scratch) {
  const int32_t k = d->filter_h * d->filter_w * d->filter_c, out_c = d->out_c;
  const int32_t words = (int32_t)(round4((uint64_t)k) >> 2);
  conv_rows r = {filter, bias, quant->multiplier, quant->shift, out_c, k, quant->output_offset, quant->act.min, quant->act.max, 0, ROWS_C, NULL};
  r.form = conv_rows_form(&r, quant->input_offset);
  const int pointwise = d->filter_h == 1 && d->filter_w == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_h == 0 && d->pad_w == 0 &&
                        d->out_h == d->in_h && d->out_w == d->in_w;
  conv_columns c = {d, input, xsml_s16x2_splat(quant->input_offset), (int8_t)-quant->input_offset, r.doubled, words, pointwise,
                    (int32_t *)scratch, NULL, d->in_h - 1 - (d->filter_h - 1) * d->dilation_h, d->dilation_w == 1 ? d->in_w - d->filter_w : -1,
                    (size_t)d->filter_w * (size_t)d->in_c, (size_t)d->dilation_h * (size_t)d->in_w * (size_t)d->in_c};
  /* The scratch: the columns, then for in_c % 4 != 0 the gathered column, then for k % 4 != 0 the padded last row. */
  int8_t *more = (int8_t *)scratch + (size_t)4 * CHUNK_WORDS * (size_t)words;
  if (d->in_c & 3) {
    c.gather = more, more += 4 * words;
    fill_run(c.gather + k, c.pad, (size_t)(4 * words - k));
  }
  if ((k & 3) && r.form != ROWS_C) {
    memcpy(more, filter + (size_t)(out_c - 1) * (size_t)k, (size_t)k);
    memset(more + k, 0, (size_t)(4 * words - k));
    r.last_row = more;
  }
  int32_t st[ST_WORDS]; /* the written-out forms' state, the layer's words set here */
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  st[ST_OFF] = r.form == ROWS_FOLDED ? 2 * r.out_off + 1 : (int32_t)((uint32_t)r.out_off << 8);
  st[ST_PAD] = 4 * words - k;
  st[ST_COLS] = (int32_t)(uintptr_t)c.cols;
  st[ST_COLS_END] = (int32_t)(uintptr_t)(c.cols + (size_t)CHUNK_WORDS * (size_t)words);
  st[ST_CHUNKS] = words;
#endif
  const int32_t pixels = d->batches * d->out_h * d->out_w;
  const int descending = pointwise && out_c > d->in_c;
  int32_t s[BLOCK];
  for (int32_t q = 0; q < BLOCK; q++) s[q] = q * out_c;
  for (int32_t done = 0; done < pixels;) {
    const int32_t n = pixels - done < BLOCK ? pixels - done : BLOCK;
    int32_t p = descending ? pixels - done - n : done;
    if (n == BLOCK) {
      block_columns(&c, p, 0, BLOCK, BLOCK - 1);
    } else if (done > 0) {
      /*
       * The last n < BLOCK pixels: a block that overlaps the one before, whose columns for the pixels
       * in common are moved to their places (their inputs may have been overwritten since, in place);
       * those pixels' outputs are written again, the same values.
       */
      if (descending) {
        move_columns(&c, 0, n, BLOCK - n);
        block_columns(&c, 0, 0, n, BLOCK - 1);
        p = 0;
      } else {
        move_columns(&c, n, 0, BLOCK - n);
        p = pixels - BLOCK;
        block_columns(&c, p, BLOCK - n, BLOCK, BLOCK - 1);
      }
    } else {
      /* Fewer than BLOCK pixels in all: the last one repeated, the same column, the same outputs to the same place. */
      block_columns(&c, p, 0, BLOCK, n - 1);
      for (int32_t q = 0; q < BLOCK; q++) s[q] = (q < n ? q : n - 1) * out_c;
    }
    conv_rows_run(&r, st, c.cols, output + (size_t)p * (size_t)out_c, s);
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
  const uint64_t k = (uint64_t)d->filter_h * (uint64_t)d->filter_w * (uint64_t)d->filter_c, k4 = round4(k);
  return 2u * BLOCK * k4 + (d->in_c & 3 ? k4 : 0) + (k & 3 ? k4 : 0);
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
      p[P_INPUT_OFFSET], p[P_OUTPUT_OFFSET], {p[P_ACT_MIN], p[P_ACT_MAX]}, p + P_PER_CHANNEL, (const int8_t *)(p + P_PER_CHANNEL + d.out_c),
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
  if (xsml_param_words(rec) < P_COUNT_S8 + (int64_t)out_c + ((int64_t)out_c + 3) / 4) return "record too short for the per-channel multipliers and shifts";
  if (p[P_ACT_MIN] < -128 || p[P_ACT_MIN] > p[P_ACT_MAX] || p[P_ACT_MAX] > 127) return "activation range not within [-128, 127]";
  if (p[P_INPUT_OFFSET] < -255 || p[P_INPUT_OFFSET] > 255) return "input offset outside [-255, 255]";
  if (p[P_OUTPUT_OFFSET] < -128 || p[P_OUTPUT_OFFSET] > 127) return "output offset outside [-128, 127]";
  const int8_t *shift = (const int8_t *)(p + P_PER_CHANNEL + out_c);
  for (int32_t o = 0; o < out_c; o++) {
    if (shift[o] < -31) return "a requantization shift below -31";
  }
  if (!xsml_ref_present(rec, R_SCRATCH) || !xsml_ref_writable(rec, R_SCRATCH)) return "scratch ref missing or not in the arena";
  if (!xsml_ref_aligned(rec, R_SCRATCH, 4)) return "scratch ref not 4-byte aligned";
  const xsml_conv_dims d = dims_of(p);
  if (!xsml_ref_holds(ref_bytes, R_SCRATCH, xsml_conv_2d_s8_get_buffer_size(&d))) return "scratch ref shorter than six widened im2col columns";
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
