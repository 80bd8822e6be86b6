/* ADD (src/ops/add.ts): float32 and int8, over the broadcast loop nest of binary.h. */
#include "add.h"

#include "check_util.h"

#include "fixed_point.h"

enum {
  P_ACT_MIN = XSML_BINARY_WORDS, P_ACT_MAX, P_INPUT1_OFFSET, P_INPUT2_OFFSET, P_OUTPUT_OFFSET, P_LEFT_SHIFT,
  P_INPUT1_MULTIPLIER, P_INPUT1_SHIFT, P_INPUT2_MULTIPLIER, P_INPUT2_SHIFT, P_OUTPUT_MULTIPLIER, P_OUTPUT_SHIFT
};
#define F32_OWN_PARAMS 2
#define S8_OWN_PARAMS 12

typedef struct {
  const float *a, *b;
  float *out;
  float lo, hi;
} f32_ctx;

static void row_f32(const void *ctx, int32_t i1, int32_t i2, int32_t o, int32_t n, int32_t s1, int32_t s2) {
  const f32_ctx *c = (const f32_ctx *)ctx;
  const float *a = c->a + i1, *b = c->b + i2;
  float *out = c->out + o;
  const float lo = c->lo, hi = c->hi;
  for (int32_t k = 0; k < n; k++, a += s1, b += s2) {
    const float v = *a + *b;
    out[k] = v < lo ? lo : v > hi ? hi : v;
  }
}

void xsml_add_f32(const xsml_broadcast *bc, const float *input1, const float *input2, float act_min, float act_max, float *output) {
  const f32_ctx c = { input1, input2, output, act_min, act_max };
  xsml_broadcast_run(bc, row_f32, &c);
}

/*
 * xsml_mbqm_double for multiplier >= 0 and -31 <= shift <= 0: in one rounding step for shift <= -2
 * (xsml_mbqm_double_rs2), the high mul alone for shift 0 (it never saturates for multiplier >= 0).
 */
static inline int32_t rescale_s8(int32_t x, int32_t multiplier, int32_t shift) {
  if (shift <= -2) return xsml_mbqm_double_rs2(x, multiplier, shift);
  if (shift == 0) return (int32_t)(((int64_t)x * multiplier + ((int64_t)1 << 30)) >> 31);
  return xsml_mbqm_double(x, multiplier, shift);
}

/* Whether rescale_s8 gives xsml_mbqm_double's results for these params. */
static int rescale_s8_fits(int32_t multiplier, int32_t shift) { return multiplier >= 0 && shift <= 0 && shift >= -31; }

/* An input rescaled: what both kernels add, for one int8 value. */
static inline int32_t input_s8(int32_t v, int32_t offset, int32_t left_shift, int32_t multiplier, int32_t shift, int fast) {
  const int32_t x = xsml_shl_wrap(xsml_add_wrap(v, offset), left_shift);
  return fast ? rescale_s8(x, multiplier, shift) : xsml_mbqm_double(x, multiplier, shift);
}

typedef struct {
  const int8_t *a, *b;
  int8_t *out;
  const xsml_add_s8_params *q;
  const int32_t *t1, *t2; /* each input's 256 rescaled values, indexed by value + 128; or NULL */
} s8_ctx;

/* Outputs at least this many: the inputs' rescaled values are tabulated first (512 rescalings). */
#define ADD_S8_TABLE_MIN 1024

/*
 * The usual case: two table reads, a sum, and the output's rescaling in one rounding step
 * (xsml_mbqm_rs: the same results for rs = -shift - 2 >= 0 and m >= 0), the offset added before its
 * last halving: ((q + 1) >> 1) + off = (q + 1 + 2 off) >> 1. |off| <= 256: no overflow.
 */
