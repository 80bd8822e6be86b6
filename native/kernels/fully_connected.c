/* FULLY_CONNECTED kernels (float32, int8) and their record decoders and checks. See fully_connected.h. */
#include "fully_connected.h"

#include "f32_dot.h"
#include "fixed_point.h"
#include "int8_dot.h"

enum {
  P_BATCHES = 0,
  P_DEPTH = 1,
  P_OUT_CHANNELS = 2,
  P_ACT_MIN = 3,
  P_ACT_MAX = 4,
  P_INPUT_OFFSET = 5,
  P_FILTER_OFFSET = 6,
  P_OUTPUT_OFFSET = 7,
  P_MULTIPLIERS = 8,
  P_PER_CHANNEL = 9,
  P_COUNT_F32 = 5,
  P_COUNT_S8 = 9 /* + 2 * multipliers */
};

enum { R_INPUT = 0, R_FILTER = 1, R_BIAS = 2, R_OUTPUT = 3, R_COUNT = 4 };

/* A ref the checks require present (input, filter, output): no NO_TENSOR test. */
static inline void *fc_ref(const int32_t *rec, int k, const xsml_memory *mem) {
  return mem->pools[rec[XSML_RECORD_HEADER + 2 * k]] + rec[XSML_RECORD_HEADER + 2 * k + 1];
}

/* The params, after the R_COUNT refs the checks require. */
static inline const int32_t *fc_params(const int32_t *rec) { return rec + XSML_RECORD_HEADER + 2 * R_COUNT; }

#if defined(XSML_F32_VFP)
/*
 * float32 on the FPU (f32_dot.h): one asm block per group of 8, 4 or 1 rows, the accumulators in
 * s0-s7, summed in order from d = 0.
 */
#define FC_ZERO(a) "vmov.f32 " a ", %[zero]\n\t"
#define FC_BIAS(a, b) "vadd.f32 " a ", " a ", " b "\n\t"
#define FC_ROW8 XSML_F32_ROW8
#define FC_ROW1 XSML_F32_ROW1
#define FC_LO XSML_F32_LO
#define FC_HI XSML_F32_HI
#define FC_CLOBBERS XSML_F32_CLOBBERS

/* Where a group writes: its outputs, its biases, and which of bias, lo and hi to apply (XSML_F32_*). */
typedef struct {
  float *out;
  uintptr_t bias; /* read only with XSML_F32_BIAS */
  int flags;
} fc_f32_end;

/*
 * A group of rows: the accumulators ZERO'd (+0, as the plain loop's sum starts), `n` = depth
 * counting down eight input values per step (STEP8) then one at a time (STEP1); then, with x and n
 * free, the bias (BIAS, x the bias pointer), the clamps, and the store of the accumulators REGS.
 */
#define FC_GROUP(ZERO, STEP8, STEP1, BIAS, LO, HI, REGS) \
  ZERO                                                   \
  "subs %[n], %[n], #8\n\t"                              \
  "blt 2f\n"                                             \
  "1:\n\t"                                               \
  "vldmia %[x]!, {s16-s23}\n\t" STEP8                    \
  "subs %[n], %[n], #8\n\t"                              \
  "bge 1b\n"                                             \
  "2:\n\t"                                               \
  "adds %[n], %[n], #8\n\t"                              \
  "beq 4f\n"                                             \
  "3:\n\t"                                               \
  "vldmia %[x]!, {s16}\n\t" STEP1                        \
  "subs %[n], %[n], #1\n\t"                              \
  "bne 3b\n"                                             \
  "4:\n\t"                                               \
  "ldr %[n], [%[end], #8]\n\t"                           \
  "tst %[n], #1\n\t"                                     \
  "beq 5f\n\t"                                           \
  "ldr %[x], [%[end], #4]\n\t" BIAS                      \
  "5:\n\t"                                               \
  "tst %[n], #2\n\t"                                     \
  "beq 6f\n\t" LO                                        \
  "6:\n\t"                                               \
  "tst %[n], #4\n\t"                                     \
  "beq 7f\n\t" HI                                        \
  "7:\n\t"                                               \
  "ldr %[x], [%[end]]\n\t"                               \
  "vstmia %[x], {" REGS "}\n\t"
#define FC_INPUTS [end] "r"(end), "m"(*end), [lo] "t"(lo), [hi] "t"(hi), [zero] "t"(0.0f)

