/* SignalEnergy (src/ops/signal/energy.ts): real^2 + imag^2 of bins [start, end), 0 elsewhere, as uint32. */
#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

enum { P_START = 0, P_END, P_SIZE, P_WORDS };

static void eval_energy(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const int16_t *input = (const int16_t *)xsml_tensor(rec, 0, mem);
  uint32_t *out = (uint32_t *)xsml_tensor(rec, 1, mem);
  const int32_t start = p[P_START], end = p[P_END], size = p[P_SIZE];
  for (int32_t i = 0; i < start; i++) out[i] = 0;
  for (int32_t i = start; i < end; i++) {
    const int32_t re = input[2 * i], im = input[2 * i + 1];
    out[i] = (uint32_t)(re * re) + (uint32_t)(im * im);
  }
  for (int32_t i = end; i < size; i++) out[i] = 0;
}

static const char *check_energy(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != 2) return "expected 2 tensor refs (input, output)";
  if (xsml_param_words(rec) < P_WORDS) return "record too short for its params";
  if (!xsml_ref_present(rec, 0) || !xsml_ref_present(rec, 1)) return "every tensor is required";
  if (!xsml_ref_aligned(rec, 0, 2) || !xsml_ref_aligned(rec, 1, 4)) return "tensor offset not aligned to its element size";
  if (!xsml_ref_writable(rec, 1)) return "output ref is not in the arena";
  const int32_t *p = xsml_params(rec);
  const int32_t start = p[P_START], end = p[P_END], size = p[P_SIZE];
  if (!(start >= 0 && start <= end && end <= size)) return "the bins are not 0 <= start <= end <= size";
  if (!xsml_ref_holds(ref_bytes, 0, 4 * (uint64_t)end)) return "the input holds fewer complex values than end";
  if (!xsml_ref_holds(ref_bytes, 1, 4 * (uint64_t)size)) return "the output is smaller than the size";
  return NULL;
}

const xsml_kernel xsml_k_signal_energy = { XSML_K_SIGNAL_ENERGY, "SIGNAL_ENERGY", eval_energy, check_energy };
