// Kernel ids: the first word of every op record in a plan. The C executor switches on the same
// numbers (native/ mirrors this table), so an id never changes meaning once assigned.
export const KernelId = {
  FULLY_CONNECTED_F32: 1,
  FULLY_CONNECTED_S8: 2,
  CONV_2D_F32: 3,
  CONV_2D_S8: 4,
  DEPTHWISE_CONV_2D_F32: 5,
  DEPTHWISE_CONV_2D_S8: 6,
  AVERAGE_POOL_2D_F32: 7,
  AVERAGE_POOL_2D_S8: 8,
  MAX_POOL_2D_F32: 9,
  MAX_POOL_2D_S8: 10,
  ADD_F32: 11,
  ADD_S8: 12,
  MUL_F32: 13,
  MUL_S8: 14,
  CONCATENATION: 15, // inputs share the output's type and quantization: byte copies
  COPY: 17, // RESHAPE
  SOFTMAX_F32: 18,
  SOFTMAX_S8: 19,
  QUANTIZE_F32: 20, // float32 -> int8, uint8 or int16, per tensor or per channel
  QUANTIZE_S8: 21, // int8, uint8 or int16 -> another of them, or another scale / zero point
  DEQUANTIZE_S8: 22, // int8, uint8 or int16 -> float32
  CONV_2D_HYBRID: 30, // float32 input and output, int8 filter (quantized on the fly per batch)
  DEQUANTIZE_F16: 60, // float16 -> float32
  // TFLM's Signal library (custom ops, src/ops/signal/)
  SIGNAL_WINDOW: 64,
  SIGNAL_FFT_AUTO_SCALE: 65,
  SIGNAL_RFFT_S16: 66,
  SIGNAL_ENERGY: 67,
  SIGNAL_FILTER_BANK: 68,
  SIGNAL_FILTER_BANK_SQUARE_ROOT: 69,
  SIGNAL_FILTER_BANK_SPECTRAL_SUBTRACTION: 70, // state in the arena's persistent part
  SIGNAL_PCAN: 71,
  SIGNAL_FILTER_BANK_LOG: 72,
  // Builtins of the audio front end
  CAST: 73, // any of float32, int8, uint8, int16, int32, uint32, bool to another
  STRIDED_SLICE: 74, // element copies, any element size
  DIV_F32: 75,
  DIV_I32: 76,
  MINIMUM: 77, // float32, int8, uint8, int16, int32 (the element type is a param)
  MAXIMUM: 78,
  ADD_I32: 79,
  MUL_I32: 80,
} as const;

export const KERNEL_COUNT = 96;
