// Running a model on the XS desktop host from Node: the XS binary (hosts/xs/build/xsml-xs, built
// by `make -C hosts/xs` the first time it is needed) runs the driver bundle
// (dist/xsml-xs-driver.js, built by `npm run build`) with the native executor.
import { spawnSync, type StdioOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XsmlError, errorFromLine, type ExactWith, type TensorView } from '../../src/index.js';

/** The package root: the nearest folder above this file with a package.json (from dist/ or from the sources). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
export const PACKAGE_ROOT = packageRoot();
export const XS_HOST_DIR = join(PACKAGE_ROOT, 'hosts/xs');
export const XS_BINARY = join(XS_HOST_DIR, 'build/xsml-xs');
export const XS_DRIVER = join(PACKAGE_ROOT, 'dist/xsml-xs-driver.js');

/** The newest modification time of the C sources and makefiles the XS binary is built from. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) { if (e.name !== 'build') walk(path); }
      else if (/\.(c|h)$|^Makefile$|\.sh$/.test(e.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(PACKAGE_ROOT, 'native'));
  walk(XS_HOST_DIR);
  return newest;
}

/**
 * Builds the XS binary if it is missing or older than its sources (make's output goes to stderr:
 * stdout is the result's). The first build fetches the XS sources (npm).
 */
export function ensureXsHost(): void {
  if (!existsSync(XS_DRIVER)) throw new XsmlError(`${XS_DRIVER} is missing: run npm run build`);
  if (existsSync(XS_BINARY) && statSync(XS_BINARY).mtimeMs >= newestSource()) return;
  process.stderr.write('xsml: building the XS host (make -C hosts/xs) ...\n');
  const r = makeXsHost([], ['ignore', 2, 2]);
  if (r.error || r.status !== 0 || !existsSync(XS_BINARY)) {
    throw new XsmlError(`cannot build the XS host: make -C hosts/xs failed${r.error ? ` (${r.error.message})` : ''}; it needs gcc and make`);
  }
  // make found it up to date even if a source it does not use changed: no need to ask again.
  const now = new Date();
  utimesSync(XS_BINARY, now, now);
}

/**
 * Runs make in hosts/xs, one make at a time (flock on hosts/xs/build/.make.lock, when util-linux's
 * flock is there): two xsml processes may find the binary stale at once.
 */
export function makeXsHost(targets: string[], stdio: StdioOptions = 'pipe') {
  const make = ['make', '-C', XS_HOST_DIR, `-j${availableParallelism()}`, ...targets];
  mkdirSync(join(XS_HOST_DIR, 'build'), { recursive: true });
  const r = spawnSync('flock', [join(XS_HOST_DIR, 'build/.make.lock'), ...make], { stdio, encoding: 'utf8' });
  return (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? spawnSync(make[0], make.slice(1), { stdio, encoding: 'utf8' }) : r;
}

/** Runs the driver; its one JSON line parsed, or its error line as the XsmlError it was. */
export function runXsDriver(args: string[]): unknown {
  ensureXsHost();
  const r = spawnSync(XS_BINARY, [XS_DRIVER, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw new XsmlError(`cannot run the XS host ${XS_BINARY}: ${r.error.message}`);
  if (r.status !== 0) {
    for (const line of r.stderr.split('\n')) {
      const error = errorFromLine(line);
      if (error) throw error;
    }
    const why = r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
    throw new XsmlError(`the XS host failed (${why}): ${r.stderr.trim().replace(/\s*\n\s*/g, ' ')}`);
  }
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new XsmlError(`the XS host printed no JSON result: ${JSON.stringify(r.stdout.slice(0, 200))}`);
  }
}

export interface XsRunResult {
  outputs: { name: string; dtype: string; shape: number[]; data: number[]; quantization?: { scale: number; zeroPoint: number } }[];
  arenaBytes: number;
  invoke: { repeat: number; microseconds: number; kernelMicroseconds: number };
  executor: string;
  profile?: { op: number; name: string; microseconds: number }[];
}

export interface XsRunOptions {
  inputs: TensorView[] | null; // filled input views, written as raw files; null: zeros
  repeat: number;
  arenaBytes: number | null;
  exactWith: ExactWith;
  profile: boolean;
}

/** Runs `model` on XS, its inputs taken from the views' bytes. */
export function runOnXs(model: string, options: XsRunOptions): XsRunResult {
  const tmp = mkdtempSync(join(tmpdir(), 'xsml-xs-'));
  try {
    const args = ['run', model, '--repeat', String(options.repeat), '--exact-with', options.exactWith];
    if (options.arenaBytes !== null) args.push('--arena-bytes', String(options.arenaBytes));
    if (options.profile) args.push('--profile');
    (options.inputs ?? []).forEach((v, k) => {
      const file = join(tmp, `in${k}.bin`);
      writeFileSync(file, new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength));
      args.push('--input', file);
    });
    return runXsDriver(args) as XsRunResult;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export interface XsHotwordResult {
  detections: { label: string; score: number; timeMs: number }[];
  frames: number;
  inferences: number;
  frontEndMicroseconds: number; // totals
  modelMicroseconds: number;
  arenaBytes: number;
}

export interface XsGestureResult {
  gestures: { label: string; score: number; timeMs: number }[];
  samples: number;
  inferences: number;
  modelMicroseconds: number; // total
  arenaBytes: number;
}

/** Runs an app of hosts/xs/driver.ts (hotword, gesture) over raw samples with the given model files. */
function runAppOnXs(app: string, models: string[], samples: Uint8Array, exactWith: ExactWith): unknown {
  const tmp = mkdtempSync(join(tmpdir(), 'xsml-xs-'));
  try {
    const file = join(tmp, 'samples.raw');
    writeFileSync(file, samples);
    return runXsDriver([app, ...models, file, '--exact-with', exactWith]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The hotword app on XS over 16 kHz int16 samples (front end and keyword model files). */
export function hotwordOnXs(frontEnd: string, keywords: string, samples: Int16Array, exactWith: ExactWith): XsHotwordResult {
  return runAppOnXs('hotword', [frontEnd, keywords], new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), exactWith) as XsHotwordResult;
}

/** The gesture app on XS over float32 x, y, z samples. */
export function gestureOnXs(model: string, samples: Float32Array, exactWith: ExactWith): XsGestureResult {
  return runAppOnXs('gesture', [model], new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), exactWith) as XsGestureResult;
}
