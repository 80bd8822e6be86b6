/*
 * float32 dot products on the single-precision FPU of Cortex-M4F/M7, shared by FULLY_CONNECTED,
 * CONV_2D and DEPTHWISE_CONV_2D. VLDM loads eight floats in one instruction; every product is a VMUL
 * and every sum a VADD into its output's accumulator, in order (no fused multiply-add): the roundings
 * of the plain loops, and so of the TypeScript kernels, bit for bit. Header-only, static inline.
 *
 * Registers: accumulators in s0-s7, a step's input in s16-s23, a row's weights in s24-s31.
 * Everything here exists only where XSML_F32_VFP is defined; other cores run the kernels' plain loops.
 */
#ifndef XSML_F32_DOT_H
#define XSML_F32_DOT_H

#include <float.h>
#include <stdint.h>

#if defined(__ARM_FP) && (__ARM_FP & 4) && defined(__thumb2__)
#define XSML_F32_VFP 1

/* s24-s31 *= s16-s23, lane by lane. */
#define XSML_F32_MUL8 \
  "vmul.f32 s24, s24, s16\n\tvmul.f32 s25, s25, s17\n\tvmul.f32 s26, s26, s18\n\tvmul.f32 s27, s27, s19\n\t" \
  "vmul.f32 s28, s28, s20\n\tvmul.f32 s29, s29, s21\n\tvmul.f32 s30, s30, s22\n\tvmul.f32 s31, s31, s23\n\t"
/* s24-s31 *= s16. */
#define XSML_F32_MUL8_BY_S16 \
  "vmul.f32 s24, s24, s16\n\tvmul.f32 s25, s25, s16\n\tvmul.f32 s26, s26, s16\n\tvmul.f32 s27, s27, s16\n\t" \
  "vmul.f32 s28, s28, s16\n\tvmul.f32 s29, s29, s16\n\tvmul.f32 s30, s30, s16\n\tvmul.f32 s31, s31, s16\n\t"
/* a += s24, then s25, ..., then s31: one output's sum, in order. */
#define XSML_F32_SUM8(a) \
  "vadd.f32 " a ", " a ", s24\n\tvadd.f32 " a ", " a ", s25\n\tvadd.f32 " a ", " a ", s26\n\tvadd.f32 " a ", " a ", s27\n\t" \
  "vadd.f32 " a ", " a ", s28\n\tvadd.f32 " a ", " a ", s29\n\tvadd.f32 " a ", " a ", s30\n\tvadd.f32 " a ", " a ", s31\n\t"
/* s0-s7 += s16-s23, or s24-s31, lane by lane: eight outputs' sums, one step each. */
#define XSML_F32_ADD8_FROM_S16 \
  "vadd.f32 s0, s0, s16\n\tvadd.f32 s1, s1, s17\n\tvadd.f32 s2, s2, s18\n\tvadd.f32 s3, s3, s19\n\t" \
  "vadd.f32 s4, s4, s20\n\tvadd.f32 s5, s5, s21\n\tvadd.f32 s6, s6, s22\n\tvadd.f32 s7, s7, s23\n\t"
#define XSML_F32_ADD8_FROM_S24 \
  "vadd.f32 s0, s0, s24\n\tvadd.f32 s1, s1, s25\n\tvadd.f32 s2, s2, s26\n\tvadd.f32 s3, s3, s27\n\t" \
  "vadd.f32 s4, s4, s28\n\tvadd.f32 s5, s5, s29\n\tvadd.f32 s6, s6, s30\n\tvadd.f32 s7, s7, s31\n\t"
