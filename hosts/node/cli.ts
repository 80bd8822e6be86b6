// The xsml command line on Node: inspect, run and convert models.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import {
  CIRCLE_IDENTIFIER, Interpreter, TFLITE_IDENTIFIER, XsmlError, checkSupport, dtypeName, loadModel, planModel,
  type ExactWith, type Model, type TensorData, type TensorView,
} from '../../src/index.js';
import { BOARDS, runModelOnBoard } from './board-host.js';
import { gesture, hotword } from './apps.js';
import { fillInput } from './inputs.js';
import { runOnXs } from './xs-host.js';
import { boardCommand } from './flash.js';

const USAGE = `usage:
  xsml inspect MODEL [--json] [--exact-with tflite|tflm]
  xsml run MODEL [--input FILE]... [--host node|xs|mps2-an386|mps2-an500] [--repeat N] [--arena-bytes N]
                 [--exact-with tflite|tflm] [--profile] [--json]
  xsml convert MODEL --to circle|tflite [-o OUT]
  xsml flash --board nucleo-f767zi|stm32f746g-disco|netduinoplus2 [--app sine|gesture] [ARENA=...] [--dry-run]
  xsml monitor --board NAME [--dry-run]   the board's console (ST-LINK virtual COM port, 115200 baud)
  xsml hotword FILE.wav [--host H] [--exact-with tflite|tflm] [--json]
                    words heard in 16 kHz audio (audio_preprocessor_int8 + micro_speech_quantized)
  xsml gesture FILE [--host H] [--json]
                    gestures in accelerometer samples at 25 Hz (magic_wand): x, y, z as raw
                    float32 (.bin), .csv or .json
options:
  --input FILE      one per model input, in order: .json (flat array), .npy, .csv, or raw bytes
                    in the tensor's dtype (.bin, .raw, .s8, ...); none given means zeros
  --host H          node: the TypeScript kernels on Node (default); xs: the XS engine with the C
                    kernels, one native call per invoke (hosts/xs; built on first use);
                    mps2-an386 (Cortex-M4F), mps2-an500 (Cortex-M7): the firmware of that board
                    in QEMU, XS and the C kernels, timed in instructions (hosts/mps2; built on first use)
  --repeat N        run N inferences and report the mean time of one
  --arena-bytes N   use an arena of exactly N bytes (fails with the bytes needed if too small)
  --exact-with X    bit-exact with tflite (TFLite 2.20+ reference kernels, default) or tflm (TFLM, CMSIS-NN)
  --profile         print the time of every op
  --verbose         print stack traces with errors`;

const HOSTS = ['node', 'xs', ...Object.keys(BOARDS)];

interface Args {
  command: string;
  model: string;
  inputs: string[];
  host: string;
  repeat: number;
  arenaBytes: number | null;
  exactWith: ExactWith;
  json: boolean;
  profile: boolean;
  to: string | null;
  out: string | null;
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    command: '', model: '', inputs: [], host: 'node', repeat: 1, arenaBytes: null, exactWith: 'tflite',
    json: false, profile: false, to: null, out: null, verbose: false,
  };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new XsmlError(`${a} needs a value`);
      return argv[++i];
    };
    const count = (what: string, min: number) => {
      const s = value();
      const n = Number(s);
      if (!/^\d+$/.test(s) || n < min) throw new XsmlError(`${what} must be an integer >= ${min}, got ${JSON.stringify(s)}`);
      return n;
    };
    switch (a) {
      case '--input': args.inputs.push(value()); break;
      case '--host': args.host = value(); break;
      case '--repeat': args.repeat = count('--repeat', 1); break;
      case '--arena-bytes': args.arenaBytes = count('--arena-bytes', 0); break;
      case '--exact-with': {
        const r = value();
        if (r !== 'tflite' && r !== 'tflm') throw new XsmlError(`--exact-with must be tflite or tflm, got ${JSON.stringify(r)}`);
        args.exactWith = r;
        break;
      }
      case '--json': args.json = true; break;
      case '--profile': args.profile = true; break;
      case '--to': args.to = value(); break;
      case '-o': case '--output': args.out = value(); break;
      case '--verbose': args.verbose = true; break;
      case '-h': case '--help': args.command = 'help'; break;
      default:
        if (a.startsWith('-')) throw new XsmlError(`unknown option ${a} (see xsml --help)`);
        positional.push(a);
    }
  }
  if (args.command !== 'help') {
    if (positional.length === 0) throw new XsmlError('no command (see xsml --help)');
    args.command = positional[0];
    if (positional.length < 2) throw new XsmlError(`${args.command}: no ${args.command === 'hotword' || args.command === 'gesture' ? 'FILE' : 'MODEL'} given (see xsml --help)`);
    if (positional.length > 2) throw new XsmlError(`unexpected argument ${JSON.stringify(positional[2])}`);
    args.model = positional[1];
  }
  return args;
}

