/*
 * SignalFilterBankSquareRoot (src/ops/signal/filter-bank-square-root.ts): TFLM's Sqrt64 of each uint64
 * (the integer root, rounded up when the remainder exceeds it; through the 32-bit routine, capped at
 * 0xFFFF, when the high word is 0; capped at 0xFFFFFFFF), shifted right by the scale bits tensor.
 */
#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

enum { P_CHANNELS = 0, P_WORDS };

/* The integer square root of x and its remainder, bit by bit. */
static uint64_t isqrt(uint64_t x, uint64_t *rem) {
  uint64_t root = 0, bit = (uint64_t)1 << 62;
  while (bit > x) bit >>= 2;
  while (bit != 0) {
    if (x >= root + bit) {
      x -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  *rem = x;
  return root;
}

static uint32_t sqrt64(uint64_t x) {
  uint64_t rem;
  const uint64_t root = isqrt(x, &rem);
  const uint64_t cap = (x >> 32) == 0 ? 0xFFFFu : 0xFFFFFFFFu;
  return (uint32_t)(rem > root && root != cap ? root + 1 : root);
}

static void eval_sqrt(const int32_t *rec, const xsml_memory *mem) {
  const int32_t n = xsml_params(rec)[P_CHANNELS];
  const uint8_t *input = (const uint8_t *)xsml_tensor(rec, 0, mem);
  int32_t bits;
  memcpy(&bits, xsml_tensor(rec, 1, mem), sizeof bits);
  uint32_t *out = (uint32_t *)xsml_tensor(rec, 2, mem);
  for (int32_t i = 0; i < n; i++) {
    uint64_t x;
    memcpy(&x, input + 8 * (size_t)i, sizeof x);
    out[i] = sqrt64(x) >> ((uint32_t)bits & 31u); /* a shift of 32 or more: as the TypeScript's >>> */
  }
}

static const char *check_sqrt(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != 3) return "expected 3 tensor refs (input, scale bits, output)";
  if (xsml_param_words(rec) < P_WORDS) return "record too short for its params";
  for (int k = 0; k < 3; k++) {
    if (!xsml_ref_present(rec, k)) return "every tensor is required";
    if (!xsml_ref_aligned(rec, k, 4)) return "tensor offset not aligned to its element size";
  }
  if (!xsml_ref_writable(rec, 2)) return "output ref is not in the arena";
  const int32_t n = xsml_params(rec)[P_CHANNELS];
  if (n < 0) return "negative channel count";
  if (!xsml_ref_holds(ref_bytes, 0, 8 * (uint64_t)n)) return "the input is smaller than the channels";
  if (!xsml_ref_holds(ref_bytes, 1, 4)) return "the scale bits tensor is not an int32";
  if (!xsml_ref_holds(ref_bytes, 2, 4 * (uint64_t)n)) return "the output is smaller than the channels";
  return NULL;
}

const xsml_kernel xsml_k_signal_filter_bank_square_root = {
  XSML_K_SIGNAL_FILTER_BANK_SQUARE_ROOT, "SIGNAL_FILTER_BANK_SQUARE_ROOT", eval_sqrt, check_sqrt,
};
