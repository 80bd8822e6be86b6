// The node host of the fuzzer (tools/fuzz.ts), run in a worker thread so that a mutant that hangs can
// be stopped: load, plan and invoke one model on the TypeScript executor, with random inputs, an
// arena between guard bytes and a check that the model's bytes are unchanged. Replies with what
// happened and, when the model ran, the plan-file parts for the native runner and the outputs.
// tools/fuzz.ts transpiles this file and src/ with TypeScript into a temporary directory.
import { parentPort } from 'node:worker_threads';
import {
  ARENA_ALIGNMENT, Interpreter, XSML_ERROR_CODES, XsmlError, loadModel, planModel, type ExactWith, type Model,
} from '../src/index.js';
import type { PlanFileParts } from '../test/support/native.js';

export interface WorkerRequest {
  id: number;
  bytes: Uint8Array;
  name: string;
  seed: number; // of the random inputs
  exactWith: ExactWith;
  preserveInputs?: boolean;
  maxArenaBytes: number; // larger plans are not run (status 'skipped')
  maxWork: number; // nor are plans of more estimated multiply-accumulates than this
}

export type Stage = 'load' | 'plan' | 'interpreter' | 'inputs' | 'invoke' | 'check';

export type WorkerReply =
  | { id: number; status: 'ok'; parts: Omit<PlanFileParts, 'model'>; outputs: { dtype: string; bytes: Uint8Array }[]; arenaBytes: number; work: number; kernels: number[] }
  | { id: number; status: 'rejected'; stage: Stage; code: string; message: string }
  | { id: number; status: 'skipped'; reason: string }
  | { id: number; status: 'failure'; kind: 'exception' | 'bad-code' | 'model-write' | 'guard'; stage: Stage; message: string };

const GUARD = 64;
const guardByte = (i: number) => (0xa5 ^ ((i * 59) & 0xff)) & 0xff;

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A rough count of the multiply-accumulates of one invoke, to leave out mutants that are merely huge. */
function estimateWork(model: Model): number {
  let work = 0;
  for (const op of model.operators) {
    const t = (i: number) => (i >= 0 && i < model.tensors.length ? model.tensors[i] : null);
    const out = t(op.outputs[0] ?? -1);
    const input = t(op.inputs[0] ?? -1);
    const filter = t(op.inputs[1] ?? -1);
    const outElements = out?.elements ?? 0;
    const inElements = input?.elements ?? 0;
    switch (op.opcode.code) {
      case 3: work += outElements * (filter ? filter.shape.slice(1).reduce((a, d) => a * d, 1) : 1); break; // CONV_2D
      case 4: work += outElements * (filter ? (filter.shape[1] ?? 1) * (filter.shape[2] ?? 1) : 1); break; // DEPTHWISE_CONV_2D
      case 9: work += outElements * (filter?.shape[1] ?? 1); break; // FULLY_CONNECTED
      case 1: case 17: { // pools: the window is clipped to the input
        const fw = op.options ? Math.max(1, Math.min(op.options.i32(3, 'filter_width'), input?.shape[2] ?? 1)) : 1;
        const fh = op.options ? Math.max(1, Math.min(op.options.i32(4, 'filter_height'), input?.shape[1] ?? 1)) : 1;
        work += outElements * fw * fh;
        break;
      }
      default: work += outElements + inElements;
    }
  }
  return work;
}

function fillInput(view: Uint8Array, dtype: string, random: () => number): void {
  const n = view.byteLength;
  const dv = new DataView(view.buffer, view.byteOffset, n);
  switch (dtype) {
    case 'float32': for (let i = 0; i + 4 <= n; i += 4) dv.setFloat32(i, (random() - 0.5) * 8, true); break;
    case 'int32': for (let i = 0; i + 4 <= n; i += 4) dv.setInt32(i, random() < 0.5 ? Math.floor((random() - 0.5) * 2000) : (random() * 4294967296) | 0, true); break;
    case 'bool': for (let i = 0; i < n; i++) view[i] = random() < 0.5 ? 1 : 0; break;
    default: for (let i = 0; i < n; i++) view[i] = Math.floor(random() * 256);
  }
}