function readModel(path: string): Model {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (e) {
    throw new XsmlError(`cannot read model ${path}: ${(e as Error).message}`);
  }
  // A buffer of its own, so the weights are aligned as the file aligns them.
  return loadModel(new Uint8Array(file), basename(path));
}

function quantOf(t: { quant: { scale: ArrayLike<number>; zeroPoint: ArrayLike<number> } | null }): string {
  if (!t.quant) return '';
  const q = t.quant;
  return q.scale.length === 1 ? ` scale ${q.scale[0]} zero point ${q.zeroPoint[0]}` : ` per-channel (${q.scale.length} scales)`;
}

function inspect(args: Args): void {
  const model = readModel(args.model);
  const support = checkSupport(model);
  let arenaBytes: number | null = null;
  let planBytes: number | null = null;
  let planError: string | null = null;
  try {
    const plan = planModel(model, { exactWith: args.exactWith });
    arenaBytes = plan.arenaBytes;
    planBytes = plan.program.byteLength;
  } catch (e) {
    if (!(e instanceof XsmlError)) throw e;
    planError = e.message;
  }
  const tensorInfo = (i: number) => {
    const t = model.tensors[i];
    return { index: i, name: t.name, dtype: dtypeName(t.type), shape: t.shape, ...(t.quant ? { quantization: t.quant } : {}) };
  };
  if (args.json) {
    console.log(JSON.stringify({
      model: args.model, format: model.format, bytes: model.bytes.length, version: model.version,
      subgraphs: model.subgraphCount, tensors: model.tensors.length,
      inputs: model.inputs.map(tensorInfo), outputs: model.outputs.map(tensorInfo),
      ops: support, arenaBytes, planBytes, ...(planError ? { error: planError } : {}),
    }));
    return;
  }
  const lines: string[] = [];
  lines.push(`${args.model}: ${model.format === 'tflite' ? 'TFLite' : 'Circle'} model, ${model.bytes.length} bytes, schema version ${model.version}, ${model.subgraphCount} subgraph${model.subgraphCount > 1 ? 's' : ''}, ${model.tensors.length} tensors`);
  if (model.description) lines.push(`description: ${model.description}`);
  for (const [label, list] of [['inputs', model.inputs], ['outputs', model.outputs]] as const) {
    lines.push(`${label}:`);
    for (const i of list) {
      const t = model.tensors[i];
      lines.push(`  #${i} ${JSON.stringify(t.name)} ${dtypeName(t.type)}[${t.shape.join(',')}]${quantOf(t)}`);
    }
  }
  const counts = new Map<string, number>();
  for (const s of support) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
  lines.push(`ops: ${support.length} (${[...counts].map(([n, c]) => `${n} x${c}`).join(', ')})`);
  for (const s of support) {
    lines.push(`  #${s.index} ${s.name} v${s.version}${s.supported ? '' : `  UNSUPPORTED: ${s.reason}`}`);
  }
  const unsupported = support.filter((s) => !s.supported);
  if (unsupported.length > 0) {
    lines.push(`unsupported: ${[...new Set(unsupported.map((s) => s.name))].join(', ')}`);
  } else if (planError) {
    lines.push(`cannot be planned: ${planError}`);
  } else {
    lines.push(`arena: ${arenaBytes} bytes (activations and scratch); plan: ${planBytes} bytes (op records and per-channel constants)`);
  }
  console.log(lines.join('\n'));
}