__attribute__((noinline)) static void add_s8_tabled(const int8_t *a, const int8_t *b, int8_t *out, int32_t n, int32_t s1, int32_t s2,
                                                    const int32_t *t1, const int32_t *t2, int32_t m, int32_t rs, int32_t off,
                                                    int32_t lo, int32_t hi) {
  int8_t *end = out + n;
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
  if (s1 == 1 && s2 == 1 && hi == 127 && out != end) {
    /* Contiguous inputs, no upper clamp below 127: SSAT takes the halving and the int8 range at once. */
    int32_t x, y, p_lo;
    const int32_t c30 = 0x40000000, round = 1 + 2 * off;
#define ADD_S8_ONE                           \
  "ldrsb %[x], [%[a]], #1\n\t"               \
  "ldrsb %[y], [%[b]], #1\n\t"               \
  "ldr %[x], [%[t1], %[x], lsl #2]\n\t"      \
  "ldr %[y], [%[t2], %[y], lsl #2]\n\t"      \
  "add %[x], %[x], %[y]\n\t"                 \
  "asr %[y], %[x], #31\n\t"                  \
  "orr %[lo], %[c30], %[y], lsl #31\n\t"     \
  "smlal %[lo], %[y], %[x], %[m]\n\t"        \
  "asr %[y], %[y], %[rs]\n\t"                \
  "add %[y], %[y], %[round]\n\t"             \
  "ssat %[y], #8, %[y], asr #1\n\t"
#define ADD_S8_OPERANDS                                                                                                   \
  : [x] "=&r"(x), [y] "=&r"(y), [lo] "=&r"(p_lo), [a] "+r"(a), [b] "+r"(b), [out] "+r"(out)                               \
  : [t1] "r"(t1), [t2] "r"(t2), [m] "r"(m), [rs] "r"(rs), [round] "r"(round), [c30] "r"(c30), [end] "r"(end), [min] "r"(lo) \
  : "cc", "memory"
    if (lo == -128) {
      __asm__ volatile("1:\n\t" ADD_S8_ONE
                       "strb %[y], [%[out]], #1\n\t"
                       "cmp %[out], %[end]\n\t"
                       "bne 1b\n\t" ADD_S8_OPERANDS);
    } else {
      __asm__ volatile("1:\n\t" ADD_S8_ONE
                       "cmp %[y], %[min]\n\t"
                       "it lt\n\t"
                       "movlt %[y], %[min]\n\t"
                       "strb %[y], [%[out]], #1\n\t"
                       "cmp %[out], %[end]\n\t"
                       "bne 1b\n\t" ADD_S8_OPERANDS);
    }
#undef ADD_S8_ONE
#undef ADD_S8_OPERANDS
    return;
  }
#endif
  for (; out != end; a += s1, b += s2) {
    int32_t v = xsml_mbqm_rs(xsml_add_wrap(t1[*a], t2[*b]), m, rs) + off;
    v = v < lo ? lo : v;
    *out++ = (int8_t)(v > hi ? hi : v);
  }
}

static void row_s8(const void *ctx, int32_t i1, int32_t i2, int32_t o, int32_t n, int32_t s1, int32_t s2) {
  const s8_ctx *c = (const s8_ctx *)ctx;
  /* Locals: int8 stores could alias the params for the compiler. */
  const xsml_add_s8_params q = *c->q;
  const int8_t *a = c->a + i1, *b = c->b + i2;
  int8_t *out = c->out + o;
  const int32_t lo = q.act_min, hi = q.act_max, off = q.output_offset;
  if (c->t1 && q.output_shift <= -2 && q.output_shift >= -31 && q.output_multiplier >= 0 && off >= -256 && off <= 256) {
    add_s8_tabled(a, b, out, n, s1, s2, c->t1 + 128, c->t2 + 128, q.output_multiplier, -q.output_shift - 2, off, lo, hi);
    return;
  }
  const int f1 = rescale_s8_fits(q.input1_multiplier, q.input1_shift), f2 = rescale_s8_fits(q.input2_multiplier, q.input2_shift);
  const int fo = rescale_s8_fits(q.output_multiplier, q.output_shift);
  for (int32_t k = 0; k < n; k++, a += s1, b += s2) {
    const int32_t x1 = c->t1 ? c->t1[*a + 128] : input_s8(*a, q.input1_offset, q.left_shift, q.input1_multiplier, q.input1_shift, f1);
    const int32_t x2 = c->t2 ? c->t2[*b + 128] : input_s8(*b, q.input2_offset, q.left_shift, q.input2_multiplier, q.input2_shift, f2);
    const int32_t x = xsml_add_wrap(x1, x2);
    int64_t v = (int64_t)(fo ? rescale_s8(x, q.output_multiplier, q.output_shift) : xsml_mbqm_double(x, q.output_multiplier, q.output_shift));
    v += off;
    v = v < lo ? lo : v > hi ? hi : v;
    out[k] = (int8_t)v;
  }
}

