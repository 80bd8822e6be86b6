/* DEPTHWISE_CONV_2D kernels (float32, int8) and their record decoders and checks. See depthwise_conv_2d.h. */
#include "depthwise_conv_2d.h"

#include <stddef.h>

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
  P_COUNT_S8 = 20 /* + out_c multipliers, then the shifts (shift_words) */
};

/* Words of the int8 record's shifts: one byte a channel, 4 to a word (channel 4w + j in byte j, little-endian). */
static inline int64_t shift_words(int64_t out_c) { return (out_c + 3) / 4; }

enum { R_INPUT = 0, R_FILTER = 1, R_BIAS = 2, R_OUTPUT = 3, R_SCRATCH = 4, R_COUNT = 4, R_COUNT_S8 = 5 };

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
 * The int8 kernel's general loops (what the banded paths below do not take) go four output channels at
 * a time where they read four consecutive input channels (depth multiplier 1: one word of input per tap)
 * or one input channel (a multiple of 4: one input value per tap against a word of filter), taps in
 * the padding skipped. With the DSP extension a word of filter or input
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
static inline void store4(const acc4 *acc, const int32_t *mul, const int8_t *shift, int32_t lo, int32_t hi, int32_t out_off, int8_t *out) {
  out[0] = xsml_conv_output_s8(acc->a0, mul[0], shift[0], lo, hi, out_off);
  out[1] = xsml_conv_output_s8(acc->a1, mul[1], shift[1], lo, hi, out_off);
  out[2] = xsml_conv_output_s8(acc->a2, mul[2], shift[2], lo, hi, out_off);
  out[3] = xsml_conv_output_s8(acc->a3, mul[3], shift[3], lo, hi, out_off);
}

/* 1 if every one of the n channels requantizes in one step (shift <= -2, multiplier >= 0): see xsml_conv_output_rs. */
static int dw_quant_rs(const xsml_conv_quant_s8 *quant, int32_t n) {
  for (int32_t o = 0; o < n; o++) {
    if (quant->shift[o] > -2 || quant->multiplier[o] < 0) return 0;
  }
  return 1;
}

/* store4 for channels that all requantize in one step (dw_quant_rs). */
static inline void store4_rs(const acc4 *acc, const int32_t *mul, const int8_t *shift, int32_t lo, int32_t hi, int32_t out_off, int8_t *out) {
  out[0] = xsml_conv_output_rs(acc->a0, mul[0], -shift[0] - 2, lo, hi, out_off);
  out[1] = xsml_conv_output_rs(acc->a1, mul[1], -shift[1] - 2, lo, hi, out_off);
  out[2] = xsml_conv_output_rs(acc->a2, mul[2], -shift[2] - 2, lo, hi, out_off);
  out[3] = xsml_conv_output_rs(acc->a3, mul[3], -shift[3] - 2, lo, hi, out_off);
}

/* Two int16 lanes: lo in the low half. */
static inline int32_t pack_s16x2(int32_t lo, int32_t hi) { return (int32_t)(((uint32_t)lo & 0xffffu) | ((uint32_t)hi << 16)); }

#if defined(__ARM_FEATURE_DSP)
#define DW_SMLAD(a, b, acc) ((uint32_t)__smlad((a), (b), (int32_t)(acc)))
#else
static inline uint32_t dw_smlad(int32_t a, int32_t b, uint32_t acc) {
  return acc + (uint32_t)((int32_t)(int16_t)a * (int32_t)(int16_t)b) + (uint32_t)((a >> 16) * (b >> 16));
}
#define DW_SMLAD(a, b, acc) dw_smlad((a), (b), (acc))
#endif

/*
 * The banded paths: a 3x3 filter with dilation 1, and depth multiplier 1 with channels a multiple of 4
 * (band4: MobileNet's layers) or a depth multiplier that is a multiple of 4 (band1: a first layer).
 * The input rows the windows read are copied into the scratch, band_cols(d) = (out_w - 1) * stride_w + 3
 * columns from column -pad_w, the padding made of values whose tap adds 0: so every output pixel is
 * computed alike, with no bounds. The scratch holds a ring of DW_BAND_ROWS rows, filled in order of rows,
 * each input row once per pass (4 output channels) before the output row that first needs it is
 * written; or, band4 of at most DW_WHOLE_BYTES, every row, filled before the pass writes anything. With
 * depth multiplier 1 a pass only reads and writes its own channels' bytes, so the output may start
 * where the input does when every output row ends before the first input row not yet in the ring
 * (band4InPlace in src/ops/depthwise-conv-2d.ts).
 *
 * Requantization: when every channel allows (dw_fast), the filter taps are scaled by 2, so the
 * accumulator holds x2 = 2 * acc, and then
 *   output = ssat8(smmlar(x2, m, kc - (x2 < 0)) >> r), r = -shift, kc = 2^(r-1) + output_offset * 2^r,
 * which is xsml_conv_output_s8 clamped to [-128, 127]: smmlar(x2, m, 0) is the high mul
 * floor((acc * m + 2^30) / 2^31) while x2 fits in int32; RoundingDivideByPOT(v, r) is
 * floor((v + 2^(r-1) - (v < 0)) / 2^r), where v < 0 may be read as acc < 0 for m >= 0 (they differ
 * only when v = 0, which rounds to 0 either way); adding output_offset * 2^r before the shift adds
 * output_offset after it. Conditions: |acc| < 2^30, so |bias| <= 2^30 - 2^19 (9 taps of |filter| <= 128
 * times |input + offset| <= 383 stay below 2^19); 1 <= r <= 22, so kc and ra + the high mul fit;
 * m >= 0. Otherwise the taps are not scaled and each output takes xsml_conv_output_s8.
 */
enum { DW_BAND_ROWS = 3, DW_FAST_BIAS = (1 << 30) - (1 << 19), DW_WHOLE_BYTES = 2048 };

static int dw_band4(const xsml_dwconv_dims *d) {
  return d->depth_multiplier == 1 && d->in_c % 4 == 0 && d->filter_h == 3 && d->filter_w == 3 && d->dilation_h == 1 && d->dilation_w == 1;
}

static int dw_band1(const xsml_dwconv_dims *d) {
  return d->depth_multiplier % 4 == 0 && d->filter_h == 3 && d->filter_w == 3 && d->dilation_h == 1 && d->dilation_w == 1;
}

/* Columns of a band row: those the windows of one output row span. */
static uint64_t band_cols(const xsml_dwconv_dims *d) { return (uint64_t)(d->out_w - 1) * (uint64_t)d->stride_w + 3u; }

/* band4 keeps every row the windows span (not a ring) when they take at most DW_WHOLE_BYTES: 0 or those bytes. */
static uint64_t band4_whole(const xsml_dwconv_dims *d) {
  const uint64_t bytes = xsml_mul_sat(xsml_mul_sat((uint64_t)(d->out_h - 1) * (uint64_t)d->stride_h + 3u, band_cols(d)), 8u);
  return bytes <= DW_WHOLE_BYTES ? bytes : 0;
}

uint64_t xsml_depthwise_conv_2d_s8_scratch_bytes(const xsml_dwconv_dims *d) {
  if (dw_band4(d)) return band4_whole(d) ? band4_whole(d) : xsml_mul_sat(band_cols(d), 8u * DW_BAND_ROWS); /* 4 int16 lanes a column */
  if (dw_band1(d)) return xsml_mul_sat((band_cols(d) + 4u) & ~(uint64_t)3, DW_BAND_ROWS); /* bytes, and a word's slack */
  return 0;
}

/* What requantizes one output: the channel's constants and the op's. */
typedef struct {
  int32_t m, kc, r; /* fast: multiplier, kc and r (above); else multiplier, 0 and the shift */
} dw_q;

typedef struct {
  int32_t out_off, lo, hi; /* hi, lo: the activation range minus out_off */
  int32_t act_min, act_max;
  int fast, clamp; /* clamp: the activation range is narrower than [-128, 127] */
} dw_req;

/* bias_max: the largest |bias| for which |acc| < 2^30 (DW_FAST_BIAS for 9 taps). */
static int dw_fast(const xsml_conv_quant_s8 *q, const int32_t *bias, int32_t n, int32_t bias_max) {
  for (int32_t o = 0; o < n; o++) {
    if (q->multiplier[o] < 0 || q->shift[o] > -1 || q->shift[o] < -22) return 0;
    if (bias && (bias[o] > bias_max || bias[o] < -bias_max)) return 0;
  }
  return 1;
}

static dw_req dw_req_of(const xsml_conv_quant_s8 *q, const int32_t *bias, int32_t n, int32_t bias_max) {
  const dw_req k = {q->output_offset, q->act.min - q->output_offset, q->act.max - q->output_offset, q->act.min, q->act.max,
                    dw_fast(q, bias, n, bias_max), q->act.min > -128 || q->act.max < 127};
  return k;
}

static dw_q dw_q_of(const xsml_conv_quant_s8 *q, const dw_req *k, int32_t o) {
  dw_q c = {q->multiplier[o], 0, q->shift[o]};
  if (k->fast) {
    c.r = -q->shift[o];
    c.kc = (1 << (c.r - 1)) + k->out_off * (1 << c.r);
  }
  return c;
}

/* xsml_conv_output_s8 for channel c (the rare cases: not inlined). */
static int8_t __attribute__((noinline)) dw_requant_general(uint32_t acc, const dw_q *c, const dw_req *k) {
  return xsml_conv_output_s8(acc, c->m, c->r, k->lo, k->hi, k->out_off);
}

