/*
 * xsml-run-plan: runs a plan (written by test/support/native.ts writePlanFile) with the native
 * executor on the desktop, and writes its outputs.
 *
 *   xsml-run-plan PLANFILE [-o OUTFILE] [-n RUNS] [--time] [--poke-guard]
 *
 * Checks the plan with xsml_plan_check (on failure: prints "xsml-run-plan: plan rejected: MESSAGE" on
 * stderr and exits 2), then RUNS times (default 1): copies the inputs into the arena and runs every
 * op. Writes the output tensors' bytes after the last run, one after another in the file's order, to
 * OUTFILE (if given). --time prints "ns/invoke MEAN min MIN runs RUNS" on stdout, the time of the
 * invokes alone. Exit 1 on a usage, I/O or file-format error, 3 on a write outside the arena (below).
 *
 * The plan file, all integers little-endian 32-bit, every section starting on a multiple of 4 bytes:
 *   "XSMLPLN1"                        8 bytes of magic
 *   rounding                          XSML_ROUNDING_SINGLE (0) or XSML_ROUNDING_DOUBLE (1)
 *   arena_bytes                       Plan.arenaBytes
 *   words, program[words]             Plan.program (int32)
 *   refs, ref_bytes[refs]             Plan.refBytes (int32)
 *   model_bytes, model[model_bytes]   the model file, then zero padding to a multiple of 4
 *   inputs, then for each input:      arena offset, byte length, its bytes, zero padding to 4
 *   outputs, then for each output:    pool (0 arena, 1 model), byte offset, byte length
 * The arena is allocated (zeroed) with exactly arena_bytes, the model copied into exactly
 * model_bytes, so that the sanitizer build sees any access past either.
 *
 * Guard bytes: the arena sits between two GUARD_BYTES-long guards filled with a known pattern. The
 * sanitizer build poisons them (any access is an AddressSanitizer report); every build checks them
 * after each run, and checks that the model's bytes are unchanged: on a difference it prints
 * "xsml-run-plan: out-of-arena write: ..." on stderr and exits 3. --poke-guard writes one byte past
 * the arena after each run, so that a test can see both detections work.
 */
#define _POSIX_C_SOURCE 199309L

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xsml_executor.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Bytes of guard before and after the arena (a multiple of 16: the arena stays 16-byte aligned). */
#define GUARD_BYTES 64u

static uint8_t guard_byte(size_t i) { return (uint8_t)(0xa5u ^ (uint8_t)(i * 59u)); }

/* Fills the guards around arena[0 .. arena_bytes) and poisons them (sanitizer build). */
static void guard_set(uint8_t *arena, uint32_t arena_bytes) {
  for (size_t i = 0; i < GUARD_BYTES; i++) {
    arena[(ptrdiff_t)i - (ptrdiff_t)GUARD_BYTES] = guard_byte(i);
    arena[arena_bytes + i] = guard_byte(GUARD_BYTES + i);
  }
  POISON(arena - GUARD_BYTES, GUARD_BYTES);
  POISON(arena + arena_bytes, GUARD_BYTES);
}

/* 0 if both guards are intact; else prints which bytes changed and returns -1. */
static int guard_check(uint8_t *arena, uint32_t arena_bytes, long run) {
  UNPOISON(arena - GUARD_BYTES, GUARD_BYTES);
  UNPOISON(arena + arena_bytes, GUARD_BYTES);
  long first = 0, changed = 0;
  for (size_t i = 0; i < GUARD_BYTES; i++) {
    if (arena[(ptrdiff_t)i - (ptrdiff_t)GUARD_BYTES] != guard_byte(i)) {
      if (!changed++) first = (long)i - (long)GUARD_BYTES;
    }
  }
  for (size_t i = 0; i < GUARD_BYTES; i++) {
    if (arena[arena_bytes + i] != guard_byte(GUARD_BYTES + i)) {
      if (!changed++) first = (long)arena_bytes + (long)i;
    }
  }
  POISON(arena - GUARD_BYTES, GUARD_BYTES);
  POISON(arena + arena_bytes, GUARD_BYTES);
  if (!changed) return 0;
  fprintf(stderr, "xsml-run-plan: out-of-arena write: run %ld changed %ld of the %u guard bytes around the %u-byte arena, the first at arena offset %ld\n",
          run, changed, 2 * GUARD_BYTES, arena_bytes, first);
  return -1;
}

