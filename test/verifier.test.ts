// The verifier of src/model/model.ts (run once at load, before any op is prepared) and the error codes:
// each failure is its own XsmlError naming the model, op, tensor and what was expected, with a code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Interpreter, XSML_ERROR_CODES, XsmlError, loadModel, planModel, type XsmlErrorCode } from '../src/index.js';
import { fillInput } from '../hosts/node/inputs.js';
import { walkModel, type FieldKind } from '../tools/fuzz.js';
import { buildModel, bytesOf, type ModelSpec } from './support/builder.js';
import { ROOT } from './support/golden.js';

const F32 = 0;
const ADD = 0;

/** t0 -> ADD -> t1 -> ADD -> t2 (float32[1,4]), with a constant t3. */
const chain = (): ModelSpec => ({
  tensors: [
    { type: F32, shape: [1, 4] },
    { type: F32, shape: [1, 4] },
    { type: F32, shape: [1, 4] },
    { type: F32, shape: [1, 4], data: bytesOf(F32, [1, 2, 3, 4]) },
  ],
  inputs: [0],
  outputs: [2],
  ops: [
    { code: ADD, inputs: [0, 3], outputs: [1] },
    { code: ADD, inputs: [1, 1], outputs: [2] },
  ],
});

/** The XsmlError that loading and planning `bytes` throws (fails if none, or another error). */
function errorOf(bytes: Uint8Array): XsmlError {
  try {
    planModel(loadModel(bytes, 'v.tflite'));
  } catch (e) {
    expect(e).toBeInstanceOf(XsmlError);
    return e as XsmlError;
  }
  throw new Error('expected an XsmlError');
}

function expectError(spec: ModelSpec | Uint8Array, code: XsmlErrorCode, message: RegExp): void {
  const e = errorOf(spec instanceof Uint8Array ? spec : buildModel(spec));
  expect(e.message).toMatch(message);
  expect(e.code, e.message).toBe(code);
  expect(e.message.startsWith('v.tflite: ')).toBe(true);
}

/** A model's bytes with the first field of a kind whose path matches set to a value (via the fuzzer's walker). */
function patch(bytes: Uint8Array, kind: FieldKind, path: RegExp, value: number): Uint8Array {
  const f = walkModel(bytes).find((x) => x.kind === kind && path.test(x.path));
  if (!f) throw new Error(`no ${kind} field matching ${path}`);
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  if (f.size === 4) view.setUint32(f.pos, value >>> 0, true);
  else if (f.size === 1) view.setUint8(f.pos, value & 0xff);
  else throw new Error(`patch: ${f.size}-byte field`);
  return out;
}

