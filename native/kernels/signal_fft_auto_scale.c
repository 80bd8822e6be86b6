/*
 * SignalFftAutoScale (src/ops/signal/fft-auto-scale.ts): the input shifted left as far as its largest
 * magnitude allows, and the shift. MaxAbs16 keeps its maximum in an int16 (-32768 wraps), and
 * MostSignificantBit32(0) is 32, as TFLM built with GCC has them.
 */
#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

enum { P_SIZE = 0, P_WORDS };

static void eval_auto_scale(const int32_t *rec, const xsml_memory *mem) {
  const int32_t size = xsml_params(rec)[P_SIZE];
  const int16_t *input = (const int16_t *)xsml_tensor(rec, 0, mem);
  int16_t *out = (int16_t *)xsml_tensor(rec, 1, mem);
  int16_t max = 0;
  for (int32_t i = 0; i < size; i++) {
    const int16_t v = input[i];
    if (v > max) max = v;
    else if (-v > max) max = (int16_t)(uint16_t)(-(int32_t)v);
  }
  const uint32_t m = (uint32_t)(int32_t)max;
  const int32_t msb = m == 0 ? 32 : 32 - __builtin_clz(m);
  int32_t scale = 16 - msb - 1;
  if (scale <= 0) scale = 0;
  for (int32_t i = 0; i < size; i++) out[i] = (int16_t)(uint16_t)((uint32_t)(int32_t)input[i] << scale);
  int32_t bits = scale;
  memcpy(xsml_tensor(rec, 2, mem), &bits, sizeof bits);
}

static const char *check_auto_scale(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != 3) return "expected 3 tensor refs (input, output, scale bits)";
  if (xsml_param_words(rec) < P_WORDS) return "record too short for its params";
  for (int k = 0; k < 3; k++) {
    if (!xsml_ref_present(rec, k)) return "every tensor is required";
    if (!xsml_ref_aligned(rec, k, k == 2 ? 4 : 2)) return "tensor offset not aligned to its element size";
  }
  if (!xsml_ref_writable(rec, 1) || !xsml_ref_writable(rec, 2)) return "output ref is not in the arena";
  const int32_t size = xsml_params(rec)[P_SIZE];
  if (size < 0) return "negative size";
  if (!xsml_ref_holds(ref_bytes, 0, 2 * (uint64_t)size) || !xsml_ref_holds(ref_bytes, 1, 2 * (uint64_t)size)) return "the input or output is smaller than the size";
  if (!xsml_ref_holds(ref_bytes, 2, 4)) return "the scale bits tensor is not an int32";
  return NULL;
}

const xsml_kernel xsml_k_signal_fft_auto_scale = { XSML_K_SIGNAL_FFT_AUTO_SCALE, "SIGNAL_FFT_AUTO_SCALE", eval_auto_scale, check_auto_scale };
