/*
 * DEQUANTIZE: the kernels of src/ops/dequantize.ts.
 *   DEQUANTIZE_S8: int8/uint8/int16 -> float32 as scale * (x - zero_point), per tensor or per
 *     channel (int8/uint8).
 *   DEQUANTIZE_F16: float16 -> float32.
 *
 * Tensor refs: 0 input, 1 output.
 * DEQUANTIZE_S8 params: input_type (9 int8, 3 uint8, 7 int16), outer, channels, inner, then channels
 *   scales (float32 bits), then channels zero points.
 * DEQUANTIZE_F16 params: count.
 */
#ifndef XSML_DEQUANTIZE_H
#define XSML_DEQUANTIZE_H

#include <stdint.h>

#include "xsml_record.h"

/* TensorType codes of the schema, as the records carry them. */
#define XSML_TYPE_UINT8 3
#define XSML_TYPE_INT16 7
#define XSML_TYPE_INT8 9

/* Elements run over [outer][channels][inner]; element (o, c, k) uses scale c and zero point c. */
typedef struct {
  int32_t outer, channels, inner;
  const int32_t *scale_bits;  /* channels scales as float32 bits (as the record holds them) */
  const int32_t *zero_points; /* channels zero points */
} xsml_dequant_channels;

/*
 * output = scale * (x - zero_point), rounded once to float32 (bit-exact with the TypeScript's double
 * product). Preconditions: input holds outer * channels * inner elements of input_type, output as
 * many floats; |x - zero_point| < 2^24.
 */
void xsml_dequantize_s8(const void *input, int32_t input_type, const xsml_dequant_channels *q, float *output);

/* IEEE half -> float32, exactly; a NaN becomes the canonical quiet NaN (as the TypeScript's). */
void xsml_dequantize_f16(const uint16_t *input, int32_t count, float *output);

extern const xsml_kernel xsml_k_dequantize_s8;
extern const xsml_kernel xsml_k_dequantize_f16;

#endif
