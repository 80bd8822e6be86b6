/*
 * SignalPCAN (src/ops/signal/pcan.ts): per-channel gain from a piecewise-quadratic table of the noise
 * estimate (its int16 result widened to uint32 with its sign), times the signal as uint64 shifted
 * right by snr_shift, then the shrink curve.
 */
#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

enum { P_CHANNELS = 0, P_SNR_SHIFT, P_WORDS };

#define SNR_BITS 12
#define OUTPUT_BITS 6
#define LUT_MIN_LENGTH (4 * 32 - 6 + 3)

static int16_t gain(uint32_t x, const int16_t *lut) {
  if (x <= 2) return lut[x];
  const int32_t interval = 32 - __builtin_clz(x);
  lut += 4 * interval - 6;
  const int32_t frac = (int32_t)((interval < 11 ? x << (11 - interval) : x >> (interval - 11)) & 0x3FFu);
  int32_t result = ((int32_t)lut[2] * frac) >> 5;
  result += (int32_t)lut[1] * 32;
  result = (int32_t)((uint32_t)result * (uint32_t)frac);
  result = (int32_t)((uint32_t)result + (1u << 14)) >> 15;
  result += lut[0];
  return (int16_t)(uint16_t)(uint32_t)result;
}

static uint32_t shrink(uint32_t x) {
  if (x < (2u << SNR_BITS)) return (x * x) >> (2 + 2 * SNR_BITS - OUTPUT_BITS);
  return (x >> (SNR_BITS - OUTPUT_BITS)) - (1u << OUTPUT_BITS);
}

static void eval_pcan(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const uint32_t *input = (const uint32_t *)xsml_tensor(rec, 0, mem);
  const uint32_t *noise = (const uint32_t *)xsml_tensor(rec, 1, mem);
  const int16_t *lut = (const int16_t *)xsml_tensor(rec, 2, mem);
  uint32_t *out = (uint32_t *)xsml_tensor(rec, 3, mem);
  const int32_t channels = p[P_CHANNELS];
  const uint32_t snr_shift = (uint32_t)p[P_SNR_SHIFT];
  for (int32_t i = 0; i < channels; i++) {
    const uint32_t g = (uint32_t)(int32_t)gain(noise[i], lut);
    out[i] = shrink((uint32_t)(((uint64_t)input[i] * g) >> snr_shift));
  }
}

static const char *check_pcan(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != 4) return "expected 4 tensor refs (input, noise estimate, gain LUT, output)";
  if (xsml_param_words(rec) < P_WORDS) return "record too short for its params";
  for (int k = 0; k < 4; k++) {
    if (!xsml_ref_present(rec, k)) return "every tensor is required";
    if (!xsml_ref_aligned(rec, k, k == 2 ? 2 : 4)) return "tensor offset not aligned to its element size";
  }
  if (!xsml_ref_writable(rec, 3)) return "output ref is not in the arena";
  const int32_t *p = xsml_params(rec);
  const int32_t channels = p[P_CHANNELS];
  if (channels < 0) return "negative channel count";
  if (p[P_SNR_SHIFT] < 0 || p[P_SNR_SHIFT] > 63) return "snr_shift outside 0..63";
  for (int k = 0; k < 4; k++) {
    if (k != 2 && !xsml_ref_holds(ref_bytes, k, 4 * (uint64_t)channels)) return "a tensor is smaller than the channels";
  }
  if (!xsml_ref_holds(ref_bytes, 2, 2 * LUT_MIN_LENGTH)) return "the gain LUT is too short";
  return NULL;
}

const xsml_kernel xsml_k_signal_pcan = { XSML_K_SIGNAL_PCAN, "SIGNAL_PCAN", eval_pcan, check_pcan };
