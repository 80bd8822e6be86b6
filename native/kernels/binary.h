/*
 * What the element-wise binary ops (ADD, MUL) share: the fused broadcast loop nest of
 * src/ops/binary-broadcast.ts and the checks of its record words.
 *
 * Tensor refs of every binary record: 0 input 1, 1 input 2, 2 output.
 * Params open with XSML_BINARY_WORDS words: the extents of 6 fused loops (outermost first), then
 * input 1's element stride in each loop, then input 2's (0: broadcast). The op's own params follow.
 * The output is written contiguously, in loop order.
 */
#ifndef XSML_BINARY_H
#define XSML_BINARY_H

#include <stdint.h>

#include "xsml_record.h"

#define XSML_BROADCAST_RANK 6
#define XSML_BINARY_WORDS (3 * XSML_BROADCAST_RANK)

typedef struct {
  int32_t dims[XSML_BROADCAST_RANK];    /* extent of fused loop k, outermost first */
  int32_t stride1[XSML_BROADCAST_RANK]; /* input 1's element stride in loop k */
  int32_t stride2[XSML_BROADCAST_RANK]; /* input 2's element stride in loop k */
} xsml_broadcast;

/*
 * One contiguous run of n outputs from output element o, reading input 1 from element i1 with
 * stride s1 and input 2 from element i2 with stride s2. ctx is the kernel's own.
 */
typedef void (*xsml_binary_row)(const void *ctx, int32_t i1, int32_t i2, int32_t o, int32_t n, int32_t s1, int32_t s2);

/* Runs the loop nest: one row call per iteration of the five outer loops. */
void xsml_broadcast_run(const xsml_broadcast *bc, xsml_binary_row row, const void *ctx);

/* Reads the XSML_BINARY_WORDS words at params into bc. */
void xsml_broadcast_read(const int32_t *params, xsml_broadcast *bc);

/*
 * Checks a binary record: 3 refs, all present and aligned to element_bytes, a record long enough
 * for the loop nest and own_params more words, non-negative extents and strides, and every element
 * the loop nest touches inside the refs' byte lengths.
 */
const char *xsml_broadcast_check(const int32_t *rec, const int32_t *ref_bytes, uint32_t element_bytes, int32_t own_params);

#endif
