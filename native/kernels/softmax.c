/*
 * SOFTMAX (src/ops/softmax.ts). Float in float32 arithmetic; int8/uint8 inputs through gemmlowp's
 * fixed-point exp and reciprocal (TFLite's reference_ops::Softmax), bit-exact with the TypeScript.
 *
 * The float kernel's exp is its own (exp_f32, float32 arithmetic only: no libm, no double): the
 * TypeScript takes Math.exp in double and rounds it to float32; exp_f32 gives the same float but for
 * about 2 arguments in 10^6 (then 1 ulp off), and the same bits on every IEEE float32 target, where
 * a libm's expf differs from Math.exp more often (glibc's: 7 in 10^5) and from one libm to another.
 */
#include "softmax.h"

#include <float.h>
#include <string.h>

#include "fixed_point.h"

enum { P_OUTER = 0, P_DEPTH = 1, P_BETA = 2 };
enum {
  P_INPUT_MULTIPLIER = 2, P_INPUT_SHIFT, P_DIFF_MIN, P_INPUT_UINT8, P_OUTPUT_TYPE, P_OUTPUT_MIN, P_OUTPUT_MAX,
  P_OUTPUT_BITS, P_S8_COUNT
};
#define F32_COUNT 3
#define REFS 2

#define SCALED_DIFF_INTEGER_BITS 5   /* the exp input is Q5.26 */
#define ACCUMULATION_INTEGER_BITS 12 /* the sum of exps is Q12.19 */

/* ---- float ---- */

/* 2^(j/32) for j = 0..31, as hi + lo floats (hi the float nearest, lo the float nearest the rest). */
static const float EXP2_32[32][2] = {
  {0x1p+0f, 0.0f}, {0x1.059b0ep+0f, -0x1.9d4f52p-25f}, {0x1.0b5586p+0f, 0x1.9f3122p-25f}, {0x1.11301ep+0f, -0x1.fdb496p-25f},
  {0x1.172b84p+0f, -0x1.c15742p-27f}, {0x1.1d4874p+0f, -0x1.d2e8cap-25f}, {0x1.2387a6p+0f, 0x1.ceac48p-25f}, {0x1.29e9ep+0f, -0x1.5c0424p-25f},
  {0x1.306fep+0f, 0x1.4636e2p-25f}, {0x1.371a74p+0f, -0x1.18aac6p-25f}, {0x1.3dea64p+0f, 0x1.824684p-25f}, {0x1.44e086p+0f, 0x1.8624b4p-30f},
  {0x1.4bfdaep+0f, -0x1.593abcp-25f}, {0x1.5342b6p+0f, -0x1.2c561p-25f}, {0x1.5ab07ep+0f, -0x1.5bd5ecp-27f}, {0x1.6247ecp+0f, -0x1.f8b55p-25f},
  {0x1.6a09e6p+0f, 0x1.9fcef4p-26f}, {0x1.71f75ep+0f, 0x1.1d8beep-25f}, {0x1.7a1148p+0f, -0x1.829fdp-25f}, {0x1.82589ap+0f, -0x1.accc7cp-26f},
  {0x1.8ace54p+0f, 0x1.15506ep-27f}, {0x1.93737cp+0f, -0x1.e64744p-25f}, {0x1.9c4918p+0f, 0x1.51f848p-27f}, {0x1.a5503cp+0f, -0x1.b83b54p-25f},
  {0x1.ae89fap+0f, -0x1.a94b14p-26f}, {0x1.b7f77p+0f, -0x1.a09438p-25f}, {0x1.c199bep+0f, -0x1.3d56b2p-27f}, {0x1.cb720ep+0f, -0x1.8837ccp-27f},
  {0x1.d5818ep+0f, -0x1.822dbcp-27f}, {0x1.dfc974p+0f, -0x1.908c94p-25f}, {0x1.ea4afap+0f, 0x1.52486cp-27f}, {0x1.f50766p+0f, -0x1.246ebp-26f},
};

