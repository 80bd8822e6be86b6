/* DIV, float32 (src/ops/div.ts): out = clamp(in1 / in2) over the broadcast loop nest of binary.h. */
#include <stdint.h>

#include "binary.h"
#include "check_util.h"
#include "xsml_record.h"

enum { P_ACT_MIN = XSML_BINARY_WORDS, P_ACT_MAX };
#define OWN_PARAMS 2

typedef struct {
  const float *a, *b;
  float *out;
  float lo, hi;
} ctx_f32;

static void row_div(const void *ctx, int32_t i1, int32_t i2, int32_t o, int32_t n, int32_t s1, int32_t s2) {
  const ctx_f32 *c = (const ctx_f32 *)ctx;
  const float *a = c->a + i1, *b = c->b + i2;
  float *out = c->out + o;
  for (int32_t k = 0; k < n; k++, a += s1, b += s2) {
    const float v = *a / *b;
    out[k] = v < c->lo ? c->lo : v > c->hi ? c->hi : v;
  }
}

static void eval_div(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  xsml_broadcast bc;
  xsml_broadcast_read(p, &bc);
  const ctx_f32 c = {
    (const float *)xsml_tensor(rec, 0, mem), (const float *)xsml_tensor(rec, 1, mem), (float *)xsml_tensor(rec, 2, mem),
    xsml_param_f32(p[P_ACT_MIN]), xsml_param_f32(p[P_ACT_MAX]),
  };
  xsml_broadcast_run(&bc, row_div, &c);
}

static const char *check_div(const int32_t *rec, const int32_t *ref_bytes) {
  return xsml_broadcast_check(rec, ref_bytes, 4, OWN_PARAMS);
}

const xsml_kernel xsml_k_div_f32 = { XSML_K_DIV_F32, "DIV_F32", eval_div, check_div };
