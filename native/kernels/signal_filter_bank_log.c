/*
 * SignalFilterBankLog (src/ops/signal/filter-bank-log.ts): min(Log32(input << correction bits,
 * output_scale), 32767), 0 for a shifted input of 0 or 1. The 130-entry correction table is in the
 * params (computed by the TypeScript prepare).
 */
#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

enum { P_CHANNELS = 0, P_CORRECTION_BITS, P_OUTPUT_SCALE, P_LUT, P_WORDS = P_LUT + 130 };

static uint32_t log32(uint32_t x, uint32_t scale, const int32_t *lut) {
  const uint32_t integer = 31u - (uint32_t)__builtin_clz(x);
  int32_t frac = (int32_t)(x - (1u << integer));
  if (integer < 16) frac <<= 16 - integer;
  else frac >>= integer - 16;
  const int32_t seg = frac >> 9;
  const int32_t c0 = lut[seg], c1 = lut[seg + 1];
  /* In 64 bits, truncated as the TypeScript's ToInt32: no overflow whatever the table holds. */
  const int32_t rel = (int32_t)(uint32_t)(((int64_t)c1 - c0) * (frac - (seg << 9))) >> 16;
  const uint32_t log2 = (integer << 16) + (uint32_t)frac + (uint32_t)c0 + (uint32_t)rel;
  const uint32_t loge = (uint32_t)(((uint64_t)45426 * log2 + 32768u) >> 16);
  return (scale * loge + 32768u) >> 16;
}

static void eval_log(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const uint32_t *input = (const uint32_t *)xsml_tensor(rec, 0, mem);
  int16_t *out = (int16_t *)xsml_tensor(rec, 1, mem);
  const int32_t n = p[P_CHANNELS];
  const uint32_t correction = (uint32_t)p[P_CORRECTION_BITS], scale = (uint32_t)p[P_OUTPUT_SCALE];
  for (int32_t i = 0; i < n; i++) {
    const uint32_t scaled = input[i] << correction;
    if (scaled > 1) {
      const uint32_t v = log32(scaled, scale, p + P_LUT);
      out[i] = (int16_t)(v < INT16_MAX ? v : INT16_MAX);
    } else {
      out[i] = 0;
    }
  }
}

static const char *check_log(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != 2) return "expected 2 tensor refs (input, output)";
  if (xsml_param_words(rec) < P_WORDS) return "record too short for its params and table";
  if (!xsml_ref_present(rec, 0) || !xsml_ref_present(rec, 1)) return "every tensor is required";
  if (!xsml_ref_aligned(rec, 0, 4) || !xsml_ref_aligned(rec, 1, 2)) return "tensor offset not aligned to its element size";
  if (!xsml_ref_writable(rec, 1)) return "output ref is not in the arena";
  const int32_t *p = xsml_params(rec);
  const int32_t n = p[P_CHANNELS];
  if (n < 0) return "negative channel count";
  if (p[P_CORRECTION_BITS] < 0 || p[P_CORRECTION_BITS] > 31) return "input_correction_bits outside 0..31";
  if (!xsml_ref_holds(ref_bytes, 0, 4 * (uint64_t)n) || !xsml_ref_holds(ref_bytes, 1, 2 * (uint64_t)n)) return "a tensor is smaller than the channels";
  return NULL;
}

const xsml_kernel xsml_k_signal_filter_bank_log = { XSML_K_SIGNAL_FILTER_BANK_LOG, "SIGNAL_FILTER_BANK_LOG", eval_log, check_log };
