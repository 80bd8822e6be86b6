/*
 * The native executor: checks a plan once, then runs its records. Engine-neutral C: the XS glue
 * (native/xs/) and the desktop plan runner both call it; nothing here knows about a JS engine.
 */
#ifndef XSML_EXECUTOR_H
#define XSML_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>

#include "xsml_record.h"

/*
 * Checks every record of `program` (`words` int32s): a known kernel that is linked in, a record
 * length that fits, the tensor-ref count the kernel expects, every ref inside its pool
 * (offset + ref_bytes[k] <= pool_bytes[pool], suitably aligned), and the kernel's own check of its
 * params against the refs' lengths. `ref_bytes` holds `refs` int32s (Plan.refBytes).
 * Returns 0 if the plan may run; otherwise -1 with a message naming the op (its position in the
 * plan), the kernel and what is wrong written to `error` (NUL-terminated, truncated to error_size).
 */
int xsml_plan_check(const int32_t *program, uint32_t words, const int32_t *ref_bytes, uint32_t refs,
                    const uint32_t pool_bytes[XSML_POOL_COUNT], char *error, size_t error_size);

/* The number of records in a checked program. */
uint32_t xsml_plan_ops(const int32_t *program, uint32_t words);

/*
 * Runs records [from, to) of a program, walking it from its first record (each record's length is
 * its word 2). Precondition: xsml_plan_check passed for this program and these pool sizes, to is at
 * most its record count, and both pools start on 4-byte boundaries (float32 and int32 tensors are
 * accessed in place; the checks verify that their offsets are multiples of 4). Allocates nothing,
 * checks nothing.
 */
void xsml_plan_run(const int32_t *program, uint32_t from, uint32_t to, const xsml_memory *mem);

#endif
