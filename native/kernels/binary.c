/* The broadcast loop nest of the binary ops (src/ops/binary-broadcast.ts runBroadcast). */
#include "binary.h"

void xsml_broadcast_read(const int32_t *params, xsml_broadcast *bc) {
  for (int k = 0; k < XSML_BROADCAST_RANK; k++) {
    bc->dims[k] = params[k];
    bc->stride1[k] = params[XSML_BROADCAST_RANK + k];
    bc->stride2[k] = params[2 * XSML_BROADCAST_RANK + k];
  }
}

void xsml_broadcast_run(const xsml_broadcast *bc, xsml_binary_row row, const void *ctx) {
  const int32_t *n = bc->dims, *a = bc->stride1, *b = bc->stride2;
  for (int k = 0; k < XSML_BROADCAST_RANK; k++) {
    if (n[k] <= 0) return; /* no output: skip the empty outer loops */
  }
  int32_t o = 0;
  for (int32_t k0 = 0, x0 = 0, y0 = 0; k0 < n[0]; k0++, x0 += a[0], y0 += b[0]) {
    for (int32_t k1 = 0, x1 = x0, y1 = y0; k1 < n[1]; k1++, x1 += a[1], y1 += b[1]) {
      for (int32_t k2 = 0, x2 = x1, y2 = y1; k2 < n[2]; k2++, x2 += a[2], y2 += b[2]) {
        for (int32_t k3 = 0, x3 = x2, y3 = y2; k3 < n[3]; k3++, x3 += a[3], y3 += b[3]) {
          for (int32_t k4 = 0, x4 = x3, y4 = y3; k4 < n[4]; k4++, x4 += a[4], y4 += b[4]) {
            row(ctx, x4, y4, o, n[5], a[5], b[5]);
            o += n[5];
          }
        }
      }
    }
  }
}

/* The number of elements an input must hold for the loop nest (1 + the largest index read), 0 if none. */
static uint64_t span(const int32_t *dims, const int32_t *stride) {
  uint64_t last = 0;
  for (int k = 0; k < XSML_BROADCAST_RANK; k++) {
    if (dims[k] == 0) return 0;
    last += (uint64_t)(dims[k] - 1) * (uint64_t)stride[k];
  }
  return last + 1;
}

const char *xsml_broadcast_check(const int32_t *rec, const int32_t *ref_bytes, uint32_t element_bytes, int32_t own_params) {
  if (rec[1] != 3) return "expected 3 tensor refs (input 1, input 2, output)";
  if (rec[2] < XSML_RECORD_HEADER + 2 * 3 + XSML_BINARY_WORDS + own_params) return "record too short for the broadcast loops and params";
  for (int k = 0; k < 3; k++) {
    if (rec[XSML_RECORD_HEADER + 2 * k] == XSML_NO_TENSOR) return "both inputs and the output are required";
    if ((uint32_t)rec[XSML_RECORD_HEADER + 2 * k + 1] % element_bytes != 0) return "tensor offset not aligned to its element size";
  }
  if (rec[XSML_RECORD_HEADER + 2 * 2] != XSML_POOL_ARENA) return "output ref is not in the arena";
  xsml_broadcast bc;
  xsml_broadcast_read(xsml_params(rec), &bc);
  uint64_t total = 1;
  for (int k = 0; k < XSML_BROADCAST_RANK; k++) {
    if (bc.dims[k] < 0 || bc.stride1[k] < 0 || bc.stride2[k] < 0) return "negative loop extent or stride";
    total *= (uint64_t)bc.dims[k];
    if (total > INT32_MAX) return "more than 2^31 output elements";
  }
  /* Element indices are int32 in the loops, including one step past each loop's end. */
  uint64_t reach1 = 0, reach2 = 0;
  for (int k = 0; k < XSML_BROADCAST_RANK; k++) {
    reach1 += (uint64_t)bc.dims[k] * (uint64_t)bc.stride1[k];
    reach2 += (uint64_t)bc.dims[k] * (uint64_t)bc.stride2[k];
  }
  if (reach1 > INT32_MAX || reach2 > INT32_MAX) return "input element index overflows int32";
  const uint64_t s1 = span(bc.dims, bc.stride1), s2 = span(bc.dims, bc.stride2);
  if (s1 * element_bytes > (uint64_t)(uint32_t)ref_bytes[0]) return "loops read past input 1";
  if (s2 * element_bytes > (uint64_t)(uint32_t)ref_bytes[1]) return "loops read past input 2";
  if (total * element_bytes > (uint64_t)(uint32_t)ref_bytes[2]) return "loops write past the output";
  return NULL;
}