/* One output: the fast form (then [-128, 127]: dw_clamp4 narrows it to the activation), or dw_requant_general. */
static inline __attribute__((always_inline)) int8_t dw_requant(uint32_t acc, const dw_q *c, const dw_req *k, const int fast) {
  if (!fast) return dw_requant_general(acc, c, k);
  const int32_t x = (int32_t)acc;
  return (int8_t)xsml_ssat8(xsml_smmlar(x, c->m, c->kc - (int32_t)((uint32_t)x >> 31)) >> c->r);
}

/* Clamps the 4 bytes of each of n pixels, `step` bytes apart (4-byte aligned), to [lo, hi] within [-128, 127]. */
static void dw_clamp4(int8_t *out, int32_t n, int32_t step, int32_t lo, int32_t hi) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  const uint32_t lo4 = (uint8_t)lo * 0x01010101u, hi4 = (uint8_t)hi * 0x01010101u;
  for (; n > 0; n--, out += step) {
    uint32_t w, t;
    memcpy(&w, out, 4);
    __asm__("ssub8 %[t], %[w], %[lo]\n\t"
            "sel %[w], %[w], %[lo]\n\t"
            "ssub8 %[t], %[hi], %[w]\n\t"
            "sel %[w], %[w], %[hi]\n\t"
            : [w] "+r"(w), [t] "=&r"(t)
            : [lo] "r"(lo4), [hi] "r"(hi4));
    memcpy(out, &w, 4);
  }
#else
  for (; n > 0; n--, out += step) {
    for (int32_t j = 0; j < 4; j++) out[j] = (int8_t)(out[j] < lo ? lo : out[j] > hi ? hi : out[j]);
  }
#endif
}

/* The ring: rows[i] holds input row y0 + i of the output row being computed. */
typedef struct {
  uint8_t *rows[DW_BAND_ROWS];
} dw_ring;

/* Moves the ring on by `stride` rows (the next output row); returns how many of its last rows need filling. */
static inline int32_t dw_ring_advance(dw_ring *r, int32_t stride) {
  uint8_t *t0 = r->rows[0], *t1 = r->rows[1], *t2 = r->rows[2];
  if (stride == 1) {
    r->rows[0] = t1, r->rows[1] = t2, r->rows[2] = t0;
    return 1;
  }
  if (stride == 2) {
    r->rows[0] = t2, r->rows[1] = t0, r->rows[2] = t1;
    return 2;
  }
  return 3;
}

/*
 * What the row loops of a group need, the same for every row: the input and output at the group's first
 * channel, and where a band row's columns come from: `left` columns of padding, `mid` input columns
 * from input column 0, `right` columns of padding.
 */
typedef struct {
  const int8_t *in;
  int8_t *out;
  int32_t in_h, in_row, in_c; /* in_row: bytes from one input row to the next */
  int32_t out_h, out_w, out_row, stride_h, stride_w, pad_h;
  int32_t left, mid, right, row_bytes; /* row_bytes: of a band row */
  int32_t in_off;
  int whole; /* the band holds every row (band4_whole), not a ring */
} dw_rows;

static dw_rows dw_rows_of(const xsml_dwconv_dims *d, int32_t cols, int32_t row_bytes, int32_t in_off) {
  const int32_t left = d->pad_w < cols ? d->pad_w : cols, end = (int64_t)d->pad_w + d->in_w < cols ? d->pad_w + d->in_w : cols;
  const int32_t mid = end > left ? end - left : 0;
  const dw_rows r = {NULL, NULL, d->in_h, d->in_w * d->in_c, d->in_c, d->out_h, d->out_w, d->out_w * d->out_c, d->stride_h, d->stride_w,
                     d->pad_h, left, mid, cols - left - mid, row_bytes, in_off, 0};
  return r;
}

/*
 * band4: a band column holds 4 int16 lanes, input + input_offset of channels 0, 2 then 1, 3 of the
 * group (what __sxtab16 makes of a word and of the word rotated by 8), 0 in the padding. The frame holds
 * what one output row of a group needs; the assembly reads it at the offsets noted.
 */
typedef struct {
  int16_t f[36];     /* 0: tap t = ky * 3 + kx at f[4t], the lanes of the band (x the scale) */
  int32_t step[3];   /* 72: bytes from ring row 0 to row 1, row 1 to row 2, row 2 to row 0 of the next pair of pixels */
  uint32_t bias[8];  /* 84: channels 0..3 of the group, twice (x the scale, or 0) */
  dw_q q[4];         /* 116: channels 0..3 */
  int8_t *out;       /* 164: the output of the next pixel */
  int32_t next[4];   /* 168: out_c + j: channel j of the next pixel from the output of this one */
  int32_t pairs;     /* 184: pairs of pixels left in the row */
  const uint8_t *ip; /* 188: the band at the next pair, kept while the outputs are stored */
  int32_t odd;       /* 192: 1 if one more pixel follows the pairs */
  int32_t row_pairs; /* 196: pairs of a row */
  int32_t rows;      /* 200: output rows left */
  const uint8_t *row_ip; /* 204: the band at the row's first pixel */
  int32_t row_step;  /* 208: bytes from one output row's band to the next */
  int8_t *row_out;   /* 212: the output of the row's first pixel */
  int32_t out_row;   /* 216: bytes from one output row to the next */
} dw4_frame;

/* Input row `in` (at the group's first channel), or NULL for a row of padding, into band row `dst`. */
static void dw4_fill(uint8_t *dst, const int8_t *in, const dw_rows *r) {
  int32_t left = in ? r->left : 0, mid = in ? r->mid : 0, right = in ? r->right : r->left + r->mid + r->right;
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  int32_t w, e, z0 = 0, z1 = 0;
  __asm__ volatile(
      "cmp %[left], #0\n\t"
      "beq 2f\n\t"
      "1:\n\t"
      "strd %[z0], %[z1], [%[p]], #8\n\t"
      "subs %[left], %[left], #1\n\t"
      "bne 1b\n\t"
      "2:\n\t"
      "cmp %[mid], #0\n\t"
      "beq 4f\n\t"
      "3:\n\t"
      "ldr %[w], [%[s]]\n\t"
      "add %[s], %[s], %[c]\n\t"
      "sxtab16 %[e], %[off2], %[w]\n\t"
      "sxtab16 %[w], %[off2], %[w], ror #8\n\t"
      "strd %[e], %[w], [%[p]], #8\n\t"
      "subs %[mid], %[mid], #1\n\t"
      "bne 3b\n\t"
      "4:\n\t"
      "cmp %[right], #0\n\t"
      "beq 6f\n\t"
      "5:\n\t"
      "strd %[z0], %[z1], [%[p]], #8\n\t"
      "subs %[right], %[right], #1\n\t"
      "bne 5b\n\t"
      "6:\n\t"
      : [p] "+r"(dst), [s] "+r"(in), [left] "+r"(left), [mid] "+r"(mid), [right] "+r"(right), [w] "=&r"(w), [e] "=&r"(e)
      : [c] "r"(r->in_c), [off2] "r"(xsml_lanes_s16x2(r->in_off)), [z0] "r"(z0), [z1] "r"(z1)
      : "cc", "memory");
#else
  int16_t *p = (int16_t *)(void *)dst;
  for (; left > 0; left--, p += 4) p[0] = p[1] = p[2] = p[3] = 0;
  for (const int8_t *s = in; mid > 0; mid--, s += r->in_c, p += 4) {
    p[0] = (int16_t)(s[0] + r->in_off), p[1] = (int16_t)(s[2] + r->in_off), p[2] = (int16_t)(s[1] + r->in_off), p[3] = (int16_t)(s[3] + r->in_off);
  }
  for (; right > 0; right--, p += 4) p[0] = p[1] = p[2] = p[3] = 0;
#endif
}

/* Four accumulators of each of two pixels. */
typedef struct {
  uint32_t a0, a1, a2, a3, b0, b1, b2, b3;
} acc8;

#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
#define DW4_MAC(A0, A1, A2, A3)                      \
  "smlabb %[" A0 "], %[xe], %[fe], %[" A0 "]\n\t"   \
  "smlatt %[" A2 "], %[xe], %[fe], %[" A2 "]\n\t"   \
  "smlabb %[" A1 "], %[xo], %[fo], %[" A1 "]\n\t"   \
  "smlatt %[" A3 "], %[xo], %[fo], %[" A3 "]\n\t"
#define DW4_P0 DW4_MAC("a0", "a1", "a2", "a3")
#define DW4_P1 DW4_MAC("b0", "b1", "b2", "b3")
#define DW4_F(T) "ldrd %[fe], %[fo], [%[fp], #" #T "]\n\t"
#define DW4_X(O) "ldrd %[xe], %[xo], [%[ip], #" #O "]\n\t"
#define DW4_STEP(K) "ldr %[xe], [%[fp], #" #K "]\n\t" "add %[ip], %[ip], %[xe]\n\t"
/* One row of two pixels 1 column apart (stride 1), taps at frame offsets T0, T1, T2. */
#define DW4_ROW_S1(T0, T1, T2) DW4_F(T0) DW4_X(0) DW4_P0 DW4_X(8) DW4_P1 DW4_F(T1) DW4_P0 DW4_X(16) DW4_P1 DW4_F(T2) DW4_P0 DW4_X(24) DW4_P1
/* Two pixels 2 columns apart (stride 2). */
#define DW4_ROW_S2(T0, T1, T2) \
  DW4_F(T0) DW4_X(0) DW4_P0 DW4_X(16) DW4_P1 DW4_F(T1) DW4_X(8) DW4_P0 DW4_X(24) DW4_P1 DW4_F(T2) DW4_X(16) DW4_P0 DW4_X(32) DW4_P1
