// The runner firmware's app (`xsml run MODEL --host mps2-an386|mps2-an500`): runs the job that
// QEMU's -device loader placed in the LOAD region (hosts/node/board-host.ts writes it; main.c
// reads it): for each run, the model read in place, its inputs copied into the static arena, N
// back-to-back inferences, and ONE line on the console: the JSON of the other hosts
//   {"model", "host", "outputs": [{"name", "dtype", "shape", "data", ["quantization"]}], "arenaBytes",
//    "invoke": {"repeat", "microseconds"}, "instructions", ["profile": [{"op", "name", "microseconds",
//    "instructions", "share"}]], "executor", "instructionsEach" (up to 100), "prepareInstructions",
//    "memory": {...}}
// or the error's line (`xsml: error (CODE): <message>`, src/errors.ts). A job of recordings (`xsml hotword|gesture --host BOARD`) runs each
// through its app (hosts/mps2/apps/stream.ts), printing its detections and then ONE JSON line, the
// app's StreamReport, or the error line. "instructions" is the mean per inference, exact to a few
// (hosts/mps2/apps/measure.ts); microseconds are instructions at the nominal clock. Any failed run
// makes the firmware exit 1.
import type { Interpreter, TensorData, TensorView } from '../../../src/index.js';
import { invokeInstructions, planPoolBytes, profileOps } from './measure.js';
import { liveBytes, stream } from './stream.js';

