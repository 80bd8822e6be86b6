// The operator registry: builtin code -> definition, kernel id -> kernel.
import { KERNEL_COUNT } from './kernel-ids.js';
import type { Kernel, OpDefinition } from './op.js';
import { fullyConnected, fullyConnectedKernels } from './fully-connected.js';
import { softmax, softmaxKernels } from './softmax.js';
import { quantize, quantizeKernels } from './quantize.js';
import { dequantize, dequantizeKernels } from './dequantize.js';
import { add, addKernels } from './add.js';
import { mul, mulKernels } from './mul.js';
import { averagePool2d, averagePool2dKernels } from './average-pool-2d.js';
import { maxPool2d, maxPool2dKernels } from './max-pool-2d.js';
import { reshape, reshapeKernels } from './reshape.js';
import { concatenation, concatenationKernels } from './concatenation.js';
import { conv2d, conv2dKernels } from './conv-2d.js';
import { depthwiseConv2d, depthwiseConv2dKernels } from './depthwise-conv-2d.js';
import { cast, castKernels } from './cast.js';
import { stridedSlice, stridedSliceKernels } from './strided-slice.js';
import { div, divKernels } from './div.js';
import { minimum, maximum, minimumMaximumKernels } from './minimum-maximum.js';
import { int32BinaryKernels } from './binary-int32.js';
import { signalWindow, signalWindowKernels } from './signal/window.js';
import { signalFftAutoScale, signalFftAutoScaleKernels } from './signal/fft-auto-scale.js';
import { signalRfft, signalRfftKernels } from './signal/rfft.js';
import { signalEnergy, signalEnergyKernels } from './signal/energy.js';
import { signalFilterBank, signalFilterBankKernels } from './signal/filter-bank.js';
import { signalFilterBankSquareRoot, signalFilterBankSquareRootKernels } from './signal/filter-bank-square-root.js';
import { signalFilterBankSpectralSubtraction, signalFilterBankSpectralSubtractionKernels } from './signal/filter-bank-spectral-subtraction.js';
import { signalPcan, signalPcanKernels } from './signal/pcan.js';
import { signalFilterBankLog, signalFilterBankLogKernels } from './signal/filter-bank-log.js';

const modules: [OpDefinition, Record<number, Kernel>][] = [
  [fullyConnected, fullyConnectedKernels],
  [softmax, softmaxKernels],
  [quantize, quantizeKernels],
  [dequantize, dequantizeKernels],
  [add, addKernels],
  [mul, mulKernels],
  [averagePool2d, averagePool2dKernels],
  [maxPool2d, maxPool2dKernels],
  [reshape, reshapeKernels],
  [concatenation, concatenationKernels],
  [conv2d, conv2dKernels],
  [depthwiseConv2d, depthwiseConv2dKernels],
  [cast, castKernels],
  [stridedSlice, stridedSliceKernels],
  [div, divKernels],
  [minimum, minimumMaximumKernels],
  [maximum, {}], // its kernel is in minimumMaximumKernels
  // TFLM's Signal library: custom ops, found by name
  [signalWindow, signalWindowKernels],
  [signalFftAutoScale, signalFftAutoScaleKernels],
  [signalRfft, signalRfftKernels],
  [signalEnergy, signalEnergyKernels],
  [signalFilterBank, signalFilterBankKernels],
  [signalFilterBankSquareRoot, signalFilterBankSquareRootKernels],
  [signalFilterBankSpectralSubtraction, signalFilterBankSpectralSubtractionKernels],
  [signalPcan, signalPcanKernels],
  [signalFilterBankLog, signalFilterBankLogKernels],
];
/** Kernels of ops defined above whose definitions live with other ops' (the int32 ADD and MUL). */
const extraKernels: Record<number, Kernel>[] = [int32BinaryKernels];

export const OPERATORS = new Map<number, OpDefinition>(modules.filter(([def]) => !def.custom).map(([def]) => [def.code, def]));

/** Custom operators, by the custom_code name a model gives them. */
export const CUSTOM_OPERATORS = new Map<string, OpDefinition>(modules.filter(([def]) => def.custom).map(([def]) => [def.name, def]));

/** The definition that runs an operator code: a builtin by code, a custom op by name. */
export function findOperator(opcode: { code: number; name: string; custom: boolean }): OpDefinition | undefined {
  return opcode.custom ? CUSTOM_OPERATORS.get(opcode.name) : OPERATORS.get(opcode.code);
}

const missing: Kernel = (plan, at) => {
  throw new Error(`no kernel with id ${plan[at]}`);
};
export const KERNELS: Kernel[] = new Array(KERNEL_COUNT).fill(missing);
for (const kernels of [...modules.map(([, k]) => k), ...extraKernels]) {
  for (const id of Object.keys(kernels)) KERNELS[Number(id)] = kernels[Number(id)];
}
