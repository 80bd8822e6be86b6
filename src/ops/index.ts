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
];

export const OPERATORS = new Map<number, OpDefinition>(modules.map(([def]) => [def.code, def]));

const missing: Kernel = (plan, at) => {
  throw new Error(`no kernel with id ${plan[at]}`);
};
export const KERNELS: Kernel[] = new Array(KERNEL_COUNT).fill(missing);
for (const [, kernels] of modules) {
  for (const id of Object.keys(kernels)) KERNELS[Number(id)] = kernels[Number(id)];
}
