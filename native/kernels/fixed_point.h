/*
 * TFLite's / gemmlowp's fixed-point arithmetic on int32, exactly as src/ops/quant.ts computes it
 * (and the softmax helpers of src/ops/softmax.ts use it). Header-only, static inline.
 *
 * Arithmetic right shifts of negative values are assumed to be arithmetic (floor), as gcc, clang
 * and armcc do. Where the TypeScript lets int32 arithmetic wrap, these helpers wrap too.
 */
#ifndef XSML_FIXED_POINT_H
#define XSML_FIXED_POINT_H

#include <stdint.h>

#include "xsml_record.h"

/*
 * SaturatingRoundingDoublingHighMul: the high 32 bits of 2*a*b, rounded half up. gemmlowp writes it
 * (ab + nudge) / 2^31 with C's truncating division and nudge = 2^30, or 1 - 2^30 for ab < 0; for
 * ab < 0 that is ceil((ab + 1 - 2^30) / 2^31) = floor((ab + 2^30) / 2^31), so one arithmetic shift
 * gives the same value for every ab (one multiply-accumulate and a shift on Cortex-M).
 */
static inline int32_t xsml_srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * (int64_t)b;
  return (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
}

/*
 * RoundingDivideByPOT: x / 2^exponent rounded half away from zero, for 0 <= exponent <= 31. Any
 * other exponent is taken mod 32, as the TypeScript's shifts do (never undefined behaviour).
 */
static inline int32_t xsml_rounding_divide_by_pot(int32_t x, int exponent) {
  exponent &= 31;
  const int32_t mask = (int32_t)((UINT32_C(1) << exponent) - 1u);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x << k with int32 wrap-around (JavaScript's `x << k`, Math.imul(x, 1 << k)): k taken mod 32. */
static inline int32_t xsml_shl_wrap(int32_t x, int k) {
  return (int32_t)((uint32_t)x << (k & 31));
}

/* a + b with int32 wrap-around (JavaScript's `(a + b) | 0`). */
static inline int32_t xsml_add_wrap(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a + (uint32_t)b);
}

/*
 * MultiplyByQuantizedMultiplier with gemmlowp's double rounding (TFLM, CMSIS-NN), for -31 <= shift
 * (a left shift wraps, as Math.imul(x, 1 << shift) does; shifts are taken mod 32 like the TypeScript's).
 */
static inline int32_t xsml_mbqm_double(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : (int)((0u - (unsigned)shift) & 31u); /* -shift, mod 32 */
  return xsml_rounding_divide_by_pot(xsml_srdhm(xsml_shl_wrap(x, left), multiplier), right);
}

/*
 * MultiplyByQuantizedMultiplier with single rounding (TFLite 2.20+):
 * (x * multiplier + 2^(s-1)) >> s with s = 31 - shift, in 64 bits. Precondition: -31 <= shift <= 30.
 * The result is truncated to int32 (as TFLite's cast).
 */
static inline int32_t xsml_mbqm_single(int32_t x, int32_t multiplier, int shift) {
  const int s = 31 - shift;
  const int64_t p = (int64_t)x * (int64_t)multiplier + ((int64_t)1 << (s - 1));
  return (int32_t)(uint32_t)(uint64_t)(p >> s);
}

/*
 * xsml_mbqm_double for shift <= -2 (and >= -31) and multiplier >= 0, in one rounding step with the same
 * result: with P = x * m + 2^30 the high mul is v = floor(P / 2^31) (never saturating for m >= 0) and
 * the rounding divide by 2^r (r = -shift) is floor((v + 2^(r-1) - [v < 0]) / 2^r); floors of divisions
 * by powers of two nest, and [v < 0] = [P < 0] may be read as [x < 0] (where they differ,
 * 0 <= P <= 2^30 and v = 0, which rounds to 0 either way). So the result is
 * floor((x * m + (x < 0 ? -2^30 : 2^30) + 2^(30+r)) / 2^(31+r)): the high word of the product
 * shifted right by r - 2, then halved rounding up.
 */
static inline int32_t xsml_mbqm_double_rs2(int32_t x, int32_t multiplier, int32_t shift) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  /* p_hi:p_lo = x < 0 ? -2^30 : 2^30, then += x * m (SMLAL). */
  int32_t p_hi = x >> 31, p_lo = (int32_t)(((uint32_t)x & 0x80000000u) | 0x40000000u);
  __asm__("smlal %0, %1, %2, %3" : "+r"(p_lo), "+r"(p_hi) : "r"(x), "r"(multiplier));
  const int32_t q = p_hi >> (~shift - 1); /* ~shift - 1 = -shift - 2 */
#else
  const int64_t p = (int64_t)x * multiplier + (x < 0 ? -((int64_t)1 << 30) : ((int64_t)1 << 30));
  const int32_t q = (int32_t)(p >> 32) >> (~shift - 1);
#endif
  return (q >> 1) + (q & 1);
}

/*
 * xsml_mbqm_double_rs2 with the shift given as rs = -shift - 2 (>= 0, <= 29), for callers that compute it
 * once per channel. The same value: q = high word >> rs lies within [-2^30, 2^30], so (q >> 1) + (q & 1)
 * is (q + 1) >> 1 without overflow, and the rounding constant's low word is 2^30 with the sign bit of x.
 */
static inline int32_t xsml_mbqm_rs(int32_t x, int32_t multiplier, int32_t rs) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  int32_t p_hi = x >> 31, p_lo = (int32_t)(0x40000000u | ((uint32_t)p_hi << 31));
  __asm__("smlal %0, %1, %2, %3" : "+r"(p_lo), "+r"(p_hi) : "r"(x), "r"(multiplier));
  return ((p_hi >> rs) + 1) >> 1;
#else
  const int64_t p = (int64_t)x * multiplier + (x < 0 ? -((int64_t)1 << 30) : ((int64_t)1 << 30));
  return (((int32_t)(p >> 32) >> rs) + 1) >> 1;
#endif
}

/* acc + the high word of a * b (SMMLA): floor((acc * 2^32 + a * b) / 2^32), with int32 wrap-around. */
static inline int32_t xsml_smmla(int32_t a, int32_t b, int32_t acc) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  int32_t r;
  __asm__("smmla %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
#else
  return (int32_t)((uint32_t)acc + (uint32_t)(int32_t)(((int64_t)a * b) >> 32));
#endif
}

/* ARM's SMMLAR: bits 63..32 of ra * 2^32 + a * b + 2^31 (mod 2^64), that is ra + (a * b + 2^31) >> 32 when that fits. */
static inline int32_t xsml_smmlar(int32_t a, int32_t b, int32_t ra) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(ra));
  return r;
#else
  const uint64_t sum = ((uint64_t)(uint32_t)ra << 32) + (uint64_t)((int64_t)a * b) + 0x80000000u;
  return (int32_t)(uint32_t)(sum >> 32);
#endif
}

/* x clamped to [-128, 127] (SSAT #8). */
static inline int32_t xsml_ssat8(int32_t x) {
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  int32_t r;
  __asm__("ssat %0, #8, %1" : "=r"(r) : "r"(x));
  return r;
#else
  return x < -128 ? -128 : x > 127 ? 127 : x;
#endif
}

/* The plan's requantizer (Memory.requantize): rounding is XSML_ROUNDING_SINGLE or XSML_ROUNDING_DOUBLE. */
static inline int32_t xsml_requantize(int rounding, int32_t x, int32_t multiplier, int shift) {
  return rounding == XSML_ROUNDING_SINGLE ? xsml_mbqm_single(x, multiplier, shift)
                                          : xsml_mbqm_double(x, multiplier, shift);
}

#endif