/* end->out[r] = act(x . row_r + end->bias[r]) for the eight rows w0, w0 + depth, ..., w0 + 7 * depth. */
__attribute__((noinline)) static void fc_f32_rows8(const float *x, const float *w0, int32_t depth, const fc_f32_end *end, float lo, float hi) {
  const float *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth, *w4 = w3 + depth, *w5 = w4 + depth, *w6 = w5 + depth,
              *w7 = w6 + depth;
  int32_t n = depth;
  __asm__ volatile(
      FC_GROUP(FC_ZERO("s0") FC_ZERO("s1") FC_ZERO("s2") FC_ZERO("s3") FC_ZERO("s4") FC_ZERO("s5") FC_ZERO("s6") FC_ZERO("s7"),
               FC_ROW8("w0", "s0") FC_ROW8("w1", "s1") FC_ROW8("w2", "s2") FC_ROW8("w3", "s3")
               FC_ROW8("w4", "s4") FC_ROW8("w5", "s5") FC_ROW8("w6", "s6") FC_ROW8("w7", "s7"),
               FC_ROW1("w0", "s0") FC_ROW1("w1", "s1") FC_ROW1("w2", "s2") FC_ROW1("w3", "s3")
               FC_ROW1("w4", "s4") FC_ROW1("w5", "s5") FC_ROW1("w6", "s6") FC_ROW1("w7", "s7"),
               "vldmia %[x], {s16-s23}\n\t" FC_BIAS("s0", "s16") FC_BIAS("s1", "s17") FC_BIAS("s2", "s18") FC_BIAS("s3", "s19")
               FC_BIAS("s4", "s20") FC_BIAS("s5", "s21") FC_BIAS("s6", "s22") FC_BIAS("s7", "s23"),
               FC_LO("s0") FC_LO("s1") FC_LO("s2") FC_LO("s3") FC_LO("s4") FC_LO("s5") FC_LO("s6") FC_LO("s7"),
               FC_HI("s0") FC_HI("s1") FC_HI("s2") FC_HI("s3") FC_HI("s4") FC_HI("s5") FC_HI("s6") FC_HI("s7"), "s0-s7")
      : [x] "+r"(x), [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [w4] "+r"(w4), [w5] "+r"(w5), [w6] "+r"(w6),
        [w7] "+r"(w7), [n] "+r"(n)
      : FC_INPUTS
      : FC_CLOBBERS);
}

/* The same for four rows. */
__attribute__((noinline)) static void fc_f32_rows4(const float *x, const float *w0, int32_t depth, const fc_f32_end *end, float lo, float hi) {
  const float *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth;
  int32_t n = depth;
  __asm__ volatile(
      FC_GROUP(FC_ZERO("s0") FC_ZERO("s1") FC_ZERO("s2") FC_ZERO("s3"),
               FC_ROW8("w0", "s0") FC_ROW8("w1", "s1") FC_ROW8("w2", "s2") FC_ROW8("w3", "s3"),
               FC_ROW1("w0", "s0") FC_ROW1("w1", "s1") FC_ROW1("w2", "s2") FC_ROW1("w3", "s3"),
               "vldmia %[x], {s16-s19}\n\t" FC_BIAS("s0", "s16") FC_BIAS("s1", "s17") FC_BIAS("s2", "s18") FC_BIAS("s3", "s19"),
               FC_LO("s0") FC_LO("s1") FC_LO("s2") FC_LO("s3"), FC_HI("s0") FC_HI("s1") FC_HI("s2") FC_HI("s3"), "s0-s3")
      : [x] "+r"(x), [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [n] "+r"(n)
      : FC_INPUTS
      : FC_CLOBBERS);
}

/* The same for one row. */
__attribute__((noinline)) static void fc_f32_row1(const float *x, const float *w0, int32_t depth, const fc_f32_end *end, float lo, float hi) {
  int32_t n = depth;
  __asm__ volatile(
      FC_GROUP(FC_ZERO("s0"), FC_ROW8("w0", "s0"), FC_ROW1("w0", "s0"), "vldmia %[x], {s16}\n\t" FC_BIAS("s0", "s16"), FC_LO("s0"),
               FC_HI("s0"), "s0")
      : [x] "+r"(x), [w0] "+r"(w0), [n] "+r"(n)
      : FC_INPUTS
      : FC_CLOBBERS);
}

static void eval_f32(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = fc_params(rec);
  const int32_t batches = p[P_BATCHES], depth = p[P_DEPTH], out_c = p[P_OUT_CHANNELS];
  const float lo = xsml_param_f32(p[P_ACT_MIN]), hi = xsml_param_f32(p[P_ACT_MAX]);
  const float *row = (const float *)fc_ref(rec, R_INPUT, mem), *filter = (const float *)fc_ref(rec, R_FILTER, mem);
  const float *bias = (const float *)xsml_tensor(rec, R_BIAS, mem);
  fc_f32_end end = {(float *)fc_ref(rec, R_OUTPUT, mem), 0, (bias ? XSML_F32_BIAS : 0) | xsml_f32_bound_flags(lo, hi)};
  for (int32_t b = 0; b < batches; b++, row += depth) {
    const float *w = filter;
    int32_t o = out_c;
    end.bias = (uintptr_t)bias;
    for (; o >= 8; o -= 8) {
      fc_f32_rows8(row, w, depth, &end, lo, hi);
      w += 8 * (size_t)depth, end.out += 8, end.bias += 8 * sizeof(float);
    }
    if (o >= 4) {
      fc_f32_rows4(row, w, depth, &end, lo, hi);
      o -= 4, w += 4 * (size_t)depth, end.out += 4, end.bias += 4 * sizeof(float);
    }
    for (; o > 0; o--) {
      fc_f32_row1(row, w, depth, &end, lo, hi);
      w += depth, end.out++, end.bias += sizeof(float);
    }
  }
}
#else
/* Each dot product in order from d = 0 in float32, then + bias, then the clamp: the roundings of the TypeScript kernel. */
static void eval_f32(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = fc_params(rec);
  const int32_t batches = p[P_BATCHES], depth = p[P_DEPTH], out_c = p[P_OUT_CHANNELS];
  const xsml_act_f32 act = {xsml_param_f32(p[P_ACT_MIN]), xsml_param_f32(p[P_ACT_MAX])};
  const float *input = (const float *)fc_ref(rec, R_INPUT, mem), *filter = (const float *)fc_ref(rec, R_FILTER, mem);
  const float *bias = (const float *)xsml_tensor(rec, R_BIAS, mem);
  float *output = (float *)fc_ref(rec, R_OUTPUT, mem);
  for (int32_t b = 0; b < batches; b++) {
    const float *row = input + (size_t)b * (size_t)depth;
    float *out = output + (size_t)b * (size_t)out_c;
    for (int32_t o = 0; o < out_c; o++) {
      const float *w = filter + (size_t)o * (size_t)depth;
      float total = 0.0f;
      for (int32_t d = 0; d < depth; d++) total = total + row[d] * w[d];
      if (bias) total = total + bias[o];
      out[o] = total < act.min ? act.min : total > act.max ? act.max : total;
    }
  }
}
#endif

/* The requantizer of the plan, saturated to int32, for the cases fc_s8_out does not do in one step. */
__attribute__((noinline)) static int32_t fc_s8_requantize(int rounding, int32_t x, int32_t m, int32_t shift) {
  if (rounding == XSML_ROUNDING_SINGLE) {
    const int64_t p = ((int64_t)x * m + ((int64_t)1 << (30 - shift))) >> (31 - shift);
    return p < INT32_MIN ? INT32_MIN : p > INT32_MAX ? INT32_MAX : (int32_t)p;
  }
  return xsml_mbqm_double(x, m, shift);
}

/*
 * Single rounding for shift <= -2: (x * m + 2^(s-1)) >> s with s = 31 - shift = 32 + k, k >= 1. The
 * low word of the product cannot carry into the high word once 2^(k-1) is added there instead, so
 * it is (high word of x * m + 2^(k-1)) >> k, where |high word| <= 2^30 and 2^(k-1) <= 2^29.
 */
static inline int32_t fc_s8_single_rs(int32_t x, int32_t m, int32_t k) {
  return xsml_smmla(x, m, (int32_t)1 << (k - 1)) >> k;
}

/*
 * An output: the requantized accumulator + the output offset, clamped to [lo, hi]. Where that sum
 * would leave int32 it saturates: the clamp within [-128, 127] then gives what the TypeScript's
 * unbounded sum does.
 */
static inline int8_t fc_s8_out(int rounding, uint32_t acc, int32_t m, int32_t shift, int32_t off, int32_t lo, int32_t hi) {
  const int32_t x = (int32_t)acc;
  int32_t v;
  if (shift <= -2 && rounding == XSML_ROUNDING_SINGLE) {
    v = fc_s8_single_rs(x, m, -1 - shift);
  } else if (shift <= -2 && m >= 0) {
    v = xsml_mbqm_rs(x, m, -shift - 2);
  } else {
    v = fc_s8_requantize(rounding, x, m, shift);
  }
  const int64_t w = (int64_t)v + off;
  v = w < lo ? lo : w > hi ? hi : (int32_t)w;
  return (int8_t)v;
}

/* The requantization of every output as out = ssat8((high word of acc * m + r) >> k). */
typedef struct {
  int32_t m, r, k;
} fc_s8_direct;

/*
 * Whether fc_s8_out is that for every channel, and its constants: one multiplier, a shift <= -2,
 * single rounding, the range [-128, 127], and an offset that joins the rounding constant without
 * overflow: (h + 2^(k-1) + off * 2^k) >> k = ((h + 2^(k-1)) >> k) + off, the sum within int32.
 */
static int fc_s8_direct_of(const int32_t *p, int rounding, fc_s8_direct *d) {
  const int32_t off = p[P_OUTPUT_OFFSET], shift = p[P_PER_CHANNEL + p[P_MULTIPLIERS]];
  if (p[P_MULTIPLIERS] > 1 || shift > -2 || rounding != XSML_ROUNDING_SINGLE || p[P_ACT_MIN] != -128 || p[P_ACT_MAX] != 127) return 0;
  const int32_t k = -1 - shift; /* 1 ..= 30 */
  const uint32_t a = off < 0 ? (uint32_t)0 - (uint32_t)off : (uint32_t)off;
  if (a > ((uint32_t)1 << 29) >> k) return 0; /* a * 2^k > 2^29 */
  d->m = p[P_PER_CHANNEL], d->k = k;
  d->r = (int32_t)((uint32_t)1 << (k - 1)) + (int32_t)((uint32_t)off << k);
  return 1;
}

static inline int8_t fc_s8_direct_out(const fc_s8_direct *d, uint32_t acc) {
  return (int8_t)xsml_ssat8(xsml_smmla((int32_t)acc, d->m, d->r) >> d->k);
}

/*
 * out[i] = fc_s8_out(acc[i]) for the n output channels from o (p: the params). With one multiplier
 * for all channels and a shift <= -2 (the usual case), its constants are decoded once; then with
 * single rounding the offset joins the rounding constant when that cannot overflow, and the full
 * range [-128, 127] is one SSAT (d: fc_s8_direct_of's, or NULL where it does not apply).
 */
static void fc_s8_outputs(const int32_t *p, int rounding, const fc_s8_direct *d, const uint32_t *acc, int32_t n, int32_t o, int8_t *out) {
  if (d) {
    for (int32_t i = 0; i < n; i++) out[i] = fc_s8_direct_out(d, acc[i]);
    return;
  }
  const int32_t off = p[P_OUTPUT_OFFSET], lo = p[P_ACT_MIN], hi = p[P_ACT_MAX], count = p[P_MULTIPLIERS];
  const int32_t step = count > 1 ? 1 : 0;
  const int32_t *m = p + P_PER_CHANNEL + o * step, *shift = p + P_PER_CHANNEL + count + o * step;
  if (step == 0 && shift[0] <= -2) {
    const int32_t mm = m[0];
    if (rounding == XSML_ROUNDING_SINGLE) {
      const int32_t k = -1 - shift[0];
      if ((off < 0 ? -(int64_t)off : (int64_t)off) << k <= ((int64_t)1 << 29)) {
        const int32_t r = (int32_t)((uint32_t)1 << (k - 1)) + (int32_t)((uint32_t)off << k);
        for (int32_t i = 0; i < n; i++) {
          int32_t v = xsml_smmla((int32_t)acc[i], mm, r) >> k;
          v = v < lo ? lo : v;
          out[i] = (int8_t)(v > hi ? hi : v);
        }
        return;
      }
    } else if (mm >= 0 && off >= -256 && off <= 256) {
      const int32_t rs = -shift[0] - 2;
      for (int32_t i = 0; i < n; i++) {
        int32_t v = xsml_mbqm_rs((int32_t)acc[i], mm, rs) + off; /* |v| <= 2^30 + 256 */
        v = v < lo ? lo : v;
        out[i] = (int8_t)(v > hi ? hi : v);
      }
      return;
    }
  }
  for (int32_t i = 0; i < n; i++) out[i] = fc_s8_out(rounding, acc[i], m[i * step], shift[i * step], off, lo, hi);
}

/* Accumulators requantized together: enough to decode the requantization once for many. */
#define FC_S8_BLOCK 16

#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
/* acc[r] += row_r . (x + offset) for four rows `depth` apart: not inlined, its loop needs 14 registers. */
__attribute__((noinline)) static void fc_s8_dot4(const int8_t *w, int32_t depth, const int8_t *x, int32_t offset, uint32_t acc[4]) {
  xsml_dot_4x1(w, depth, x, depth, offset, acc);
}

/* The most input values widened on the stack (2 bytes each) for the two-row loop. */
#define FC_S8_WIDE_MAX 1024

/*
 * The input row + offset as int16 lanes, two words per four values in the order a weight word's
 * SXTB16 and SXTB16 ROR #8 give: word 2k = (x[4k], x[4k+2]), word 2k+1 = (x[4k+1], x[4k+3]).
 */
static void fc_s8_widen(const int8_t *x, int32_t words, int32_t offset, int32_t *wide) {
  const int32_t off2 = xsml_lanes_s16x2(offset);
  for (int32_t k = 0; k < words; k++, x += 4, wide += 2) {
    const int32_t v = xsml_load_s8x4(x);
    wide[0] = __sxtab16(off2, v);
    wide[1] = xsml_sxtab16_odd(off2, v);
  }
}

/* Eight values of a row (its weights LDM'd into r9, r10) against the widened input in r4, r5, r6, r8, into acc. */
#define FC_S8_ROW8(w, acc)                    \
  "ldmia %[" w "]!, {r9, r10}\n\t"            \
  "sxtb16 r12, r9\n\t"                        \
  "smlad %[" acc "], r12, r4, %[" acc "]\n\t" \
  "sxtb16 r9, r9, ror #8\n\t"                 \
  "smlad %[" acc "], r9, r5, %[" acc "]\n\t"  \
  "sxtb16 r12, r10\n\t"                       \
  "smlad %[" acc "], r12, r6, %[" acc "]\n\t" \
  "sxtb16 r10, r10, ror #8\n\t"               \
  "smlad %[" acc "], r10, r8, %[" acc "]\n\t"
#define FC_S8_STEP2 "ldmia %[x]!, {r4, r5, r6, r8}\n\t" FC_S8_ROW8("a", "a0") FC_S8_ROW8("b", "a1")
#define FC_S8_CLOBBERS "cc", "memory", "r4", "r5", "r6", "r8", "r9", "r10", "r12"

/* The two-row loop's state, in memory: the loop has no register left for it (its asm reads the fields by offset). */
typedef struct {
  const int32_t *wide; /* the widened input */
  int32_t n8;          /* depth / 8 */
  int32_t depth;
  void *dst;           /* where the next pair of sums (uint32_t) or outputs (int8_t) goes */
  int32_t pairs;       /* pairs of rows left, >= 1 */
  const int32_t *bias; /* the next pair's biases (the sums start there) */
  int32_t bias_step;   /* 8 bytes, or 0 when bias points at zeros */
  fc_s8_direct direct; /* for the outputs */
} fc_s8_pairs;

/* The sums of a pair to s->dst, or their outputs as fc_s8_direct_out. */
#define FC_S8_STORE_ACC              \
  "ldr r12, [%[s], #12]\n\t"         \
  "strd %[a0], %[a1], [r12], #8\n\t" \
  "str r12, [%[s], #12]\n\t"
#define FC_S8_STORE_OUT             \
  "ldrd r9, r10, [%[s], #28]\n\t"   \
  "smmla %[a0], %[a0], r9, r10\n\t" \
  "smmla %[a1], %[a1], r9, r10\n\t" \
  "ldr r9, [%[s], #36]\n\t"         \
  "asr %[a0], %[a0], r9\n\t"        \
  "asr %[a1], %[a1], r9\n\t"        \
  "ssat %[a0], #8, %[a0]\n\t"       \
  "ssat %[a1], #8, %[a1]\n\t"       \
  "ldr r12, [%[s], #12]\n\t"        \
  "strb %[a1], [r12, #1]\n\t"       \
  "strb %[a0], [r12], #2\n\t"       \
  "str r12, [%[s], #12]\n\t"

/*
 * Sums bias + rows 2i, 2i + 1 from w (word-aligned, depth apart) . the widened input, for s->pairs
 * pairs, then STORE: per eight values one LDM of the input and, per row, one LDM of its weights,
 * four SXTB16 and four SMLAD; an odd step first, then two per pass.
 */
#define FC_S8_PAIRS(STORE)                                                                   \
  uint32_t a0, a1;                                                                           \
  const int32_t *x;                                                                          \
  const int8_t *a = w, *b = w + s->depth;                                                    \
  int32_t n;                                                                                 \
  __asm__ volatile(                                                                          \
      "0:\n\t"                                                                               \
      "ldr %[x], [%[s]]\n\t"                                                                 \
      "ldr %[n], [%[s], #4]\n\t"                                                             \
      "ldr r12, [%[s], #20]\n\t"                                                             \
      "ldrd %[a0], %[a1], [r12]\n\t"                                                         \
      "ldr r9, [%[s], #24]\n\t"                                                              \
      "add r12, r12, r9\n\t"                                                                 \
      "str r12, [%[s], #20]\n\t"                                                             \
      "tst %[n], #1\n\t"                                                                     \
      "beq 1f\n\t" FC_S8_STEP2                                                               \
      "1:\n\t"                                                                               \
      "lsrs %[n], %[n], #1\n\t"                                                              \
      "beq 3f\n"                                                                             \
      "2:\n\t" FC_S8_STEP2 FC_S8_STEP2                                                       \
      "subs %[n], %[n], #1\n\t"                                                              \
      "bne 2b\n"                                                                             \
      "3:\n\t" STORE                                                                         \
      "mov %[a], %[b]\n\t"                                                                   \
      "ldr r12, [%[s], #8]\n\t"                                                              \
      "add %[b], %[b], r12\n\t"                                                              \
      "ldr r12, [%[s], #16]\n\t"                                                             \
      "subs r12, r12, #1\n\t"                                                                \
      "str r12, [%[s], #16]\n\t"                                                             \
      "bne 0b\n\t"                                                                           \
      : [a0] "=&r"(a0), [a1] "=&r"(a1), [x] "=&r"(x), [n] "=&r"(n), [a] "+r"(a), [b] "+r"(b) \
      : [s] "r"(s)                                                                           \
      : FC_S8_CLOBBERS)

__attribute__((noinline)) static void fc_s8_pairs_acc(fc_s8_pairs *s, const int8_t *w) { FC_S8_PAIRS(FC_S8_STORE_ACC); }
__attribute__((noinline)) static void fc_s8_pairs_out(fc_s8_pairs *s, const int8_t *w) { FC_S8_PAIRS(FC_S8_STORE_OUT); }

/* acc + row . the widened input over n8 * 8 values, for one word-aligned row. */
static uint32_t fc_s8_dot1_wide(const int32_t *wide, const int8_t *a, int32_t n8, uint32_t acc) {
  __asm__ volatile(
      "1:\n\t"
      "ldmia %[x]!, {r4, r5, r6, r8}\n\t"
      FC_S8_ROW8("a", "acc")
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n\t"
      : [acc] "+r"(acc), [x] "+r"(wide), [a] "+r"(a), [n] "+r"(n8)
      :
      : FC_S8_CLOBBERS);
  return acc;
}

/*
 * Symmetric filters, word-aligned rows, depth a multiple of 8 within FC_S8_WIDE_MAX: the input
 * widened once per batch (on the stack), then two rows per pass over it.
 */
__attribute__((noinline)) static void fc_s8_wide(const int32_t *p, int rounding, const int8_t *input, const int8_t *filter,
                                                 const int32_t *bias, int8_t *output) {
  const int32_t batches = p[P_BATCHES], depth = p[P_DEPTH], out_c = p[P_OUT_CHANNELS];
  static const int32_t zeros[2] = {0, 0};
  int32_t wide[FC_S8_WIDE_MAX / 2];
  uint32_t acc[FC_S8_BLOCK];
  fc_s8_pairs s = {wide, depth >> 3, depth, acc, 0, bias ? bias : zeros, bias ? 8 : 0, {0, 0, 0}};
  const int direct = fc_s8_direct_of(p, rounding, &s.direct);
  for (int32_t b = 0; b < batches; b++) {
    fc_s8_widen(input + (size_t)b * (size_t)depth, depth >> 2, p[P_INPUT_OFFSET], wide);
    int8_t *out = output + (size_t)b * (size_t)out_c;
    const int8_t *w = filter;
    if (direct) {
      /* Every output as its pair's sums are done: no blocks. */
      s.bias = bias ? bias : zeros;
      if (out_c >= 2) {
        s.dst = out, s.pairs = out_c >> 1;
        fc_s8_pairs_out(&s, w);
        w += (size_t)(out_c & ~1) * (size_t)depth;
      }
      if (out_c & 1) out[out_c - 1] = fc_s8_direct_out(&s.direct, fc_s8_dot1_wide(wide, w, s.n8, bias ? (uint32_t)bias[out_c - 1] : 0));
      continue;
    }
    for (int32_t o = 0; o < out_c; o += FC_S8_BLOCK) {
      const int32_t n = out_c - o < FC_S8_BLOCK ? out_c - o : FC_S8_BLOCK;
      if (bias) s.bias = bias + o;
      if (n >= 2) {
        s.dst = acc, s.pairs = n >> 1;
        fc_s8_pairs_acc(&s, w);
        w += (size_t)(n & ~1) * (size_t)depth;
      }
      if (n & 1) acc[n - 1] = fc_s8_dot1_wide(wide, w, s.n8, bias ? (uint32_t)bias[o + n - 1] : 0), w += depth;
      fc_s8_outputs(p, rounding, NULL, acc, n, o, out + o);
    }
  }
}
#endif

/* Any shape and filter offset: blocks of FC_S8_BLOCK accumulators, each starting at its bias, then their outputs. */
__attribute__((noinline)) static void fc_s8_blocks(const int32_t *p, int rounding, const int8_t *input, const int8_t *filter,
                                                   const int32_t *bias, int8_t *output) {
  const int32_t batches = p[P_BATCHES], depth = p[P_DEPTH], out_c = p[P_OUT_CHANNELS];
  const int32_t in_off = p[P_INPUT_OFFSET], f_off = p[P_FILTER_OFFSET];
  fc_s8_direct direct;
  const fc_s8_direct *d = fc_s8_direct_of(p, rounding, &direct) ? &direct : NULL;
  uint32_t acc[FC_S8_BLOCK];
  for (int32_t b = 0; b < batches; b++) {
    const int8_t *row = input + (size_t)b * (size_t)depth;
    int8_t *out = output + (size_t)b * (size_t)out_c;
    if (depth == 1 && d) {
      /* A scalar input (the first layer of a function of one value): one product per output. */
      const int32_t x = row[0] + in_off;
      if (bias) {
        for (int32_t o = 0; o < out_c; o++) out[o] = fc_s8_direct_out(d, (uint32_t)bias[o] + (uint32_t)((filter[o] + f_off) * x));
      } else {
        for (int32_t o = 0; o < out_c; o++) out[o] = fc_s8_direct_out(d, (uint32_t)((filter[o] + f_off) * x));
      }
      continue;
    }
    for (int32_t o = 0; o < out_c; o += FC_S8_BLOCK) {
      const int32_t n = out_c - o < FC_S8_BLOCK ? out_c - o : FC_S8_BLOCK;
      const int8_t *w = filter + (size_t)o * (size_t)depth;
      int32_t i = 0;
      /* Sums wrap, as the TypeScript `| 0`. */
      if (depth == 1) {
        const int32_t x = row[0] + in_off;
        if (bias) {
          for (; i < n; i++) acc[i] = (uint32_t)bias[o + i] + (uint32_t)((w[i] + f_off) * x);
        } else {
          for (; i < n; i++) acc[i] = (uint32_t)((w[i] + f_off) * x);
        }
      } else if (bias) {
        for (int32_t k = 0; k < n; k++) acc[k] = (uint32_t)bias[o + k];
      } else {
        for (int32_t k = 0; k < n; k++) acc[k] = 0;
      }
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
      /* Symmetric filters (the usual int8 case): four output channels per pass over the input row. */
      if (f_off == 0) {
        for (; i + 4 <= n; i += 4, w += 4 * (size_t)depth) fc_s8_dot4(w, depth, row, in_off, acc + i);
        for (; i < n; i++, w += depth) acc[i] += xsml_dot_1x1(w, row, depth, in_off);
      }
#endif
      for (; i < n; i++, w += depth) {
        uint32_t a = acc[i];
        for (int32_t d = 0; d < depth; d++) a += (uint32_t)((w[d] + f_off) * (row[d] + in_off));
        acc[i] = a;
      }
      fc_s8_outputs(p, rounding, d, acc, n, o, out + o);
    }
  }
}

/*
 * int8: the params read where they are used. With the DSP extension, symmetric filters, word-aligned
 * rows and a depth a multiple of 8 up to FC_S8_WIDE_MAX, the wide path; otherwise blocks.
 */
static void eval_s8(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = fc_params(rec);
  const int8_t *input = (const int8_t *)fc_ref(rec, R_INPUT, mem), *filter = (const int8_t *)fc_ref(rec, R_FILTER, mem);
  const int32_t *bias = (const int32_t *)xsml_tensor(rec, R_BIAS, mem);
  int8_t *output = (int8_t *)fc_ref(rec, R_OUTPUT, mem);
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  const int32_t depth = p[P_DEPTH];
  if (p[P_FILTER_OFFSET] == 0 && depth > 0 && (depth & 7) == 0 && depth <= FC_S8_WIDE_MAX && ((uintptr_t)filter & 3) == 0) {
    fc_s8_wide(p, mem->rounding, input, filter, bias, output);
    return;
  }
#endif
  fc_s8_blocks(p, mem->rounding, input, filter, bias, output);
}

/* The checks both kernels share; `elem` is the byte size of input, filter and output elements. */
static const char *check_common(const int32_t *rec, const int32_t *ref_bytes, int64_t params, uint64_t elem) {
  if (xsml_ref_count(rec) != R_COUNT) return "expects 4 tensor refs (input, filter, bias, output)";
  if (xsml_param_words(rec) < params) return "record too short for its params";
  const int32_t *p = xsml_params(rec);
  const int32_t batches = p[P_BATCHES], depth = p[P_DEPTH], out_c = p[P_OUT_CHANNELS];
  if (batches < 0 || depth < 0 || out_c < 0) return "negative batches, depth or output channels";
  if (!xsml_ref_present(rec, R_INPUT) || !xsml_ref_present(rec, R_FILTER) || !xsml_ref_present(rec, R_OUTPUT)) {
    return "input, filter or output ref missing";
  }
  if (!xsml_ref_writable(rec, R_OUTPUT)) return "output ref is not in the arena";
  const uint64_t bias_elem = 4;
  if (elem == 4 && (!xsml_ref_aligned(rec, R_INPUT, 4) || !xsml_ref_aligned(rec, R_FILTER, 4) || !xsml_ref_aligned(rec, R_OUTPUT, 4))) {
    return "float32 input, filter or output ref not 4-byte aligned";
  }
  if (xsml_ref_present(rec, R_BIAS)) {
    if (!xsml_ref_aligned(rec, R_BIAS, 4)) return "bias ref not 4-byte aligned";
    if (!xsml_ref_holds(ref_bytes, R_BIAS, xsml_mul_sat((uint64_t)out_c, bias_elem))) return "bias ref shorter than output channels";
  }
  if (!xsml_ref_holds(ref_bytes, R_INPUT, xsml_mul_sat(xsml_mul_sat((uint64_t)batches, (uint64_t)depth), elem))) {
    return "input ref shorter than batches x depth";
  }
  if (!xsml_ref_holds(ref_bytes, R_FILTER, xsml_mul_sat(xsml_mul_sat((uint64_t)out_c, (uint64_t)depth), elem))) {
    return "filter ref shorter than output channels x depth";
  }
  if (!xsml_ref_holds(ref_bytes, R_OUTPUT, xsml_mul_sat(xsml_mul_sat((uint64_t)batches, (uint64_t)out_c), elem))) {
    return "output ref shorter than batches x output channels";
  }
  return NULL;
}

static const char *check_f32(const int32_t *rec, const int32_t *ref_bytes) {
  return check_common(rec, ref_bytes, P_COUNT_F32, 4);
}

static const char *check_s8(const int32_t *rec, const int32_t *ref_bytes) {
  const char *error = check_common(rec, ref_bytes, P_COUNT_S8, 1);
  if (error) return error;
  const int32_t *p = xsml_params(rec);
  const int32_t out_c = p[P_OUT_CHANNELS], count = p[P_MULTIPLIERS];
  if (count != 1 && count != out_c) return "multiplier count is neither 1 nor the output channels";
  if (xsml_param_words(rec) < P_COUNT_S8 + 2 * (int64_t)count) return "record too short for the multipliers and shifts";
  if (p[P_ACT_MIN] < -128 || p[P_ACT_MIN] > p[P_ACT_MAX] || p[P_ACT_MAX] > 127) return "activation range not within [-128, 127]";
  if (p[P_INPUT_OFFSET] < -255 || p[P_INPUT_OFFSET] > 255 || p[P_FILTER_OFFSET] < -255 || p[P_FILTER_OFFSET] > 255) {
    return "input or filter offset outside [-255, 255]";
  }
  const int32_t *shift = p + P_PER_CHANNEL + count;
  for (int32_t o = 0; o < count; o++) {
    if (shift[o] < -31 || shift[o] > 30) return "a requantization shift outside [-31, 30]";
  }
  return NULL;
}

const xsml_kernel xsml_k_fully_connected_f32 = {XSML_K_FULLY_CONNECTED_F32, "FULLY_CONNECTED_F32", eval_f32, check_f32};
const xsml_kernel xsml_k_fully_connected_s8 = {XSML_K_FULLY_CONNECTED_S8, "FULLY_CONNECTED_S8", eval_s8, check_s8};