typedef struct {
  const uint8_t *data;
  size_t size;
  size_t at;
  int bad;
} reader;

static uint32_t read_u32(reader *r) {
  if (r->bad || r->size - r->at < 4) {
    r->bad = 1;
    return 0;
  }
  const uint8_t *p = r->data + r->at;
  r->at += 4;
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A pointer to `bytes` bytes (then skips the padding to 4), or NULL past the end. */
static const uint8_t *read_bytes(reader *r, uint32_t bytes) {
  const size_t padded = ((size_t)bytes + 3u) & ~(size_t)3u;
  if (r->bad || r->size - r->at < padded) {
    r->bad = 1;
    return NULL;
  }
  const uint8_t *p = r->data + r->at;
  r->at += padded;
  return p;
}

/* `count` int32s into a new array (the file's bytes may not be aligned). */
static int32_t *read_i32s(reader *r, uint32_t count) {
  int32_t *out = malloc(count ? (size_t)count * 4u : 1u);
  if (!out) {
    r->bad = 1;
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) out[i] = (int32_t)read_u32(r);
  return out;
}

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "xsml-run-plan: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  return 1;
}

static uint8_t *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *data = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? 2 * cap : 65536;
      uint8_t *grown = realloc(data, cap);
      if (!grown) {
        free(data);
        fclose(f);
        return NULL;
      }
      data = grown;
    }
    const size_t got = fread(data + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  fclose(f);
  *size = n;
  return data;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

#define USAGE "usage: xsml-run-plan PLANFILE [-o OUTFILE] [-n RUNS] [--time] [--poke-guard]"

typedef struct {
  uint32_t offset, bytes;
  const uint8_t *data;
} input_spec;

typedef struct {
  uint32_t pool, offset, bytes;
} output_spec;

int main(int argc, char **argv) {
  const char *plan_path = NULL, *out_path = NULL;
  long runs = 1;
  int timing = 0, poke_guard = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--time") == 0) timing = 1;
    else if (strcmp(argv[i], "--poke-guard") == 0) poke_guard = 1;
    else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) out_path = argv[++i];
    else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) runs = strtol(argv[++i], NULL, 10);
    else if (argv[i][0] != '-' && !plan_path) plan_path = argv[i];
    else return fail(USAGE, NULL);
  }
  if (!plan_path || runs < 1) return fail(USAGE, NULL);

  int status = 1;
  uint8_t *file = NULL, *arena_block = NULL, *arena = NULL, *model = NULL;
  size_t arena_block_bytes = 0;
  int32_t *program = NULL, *ref_bytes = NULL;
  input_spec *inputs = NULL;
  output_spec *outputs = NULL;
  FILE *out = NULL;

  size_t size = 0;
  file = read_file(plan_path, &size);
  if (!file) { fail("cannot read", plan_path); goto done; }
  reader r = {file, size, 0, 0};
  if (size < 8 || memcmp(file, "XSMLPLN1", 8) != 0) { fail("not a plan file (no XSMLPLN1 magic)", plan_path); goto done; }
  r.at = 8;
  const uint32_t rounding = read_u32(&r);
  const uint32_t arena_bytes = read_u32(&r);
  const uint32_t words = read_u32(&r);
  if (words > size / 4) { fail("truncated plan file", plan_path); goto done; }
  program = read_i32s(&r, words);
  const uint32_t refs = read_u32(&r);
  if (refs > size / 4) { fail("truncated plan file", plan_path); goto done; }
  ref_bytes = read_i32s(&r, refs);
  const uint32_t model_bytes = read_u32(&r);
  const uint8_t *model_data = read_bytes(&r, model_bytes);
  const uint32_t n_inputs = read_u32(&r);
  if (r.bad || n_inputs > size / 8) { fail("truncated plan file", plan_path); goto done; }
  inputs = malloc((n_inputs ? n_inputs : 1) * sizeof *inputs);
  if (!inputs) { fail("out of memory", NULL); goto done; }
  for (uint32_t i = 0; i < n_inputs && !r.bad; i++) {
    inputs[i].offset = read_u32(&r);
    inputs[i].bytes = read_u32(&r);
    inputs[i].data = read_bytes(&r, inputs[i].bytes);
  }
  const uint32_t n_outputs = read_u32(&r);
  if (r.bad || n_outputs > size / 12) { fail("truncated plan file", plan_path); goto done; }
  outputs = malloc((n_outputs ? n_outputs : 1) * sizeof *outputs);
  if (!outputs) { fail("out of memory", NULL); goto done; }
  for (uint32_t i = 0; i < n_outputs && !r.bad; i++) {
    outputs[i].pool = read_u32(&r);
    outputs[i].offset = read_u32(&r);
    outputs[i].bytes = read_u32(&r);
  }
  if (r.bad) { fail("truncated plan file", plan_path); goto done; }
  if (r.at != size) { fail("trailing bytes after the outputs", plan_path); goto done; }
  if (rounding != XSML_ROUNDING_SINGLE && rounding != XSML_ROUNDING_DOUBLE) { fail("unknown rounding", plan_path); goto done; }

  /* malloc's alignment (16 on the desktop) is what the executor asks of its pools. */
  arena_block_bytes = (size_t)arena_bytes + 2u * GUARD_BYTES;
  arena_block = malloc(arena_block_bytes);
  model = malloc(model_bytes ? model_bytes : 1);
  if (!arena_block || !model) { fail("out of memory", NULL); goto done; }
  arena = arena_block + GUARD_BYTES;
  memset(arena, 0, arena_bytes);
  guard_set(arena, arena_bytes);
  if (((uintptr_t)arena & 15u) != 0 || ((uintptr_t)model & 3u) != 0) { fail("malloc returned a misaligned pool", NULL); goto done; }
  memcpy(model, model_data, model_bytes);
  const uint32_t pool_bytes[XSML_POOL_COUNT] = {arena_bytes, model_bytes};
  for (uint32_t i = 0; i < n_inputs; i++) {
    if ((uint64_t)inputs[i].offset + inputs[i].bytes > arena_bytes) { fail("an input lies outside the arena", plan_path); goto done; }
  }
  for (uint32_t i = 0; i < n_outputs; i++) {
    if (outputs[i].pool >= XSML_POOL_COUNT || (uint64_t)outputs[i].offset + outputs[i].bytes > pool_bytes[outputs[i].pool]) {
      fail("an output lies outside its pool", plan_path);
      goto done;
    }
  }

  char error[512];
  if (xsml_plan_check(program, words, ref_bytes, refs, pool_bytes, error, sizeof error) != 0) {
    fprintf(stderr, "xsml-run-plan: plan rejected: %s\n", error);
    status = 2;
    goto done;
  }
  const uint32_t ops = xsml_plan_ops(program, words);
  const xsml_memory mem = {{arena, model}, {arena_bytes, model_bytes}, (int)rounding};

  double total = 0, best = 0;
  for (long run = 0; run < runs; run++) {
    for (uint32_t i = 0; i < n_inputs; i++) memcpy(arena + inputs[i].offset, inputs[i].data, inputs[i].bytes);
    const double start = now_ns();
    xsml_plan_run(program, 0, ops, &mem);
    const double spent = now_ns() - start;
    if (poke_guard) arena[arena_bytes + 3] ^= 0x11; /* a write just past the arena, as a kernel bug would */
    if (guard_check(arena, arena_bytes, run) != 0) { status = 3; goto done; }
    if (memcmp(model, model_data, model_bytes) != 0) {
      fprintf(stderr, "xsml-run-plan: out-of-arena write: run %ld changed the model's bytes\n", run);
      status = 3;
      goto done;
    }
    total += spent;
    if (run == 0 || spent < best) best = spent;
  }
  if (timing) printf("ns/invoke %.0f min %.0f runs %ld\n", total / (double)runs, best, runs);

  if (out_path) {
    out = fopen(out_path, "wb");
    if (!out) { fail("cannot write", out_path); goto done; }
    for (uint32_t i = 0; i < n_outputs; i++) {
      const uint8_t *base = outputs[i].pool == XSML_POOL_ARENA ? arena : model;
      if (fwrite(base + outputs[i].offset, 1, outputs[i].bytes, out) != outputs[i].bytes) { fail("cannot write", out_path); goto done; }
    }
    const int closed = fclose(out);
    out = NULL;
    if (closed != 0) { fail("cannot write", out_path); goto done; }
  }
  status = 0;

done:
  if (out) fclose(out);
  if (arena_block) UNPOISON(arena_block, arena_block_bytes);
  free(arena_block);
  free(model);
  free(inputs);
  free(outputs);
  free(program);
  free(ref_bytes);
  free(file);
  return status;
}