#define DW4_ROW_1(T0, T1, T2) DW4_F(T0) DW4_X(0) DW4_P0 DW4_F(T1) DW4_X(8) DW4_P0 DW4_F(T2) DW4_X(16) DW4_P0
#define DW4_OPERANDS                                                                                                         \
  : [a0] "+r"(acc->a0), [a1] "+r"(acc->a1), [a2] "+r"(acc->a2), [a3] "+r"(acc->a3), [b0] "+r"(acc->b0), [b1] "+r"(acc->b1), \
    [b2] "+r"(acc->b2), [b3] "+r"(acc->b3), [ip] "+r"(ip), [xe] "=&r"(xe), [xo] "=&r"(xo), [fe] "=&r"(fe), [fo] "=&r"(fo)    \
  : [fp] "r"(fr)                                                                                                             \
  : "memory"
#endif

/* acc += the window of two pixels at ip (row 0 of the ring), `stride` (1 or 2) columns apart; ip moves to the next pair. */
static inline __attribute__((always_inline)) const uint8_t *dw4_mac2(const uint8_t *ip, const dw4_frame *fr, const int stride, acc8 *acc) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  int32_t xe, xo, fe, fo;
  if (stride == 1) {
    __asm__ volatile(DW4_ROW_S1(0, 8, 16) DW4_STEP(72) DW4_ROW_S1(24, 32, 40) DW4_STEP(76) DW4_ROW_S1(48, 56, 64) DW4_STEP(80) DW4_OPERANDS);
  } else {
    __asm__ volatile(DW4_ROW_S2(0, 8, 16) DW4_STEP(72) DW4_ROW_S2(24, 32, 40) DW4_STEP(76) DW4_ROW_S2(48, 56, 64) DW4_STEP(80) DW4_OPERANDS);
  }
  return ip;
#else
  const uint8_t *row = ip;
  for (int32_t ky = 0; ky < 3; row += fr->step[ky], ky++) {
    for (int32_t kx = 0; kx < 3; kx++) {
      const int16_t *f = fr->f + 4 * (3 * ky + kx);
      const int16_t *x = (const int16_t *)(const void *)(row + 8 * kx), *y = (const int16_t *)(const void *)(row + 8 * (kx + stride));
      acc->a0 += (uint32_t)(x[0] * f[0]), acc->a2 += (uint32_t)(x[1] * f[1]), acc->a1 += (uint32_t)(x[2] * f[2]), acc->a3 += (uint32_t)(x[3] * f[3]);
      acc->b0 += (uint32_t)(y[0] * f[0]), acc->b2 += (uint32_t)(y[1] * f[1]), acc->b1 += (uint32_t)(y[2] * f[2]), acc->b3 += (uint32_t)(y[3] * f[3]);
    }
  }
  return row;
#endif
}

/* acc.a* += the window of one pixel at ip. */
static inline __attribute__((always_inline)) void dw4_mac1(const uint8_t *ip, const dw4_frame *fr, acc8 *acc) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  int32_t xe, xo, fe, fo;
  __asm__ volatile(DW4_ROW_1(0, 8, 16) DW4_STEP(72) DW4_ROW_1(24, 32, 40) DW4_STEP(76) DW4_ROW_1(48, 56, 64) DW4_OPERANDS);
#else
  const uint8_t *rows[3] = {ip, ip + fr->step[0], ip + fr->step[0] + fr->step[1]};
  for (int32_t ky = 0; ky < 3; ky++) {
    for (int32_t kx = 0; kx < 3; kx++) {
      const int16_t *f = fr->f + 4 * (3 * ky + kx), *x = (const int16_t *)(const void *)(rows[ky] + 8 * kx);
      acc->a0 += (uint32_t)(x[0] * f[0]), acc->a2 += (uint32_t)(x[1] * f[1]), acc->a1 += (uint32_t)(x[2] * f[2]), acc->a3 += (uint32_t)(x[3] * f[3]);
    }
  }
#endif
}

/* One output row of a group in C: n pixels `stride` columns apart from band column 0 at ip (ring row 0). */
static inline __attribute__((always_inline)) void dw4_row_body(const uint8_t *ip, const dw4_frame *fr, const dw_req *k, int32_t n,
                                                               int32_t stride, int8_t *out, const int fast) {
  const int32_t out_c = fr->next[0];
  const uint32_t *bias = fr->bias;
  const dw_q *q = fr->q;
  if (fast && stride <= 2) {
    for (; n >= 2; n -= 2, out += 2 * out_c) {
      acc8 acc = {bias[0], bias[1], bias[2], bias[3], bias[0], bias[1], bias[2], bias[3]};
      ip = stride == 1 ? dw4_mac2(ip, fr, 1, &acc) : dw4_mac2(ip, fr, 2, &acc);
      out[0] = dw_requant(acc.a0, &q[0], k, 1), out[out_c] = dw_requant(acc.b0, &q[0], k, 1);
      out[1] = dw_requant(acc.a1, &q[1], k, 1), out[out_c + 1] = dw_requant(acc.b1, &q[1], k, 1);
      out[2] = dw_requant(acc.a2, &q[2], k, 1), out[out_c + 2] = dw_requant(acc.b2, &q[2], k, 1);
      out[3] = dw_requant(acc.a3, &q[3], k, 1), out[out_c + 3] = dw_requant(acc.b3, &q[3], k, 1);
    }
  }
  for (int32_t i = 0; i < n; i++, out += out_c) {
    acc8 acc = {bias[0], bias[1], bias[2], bias[3], 0, 0, 0, 0};
    dw4_mac1(ip + (size_t)i * 8u * (size_t)stride, fr, &acc);
    out[0] = dw_requant(acc.a0, &q[0], k, fast), out[1] = dw_requant(acc.a1, &q[1], k, fast);
    out[2] = dw_requant(acc.a2, &q[2], k, fast), out[3] = dw_requant(acc.a3, &q[3], k, fast);
  }
}

/* The general requantization (not dw_fast): pixel by pixel. */
static void __attribute__((noinline)) dw4_row_general(const uint8_t *ip, const dw4_frame *fr, const dw_req *k, int32_t n, int32_t stride,
                                                      int8_t *out) {
  dw4_row_body(ip, fr, k, n, stride, out, 0);
}

#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
/* The frame's offsets, as the assembly reads them. */
typedef char dw4_frame_offsets[offsetof(dw4_frame, step) == 72 && offsetof(dw4_frame, bias) == 84 && offsetof(dw4_frame, q) == 116 &&
                                       offsetof(dw4_frame, out) == 164 && offsetof(dw4_frame, next) == 168 &&
                                       offsetof(dw4_frame, pairs) == 184 && offsetof(dw4_frame, ip) == 188 && offsetof(dw4_frame, odd) == 192 &&
                                       offsetof(dw4_frame, row_pairs) == 196 && offsetof(dw4_frame, rows) == 200 &&
                                       offsetof(dw4_frame, row_ip) == 204 && offsetof(dw4_frame, row_step) == 208 &&
                                       offsetof(dw4_frame, row_out) == 212 && offsetof(dw4_frame, out_row) == 216
                                   ? 1
                                   : -1];

/* The fast requantization of channel J (its m at frame offset QM, kc and r at QK) of accumulator A into [BASE, OFF]. */
#define DW4_REQ(QM, QK, A, STORE)            \
  "ldr %[xe], [%[fp], #" QM "]\n\t"         \
  "ldrd %[xo], %[fe], [%[fp], #" QK "]\n\t" \
  DW4_REQ_AGAIN(A, STORE)
/* The same with m, kc and r still in xe, xo, fe. */
#define DW4_REQ_AGAIN(A, STORE)                   \
  "sub %[fo], %[xo], %[" A "], lsr #31\n\t"      \
  "smmlar %[" A "], %[" A "], %[xe], %[fo]\n\t"  \
  "asr %[" A "], %[" A "], %[fe]\n\t"            \
  "ssat %[" A "], #8, %[" A "]\n\t"              \
  "strb %[" A "], " STORE "\n\t"
/* Channel J of both pixels: out[J] from A, then out[out_c + J] from B (A then holds out_c + J, from frame offset NEXT). */
#define DW4_REQ2(J, QM, QK, NEXT, A, B) \
  DW4_REQ(QM, QK, A, "[%[ip], #" J "]") "ldr %[" A "], [%[fp], #" NEXT "]\n\t" DW4_REQ_AGAIN(B, "[%[ip], %[" A "]]")