static inline float float_of_bits(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* a with its low 12 mantissa bits cleared: a 12-bit head, so head products are exact (Dekker). */
static inline float head12(float a) {
  uint32_t bits;
  memcpy(&bits, &a, sizeof bits);
  return float_of_bits(bits & UINT32_C(0xfffff000));
}

/* 2^k for -126 <= k <= 127. */
static inline float pow2i(int32_t k) { return float_of_bits((uint32_t)(k + 127) << 23); }

/*
 * exp(x) in float32 arithmetic only (no libm, no double: the same bits on every IEEE target).
 * Measured against (float)exp((double)x) over every float x in [-104, 89]: 4383 of 2.24e9 differ,
 * each by 1 ulp (near-halfway cases); subnormal results are rounded once, like the rest.
 * x = (32 k + j) ln2/32 + r; exp(x) = 2^k 2^(j/32) exp(r), carried in float-float until one final
 * rounding. Needs IEEE float32 arithmetic (round to nearest, subnormals not flushed) without
 * contraction into fused multiply-adds (-ffp-contract=off, the default of gcc -std=c99).
 */
static float exp_f32(float x) {
  if (x != x) return x;
  if (x > 89.0f) return float_of_bits(UINT32_C(0x7f800000)); /* +inf */
  if (x < -104.0f) return 0.0f;                               /* below half the least subnormal */
  const float z = x * 0x1.715476p+5f;                         /* 32 / ln2 */
  const int32_t n = (int32_t)(z + (z >= 0.0f ? 0.5f : -0.5f)); /* |n| < 2^13 */
  const int32_t j = n & 31, k = (n - j) / 32;
  const float fn = (float)n;
  /* ln2/32 = L1 + L2 + L3 with L1, L2 of 9 significant bits: n L1 and n L2 are exact. */
  const float a = x - fn * 0x1.63p-6f; /* exact (Sterbenz) */
  const float b = fn * -0x1.bdp-18f;
  /* r_hi + r_lo = a - b - n L3 (TwoSum of a and -b) */
  const float r_hi = a - b;
  const float bv = r_hi - a;
  const float r_lo = ((a - (r_hi - bv)) + (-b - bv)) - fn * -0x1.05c61p-34f;
  /* exp(r) = 1 + r_hi + q, q = r_lo (1 + r_hi) + r_hi^2 (1/2 + r_hi/6 + r_hi^2/24 + r_hi^3/120) */
  const float q = r_lo * (1.0f + r_hi) +
                  r_hi * r_hi * (0.5f + r_hi * (0x1.555556p-3f + r_hi * (0x1.555556p-5f + r_hi * 0x1.111112p-7f)));
  const float t_hi = EXP2_32[j][0], t_lo = EXP2_32[j][1];
  /* t (1 + r_hi + q) = t_hi + t_hi r_hi + (t_hi q + t_lo (1 + r_hi)), t_hi r_hi = p_hi + p_lo exactly */
  const float th = head12(t_hi), tl = t_hi - th, rh = head12(r_hi), rl = r_hi - rh;
  const float p_hi = t_hi * r_hi;
  const float p_lo = (((th * rh - p_hi) + th * rl) + tl * rh) + tl * rl;
  const float s_hi = t_hi + p_hi; /* |p_hi| < t_hi: Fast2Sum */
  const float s_lo = p_hi - (s_hi - t_hi);
  const float tail = s_lo + (p_lo + (t_hi * q + t_lo * (1.0f + r_hi)));
  const float m = s_hi + tail; /* the one rounding, unless the result is subnormal */
  if (k < -126 || (k == -126 && m <= 1.0f)) {
    /* A subnormal result: round (m + m_lo) 2^k once, to a multiple of 2^-149. */
    const float m_lo = tail - (m - s_hi);  /* Fast2Sum: m + m_lo = s_hi + tail exactly */
    const float scale = pow2i(k + 149);   /* k + 149 >= -2 */
    const float v_hi = m * scale, v_lo = m_lo * scale; /* exact; v_hi <= 2^23, |v_lo| <= 1/4 */
    const float i = (v_hi + 0x1p23f) - 0x1p23f;        /* v_hi rounded to an integer */
    const float rem = (v_hi - i) + v_lo;
    return float_of_bits((uint32_t)i + (rem > 0.5f) - (rem < -0.5f));
  }
  return k > 127 ? m * pow2i(127) * pow2i(k - 127) : m * pow2i(k);
}

void xsml_softmax_f32(const float *input, int32_t outer, int32_t depth, float beta, float *output) {
  if (depth <= 0) return;
  for (int32_t i = 0; i < outer; i++) {
    const float *in = input + (size_t)i * depth;
    float *out = output + (size_t)i * depth;
    float max = -FLT_MAX;
    for (int32_t c = 0; c < depth; c++) {
      if (in[c] > max) max = in[c];
    }
    float sum = 0.0f;
    for (int32_t c = 0; c < depth; c++) {
      const float e = exp_f32((in[c] - max) * beta);
      out[c] = e;
      sum += e;
    }
    for (int32_t c = 0; c < depth; c++) out[c] = out[c] / sum;
  }
}

/* ---- gemmlowp fixed point on int32 raw values ---- */

/* SaturatingRoundingMultiplyByPOT with a positive exponent k (1..30): x * 2^k, saturated. */
static inline int32_t saturating_shift_left(int32_t x, int k) {
  const int32_t threshold = (int32_t)((UINT32_C(1) << (31 - k)) - 1u);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return xsml_shl_wrap(x, k);
}

/* exp(a) for a in [-1/4, 0), a and the result in Q0.31. */
static int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t constant_term = 1895147668; /* exp(-1/8) */
  const int32_t one_third = 715827883;
  const int32_t x = xsml_add_wrap(a, 1 << 28); /* Taylor expansion around -1/8 */
  const int32_t x2 = xsml_srdhm(x, x);
  const int32_t x3 = xsml_srdhm(x2, x);
  const int32_t x4 = xsml_srdhm(x2, x2);
  const int32_t x4_over_4 = xsml_rounding_divide_by_pot(x4, 2);
  const int32_t poly = xsml_rounding_divide_by_pot(
      xsml_add_wrap(xsml_srdhm(xsml_add_wrap(x4_over_4, x3), one_third), x2), 1);
  return xsml_add_wrap(constant_term, xsml_srdhm(constant_term, xsml_add_wrap(x, poly)));
}