function run(args: Args): void {
  if (!HOSTS.includes(args.host)) throw new XsmlError(`unknown host ${JSON.stringify(args.host)}: available hosts are ${HOSTS.join(', ')}`);
  if (BOARDS[args.host]) return runBoard(args);
  const model = readModel(args.model);
  const plan = planModel(model, { exactWith: args.exactWith });
  const arena = args.arenaBytes === null ? undefined : new Uint8Array(args.arenaBytes);
  const interp = new Interpreter(model, { arena, exactWith: args.exactWith });
  if (args.inputs.length > interp.inputs.length) {
    throw new XsmlError(`${model.name} has ${interp.inputs.length} input${interp.inputs.length > 1 ? 's' : ''}, got ${args.inputs.length} --input files`);
  }
  if (args.inputs.length > 0 && args.inputs.length < interp.inputs.length) {
    throw new XsmlError(`${model.name} has ${interp.inputs.length} inputs, got ${args.inputs.length} --input files (give all or none)`);
  }
  args.inputs.forEach((path, k) => fillInput(interp.inputs[k], k, path));

  if (args.host === 'xs') {
    // The same checks and input conversion as on Node; then XS runs the model on its C kernels.
    const xs = runOnXs(args.model, {
      inputs: args.inputs.length > 0 ? interp.inputs : null, repeat: args.repeat, arenaBytes: args.arenaBytes,
      exactWith: args.exactWith, profile: args.profile,
    });
    report(args, xs.outputs, xs.arenaBytes, xs.invoke.microseconds, xs.profile ?? null);
    return;
  }

  // The arena may reuse the inputs' bytes during invoke: each repetition gets them back first.
  const saved = interp.inputs.map((v) => v.data.slice());
  let nanoseconds = 0n;
  for (let r = 0; r < args.repeat; r++) {
    interp.inputs.forEach((v, k) => v.data.set(saved[k] as never));
    const start = process.hrtime.bigint();
    interp.invoke();
    nanoseconds += process.hrtime.bigint() - start;
  }
  const microseconds = Number(nanoseconds) / 1000 / args.repeat;

  const profile = args.profile ? profileOps(interp, saved, args.repeat) : null;
  report(args, interp.outputs.map(outputJson), plan.arenaBytes, microseconds, profile);
}

/**
 * Runs the model on an emulated board (hosts/node/board-host.ts): the board loads, checks and plans
 * it and reports its own errors; Node only converts the input files to the tensors' raw bytes.
 */
function runBoard(args: Args): void {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(args.model));
  } catch (e) {
    throw new XsmlError(`cannot read model ${args.model}: ${(e as Error).message}`);
  }
  let inputs: Uint8Array[] = [];
  if (args.inputs.length > 0) {
    // The input tensors' dtypes and shapes, for .json/.npy/.csv files (the board checks the model too).
    const model = loadModel(bytes, basename(args.model));
    if (args.inputs.length !== model.inputs.length) {
      throw new XsmlError(`${model.name} has ${model.inputs.length} input${model.inputs.length > 1 ? 's' : ''}, got ${args.inputs.length} --input files${args.inputs.length < model.inputs.length ? ' (give all or none)' : ''}`);
    }
    inputs = model.inputs.map((index, k) => {
      const view = inputView(model.tensors[index]);
      fillInput(view, k, args.inputs[k]);
      return new Uint8Array(view.data.buffer, view.data.byteOffset, view.data.byteLength);
    });
  }
  const r = runModelOnBoard(args.host, args.model, bytes, {
    inputs, repeat: args.repeat, arenaBytes: args.arenaBytes, exactWith: args.exactWith, profile: args.profile,
  });
  report(args, r.outputs, r.arenaBytes, r.invoke.microseconds, r.profile ?? null, r.instructions);
}

/** A view over zeroed bytes shaped like an input tensor (no arena: the board has its own). */
function inputView(t: Model['tensors'][number]): TensorView {
  const name = dtypeName(t.type);
  const Ctor = ({ float32: Float32Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array, int16: Int16Array, int32: Int32Array } as Record<string, new (n: number) => TensorData>)[name];
  if (!Ctor) throw new XsmlError(`tensor #${t.index} ${JSON.stringify(t.name)}: type ${name} cannot be an input`, 'UNSUPPORTED_FEATURE');
  return { index: t.index, name: t.name, dtype: name, shape: t.shape.slice(), data: new Ctor(t.elements), quant: null };
}

type OutputJson = ReturnType<typeof outputJson>;
type ProfileJson = { op: number; name: string; microseconds: number; instructions?: number; share?: number }[];

/**
 * Prints a run's result, the same for every host: one JSON object, or lines of text. The boards
 * add the instructions per inference (the microseconds are those at their nominal clock).
 */
