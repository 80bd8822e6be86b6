/*
 * The kernel table: kernel id -> xsml_kernel, for every id of xsml_kernel_ids.h.
 *
 * Every kernel is referred to weakly, so a build links only the kernels it wants: a kernel whose
 * object is not linked in is a NULL entry, and xsml_plan_check rejects a plan that uses it
 * ("kernel NAME is not built into this executor"). A weak reference does not pull a member out of a
 * static library: link the kernels' objects explicitly, or the whole library
 * (-Wl,--whole-archive libxsml.a -Wl,--no-whole-archive), to have them all.
 *
 * Keep in step with src/ops/kernel-ids.ts (test/native.test.ts checks that every id is here).
 */
#include "registry.h"

#define XSML_KERNELS(X)                                                                                                 \
  X(FULLY_CONNECTED_F32, fully_connected_f32)                                                                           \
  X(FULLY_CONNECTED_S8, fully_connected_s8)                                                                             \
  X(CONV_2D_F32, conv_2d_f32)                                                                                           \
  X(CONV_2D_S8, conv_2d_s8)                                                                                             \
  X(DEPTHWISE_CONV_2D_F32, depthwise_conv_2d_f32)                                                                       \
  X(DEPTHWISE_CONV_2D_S8, depthwise_conv_2d_s8)                                                                         \
  X(AVERAGE_POOL_2D_F32, average_pool_2d_f32)                                                                           \
  X(AVERAGE_POOL_2D_S8, average_pool_2d_s8)                                                                             \
  X(MAX_POOL_2D_F32, max_pool_2d_f32)                                                                                   \
  X(MAX_POOL_2D_S8, max_pool_2d_s8)                                                                                     \
  X(ADD_F32, add_f32)                                                                                                   \
  X(ADD_S8, add_s8)                                                                                                     \
  X(MUL_F32, mul_f32)                                                                                                   \
  X(MUL_S8, mul_s8)                                                                                                     \
  X(CONCATENATION, concatenation)                                                                                       \
  X(COPY, copy)                                                                                                         \
  X(SOFTMAX_F32, softmax_f32)                                                                                           \
  X(SOFTMAX_S8, softmax_s8)                                                                                             \
  X(QUANTIZE_F32, quantize_f32)                                                                                         \
  X(QUANTIZE_S8, quantize_s8)                                                                                           \
  X(DEQUANTIZE_S8, dequantize_s8)                                                                                       \
  X(CONV_2D_HYBRID, conv_2d_hybrid)                                                                                     \
  X(DEQUANTIZE_F16, dequantize_f16)                                                                                     \
  X(SIGNAL_WINDOW, signal_window)                                                                                       \
  X(SIGNAL_FFT_AUTO_SCALE, signal_fft_auto_scale)                                                                       \
  X(SIGNAL_RFFT_S16, signal_rfft_s16)                                                                                   \
  X(SIGNAL_ENERGY, signal_energy)                                                                                       \
  X(SIGNAL_FILTER_BANK, signal_filter_bank)                                                                             \
  X(SIGNAL_FILTER_BANK_SQUARE_ROOT, signal_filter_bank_square_root)                                                     \
  X(SIGNAL_FILTER_BANK_SPECTRAL_SUBTRACTION, signal_filter_bank_spectral_subtraction)                                   \
  X(SIGNAL_PCAN, signal_pcan)                                                                                           \
  X(SIGNAL_FILTER_BANK_LOG, signal_filter_bank_log)                                                                     \
  X(CAST, cast)                                                                                                         \
  X(STRIDED_SLICE, strided_slice)                                                                                       \
  X(DIV_F32, div_f32)                                                                                                   \
  X(DIV_I32, div_i32)                                                                                                   \
  X(MINIMUM, minimum)                                                                                                   \
  X(MAXIMUM, maximum)                                                                                                   \
  X(ADD_I32, add_i32)                                                                                                   \
  X(MUL_I32, mul_i32)

#define XSML_DECLARE(ID, name) extern const xsml_kernel xsml_k_##name __attribute__((weak));
XSML_KERNELS(XSML_DECLARE)
#undef XSML_DECLARE

#define XSML_ENTRY(ID, name) [XSML_K_##ID] = &xsml_k_##name,
const xsml_kernel *const xsml_kernels[XSML_KERNEL_COUNT] = {XSML_KERNELS(XSML_ENTRY)};
#undef XSML_ENTRY

#define XSML_NAME(ID, name) [XSML_K_##ID] = #ID,
const char *const xsml_kernel_names[XSML_KERNEL_COUNT] = {XSML_KERNELS(XSML_NAME)};
#undef XSML_NAME
