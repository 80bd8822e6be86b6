/*
 * SignalRfft, int16 (src/ops/signal/rfft.ts): KISS FFT in 16-bit fixed point as TFLM builds it. The
 * complex FFT of fft_length / 2 points (radix 4 stages, then one radix 2) over the zero-padded row,
 * then the real split step. Every butterfly input is divided by its radix (x * (32767 / p), rounded
 * at bit 15), every complex product rounds at bit 15, every result is stored as int16 (wrapping).
 * The stages and the twiddles (packed real | imaginary << 16) come from the params.
 *
 * Tensor refs: 0 input, 1 output, 2 scratch (fft_length int16 of padded input, then fft_length / 2
 * complex values). Params: rows, input length, fft_length, stages, (radix, remaining length) per
 * stage, fft_length / 2 twiddles, fft_length / 4 split twiddles.
 */
#include <stdint.h>

#include "check_util.h"
#include "xsml_record.h"

enum { P_ROWS = 0, P_INPUT_LENGTH, P_FFT_LENGTH, P_STAGES, P_FACTORS };

#define MAX_FFT_LENGTH 65536

static inline int16_t s16(int32_t x) { return (int16_t)(uint16_t)(uint32_t)x; }
static inline int16_t fixdiv2(int32_t x) { return s16((x * 16383 + 16384) >> 15); }
static inline int16_t fixdiv4(int32_t x) { return s16((x * 8191 + 16384) >> 15); }
static inline int32_t tw_re(int32_t w) { return (int16_t)(uint16_t)((uint32_t)w & 0xFFFFu); }
static inline int32_t tw_im(int32_t w) { return w >> 16; }
static inline int16_t mul_re(int32_t ar, int32_t ai, int32_t br, int32_t bi) { return s16((ar * br - ai * bi + 16384) >> 15); }
static inline int16_t mul_im(int32_t ar, int32_t ai, int32_t br, int32_t bi) { return s16((ar * bi + ai * br + 16384) >> 15); }

typedef struct {
  int16_t *buf; /* complex values: buf[2k], buf[2k + 1] */
  const int32_t *twiddles;
} fft;

static void bfly2(const fft *f, int16_t *out, int32_t fstride, int32_t m) {
  for (int32_t k = 0; k < m; k++) {
    int16_t *a = out + 2 * k, *b = a + 2 * m;
    const int32_t ar = fixdiv2(a[0]), ai = fixdiv2(a[1]), br = fixdiv2(b[0]), bi = fixdiv2(b[1]);
    const int32_t w = f->twiddles[k * fstride], wr = tw_re(w), wi = tw_im(w);
    const int32_t tr = mul_re(br, bi, wr, wi), ti = mul_im(br, bi, wr, wi);
    b[0] = s16(ar - tr); b[1] = s16(ai - ti);
    a[0] = s16(ar + tr); a[1] = s16(ai + ti);
  }
}

static void bfly4(const fft *f, int16_t *out, int32_t fstride, int32_t m) {
  for (int32_t k = 0; k < m; k++) {
    int16_t *a0 = out + 2 * k, *a1 = a0 + 2 * m, *a2 = a1 + 2 * m, *a3 = a2 + 2 * m;
    const int32_t f0r = fixdiv4(a0[0]), f0i = fixdiv4(a0[1]), f1r = fixdiv4(a1[0]), f1i = fixdiv4(a1[1]);
    const int32_t f2r = fixdiv4(a2[0]), f2i = fixdiv4(a2[1]), f3r = fixdiv4(a3[0]), f3i = fixdiv4(a3[1]);
    const int32_t w1 = f->twiddles[k * fstride], w2 = f->twiddles[2 * k * fstride], w3 = f->twiddles[3 * k * fstride];
    const int32_t s0r = mul_re(f1r, f1i, tw_re(w1), tw_im(w1)), s0i = mul_im(f1r, f1i, tw_re(w1), tw_im(w1));
    const int32_t s1r = mul_re(f2r, f2i, tw_re(w2), tw_im(w2)), s1i = mul_im(f2r, f2i, tw_re(w2), tw_im(w2));
    const int32_t s2r = mul_re(f3r, f3i, tw_re(w3), tw_im(w3)), s2i = mul_im(f3r, f3i, tw_re(w3), tw_im(w3));
    const int32_t s5r = s16(f0r - s1r), s5i = s16(f0i - s1i);
    const int32_t g0r = s16(f0r + s1r), g0i = s16(f0i + s1i);
    const int32_t s3r = s16(s0r + s2r), s3i = s16(s0i + s2i);
    const int32_t s4r = s16(s0r - s2r), s4i = s16(s0i - s2i);
    a2[0] = s16(g0r - s3r); a2[1] = s16(g0i - s3i);
    a0[0] = s16(g0r + s3r); a0[1] = s16(g0i + s3i);
    a1[0] = s16(s5r + s4i); a1[1] = s16(s5i - s4r);
    a3[0] = s16(s5r - s4i); a3[1] = s16(s5i + s4r);
  }
}

/* kf_work: the FFT of the complex values at `in` (stride fstride) into `out`, stages from `stage`. */
static void work(const fft *f, int16_t *out, const int16_t *in, int32_t fstride, const int32_t *stage) {
  const int32_t p = stage[0], m = stage[1];
  if (m == 1) {
    for (int32_t q = 0; q < p; q++) {
      out[2 * q] = in[2 * q * fstride];
      out[2 * q + 1] = in[2 * q * fstride + 1];
    }
  } else {
    for (int32_t q = 0; q < p; q++) work(f, out + 2 * q * m, in + 2 * q * fstride, fstride * p, stage + 2);
  }
  if (p == 4) bfly4(f, out, fstride, m);
  else bfly2(f, out, fstride, m);
}