{
  const native = typeof xsmlNative !== 'undefined';
  const mhz = xsmlBoard.nominalHz / 1e6;
  const wholeArena = new Uint8Array(xsmlBoard.arena());
  const job = xsmlBoard.job(); // read first: its description of the runs is not any model's memory

  const bytesOf = (v: TensorView) => new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
  // JSON has no NaN or infinities: they go as strings, which the host reads back (board-host.ts parseBoot).
  const numberJson = (v: number) => (Number.isFinite(v) ? String(v) : `"${v}"`);

  /** The values of a tensor as a JSON array, written in pieces (no array of all of them in the XS heap). */
  const writeData = (data: TensorData) => {
    const CHUNK = 256;
    xsmlBoard.write('[');
    for (let i = 0; i < data.length; i += CHUNK) {
      const end = Math.min(i + CHUNK, data.length);
      let text = i > 0 ? ',' : '';
      for (let j = i; j < end; j++) text += (j > i ? ',' : '') + numberJson(data[j]);
      xsmlBoard.write(text);
    }
    xsmlBoard.write(']');
  };

  interface Prepared {
    key: string;
    interp: Interpreter;
    instructions: number; // loadModel + Interpreter (check, plan, native prepare)
    // The XS heap in use (after a full collection) right before loadModel and right after the
    // interpreter is made and its inputs' and outputs' data read once, as an application keeps them
    // (an interpreter makes its views anew each time they are read), before anything of the run
    // itself (its inputs' copies, counts) exists. 17 slots of 16 bytes on these boards, whatever the
    // model: the model's Uint8Array (4), the Model (3: itself, name, bytes), the Interpreter (5:
    // itself, invoke, model, arena, executor), the executor, which is the plan's handle (2: itself,
    // its host data) and invoke, the runner host function (3: itself, its callback, its home); then
    // per input and output its typed array and the slot that keeps it.
    baselineLiveBytes: number;
    liveBytes: number;
    data: TensorData[]; // the inputs' and outputs' data, kept
    planBytes: number; // C memory the native executor took for the plan (its pool's growth over the same span)
  }
  let prepared: Prepared | null = null;

  const prepare = (run: XsmlBoardRun): Prepared => {
    const key = `${run.modelOffset}/${run.exactWith}/${run.arenaBytes}`;
    if (prepared && prepared.key === key) {
      // The same model again: a fresh start, as a new interpreter would have (state kept between
      // invokes, in the arena's persistent part, is cleared).
      const interp = prepared.interp as Interpreter & { reset?: () => void };
      if (interp.reset) interp.reset();
      return prepared;
    }
    prepared = null;
    xsmlBoard.collect(); // the previous model's interpreter and plan (its pool block) go first
    let arena = wholeArena;
    if (run.arenaBytes >= 0) {
      if (run.arenaBytes > wholeArena.byteLength) {
        throw new xsml.XsmlError(`${run.name}: --arena-bytes ${run.arenaBytes} is more than the board's static arena of ${wholeArena.byteLength} bytes (ARENA_BYTES)`, 'BAD_ARGUMENT');
      }
      arena = wholeArena.subarray(0, run.arenaBytes);
    }
    const pool = planPoolBytes();
    const data: TensorData[] = [];
    const baselineLiveBytes = liveBytes();
    const start = xsmlBoard.instructions();
    const model = xsml.loadModel(new Uint8Array(run.model), run.name);
    let interp: Interpreter;
    try {
      interp = new xsml.Interpreter(model, { arena, exactWith: run.exactWith, ...(native ? { executor: xsml.nativeExecutor } : {}) });
    } catch (e) {
      if (run.arenaBytes < 0 && e instanceof xsml.XsmlError && e.code === 'ARENA_TOO_SMALL') {
        throw new xsml.XsmlError(`${e.message} (the board's static arena; build the firmware with a larger ARENA_BYTES)`, 'ARENA_TOO_SMALL');
      }
      throw e;
    }
    const instructions = xsmlBoard.instructions() - start;
    for (const v of interp.inputs) data.push(v.data);
    for (const v of interp.outputs) data.push(v.data);
    const live = liveBytes();
    prepared = { key, interp, instructions, baselineLiveBytes, liveBytes: live, data, planBytes: planPoolBytes() - pool };
    return prepared;
  };

  const runOne = (run: XsmlBoardRun) => {
    const { interp, instructions: prepareInstructions, baselineLiveBytes, liveBytes: live, planBytes } = prepare(run);
    const views = interp.inputs;
    if (run.inputs.length > views.length) {
      throw new xsml.XsmlError(`${run.name} has ${views.length} input${views.length > 1 ? 's' : ''}, got ${run.inputs.length}`, 'BAD_INPUT');
    }
    if (run.inputs.length > 0 && run.inputs.length < views.length) {
      throw new xsml.XsmlError(`${run.name} has ${views.length} inputs, got ${run.inputs.length} (give all or none)`, 'BAD_INPUT');
    }
    // The inputs' bytes (in the LOAD region, or zeros), copied into the arena before every
    // inference: the arena may reuse them once they are consumed.
    const saved = views.map((v, k) => {
      const target = bytesOf(v);
      if (k >= run.inputs.length) return new Uint8Array(target.byteLength);
      const bytes = new Uint8Array(run.inputs[k]);
      if (bytes.byteLength !== target.byteLength) {
        throw new xsml.XsmlError(`input ${k} (tensor ${JSON.stringify(v.name)}, ${v.dtype}[${v.shape.join(',')}]): ${bytes.byteLength} bytes, expected ${target.byteLength} raw little-endian ${v.dtype} bytes`, 'BAD_INPUT');
      }
      return bytes;
    });
    const targets = views.map(bytesOf);
    const restore = () => {
      for (let k = 0; k < targets.length; k++) targets[k].set(saved[k]);
    };

    const each: number[] = [];
    const instructions = invokeInstructions(interp, run.repeat, restore, each); // the last one leaves the outputs
    let profile = null;
    if (run.profile) {
      profile = profileOps(interp, xsml.planModel(interp.model, interp.plan).ops, run.repeat, restore, instructions); // the interpreter keeps no op list
      restore();
      interp.invoke();
    }

    const w = xsmlBoard.write;
    w(`{"model":${JSON.stringify(run.name)},"host":${JSON.stringify(xsmlBoard.name)},"outputs":[`);
    interp.outputs.forEach((o, k) => {
      w(`${k ? ',' : ''}{"name":${JSON.stringify(o.name)},"dtype":${JSON.stringify(o.dtype)},"shape":${JSON.stringify(o.shape)},"data":`);
      writeData(o.data);
      if (o.quant) w(`,"quantization":${JSON.stringify(o.quant)}`);
      w('}');
    });
    const heap = xsmlBoard.heapStats();
    const pool = native ? xsmlNative.heapStats() : null;
    w(`],"arenaBytes":${interp.plan.arenaBytes},"invoke":${JSON.stringify({ repeat: run.repeat, microseconds: instructions / mhz })}` +
      `,"instructions":${Math.round(instructions)}${profile ? `,"profile":${JSON.stringify(profile)}` : ''}` +
      `,"executor":${JSON.stringify(interp.executor.name)},"instructionsEach":${JSON.stringify(each)},"prepareInstructions":${prepareInstructions}` +
      `,"memory":${JSON.stringify({
        planBytes, staticArenaBytes: wholeArena.byteLength,
        peakChunksBytes: heap.peakChunksBytes, peakSlots: heap.peakSlots, slotBytes: heap.slotBytes,
        liveBytes: live, baselineLiveBytes,
        mallocBytes: heap.mallocBytes, heapBudget: heap.heapBudget,
        peakPlanPoolBytes: pool?.peakPlanPoolBytes ?? 0, planPoolSize: pool?.planPoolSize ?? 0,
      })}}\n`);
  };

  if (!job) {
    print(`xsml: error: no job at 0x${xsmlBoard.loadAddress.toString(16).padStart(8, '0')}: boot the runner with QEMU's -device loader,file=JOB,addr=0x${xsmlBoard.loadAddress.toString(16)} (xsml run --host ${xsmlBoard.name} writes JOB)`);
    exit(1);
  } else {
    let failed = 0;
    for (const run of job.runs) {
      try {
        runOne(run);
      } catch (e) {
        print(xsml.errorLine(e));
        failed++;
      }
    }
    for (const r of job.recordings) {
      try {
        prepared = null; // the arena is the app's now
        const names = r.app === 'hotword' ? ['audio front end', 'keyword model'] : ['gesture model'];
        const models = r.models.map((m, k) => ({ name: names[k], bytes: new Uint8Array(m) }));
        const report = stream({ app: r.app, name: r.name, data: new Uint8Array(r.data), models, exactWith: r.exactWith }, wholeArena, true);
        print(JSON.stringify(report));
      } catch (e) {
        print(xsml.errorLine(e));
        failed++;
      }
    }
    if (failed > 0) exit(1);
  }
}
