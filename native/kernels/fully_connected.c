/* FULLY_CONNECTED kernels (float32, int8) and their record decoders and checks. See fully_connected.h. */
#include "fully_connected.h"

#include "dsp/basic_math_functions.h"
#include "fixed_point.h"
#include "int8_dot.h"

enum {
  P_BATCHES = 0,
  P_DEPTH = 1,
  P_OUT_CHANNELS = 2,
  P_ACT_MIN = 3,
  P_ACT_MAX = 4,
  P_INPUT_OFFSET = 5,
  P_FILTER_OFFSET = 6,
  P_OUTPUT_OFFSET = 7,
  P_MULTIPLIERS = 8,
  P_PER_CHANNEL = 9,
  P_COUNT_F32 = 5,
  P_COUNT_S8 = 9 /* + 2 * multipliers */
};

enum { R_INPUT = 0, R_FILTER = 1, R_BIAS = 2, R_OUTPUT = 3, R_COUNT = 4 };

void xsml_fully_connected_f32(const xsml_fc_dims *dims, const float *input, const float *filter, const float *bias,
                              xsml_act_f32 act, float *output) {
  const int32_t batches = dims->batches, depth = dims->depth, out_c = dims->out_channels;
  for (int32_t b = 0; b < batches; b++) {
    const float *row = input + (size_t)b * (size_t)depth;
    float *out = output + (size_t)b * (size_t)out_c;
    for (int32_t o = 0; o < out_c; o++) {
      float total;
      arm_dot_prod_f32(row, filter + (size_t)o * (size_t)depth, (uint32_t)depth, &total);
      if (bias) total = total + bias[o];
      out[o] = total < act.min ? act.min : total > act.max ? act.max : total;
    }
  }
}

/*
 * The requantizer of the plan, widened: single rounding is kept in int64 (the TypeScript kernel does
 * not truncate its result to int32 before adding the offset and clamping); double rounding is int32.
 */
static inline int64_t requantize_wide(int rounding, int32_t x, int32_t multiplier, int shift) {
  if (rounding == XSML_ROUNDING_SINGLE) {
    const int s = 31 - shift; /* 1 ..= 62 */
    const int64_t p = (int64_t)x * (int64_t)multiplier + ((int64_t)1 << (s - 1));
    return p >> s;
  }
  return xsml_mbqm_double(x, multiplier, shift);
}

void xsml_fully_connected_s8(const xsml_fc_dims *dims, const xsml_fc_quant_s8 *quant, const int8_t *input,
                             const int8_t *filter, const int32_t *bias, int8_t *output) {
  const int32_t batches = dims->batches, depth = dims->depth, out_c = dims->out_channels;
  const int32_t in_off = quant->input_offset, f_off = quant->filter_offset;
  const int64_t out_off = quant->output_offset;
  const int64_t lo = quant->act.min, hi = quant->act.max;
  for (int32_t b = 0; b < batches; b++) {
    const int8_t *row = input + (size_t)b * (size_t)depth;
    int8_t *out = output + (size_t)b * (size_t)out_c;
    /* Symmetric filters (the usual int8 case): four, then two output channels per pass over the input row. */
    const int32_t quads = f_off == 0 ? out_c & ~3 : 0, paired = f_off == 0 ? out_c & ~1 : 0;
    int32_t o = 0;
    for (; o < quads; o += 4) {
      const int8_t *w = filter + (size_t)o * (size_t)depth;
      uint32_t acc[4] = {0, 0, 0, 0};
      if (bias) acc[0] = (uint32_t)bias[o], acc[1] = (uint32_t)bias[o + 1], acc[2] = (uint32_t)bias[o + 2], acc[3] = (uint32_t)bias[o + 3];
      xsml_dot_4x1(w, depth, row, depth, in_off, acc);
      for (int i = 0; i < 4; i++) {
        const int32_t q = (o + i) * quant->step;
        int64_t v = requantize_wide(quant->rounding, (int32_t)acc[i], quant->multiplier[q], quant->shift[q]) + out_off;
        v = v < lo ? lo : v > hi ? hi : v;
        out[o + i] = (int8_t)v;
      }
    }
    for (; o < paired; o += 2) {
      const int8_t *w = filter + (size_t)o * (size_t)depth;
      uint32_t acc[2] = {0, 0};
      if (bias) acc[0] = (uint32_t)bias[o], acc[1] = (uint32_t)bias[o + 1];
      xsml_dot_2x1(w, w + depth, row, depth, in_off, acc);
      for (int i = 0; i < 2; i++) {
        const int32_t q = (o + i) * quant->step;
        int64_t v = requantize_wide(quant->rounding, (int32_t)acc[i], quant->multiplier[q], quant->shift[q]) + out_off;
        v = v < lo ? lo : v > hi ? hi : v;
        out[o + i] = (int8_t)v;
      }
    }
    for (; o < out_c; o++) {
      const int8_t *w = filter + (size_t)o * (size_t)depth;
      uint32_t acc = 0; /* int32 arithmetic that wraps, as the TypeScript `| 0` */
      for (int32_t d = 0; d < depth; d++) acc += (uint32_t)((w[d] + f_off) * (row[d] + in_off));
      if (bias) acc += (uint32_t)bias[o];
      const int32_t q = o * quant->step;
      int64_t v = requantize_wide(quant->rounding, (int32_t)acc, quant->multiplier[q], quant->shift[q]) + out_off;
      v = v < lo ? lo : v > hi ? hi : v;
      out[o] = (int8_t)v;
    }
  }
}

