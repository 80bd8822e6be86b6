/* SignalWindow (src/ops/signal/window.ts): saturate_int16((input * window) >> shift), window by window. */
#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

enum { P_SIZE = 0, P_WINDOW, P_SHIFT, P_WORDS };

static void eval_window(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const int16_t *input = (const int16_t *)xsml_tensor(rec, 0, mem);
  const int16_t *w = (const int16_t *)xsml_tensor(rec, 1, mem);
  int16_t *out = (int16_t *)xsml_tensor(rec, 2, mem);
  const int32_t size = p[P_SIZE], window = p[P_WINDOW], shift = p[P_SHIFT];
  for (int32_t i = 0; i < size; i += window) {
    for (int32_t k = 0; k < window; k++) {
      const int32_t v = ((int32_t)input[i + k] * w[k]) >> shift;
      out[i + k] = (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
    }
  }
}

static const char *check_window(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != 3) return "expected 3 tensor refs (input, window, output)";
  if (xsml_param_words(rec) < P_WORDS) return "record too short for its params";
  for (int k = 0; k < 3; k++) {
    if (!xsml_ref_present(rec, k)) return "every tensor is required";
    if (!xsml_ref_aligned(rec, k, 2)) return "tensor offset not aligned to int16";
  }
  if (!xsml_ref_writable(rec, 2)) return "output ref is not in the arena";
  const int32_t *p = xsml_params(rec);
  const int32_t size = p[P_SIZE], window = p[P_WINDOW], shift = p[P_SHIFT];
  if (size < 0 || window < 0) return "negative size";
  if (shift < 0 || shift > 31) return "shift outside 0..31";
  if (window == 0 ? size != 0 : size % window != 0) return "the input is not a whole number of windows";
  if (!xsml_ref_holds(ref_bytes, 0, 2 * (uint64_t)size) || !xsml_ref_holds(ref_bytes, 2, 2 * (uint64_t)size)) return "the input or output is smaller than the size";
  if (!xsml_ref_holds(ref_bytes, 1, 2 * (uint64_t)window)) return "the window tensor is smaller than the window";
  return NULL;
}

const xsml_kernel xsml_k_signal_window = { XSML_K_SIGNAL_WINDOW, "SIGNAL_WINDOW", eval_window, check_window };