describe('verifier: execution order and writers', () => {
  it('accepts the chain', () => {
    expect(planModel(loadModel(buildModel(chain()), 'v.tflite')).ops.length).toBe(2);
  });

  it('names an input used before the op that produces it', () => {
    const spec = chain();
    spec.ops.reverse();
    expectError(spec, 'INVALID_MODEL', /^v\.tflite: invalid model: op #0 ADD \(version 1\): input 0 tensor #1 "t1" is used before it is produced: expected a model input, constant data or the output of an earlier op \(op #1 ADD writes it later: the ops are not in execution order\)$/);
  });

  it('names an input that nothing produces', () => {
    const spec = chain();
    spec.tensors.push({ type: F32, shape: [1, 4] });
    spec.ops[1].inputs = [1, 4];
    expectError(spec, 'INVALID_MODEL', /op #1 ADD \(version 1\): input 1 tensor #4 "t4" is used before it is produced: expected a model input, constant data or the output of an earlier op$/);
  });

  it('names an op that reads its own output', () => {
    const spec = chain();
    spec.ops[1].inputs = [1, 2];
    expectError(spec, 'INVALID_MODEL', /op #1 ADD \(version 1\): input 1 tensor #2 "t2" is also its own output/);
  });

  it('names a model output that nothing produces', () => {
    const spec = chain();
    spec.tensors.push({ type: F32, shape: [1, 4] });
    spec.outputs = [2, 4];
    expectError(spec, 'INVALID_MODEL', /model output 1 tensor #4 "t4" is never produced: expected the output of an op, a model input or constant data/);
  });

  it('names two ops writing one tensor', () => {
    const spec = chain();
    spec.ops[1].outputs = [1];
    spec.ops[1].inputs = [0, 0];
    expectError(spec, 'INVALID_MODEL', /op #1 ADD \(version 1\): output 0 tensor #1 "t1" is already written by op #0 ADD: each tensor must have one writer/);
  });

  it('names an op writing constant data or a model input', () => {
    const a = chain();
    a.ops[1].outputs = [3];
    expectError(a, 'INVALID_MODEL', /op #1 ADD \(version 1\): output 0 tensor #3 "t3" is constant data/);
    const b = chain();
    b.ops[1].outputs = [0];
    expectError(b, 'INVALID_MODEL', /op #1 ADD \(version 1\): output 0 tensor #0 "t0" is model input 0: an op cannot overwrite a model input/);
  });

  it('names an op listing one tensor as two outputs', () => {
    const spec = chain();
    spec.ops[1].outputs = [2, 2];
    expectError(spec, 'INVALID_MODEL', /op #1 ADD \(version 1\): outputs 0 and 1 are both tensor #2 "t2"/);
  });

  it('names model inputs that are constant or listed twice', () => {
    const a = chain();
    a.inputs = [0, 3];
    expectError(a, 'INVALID_MODEL', /model input 1 tensor #3 "t3" is constant data: an input must live in the arena/);
    const b = chain();
    b.inputs = [0, 0];
    expectError(b, 'INVALID_MODEL', /model input 1 tensor #0 "t0" is also model input 0/);
  });
});

describe('verifier: tensors', () => {
  it('names element counts and byte sizes that overflow 2^31 - 1', () => {
    const a = chain();
    a.tensors[1].shape = [65536, 65536, 0]; // empty: fine as far as sizes go (ADD then rejects the shape)
    expect(errorOf(buildModel(a)).message).toMatch(/should have shape/);
    const b = chain();
    b.tensors[1].shape = [65536, 65536, 1];
    expectError(b, 'INVALID_MODEL', /invalid model: root\.subgraphs\[0\]\.tensors\[1\] \("t1", float32\[65536,65536,1\]\): the element count overflows: the dimensions multiply to more than 2\^31 - 1/);
    const c = chain();
    c.tensors[1].shape = [1, 0x20000000]; // 2^29 float32 elements: 2^31 bytes
    expectError(c, 'INVALID_MODEL', /tensors\[1\] \("t1", float32\[1,536870912\]\): 536870912 elements of 4 bytes are 2147483648 bytes, more than 2\^31 - 1/);
  });

  it('names a type xsml cannot store on a tensor an op uses', () => {
    const spec = chain();
    spec.tensors[1].type = 5; // STRING
    expectError(spec, 'UNSUPPORTED_FEATURE', /op #0 ADD \(version 1\): output 0 tensor #1 "t1" has type string, which xsml cannot store/);
    const unknown = chain();
    unknown.tensors[2].type = 99;
    expectError(unknown, 'UNSUPPORTED_FEATURE', /output 0 tensor #2 "t2" has type type 99, which xsml cannot store/);
  });

  it('names scales that are not finite numbers >= 0 and zero points beyond 32 bits', () => {
    const spec = chain();
    spec.tensors[0].quant = { scale: [NaN], zeroPoint: [0] };
    expectError(spec, 'INVALID_MODEL', /tensors\[0\]\.quantization\.scale\[0\] \("t0", float32\[1,4\]\): scale NaN, expected a finite number >= 0/);
    spec.tensors[0].quant = { scale: [-1], zeroPoint: [0] };
    expectError(spec, 'INVALID_MODEL', /scale -1, expected a finite number >= 0/);
    spec.tensors[0].quant = { scale: [1], zeroPoint: [2 ** 40] };
    expectError(spec, 'INVALID_MODEL', /zero_point\[0\] \("t0", float32\[1,4\]\): zero point 1099511627776 does not fit 32 bits/);
  });

  it('reads per-channel scales and zero points, and names the bad ones as for one value', () => {
    const spec = chain();
    spec.tensors[0].quant = { scale: [0.5, 0.25, 3e-5, 0], zeroPoint: [0, -5, 2 ** 31 - 1, -(2 ** 31)], axis: 1 };
    const bytes = buildModel(spec);
    const q = loadModel(bytes, 'v.tflite').tensors[0].quant!;
    expect((q.scale as Float32Array).buffer).toBe(bytes.buffer); // a view of the model bytes
    expect(Array.from(q.scale)).toEqual([0.5, 0.25, Math.fround(3e-5), 0]);
    expect(Array.from(q.zeroPoint)).toEqual([0, -5, 2 ** 31 - 1, -(2 ** 31)]);
    expect(q.axis).toBe(1);
    // Misaligned in memory: read element by element, the same values (int8 constant data, which any address suits).
    const bytes8 = buildModel({ ...spec, tensors: [...spec.tensors.slice(0, 3), { type: 9, shape: [1, 4], data: bytesOf(9, [1, 2, 3, 4]) }] });
    const shifted = new Uint8Array(bytes8.length + 2).subarray(2);
    shifted.set(bytes8);
    const slow = loadModel(shifted, 'v.tflite').tensors[0].quant!;
    expect((slow.scale as Float32Array).buffer).not.toBe(shifted.buffer);
    expect([Array.from(slow.scale), Array.from(slow.zeroPoint), slow.axis]).toEqual([Array.from(q.scale), Array.from(q.zeroPoint), 1]);
    spec.tensors[0].quant = { scale: [1, 2, 3, 4], zeroPoint: [], axis: 1 };
    expect(Array.from(loadModel(buildModel(spec), 'v.tflite').tensors[0].quant!.zeroPoint)).toEqual([0, 0, 0, 0]);
    spec.tensors[0].quant = { scale: [1, 2, NaN, 4], zeroPoint: [0, 0, 0, 0], axis: 1 };
    expectError(spec, 'INVALID_MODEL', /tensors\[0\]\.quantization\.scale\[2\] \("t0", float32\[1,4\]\): scale NaN, expected a finite number >= 0/);
    spec.tensors[0].quant = { scale: [1, 2, 3, Infinity], zeroPoint: [0, 0, 0, 0], axis: 1 };
    expectError(spec, 'INVALID_MODEL', /scale\[3\] .*: scale Infinity, expected a finite number >= 0/);
    spec.tensors[0].quant = { scale: [1, 2, 3, 4], zeroPoint: [0, 0, 0, 2 ** 31], axis: 1 };
    expectError(spec, 'INVALID_MODEL', /zero_point\[3\] \("t0", float32\[1,4\]\): zero point 2147483648 does not fit 32 bits/);
    spec.tensors[0].quant = { scale: [1, 2, 3, 4], zeroPoint: [0, -(2 ** 31) - 1, 0, 0], axis: 1 };
    expectError(spec, 'INVALID_MODEL', /zero_point\[1\] .*: zero point -2147483649 does not fit 32 bits/);
    spec.tensors[0].quant = { scale: [1, 2, 3, 4], zeroPoint: [0, 0, 0], axis: 1 };
    expectError(spec, 'INVALID_MODEL', /4 scales but 3 zero points/);
    spec.tensors[0].quant = { scale: [1, 2, 3, 4], zeroPoint: [0, 0, 0, 0], axis: 0 };
    expectError(spec, 'INVALID_MODEL', /4 per-channel scales do not match dimension 0 of shape \[1,4\]/);
  });

  it('names an operator code index and a buffer index out of range', () => {
    const bytes = buildModel(chain());
    expectError(patch(bytes, 'opcode-index', /operators\[1\]/, 7), 'INVALID_MODEL',
      /invalid model: root\.subgraphs\[0\]\.operators\[1\]\.opcode_index: 7 is out of range \(the model has 1 operator codes\)/);
    expectError(patch(bytes, 'buffer-index', /tensors\[3\]\.buffer/, 9), 'INVALID_MODEL',
      /invalid model: root\.subgraphs\[0\]\.tensors\[3\]\.buffer: buffer index 9 is out of range \(the model has 2 buffers\)/);
  });

  it('names structure that cannot be read as MALFORMED_MODEL', () => {
    const bytes = buildModel(chain());
    expectError(bytes.slice(0, 6), 'MALFORMED_MODEL', /not a TFLite \("TFL3"\) or Circle \("CIR0"\) model: a 6-byte file/);
    expectError(bytes.slice(0, bytes.length - 8), 'MALFORMED_MODEL', /malformed model: .* run past the end of the/);
    expectError(patch(bytes, 'vector-length', /subgraphs\[0\]\.tensors \(length\)/, 0x40000000), 'MALFORMED_MODEL', /malformed model: root\.subgraphs\[0\]\.tensors: /);
  });

  it('accepts every shipped model', () => {
    for (const file of ['tflm/person_detect.tflite', 'tflm/keyword_scrambled.tflite', 'tflm/trained_lstm_int8.tflite', 'tflm/audio_preprocessor_int8.tflite',
      'mlperf-tiny/vww_96_int8.tflite', 'mlperf-tiny/kws_ref_model_float32.tflite']) {
      expect(loadModel(new Uint8Array(readFileSync(join(ROOT, 'models', file))), file).tensors.length).toBeGreaterThan(0);
    }
  });
});

describe('error codes', () => {
  it('are documented in README.md, every one', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Errors'));
    expect(readme).toContain('## Errors');
    for (const code of XSML_ERROR_CODES) expect(section, code).toContain(`\`${code}\``);
  });

  it('UNSUPPORTED_OPERATOR lists the operators, and those xsml runs', () => {
    const spec = chain();
    spec.ops[1] = { code: 32, customName: 'MyOp', inputs: [1], outputs: [2] };
    expectError(spec, 'UNSUPPORTED_OPERATOR', /1 unsupported operator: op #1 MyOp \(version 1\): custom operator\. xsml runs: ADD \(v1-\d\), .*CONV_2D \(v1-\d\), .*; custom: .*SignalRfft/);
  });

  it('UNSUPPORTED_FEATURE and INVALID_MODEL from prepare', () => {
    const a = chain();
    a.ops[0].optionsType = 11;
    a.ops[0].options = [[0, 'i8', 4]]; // TANH
    expectError(a, 'UNSUPPORTED_FEATURE', /op #0 ADD \(version 1\): fused activation TANH is not supported/);
    const b = chain();
    b.tensors[2].shape = [1, 5];
    expectError(b, 'INVALID_MODEL', /op #1 ADD \(version 1\): output tensor #2 "t2" \(float32\[1,5\]\) should have shape \[1,4\]/);
  });

  it('ARENA_TOO_SMALL has the bytes needed; BAD_ARGUMENT for a misaligned arena', () => {
    const model = loadModel(buildModel(chain()), 'v.tflite');
    const need = planModel(model).arenaBytes;
    const small = (() => { try { new Interpreter(model, { arena: new Uint8Array(need - 16) }); } catch (e) { return e as XsmlError; } })();
    expect(small?.code).toBe('ARENA_TOO_SMALL');
    expect(small?.message).toContain(`the model needs ${need} bytes`);
    const misaligned = (() => { try { new Interpreter(model, { arena: new Uint8Array(need + 16).subarray(4) }); } catch (e) { return e as XsmlError; } })();
    expect(misaligned?.code).toBe('BAD_ARGUMENT');
  });

  it('BAD_INPUT for an input file of the wrong size', () => {
    const interp = new Interpreter(loadModel(buildModel(chain()), 'v.tflite'));
    const file = join(ROOT, 'models/tflm/hello_world_float.tflite'); // any file of the wrong size
    let error: XsmlError | null = null;
    try { fillInput(interp.inputs[0], 0, file); } catch (e) { error = e as XsmlError; }
    expect(error).toBeInstanceOf(XsmlError);
    expect(error!.code).toBe('BAD_INPUT');
    expect(error!.message).toMatch(/input 0 \(tensor "t0", float32\[1,4\]\): .* has \d+ bytes, expected 16 raw little-endian float32 bytes/);
  });

  it('a plain XsmlError defaults to BAD_ARGUMENT', () => {
    expect(new XsmlError('x').code).toBe('BAD_ARGUMENT');
    expect(new XsmlError('x', 'PLAN_REJECTED').code).toBe('PLAN_REJECTED');
  });
});