#define DW4_PAIRS(ROW)                                                                                                     \
  "0:\n\t"                                                                                                                 \
  "ldr %[xe], [%[fp], #196]\n\t"                                                                                           \
  "str %[xe], [%[fp], #184]\n\t"                                                                                           \
  "cmp %[xe], #0\n\t"                                                                                                      \
  "beq 2f\n\t"                                                                                                             \
  "1:\n\t"                                                                                                                 \
  "ldrd %[a0], %[a1], [%[fp], #84]\n\t"                                                                                    \
  "ldrd %[a2], %[a3], [%[fp], #92]\n\t"                                                                                    \
  "ldrd %[b0], %[b1], [%[fp], #100]\n\t"                                                                                   \
  "ldrd %[b2], %[b3], [%[fp], #108]\n\t"                                                                                   \
  ROW(0, 8, 16) DW4_STEP(72) ROW(24, 32, 40) DW4_STEP(76) ROW(48, 56, 64) DW4_STEP(80)                                     \
  "str %[ip], [%[fp], #188]\n\t"                                                                                           \
  "ldr %[ip], [%[fp], #164]\n\t"                                                                                           \
  DW4_REQ2("0", "116", "120", "168", "a0", "b0") DW4_REQ2("1", "128", "132", "172", "a1", "b1")                            \
  DW4_REQ2("2", "140", "144", "176", "a2", "b2") DW4_REQ2("3", "152", "156", "180", "a3", "b3")                            \
  "add %[ip], %[ip], %[a0], lsl #1\n\t"                                                                                    \
  "str %[ip], [%[fp], #164]\n\t"                                                                                           \
  "ldr %[ip], [%[fp], #188]\n\t"                                                                                           \
  "ldr %[xe], [%[fp], #184]\n\t"                                                                                           \
  "subs %[xe], %[xe], #1\n\t"                                                                                              \
  "str %[xe], [%[fp], #184]\n\t"                                                                                           \
  "bne 1b\n\t"                                                                                                             \
  "2:\n\t"                                                                                                                 \
  "ldr %[xe], [%[fp], #192]\n\t"                                                                                           \
  "cmp %[xe], #0\n\t"                                                                                                      \
  "beq 3f\n\t"                                                                                                             \
  "ldrd %[a0], %[a1], [%[fp], #84]\n\t"                                                                                    \
  "ldrd %[a2], %[a3], [%[fp], #92]\n\t"                                                                                    \
  DW4_ROW_1(0, 8, 16) DW4_STEP(72) DW4_ROW_1(24, 32, 40) DW4_STEP(76) DW4_ROW_1(48, 56, 64)                                \
  "ldr %[b0], [%[fp], #164]\n\t"                                                                                           \
  DW4_REQ("116", "120", "a0", "[%[b0], #0]") DW4_REQ("128", "132", "a1", "[%[b0], #1]")                                     \
  DW4_REQ("140", "144", "a2", "[%[b0], #2]") DW4_REQ("152", "156", "a3", "[%[b0], #3]")                                     \
  "3:\n\t"                                                                                                                 \
  "ldr %[xe], [%[fp], #200]\n\t"                                                                                           \
  "subs %[xe], %[xe], #1\n\t"                                                                                              \
  "beq 4f\n\t"                                                                                                             \
  "str %[xe], [%[fp], #200]\n\t"                                                                                           \
  "ldrd %[ip], %[xe], [%[fp], #204]\n\t"                                                                                   \
  "add %[ip], %[ip], %[xe]\n\t"                                                                                            \
  "str %[ip], [%[fp], #204]\n\t"                                                                                           \
  "ldrd %[xe], %[xo], [%[fp], #212]\n\t"                                                                                   \
  "add %[xe], %[xe], %[xo]\n\t"                                                                                            \
  "str %[xe], [%[fp], #212]\n\t"                                                                                           \
  "str %[xe], [%[fp], #164]\n\t"                                                                                           \
  "b 0b\n\t"                                                                                                               \
  "4:\n\t"
#define DW4_PAIRS_OPERANDS                                                                                               \
  : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [b0] "=&r"(b0), [b1] "=&r"(b1), [b2] "=&r"(b2),      \
    [b3] "=&r"(b3), [ip] "+r"(ip), [xe] "=&r"(xe), [xo] "=&r"(xo), [fe] "=&r"(fe), [fo] "=&r"(fo)                         \
  : [fp] "r"(fr)                                                                                                         \
  : "cc", "memory"

/*
 * fr->rows output rows from the band at fr->row_ip (= ip) and the output at fr->row_out (= fr->out),
 * fr->row_step and fr->out_row apart: in each, fr->row_pairs pairs of pixels `stride` columns apart,
 * then one more pixel if fr->odd; fast requantization. Each pass: 8 accumulators, the window's taps,
 * then the 8 outputs, every operand at a fixed offset of the frame.
 */
static void __attribute__((noinline)) dw4_row_s1(const uint8_t *ip, dw4_frame *fr) {
  int32_t a0, a1, a2, a3, b0, b1, b2, b3, xe, xo, fe, fo;
  __asm__ volatile(DW4_PAIRS(DW4_ROW_S1) DW4_PAIRS_OPERANDS);
}

static void __attribute__((noinline)) dw4_row_s2(const uint8_t *ip, dw4_frame *fr) {
  int32_t a0, a1, a2, a3, b0, b1, b2, b3, xe, xo, fe, fo;
  __asm__ volatile(DW4_PAIRS(DW4_ROW_S2) DW4_PAIRS_OPERANDS);
}
#undef DW4_REQ
#undef DW4_REQ_AGAIN
#undef DW4_REQ2
#undef DW4_PAIRS
#undef DW4_PAIRS_OPERANDS
#else
static void __attribute__((noinline)) dw4_row_fast(const uint8_t *ip, const dw4_frame *fr, const dw_req *k, int32_t n, int32_t stride, int8_t *out) {
  dw4_row_body(ip, fr, k, n, stride, out, 1);
}
#endif
#if defined(DW4_MAC)
#undef DW4_MAC
#undef DW4_P0
#undef DW4_P1
#undef DW4_F
#undef DW4_X
#undef DW4_STEP
#undef DW4_ROW_S1
#undef DW4_ROW_S2
#undef DW4_ROW_1
#undef DW4_OPERANDS
#endif

/* One output row of a group: n pixels `stride` columns apart from band column 0 at ip (ring row 0), into out onwards. */
static void dw4_row(const uint8_t *ip, dw4_frame *fr, const dw_req *k, int32_t n, int32_t stride, int8_t *out) {
  if (!k->fast) {
    dw4_row_general(ip, fr, k, n, stride, out);
    return;
  }
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  fr->out = fr->row_out = out, fr->row_ip = ip, fr->rows = 1;
  if (stride <= 2) {
    fr->row_pairs = n / 2, fr->odd = n & 1;
    (stride == 1 ? dw4_row_s1 : dw4_row_s2)(ip, fr);
  } else {
    fr->row_pairs = 0, fr->odd = 1;
    for (int32_t i = 0; i < n; i++, fr->out += fr->next[0]) dw4_row_s1(ip + (size_t)i * 8u * (size_t)stride, fr);
  }
#else
  dw4_row_fast(ip, fr, k, n, stride, out);
#endif
  if (k->clamp) dw_clamp4(out, n, fr->next[0], k->act_min, k->act_max);
}

/* Every output row of one group (r->in, r->out at its first channel), through `band`: a ring, or every row (r->whole). */
static void __attribute__((noinline)) dw4_group(const dw_rows *r, dw4_frame *fr, const dw_req *k, uint8_t *band) {
  if (r->whole) {
    uint8_t *row = band;
    for (int32_t i = 0, y = -r->pad_h, n = (r->out_h - 1) * r->stride_h + 3; i < n; i++, y++, row += r->row_bytes) {
      dw4_fill(row, y >= 0 && y < r->in_h ? r->in + (size_t)y * (size_t)r->in_row : NULL, r);
    }
    fr->step[0] = fr->step[1] = r->row_bytes;
    fr->step[2] = (int32_t)(16u * (uint32_t)r->stride_w - 2u * (uint32_t)r->row_bytes); /* used only between pairs */
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
    if (k->fast && r->stride_w <= 2) {
      fr->out = fr->row_out = r->out, fr->row_ip = band, fr->rows = r->out_h;
      fr->row_pairs = r->out_w / 2, fr->odd = r->out_w & 1;
      (r->stride_w == 1 ? dw4_row_s1 : dw4_row_s2)(band, fr);
      for (int32_t oy = 0; k->clamp && oy < r->out_h; oy++) dw_clamp4(r->out + (size_t)oy * (size_t)r->out_row, r->out_w, fr->next[0], k->act_min, k->act_max);
      return;
    }
#endif
    int8_t *out = r->out;
    for (int32_t oy = 0; oy < r->out_h; oy++, out += r->out_row) dw4_row(band + (size_t)oy * (size_t)fr->row_step, fr, k, r->out_w, r->stride_w, out);
    return;
  }
  dw_ring ring = {{band, band + r->row_bytes, band + 2 * r->row_bytes}};
  int8_t *out = r->out;
  for (int32_t oy = 0, y0 = -r->pad_h; oy < r->out_h; oy++, y0 += r->stride_h, out += r->out_row) {
    for (int32_t i = oy == 0 ? 0 : DW_BAND_ROWS - dw_ring_advance(&ring, r->stride_h); i < DW_BAND_ROWS; i++) {
      const int32_t y = y0 + i;
      dw4_fill(ring.rows[i], (uint32_t)y < (uint32_t)r->in_h ? r->in + (size_t)y * (size_t)r->in_row : NULL, r);
    }
    fr->step[0] = (int32_t)(ring.rows[1] - ring.rows[0]), fr->step[1] = (int32_t)(ring.rows[2] - ring.rows[1]);
    fr->step[2] = (int32_t)((uint32_t)(ring.rows[0] - ring.rows[2]) + 16u * (uint32_t)r->stride_w); /* used only between pairs */
    dw4_row(ring.rows[0], fr, k, r->out_w, r->stride_w, out);
  }
}