/* Eight weights of the row at register w (advanced) times the input step in s16-s23, summed into a. */
#define XSML_F32_ROW8_AT(w, a) "vldmia " w "!, {s24-s31}\n\t" XSML_F32_MUL8 XSML_F32_SUM8(a)
/* One weight of the row at register w times the input value in s16, added to a. */
#define XSML_F32_ROW1_AT(w, a) "vldmia " w "!, {s24}\n\tvmul.f32 s24, s24, s16\n\tvadd.f32 " a ", " a ", s24\n\t"
/* The same, the row's pointer an asm operand named w. */
#define XSML_F32_ROW8(w, a) XSML_F32_ROW8_AT("%[" w "]", a)
#define XSML_F32_ROW1(w, a) XSML_F32_ROW1_AT("%[" w "]", a)
/* a = a < lo ? lo : a (MI: ordered less than, so NaN stays); a = a > hi ? hi : a (GT is false for NaN). */
#define XSML_F32_LO_AT(a, lo) "vcmp.f32 " a ", " lo "\n\tvmrs APSR_nzcv, fpscr\n\tit mi\n\tvmovmi.f32 " a ", " lo "\n\t"
#define XSML_F32_HI_AT(a, hi) "vcmp.f32 " a ", " hi "\n\tvmrs APSR_nzcv, fpscr\n\tit gt\n\tvmovgt.f32 " a ", " hi "\n\t"
#define XSML_F32_LO8_AT(lo)                                                                                                 \
  XSML_F32_LO_AT("s0", lo) XSML_F32_LO_AT("s1", lo) XSML_F32_LO_AT("s2", lo) XSML_F32_LO_AT("s3", lo) XSML_F32_LO_AT("s4", lo) \
  XSML_F32_LO_AT("s5", lo) XSML_F32_LO_AT("s6", lo) XSML_F32_LO_AT("s7", lo)
#define XSML_F32_HI8_AT(hi)                                                                                                 \
  XSML_F32_HI_AT("s0", hi) XSML_F32_HI_AT("s1", hi) XSML_F32_HI_AT("s2", hi) XSML_F32_HI_AT("s3", hi) XSML_F32_HI_AT("s4", hi) \
  XSML_F32_HI_AT("s5", hi) XSML_F32_HI_AT("s6", hi) XSML_F32_HI_AT("s7", hi)
#define XSML_F32_LO8 XSML_F32_LO8_AT("%[lo]")
#define XSML_F32_HI8 XSML_F32_HI8_AT("%[hi]")
/* s16 = s0 + s1 + ... + s7 (s0 + ... + s3): a sum that is finite only if every value is. */
#define XSML_F32_SUM4_S16 "vadd.f32 s16, s0, s1\n\tvadd.f32 s16, s16, s2\n\tvadd.f32 s16, s16, s3\n\t"
#define XSML_F32_SUM8_S16 XSML_F32_SUM4_S16 "vadd.f32 s16, s16, s4\n\tvadd.f32 s16, s16, s5\n\tvadd.f32 s16, s16, s6\n\tvadd.f32 s16, s16, s7\n\t"
/* To `done` when s16 is finite (|s16| <= max, FLT_MAX; LS is false when unordered), else on to what follows. */
#define XSML_F32_FINITE_TO(max, done) "vabs.f32 s16, s16\n\tvcmp.f32 s16, " max "\n\tvmrs APSR_nzcv, fpscr\n\tbls " done "\n\t"
#define XSML_F32_CLOBBERS "cc", "memory", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s16", "s17", "s18", "s19", "s20", "s21", \
  "s22", "s23", "s24", "s25", "s26", "s27", "s28", "s29", "s30", "s31"

/*
 * Which of a bias and the bounds xsml_f32_end8 applies: lo to every value, hi to every value, or both
 * only when some value is not finite (a bound of -FLT_MAX or FLT_MAX changes only an infinity).
 */
enum { XSML_F32_BIAS = 1, XSML_F32_LO_BOUND = 2, XSML_F32_HI_BOUND = 4, XSML_F32_INF_BOUND = 8 };

/* The flags for the bounds [lo, hi]: -inf and +inf clamp nothing. */
static inline int xsml_f32_bound_flags(float lo, float hi) {
  return (lo > -FLT_MAX ? XSML_F32_LO_BOUND : 0) | (hi < FLT_MAX ? XSML_F32_HI_BOUND : 0) |
         (lo == -FLT_MAX || hi == FLT_MAX ? XSML_F32_INF_BOUND : 0);
}

/*
 * acc[r] += x . w_r over n values, in order, for the eight rows w_r = w + r * stride floats (each
 * word-aligned): per eight values one VLDM of the input, and per row one VLDM, eight VMUL and eight VADD.
 */
