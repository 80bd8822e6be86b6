// The command line: its JSON contract, its input formats, its one-line errors, inspect and convert.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/golden.js';

const tmp = mkdtempSync(join(tmpdir(), 'xsml-cli-'));
const HELLO = join(ROOT, 'models/tflm/hello_world_no_quant_2788.tflite');
const MICRO = join(ROOT, 'models/tflm/micro_speech_quantized.tflite');

function xsml(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/xsml.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectError(r: ReturnType<typeof xsml>, pattern: RegExp) {
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(/^xsml: error: /);
  expect(r.stderr).toMatch(pattern);
}

/** A little-endian float32 .npy file. */
function npy(values: number[], shape: number[]): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const head = Buffer.alloc(10);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(Float32Array.from(values).buffer)]);
}

describe('xsml run', () => {
  it('prints the JSON contract with TFLM\'s value for x = 3 (models/PROVENANCE.md: 0.13060)', () => {
    writeFileSync(join(tmp, 'x.json'), '[3]');
    const r = xsml('run', HELLO, '--input', join(tmp, 'x.json'), '--json', '--repeat', '5');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['model', 'host', 'outputs', 'arenaBytes', 'invoke']);
    expect(out.host).toBe('node');
    expect(out.outputs[0]).toMatchObject({ name: 'StatefulPartitionedCall:0', dtype: 'float32', shape: [1, 1] });
    expect(out.outputs[0].data[0]).toBeCloseTo(0.1306, 4);
    expect(out.arenaBytes).toBe(128);
    expect(out.invoke.repeat).toBe(5);
    expect(out.invoke.microseconds).toBeGreaterThan(0);
  });

  it('reads .json, .csv, .npy and raw inputs alike', () => {
    writeFileSync(join(tmp, 'x.csv'), '2\n');
    writeFileSync(join(tmp, 'x.npy'), npy([2], [1, 1]));
    writeFileSync(join(tmp, 'x.bin'), Buffer.from(Float32Array.of(2).buffer));
    writeFileSync(join(tmp, 'x2.json'), '[[2]]');
    const values = ['x.csv', 'x.npy', 'x.bin', 'x2.json'].map((f) => JSON.parse(xsml('run', HELLO, '--input', join(tmp, f), '--json').stdout).outputs[0].data[0]);
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toBeCloseTo(0.91128, 5);
  });

  it('runs micro_speech on a feature file: "yes" wins', () => {
    const r = xsml('run', MICRO, '--input', join(ROOT, 'models/tflm/testdata/micro_speech_features_yes_49x40.s8'), '--json');
    const scores = JSON.parse(r.stdout).outputs[0].data as number[];
    expect(scores.indexOf(Math.max(...scores))).toBe(2);
  });

  it('fails in one line naming what is wrong', () => {
    writeFileSync(join(tmp, 'three.json'), '[1, 2, 3]');
    expectError(xsml('run', HELLO, '--input', join(tmp, 'three.json')), /input 0 .*float32\[1,1\].* has 3 values, expected 1/);
    writeFileSync(join(tmp, 'big.json'), JSON.stringify(new Array(1960).fill(300)));
    expectError(xsml('run', MICRO, '--input', join(tmp, 'big.json')), /value 0 \(300\) is not an int8 value/);
    expectError(xsml('run', HELLO, '--arena-bytes', '64'), /arena of 64 bytes is too small: the model needs 128 bytes/);
    expectError(xsml('run', join(tmp, 'missing.tflite')), /cannot read model/);
    writeFileSync(join(tmp, 'junk.tflite'), 'not a model at all');
    expectError(xsml('run', join(tmp, 'junk.tflite')), /not a TFLite \("TFL3"\) or Circle \("CIR0"\) model/);
    expectError(xsml('run', HELLO, '--host', 'mars'), /unknown host "mars"/);
    expectError(xsml('run', HELLO, '--bogus'), /unknown option --bogus/);
    expectError(xsml('run', join(ROOT, 'models/tflm/keyword_scrambled.tflite')), /op #\d+ SVDF \(version \d+\): operator not implemented/);
  });

  it('adds a stack trace with --verbose', () => {
    const r = xsml('run', HELLO, '--arena-bytes', '64', '--verbose');
    expect(r.stderr.split('\n').length).toBeGreaterThan(2);
  });
});

describe('xsml inspect', () => {
  it('lists ops and the arena', () => {
    const r = xsml('inspect', MICRO);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/DEPTHWISE_CONV_2D/);
    expect(r.stdout).toMatch(/arena: 4176 bytes/);
  });

  it('names unsupported ops instead of failing', () => {
    const r = xsml('inspect', join(ROOT, 'models/tflm/keyword_scrambled.tflite'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/unsupported: .*SVDF/);
    const json = JSON.parse(xsml('inspect', join(ROOT, 'models/tflm/trained_lstm_int8.tflite'), '--json').stdout);
    expect(json.ops.find((o: { name: string }) => o.name === 'UNIDIRECTIONAL_SEQUENCE_LSTM').supported).toBe(false);
    expect(json.arenaBytes).toBeNull();
  });
});

describe('xsml convert', () => {
  it('rewrites the identifier only, and the circle model gives the same outputs', () => {
    const out = join(tmp, 'micro.circle');
    expect(xsml('convert', MICRO, '--to', 'circle', '-o', out).code).toBe(0);
    const a = readFileSync(MICRO), b = readFileSync(out);
    expect(b.subarray(4, 8).toString()).toBe('CIR0');
    expect(Buffer.compare(a.subarray(8), b.subarray(8))).toBe(0);
    const input = join(ROOT, 'models/tflm/testdata/micro_speech_features_no_49x40.s8');
    const run = (m: string) => JSON.parse(xsml('run', m, '--input', input, '--json').stdout).outputs;
    expect(run(out)).toEqual(run(MICRO));
    expect(xsml('inspect', out).stdout).toMatch(/Circle model/);
  });

  it('never overwrites its input', () => {
    expectError(xsml('convert', MICRO, '--to', 'tflite'), /would overwrite the input/);
  });
});