/* exp(a) for a <= 0: a in Q5.26, the result in Q0.31. */
static int32_t exp_on_negative_values(int32_t a) {
  const int32_t quarter = 1 << 24; /* 1/4 in Q5.26 */
  const int32_t a_mod_quarter_minus_quarter = xsml_add_wrap(a & (quarter - 1), -quarter);
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      saturating_shift_left(a_mod_quarter_minus_quarter, SCALED_DIFF_INTEGER_BITS));
  const int32_t remainder = (int32_t)((uint32_t)a_mod_quarter_minus_quarter - (uint32_t)a);
  /* Multiply by exp(-2^k) for every bit 2^k (k = -2 .. 4) of the remainder. */
  if (remainder & (1 << 24)) result = xsml_srdhm(result, 1672461947); /* exp(-1/4) */
  if (remainder & (1 << 25)) result = xsml_srdhm(result, 1302514674); /* exp(-1/2) */
  if (remainder & (1 << 26)) result = xsml_srdhm(result, 790015084);  /* exp(-1) */
  if (remainder & (1 << 27)) result = xsml_srdhm(result, 290630308);  /* exp(-2) */
  if (remainder & (1 << 28)) result = xsml_srdhm(result, 39332535);   /* exp(-4) */
  if (remainder & (1 << 29)) result = xsml_srdhm(result, 720401);     /* exp(-8) */
  if (remainder & (1 << 30)) result = xsml_srdhm(result, 242);        /* exp(-16) */
  return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + a) for a in [0, 1): a and the result in Q0.31 (Newton-Raphson, three steps). */
static int32_t one_over_one_plus_x_for_x_in_01(int32_t a) {
  /* RoundingHalfSum(a, 1): (a + 2^31) / 2, floored. */
  const int32_t half_denominator = (int32_t)(((int64_t)a + ((int64_t)1 << 31)) >> 1);
  /* x in Q2.29: 48/17 - 32/17 * half_denominator */
  int32_t x = xsml_add_wrap(1515870810, xsml_srdhm(half_denominator, -1010580540));
  for (int i = 0; i < 3; i++) {
    const int32_t one_minus_half_denominator_times_x = (int32_t)((UINT32_C(1) << 29) - (uint32_t)xsml_srdhm(half_denominator, x));
    x = xsml_add_wrap(x, saturating_shift_left(xsml_srdhm(x, one_minus_half_denominator_times_x), 2));
  }
  return saturating_shift_left(x, 1);
}

