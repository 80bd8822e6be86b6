/*
 * CONCATENATION: the inputs joined along one axis, as byte copies (src/ops/concatenation.ts: every
 * supported case shares the output's type and quantization).
 *
 * Tensor refs: 0 .. N-1 the inputs, N the output. Params: outer (product of the output dimensions
 * before the axis), then one per input: slab bytes (dims[axis] * inner size * element size).
 */
#ifndef XSML_CONCATENATION_H
#define XSML_CONCATENATION_H

#include <stdint.h>

#include "xsml_record.h"

/*
 * For each k < outer, copies slab_bytes[i] bytes from inputs[i] + k * slab_bytes[i] for each input i
 * in turn, contiguously into output.
 * Preconditions: input i holds outer * slab_bytes[i] bytes, the output outer * sum(slab_bytes);
 * no input overlaps the output.
 */
void xsml_concatenation(int32_t count, const uint8_t *const *inputs, const int32_t *slab_bytes, int32_t outer, uint8_t *output);

extern const xsml_kernel xsml_k_concatenation;

#endif
