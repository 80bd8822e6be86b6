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

/* The plan's requantizer (Memory.requantize): rounding is XSML_ROUNDING_SINGLE or XSML_ROUNDING_DOUBLE. */
static inline int32_t xsml_requantize(int rounding, int32_t x, int32_t multiplier, int shift) {
  return rounding == XSML_ROUNDING_SINGLE ? xsml_mbqm_single(x, multiplier, shift)
                                          : xsml_mbqm_double(x, multiplier, shift);
}

#endif
