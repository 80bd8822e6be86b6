/*
 * QUANTIZE: the kernels of src/ops/quantize.ts.
 *   QUANTIZE_F32: float32 -> int8/uint8/int16 as zero_point + round(x / scale), clamped, per tensor
 *     or per channel.
 *   QUANTIZE_S8: int8/uint8/int16 -> int8/uint8/int16 with another scale and zero point
 *     (requantization, gemmlowp's double rounding whatever the plan's rounding mode).
 *
 * Tensor refs: 0 input, 1 output.
 * QUANTIZE_F32 params: output_type (9 int8, 3 uint8, 7 int16), qmin, qmax, outer, channels, inner,
 *   then channels scales (float32 bits), then channels zero points.
 * QUANTIZE_S8 params: count, input_type, output_type, input_zero_point, output_zero_point,
 *   multiplier, shift, qmin, qmax.
 */
#ifndef XSML_QUANTIZE_H
#define XSML_QUANTIZE_H

#include <stdint.h>

#include "xsml_record.h"

/* TensorType codes of the schema, as the records carry them. */
#define XSML_TYPE_UINT8 3
#define XSML_TYPE_INT16 7
#define XSML_TYPE_INT8 9

/*
 * The shape of a per-channel (or per-tensor: outer = channels = 1) quantization: the elements run
 * over [outer][channels][inner] and element (o, c, k) uses scales[c] and zero_points[c].
 */
typedef struct {
  int32_t outer, channels, inner;
  const int32_t *scale_bits;  /* channels scales as float32 bits (as the record holds them) */
  const int32_t *zero_points; /* channels zero points */
} xsml_channel_quant;

/*
 * output = clamp(zero_point + round_half_away(x / scale), qmin, qmax); a NaN gives 0 (as the
 * TypeScript's typed-array store does). output_type selects int8, uint8 or int16 output.
 * Preconditions: input holds outer * channels * inner floats, output as many elements of
 * output_type; zero points within the output type's range.
 */
void xsml_quantize_f32(const float *input, const xsml_channel_quant *q, int32_t output_type, int32_t qmin, int32_t qmax, void *output);

typedef struct {
  int32_t input_type, output_type; /* XSML_TYPE_* */
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;       /* input scale / output scale */
  int32_t qmin, qmax;              /* the output type's range */
} xsml_requantize_params;

/* output = clamp(output_zero_point + MBQM_double(x - input_zero_point)), count elements. */
void xsml_quantize_s8(const void *input, int32_t count, const xsml_requantize_params *q, void *output);

extern const xsml_kernel xsml_k_quantize_f32;
extern const xsml_kernel xsml_k_quantize_s8;

#endif
