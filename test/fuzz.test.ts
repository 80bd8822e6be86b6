// The fuzzer (tools/fuzz.ts) in CI: every reproducer it ever saved under test/fuzz/regressions/ goes
// through the same checks again (node host and the sanitized C runner, both roundings, inputs kept or
// not; and the sanitized XS host) and must be an XsmlError or a clean run, never anything else; the C
// runner's guard bytes are seen to work; then a bounded fuzz run with a fixed seed, a share of it on
// XS and a sample on the emulated board.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NodeHost, REGRESSIONS_DIR, XsHost, checkModel, fuzz, xsFailures } from '../tools/fuzz.js';
import { ensureFirmwareAsync } from '../hosts/node/board-host.js';
import { Interpreter, loadModel } from '../src/index.js';
import { buildModel } from './support/builder.js';
import { ROOT } from './support/golden.js';
import { ASAN_RUNNER, RUNNER, writePlanFile } from './support/native.js';

/** The bounded run: a fixed seed and a fixed number of mutants, so that CI is deterministic. */
const CI_SEED = 20261126;
const CI_MUTANTS = 15000;
/** The shares of them also run on the sanitized XS host and on the emulated M4F board. */
const CI_XS_SHARE = 0.25;
const CI_BOARD_SHARE = 0.004;

/** The sanitized XS host (make -C hosts/xs asan, under the lock the other suites take) and the board's runner. */
function makeXsAsan(): Promise<void> {
  const dir = join(ROOT, 'hosts/xs');
  mkdirSync(join(dir, 'build'), { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn('flock', [join(dir, 'build/.make.lock'), 'make', '-C', dir, `-j${availableParallelism()}`, 'asan'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`make -C hosts/xs asan failed:\n${out}`))));
  });
}

beforeAll(async () => {
  // test/native-setup.ts built the runners (make -C native all asan) before any test file ran.
  const error = inject('nativeBuildError');
  if (error) throw new Error(error);
  await makeXsAsan();
  await ensureFirmwareAsync('mps2-an386');
}, 900_000);

const host = new NodeHost(20_000);
afterAll(() => host.close());

/** The input seed a reproducer was found with (its .txt), or 1. */
function inputSeedOf(file: string): number {
  const txt = file.replace(/\.tflite$/, '.txt');
  const m = existsSync(txt) ? /^input seed: (\d+)$/m.exec(readFileSync(txt, 'utf8')) : null;
  return m ? Number(m[1]) : 1;
}

describe('fuzz regressions', () => {
  const files = existsSync(REGRESSIONS_DIR) ? readdirSync(REGRESSIONS_DIR).filter((f) => f.endsWith('.tflite')).sort() : [];
  it('has reproducers', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    it(f, async () => {
      const path = join(REGRESSIONS_DIR, f);
      const bytes = new Uint8Array(readFileSync(path));
      for (const exactWith of ['tflite', 'tflm'] as const) {
        for (const preserveInputs of [false, true]) {
          const what = `${exactWith}${preserveInputs ? ', preserveInputs' : ''}`;
          const r = await checkModel(host, bytes, f, { exactWith, preserveInputs, inputSeed: inputSeedOf(path) });
          expect(r.failures, `${what}: ${JSON.stringify(r.failures)}`).toEqual([]);
          expect(['ok', 'rejected', 'skipped'], `${what}: ${JSON.stringify(r.node)}`).toContain(r.node.status);
          if (r.native) expect(['ok', 'no-kernel'], r.native.message).toContain(r.native.status);
        }
      }
    }, 120_000);
  }
});