static void dw_band4_s8(const xsml_dwconv_dims *d, const xsml_conv_quant_s8 *q, const int8_t *input, const int8_t *filter,
                        const int32_t *bias, int8_t *output, uint8_t *band) {
  const int32_t c = d->in_c, cols = (int32_t)band_cols(d);
  const dw_req k = dw_req_of(q, bias, c, DW_FAST_BIAS);
  const int scale = k.fast ? 2 : 1;
  dw_rows r = dw_rows_of(d, cols, cols * 8, q->input_offset);
  r.whole = band4_whole(d) != 0;
  dw4_frame fr;
  for (int32_t j = 0; j < 4; j++) fr.next[j] = c + j;
  fr.row_step = (int32_t)((uint32_t)r.stride_h * (uint32_t)r.row_bytes), fr.out_row = r.out_row; /* row_step: used only between rows */
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *in_b = input + (size_t)b * (size_t)d->in_h * (size_t)r.in_row;
    int8_t *out_b = output + (size_t)b * (size_t)d->out_h * (size_t)r.out_row;
    for (int32_t g0 = 0; g0 < c; g0 += 4) {
      for (int32_t t = 0; t < 9; t++) {
        const int8_t *f = filter + (size_t)t * (size_t)c + (size_t)g0;
#if defined(__ARM_FEATURE_DSP)
        const int32_t w = xsml_load_s8x4(f), e = __sxtb16(w), o = xsml_sxtb16_odd(w);
        const int32_t lanes[2] = {scale == 2 ? __sadd16(e, e) : e, scale == 2 ? __sadd16(o, o) : o};
        memcpy(fr.f + 4 * t, lanes, 8);
#else
        fr.f[4 * t] = (int16_t)(f[0] * scale), fr.f[4 * t + 1] = (int16_t)(f[2] * scale);
        fr.f[4 * t + 2] = (int16_t)(f[1] * scale), fr.f[4 * t + 3] = (int16_t)(f[3] * scale);
#endif
      }
      for (int32_t j = 0; j < 4; j++) {
        fr.bias[j] = fr.bias[j + 4] = bias ? (uint32_t)bias[g0 + j] * (uint32_t)scale : 0u;
        fr.q[j] = dw_q_of(q, &k, g0 + j);
      }
      r.in = in_b + g0, r.out = out_b + g0;
      dw4_group(&r, &fr, &k, band);
    }
  }
}

/*
 * band1: a band column is one byte of the input channel, the padding its zero point (-input_offset,
 * when that is an int8 value; else the generic loops run). Per pixel the window's values + input_offset
 * go in 5 int16 pairs, taps (0,0) (0,2), (1,0) (1,2), (2,0) (2,2), (0,1) (1,1), (2,1) (2,3): what
 * __sxtab16 makes of each row's word, and one __pkhbt; each pair meets the same taps of an output
 * channel (tap (2,3) as 0) in one __smlad. The frame holds what one output row of a group of 4 output
 * channels needs, read by the assembly at the offsets noted.
 */
typedef struct {
  int32_t f[20];     /* 0: channel j's 5 pairs of taps at f[5j] (x the scale) */
  int32_t step[3];   /* 80: bytes from ring row 0 to row 1, row 1 to row 2, row 2 to row 0 of the next pixel */
  uint32_t bias[4];  /* 92: x the scale, or 0 */
  dw_q q[4];         /* 108 */
  int8_t *out;       /* 156: the output of the next pixel */
  int32_t out_c;     /* 160: bytes from one output pixel to the next */
  int32_t count;     /* 164: pixels left */
  int32_t off2;      /* 168: input_offset in both int16 lanes */
} dw1_frame;

static int dw_band1_padding(const xsml_conv_quant_s8 *q) { return q->input_offset >= -127 && q->input_offset <= 128; }

/* Input row `in` (one channel, in_c apart), or NULL for a row of padding, into band row `dst` (and its slack). */
static void dw1_fill(int8_t *dst, const int8_t *in, int32_t in_w, int32_t in_c, int32_t pad_w, int32_t row_bytes, int8_t pad) {
  if (!in) {
    memset(dst, pad, (size_t)row_bytes);
    return;
  }
  const int32_t lo = pad_w < row_bytes ? pad_w : row_bytes, hi = (int64_t)pad_w + in_w < row_bytes ? pad_w + in_w : row_bytes;
  memset(dst, pad, (size_t)lo);
  const int8_t *s = in + (size_t)(lo - pad_w) * (size_t)in_c;
  if (in_c == 1) {
    if (hi > lo) memcpy(dst + lo, s, (size_t)(hi - lo));
  } else {
    for (int32_t k = lo; k < hi; k++, s += in_c) dst[k] = *s;
  }
  memset(dst + (hi > lo ? hi : lo), pad, (size_t)(row_bytes - (hi > lo ? hi : lo)));
}

/* One output row of a group in C: n pixels `stride` columns apart from band column 0 at ip (ring row 0). */
static inline __attribute__((always_inline)) void dw1_row_body(const uint8_t *ip, const dw1_frame *fr, const dw_req *k, int32_t n,
                                                               int32_t stride, int8_t *out, const int fast) {
  const int32_t off = (int16_t)fr->off2;
  for (int32_t x = 0; x < n; x++, out += fr->out_c) {
    const int8_t *r0 = (const int8_t *)ip + (size_t)x * (size_t)stride, *r1 = r0 + fr->step[0], *r2 = r1 + fr->step[1];
    const int32_t p0 = pack_s16x2(r0[0] + off, r0[2] + off), p1 = pack_s16x2(r1[0] + off, r1[2] + off);
    const int32_t p2 = pack_s16x2(r2[0] + off, r2[2] + off), p3 = pack_s16x2(r0[1] + off, r1[1] + off);
    const int32_t p4 = pack_s16x2(r2[1] + off, r2[3] + off);
    for (int32_t j = 0; j < 4; j++) {
      const int32_t *f = fr->f + 5 * j;
      uint32_t acc = DW_SMLAD(p0, f[0], fr->bias[j]);
      acc = DW_SMLAD(p1, f[1], acc), acc = DW_SMLAD(p2, f[2], acc), acc = DW_SMLAD(p3, f[3], acc), acc = DW_SMLAD(p4, f[4], acc);
      out[j] = dw_requant(acc, &fr->q[j], k, fast);
    }
  }
}

/* The general requantization (not dw_fast). */
static void __attribute__((noinline)) dw1_row_general(const uint8_t *ip, const dw1_frame *fr, const dw_req *k, int32_t n, int32_t stride,
                                                      int8_t *out) {
  dw1_row_body(ip, fr, k, n, stride, out, 0);
}

#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
typedef char dw1_frame_offsets[offsetof(dw1_frame, step) == 80 && offsetof(dw1_frame, bias) == 92 && offsetof(dw1_frame, q) == 108 &&
                                       offsetof(dw1_frame, out) == 156 && offsetof(dw1_frame, out_c) == 160 &&
                                       offsetof(dw1_frame, count) == 164 && offsetof(dw1_frame, off2) == 168
                                   ? 1
                                   : -1];
#define DW1_ROW(STEP, P, PO) \
  "ldr %[f1], [%[ip]]\n\t" "sxtab16 %[" P "], %[f0], %[f1]\n\t" "sxtab16 %[" PO "], %[f0], %[f1], ror #8\n\t" \
  "ldr %[a0], [%[fp], #" STEP "]\n\t" "add %[ip], %[ip], %[a0]\n\t"
/* Channel J's 5 pairs of taps at frame offset F0 (F0 + 8, F0 + 16 the next pairs of words). */
#define DW1_SMLAD(A, P, F) "smlad %[" A "], %[" P "], %[" F "], %[" A "]\n\t"
#define DW1_LOADF(OFF) "ldrd %[f0], %[f1], [%[fp], #" OFF "]\n\t"
#define DW1_REQ(J, QM, QK, A) \
  "ldr %[p1], [%[fp], #" QM "]\n\t" "ldrd %[p2], %[p3], [%[fp], #" QK "]\n\t" "sub %[p2], %[p2], %[" A "], lsr #31\n\t" \
  "smmlar %[" A "], %[" A "], %[p1], %[p2]\n\t" "asr %[" A "], %[" A "], %[p3]\n\t" "ssat %[" A "], #8, %[" A "]\n\t"   \
  "strb %[" A "], [%[p0], #" J "]\n\t"

/* fr->count (>= 1) pixels from ip, fast requantization, into fr->out onwards. */
static void __attribute__((noinline)) dw1_pixels(const uint8_t *ip, dw1_frame *fr) {
  int32_t a0, a1, a2, a3, p0, p1, p2, p3, p4, f0, f1;
  __asm__ volatile(
      "1:\n\t"
      "ldr %[f0], [%[fp], #168]\n\t"
      DW1_ROW("80", "p0", "p3") DW1_ROW("84", "p1", "a1") "pkhbt %[p3], %[p3], %[a1], lsl #16\n\t" DW1_ROW("88", "p2", "p4")
      "ldrd %[a0], %[a1], [%[fp], #92]\n\t"
      "ldrd %[a2], %[a3], [%[fp], #100]\n\t"
      DW1_LOADF("0") DW1_SMLAD("a0", "p0", "f0") DW1_SMLAD("a0", "p1", "f1")
      DW1_LOADF("8") DW1_SMLAD("a0", "p2", "f0") DW1_SMLAD("a0", "p3", "f1")
      DW1_LOADF("16") DW1_SMLAD("a0", "p4", "f0") DW1_SMLAD("a1", "p0", "f1")
      DW1_LOADF("24") DW1_SMLAD("a1", "p1", "f0") DW1_SMLAD("a1", "p2", "f1")
      DW1_LOADF("32") DW1_SMLAD("a1", "p3", "f0") DW1_SMLAD("a1", "p4", "f1")
      DW1_LOADF("40") DW1_SMLAD("a2", "p0", "f0") DW1_SMLAD("a2", "p1", "f1")
      DW1_LOADF("48") DW1_SMLAD("a2", "p2", "f0") DW1_SMLAD("a2", "p3", "f1")
      DW1_LOADF("56") DW1_SMLAD("a2", "p4", "f0") DW1_SMLAD("a3", "p0", "f1")
      DW1_LOADF("64") DW1_SMLAD("a3", "p1", "f0") DW1_SMLAD("a3", "p2", "f1")
      DW1_LOADF("72") DW1_SMLAD("a3", "p3", "f0") DW1_SMLAD("a3", "p4", "f1")
      "ldr %[p0], [%[fp], #156]\n\t"
      DW1_REQ("0", "108", "112", "a0") DW1_REQ("1", "120", "124", "a1") DW1_REQ("2", "132", "136", "a2") DW1_REQ("3", "144", "148", "a3")
      "ldr %[p1], [%[fp], #160]\n\t"
      "add %[p0], %[p0], %[p1]\n\t"
      "str %[p0], [%[fp], #156]\n\t"
      "ldr %[p1], [%[fp], #164]\n\t"
      "subs %[p1], %[p1], #1\n\t"
      "str %[p1], [%[fp], #164]\n\t"
      "bne 1b\n\t"
      : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [p0] "=&r"(p0), [p1] "=&r"(p1), [p2] "=&r"(p2), [p3] "=&r"(p3),
        [p4] "=&r"(p4), [f0] "=&r"(f0), [f1] "=&r"(f1), [ip] "+r"(ip)
      : [fp] "r"(fr)
      : "cc", "memory");
}
#undef DW1_ROW
#undef DW1_SMLAD
#undef DW1_LOADF
#undef DW1_REQ
#else
static void __attribute__((noinline)) dw1_row_fast(const uint8_t *ip, const dw1_frame *fr, const dw_req *k, int32_t n, int32_t stride,
                                                   int8_t *out) {
  dw1_row_body(ip, fr, k, n, stride, out, 1);
}
#endif

