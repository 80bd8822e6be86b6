/*
 * The native executor (xsml_executor.h): checks a plan's records once, then runs them through the
 * kernel table of kernels/registry.c. No allocation, no stdio (errors are formatted by hand), no
 * state that changes.
 */
#include "xsml_executor.h"

#include "kernels/registry.h"

/* Message formatting is cold code: kept out of line so it does not bloat the check loop. */
#define XSML_COLD __attribute__((noinline, cold))

/* A NUL-terminated message being written into error[0 .. size). */
typedef struct {
  char *at;
  size_t left; /* bytes left, including the one for the NUL */
} message;

XSML_COLD static void put(message *m, const char *s) {
  while (*s && m->left > 1) {
    *m->at++ = *s++;
    m->left--;
  }
  if (m->left > 0) *m->at = '\0';
}

XSML_COLD static void put_int(message *m, int64_t v) {
  char digits[24];
  int n = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    digits[n++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  if (v < 0) digits[n++] = '-';
  char text[24];
  for (int i = 0; i < n; i++) text[i] = digits[n - 1 - i];
  text[n] = '\0';
  put(m, text);
}

/* Starts a message "op #N NAME: " (or "op #N: " when the kernel is unknown). */
XSML_COLD static message begin(char *error, size_t error_size, uint32_t op, const char *name) {
  message m = {error, error_size};
  if (error_size > 0) error[0] = '\0';
  put(&m, "op #");
  put_int(&m, op);
  if (name) {
    put(&m, " ");
    put(&m, name);
  }
  put(&m, ": ");
  return m;
}

static const char *pool_name(int32_t pool) { return pool == XSML_POOL_ARENA ? "arena" : "model"; }

int xsml_plan_check(const int32_t *program, uint32_t words, const int32_t *ref_bytes, uint32_t refs,
                    const uint32_t pool_bytes[XSML_POOL_COUNT], char *error, size_t error_size) {
  uint32_t at = 0, op = 0, ref = 0;
  message m;
  if (error_size > 0) error[0] = '\0';
  while (at < words) {
    const int32_t *rec = program + at;
    const uint32_t left = words - at;
    if (left < XSML_RECORD_HEADER) {
      m = begin(error, error_size, op, NULL);
      put(&m, "record header truncated: ");
      put_int(&m, left);
      put(&m, " words left in the program, a record needs at least 3");
      return -1;
    }
    const int32_t id = rec[0], count = rec[1], length = rec[2];
    const char *name = id >= 0 && id < XSML_KERNEL_COUNT ? xsml_kernel_names[id] : NULL;
    if (!name) {
      m = begin(error, error_size, op, NULL);
      put(&m, "unknown kernel id ");
      put_int(&m, id);
      return -1;
    }
    const xsml_kernel *kernel = xsml_kernels[id];
    if (!kernel) {
      m = begin(error, error_size, op, name);
      put(&m, "kernel ");
      put(&m, name);
      put(&m, " is not built into this executor");
      return -1;
    }
    if (kernel->id != id) {
      m = begin(error, error_size, op, name);
      put(&m, "the kernel table entry of id ");
      put_int(&m, id);
      put(&m, " is kernel ");
      put(&m, kernel->name);
      return -1;
    }
    if (count < 0) {
      m = begin(error, error_size, op, name);
      put(&m, "negative tensor ref count ");
      put_int(&m, count);
      return -1;
    }
    if ((int64_t)length < XSML_RECORD_HEADER + 2 * (int64_t)count) {
      m = begin(error, error_size, op, name);
      put(&m, "record length ");
      put_int(&m, length);
      put(&m, " is shorter than its header and ");
      put_int(&m, count);
      put(&m, " tensor refs");
      return -1;
    }
    if ((uint32_t)length > left) {
      m = begin(error, error_size, op, name);
      put(&m, "record length ");
      put_int(&m, length);
      put(&m, " runs past the end of the program (");
      put_int(&m, left);
      put(&m, " words left)");
      return -1;
    }
    if ((uint64_t)ref + (uint32_t)count > refs) {
      m = begin(error, error_size, op, name);
      put(&m, "the plan's ");
      put_int(&m, refs);
      put(&m, " tensor ref lengths end before this op's ");
      put_int(&m, count);
      put(&m, " refs");
      return -1;
    }
    for (int32_t k = 0; k < count; k++) {
      const int32_t pool = rec[XSML_RECORD_HEADER + 2 * k], offset = rec[XSML_RECORD_HEADER + 2 * k + 1];
      const int32_t bytes = ref_bytes[ref + (uint32_t)k];
      if (pool == XSML_NO_TENSOR) continue;
      const char *problem = NULL;
      if (pool != XSML_POOL_ARENA && pool != XSML_POOL_MODEL) problem = "is in an unknown pool";
      else if (offset < 0 || bytes < 0) problem = "has a negative offset or length";
      else if ((uint64_t)offset + (uint64_t)bytes > pool_bytes[pool]) problem = "ends past the end of its pool";
      if (problem) {
        m = begin(error, error_size, op, name);
        put(&m, "tensor ref ");
        put_int(&m, k);
        put(&m, " (pool ");
        put_int(&m, pool);
        put(&m, ", offset ");
        put_int(&m, offset);
        put(&m, ", ");
        put_int(&m, bytes);
        put(&m, " bytes) ");
        put(&m, problem);
        if (pool == XSML_POOL_ARENA || pool == XSML_POOL_MODEL) {
          put(&m, " (the ");
          put(&m, pool_name(pool));
          put(&m, " has ");
          put_int(&m, pool_bytes[pool]);
          put(&m, " bytes)");
        }
        return -1;
      }
    }
    const char *problem = kernel->check(rec, ref_bytes + ref);
    if (problem) {
      m = begin(error, error_size, op, name);
      put(&m, problem);
      return -1;
    }
    at += (uint32_t)length;
    ref += (uint32_t)count;
    op++;
  }
  if (ref != refs) {
    m.at = error;
    m.left = error_size;
    put(&m, "plan: the program ends after ");
    put_int(&m, op);
    put(&m, " ops using ");
    put_int(&m, ref);
    put(&m, " tensor refs, but the plan has ");
    put_int(&m, refs);
    put(&m, " ref lengths");
    return -1;
  }
  return 0;
}

uint32_t xsml_plan_ops(const int32_t *program, uint32_t words) {
  uint32_t at = 0, op = 0;
  while (at < words && words - at >= XSML_RECORD_HEADER && program[at + 2] >= XSML_RECORD_HEADER) {
    op++;
    at += (uint32_t)program[at + 2];
  }
  return op;
}

void xsml_plan_run(const int32_t *program, uint32_t from, uint32_t to, const xsml_memory *mem) {
  const int32_t *rec = program;
  uint32_t i = 0;
  for (; i < from; i++) rec += rec[2];
  for (; i < to; i++) {
    xsml_kernels[rec[0]]->eval(rec, mem);
    rec += rec[2];
  }
}
