/*
 * SOFTMAX over the last dimension: the kernels of src/ops/softmax.ts.
 *
 * Tensor refs: 0 input, 1 output.
 * Params, both kernels: outer (rows), depth (the last dimension).
 * F32: beta (float32 bits).
 * S8 (int8 or uint8 input; int8, uint8 or int16 output): input_multiplier, input_shift (>= 0),
 * diff_min, input_uint8 (0/1), output_type (9 int8, 3 uint8, 7 int16), output_min, output_max,
 * output_bits (8 or 16).
 */
#ifndef XSML_SOFTMAX_H
#define XSML_SOFTMAX_H

#include <stdint.h>

#include "xsml_record.h"

/* TensorType codes of the schema, as the records carry them. */
#define XSML_TYPE_UINT8 3
#define XSML_TYPE_INT16 7
#define XSML_TYPE_INT8 9

typedef struct {
  int32_t input_multiplier; /* beta * input scale in Q(31 - 5), a multiplier greater than one... */
  int32_t input_shift;      /* ...and its left shift (>= 0): input differences become Q5.26 */
  int32_t diff_min;         /* differences from the row maximum below this contribute exactly 0 */
  int32_t output_min;       /* lowest output value, also the encoding of probability 0 */
  int32_t output_max;       /* highest output value */
  int32_t output_bits;      /* 8 or 16: the output is probability * 2^bits + output_min */
  int rounding;             /* XSML_ROUNDING_*: the requantizer of the input differences */
} xsml_softmax_s8_params;

/*
 * Float softmax in float32 arithmetic (exp by softmax.c's own float32 exp, no libm). input and
 * output hold outer * depth floats; they may be the same array.
 */
void xsml_softmax_f32(const float *input, int32_t outer, int32_t depth, float beta, float *output);

/*
 * Quantized softmax with gemmlowp's fixed-point exp and reciprocal (TFLite's reference_ops::Softmax).
 * The input is int8 (input_u8 NULL) or uint8 (input_s8 NULL); exactly one output pointer is
 * non-NULL: int8, uint8 or int16. Each holds outer * depth elements.
 * Preconditions: input_shift in [0, 31] (at most 30 with single rounding); input and output do not
 * overlap unless they are the same 8-bit array.
 */
void xsml_softmax_s8(const int8_t *input_s8, const uint8_t *input_u8, int32_t outer, int32_t depth,
                     const xsml_softmax_s8_params *q, int8_t *output_s8, uint8_t *output_u8, int16_t *output_s16);

extern const xsml_kernel xsml_k_softmax_f32;
extern const xsml_kernel xsml_k_softmax_s8;

#endif
