/* QUANTIZE (src/ops/quantize.ts): float32 -> int8/uint8/int16, and requantization between them. */
#include "quantize.h"

#include <string.h>

#include "fixed_point.h"

enum { P_F_OUTPUT_TYPE = 0, P_F_QMIN, P_F_QMAX, P_F_OUTER, P_F_CHANNELS, P_F_INNER, P_F_SCALES };
enum {
  P_R_COUNT = 0, P_R_INPUT_TYPE, P_R_OUTPUT_TYPE, P_R_INPUT_ZERO_POINT, P_R_OUTPUT_ZERO_POINT, P_R_MULTIPLIER,
  P_R_SHIFT, P_R_QMIN, P_R_QMAX, P_R_COUNT_PARAMS
};
#define REFS 2

static inline uint32_t type_bytes(int32_t type) {
  return type == XSML_TYPE_INT16 ? 2 : (type == XSML_TYPE_INT8 || type == XSML_TYPE_UINT8) ? 1 : 0;
}

/* zero_point + round_half_away(x), clamped to [qmin, qmax]; NaN -> 0. Preconditions: |zero_point|,
 * |qmin|, |qmax| < 2^23. */
static inline int32_t quantize_one(float x, int32_t zero_point, int32_t qmin, int32_t qmax) {
  if (x != x) return 0;
  /* Beyond 2^24 every sum with a zero point lies outside any output range. */
  if (x >= 16777216.0f) return qmax;
  if (x <= -16777216.0f) return qmin;
  int32_t r = (int32_t)x;         /* truncated */
  const float frac = x - (float)r; /* exact */
  if (frac >= 0.5f) r++;
  else if (frac <= -0.5f) r--;
  const int32_t v = r + zero_point;
  return v < qmin ? qmin : v > qmax ? qmax : v;
}

void xsml_quantize_f32(const float *input, const xsml_channel_quant *q, int32_t output_type, int32_t qmin, int32_t qmax, void *output) {
  if (q->outer <= 0 || q->channels <= 0 || q->inner <= 0) return;
  size_t i = 0;
  for (int32_t o = 0; o < q->outer; o++) {
    for (int32_t c = 0; c < q->channels; c++) {
      float scale;
      memcpy(&scale, &q->scale_bits[c], sizeof scale);
      const int32_t zero_point = q->zero_points[c];
      const int32_t inner = q->inner;
      const float *in = input + i;
      if (output_type == XSML_TYPE_INT16) {
        int16_t *out = (int16_t *)output + i;
        for (int32_t k = 0; k < inner; k++) out[k] = (int16_t)quantize_one(in[k] / scale, zero_point, qmin, qmax);
      } else if (output_type == XSML_TYPE_UINT8) {
        uint8_t *out = (uint8_t *)output + i;
        for (int32_t k = 0; k < inner; k++) out[k] = (uint8_t)quantize_one(in[k] / scale, zero_point, qmin, qmax);
      } else {
        int8_t *out = (int8_t *)output + i;
        for (int32_t k = 0; k < inner; k++) out[k] = (int8_t)quantize_one(in[k] / scale, zero_point, qmin, qmax);
      }
      i += (size_t)inner;
    }
  }
}

static inline int32_t load(const void *p, int32_t type, int32_t i) {
  if (type == XSML_TYPE_INT16) return ((const int16_t *)p)[i];
  if (type == XSML_TYPE_UINT8) return ((const uint8_t *)p)[i];
  return ((const int8_t *)p)[i];
}

static inline void store(void *p, int32_t type, int32_t i, int32_t v) {
  if (type == XSML_TYPE_INT16) ((int16_t *)p)[i] = (int16_t)v;
  else if (type == XSML_TYPE_UINT8) ((uint8_t *)p)[i] = (uint8_t)v;
  else ((int8_t *)p)[i] = (int8_t)v;
}

void xsml_quantize_s8(const void *input, int32_t count, const xsml_requantize_params *q, void *output) {
  const xsml_requantize_params r = *q; /* locals: byte stores could alias *q */
  for (int32_t i = 0; i < count; i++) {
    const int32_t x = (int32_t)((uint32_t)load(input, r.input_type, i) - (uint32_t)r.input_zero_point);
    /* Double rounding whatever the plan's mode; the sum wraps as in the TypeScript. */
    int32_t v = xsml_add_wrap(xsml_mbqm_double(x, r.multiplier, r.shift), r.output_zero_point);
    v = v < r.qmin ? r.qmin : v > r.qmax ? r.qmax : v;
    store(output, r.output_type, i, v);
  }
}

/* ---- record decoders ---- */

static void eval_f32(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  xsml_channel_quant q;
  q.outer = p[P_F_OUTER];
  q.channels = p[P_F_CHANNELS];
  q.inner = p[P_F_INNER];
  q.scale_bits = p + P_F_SCALES;
  q.zero_points = p + P_F_SCALES + q.channels;
  xsml_quantize_f32((const float *)xsml_tensor(rec, 0, mem), &q, p[P_F_OUTPUT_TYPE], p[P_F_QMIN], p[P_F_QMAX], xsml_tensor(rec, 1, mem));
}

