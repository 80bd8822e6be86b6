/*
 * FULLY_CONNECTED: output[b, o] = act(sum_d input[b, d] * filter[o, d] + bias[o]).
 * The C twin of src/ops/fully-connected.ts (its P_* constants are the record's param layout):
 *   tensor refs: 0 input, 1 filter, 2 bias (or XSML_NO_TENSOR), 3 output
 *   params: batches, depth, out_channels, act_min, act_max (float32 bits for F32, int32 for S8);
 *   S8 only: input_offset, filter_offset, output_offset, the count n of (multiplier, shift) pairs
 *   (1 for a per-tensor filter, out_channels per channel), then n multipliers and n shifts.
 *
 * float32: each dot product in order from d = 0 in float32, then + bias, then the clamp (the
 * roundings of the TypeScript kernel); on the FPU groups of 8, 4 and 1 rows per pass over the input.
 * int8 with int32 bias: acc = bias + sum (filter + filter_offset) * (input + input_offset) with int32
 * wrap-around, requantized per output channel in the plan's rounding, + output_offset, clamped to
 * act. With the DSP extension, symmetric filters, word-aligned rows and a depth a multiple of 8 up
 * to 1024, the input row + offset is first widened to int16 lanes on the stack (2 bytes a value),
 * then read by two rows per pass (LDM, SXTB16, SMLAD).
 */
#ifndef XSML_FULLY_CONNECTED_H
#define XSML_FULLY_CONNECTED_H

#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

#endif
