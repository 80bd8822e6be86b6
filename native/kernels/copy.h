/*
 * COPY (RESHAPE): the same bytes under another shape (src/ops/reshape.ts).
 *
 * Tensor refs: 0 input, 1 output. Params: bytes to copy.
 */
#ifndef XSML_COPY_H
#define XSML_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "xsml_record.h"

/* Copies bytes from input to output; nothing when they are the same address.
 * Precondition: input and output are the same address or do not overlap. */
void xsml_copy(const uint8_t *input, size_t bytes, uint8_t *output);

extern const xsml_kernel xsml_k_copy;

#endif
