/*
 * ADD: output = act(input1 + input2) with NumPy-style broadcasting: the kernels of src/ops/add.ts.
 *
 * Tensor refs: 0 input 1, 1 input 2, 2 output. Params: the broadcast loop nest (binary.h), then
 * act_min, act_max (float32 bits for F32, int32 for S8); S8 only: input1_offset, input2_offset,
 * output_offset, left_shift, input1_multiplier, input1_shift, input2_multiplier, input2_shift,
 * output_multiplier, output_shift.
 */
#ifndef XSML_ADD_H
#define XSML_ADD_H

#include <stdint.h>

#include "binary.h"
#include "xsml_record.h"

typedef struct {
  int32_t input1_offset, input2_offset; /* minus the inputs' zero points */
  int32_t output_offset;                /* the output's zero point */
  int32_t left_shift;                   /* 20: inputs are scaled up by 2^left_shift before rescaling */
  int32_t input1_multiplier, input1_shift;
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max; /* inclusive clamp of the output */
} xsml_add_s8_params;

/*
 * Preconditions, both kernels: the loop nest `bc` reads only elements inside input1 and input2 and
 * writes dims[0] * ... * dims[5] contiguous output elements (xsml_broadcast_check).
 * The output may coincide with an input of the same shape (element i is read before written).
 */

/* out = clamp(in1 + in2) in float32. */
void xsml_add_f32(const xsml_broadcast *bc, const float *input1, const float *input2, float act_min, float act_max, float *output);

/* TFLite's int8 add: both inputs rescaled to a common scale, summed, rescaled to the output, with
 * gemmlowp's double rounding whatever the plan's rounding mode (as TFLite and TFLM do). From 1024
 * outputs on, each input's 256 rescaled values are tabulated first (2 KB on the stack). */
void xsml_add_s8(const xsml_broadcast *bc, const int8_t *input1, const int8_t *input2, const xsml_add_s8_params *q, int8_t *output);

extern const xsml_kernel xsml_k_add_f32;
extern const xsml_kernel xsml_k_add_s8;

#endif