function report(args: Args, outputs: OutputJson[], arenaBytes: number, microseconds: number, profile: ProfileJson | null, instructions?: number): void {
  if (args.json) {
    console.log(JSON.stringify({
      model: args.model, host: args.host, outputs, arenaBytes,
      invoke: { repeat: args.repeat, microseconds },
      ...(instructions !== undefined ? { instructions } : {}),
      ...(profile ? { profile } : {}),
    }));
    return;
  }
  for (const o of outputs) {
    console.log(`${JSON.stringify(o.name)} ${o.dtype}[${o.shape.join(',')}]${o.quantization ? ` scale ${o.quantization.scale} zero point ${o.quantization.zeroPoint}` : ''}: ${o.data.join(' ')}`);
  }
  if (profile) {
    for (const p of profile) {
      const count = p.instructions !== undefined ? ` ${String(p.instructions).padStart(12)} instructions ${((p.share ?? 0) * 100).toFixed(1).padStart(5)}%` : '';
      console.log(`  op #${p.op} ${p.name.padEnd(20)} ${p.microseconds.toFixed(1).padStart(10)} us${count}`);
    }
  }
  const counted = instructions !== undefined ? ` ${instructions} instructions` : '';
  console.log(`Finished in ${microseconds.toFixed(1)}us${counted} (mean of ${args.repeat}, host ${args.host}), arena ${arenaBytes} bytes`);
}

function outputJson(v: TensorView): { name: string; dtype: string; shape: number[]; data: number[]; quantization?: { scale: number; zeroPoint: number } } {
  return {
    name: v.name, dtype: v.dtype, shape: v.shape, data: Array.from(v.data),
    ...(v.quant ? { quantization: v.quant } : {}),
  };
}

/** Time of each op, the mean over `repeat` runs of the whole model. */
function profileOps(interp: Interpreter, inputs: TensorData[], repeat: number) {
  const ops = planModel(interp.model, interp.plan).ops; // the interpreter keeps no op list
  const nanoseconds = ops.map(() => 0n);
  for (let r = 0; r < repeat; r++) {
    interp.inputs.forEach((v, k) => v.data.set(inputs[k] as never));
    for (let i = 0; i < nanoseconds.length; i++) {
      const start = process.hrtime.bigint();
      interp.invokeOps(i, i + 1);
      nanoseconds[i] += process.hrtime.bigint() - start;
    }
  }
  return ops.map((op, i) => ({ op: op.index, name: op.name, microseconds: Number(nanoseconds[i]) / 1000 / repeat }));
}

function convert(args: Args): void {
  const ids: Record<string, string> = { circle: CIRCLE_IDENTIFIER, tflite: TFLITE_IDENTIFIER };
  if (!args.to || !ids[args.to]) throw new XsmlError(`convert: --to must be circle or tflite`);
  const model = readModel(args.model); // verifies it before anything is written
  const out = args.out ?? args.model.slice(0, args.model.length - extname(args.model).length) + `.${args.to}`;
  if (out === args.model) throw new XsmlError(`convert: the output would overwrite the input ${args.model}; pass -o`);
  if (!args.out && existsSync(out)) throw new XsmlError(`convert: ${out} exists; pass -o to choose the output`);
  const bytes = model.bytes.slice();
  const id = ids[args.to];
  for (let i = 0; i < 4; i++) bytes[4 + i] = id.charCodeAt(i);
  writeFileSync(out, bytes);
  console.log(`${out}: ${args.to} model, ${bytes.length} bytes`);
}

export function main(argv: string[]): number {
  let verbose = argv.includes('--verbose');
  try {
    if (argv[0] === 'flash' || argv[0] === 'monitor') return boardCommand(argv);
    const args = parseArgs(argv);
    verbose = args.verbose;
    switch (args.command) {
      case 'help': console.log(USAGE); return 0;
      case 'inspect': inspect(args); return 0;
      case 'run': run(args); return 0;
      case 'convert': convert(args); return 0;
      case 'hotword': hotword({ file: args.model, host: args.host, exactWith: args.exactWith, json: args.json }); return 0;
      case 'gesture': gesture({ file: args.model, host: args.host, exactWith: args.exactWith, json: args.json }); return 0;
      default: throw new XsmlError(`unknown command ${JSON.stringify(args.command)} (see xsml --help)`);
    }
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
    process.stderr.write(`xsml: error: ${message}\n`);
    if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}
