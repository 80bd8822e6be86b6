/*
 * SignalFilterBank (src/ops/signal/filter-bank.ts): each bin's energy times its weight into one
 * channel, times its unweight into the next; uint64 sums (int16 weights widen with their sign, so the
 * sums are modulo 2^64). The channels' frequency starts, weight starts and widths are in the params.
 */
#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

enum { P_CHANNELS = 0, P_TABLES };

static void eval_filter_bank(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const uint32_t *input = (const uint32_t *)xsml_tensor(rec, 0, mem);
  const int16_t *weights = (const int16_t *)xsml_tensor(rec, 1, mem);
  const int16_t *unweights = (const int16_t *)xsml_tensor(rec, 2, mem);
  uint8_t *out = (uint8_t *)xsml_tensor(rec, 3, mem);
  const int32_t channels = p[P_CHANNELS];
  const int32_t *freq = p + P_TABLES, *wstart = freq + channels + 1, *width = wstart + channels + 1;
  uint64_t w_acc = 0, u_acc = 0;
  for (int32_t i = 0; i <= channels; i++) {
    const uint32_t *x = input + freq[i];
    const int16_t *w = weights + wstart[i], *u = unweights + wstart[i];
    for (int32_t j = 0; j < width[i]; j++) {
      w_acc += (uint64_t)(int64_t)w[j] * x[j];
      u_acc += (uint64_t)(int64_t)u[j] * x[j];
    }
    if (i > 0) memcpy(out + 8 * (size_t)(i - 1), &w_acc, sizeof w_acc);
    w_acc = u_acc;
    u_acc = 0;
  }
}

static const char *check_filter_bank(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != 4) return "expected 4 tensor refs (input, weights, unweights, output)";
  if (xsml_param_words(rec) < 1) return "record too short for its params";
  for (int k = 0; k < 4; k++) {
    if (!xsml_ref_present(rec, k)) return "every tensor is required";
    if (!xsml_ref_aligned(rec, k, k == 0 ? 4 : k == 3 ? 8 : 2)) return "tensor offset not aligned to its element size";
  }
  if (!xsml_ref_writable(rec, 3)) return "output ref is not in the arena";
  const int32_t *p = xsml_params(rec);
  const int32_t channels = p[P_CHANNELS];
  if (channels < 0 || channels > INT32_MAX / 4) return "bad channel count";
  if (xsml_param_words(rec) < 1 + 3 * ((int64_t)channels + 1)) return "record too short for the channel tables";
  if (!xsml_ref_holds(ref_bytes, 3, 8 * (uint64_t)channels)) return "the output is smaller than the channels";
  const int32_t *freq = p + P_TABLES, *wstart = freq + channels + 1, *width = wstart + channels + 1;
  const uint64_t bins = (uint64_t)(uint32_t)ref_bytes[0] / 4;
  const uint64_t nw = (uint64_t)(uint32_t)ref_bytes[1] / 2, nu = (uint64_t)(uint32_t)ref_bytes[2] / 2;
  for (int32_t i = 0; i <= channels; i++) {
    if (freq[i] < 0 || wstart[i] < 0 || width[i] < 0) return "a negative channel start or width";
    if ((uint64_t)freq[i] + (uint64_t)width[i] > bins) return "a channel reads past the input";
    if ((uint64_t)wstart[i] + (uint64_t)width[i] > nw || (uint64_t)wstart[i] + (uint64_t)width[i] > nu) return "a channel reads past the weights";
  }
  return NULL;
}

const xsml_kernel xsml_k_signal_filter_bank = { XSML_K_SIGNAL_FILTER_BANK, "SIGNAL_FILTER_BANK", eval_filter_bank, check_filter_bank };
