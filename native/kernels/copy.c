/* COPY (src/ops/reshape.ts): RESHAPE as a byte copy. */
#include "copy.h"

#include <string.h>

enum { P_BYTES = 0 };

void xsml_copy(const uint8_t *input, size_t bytes, uint8_t *output) {
  if (input != output) memcpy(output, input, bytes);
}

static void eval_copy(const int32_t *rec, const xsml_memory *mem) {
  xsml_copy((const uint8_t *)xsml_tensor(rec, 0, mem), (size_t)xsml_params(rec)[P_BYTES], (uint8_t *)xsml_tensor(rec, 1, mem));
}

static const char *check_copy(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != 2) return "expected 2 tensor refs (input, output)";
  if (rec[2] < XSML_RECORD_HEADER + 2 * 2 + 1) return "record too short for the byte count";
  if (rec[XSML_RECORD_HEADER] == XSML_NO_TENSOR || rec[XSML_RECORD_HEADER + 2] == XSML_NO_TENSOR) return "input and output are required";
  if (rec[XSML_RECORD_HEADER + 2] != XSML_POOL_ARENA) return "output ref is not in the arena";
  const int32_t bytes = xsml_params(rec)[P_BYTES];
  if (bytes < 0) return "negative byte count";
  if (bytes > ref_bytes[0]) return "byte count exceeds the input tensor's bytes";
  if (bytes > ref_bytes[1]) return "byte count exceeds the output tensor's bytes";
  /* memcpy needs disjoint ranges unless input and output are the same bytes (then nothing is copied). */
  const uint64_t in = (uint32_t)rec[XSML_RECORD_HEADER + 1], out = (uint32_t)rec[XSML_RECORD_HEADER + 3];
  if (rec[XSML_RECORD_HEADER] == rec[XSML_RECORD_HEADER + 2] && in != out && in < out + (uint64_t)bytes && out < in + (uint64_t)bytes) {
    return "input and output partially overlap";
  }
  return NULL;
}

const xsml_kernel xsml_k_copy = { XSML_K_COPY, "COPY", eval_copy, check_copy };