static void dw_band1_s8(const xsml_dwconv_dims *d, const xsml_conv_quant_s8 *q, const int8_t *input, const int8_t *filter,
                        const int32_t *bias, int8_t *output, uint8_t *band) {
  const int32_t in_c = d->in_c, out_c = d->out_c, mult = d->depth_multiplier, in_h = d->in_h, in_w = d->in_w, out_w = d->out_w;
  const int32_t cols = (int32_t)band_cols(d), row_bytes = (cols + 4) & ~3;
  const int8_t pad = (int8_t)-q->input_offset;
  const dw_req k = dw_req_of(q, bias, out_c, DW_FAST_BIAS);
  const int32_t scale = k.fast ? 2 : 1;
  dw1_frame fr;
  fr.out_c = out_c;
  fr.off2 = pack_s16x2(q->input_offset, q->input_offset);
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *in_b = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)in_c;
    int8_t *out_b = output + (size_t)b * (size_t)d->out_h * (size_t)out_w * (size_t)out_c;
    for (int32_t o0 = 0; o0 < out_c; o0 += 4) {
      const int32_t c = o0 / mult;
      for (int32_t j = 0; j < 4; j++) {
        const int8_t *f = filter + o0 + j; /* tap (ky, kx) at f[(3 * ky + kx) * out_c] */
#define DW1_TAP(T) (f[(T) * out_c] * scale)
        fr.f[5 * j] = pack_s16x2(DW1_TAP(0), DW1_TAP(2)), fr.f[5 * j + 1] = pack_s16x2(DW1_TAP(3), DW1_TAP(5));
        fr.f[5 * j + 2] = pack_s16x2(DW1_TAP(6), DW1_TAP(8)), fr.f[5 * j + 3] = pack_s16x2(DW1_TAP(1), DW1_TAP(4));
        fr.f[5 * j + 4] = pack_s16x2(DW1_TAP(7), 0);
#undef DW1_TAP
        fr.bias[j] = bias ? (uint32_t)bias[o0 + j] * (uint32_t)scale : 0u;
        fr.q[j] = dw_q_of(q, &k, o0 + j);
      }
      dw_ring ring = {{band, band + row_bytes, band + 2 * row_bytes}};
      for (int32_t oy = 0; oy < d->out_h; oy++) {
        const int32_t y0 = oy * d->stride_h - d->pad_h;
        for (int32_t i = oy == 0 ? 0 : DW_BAND_ROWS - dw_ring_advance(&ring, d->stride_h); i < DW_BAND_ROWS; i++) {
          const int32_t y = y0 + i;
          const int8_t *in = y >= 0 && y < in_h ? in_b + (size_t)y * (size_t)in_w * (size_t)in_c + (size_t)c : NULL;
          dw1_fill((int8_t *)ring.rows[i], in, in_w, in_c, d->pad_w, row_bytes, pad);
        }
        fr.step[0] = (int32_t)(ring.rows[1] - ring.rows[0]), fr.step[1] = (int32_t)(ring.rows[2] - ring.rows[1]);
        fr.step[2] = (int32_t)((uint32_t)(ring.rows[0] - ring.rows[2]) + (uint32_t)d->stride_w); /* used only between pixels */
        const uint8_t *ip = ring.rows[0];
        int8_t *out = out_b + (size_t)oy * (size_t)out_w * (size_t)out_c + (size_t)o0;
        if (!k.fast) {
          dw1_row_general(ip, &fr, &k, out_w, d->stride_w, out);
          continue;
        }
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
        fr.out = out, fr.count = out_w;
        dw1_pixels(ip, &fr);
#else
        dw1_row_fast(ip, &fr, &k, out_w, d->stride_w, out);
#endif
        if (k.clamp) dw_clamp4(out, out_w, out_c, k.act_min, k.act_max);
      }
    }
  }
}

/*
 * One input channel, a depth multiplier that is a multiple of 4 and dilation_w 1, any other window
 * (micro_speech: 10x8, multiplier 8, stride 2): pixels two at a time, output channels four at a time,
 * taps two at a time (__smlad), from buffers on the C stack (dw1c_layout). The band: a ring of the input
 * rows the windows span, input row y in slot y + pad_h mod `span`, each as scale x (input +
 * input_offset) in int16 from input column -pad_w, 0 in the padding: taps kx and kx + 1 of a pixel are
 * one word. The taps, per row a pair for kx = 0, 2, ... (a last one of zero filter when filter_w is odd),
 * an even number of pairs (the last ones zeros if needed), for one output row and a group of 4 channels:
 * the byte offsets of the words of pixels p and p + 1 from pixel 0's (the last pair's first offset with
 * bit 0 set), and per channel of the group the pair's filter values as int16 pairs. An odd last pixel is
 * computed as a pair whose second pixel is dropped. scale is 2 when dw_fast allows (see the banded
 * paths), else 1.
 */
enum { DW1C_STACK = 2048, DW1C_FRAME_BYTES = 80 };

typedef struct {
  int32_t off_p, off_q; /* pixel p's word, pixel p + 1's */
  int32_t f[4];         /* channel j: kx | kx + 1 << 16 */
} dw1c_tap;

/* After the taps: what the fast requantization of a pair reads (dw1c_pair_fast). */
typedef struct {
  dw_q q[4];          /* channels 0..3 of the group */
  int8_t *out_p, *out_q; /* the outputs of pixels p and p + 1 (the last of an odd row: `drop`) */
  int32_t drop;
} dw1c_frame;

/* The stack the frame takes, the same on every target (so is the choice of this path). */
typedef char dw1c_frame_fits[sizeof(dw1c_frame) <= DW1C_FRAME_BYTES ? 1 : -1];

typedef struct {
  int32_t cols;      /* int16 values of a band row: stride_w x (2 ceil(out_w / 2) - 1) + filter_w rounded up to even */
  int32_t row_bytes; /* rounded up to a word */
  int32_t span;      /* rows of the ring: (filter_h - 1) x dilation_h + 1 */
  int32_t pairs;     /* filter_h x ceil(filter_w / 2) rounded up to even */
} dw1c_layout;

/* The layout, and in `bytes` the stack it takes (the taps, the frame, the band and a tag per slot). */
static dw1c_layout dw1c_layout_of(const xsml_dwconv_dims *d, uint64_t *bytes) {
  const uint64_t cols = xsml_mul_sat((uint64_t)d->stride_w, 2u * (((uint64_t)d->out_w + 1u) / 2u) - 1u) + (((uint64_t)d->filter_w + 1u) & ~(uint64_t)1);
  const uint64_t row = (cols * 2u + 3u) & ~(uint64_t)3;
  const uint64_t span = (uint64_t)(d->filter_h - 1) * (uint64_t)d->dilation_h + 1u;
  const uint64_t pairs = (xsml_mul_sat((uint64_t)d->filter_h, ((uint64_t)d->filter_w + 1u) / 2u) + 1u) & ~(uint64_t)1;
  *bytes = xsml_mul_sat(pairs, sizeof(dw1c_tap)) + DW1C_FRAME_BYTES + xsml_mul_sat(span, row + 4u);
  const dw1c_layout l = {(int32_t)(cols > DW1C_STACK ? 0 : cols), (int32_t)(row > DW1C_STACK ? 0 : row),
                         (int32_t)(span > DW1C_STACK ? 0 : span), (int32_t)(pairs > DW1C_STACK ? 0 : pairs)};
  return l;
}

/* Whether the shape takes this path: one input channel, a multiplier of 4k, dilation_w 1 and buffers within DW1C_STACK bytes. */
static int dw_one_channel(const xsml_dwconv_dims *d) {
  if (d->in_c != 1 || d->depth_multiplier % 4 != 0 || d->dilation_w != 1) return 0;
  uint64_t bytes;
  dw1c_layout_of(d, &bytes);
  return bytes <= DW1C_STACK;
}

/* Input row `in` (NULL: padding) into band row `row`: scale x value + off_s (= scale x input_offset). */
static void dw1c_fill(int16_t *row, const int8_t *in, const xsml_dwconv_dims *d, const dw1c_layout *l, int32_t off_s, int32_t scale) {
  memset(row, 0, (size_t)l->row_bytes);
  if (!in || d->pad_w >= l->cols) return;
  /* Band column c is input column c - pad_w: inside for c in [pad_w, pad_w + in_w), columns from cols on never read. */
  const int32_t end = d->in_w < l->cols - d->pad_w ? d->pad_w + d->in_w : l->cols;
  for (int16_t *r = row + d->pad_w, *e = row + end; r < e;) *r++ = (int16_t)(*in++ * scale + off_s);
}