/* Math.clz32. */
static inline int clz32(uint32_t x) {
  if (x == 0) return 32;
#if defined(__GNUC__)
  return __builtin_clz(x);
#else
  int n = 0;
  while (!(x & UINT32_C(0x80000000))) { x <<= 1; n++; }
  return n;
#endif
}

/* round(x / 2^exponent), half away from zero; 0 beyond 31 (|x| < 2^31). */
static inline int32_t rounding_divide(int32_t x, int32_t exponent) {
  return exponent <= 31 ? xsml_rounding_divide_by_pot(x, (int)exponent) : 0;
}

static inline int32_t input_at(const int8_t *s8, const uint8_t *u8, size_t i) {
  return s8 ? (int32_t)s8[i] : (int32_t)u8[i];
}

void xsml_softmax_s8(const int8_t *input_s8, const uint8_t *input_u8, int32_t outer, int32_t depth,
                     const xsml_softmax_s8_params *q, int8_t *output_s8, uint8_t *output_u8, int16_t *output_s16) {
  const int32_t multiplier = q->input_multiplier, shift = q->input_shift, diff_min = q->diff_min;
  const int32_t out_min = q->output_min, out_max = q->output_max, out_bits = q->output_bits;
  const int rounding = q->rounding;
  if (depth <= 0) return;
  for (int32_t i = 0; i < outer; i++) {
    const size_t row = (size_t)i * depth;
    int32_t max = input_s8 ? -128 : 0;
    for (int32_t c = 0; c < depth; c++) {
      const int32_t v = input_at(input_s8, input_u8, row + c);
      if (v > max) max = v;
    }

    int32_t sum_of_exps = 0; /* Q12.19 */
    for (int32_t c = 0; c < depth; c++) {
      const int32_t diff = input_at(input_s8, input_u8, row + c) - max;
      if (diff >= diff_min) {
        /* MultiplyByQuantizedMultiplierGreaterThanOne: MultiplyByQuantizedMultiplier in either mode. */
        const int32_t e = exp_on_negative_values(xsml_requantize(rounding, diff, multiplier, shift));
        sum_of_exps = xsml_add_wrap(sum_of_exps, xsml_rounding_divide_by_pot(e, ACCUMULATION_INTEGER_BITS));
      }
    }

    /* GetReciprocal: 1 / sum as a Q0.31 scale and a power of two. */
    const int headroom_plus_one = clz32((uint32_t)sum_of_exps);
    const int32_t bits_over_unit = ACCUMULATION_INTEGER_BITS - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        (int32_t)(((uint32_t)sum_of_exps << (headroom_plus_one & 31)) - UINT32_C(0x80000000));
    const int32_t scale = one_over_one_plus_x_for_x_in_01(shifted_sum_minus_one);
    const int32_t exponent = bits_over_unit + 31 - out_bits;

    for (int32_t c = 0; c < depth; c++) {
      const int32_t diff = input_at(input_s8, input_u8, row + c) - max;
      int64_t v = out_min;
      if (diff >= diff_min) {
        const int32_t e = exp_on_negative_values(xsml_requantize(rounding, diff, multiplier, shift));
        v = (int64_t)rounding_divide(xsml_srdhm(scale, e), exponent) + out_min;
        v = v < out_min ? out_min : v > out_max ? out_max : v;
      }
      if (output_s16) output_s16[row + c] = (int16_t)v;
      else if (output_u8) output_u8[row + c] = (uint8_t)v;
      else output_s8[row + c] = (int8_t)v;
    }
  }
}

/* ---- record decoders ---- */

static void eval_f32(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  float beta;
  memcpy(&beta, &p[P_BETA], sizeof beta);
  xsml_softmax_f32((const float *)xsml_tensor(rec, 0, mem), p[P_OUTER], p[P_DEPTH], beta, (float *)xsml_tensor(rec, 1, mem));
}

