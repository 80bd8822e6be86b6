/*
 * FULLY_CONNECTED: output[b, o] = act(sum_d input[b, d] * filter[o, d] + bias[o]).
 * The C twin of src/ops/fully-connected.ts (its P_* constants are the record's param layout):
 *   tensor refs: 0 input, 1 filter, 2 bias (or XSML_NO_TENSOR), 3 output
 *   params: batches, depth, out_channels, act_min, act_max (float32 bits for F32, int32 for S8);
 *   S8 only: input_offset, filter_offset, output_offset, the count n of (multiplier, shift) pairs
 *   (1 for a per-tensor filter, out_channels per channel), then n multipliers and n shifts.
 */
#ifndef XSML_FULLY_CONNECTED_H
#define XSML_FULLY_CONNECTED_H

#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

typedef struct {
  int32_t batches;      /* rows of the flattened input */
  int32_t depth;        /* accumulation depth */
  int32_t out_channels; /* rows of the filter */
} xsml_fc_dims;

typedef struct {
  int32_t input_offset;  /* -input zero point */
  int32_t filter_offset; /* -filter zero point */
  int32_t output_offset; /* output zero point */
  xsml_act_s8 act;
  const int32_t *multiplier; /* Q31 multipliers: one, or one per output channel */
  const int32_t *shift;      /* their shifts, each in [-31, 30] */
  int32_t step;              /* 0: one multiplier for every channel; 1: one per channel */
  int rounding;              /* XSML_ROUNDING_SINGLE or XSML_ROUNDING_DOUBLE */
} xsml_fc_quant_s8;

/*
 * float32. input: batches x depth; filter: out_channels x depth; bias: out_channels or NULL;
 * output: batches x out_channels. All 4-byte aligned, output not overlapping the others.
 * Each dot product in order from d = 0 in float32, then + bias, then the clamp: the roundings of the
 * TypeScript kernel. On the FPU (f32_dot.h) groups of 8, 4 and 1 rows per pass over the input.
 */
void xsml_fully_connected_f32(const xsml_fc_dims *dims, const float *input, const float *filter, const float *bias,
                              xsml_act_f32 act, float *output);

/*
 * int8 with int32 bias. acc = sum (filter + filter_offset) * (input + input_offset) (+ bias) with
 * int32 wrap-around, requantized per output channel in `rounding`, + output_offset, clamped to act.
 * With the DSP extension, symmetric filters, word-aligned rows and a depth a multiple of 8 up to
 * 1024, the input row + offset is first widened to int16 lanes on the stack (2 bytes a value), then
 * read by two rows per pass (LDM, SXTB16, SMLAD).
 * Preconditions: |input_offset|, |filter_offset| <= 255; act within [-128, 127].
 */
void xsml_fully_connected_s8(const xsml_fc_dims *dims, const xsml_fc_quant_s8 *quant, const int8_t *input,
                             const int8_t *filter, const int32_t *bias, int8_t *output);

#endif
