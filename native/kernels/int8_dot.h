/*
 * The int8 dot products of the convolution and fully-connected kernels: rows of a filter (k contiguous
 * int8 values each) against columns of input (k contiguous int8 values each, `offset` added to every
 * value), summed in int32 with wrap-around. Header-only, static inline.
 *
 * On cores with the DSP extension (Cortex-M4/M7, __ARM_FEATURE_DSP) four values at a time: __sxtb16
 * widens bytes 0 and 2 of a word into two int16 lanes (of the word rotated by 8: bytes 1 and 3),
 * __sxtab16 does the same and adds the offset to both lanes, and __smlad multiplies the lanes pairwise
 * and adds both products to the sum. Filter and column words are widened alike, so the lanes pair up.
 * The products fit (|filter| <= 128, |input + offset| <= 383) and every sum wraps mod 2^32, so the order
 * of the additions does not matter: the results are those of the plain loops, which every other core
 * runs, bit for bit. The last k mod 4 values always take the plain loop.
 *
 * Precondition: |offset| <= 255.
 */
#ifndef XSML_INT8_DOT_H
#define XSML_INT8_DOT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>

/* Four int8 values as one word; Cortex-M4/M7 load unaligned words. */
static inline int32_t xsml_load_s8x4(const int8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* __sxtb16 of the word rotated right by 8: bytes 1 and 3 widened, in one instruction (GCC does not fuse the rotation). */
static inline int32_t xsml_sxtb16_odd(int32_t w) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(w));
  return r;
}

/* __sxtab16 of the word rotated right by 8: a + bytes 1 and 3 widened, lane by lane. */
static inline int32_t xsml_sxtab16_odd(int32_t a, int32_t w) {
  int32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(w));
  return r;
}

/* The offset in both int16 lanes. */
static inline int32_t xsml_lanes_s16x2(int32_t offset) { return (int32_t)(((uint32_t)offset & 0xffffu) | ((uint32_t)offset << 16)); }
#endif

/*
 * Two int16 lanes in a word (bits 0-15 and 16-31), on every core: xsml_s16x2_widen_even/_odd(off2, w)
 * give bytes 0 and 2 / 1 and 3 of w sign-extended plus the lanes of off2 (__sxtab16, and of w rotated
 * right by 8); xsml_s16x2_smlad(x, y, acc) = acc + the two lanes' products, wrapping mod 2^32 (__smlad).
 * The plain C versions compute the same words, for lane values whose sums fit in int16.
 */
#if defined(__ARM_FEATURE_DSP)
static inline int32_t xsml_s16x2_widen_even(int32_t off2, int32_t w) { return __sxtab16(off2, w); }
static inline int32_t xsml_s16x2_widen_odd(int32_t off2, int32_t w) { return xsml_sxtab16_odd(off2, w); }
static inline uint32_t xsml_s16x2_smlad(int32_t x, int32_t y, uint32_t acc) { return (uint32_t)__smlad(x, y, (int32_t)acc); }
#else
static inline int32_t xsml_s16x2_pack(int32_t lo, int32_t hi) { return (int32_t)(((uint32_t)lo & 0xffffu) | ((uint32_t)hi << 16)); }
static inline int32_t xsml_s16x2_lo(int32_t x) { return (int32_t)(int16_t)(uint16_t)((uint32_t)x & 0xffffu); }
static inline int32_t xsml_s16x2_hi(int32_t x) { return (int32_t)(int16_t)(uint16_t)((uint32_t)x >> 16); }
static inline int32_t xsml_s16x2_widen_even(int32_t off2, int32_t w) {
  return xsml_s16x2_pack(xsml_s16x2_lo(off2) + (int8_t)(uint8_t)((uint32_t)w & 0xffu), xsml_s16x2_hi(off2) + (int8_t)(uint8_t)((uint32_t)w >> 16));
}
static inline int32_t xsml_s16x2_widen_odd(int32_t off2, int32_t w) {
  return xsml_s16x2_pack(xsml_s16x2_lo(off2) + (int8_t)(uint8_t)((uint32_t)w >> 8), xsml_s16x2_hi(off2) + (int8_t)(uint8_t)((uint32_t)w >> 24));
}
static inline uint32_t xsml_s16x2_smlad(int32_t x, int32_t y, uint32_t acc) {
  return acc + (uint32_t)(xsml_s16x2_lo(x) * xsml_s16x2_lo(y)) + (uint32_t)(xsml_s16x2_hi(x) * xsml_s16x2_hi(y));
}
#endif