static void eval_s8(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  xsml_softmax_s8_params q;
  q.input_multiplier = p[P_INPUT_MULTIPLIER];
  q.input_shift = p[P_INPUT_SHIFT];
  q.diff_min = p[P_DIFF_MIN];
  q.output_min = p[P_OUTPUT_MIN];
  q.output_max = p[P_OUTPUT_MAX];
  q.output_bits = p[P_OUTPUT_BITS];
  q.rounding = mem->rounding;
  /* Single rounding cannot shift left by 31; a plan for it never asks to (its multiplier is capped). */
  if (q.rounding == XSML_ROUNDING_SINGLE && q.input_shift > 30) q.input_shift = 30;
  const void *in = xsml_tensor(rec, 0, mem);
  void *out = xsml_tensor(rec, 1, mem);
  const int in_u8 = p[P_INPUT_UINT8] == 1;
  const int32_t type = p[P_OUTPUT_TYPE];
  xsml_softmax_s8(in_u8 ? NULL : (const int8_t *)in, in_u8 ? (const uint8_t *)in : NULL, p[P_OUTER], p[P_DEPTH], &q,
                  type == XSML_TYPE_INT8 ? (int8_t *)out : NULL, type == XSML_TYPE_UINT8 ? (uint8_t *)out : NULL,
                  type == XSML_TYPE_INT16 ? (int16_t *)out : NULL);
}

/* Common: refs, record length, outer * depth elements of in_bytes and out_bytes inside the refs. */
static const char *check_rows(const int32_t *rec, const int32_t *ref_bytes, int32_t params, uint32_t in_bytes, uint32_t out_bytes) {
  if (rec[1] != REFS) return "expected 2 tensor refs (input, output)";
  if (rec[2] < XSML_RECORD_HEADER + 2 * REFS + params) return "record too short for the softmax params";
  if (rec[XSML_RECORD_HEADER] == XSML_NO_TENSOR || rec[XSML_RECORD_HEADER + 2] == XSML_NO_TENSOR) return "input and output are required";
  if (rec[XSML_RECORD_HEADER + 2] != XSML_POOL_ARENA) return "output ref is not in the arena";
  if ((uint32_t)rec[XSML_RECORD_HEADER + 1] % in_bytes != 0 || (uint32_t)rec[XSML_RECORD_HEADER + 3] % out_bytes != 0) {
    return "tensor offset not aligned to its element size";
  }
  const int32_t *p = xsml_params(rec);
  if (p[P_OUTER] < 0 || p[P_DEPTH] < 0) return "negative outer or depth";
  const uint64_t elements = (uint64_t)p[P_OUTER] * (uint64_t)p[P_DEPTH];
  if (elements * in_bytes > (uint64_t)(uint32_t)ref_bytes[0]) return "outer * depth exceeds the input tensor's bytes";
  if (elements * out_bytes > (uint64_t)(uint32_t)ref_bytes[1]) return "outer * depth exceeds the output tensor's bytes";
  return NULL;
}

static const char *check_f32(const int32_t *rec, const int32_t *ref_bytes) {
  return check_rows(rec, ref_bytes, F32_COUNT, 4, 4);
}

static const char *check_s8(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] == REFS && rec[2] >= XSML_RECORD_HEADER + 2 * REFS + P_S8_COUNT) {
    const int32_t *p = xsml_params(rec);
    const int32_t type = p[P_OUTPUT_TYPE];
    if (type != XSML_TYPE_INT8 && type != XSML_TYPE_UINT8 && type != XSML_TYPE_INT16) return "output type must be int8, uint8 or int16";
    if (p[P_INPUT_UINT8] != 0 && p[P_INPUT_UINT8] != 1) return "input_uint8 must be 0 or 1";
    if (p[P_INPUT_SHIFT] < 0 || p[P_INPUT_SHIFT] > 31) return "input shift must be in [0, 31]";
    return check_rows(rec, ref_bytes, P_S8_COUNT, 1, type == XSML_TYPE_INT16 ? 2 : 1);
  }
  return check_rows(rec, ref_bytes, P_S8_COUNT, 1, 1);
}

const xsml_kernel xsml_k_softmax_f32 = { XSML_K_SOFTMAX_F32, "SOFTMAX_F32", eval_f32, check_f32 };
const xsml_kernel xsml_k_softmax_s8 = { XSML_K_SOFTMAX_S8, "SOFTMAX_S8", eval_s8, check_s8 };
