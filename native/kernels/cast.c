/*
 * CAST (src/ops/cast.ts): each element converted as static_cast does: integers wrap, floats truncate
 * toward zero (-2^31 for NaN and values outside int32, as x86; uint32 through 64 bits), bool is x != 0.
 */
#include <math.h>
#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

enum { P_COUNT = 0, P_FROM, P_TO, P_WORDS };
enum { T_FLOAT32 = 0, T_INT32 = 2, T_UINT8 = 3, T_BOOL = 6, T_INT16 = 7, T_INT8 = 9, T_UINT32 = 15, T_UINT16 = 16 };

static int type_bytes(int32_t type) {
  switch (type) {
    case T_FLOAT32: case T_INT32: case T_UINT32: return 4;
    case T_INT16: case T_UINT16: return 2;
    case T_UINT8: case T_BOOL: case T_INT8: return 1;
    default: return 0;
  }
}

static void eval_cast(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const uint8_t *in = (const uint8_t *)xsml_tensor(rec, 0, mem);
  uint8_t *out = (uint8_t *)xsml_tensor(rec, 1, mem);
  const int32_t n = p[P_COUNT], from = p[P_FROM], to = p[P_TO];
  for (int32_t i = 0; i < n; i++) {
    double f = 0; /* the value, when the input is float32 */
    int64_t v = 0; /* the value, when the input is an integer */
    switch (from) {
      case T_FLOAT32: { float x; memcpy(&x, in + 4 * (size_t)i, 4); f = x; break; }
      case T_INT32: { int32_t x; memcpy(&x, in + 4 * (size_t)i, 4); v = x; break; }
      case T_UINT32: { uint32_t x; memcpy(&x, in + 4 * (size_t)i, 4); v = x; break; }
      case T_INT16: { int16_t x; memcpy(&x, in + 2 * (size_t)i, 2); v = x; break; }
      case T_UINT16: { uint16_t x; memcpy(&x, in + 2 * (size_t)i, 2); v = x; break; }
      case T_INT8: v = (int8_t)in[i]; break;
      case T_BOOL: v = in[i] != 0; break;
      default: v = in[i]; break;
    }
    if (from != T_FLOAT32) f = (double)v;
    if (to == T_FLOAT32) { const float x = (float)f; memcpy(out + 4 * (size_t)i, &x, 4); continue; }
    if (to == T_BOOL) { out[i] = from == T_FLOAT32 ? f != 0 : v != 0; continue; }
    if (from == T_FLOAT32) {
      if (to == T_UINT32) v = f > -9.223372036854776e18 && f < 9.223372036854776e18 ? (int64_t)f : 0;
      else v = f > -2147483649.0 && f < 2147483648.0 ? (int64_t)f : INT32_MIN;
    }
    const uint32_t bits = (uint32_t)(uint64_t)v;
    switch (to) {
      case T_INT32: case T_UINT32: memcpy(out + 4 * (size_t)i, &bits, 4); break;
      case T_INT16: case T_UINT16: { const uint16_t x = (uint16_t)bits; memcpy(out + 2 * (size_t)i, &x, 2); break; }
      default: out[i] = (uint8_t)bits; break;
    }
  }
}

static const char *check_cast(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != 2) return "expected 2 tensor refs (input, output)";
  if (xsml_param_words(rec) < P_WORDS) return "record too short for its params";
  if (!xsml_ref_present(rec, 0) || !xsml_ref_present(rec, 1)) return "every tensor is required";
  if (!xsml_ref_writable(rec, 1)) return "output ref is not in the arena";
  const int32_t *p = xsml_params(rec);
  const int in_bytes = type_bytes(p[P_FROM]), out_bytes = type_bytes(p[P_TO]);
  if (!in_bytes || !out_bytes) return "a type CAST does not convert";
  if (!xsml_ref_aligned(rec, 0, in_bytes) || !xsml_ref_aligned(rec, 1, out_bytes)) return "tensor offset not aligned to its element size";
  if (p[P_COUNT] < 0) return "negative element count";
  if (!xsml_ref_holds(ref_bytes, 0, (uint64_t)in_bytes * (uint64_t)p[P_COUNT])) return "the input is smaller than the count";
  if (!xsml_ref_holds(ref_bytes, 1, (uint64_t)out_bytes * (uint64_t)p[P_COUNT])) return "the output is smaller than the count";
  return NULL;
}

const xsml_kernel xsml_k_cast = { XSML_K_CAST, "CAST", eval_cast, check_cast };
