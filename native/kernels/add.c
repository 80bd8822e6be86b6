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

typedef struct {
  const int8_t *a, *b;
  int8_t *out;
  const xsml_add_s8_params *q;
} s8_ctx;

/*
 * xsml_mbqm_double for multiplier >= 0 and -31 <= shift <= 0: in one rounding step for shift <= -2
 * (xsml_mbqm_double_rs2), the high mul alone for shift 0 (it never saturates for multiplier >= 0).
 */
static inline int32_t rescale_s8(int32_t x, int32_t multiplier, int32_t shift) {
  if (shift <= -2) return xsml_mbqm_double_rs2(x, multiplier, shift);
  if (shift == 0) return (int32_t)(((int64_t)x * multiplier + ((int64_t)1 << 30)) >> 31);
  return xsml_mbqm_double(x, multiplier, shift);
}

static void row_s8(const void *ctx, int32_t i1, int32_t i2, int32_t o, int32_t n, int32_t s1, int32_t s2) {
  const s8_ctx *c = (const s8_ctx *)ctx;
  /* Locals: int8 stores could alias the params for the compiler. */
  const xsml_add_s8_params q = *c->q;
  const int8_t *a = c->a + i1, *b = c->b + i2;
  int8_t *out = c->out + o;
  if (q.input1_shift <= 0 && q.input1_shift >= -31 && q.input2_shift <= 0 && q.input2_shift >= -31 && q.output_shift <= 0 &&
      q.output_shift >= -31 && q.input1_multiplier >= 0 && q.input2_multiplier >= 0 && q.output_multiplier >= 0 &&
      q.output_offset >= -256 && q.output_offset <= 256) {
    /* The usual case: right shifts and non-negative multipliers, rescaled by rescale_s8 (the same results). */
    const int32_t lo = q.act_min, hi = q.act_max, l = q.left_shift;
    for (int32_t k = 0; k < n; k++, a += s1, b += s2) {
      const int32_t x1 = rescale_s8(xsml_shl_wrap(xsml_add_wrap(*a, q.input1_offset), l), q.input1_multiplier, q.input1_shift);
      const int32_t x2 = rescale_s8(xsml_shl_wrap(xsml_add_wrap(*b, q.input2_offset), l), q.input2_multiplier, q.input2_shift);
      int32_t v = rescale_s8(xsml_add_wrap(x1, x2), q.output_multiplier, q.output_shift) + q.output_offset;
      v = v < lo ? lo : v > hi ? hi : v;
      out[k] = (int8_t)v;
    }
    return;
  }
  for (int32_t k = 0; k < n; k++, a += s1, b += s2) {
    const int32_t x1 = xsml_mbqm_double(xsml_shl_wrap(xsml_add_wrap(*a, q.input1_offset), q.left_shift),
                                        q.input1_multiplier, q.input1_shift);
    const int32_t x2 = xsml_mbqm_double(xsml_shl_wrap(xsml_add_wrap(*b, q.input2_offset), q.left_shift),
                                        q.input2_multiplier, q.input2_shift);
    int64_t v = (int64_t)xsml_mbqm_double(xsml_add_wrap(x1, x2), q.output_multiplier, q.output_shift) + q.output_offset;
    v = v < q.act_min ? q.act_min : v > q.act_max ? q.act_max : v;
    out[k] = (int8_t)v;
  }
}

void xsml_add_s8(const xsml_broadcast *bc, const int8_t *input1, const int8_t *input2, const xsml_add_s8_params *q, int8_t *output) {
  const s8_ctx c = { input1, input2, output, q };
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
