/* CONCATENATION (src/ops/concatenation.ts): byte copies. */
#include "concatenation.h"

#include <string.h>

enum { P_OUTER = 0, P_SLAB_BYTES = 1 };

void xsml_concatenation(int32_t count, const uint8_t *const *inputs, const int32_t *slab_bytes, int32_t outer, uint8_t *output) {
  int64_t row = 0;
  for (int32_t i = 0; i < count; i++) row += slab_bytes[i];
  if (row == 0) return;
  for (int32_t k = 0; k < outer; k++) {
    for (int32_t i = 0; i < count; i++) {
      const size_t slab = (size_t)slab_bytes[i];
      memcpy(output, inputs[i] + (size_t)k * slab, slab);
      output += slab;
    }
  }
}

/*
 * The record decoder cannot gather the input pointers into an array (no allocation, no limit on the
 * input count), so it walks the record itself: the same copies in the same order.
 */
static void eval_concat(const int32_t *rec, const xsml_memory *mem) {
  const int32_t n = rec[1] - 1;
  const int32_t *p = xsml_params(rec);
  uint8_t *out = (uint8_t *)xsml_tensor(rec, n, mem);
  const int32_t outer = p[P_OUTER];
  int64_t row = 0;
  for (int32_t i = 0; i < n; i++) row += p[P_SLAB_BYTES + i];
  if (row == 0) return; /* nothing to copy: skip the outer loop */
  for (int32_t k = 0; k < outer; k++) {
    for (int32_t i = 0; i < n; i++) {
      const size_t slab = (size_t)p[P_SLAB_BYTES + i];
      memcpy(out, (const uint8_t *)xsml_tensor(rec, i, mem) + (size_t)k * slab, slab);
      out += slab;
    }
  }
}

static const char *check_concat(const int32_t *rec, const int32_t *ref_bytes) {
  const int32_t refs = rec[1];
  if (refs < 2) return "expected at least 1 input and the output";
  const int32_t n = refs - 1;
  if ((int64_t)rec[2] < (int64_t)XSML_RECORD_HEADER + 2 * (int64_t)refs + 1 + n) return "record too short for outer and one slab size per input";
  for (int32_t k = 0; k < refs; k++) {
    if (rec[XSML_RECORD_HEADER + 2 * k] == XSML_NO_TENSOR) return "every input and the output are required";
  }
  if (rec[XSML_RECORD_HEADER + 2 * (refs - 1)] != XSML_POOL_ARENA) return "output ref is not in the arena";
  const int32_t *p = xsml_params(rec);
  const int32_t outer = p[P_OUTER];
  if (outer < 0) return "negative outer size";
  const int32_t out_pool = rec[XSML_RECORD_HEADER + 2 * n];
  const uint64_t out_start = (uint32_t)rec[XSML_RECORD_HEADER + 2 * n + 1];
  uint64_t row = 0;
  for (int32_t i = 0; i < n; i++) {
    const int32_t slab = p[P_SLAB_BYTES + i];
    if (slab < 0) return "negative slab size";
    const uint64_t bytes = (uint64_t)outer * (uint64_t)slab;
    if (bytes > (uint64_t)(uint32_t)ref_bytes[i]) return "an input's slabs exceed its tensor's bytes";
    row += (uint64_t)slab;
    /* memcpy needs disjoint ranges. */
    if (rec[XSML_RECORD_HEADER + 2 * i] == out_pool && bytes > 0) {
      const uint64_t in_start = (uint32_t)rec[XSML_RECORD_HEADER + 2 * i + 1];
      const uint64_t out_bytes = (uint64_t)(uint32_t)ref_bytes[n];
      if (in_start < out_start + out_bytes && out_start < in_start + bytes) return "an input overlaps the output";
    }
  }
  if ((uint64_t)outer * row > (uint64_t)(uint32_t)ref_bytes[n]) return "the concatenation exceeds the output tensor's bytes";
  return NULL;
}

const xsml_kernel xsml_k_concatenation = { XSML_K_CONCATENATION, "CONCATENATION", eval_concat, check_concat };
