/*
 * The plan as C sees it: op records in one int32 array, exactly as src/planner.ts writes them and
 * src/ops/op.ts documents them.
 *
 *   rec[0]  kernel id (xsml_kernel_ids.h)
 *   rec[1]  T, the number of tensor refs
 *   rec[2]  L, the record's length in words
 *   rec[3 + 2k], rec[4 + 2k]   tensor ref k: pool (XSML_POOL_*, or XSML_NO_TENSOR) and byte offset
 *   rec[3 + 2T] ...            the kernel's params, laid out by its src/ops/<op>.ts
 *
 * Alongside the program, the planner gives the byte length of every tensor ref (Plan.refBytes, one
 * int32 per ref, records in order). A native executor checks each record once, before the first
 * invoke: every ref inside its pool, every param consistent with the refs' lengths. After that the
 * kernels run without checking anything.
 */
#ifndef XSML_RECORD_H
#define XSML_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "xsml_kernel_ids.h"

#define XSML_RECORD_HEADER 3
#define XSML_POOL_ARENA 0
#define XSML_POOL_MODEL 1
#define XSML_POOL_COUNT 2
#define XSML_NO_TENSOR (-1)

/* The plan's requantizer (src/ops/quant.ts Memory.requantize): TFLite's single or gemmlowp's double rounding. */
#define XSML_ROUNDING_SINGLE 0
#define XSML_ROUNDING_DOUBLE 1

/* The memory records point into. Pointers are fetched by the host before each invoke. */
typedef struct {
  uint8_t *pools[XSML_POOL_COUNT];
  uint32_t pool_bytes[XSML_POOL_COUNT];
  int rounding; /* XSML_ROUNDING_* */
} xsml_memory;

/* Runs one record. Never checks, never allocates: xsml_check_fn has passed for it. */
typedef void (*xsml_eval_fn)(const int32_t *rec, const xsml_memory *mem);

/*
 * Checks one record against the byte lengths of its tensor refs (ref_bytes[k] for ref k; the pools
 * themselves are already checked). Returns NULL, or a static message naming what is inconsistent.
 */
typedef const char *(*xsml_check_fn)(const int32_t *rec, const int32_t *ref_bytes);

typedef struct {
  int id; /* xsml_kernel_id */
  const char *name;
  xsml_eval_fn eval;
  xsml_check_fn check;
} xsml_kernel;

/* The number of tensor refs and where the params start. */
static inline int32_t xsml_ref_count(const int32_t *rec) { return rec[1]; }
static inline const int32_t *xsml_params(const int32_t *rec) { return rec + XSML_RECORD_HEADER + 2 * rec[1]; }

/* Tensor ref k's address, or NULL for an omitted optional tensor. */
static inline void *xsml_tensor(const int32_t *rec, int k, const xsml_memory *mem) {
  const int32_t pool = rec[XSML_RECORD_HEADER + 2 * k];
  if (pool == XSML_NO_TENSOR) return NULL;
  return mem->pools[pool] + rec[XSML_RECORD_HEADER + 2 * k + 1];
}

#endif
