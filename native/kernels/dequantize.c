/* DEQUANTIZE (src/ops/dequantize.ts): int8/uint8/int16 -> float32 and float16 -> float32. */
#include "dequantize.h"

#include <string.h>

enum { P_INPUT_TYPE = 0, P_OUTER, P_CHANNELS, P_INNER, P_SCALES };
enum { P_COUNT = 0 };
#define REFS 2

/*
 * scale * (float)(x - zero_point): x - zero_point is exact in float32 (|.| < 2^24), and float32
 * multiplication rounds the exact product once, as the TypeScript's exact double product rounded
 * to float32 on the store does.
 */
void xsml_dequantize_s8(const void *input, int32_t input_type, const xsml_dequant_channels *q, float *output) {
  if (q->outer <= 0 || q->channels <= 0 || q->inner <= 0) return;
  size_t i = 0;
  for (int32_t o = 0; o < q->outer; o++) {
    for (int32_t c = 0; c < q->channels; c++) {
      float scale;
      memcpy(&scale, &q->scale_bits[c], sizeof scale);
      const int32_t zero_point = q->zero_points[c];
      const int32_t inner = q->inner;
      float *out = output + i;
      if (input_type == XSML_TYPE_INT16) {
        const int16_t *in = (const int16_t *)input + i;
        for (int32_t k = 0; k < inner; k++) out[k] = scale * (float)(in[k] - zero_point);
      } else if (input_type == XSML_TYPE_UINT8) {
        const uint8_t *in = (const uint8_t *)input + i;
        for (int32_t k = 0; k < inner; k++) out[k] = scale * (float)(in[k] - zero_point);
      } else {
        const int8_t *in = (const int8_t *)input + i;
        for (int32_t k = 0; k < inner; k++) out[k] = scale * (float)(in[k] - zero_point);
      }
      i += (size_t)inner;
    }
  }
}

static inline float half_to_float(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu, fraction = h & 0x3ffu;
  uint32_t bits;
  float f;
  if (exponent == 0) {
    /* Zero or subnormal: fraction * 2^-24, exact in float32. */
    f = (float)fraction * 0x1p-24f;
    memcpy(&bits, &f, sizeof bits);
    bits |= sign;
  } else if (exponent == 31) {
    bits = fraction == 0 ? (sign | UINT32_C(0x7f800000)) : UINT32_C(0x7fc00000);
  } else {
    bits = sign | ((exponent + 112u) << 23) | (fraction << 13);
  }
  memcpy(&f, &bits, sizeof f);
  return f;
}

void xsml_dequantize_f16(const uint16_t *input, int32_t count, float *output) {
  for (int32_t i = 0; i < count; i++) output[i] = half_to_float(input[i]);
}

/* ---- record decoders ---- */

static void eval_s8(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  xsml_dequant_channels q;
  q.outer = p[P_OUTER];
  q.channels = p[P_CHANNELS];
  q.inner = p[P_INNER];
  q.scale_bits = p + P_SCALES;
  q.zero_points = p + P_SCALES + q.channels;
  xsml_dequantize_s8(xsml_tensor(rec, 0, mem), p[P_INPUT_TYPE], &q, (float *)xsml_tensor(rec, 1, mem));
}

static void eval_f16(const int32_t *rec, const xsml_memory *mem) {
  xsml_dequantize_f16((const uint16_t *)xsml_tensor(rec, 0, mem), xsml_params(rec)[P_COUNT], (float *)xsml_tensor(rec, 1, mem));
}

static const char *check_refs(const int32_t *rec, uint32_t in_bytes) {
  if (rec[XSML_RECORD_HEADER] == XSML_NO_TENSOR || rec[XSML_RECORD_HEADER + 2] == XSML_NO_TENSOR) return "input and output are required";
  if (rec[XSML_RECORD_HEADER + 2] != XSML_POOL_ARENA) return "output ref is not in the arena";
  if ((uint32_t)rec[XSML_RECORD_HEADER + 1] % in_bytes != 0 || (uint32_t)rec[XSML_RECORD_HEADER + 3] % 4 != 0) {
    return "tensor offset not aligned to its element size";
  }
  return NULL;
}

static const char *check_s8(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != REFS) return "expected 2 tensor refs (input, output)";
  if (rec[2] < XSML_RECORD_HEADER + 2 * REFS + P_SCALES) return "record too short for the dequantize params";
  const int32_t *p = xsml_params(rec);
  const int32_t type = p[P_INPUT_TYPE];
  const uint32_t in_bytes = type == XSML_TYPE_INT16 ? 2 : (type == XSML_TYPE_INT8 || type == XSML_TYPE_UINT8) ? 1 : 0;
  if (!in_bytes) return "input type must be int8, uint8 or int16";
  const char *e = check_refs(rec, in_bytes);
  if (e) return e;
  const int32_t outer = p[P_OUTER], channels = p[P_CHANNELS], inner = p[P_INNER];
  if (outer < 0 || channels < 0 || inner < 0) return "negative outer, channels or inner";
  if ((int64_t)rec[2] < (int64_t)XSML_RECORD_HEADER + 2 * REFS + P_SCALES + 2 * (int64_t)channels) {
    return "record too short for one scale and one zero point per channel";
  }
  /* x - zero_point must stay exact in float32. */
  for (int32_t c = 0; c < channels; c++) {
    const int32_t zp = p[P_SCALES + channels + c];
    if (zp <= -(INT32_C(1) << 23) || zp >= (INT32_C(1) << 23)) return "zero point out of range";
  }
  const uint64_t elements = (uint64_t)outer * (uint64_t)channels * (uint64_t)inner;
  if (elements * in_bytes > (uint64_t)(uint32_t)ref_bytes[0]) return "elements exceed the input tensor's bytes";
  if (elements * 4 > (uint64_t)(uint32_t)ref_bytes[1]) return "elements exceed the output tensor's bytes";
  return NULL;
}

static const char *check_f16(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != REFS) return "expected 2 tensor refs (input, output)";
  if (rec[2] < XSML_RECORD_HEADER + 2 * REFS + 1) return "record too short for the element count";
  const char *e = check_refs(rec, 2);
  if (e) return e;
  const int32_t count = xsml_params(rec)[P_COUNT];
  if (count < 0) return "negative element count";
  if ((uint64_t)count * 2 > (uint64_t)(uint32_t)ref_bytes[0]) return "count exceeds the input tensor's bytes";
  if ((uint64_t)count * 4 > (uint64_t)(uint32_t)ref_bytes[1]) return "count exceeds the output tensor's bytes";
  return NULL;
}

const xsml_kernel xsml_k_dequantize_s8 = { XSML_K_DEQUANTIZE_S8, "DEQUANTIZE_S8", eval_s8, check_s8 };
const xsml_kernel xsml_k_dequantize_f16 = { XSML_K_DEQUANTIZE_F16, "DEQUANTIZE_F16", eval_f16, check_f16 };
