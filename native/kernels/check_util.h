/*
 * Helpers for the record checks (xsml_check_fn) of FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D,
 * and the activation-range structs their kernels take. Header-only, static inline.
 *
 * Every size is computed in uint64_t with saturation, so a corrupted param can never wrap a product
 * into something small that would pass.
 */
#ifndef XSML_CHECK_UTIL_H
#define XSML_CHECK_UTIL_H

#include <stdint.h>
#include <string.h>

#include "xsml_record.h"

/* Clamping range of a fused activation. */
typedef struct {
  float min;
  float max;
} xsml_act_f32;

typedef struct {
  int32_t min;
  int32_t max;
} xsml_act_s8;

/* Ref k's pool (XSML_POOL_*, XSML_NO_TENSOR) and byte offset. */
static inline int32_t xsml_ref_pool(const int32_t *rec, int k) { return rec[XSML_RECORD_HEADER + 2 * k]; }
static inline int32_t xsml_ref_offset(const int32_t *rec, int k) { return rec[XSML_RECORD_HEADER + 2 * k + 1]; }
static inline int xsml_ref_present(const int32_t *rec, int k) { return xsml_ref_pool(rec, k) != XSML_NO_TENSOR; }

/* The number of param words the record holds (rec[2] covers the header, the refs and the params). */
static inline int64_t xsml_param_words(const int32_t *rec) {
  return (int64_t)rec[2] - XSML_RECORD_HEADER - 2 * (int64_t)rec[1];
}

/* a * b, saturating at UINT64_MAX. */
static inline uint64_t xsml_mul_sat(uint64_t a, uint64_t b) {
  if (a != 0 && b > UINT64_MAX / a) return UINT64_MAX;
  return a * b;
}

/* 1 if ref k has at least `need` bytes. */
static inline int xsml_ref_holds(const int32_t *ref_bytes, int k, uint64_t need) {
  return ref_bytes[k] >= 0 && (uint64_t)ref_bytes[k] >= need;
}

/* 1 if ref k (present) starts on a multiple of `align` bytes of its pool. */
static inline int xsml_ref_aligned(const int32_t *rec, int k, int32_t align) {
  return xsml_ref_offset(rec, k) % align == 0;
}

/* 1 if ref k is present and in the arena: where a kernel may write. */
static inline int xsml_ref_writable(const int32_t *rec, int k) { return xsml_ref_pool(rec, k) == XSML_POOL_ARENA; }

/* A float32 param stored as its bits. */
static inline float xsml_param_f32(int32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

#endif
