// The STM32 boards (hosts/stm32, hosts/<board>/): every board's firmware builds, each app's flash
// and RAM fit the board, and the Netduino Plus 2's firmware boots in QEMU (-M netduinoplus2) and
// prints the sine model's outputs for x = 0..7 as the Node host computes them. The F7 boards have
// no QEMU model: their firmware is built and sized here, and runs only on the hardware.
// Cost: the first build of the three boards ~2 minutes of CPU on 2 cores; then seconds.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Interpreter, loadModel } from '../src/index.js';
import { ROOT } from './support/golden.js';

const BUILD_TIMEOUT = 600_000;

/** Each board's capacity (data sheets: STM32F405RG, STM32F767ZI, STM32F746NG). */
const BOARDS: Record<string, { flashBytes: number; ramBytes: number }> = {
  netduinoplus2: { flashBytes: 1024 * 1024, ramBytes: 192 * 1024 }, // 128 KB SRAM + 64 KB CCM
  'nucleo-f767zi': { flashBytes: 2048 * 1024, ramBytes: 512 * 1024 },
  'stm32f746g-disco': { flashBytes: 1024 * 1024, ramBytes: 320 * 1024 }, // the arena in SRAM (default)
};

/** Runs a command to its end without blocking the test worker (builds take minutes). */
function exec(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function make(dir: string, ...args: string[]): Promise<string> {
  const r = await exec('make', ['-C', join(ROOT, 'hosts', dir), '-j2', ...args]);
  if (r.status !== 0) throw new Error(`make -C hosts/${dir} ${args.join(' ')} failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

describe.each(Object.entries(BOARDS))('%s', (board, capacity) => {
  it('builds every app within the board\'s flash and RAM', async () => {
    const lines = (await make(board, 'report')).split('\n').filter((l) => l.startsWith(`${board} `));
    expect(lines.map((l) => l.split(' ')[1]).sort()).toEqual(['gesture', 'sine']);
    for (const line of lines) {
      const [, app, , flash, , ram, , heap] = line.split(' ');
      expect(Number(flash), `${app} flash`).toBeGreaterThan(100_000);
      expect(Number(flash), `${app} flash`).toBeLessThanOrEqual(capacity.flashBytes);
      expect(Number(ram) + Number(heap), `${app} RAM`).toBeLessThanOrEqual(capacity.ramBytes);
    }
  }, BUILD_TIMEOUT);
});

describe('a model that does not fit the arena is refused at build time', () => {
  it('names the model, the bytes it needs and the arena it was given', async () => {
    const r = await exec('make', ['-C', join(ROOT, 'hosts/nucleo-f767zi'), 'ARENA_BYTES=8192', 'gesture']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/xsml: error: magic_wand\.tflite needs an arena of 12320 bytes; the firmware's arena in DTCM is 8192 bytes/);
  }, BUILD_TIMEOUT);
});

describe('netduinoplus2 in QEMU', () => {
  it('prints the sine model\'s outputs for x = 0..7, as the Node host computes them, within 192 KB', async () => {
    await make('netduinoplus2', 'QEMU=1', 'sine');
    const elf = join(ROOT, 'build/mps2/netduinoplus2-qemu/Os-flash/sine.elf');
    const r = await exec('sh', [join(ROOT, 'hosts/stm32/run-qemu.sh'), 'netduinoplus2-qemu', elf], { ...process.env, XSML_QEMU_TIMEOUT: '120' });
    const log = r.stdout.split('\n');
    expect(r.status, r.stdout + r.stderr).toBe(0);

    const file = 'hello_world_no_quant_2788.tflite';
    const interp = new Interpreter(loadModel(new Uint8Array(readFileSync(join(ROOT, 'models/tflm', file))), file));
    const x = interp.inputs[0].data as Float32Array;
    const y = interp.outputs[0].data as Float32Array;
    const want = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => {
      x[0] = i;
      interp.invoke();
      return `${i.toFixed(5)} ${y[0].toFixed(5)}`;
    });
    const got = log.filter((l) => /^Finished in \d+us \d+ cycles {3}/.test(l)).map((l) => l.replace(/^Finished in \d+us \d+ cycles {3}/, ''));
    expect(got).toEqual(want);

    // The budget the banner shows: every RAM byte the firmware uses, 192 KB at most.
    const ram = log.find((l) => l.startsWith('RAM: '));
    expect(Number(/: (\d+) bytes$/.exec(ram ?? '')?.[1])).toBeLessThanOrEqual(192 * 1024);
  }, BUILD_TIMEOUT);
});

describe('netduinoplus2 in QEMU, the gesture demo', () => {
  it('prints magic_wand\'s scores for the ring and slope recordings, as the Node host computes them, within 192 KB', async () => {
    await make('netduinoplus2', 'QEMU=1', 'gesture');
    const elf = join(ROOT, 'build/mps2/netduinoplus2-qemu/Os-flash/gesture.elf');
    const r = await exec('sh', [join(ROOT, 'hosts/stm32/run-qemu.sh'), 'netduinoplus2-qemu', elf], { ...process.env, XSML_QEMU_TIMEOUT: '120' });
    const log = r.stdout.split('\n');
    expect(r.status, r.stdout + r.stderr).toBe(0);

    const file = 'magic_wand.tflite';
    const interp = new Interpreter(loadModel(new Uint8Array(readFileSync(join(ROOT, 'models/tflm', file))), file));
    const want = ['ring', 'slope'].map((g) => {
      const b = readFileSync(join(ROOT, 'models/tflm/testdata', `magic_wand_${g}_128x3_f32.bin`));
      (interp.inputs[0].data as Float32Array).set(new Float32Array(b.buffer, b.byteOffset, b.length / 4));
      interp.invoke();
      return `[${Array.from(interp.outputs[0].data, (v) => v.toFixed(5)).join(' ')}]`;
    });
    const got = log.filter((l) => /^(ring|slope) /.test(l)).map((l) => /\[[^\]]*\]/.exec(l)?.[0]);
    expect(got).toEqual(want);
    const ram = log.find((l) => l.startsWith('RAM: '));
    expect(Number(/: (\d+) bytes$/.exec(ram ?? '')?.[1])).toBeLessThanOrEqual(192 * 1024);
  }, BUILD_TIMEOUT);
});