static void eval_s8(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  xsml_requantize_params q;
  q.input_type = p[P_R_INPUT_TYPE];
  q.output_type = p[P_R_OUTPUT_TYPE];
  q.input_zero_point = p[P_R_INPUT_ZERO_POINT];
  q.output_zero_point = p[P_R_OUTPUT_ZERO_POINT];
  q.multiplier = p[P_R_MULTIPLIER];
  q.shift = p[P_R_SHIFT];
  q.qmin = p[P_R_QMIN];
  q.qmax = p[P_R_QMAX];
  xsml_quantize_s8(xsml_tensor(rec, 0, mem), p[P_R_COUNT], &q, xsml_tensor(rec, 1, mem));
}

static const char *check_refs(const int32_t *rec, uint32_t in_bytes, uint32_t out_bytes) {
  if (rec[XSML_RECORD_HEADER] == XSML_NO_TENSOR || rec[XSML_RECORD_HEADER + 2] == XSML_NO_TENSOR) return "input and output are required";
  if (rec[XSML_RECORD_HEADER + 2] != XSML_POOL_ARENA) return "output ref is not in the arena";
  if ((uint32_t)rec[XSML_RECORD_HEADER + 1] % in_bytes != 0 || (uint32_t)rec[XSML_RECORD_HEADER + 3] % out_bytes != 0) {
    return "tensor offset not aligned to its element size";
  }
  return NULL;
}

#define Q_LIMIT (INT32_C(1) << 23)

static const char *check_f32(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != REFS) return "expected 2 tensor refs (input, output)";
  if (rec[2] < XSML_RECORD_HEADER + 2 * REFS + P_F_SCALES) return "record too short for the quantize params";
  const int32_t *p = xsml_params(rec);
  const uint32_t out_bytes = type_bytes(p[P_F_OUTPUT_TYPE]);
  if (!out_bytes) return "output type must be int8, uint8 or int16";
  const char *e = check_refs(rec, 4, out_bytes);
  if (e) return e;
  const int32_t outer = p[P_F_OUTER], channels = p[P_F_CHANNELS], inner = p[P_F_INNER];
  if (outer < 0 || channels < 0 || inner < 0) return "negative outer, channels or inner";
  if ((int64_t)rec[2] < (int64_t)XSML_RECORD_HEADER + 2 * REFS + P_F_SCALES + 2 * (int64_t)channels) {
    return "record too short for one scale and one zero point per channel";
  }
  if (p[P_F_QMIN] <= -Q_LIMIT || p[P_F_QMAX] >= Q_LIMIT || p[P_F_QMIN] > p[P_F_QMAX]) return "output range out of bounds";
  for (int32_t c = 0; c < channels; c++) {
    const int32_t zp = p[P_F_SCALES + channels + c];
    if (zp <= -Q_LIMIT || zp >= Q_LIMIT) return "zero point out of range";
  }
  const uint64_t elements = (uint64_t)outer * (uint64_t)channels * (uint64_t)inner;
  if (elements * 4 > (uint64_t)(uint32_t)ref_bytes[0]) return "elements exceed the input tensor's bytes";
  if (elements * out_bytes > (uint64_t)(uint32_t)ref_bytes[1]) return "elements exceed the output tensor's bytes";
  return NULL;
}

static const char *check_s8(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != REFS) return "expected 2 tensor refs (input, output)";
  if (rec[2] < XSML_RECORD_HEADER + 2 * REFS + P_R_COUNT_PARAMS) return "record too short for the requantize params";
  const int32_t *p = xsml_params(rec);
  const uint32_t in_bytes = type_bytes(p[P_R_INPUT_TYPE]), out_bytes = type_bytes(p[P_R_OUTPUT_TYPE]);
  if (!in_bytes) return "input type must be int8, uint8 or int16";
  if (!out_bytes) return "output type must be int8, uint8 or int16";
  const char *e = check_refs(rec, in_bytes, out_bytes);
  if (e) return e;
  const int32_t count = p[P_R_COUNT];
  if (count < 0) return "negative element count";
  if ((uint64_t)count * in_bytes > (uint64_t)(uint32_t)ref_bytes[0]) return "count exceeds the input tensor's bytes";
  if ((uint64_t)count * out_bytes > (uint64_t)(uint32_t)ref_bytes[1]) return "count exceeds the output tensor's bytes";
  return NULL;
}

const xsml_kernel xsml_k_quantize_f32 = { XSML_K_QUANTIZE_F32, "QUANTIZE_F32", eval_f32, check_f32 };
const xsml_kernel xsml_k_quantize_s8 = { XSML_K_QUANTIZE_S8, "QUANTIZE_S8", eval_s8, check_s8 };