static inline void xsml_f32_rows8_acc(const float *x, const float *w, int32_t stride, int32_t n, float acc[8]) {
  const float *w0 = w, *w1 = w0 + stride, *w2 = w1 + stride, *w3 = w2 + stride, *w4 = w3 + stride, *w5 = w4 + stride,
              *w6 = w5 + stride, *w7 = w6 + stride;
  __asm__ volatile(
      "vldmia %[acc], {s0-s7}\n\t"
      "subs %[n], %[n], #8\n\t"
      "blt 2f\n"
      "1:\n\t"
      "vldmia %[x]!, {s16-s23}\n\t"
      XSML_F32_ROW8("w0", "s0") XSML_F32_ROW8("w1", "s1") XSML_F32_ROW8("w2", "s2") XSML_F32_ROW8("w3", "s3")
      XSML_F32_ROW8("w4", "s4") XSML_F32_ROW8("w5", "s5") XSML_F32_ROW8("w6", "s6") XSML_F32_ROW8("w7", "s7")
      "subs %[n], %[n], #8\n\t"
      "bge 1b\n"
      "2:\n\t"
      "adds %[n], %[n], #8\n\t"
      "beq 4f\n"
      "3:\n\t"
      "vldmia %[x]!, {s16}\n\t"
      XSML_F32_ROW1("w0", "s0") XSML_F32_ROW1("w1", "s1") XSML_F32_ROW1("w2", "s2") XSML_F32_ROW1("w3", "s3")
      XSML_F32_ROW1("w4", "s4") XSML_F32_ROW1("w5", "s5") XSML_F32_ROW1("w6", "s6") XSML_F32_ROW1("w7", "s7")
      "subs %[n], %[n], #1\n\t"
      "bne 3b\n"
      "4:\n\t"
      "vstmia %[acc], {s0-s7}\n\t"
      : [x] "+r"(x), [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [w4] "+r"(w4), [w5] "+r"(w5), [w6] "+r"(w6),
        [w7] "+r"(w7), [n] "+r"(n)
      : [acc] "r"(acc)
      : XSML_F32_CLOBBERS);
}

/* A window for xsml_f32_window8: its rows of taps and where its sums go. Steps and adjustments in bytes. */
typedef struct {
  int32_t x_step, w_step; /* from one tap to the next in a row */
  int32_t x_row, w_row;   /* from the end of a row's taps to the next row's first */
  int32_t rows, taps;     /* >= 0 */
  const float *bias;      /* eight biases, with XSML_F32_BIAS */
  float *out;             /* eight outputs */
  int32_t flags;          /* XSML_F32_* */
} xsml_f32_window;

/*
 * Eight channels' sums over a window of taps, in row and tap order: acc[j] = sum of x_t[j] * w_t[j],
 * where x_t[j] is one input value for the eight channels (vector 0) or eight side by side (vector 1)
 * and w_t[j] eight weights side by side; then as xsml_f32_end8 to win->out. Per tap one load of the
 * input, one VLDM of the weights, eight VMUL and eight VADD; the weights (and a vector input)
 * word-aligned.
 */
static inline void xsml_f32_window8(const float *x, const float *w, int vector, const xsml_f32_window *win, float lo, float hi) {
  int32_t xs = win->x_step, ws = win->w_step, rows = win->rows, t;
#define XSML_F32_WINDOW(LOAD, MUL)                 \
  "vmov.f32 s0, %[zero]\n\tvmov.f32 s1, %[zero]\n\tvmov.f32 s2, %[zero]\n\tvmov.f32 s3, %[zero]\n\t" \
  "vmov.f32 s4, %[zero]\n\tvmov.f32 s5, %[zero]\n\tvmov.f32 s6, %[zero]\n\tvmov.f32 s7, %[zero]\n\t" \
  "ldr %[t], [%[win], #20]\n\t"                   \
  "cmp %[t], #0\n\t"                              \
  "it ne\n\t"                                     \
  "cmpne %[rows], #0\n\t"                         \
  "beq 3f\n"                                      \
  "1:\n\t"                                        \
  "ldr %[t], [%[win], #20]\n"                     \
  "2:\n\t" LOAD                                   \
  "vldmia %[w], {s24-s31}\n\t"                    \
  "add %[x], %[x], %[xs]\n\t"                     \
  "add %[w], %[w], %[ws]\n\t" MUL XSML_F32_ADD8_FROM_S24 \
  "subs %[t], %[t], #1\n\t"                       \
  "bne 2b\n\t"                                    \
  "ldr %[t], [%[win], #8]\n\t"                    \
  "add %[x], %[x], %[t]\n\t"                      \
  "ldr %[t], [%[win], #12]\n\t"                   \
  "add %[w], %[w], %[t]\n\t"                      \
  "subs %[rows], %[rows], #1\n\t"                 \
  "bne 1b\n"                                      \
  "3:\n\t"                                        \
  "ldr %[t], [%[win], #32]\n\t"                   \
  "tst %[t], #1\n\t"                              \
  "beq 4f\n\t"                                    \
  "ldr %[x], [%[win], #24]\n\t"                   \
  "vldmia %[x], {s16-s23}\n\t" XSML_F32_ADD8_FROM_S16 \
  "4:\n\t"                                        \
  "tst %[t], #2\n\t"                              \
  "beq 5f\n\t" XSML_F32_LO8                       \
  "5:\n\t"                                        \
  "tst %[t], #4\n\t"                              \
  "beq 7f\n\t" XSML_F32_HI8                       \
  "7:\n\t"                                        \
  "tst %[t], #8\n\t"                              \
  "beq 6f\n\t" XSML_F32_SUM8_S16                  \
  XSML_F32_FINITE_TO("%[max]", "6f") XSML_F32_LO8 XSML_F32_HI8 \
  "6:\n\t"                                        \
  "ldr %[x], [%[win], #28]\n\t"                   \
  "vstmia %[x], {s0-s7}\n\t"
#define XSML_F32_WINDOW_OPERANDS                                                                    \
  : [x] "+r"(x), [w] "+r"(w), [rows] "+r"(rows), [t] "=&r"(t)                                          \
  : [win] "r"(win), "m"(*win), [xs] "r"(xs), [ws] "r"(ws), [lo] "t"(lo), [hi] "t"(hi), [zero] "t"(0.0f), [max] "t"(FLT_MAX) \
  : XSML_F32_CLOBBERS
  if (vector) {
    __asm__ volatile(XSML_F32_WINDOW("vldmia %[x], {s16-s23}\n\t", XSML_F32_MUL8) XSML_F32_WINDOW_OPERANDS);
  } else {
    __asm__ volatile(XSML_F32_WINDOW("vldr s16, [%[x]]\n\t", XSML_F32_MUL8_BY_S16) XSML_F32_WINDOW_OPERANDS);
  }
#undef XSML_F32_WINDOW
#undef XSML_F32_WINDOW_OPERANDS
}

/*
 * out[j] = acc[j] + bias[j] (with XSML_F32_BIAS), then clamped as the flags say (XSML_F32_*_BOUND),
 * for j < 8: the ends of the kernels' sums.
 */
static inline void xsml_f32_end8(const float acc[8], const float *bias, float lo, float hi, int flags, float *out) {
  __asm__ volatile(
      "vldmia %[acc], {s0-s7}\n\t"
      "tst %[flags], #1\n\t"
      "beq 1f\n\t"
      "vldmia %[bias], {s16-s23}\n\t" XSML_F32_ADD8_FROM_S16
      "1:\n\t"
      "tst %[flags], #2\n\t"
      "beq 2f\n\t" XSML_F32_LO8
      "2:\n\t"
      "tst %[flags], #4\n\t"
      "beq 4f\n\t" XSML_F32_HI8
      "4:\n\t"
      "tst %[flags], #8\n\t"
      "beq 3f\n\t" XSML_F32_SUM8_S16 XSML_F32_FINITE_TO("%[max]", "3f") XSML_F32_LO8 XSML_F32_HI8
      "3:\n\t"
      "vstmia %[out], {s0-s7}\n\t"
      :
      : [acc] "r"(acc), [bias] "r"(bias), [flags] "r"(flags), [out] "r"(out), [lo] "t"(lo), [hi] "t"(hi), [max] "t"(FLT_MAX)
      : XSML_F32_CLOBBERS);
}
#endif

#endif