#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
/*
 * The tap pairs from t on, 2 at a time, to the one whose off_p has bit 0 set, into a* (pixel p, at ip)
 * and b* (pixel p + 1); t ends past them. xp, xq, f0 and f1 are r0..r3 (ldm loads registers in order).
 */
#define DW1C_MAC(A, B, F)                          \
  "smlad %[" A "], %[xp], %[" F "], %[" A "]\n\t"   \
  "smlad %[" B "], %[xq], %[" F "], %[" B "]\n\t"
#define DW1C_PAIR                                                                                      \
  "ldr %[xq], [%[ip], %[xq]]\n\t" DW1C_MAC("a0", "b0", "f0") DW1C_MAC("a1", "b1", "f1")                \
  "ldmia %[t]!, {%[f0], %[f1]}\n\t" DW1C_MAC("a2", "b2", "f0") DW1C_MAC("a3", "b3", "f1")
#define DW1C_LOOP                                       \
  "1:\n\t"                                              \
  "ldmia %[t]!, {%[xp], %[xq], %[f0], %[f1]}\n\t"       \
  "ldr %[xp], [%[ip], %[xp]]\n\t"                       \
  DW1C_PAIR                                             \
  "ldmia %[t]!, {%[xp], %[xq], %[f0], %[f1]}\n\t"       \
  "lsrs %[xp], %[xp], #1\n\t"                           \
  "ldr %[xp], [%[ip], %[xp], lsl #1]\n\t"               \
  DW1C_PAIR                                             \
  "bcc 1b\n\t"
#define DW1C_OPERANDS                                                                                                        \
  [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1), [b2] "+r"(b2), [b3] "+r"(b3), \
      [t] "+r"(t), [xp] "=&r"(xp), [xq] "=&r"(xq), [f0] "=&r"(f0), [f1] "=&r"(f1)
/* Channel J's a and b requantized (dw_requant's fast form) from its dw_q at t: m in xp, kc in xq, r in f0. */
#define DW1C_REQ(A, B)                                                                                                   \
  "ldmia %[t]!, {%[xp], %[xq], %[f0]}\n\t"                                                                            \
  "sub %[f1], %[xq], %[" A "], lsr #31\n\t" "smmlar %[" A "], %[" A "], %[xp], %[f1]\n\t" "asr %[" A "], %[" A "], %[f0]\n\t" \
  "ssat %[" A "], #8, %[" A "]\n\t"                                                                                  \
  "sub %[f1], %[xq], %[" B "], lsr #31\n\t" "smmlar %[" B "], %[" B "], %[xp], %[f1]\n\t" "asr %[" B "], %[" B "], %[f0]\n\t" \
  "ssat %[" B "], #8, %[" B "]\n\t"
#define DW1C_STORE(A, B, J) "strb %[" A "], [%[xp], #" J "]\n\t" "strb %[" B "], [%[xq], #" J "]\n\t"

/* acc += the tap pairs from t on of pixels p (a*) and p + 1 (b*), p's values at ip. */
static void __attribute__((noinline)) dw1c_pair(const dw1c_tap *t, const uint8_t *ip, acc8 *acc) {
  uint32_t a0 = acc->a0, a1 = acc->a1, a2 = acc->a2, a3 = acc->a3, b0 = acc->b0, b1 = acc->b1, b2 = acc->b2, b3 = acc->b3;
  register int32_t xp __asm__("r0"), xq __asm__("r1"), f0 __asm__("r2"), f1 __asm__("r3");
  __asm__ volatile(DW1C_LOOP : DW1C_OPERANDS : [ip] "r"(ip) : "cc", "memory");
  acc->a0 = a0, acc->a1 = a1, acc->a2 = a2, acc->a3 = a3, acc->b0 = b0, acc->b1 = b1, acc->b2 = b2, acc->b3 = b3;
}

/* Pixels p and p + 1 from the biases b4, requantized by the frame after the taps into its out_p and out_q. */
static void __attribute__((noinline)) dw1c_pair_fast(const dw1c_tap *t, const uint8_t *ip, const uint32_t *b4) {
  uint32_t a0 = b4[0], a1 = b4[1], a2 = b4[2], a3 = b4[3], b0 = a0, b1 = a1, b2 = a2, b3 = a3;
  register int32_t xp __asm__("r0"), xq __asm__("r1"), f0 __asm__("r2"), f1 __asm__("r3");
  __asm__ volatile(DW1C_LOOP DW1C_REQ("a0", "b0") DW1C_REQ("a1", "b1") DW1C_REQ("a2", "b2") DW1C_REQ("a3", "b3")
                   "ldmia %[t], {%[xp], %[xq]}\n\t"
                   DW1C_STORE("a0", "b0", "0") DW1C_STORE("a1", "b1", "1") DW1C_STORE("a2", "b2", "2") DW1C_STORE("a3", "b3", "3")
                   : DW1C_OPERANDS : [ip] "r"(ip) : "cc", "memory");
}
#undef DW1C_MAC
#undef DW1C_PAIR
#undef DW1C_LOOP
#undef DW1C_OPERANDS
#undef DW1C_REQ
#undef DW1C_STORE
#else
/* acc += the tap pairs from t on (to the one whose off_p has bit 0 set) of pixels p (a*) and p + 1 (b*), p's values at ip. */
static void dw1c_pair(const dw1c_tap *t, const uint8_t *ip, acc8 *acc) {
  for (;; t++) {
    int16_t x[2], y[2];
    memcpy(x, ip + (t->off_p & ~1), 4);
    memcpy(y, ip + t->off_q, 4);
    uint32_t a[4] = {acc->a0, acc->a1, acc->a2, acc->a3}, b[4] = {acc->b0, acc->b1, acc->b2, acc->b3};
    for (int32_t j = 0; j < 4; j++) {
      const int32_t lo = (int16_t)t->f[j], hi = t->f[j] >> 16;
      a[j] += (uint32_t)(lo * x[0]) + (uint32_t)(hi * x[1]);
      b[j] += (uint32_t)(lo * y[0]) + (uint32_t)(hi * y[1]);
    }
    acc->a0 = a[0], acc->a1 = a[1], acc->a2 = a[2], acc->a3 = a[3], acc->b0 = b[0], acc->b1 = b[1], acc->b2 = b[2], acc->b3 = b[3];
    if (t->off_p & 1) break;
  }
}
#endif

/* Channel j of the taps at f0 and f1 (NULL: zeros), 4 channels each, as an int16 pair into t->f[j]. */
static inline void dw1c_pack(dw1c_tap *t, const int8_t *f0, const int8_t *f1) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  const int32_t w0 = xsml_load_s8x4(f0), w1 = f1 ? xsml_load_s8x4(f1) : 0;
  const int32_t e0 = __sxtb16(w0), o0 = xsml_sxtb16_odd(w0), e1 = __sxtb16(w1), o1 = xsml_sxtb16_odd(w1);
  int32_t p0, p1, p2, p3;
  __asm__("pkhbt %[p0], %[e0], %[e1], lsl #16\n\t"
          "pkhbt %[p1], %[o0], %[o1], lsl #16\n\t"
          "pkhtb %[p2], %[e1], %[e0], asr #16\n\t"
          "pkhtb %[p3], %[o1], %[o0], asr #16\n\t"
          : [p0] "=&r"(p0), [p1] "=&r"(p1), [p2] "=&r"(p2), [p3] "=&r"(p3)
          : [e0] "r"(e0), [e1] "r"(e1), [o0] "r"(o0), [o1] "r"(o1));
  t->f[0] = p0, t->f[1] = p1, t->f[2] = p2, t->f[3] = p3;
#else
  for (int32_t j = 0; j < 4; j++) t->f[j] = pack_s16x2(f0[j], f1 ? f1[j] : 0);
#endif
}

/* A group's filter (from `f`, its channel 0) into the taps: per pair, channel j's kx | kx + 1 << 16. */
static void dw1c_filter(dw1c_tap *t, const int8_t *f, int32_t f_h, int32_t f_w, int32_t out_c) {
  for (int32_t ky = 0; ky < f_h; ky++) {
    for (int32_t i = f_w >> 1; i > 0; i--, t++, f += 2 * out_c) dw1c_pack(t, f, f + out_c);
    if (f_w & 1) dw1c_pack(t++, f, NULL), f += out_c;
  }
}

/* One output row of a group: out_w pixels from band pixel 0, pixel p + 1's `step` bytes after p's, requantized (fast: then [-128, 127]). */
static inline __attribute__((always_inline)) void dw1c_row_body(const dw1c_tap *taps, const uint8_t *band, int32_t step, const dw_q *qs,
                                                                const uint32_t *b4, const dw_req *k, int32_t out_w, int32_t out_c,
                                                                int8_t *out, const int fast) {
  for (int32_t p = 0; p < out_w; p += 2, band += 2 * step, out += 2 * out_c) {
    acc8 acc = {b4[0], b4[1], b4[2], b4[3], b4[0], b4[1], b4[2], b4[3]};
    dw1c_pair(taps, band, &acc);
    out[0] = dw_requant(acc.a0, &qs[0], k, fast), out[1] = dw_requant(acc.a1, &qs[1], k, fast);
    out[2] = dw_requant(acc.a2, &qs[2], k, fast), out[3] = dw_requant(acc.a3, &qs[3], k, fast);
    if (p + 1 < out_w) {
      out[out_c] = dw_requant(acc.b0, &qs[0], k, fast), out[out_c + 1] = dw_requant(acc.b1, &qs[1], k, fast);
      out[out_c + 2] = dw_requant(acc.b2, &qs[2], k, fast), out[out_c + 3] = dw_requant(acc.b3, &qs[3], k, fast);
    }
  }
}