/* The offset in both int16 lanes of a word, on every core. */
static inline int32_t xsml_s16x2_splat(int32_t offset) { return (int32_t)(((uint32_t)offset & 0xffffu) | ((uint32_t)offset << 16)); }

/* Four int8 values as one word (little-endian), on every core. */
static inline int32_t xsml_load_word(const int8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* acc[r] += row_r . (col + offset), for four rows (`row_step` bytes apart) and one column. */
static inline void xsml_dot_4x1(const int8_t *row0, ptrdiff_t row_step, const int8_t *col, int32_t k, int32_t offset, uint32_t acc[4]) {
  uint32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  /* Written out: 14 registers, which GCC's allocation of the same C spills. */
  const int32_t off2 = xsml_lanes_s16x2(offset);
  const int8_t *row2 = row0 + 2 * row_step;
  int32_t n = k >> 2;
  if (n > 0) {
    int32_t ce, co, r, t;
    __asm__ volatile(
        "1:\n\t"
        "ldr %[r], [%[col]], #4\n\t"
        "sxtab16 %[ce], %[off2], %[r]\n\t"
        "sxtab16 %[co], %[off2], %[r], ror #8\n\t"
        "ldr %[r], [%[row0], %[step]]\n\t"
        "sxtb16 %[t], %[r]\n\t"
        "smlad %[a1], %[t], %[ce], %[a1]\n\t"
        "sxtb16 %[t], %[r], ror #8\n\t"
        "smlad %[a1], %[t], %[co], %[a1]\n\t"
        "ldr %[r], [%[row0]], #4\n\t"
        "sxtb16 %[t], %[r]\n\t"
        "smlad %[a0], %[t], %[ce], %[a0]\n\t"
        "sxtb16 %[t], %[r], ror #8\n\t"
        "smlad %[a0], %[t], %[co], %[a0]\n\t"
        "ldr %[r], [%[row2], %[step]]\n\t"
        "sxtb16 %[t], %[r]\n\t"
        "smlad %[a3], %[t], %[ce], %[a3]\n\t"
        "sxtb16 %[t], %[r], ror #8\n\t"
        "smlad %[a3], %[t], %[co], %[a3]\n\t"
        "ldr %[r], [%[row2]], #4\n\t"
        "sxtb16 %[t], %[r]\n\t"
        "smlad %[a2], %[t], %[ce], %[a2]\n\t"
        "sxtb16 %[t], %[r], ror #8\n\t"
        "smlad %[a2], %[t], %[co], %[a2]\n\t"
        "subs %[n], %[n], #1\n\t"
        "bne 1b\n\t"
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [row0] "+r"(row0), [row2] "+r"(row2), [col] "+r"(col),
          [n] "+r"(n), [ce] "=&r"(ce), [co] "=&r"(co), [r] "=&r"(r), [t] "=&r"(t)
        : [step] "r"(row_step), [off2] "r"(off2)
        : "cc", "memory");
  }
  k &= 3;
  const int8_t *row1 = row0 + row_step, *row3 = row2 + row_step;
#else
  const int8_t *row1 = row0 + row_step, *row2 = row1 + row_step, *row3 = row2 + row_step;
#endif
  for (int32_t i = 0; i < k; i++) {
    const int32_t x = col[i] + offset;
    a0 += (uint32_t)(row0[i] * x);
    a1 += (uint32_t)(row1[i] * x);
    a2 += (uint32_t)(row2[i] * x);
    a3 += (uint32_t)(row3[i] * x);
  }
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}

/* row . (col + offset): one row, one column. */
static inline uint32_t xsml_dot_1x1(const int8_t *row, const int8_t *col, int32_t k, int32_t offset) {
  uint32_t a = 0;
#if defined(__ARM_FEATURE_DSP)
  const int32_t off2 = xsml_lanes_s16x2(offset);
  for (int32_t n = k >> 2; n > 0; n--) {
    const int32_t c = xsml_load_s8x4(col), r = xsml_load_s8x4(row);
    col += 4, row += 4;
    a = (uint32_t)__smlad(xsml_sxtb16_odd(r), xsml_sxtab16_odd(off2, c), __smlad(__sxtb16(r), __sxtab16(off2, c), (int32_t)a));
  }
  k &= 3;
#endif
  for (int32_t i = 0; i < k; i++) a += (uint32_t)(row[i] * (col[i] + offset));
  return a;
}

#endif
