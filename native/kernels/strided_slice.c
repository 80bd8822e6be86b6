/* STRIDED_SLICE (src/ops/strided-slice.ts): element copies over 5 loops of (count, byte step) from a start. */
#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

#define RANK 5
enum { P_ELEMENT_BYTES = 0, P_START, P_COUNTS, P_STEPS = P_COUNTS + RANK, P_WORDS = P_STEPS + RANK };

static void eval_slice(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const uint8_t *in = (const uint8_t *)xsml_tensor(rec, 0, mem) + p[P_START];
  uint8_t *out = (uint8_t *)xsml_tensor(rec, 1, mem);
  const size_t size = (size_t)p[P_ELEMENT_BYTES];
  const int32_t *n = p + P_COUNTS, *d = p + P_STEPS;
  for (int32_t k0 = 0; k0 < n[0]; k0++) {
    const uint8_t *x0 = in + (ptrdiff_t)k0 * d[0];
    for (int32_t k1 = 0; k1 < n[1]; k1++) {
      const uint8_t *x1 = x0 + (ptrdiff_t)k1 * d[1];
      for (int32_t k2 = 0; k2 < n[2]; k2++) {
        const uint8_t *x2 = x1 + (ptrdiff_t)k2 * d[2];
        for (int32_t k3 = 0; k3 < n[3]; k3++) {
          const uint8_t *x3 = x2 + (ptrdiff_t)k3 * d[3];
          for (int32_t k4 = 0; k4 < n[4]; k4++) {
            memcpy(out, x3 + (ptrdiff_t)k4 * d[4], size);
            out += size;
          }
        }
      }
    }
  }
}

static const char *check_slice(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != 2) return "expected 2 tensor refs (input, output)";
  if (xsml_param_words(rec) < P_WORDS) return "record too short for its params";
  if (!xsml_ref_present(rec, 0) || !xsml_ref_present(rec, 1)) return "every tensor is required";
  if (!xsml_ref_writable(rec, 1)) return "output ref is not in the arena";
  const int32_t *p = xsml_params(rec);
  const int32_t size = p[P_ELEMENT_BYTES];
  if (size != 1 && size != 2 && size != 4 && size != 8) return "element size is not 1, 2, 4 or 8";
  uint64_t total = 1;
  int64_t lo = p[P_START], hi = p[P_START];
  for (int k = 0; k < RANK; k++) {
    const int32_t n = p[P_COUNTS + k], d = p[P_STEPS + k];
    if (n < 0) return "negative count";
    total = xsml_mul_sat(total, (uint64_t)n);
    if (n > 0) {
      const int64_t reach = (int64_t)(n - 1) * d;
      if (reach < 0) lo += reach; else hi += reach;
    }
  }
  if (total == 0) return NULL; /* copies nothing */
  if (lo < 0 || (uint64_t)hi + (uint64_t)size > (uint64_t)(uint32_t)ref_bytes[0]) return "the slice reads outside the input";
  if (!xsml_ref_holds(ref_bytes, 1, xsml_mul_sat(total, (uint64_t)size))) return "the output is smaller than the slice";
  return NULL;
}

const xsml_kernel xsml_k_strided_slice = { XSML_K_STRIDED_SLICE, "STRIDED_SLICE", eval_slice, check_slice };
