/*
 * SignalFilterBankSpectralSubtraction (src/ops/signal/filter-bank-spectral-subtraction.ts): the noise
 * estimate (ref 3, the op's persistent state) low-pass filters the input; the output is the input
 * minus it, never below min_signal_remaining of the input; output 1 is a copy of the estimate.
 */
#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

enum {
  P_CHANNELS = 0, P_SMOOTHING, P_ONE_MINUS_SMOOTHING, P_ALTERNATE_SMOOTHING, P_ALTERNATE_ONE_MINUS_SMOOTHING,
  P_SMOOTHING_BITS, P_SPECTRAL_SUBTRACTION_BITS, P_MIN_SIGNAL_REMAINING, P_CLAMPING, P_WORDS,
};

static void eval_subtraction(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const uint32_t *input = (const uint32_t *)xsml_tensor(rec, 0, mem);
  uint32_t *out = (uint32_t *)xsml_tensor(rec, 1, mem);
  uint32_t *noise = (uint32_t *)xsml_tensor(rec, 2, mem);
  uint32_t *state = (uint32_t *)xsml_tensor(rec, 3, mem);
  const int32_t channels = p[P_CHANNELS];
  const uint32_t sb = (uint32_t)p[P_SMOOTHING_BITS], ssb = (uint32_t)p[P_SPECTRAL_SUBTRACTION_BITS];
  const uint64_t min_remaining = (uint32_t)p[P_MIN_SIGNAL_REMAINING];
  for (int32_t i = 0; i < channels; i++) {
    const uint64_t smoothing = (uint32_t)p[(i & 1) ? P_ALTERNATE_SMOOTHING : P_SMOOTHING];
    const uint64_t one_minus = (uint32_t)p[(i & 1) ? P_ALTERNATE_ONE_MINUS_SMOOTHING : P_ONE_MINUS_SMOOTHING];
    const uint32_t x = input[i], up = x << sb;
    uint32_t estimate = (uint32_t)((up * smoothing + state[i] * one_minus) >> ssb);
    state[i] = estimate;
    if (estimate > up) {
      estimate = up;
      if (p[P_CLAMPING]) state[i] = up;
    }
    const uint32_t floor = (uint32_t)((x * min_remaining) >> ssb);
    const uint32_t subtracted = (up - estimate) >> sb;
    out[i] = subtracted > floor ? subtracted : floor;
    noise[i] = state[i];
  }
}

static const char *check_subtraction(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != 4) return "expected 4 tensor refs (input, output, noise estimate, state)";
  if (xsml_param_words(rec) < P_WORDS) return "record too short for its params";
  for (int k = 0; k < 4; k++) {
    if (!xsml_ref_present(rec, k)) return "every tensor is required";
    if (!xsml_ref_aligned(rec, k, 4)) return "tensor offset not aligned to uint32";
    if (k > 0 && !xsml_ref_writable(rec, k)) return "output or state ref is not in the arena";
  }
  const int32_t *p = xsml_params(rec);
  const int32_t channels = p[P_CHANNELS];
  if (channels < 0) return "negative channel count";
  for (int k = P_SMOOTHING; k <= P_MIN_SIGNAL_REMAINING; k++) {
    const int32_t hi = k == P_SMOOTHING_BITS || k == P_SPECTRAL_SUBTRACTION_BITS ? 31 : 1 << 20;
    if (p[k] < 0 || p[k] > hi) return "a coefficient or shift out of range";
  }
  for (int k = 0; k < 4; k++) {
    if (!xsml_ref_holds(ref_bytes, k, 4 * (uint64_t)channels)) return "a tensor is smaller than the channels";
  }
  return NULL;
}

const xsml_kernel xsml_k_signal_filter_bank_spectral_subtraction = {
  XSML_K_SIGNAL_FILTER_BANK_SPECTRAL_SUBTRACTION, "SIGNAL_FILTER_BANK_SPECTRAL_SUBTRACTION", eval_subtraction, check_subtraction,
};
