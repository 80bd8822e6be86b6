// xsml: the engine-neutral runtime. Load a model, plan it into a fixed arena, run it.
export { XsmlError, XSML_ERROR_CODES, errorLine, errorFromLine } from './errors.js';
export type { XsmlErrorCode } from './errors.js';
export { loadModel, DType, dtypeName, dtypeBytes, TFLITE_IDENTIFIER, CIRCLE_IDENTIFIER } from './model/model.js';
export type { Model, Tensor, Operator, OperatorCode, Quantization } from './model/model.js';
export { planModel, checkSupport, ARENA_ALIGNMENT } from './planner.js';
export type { Plan, PlannedOp, OpSupport, PlanOptions, PlanSummary } from './planner.js';
export type { ExactWith } from './ops/quant.js';
export { Interpreter } from './interpreter.js';
export type { TensorView, TensorData, InterpreterOptions } from './interpreter.js';
export { OPERATORS } from './ops/index.js';
export { typescriptExecutor } from './executor.js';
export type { Executor, ExecutorFactory } from './executor.js';
export { CUSTOM_OPERATORS } from './ops/index.js';
export { HotwordRecognizer, MICRO_SPEECH_LABELS, describeDetection } from './apps/hotword.js';
export type { HotwordOptions, Detection, HotwordStats } from './apps/hotword.js';
export { GesturePredictor, MAGIC_WAND_LABELS, describeGesture } from './apps/gesture.js';
export type { GestureOptions, Gesture, GestureStats } from './apps/gesture.js';
