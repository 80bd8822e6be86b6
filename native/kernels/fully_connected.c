/* FULLY_CONNECTED kernels (float32, int8) and their record decoders and checks. See fully_connected.h. */
#include "fully_connected.h"

#include <stddef.h>

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
 * float32 on the FPU (f32_dot.h's VLDM, VMUL and VADD, summed in order from d = 0): the whole eval in
 * assembly, so that the record is read and the registers (core and FPU) saved once per op.
 *
 * Its frame, 8 words at r0 = sp while the rows run: the batch's input row, the first row of weights,
 * depth, batches left, the output (advanced past what was written), the bias (advanced past what was
 * read), rows << 4 | XSML_F32_* (f32_dot.h), the first bias (0: none).
 */
/* The byte offsets it reads the record at (refs: pool then offset; then the params) and the pools at. */
_Static_assert(XSML_F32_BIAS == 1 && XSML_F32_LO_BOUND == 2 && XSML_F32_HI_BOUND == 4 && XSML_F32_INF_BOUND == 8, "eval_f32's flags");
_Static_assert(XSML_RECORD_HEADER == 3 && R_INPUT == 0 && R_FILTER == 1 && R_BIAS == 2 && R_OUTPUT == 3 && R_COUNT == 4 &&
                   P_BATCHES == 0 && P_DEPTH == 1 && P_OUT_CHANNELS == 2 && P_ACT_MIN == 3 && P_ACT_MAX == 4 &&
                   offsetof(xsml_memory, pools) == 0 && sizeof(uint8_t *) == 4 && XSML_NO_TENSOR == -1,
               "FULLY_CONNECTED_F32's record as eval_f32 reads it");

/* The clamps to lo (s8) and hi (s9). */
#define FC_LO(a) XSML_F32_LO_AT(a, "s8")
#define FC_HI(a) XSML_F32_HI_AT(a, "s9")
#define FC_B(a, b) "vadd.f32 " a ", " a ", " b "\n\t"
/* Accumulators = +0 (as the plain loop's sum starts): from the zeros after the routine, or s10. */
#define FC_Z8 "adr.w r12, 50f\n\tvldmia r12, {s0-s7}\n\t"
#define FC_Z4 "adr.w r12, 50f\n\tvldmia r12, {s0-s3}\n\t"
#define FC_Z1 "vmov.f32 s0, s10\n\t"
/*
 * One group of rows, their weights' pointers in registers from r2 (the last one ends at the next
 * group's first row): x from the frame, the accumulators ZERO'd, r10 = depth counting down eight
 * input values per step (STEP8) then one (STEP1); then the bias (NBIAS registers, BIAS), the clamps,
 * and the store of REGS. r11 = rows << 4 | XSML_F32_*. A bound of -FLT_MAX or FLT_MAX (s11) changes
 * only an infinity, so it is applied (both bounds, every value) only when the values' sum (SUM, into
 * s16) is not finite.
 */
#define FC_GROUP(L, ZERO, STEP8, STEP1, NBIAS, BIAS, LO, HI, SUM, REGS) \
  "ldr r1, [r0]\n\t" ZERO                                               \
  "ldr r10, [r0, #8]\n\t"                                               \
  "subs r10, r10, #8\n\t"                                               \
  "blt " L "2f\n"                                                       \
  L "1:\n\t"                                                            \
  "vldmia r1!, {s16-s23}\n\t" STEP8                                     \
  "subs r10, r10, #8\n\t"                                               \
  "bge " L "1b\n"                                                       \
  L "2:\n\t"                                                            \
  "adds r10, r10, #8\n\t"                                               \
  "beq " L "4f\n"                                                       \
  L "3:\n\t"                                                            \
  "vldmia r1!, {s16}\n\t" STEP1                                         \
  "subs r10, r10, #1\n\t"                                               \
  "bne " L "3b\n"                                                       \
  L "4:\n\t"                                                            \
  "tst r11, #1\n\t"                                                     \
  "beq " L "5f\n\t"                                                     \
  "ldr r12, [r0, #20]\n\t"                                              \
  "vldmia r12!, {" NBIAS "}\n\t"                                        \
  "str r12, [r0, #20]\n\t" BIAS                                         \
  L "5:\n\t"                                                            \
  "tst r11, #2\n\t"                                                     \
  "beq " L "6f\n\t" LO                                                  \
  L "6:\n\t"                                                            \
  "tst r11, #4\n\t"                                                     \
  "beq " L "7f\n\t" HI                                                  \
  L "7:\n\t"                                                            \
  "tst r11, #8\n\t"                                                     \
  "beq " L "9f\n\t" SUM XSML_F32_FINITE_TO("s11", L "9f") LO HI         \
  L "9:\n\t"                                                            \
  "ldr r12, [r0, #16]\n\t"                                              \
  "vstmia r12!, {" REGS "}\n\t"                                         \
  "str r12, [r0, #16]\n\t"

/* out[b][r] = act(x[b] . row_r + bias[r]): per batch groups of 8 rows, then 4, then 1. */
__attribute__((naked, noinline)) static void eval_f32(const int32_t *rec, const xsml_memory *mem) {
  (void)rec, (void)mem;
  __asm__ volatile(
      "push {r4-r11, lr}\n\t"
      "vpush {s8-s31}\n\t"
      "sub sp, sp, #32\n\t"
      /* The input, filter and output refs (the checks require them), then the bias's (r4, 0: none). */
      "ldrd r2, r3, [r0, #12]\n\tldr r2, [r1, r2, lsl #2]\n\tadd r2, r2, r3\n\tstr r2, [sp, #0]\n\t"
      "ldrd r2, r3, [r0, #20]\n\tldr r2, [r1, r2, lsl #2]\n\tadd r2, r2, r3\n\tstr r2, [sp, #4]\n\t"
      "ldrd r2, r3, [r0, #36]\n\tldr r2, [r1, r2, lsl #2]\n\tadd r2, r2, r3\n\tstr r2, [sp, #16]\n\t"
      "movs r4, #0\n\t"
      "ldrd r2, r3, [r0, #28]\n\t"
      "adds r5, r2, #1\n\t"
      "beq 1f\n\t"
      "ldr r2, [r1, r2, lsl #2]\n\t"
      "add r4, r2, r3\n"
      "1:\n\t"
      "str r4, [sp, #28]\n\t"
      /* batches, depth (lr = its bytes), rows; lo (s8), hi (s9) and the flags from their bits. */
      "ldrd r5, r6, [r0, #44]\n\t"
      "str r5, [sp, #12]\n\t"
      "str r6, [sp, #8]\n\t"
      "lsl lr, r6, #2\n\t"
      "ldr r11, [r0, #52]\n\t"
      "lsl r11, r11, #4\n\t"
      "cmp r4, #0\n\t"
      "it ne\n\t"
      "orrne r11, r11, #1\n\t"
      "vldr s8, [r0, #56]\n\t"
      "vldr s9, [r0, #60]\n\t"
      "ldrd r2, r3, [r0, #56]\n\t"
      "mvn r12, #0x800000\n\t" /* -FLT_MAX */
      "cmp r2, r12\n\t"
      "ite eq\n\t"
      "orreq r11, r11, #8\n\t"
      "orrne r11, r11, #2\n\t"
      "eor r12, r12, #0x80000000\n\t" /* FLT_MAX */
      "cmp r3, r12\n\t"
      "ite eq\n\t"
      "orreq r11, r11, #8\n\t"
      "orrne r11, r11, #4\n\t"
      "str r11, [sp, #24]\n\t"
      "vmov s11, r12\n\t"
      "movs r12, #0\n\t"
      "vmov s10, r12\n\t"
      "mov r0, sp\n\t"
      "cmp r5, #0\n\t"
      "ble 40f\n"
      "5:\n\t"
      "ldr r2, [r0, #4]\n\t"
      "ldr r11, [r0, #24]\n\t"
      "ldr r12, [r0, #28]\n\t"
      "str r12, [r0, #20]\n\t"
      "cmp r11, #128\n\t"
      "blt 20f\n"
      "10:\n\t"
      "add r3, r2, lr\n\tadd r4, r3, lr\n\tadd r5, r4, lr\n\tadd r6, r5, lr\n\tadd r7, r6, lr\n\tadd r8, r7, lr\n\tadd r9, r8, lr\n\t"
      FC_GROUP("8", FC_Z8,
               XSML_F32_ROW8_AT("r2", "s0") XSML_F32_ROW8_AT("r3", "s1") XSML_F32_ROW8_AT("r4", "s2") XSML_F32_ROW8_AT("r5", "s3")
               XSML_F32_ROW8_AT("r6", "s4") XSML_F32_ROW8_AT("r7", "s5") XSML_F32_ROW8_AT("r8", "s6") XSML_F32_ROW8_AT("r9", "s7"),
               XSML_F32_ROW1_AT("r2", "s0") XSML_F32_ROW1_AT("r3", "s1") XSML_F32_ROW1_AT("r4", "s2") XSML_F32_ROW1_AT("r5", "s3")
               XSML_F32_ROW1_AT("r6", "s4") XSML_F32_ROW1_AT("r7", "s5") XSML_F32_ROW1_AT("r8", "s6") XSML_F32_ROW1_AT("r9", "s7"),
               "s16-s23", XSML_F32_ADD8_FROM_S16,
               XSML_F32_LO8_AT("s8"), XSML_F32_HI8_AT("s9"),
               XSML_F32_SUM8_S16, "s0-s7")
      "mov r2, r9\n\t"
      "sub r11, r11, #128\n\t"
      "cmp r11, #128\n\t"
      "bge 10b\n"
      "20:\n\t"
      "cmp r11, #64\n\t"
      "blt 30f\n\t"
      "add r3, r2, lr\n\tadd r4, r3, lr\n\tadd r5, r4, lr\n\t"
      FC_GROUP("4", FC_Z4,
               XSML_F32_ROW8_AT("r2", "s0") XSML_F32_ROW8_AT("r3", "s1") XSML_F32_ROW8_AT("r4", "s2") XSML_F32_ROW8_AT("r5", "s3"),
               XSML_F32_ROW1_AT("r2", "s0") XSML_F32_ROW1_AT("r3", "s1") XSML_F32_ROW1_AT("r4", "s2") XSML_F32_ROW1_AT("r5", "s3"),
               "s16-s19", FC_B("s0", "s16") FC_B("s1", "s17") FC_B("s2", "s18") FC_B("s3", "s19"),
               FC_LO("s0") FC_LO("s1") FC_LO("s2") FC_LO("s3"), FC_HI("s0") FC_HI("s1") FC_HI("s2") FC_HI("s3"),
               XSML_F32_SUM4_S16, "s0-s3")
      "mov r2, r5\n\t"
      "sub r11, r11, #64\n"
      "30:\n\t"
      "cmp r11, #16\n\t"
      "blt 39f\n"
      "31:\n\t"
      FC_GROUP("1", FC_Z1, XSML_F32_ROW8_AT("r2", "s0"), XSML_F32_ROW1_AT("r2", "s0"), "s16", FC_B("s0", "s16"), FC_LO("s0"), FC_HI("s0"),
               "vmov.f32 s16, s0\n\t", "s0")
      "sub r11, r11, #16\n\t"
      "cmp r11, #16\n\t"
      "bge 31b\n"
      "39:\n\t"
      /* The next batch: its input row, the same weights and biases. */
      "ldr r12, [r0]\n\t"
      "add r12, r12, lr\n\t"
      "str r12, [r0]\n\t"
      "ldr r12, [r0, #12]\n\t"
      "subs r12, r12, #1\n\t"
      "str r12, [r0, #12]\n\t"
      "bgt 5b\n"
      "40:\n\t"
      "add sp, sp, #32\n\t"
      "vpop {s8-s31}\n\t"
      "pop {r4-r11, pc}\n\t"
      ".p2align 2\n"
      "50:\n\t"
      ".word 0, 0, 0, 0, 0, 0, 0, 0\n\t");
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