function run(req: WorkerRequest): WorkerReply {
  const { id } = req;
  let stage: Stage = 'load';
  try {
    const model = loadModel(req.bytes, req.name);
    stage = 'plan';
    const plan = planModel(model, { exactWith: req.exactWith, preserveInputs: req.preserveInputs });
    if (plan.arenaBytes > req.maxArenaBytes) return { id, status: 'skipped', reason: `arena of ${plan.arenaBytes} bytes` };
    const work = estimateWork(model);
    if (work > req.maxWork) return { id, status: 'skipped', reason: `about ${work} multiply-accumulates` };

    stage = 'interpreter';
    // The arena between guard bytes, 16-byte aligned.
    const block = new Uint8Array(plan.arenaBytes + 2 * GUARD);
    for (let i = 0; i < GUARD; i++) { block[i] = guardByte(i); block[GUARD + plan.arenaBytes + i] = guardByte(GUARD + i); }
    const arena = block.subarray(GUARD, GUARD + plan.arenaBytes);
    if (arena.byteOffset % ARENA_ALIGNMENT !== 0) throw new Error('fuzz-worker: misaligned arena');
    const interp = new Interpreter(model, { exactWith: req.exactWith, preserveInputs: req.preserveInputs, arena });

    stage = 'inputs';
    const random = rng(req.seed);
    const inputs = interp.inputs.map((v) => {
      const bytes = new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
      fillInput(bytes, v.dtype, random);
      return bytes.slice();
    });
    const p = planModel(interp.model, interp.plan); // the interpreter keeps no records
    const parts: Omit<PlanFileParts, 'model'> = {
      rounding: p.rounding === 'single' ? 0 : 1,
      arenaBytes: p.arenaBytes,
      program: p.program.slice(),
      refBytes: p.refBytes.slice(),
      inputs: model.inputs.map((t, k) => ({ offset: p.tensorOffsets[t], bytes: inputs[k] })),
      outputs: model.outputs.map((i) => {
        const t = model.tensors[i];
        const offset = p.tensorOffsets[i];
        if (offset >= 0) return { pool: 0, offset, bytes: t.bytes };
        if (!t.data) throw new Error(`fuzz-worker: output tensor #${i} is neither in the arena nor constant`);
        return { pool: 1, offset: t.data.byteOffset - model.bytes.byteOffset, bytes: t.bytes };
      }),
    };
    for (const input of parts.inputs) {
      if (input.offset < 0) throw new Error('fuzz-worker: a model input is not in the arena');
    }
    // The inputs the kernels read: an input's bytes may be reused once it is consumed.
    const before = req.bytes.slice();

    stage = 'invoke';
    interp.invoke();

    stage = 'check';
    for (let i = 0; i < GUARD; i++) {
      if (block[i] !== guardByte(i) || block[GUARD + plan.arenaBytes + i] !== guardByte(GUARD + i)) {
        return { id, status: 'failure', kind: 'guard', stage, message: 'the guard bytes around the arena changed' };
      }
    }
    for (let i = 0; i < before.length; i++) {
      if (before[i] !== req.bytes[i]) {
        return { id, status: 'failure', kind: 'model-write', stage, message: `invoke changed the model's byte ${i}` };
      }
    }
    const outputs = interp.outputs.map((o) => ({
      dtype: o.dtype,
      bytes: new Uint8Array(o.data.buffer, o.data.byteOffset, o.data.byteLength).slice(),
    }));
    const kernels = p.ops.map((op) => op.kernel);
    return { id, status: 'ok', parts, outputs, arenaBytes: p.arenaBytes, work, kernels };
  } catch (e) {
    if (e instanceof XsmlError) {
      if (!(XSML_ERROR_CODES as readonly string[]).includes(e.code)) {
        return { id, status: 'failure', kind: 'bad-code', stage, message: `XsmlError with code ${JSON.stringify(e.code)}: ${e.message}` };
      }
      return { id, status: 'rejected', stage, code: e.code, message: e.message };
    }
    const err = e as Error;
    return { id, status: 'failure', kind: 'exception', stage, message: `${err?.name ?? typeof e}: ${err?.message ?? String(e)}\n${err?.stack ?? ''}` };
  }
}

parentPort?.on('message', (req: WorkerRequest) => {
  parentPort!.postMessage(run(req));
});