/* dw1c_row_body with the fast requantization; on ARM through fr, the frame after the taps, its q set. */
static void __attribute__((noinline)) dw1c_row_fast(const dw1c_tap *taps, dw1c_frame *fr, const uint8_t *band, int32_t step, const dw_q *qs,
                                                    const uint32_t *b4, const dw_req *k, int32_t out_w, int32_t out_c, int8_t *out) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  for (int32_t p = 0; p < out_w; p += 2, band += 2 * step, out += 2 * out_c) {
    fr->out_p = out, fr->out_q = p + 1 < out_w ? out + out_c : (int8_t *)&fr->drop;
    dw1c_pair_fast(taps, band, b4);
  }
  (void)qs, (void)k;
#else
  (void)fr;
  dw1c_row_body(taps, band, step, qs, b4, k, out_w, out_c, out, 1);
#endif
}

static void __attribute__((noinline)) dw1c_row_general(const dw1c_tap *taps, const uint8_t *band, int32_t step, const dw_q *qs,
                                                       const uint32_t *b4, const dw_req *k, int32_t out_w, int32_t out_c, int8_t *out) {
  dw1c_row_body(taps, band, step, qs, b4, k, out_w, out_c, out, 0);
}

static void dw_one_channel_s8(const xsml_dwconv_dims *d, const xsml_conv_quant_s8 *q, const int8_t *input, const int8_t *filter,
                              const int32_t *bias, int8_t *output) {
  const int32_t f_h = d->filter_h, f_w = d->filter_w, out_c = d->out_c, out_w = d->out_w, w2 = (f_w + 1) / 2, n = f_h * w2;
  const int32_t step = 2 * d->stride_w;
  uint64_t bytes;
  const dw1c_layout l = dw1c_layout_of(d, &bytes);
  /* |acc| < 2^30 with f_h x f_w taps of |filter| <= 128 times |input + offset| <= 383 (< 2^16) */
  const dw_req k = dw_req_of(q, bias, out_c, (1 << 30) - f_h * f_w * (1 << 16));
  const int32_t scale = k.fast ? 2 : 1;
  union {
    int32_t w[DW1C_STACK / 4];
    int64_t align;
  } buf;
  dw1c_tap *taps = (dw1c_tap *)(void *)buf.w;
  dw1c_frame *fr = (dw1c_frame *)(void *)(taps + l.pairs);
  uint8_t *band = (uint8_t *)fr + DW1C_FRAME_BYTES;
  int32_t *tag = (int32_t *)(void *)(band + (size_t)l.span * (size_t)l.row_bytes);
  memset(taps + n, 0, (size_t)(l.pairs - n) * sizeof(dw1c_tap));
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *in_b = input + (size_t)b * (size_t)d->in_h * (size_t)d->in_w;
    for (int32_t i = 0; i < l.span; i++) tag[i] = -1 - d->pad_h; /* no row */
    for (int32_t oy = 0; oy < d->out_h; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      dw1c_tap *t = taps;
      for (int32_t ky = 0; ky < f_h; ky++) {
        const int32_t y = y0 + ky * d->dilation_h, slot = (y + d->pad_h) % l.span;
        uint8_t *row = band + (size_t)slot * (size_t)l.row_bytes;
        if (tag[slot] != y) {
          dw1c_fill((int16_t *)(void *)row, y >= 0 && y < d->in_h ? in_b + (size_t)y * (size_t)d->in_w : NULL, d, &l,
                    q->input_offset * scale, scale);
          tag[slot] = y;
        }
        for (int32_t i = 0, off = (int32_t)(row - band); i < w2; i++, t++, off += 4) t->off_p = off, t->off_q = off + step;
      }
      taps[l.pairs - 1].off_p |= 1;
      int8_t *out_row = output + (((size_t)b * (size_t)d->out_h + (size_t)oy) * (size_t)out_w) * (size_t)out_c;
      for (int32_t g = 0; g < out_c; g += 4) {
        if ((oy == 0 && b == 0) || out_c > 4) dw1c_filter(taps, filter + g, f_h, f_w, out_c);
        dw_q qs[4];
        uint32_t b4[4];
        for (int32_t j = 0; j < 4; j++) qs[j] = dw_q_of(q, &k, g + j), b4[j] = bias ? (uint32_t)bias[g + j] * (uint32_t)scale : 0u;
        int8_t *out = out_row + g;
        if (k.fast) {
          for (int32_t j = 0; j < 4; j++) fr->q[j] = qs[j];
          dw1c_row_fast(taps, fr, band, step, qs, b4, &k, out_w, out_c, out);
          if (k.clamp) dw_clamp4(out, out_w, out_c, k.act_min, k.act_max);
        } else {
          dw1c_row_general(taps, band, step, qs, b4, &k, out_w, out_c, out);
        }
      }
    }
  }
}

void xsml_depthwise_conv_2d_s8(const xsml_dwconv_dims *d, const xsml_conv_quant_s8 *quant, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output, void *scratch) {
  if (dw_band4(d)) {
    dw_band4_s8(d, quant, input, filter, bias, output, (uint8_t *)scratch);
    return;
  }
  if (dw_band1(d) && dw_band1_padding(quant)) {
    dw_band1_s8(d, quant, input, filter, bias, output, (uint8_t *)scratch);
    return;
  }
  if (dw_one_channel(d)) {
    dw_one_channel_s8(d, quant, input, filter, bias, output);
    return;
  }
  const int32_t in_h = d->in_h, in_w = d->in_w, in_c = d->in_c, out_c = d->out_c, f_w = d->filter_w, mult = d->depth_multiplier;
  const int32_t in_off = quant->input_offset, out_off = quant->output_offset;
  const int32_t lo = quant->act.min - out_off, hi = quant->act.max - out_off;
  const int32_t *mul = quant->multiplier;
  const int8_t *shift = quant->shift;
  /* Output channels [0, wide) go four at a time. */
  const int32_t wide = mult == 1 ? out_c & ~3 : mult % 4 == 0 ? out_c : 0;
  const size_t row_step = (size_t)d->dilation_h * (size_t)in_w * (size_t)in_c, tap_step = (size_t)d->dilation_w * (size_t)in_c;
  const size_t f_row_step = (size_t)f_w * (size_t)out_c;
  const int rs = dw_quant_rs(quant, out_c);
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
        int32_t o = 0;
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
      p[P_INPUT_OFFSET], p[P_OUTPUT_OFFSET], {p[P_ACT_MIN], p[P_ACT_MAX]}, p + P_PER_CHANNEL, (const int8_t *)(p + P_PER_CHANNEL + d.out_c),
  };
  xsml_depthwise_conv_2d_s8(&d, &quant, (const int8_t *)xsml_tensor(rec, R_INPUT, mem), (const int8_t *)xsml_tensor(rec, R_FILTER, mem),
                            (const int32_t *)xsml_tensor(rec, R_BIAS, mem), (int8_t *)xsml_tensor(rec, R_OUTPUT, mem),
                            xsml_tensor(rec, R_SCRATCH, mem));
}

/* The checks both kernels share; `elem` is the byte size of input, filter and output elements (1: int8, with a scratch ref). */
static const char *check_common(const int32_t *rec, const int32_t *ref_bytes, int64_t params, uint64_t elem) {
  if (elem == 1 && xsml_ref_count(rec) != R_COUNT_S8) return "expects 5 tensor refs (input, filter, bias, output, scratch)";
  if (elem != 1 && xsml_ref_count(rec) != R_COUNT) return "expects 4 tensor refs (input, filter, bias, output)";
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
  const int64_t per_channel = (int64_t)out_c + shift_words(out_c); /* multipliers and shifts */
  if (xsml_param_words(rec) < P_COUNT_S8 + per_channel) return "record too short for the per-channel multipliers and shifts";
  if (p[P_ACT_MIN] < -128 || p[P_ACT_MIN] > p[P_ACT_MAX] || p[P_ACT_MAX] > 127) return "activation range not within [-128, 127]";
  if (p[P_INPUT_OFFSET] < -255 || p[P_INPUT_OFFSET] > 255) return "input offset outside [-255, 255]";
  if (p[P_OUTPUT_OFFSET] < -128 || p[P_OUTPUT_OFFSET] > 127) return "output offset outside [-128, 127]";
  const int8_t *shift = (const int8_t *)(p + P_PER_CHANNEL + out_c);
  for (int32_t o = 0; o < out_c; o++) {
    if (shift[o] < -31 || shift[o] > 31) return "a requantization shift outside [-31, 31]";
  }
  if (!xsml_ref_present(rec, R_SCRATCH) || !xsml_ref_writable(rec, R_SCRATCH)) return "scratch ref missing or not in the arena";
  if (!xsml_ref_aligned(rec, R_SCRATCH, 4)) return "scratch ref not 4-byte aligned";
  const xsml_dwconv_dims d = dims_of(p);
  if (!xsml_ref_holds(ref_bytes, R_SCRATCH, xsml_depthwise_conv_2d_s8_scratch_bytes(&d))) return "scratch ref shorter than the kernel's band of input rows";
  return NULL;
}

const xsml_kernel xsml_k_depthwise_conv_2d_f32 = {XSML_K_DEPTHWISE_CONV_2D_F32, "DEPTHWISE_CONV_2D_F32", eval_f32, check_f32};
const xsml_kernel xsml_k_depthwise_conv_2d_s8 = {XSML_K_DEPTHWISE_CONV_2D_S8, "DEPTHWISE_CONV_2D_S8", eval_s8, check_s8};