static void eval_rfft(const int32_t *rec, const xsml_memory *mem) {
  const int32_t *p = xsml_params(rec);
  const int16_t *input = (const int16_t *)xsml_tensor(rec, 0, mem);
  int16_t *output = (int16_t *)xsml_tensor(rec, 1, mem);
  int16_t *scratch = (int16_t *)xsml_tensor(rec, 2, mem);
  const int32_t rows = p[P_ROWS], length = p[P_INPUT_LENGTH], fft_length = p[P_FFT_LENGTH], n = fft_length / 2;
  const int32_t *twiddles = p + P_FACTORS + 2 * p[P_STAGES], *split = twiddles + n;
  const fft f = { scratch, twiddles };
  int16_t *tmp = scratch + fft_length;
  for (int32_t r = 0; r < rows; r++) {
    const int16_t *src = input + (int64_t)r * length;
    int16_t *o = output + (int64_t)r * (fft_length + 2);
    for (int32_t i = 0; i < length; i++) scratch[i] = src[i];
    for (int32_t i = length; i < fft_length; i++) scratch[i] = 0;
    work(&f, tmp, scratch, 1, p + P_FACTORS);
    const int32_t dcr = fixdiv2(tmp[0]), dci = fixdiv2(tmp[1]);
    o[0] = s16(dcr + dci); o[1] = 0;
    o[2 * n] = s16(dcr - dci); o[2 * n + 1] = 0;
    for (int32_t k = 1; k <= n / 2; k++) {
      const int16_t *pk = tmp + 2 * k, *pnk = tmp + 2 * (n - k);
      const int32_t fpkr = fixdiv2(pk[0]), fpki = fixdiv2(pk[1]);
      const int32_t fpnkr = fixdiv2(pnk[0]), fpnki = fixdiv2(s16(-(int32_t)pnk[1]));
      const int32_t f1kr = s16(fpkr + fpnkr), f1ki = s16(fpki + fpnki);
      const int32_t f2kr = s16(fpkr - fpnkr), f2ki = s16(fpki - fpnki);
      const int32_t w = split[k - 1];
      const int32_t twr = mul_re(f2kr, f2ki, tw_re(w), tw_im(w)), twi = mul_im(f2kr, f2ki, tw_re(w), tw_im(w));
      o[2 * k] = s16((f1kr + twr) >> 1);
      o[2 * k + 1] = s16((f1ki + twi) >> 1);
      o[2 * (n - k)] = s16((f1kr - twr) >> 1);
      o[2 * (n - k) + 1] = s16((twi - f1ki) >> 1);
    }
  }
}

static const char *check_rfft(const int32_t *rec, const int32_t *ref_bytes) {
  if (rec[1] != 3) return "expected 3 tensor refs (input, output, scratch)";
  if (xsml_param_words(rec) < P_FACTORS) return "record too short for its params";
  for (int k = 0; k < 3; k++) {
    if (!xsml_ref_present(rec, k)) return "every tensor is required";
    if (!xsml_ref_aligned(rec, k, 2)) return "tensor offset not aligned to int16";
  }
  if (!xsml_ref_writable(rec, 1) || !xsml_ref_writable(rec, 2)) return "output or scratch ref is not in the arena";
  const int32_t *p = xsml_params(rec);
  const int32_t rows = p[P_ROWS], length = p[P_INPUT_LENGTH], fft_length = p[P_FFT_LENGTH], stages = p[P_STAGES];
  if (fft_length < 4 || fft_length > MAX_FFT_LENGTH || (fft_length & (fft_length - 1)) != 0) return "fft_length is not a power of two from 4 to 65536";
  if (rows < 0 || length < 0 || length > fft_length) return "bad rows or input length";
  /* The stages must be KISS FFT's factorization of fft_length / 2 (4s, then a 2): the butterflies rely on it. */
  int32_t n = fft_length / 2, s = 0;
  if (stages < 1 || stages > 16 || xsml_param_words(rec) < P_FACTORS + 2 * (int64_t)stages + n + n / 2) return "record too short for the stages and twiddles";
  for (; n > 1; s++) {
    const int32_t radix = n % 4 == 0 ? 4 : 2;
    n /= radix;
    if (s >= stages || p[P_FACTORS + 2 * s] != radix || p[P_FACTORS + 2 * s + 1] != n) return "the stages are not the factorization of fft_length / 2";
  }
  if (s != stages) return "the stages are not the factorization of fft_length / 2";
  if (!xsml_ref_holds(ref_bytes, 0, xsml_mul_sat(2 * (uint64_t)rows, (uint64_t)length))) return "the input is smaller than its rows";
  if (!xsml_ref_holds(ref_bytes, 1, xsml_mul_sat(2 * (uint64_t)rows, (uint64_t)fft_length + 2))) return "the output is smaller than its rows";
  if (!xsml_ref_holds(ref_bytes, 2, 4 * (uint64_t)fft_length)) return "the scratch is smaller than 2 fft_length int16";
  return NULL;
}

const xsml_kernel xsml_k_signal_rfft_s16 = { XSML_K_SIGNAL_RFFT_S16, "SIGNAL_RFFT_S16", eval_rfft, check_rfft };
