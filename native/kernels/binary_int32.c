/*
 * The int32 element-wise ops over the broadcast loop nest of binary.h (src/ops/binary-int32.ts and
 * div.ts): ADD, MUL and DIV on int32, wrapping as the TypeScript does (DIV truncates toward zero,
 * x / 0 is 0 and INT32_MIN / -1 wraps), then the activation clamp. Params after the loop nest:
 * act_min, act_max.
 */
#include <stdint.h>

#include "binary.h"
#include "check_util.h"
#include "xsml_record.h"

enum { P_ACT_MIN = XSML_BINARY_WORDS, P_ACT_MAX };
#define OWN_PARAMS 2

typedef struct {
  const int32_t *a, *b;
  int32_t *out;
  int32_t lo, hi;
} ctx_i32;

#define ROW(name, expr)                                                                                   \
  static void name(const void *ctx, int32_t i1, int32_t i2, int32_t o, int32_t n, int32_t s1, int32_t s2) { \
    const ctx_i32 *c = (const ctx_i32 *)ctx;                                                              \
    const int32_t *a = c->a + i1, *b = c->b + i2;                                                         \
    int32_t *out = c->out + o;                                                                            \
    for (int32_t k = 0; k < n; k++, a += s1, b += s2) {                                                   \
      const int32_t x = *a, y = *b;                                                                       \
      const int32_t v = (expr);                                                                           \
      out[k] = v < c->lo ? c->lo : v > c->hi ? c->hi : v;                                                 \
    }                                                                                                     \
  }

ROW(row_add, (int32_t)((uint32_t)x + (uint32_t)y))
ROW(row_mul, (int32_t)((uint32_t)x * (uint32_t)y))
ROW(row_div, y == 0 ? 0 : y == -1 ? (int32_t)(0u - (uint32_t)x) : x / y)

static void run(const int32_t *rec, const xsml_memory *mem, xsml_binary_row row) {
  const int32_t *p = xsml_params(rec);
  xsml_broadcast bc;
  xsml_broadcast_read(p, &bc);
  const ctx_i32 c = {
    (const int32_t *)xsml_tensor(rec, 0, mem), (const int32_t *)xsml_tensor(rec, 1, mem), (int32_t *)xsml_tensor(rec, 2, mem),
    p[P_ACT_MIN], p[P_ACT_MAX],
  };
  xsml_broadcast_run(&bc, row, &c);
}

static void eval_add(const int32_t *rec, const xsml_memory *mem) { run(rec, mem, row_add); }
static void eval_mul(const int32_t *rec, const xsml_memory *mem) { run(rec, mem, row_mul); }
static void eval_div(const int32_t *rec, const xsml_memory *mem) { run(rec, mem, row_div); }

static const char *check_i32(const int32_t *rec, const int32_t *ref_bytes) {
  return xsml_broadcast_check(rec, ref_bytes, 4, OWN_PARAMS);
}

const xsml_kernel xsml_k_add_i32 = { XSML_K_ADD_I32, "ADD_I32", eval_add, check_i32 };
const xsml_kernel xsml_k_mul_i32 = { XSML_K_MUL_I32, "MUL_I32", eval_mul, check_i32 };
const xsml_kernel xsml_k_div_i32 = { XSML_K_DIV_I32, "DIV_I32", eval_div, check_i32 };