static void eval_f32(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const xsml_fc_dims dims = {p[P_BATCHES], p[P_DEPTH], p[P_OUT_CHANNELS]};
  const xsml_act_f32 act = {xsml_param_f32(p[P_ACT_MIN]), xsml_param_f32(p[P_ACT_MAX])};
  xsml_fully_connected_f32(&dims, (const float *)xsml_tensor(rec, R_INPUT, mem), (const float *)xsml_tensor(rec, R_FILTER, mem),
                           (const float *)xsml_tensor(rec, R_BIAS, mem), act, (float *)xsml_tensor(rec, R_OUTPUT, mem));
}

static void eval_s8(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const xsml_fc_dims dims = {p[P_BATCHES], p[P_DEPTH], p[P_OUT_CHANNELS]};
  const xsml_fc_quant_s8 quant = {
      p[P_INPUT_OFFSET], p[P_FILTER_OFFSET], p[P_OUTPUT_OFFSET], {p[P_ACT_MIN], p[P_ACT_MAX]},
      p + P_PER_CHANNEL, p + P_PER_CHANNEL + p[P_MULTIPLIERS], p[P_MULTIPLIERS] > 1 ? 1 : 0, mem->rounding,
  };
  xsml_fully_connected_s8(&dims, &quant, (const int8_t *)xsml_tensor(rec, R_INPUT, mem), (const int8_t *)xsml_tensor(rec, R_FILTER, mem),
                          (const int32_t *)xsml_tensor(rec, R_BIAS, mem), (int8_t *)xsml_tensor(rec, R_OUTPUT, mem));
}

/* The checks both kernels share; `elem` is the byte size of input, filter and output elements. */
static const char *check_common(const int32_t *rec, const int32_t *ref_bytes, int64_t params, uint64_t elem) {
  if (xsml_ref_count(rec) != R_COUNT) return "expects 4 tensor refs (input, filter, bias, output)";
  if (xsml_param_words(rec) < params) return "record too short for its params";
  const int32_t *p = xsml_params(rec);
  const int32_t batches = p[P_BATCHES], depth = p[P_DEPTH], out_c = p[P_OUT_CHANNELS];
  if (batches < 0 || depth < 0 || out_c < 0) return "negative batches, depth or output channels";
  if (!xsml_ref_present(rec, R_INPUT) || !xsml_ref_present(rec, R_FILTER) || !xsml_ref_present(rec, R_OUTPUT)) {
    return "input, filter or output ref missing";
  }
  if (!xsml_ref_writable(rec, R_OUTPUT)) return "output ref is not in the arena";
  const uint64_t bias_elem = 4;
  if (elem == 4 && (!xsml_ref_aligned(rec, R_INPUT, 4) || !xsml_ref_aligned(rec, R_FILTER, 4) || !xsml_ref_aligned(rec, R_OUTPUT, 4))) {
    return "float32 input, filter or output ref not 4-byte aligned";
  }
  if (xsml_ref_present(rec, R_BIAS)) {
    if (!xsml_ref_aligned(rec, R_BIAS, 4)) return "bias ref not 4-byte aligned";
    if (!xsml_ref_holds(ref_bytes, R_BIAS, xsml_mul_sat((uint64_t)out_c, bias_elem))) return "bias ref shorter than output channels";
  }
  if (!xsml_ref_holds(ref_bytes, R_INPUT, xsml_mul_sat(xsml_mul_sat((uint64_t)batches, (uint64_t)depth), elem))) {
    return "input ref shorter than batches x depth";
  }
  if (!xsml_ref_holds(ref_bytes, R_FILTER, xsml_mul_sat(xsml_mul_sat((uint64_t)out_c, (uint64_t)depth), elem))) {
    return "filter ref shorter than output channels x depth";
  }
  if (!xsml_ref_holds(ref_bytes, R_OUTPUT, xsml_mul_sat(xsml_mul_sat((uint64_t)batches, (uint64_t)out_c), elem))) {
    return "output ref shorter than batches x output channels";
  }
  return NULL;
}

static const char *check_f32(const int32_t *rec, const int32_t *ref_bytes) {
  return check_common(rec, ref_bytes, P_COUNT_F32, 4);
}

static const char *check_s8(const int32_t *rec, const int32_t *ref_bytes) {
  const char *error = check_common(rec, ref_bytes, P_COUNT_S8, 1);
  if (error) return error;
  const int32_t *p = xsml_params(rec);
  const int32_t out_c = p[P_OUT_CHANNELS], count = p[P_MULTIPLIERS];
  if (count != 1 && count != out_c) return "multiplier count is neither 1 nor the output channels";
  if (xsml_param_words(rec) < P_COUNT_S8 + 2 * (int64_t)count) return "record too short for the multipliers and shifts";
  if (p[P_ACT_MIN] < -128 || p[P_ACT_MIN] > p[P_ACT_MAX] || p[P_ACT_MAX] > 127) return "activation range not within [-128, 127]";
  if (p[P_INPUT_OFFSET] < -255 || p[P_INPUT_OFFSET] > 255 || p[P_FILTER_OFFSET] < -255 || p[P_FILTER_OFFSET] > 255) {
    return "input or filter offset outside [-255, 255]";
  }
  const int32_t *shift = p + P_PER_CHANNEL + count;
  for (int32_t o = 0; o < count; o++) {
    if (shift[o] < -31 || shift[o] > 30) return "a requantization shift outside [-31, 30]";
  }
  return NULL;
}

const xsml_kernel xsml_k_fully_connected_f32 = {XSML_K_FULLY_CONNECTED_F32, "FULLY_CONNECTED_F32", eval_f32, check_f32};
const xsml_kernel xsml_k_fully_connected_s8 = {XSML_K_FULLY_CONNECTED_S8, "FULLY_CONNECTED_S8", eval_s8, check_s8};
