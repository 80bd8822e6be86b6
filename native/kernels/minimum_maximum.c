/*
 * MINIMUM and MAXIMUM (src/ops/minimum-maximum.ts) over the broadcast loop nest of binary.h:
 * el1 < el2 ? el1 : el2 (el1 > el2 ? el1 : el2), for float32, int8, uint8, int16 and int32, the type
 * a param after the loop nest.
 */
#include <stdint.h>

#include "binary.h"
#include "check_util.h"
#include "xsml_record.h"

enum { P_TYPE = XSML_BINARY_WORDS };
#define OWN_PARAMS 1
enum { T_FLOAT32 = 0, T_INT32 = 2, T_UINT8 = 3, T_INT16 = 7, T_INT8 = 9 };

typedef struct {
  const void *a, *b;
  void *out;
} ctx_any;

#define ROW(name, T, op)                                                                                  \
  static void name(const void *ctx, int32_t i1, int32_t i2, int32_t o, int32_t n, int32_t s1, int32_t s2) { \
    const ctx_any *c = (const ctx_any *)ctx;                                                              \
    const T *a = (const T *)c->a + i1, *b = (const T *)c->b + i2;                                         \
    T *out = (T *)c->out + o;                                                                             \
    for (int32_t k = 0; k < n; k++, a += s1, b += s2) out[k] = *a op *b ? *a : *b;                        \
  }

ROW(min_f32, float, <)
ROW(min_i32, int32_t, <)
ROW(min_i16, int16_t, <)
ROW(min_i8, int8_t, <)
ROW(min_u8, uint8_t, <)
ROW(max_f32, float, >)
ROW(max_i32, int32_t, >)
ROW(max_i16, int16_t, >)
ROW(max_i8, int8_t, >)
ROW(max_u8, uint8_t, >)

static void run(const int32_t *rec, const xsml_memory *mem, int max) {
  const int32_t *p = xsml_params(rec);
  xsml_broadcast bc;
  xsml_broadcast_read(p, &bc);
  const ctx_any c = { xsml_tensor(rec, 0, mem), xsml_tensor(rec, 1, mem), xsml_tensor(rec, 2, mem) };
  xsml_binary_row row;
  switch (p[P_TYPE]) {
    case T_FLOAT32: row = max ? max_f32 : min_f32; break;
    case T_INT32: row = max ? max_i32 : min_i32; break;
    case T_INT16: row = max ? max_i16 : min_i16; break;
    case T_UINT8: row = max ? max_u8 : min_u8; break;
    default: row = max ? max_i8 : min_i8; break;
  }
  xsml_broadcast_run(&bc, row, &c);
}

static void eval_min(const int32_t *rec, const xsml_memory *mem) { run(rec, mem, 0); }
static void eval_max(const int32_t *rec, const xsml_memory *mem) { run(rec, mem, 1); }

static const char *check_min_max(const int32_t *rec, const int32_t *ref_bytes) {
  if (xsml_param_words(rec) < XSML_BINARY_WORDS + OWN_PARAMS) return "record too short for the broadcast loops and params";
  uint32_t bytes;
  switch (xsml_params(rec)[P_TYPE]) {
    case T_FLOAT32: case T_INT32: bytes = 4; break;
    case T_INT16: bytes = 2; break;
    case T_UINT8: case T_INT8: bytes = 1; break;
    default: return "an element type MINIMUM and MAXIMUM do not compare";
  }
  return xsml_broadcast_check(rec, ref_bytes, bytes, OWN_PARAMS);
}

const xsml_kernel xsml_k_minimum = { XSML_K_MINIMUM, "MINIMUM", eval_min, check_min_max };
const xsml_kernel xsml_k_maximum = { XSML_K_MAXIMUM, "MAXIMUM", eval_max, check_min_max };