void xsml_add_s8(const xsml_broadcast *bc, const int8_t *input1, const int8_t *input2, const xsml_add_s8_params *q, int8_t *output) {
  int32_t t1[256], t2[256];
  s8_ctx c = { input1, input2, output, q, NULL, NULL };
  int64_t elements = 1;
  for (int k = 0; k < XSML_BROADCAST_RANK; k++) elements *= bc->dims[k];
  if (elements >= ADD_S8_TABLE_MIN) {
    const int f1 = rescale_s8_fits(q->input1_multiplier, q->input1_shift), f2 = rescale_s8_fits(q->input2_multiplier, q->input2_shift);
    for (int32_t v = -128; v < 128; v++) {
      t1[v + 128] = input_s8(v, q->input1_offset, q->left_shift, q->input1_multiplier, q->input1_shift, f1);
      t2[v + 128] = input_s8(v, q->input2_offset, q->left_shift, q->input2_multiplier, q->input2_shift, f2);
    }
    c.t1 = t1, c.t2 = t2;
  }
  xsml_broadcast_run(bc, row_s8, &c);
}

/* ---- record decoders ---- */

static void eval_f32(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  xsml_broadcast bc;
  xsml_broadcast_read(p, &bc);
  xsml_add_f32(&bc, (const float *)xsml_tensor(rec, 0, mem), (const float *)xsml_tensor(rec, 1, mem),
               xsml_param_f32(p[P_ACT_MIN]), xsml_param_f32(p[P_ACT_MAX]), (float *)xsml_tensor(rec, 2, mem));
}

static void eval_s8(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  xsml_broadcast bc;
  xsml_broadcast_read(p, &bc);
  xsml_add_s8_params q;
  q.input1_offset = p[P_INPUT1_OFFSET];
  q.input2_offset = p[P_INPUT2_OFFSET];
  q.output_offset = p[P_OUTPUT_OFFSET];
  q.left_shift = p[P_LEFT_SHIFT];
  q.input1_multiplier = p[P_INPUT1_MULTIPLIER];
  q.input1_shift = p[P_INPUT1_SHIFT];
  q.input2_multiplier = p[P_INPUT2_MULTIPLIER];
  q.input2_shift = p[P_INPUT2_SHIFT];
  q.output_multiplier = p[P_OUTPUT_MULTIPLIER];
  q.output_shift = p[P_OUTPUT_SHIFT];
  q.act_min = p[P_ACT_MIN];
  q.act_max = p[P_ACT_MAX];
  xsml_add_s8(&bc, (const int8_t *)xsml_tensor(rec, 0, mem), (const int8_t *)xsml_tensor(rec, 1, mem), &q,
              (int8_t *)xsml_tensor(rec, 2, mem));
}

static const char *check_f32(const int32_t *rec, const int32_t *ref_bytes) {
  return xsml_broadcast_check(rec, ref_bytes, 4, F32_OWN_PARAMS);
}

static const char *check_s8(const int32_t *rec, const int32_t *ref_bytes) {
  return xsml_broadcast_check(rec, ref_bytes, 1, S8_OWN_PARAMS);
}

const xsml_kernel xsml_k_add_f32 = { XSML_K_ADD_F32, "ADD_F32", eval_f32, check_f32 };
const xsml_kernel xsml_k_add_s8 = { XSML_K_ADD_S8, "ADD_S8", eval_s8, check_s8 };