describe('fuzz regressions on the sanitized XS host', () => {
  const files = existsSync(REGRESSIONS_DIR) ? readdirSync(REGRESSIONS_DIR).filter((f) => f.endsWith('.tflite')).sort() : [];
  it(`${files.length} reproducers do on XS what they do on node`, async () => {
    const xs = new XsHost(files.length * 2);
    const checks: Promise<string[]>[] = [];
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(join(REGRESSIONS_DIR, f)));
      for (const exactWith of ['tflite', 'tflm'] as const) {
        const node = (await checkModel(host, bytes, f, { exactWith, inputSeed: inputSeedOf(join(REGRESSIONS_DIR, f)), asan: false })).node;
        const { outcome } = xs.run({
          bytes, inputs: node.status === 'ok' ? node.parts.inputs.map((i) => i.bytes) : [], outputs: node.status === 'ok' ? node.outputs.length : 0,
          exactWith, preserveInputs: false,
        });
        checks.push(outcome.then((o) => xsFailures(node, o).map((x) => `${f} (${exactWith}): ${x.kind}: ${x.message}`)));
      }
    }
    await xs.flush();
    expect((await Promise.all(checks)).flat()).toEqual([]);
    expect(xs.executed).toBe(files.length * 2);
  }, 300_000);
});

describe('the C runner\'s guard bytes', () => {
  it('catch a write just past the arena (guard check: exit 3; sanitized build: use-after-poison)', () => {
    const model = loadModel(buildModel({
      tensors: [{ type: 0, shape: [1, 4] }, { type: 0, shape: [4] }], inputs: [0], outputs: [1],
      ops: [{ code: 22, inputs: [0], outputs: [1], optionsType: 17, options: [[0, 'i32[]', [4]]] }],
    }), 'reshape.tflite');
    const dir = mkdtempSync(join(tmpdir(), 'xsml-guard-'));
    const file = join(dir, 'reshape.plan');
    writePlanFile(new Interpreter(model), [new Uint8Array(16)], file);
    const run = (runner: string, ...args: string[]) => spawnSync(runner, [file, ...args], {
      encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86' },
    });
    for (const runner of [RUNNER, ASAN_RUNNER]) expect(run(runner).status, runner).toBe(0);
    const plain = run(RUNNER, '--poke-guard');
    expect(plain.status).toBe(3);
    expect(plain.stderr).toMatch(/^xsml-run-plan: out-of-arena write: run 0 changed 1 of the 128 guard bytes around the \d+-byte arena, the first at arena offset \d+$/m);
    const asan = run(ASAN_RUNNER, '--poke-guard');
    expect(asan.status).toBe(86);
    expect(asan.stderr).toMatch(/AddressSanitizer: use-after-poison/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('bounded fuzz run', () => {
  it(`finds nothing in ${CI_MUTANTS} mutants of the shipped models and the op cases (seed ${CI_SEED})`, async () => {
    const report = await fuzz({ seed: CI_SEED, mutants: CI_MUTANTS, saveDir: null, jobs: 1, xs: CI_XS_SHARE, board: 'mps2-an386', boardRate: CI_BOARD_SHARE });
    const s = report.milliseconds / 1000;
    console.log(`bounded fuzz run: ${report.mutants} mutants in ${s.toFixed(1)} s: node ${report.node.executed} `
      + `(ok ${report.node.ok}, rejected ${report.node.rejected}, skipped ${report.node.skipped}), C ASan ${report.native.executed}, `
      + `XS ASan ${report.xs.executed}, mps2-an386 ${report.board.executed}; rejections ${JSON.stringify(report.node.byCode)}`);
    expect(report.mutants).toBe(CI_MUTANTS);
    expect(report.node.ok).toBeGreaterThan(0);
    expect(report.native.executed).toBe(report.node.ok);
    expect(report.xs.executed).toBeGreaterThan(CI_MUTANTS * CI_XS_SHARE * 0.8);
    expect(report.board.executed).toBeGreaterThan(10);
    expect(report.failures.map((f) => `${f.kind} (${f.seedModel}: ${f.steps.join('; ')}): ${f.message.slice(0, 2000)}`)).toEqual([]);
  }, 600_000);
});
