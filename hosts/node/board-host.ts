// Running models on the emulated MPS2 boards from Node: the runner firmware of each board
// (build/mps2/BOARD/Os/runner.elf, built by `make -C hosts/BOARD runner` the first time it is needed
// or when its sources change) boots in QEMU with a job placed in its LOAD region by QEMU's
// `-device loader`: the models and the raw inputs, read in place (hosts/mps2/main.c describes the
// format, hosts/mps2/apps/runner.ts runs it). Each run prints one JSON line, or its error's line.
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XsmlError, errorFromLine, type ExactWith, type XsmlErrorCode } from '../../src/index.js';

/** The package root: the nearest folder above this file with a package.json (from dist/ or from the sources). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
export const PACKAGE_ROOT = packageRoot();

export interface Board {
  name: string;
  cpu: string;
  /** The LOAD region of its linker script (hosts/mps2-BOARD/mps2-BOARD.ld). */
  loadAddress: number;
  loadBytes: number;
}

export const BOARDS: Record<string, Board> = {
  'mps2-an386': { name: 'mps2-an386', cpu: 'Cortex-M4F', loadAddress: 0x00200000, loadBytes: 2 << 20 },
  'mps2-an500': { name: 'mps2-an500', cpu: 'Cortex-M7', loadAddress: 0x00200000, loadBytes: 2 << 20 },
};
export const DEFAULT_BOARD = 'mps2-an386';

export const MPS2_DIR = join(PACKAGE_ROOT, 'hosts/mps2');
export const RUN_SH = join(MPS2_DIR, 'run.sh');
export const OPT = 'Os';

/** The firmware of an app (runner, demo, ...) of a board, as `make -C hosts/BOARD APP` builds it. */
export function firmwarePath(board: string, app = 'runner'): string {
  return join(PACKAGE_ROOT, 'build/mps2', board, OPT, `${app}.elf`);
}

function boardOf(name: string): Board {
  const board = BOARDS[name];
  if (!board) throw new XsmlError(`unknown board ${JSON.stringify(name)}: available boards are ${Object.keys(BOARDS).join(', ')}`);
  return board;
}

/** The newest modification time of what the firmware is built from (C, linker scripts, TypeScript, makefiles). */
function newestSource(board: string): number {
  let newest = 0;
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) { if (e.name !== 'build' && e.name !== 'node_modules') walk(path); }
      else if (/\.(c|h|S|ld|ts|mk|mjs|json|sh)$|^Makefile$/.test(e.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of ['src', 'native', 'hosts/mps2', `hosts/${board}`]) walk(join(PACKAGE_ROOT, dir));
  for (const file of ['hosts/xs/native-executor.ts', 'hosts/xs/xs-host.d.ts']) {
    const path = join(PACKAGE_ROOT, file);
    if (existsSync(path)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Runs make for a board, one make at a time for all boards (flock on build/mps2/.make.lock when
 * util-linux's flock is there): the boards share the compiled JavaScript and the desktop compiler.
 */
export function makeBoard(board: string, targets: string[], stdio: StdioOptions = 'pipe') {
  const make = makeCommand(board, targets);
  mkdirSync(join(PACKAGE_ROOT, 'build/mps2'), { recursive: true });
  const r = spawnSync('flock', [join(PACKAGE_ROOT, 'build/mps2/.make.lock'), ...make], { stdio, encoding: 'utf8' });
  return (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? spawnSync(make[0], make.slice(1), { stdio, encoding: 'utf8' }) : r;
}

/**
 * The XS sources, fetched under the XS host's make lock (hosts/node/xs-host.ts, test/xs.test.ts):
 * both hosts build from them, and a first build of each may start at once.
 */
const XS_STAMP = () => join(PACKAGE_ROOT, 'hosts/xs/build/moddable/xs/.extracted-xsnap-0.15.0');
function fetchXsCommand(): string[] {
  mkdirSync(join(PACKAGE_ROOT, 'hosts/xs/build'), { recursive: true });
  return ['flock', join(PACKAGE_ROOT, 'hosts/xs/build/.make.lock'), 'sh', join(PACKAGE_ROOT, 'hosts/xs/fetch-xs.sh')];
}

function makeCommand(board: string, targets: string[]): string[] {
  return ['make', '-C', join(PACKAGE_ROOT, 'hosts', board), `-j${availableParallelism()}`, ...targets];
}

/** Whether a board's firmware of `app` is missing or older than its sources. */
export function firmwareIsStale(boardName: string, app = 'runner'): boolean {
  const elf = firmwarePath(boardOf(boardName).name, app);
  return !existsSync(elf) || statSync(elf).mtimeMs < newestSource(boardName);
}

/** make found the firmware up to date even if a source it does not use changed: no need to ask again. */
function touch(path: string): void {
  const now = new Date();
  utimesSync(path, now, now);
}

function buildFailed(board: string, app: string, why: string): XsmlError {
  return new XsmlError(`cannot build the ${board} firmware: make -C hosts/${board} ${app} failed${why}; it needs arm-none-eabi-gcc, newlib and make (sh tools/setup.sh)`);
}

/** Builds a board's firmware of `app` if it is missing or stale (make's output to stderr); its path. */
export function ensureFirmware(boardName: string, app = 'runner'): string {
  const board = boardOf(boardName);
  const elf = firmwarePath(board.name, app);
  if (!firmwareIsStale(board.name, app)) return elf;
  process.stderr.write(`xsml: building the ${board.name} firmware (make -C hosts/${board.name} ${app}) ...\n`);
  if (!existsSync(XS_STAMP())) {
    const fetch = fetchXsCommand();
    const f = spawnSync(fetch[0], fetch.slice(1), { stdio: ['ignore', 2, 2] });
    if ((f.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') spawnSync(fetch[2], fetch.slice(3), { stdio: ['ignore', 2, 2] });
  }
  const r = makeBoard(board.name, [app], ['ignore', 2, 2]);
  if (r.error || r.status !== 0 || !existsSync(elf)) throw buildFailed(board.name, app, r.error ? ` (${r.error.message})` : '');
  touch(elf);
  return elf;
}

/** ensureFirmware without blocking the event loop (for tests and benchmarks); make's output is in the error. */
export async function ensureFirmwareAsync(boardName: string, app = 'runner'): Promise<string> {
  const board = boardOf(boardName);
  const elf = firmwarePath(board.name, app);
  if (!firmwareIsStale(board.name, app)) return elf;
  mkdirSync(join(PACKAGE_ROOT, 'build/mps2'), { recursive: true });
  if (!existsSync(XS_STAMP())) {
    const fetch = fetchXsCommand();
    const f = await execAsync(fetch[0], fetch.slice(1));
    if (f.notFound) await execAsync(fetch[2], fetch.slice(3));
  }
  const make = makeCommand(board.name, [app]);
  let r = await execAsync('flock', [join(PACKAGE_ROOT, 'build/mps2/.make.lock'), ...make]);
  if (r.notFound) r = await execAsync(make[0], make.slice(1));
  if (r.status !== 0 || !existsSync(elf)) throw buildFailed(board.name, app, `:\n${r.stdout}\n${r.stderr}`);
  touch(elf);
  return elf;
}

function execAsync(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string; notFound: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? resolve({ status: null, stdout, stderr, notFound: true }) : reject(e)));
    child.on('close', (status) => resolve({ status, stdout, stderr, notFound: false }));
  });
}

/** One model run of a job. */
export interface BoardRun {
  name: string; // the model's name in messages (its file's base name)
  model: Uint8Array;
  inputs: Uint8Array[]; // raw little-endian bytes per model input; none: zeros
  repeat: number;
  arenaBytes: number | null; // null: the board's whole static arena
  exactWith: ExactWith;
  profile: boolean;
}

const JOB_MAGIC = 0x314a5358; // "XSJ1"
const JOB_PROFILE = 1;
const JOB_TFLM = 2;
const JOB_WHOLE_ARENA = 0xffffffff;

/** The job's bytes (hosts/mps2/main.c): a header of uint32 words, then the models (each once) and inputs. */
export function writeJob(runs: BoardRun[], board: Board): Uint8Array {
  const headerWords = 3 + runs.reduce((n, r) => n + 8 + 2 * r.inputs.length, 0);
  let at = headerWords * 4;
  const pieces: { at: number; bytes: Uint8Array }[] = [];
  const place = (bytes: Uint8Array, align: number) => {
    at = Math.ceil(at / align) * align;
    const where = at;
    pieces.push({ at, bytes });
    at += bytes.byteLength;
    return where;
  };
  const models = new Map<Uint8Array, number>();
  const words: number[] = [JOB_MAGIC, 0, runs.length];
  for (const r of runs) {
    const name = new TextEncoder().encode(r.name);
    let model = models.get(r.model);
    if (model === undefined) models.set(r.model, (model = place(r.model, 16)));
    const nameAt = place(name, 1);
    words.push((r.profile ? JOB_PROFILE : 0) | (r.exactWith === 'tflm' ? JOB_TFLM : 0), r.repeat,
      r.arenaBytes === null ? JOB_WHOLE_ARENA : r.arenaBytes, nameAt, name.byteLength, model, r.model.byteLength, r.inputs.length);
    for (const input of r.inputs) words.push(place(input, 16), input.byteLength);
  }
  return finishJob(words, pieces, at, board, 'the models and inputs');
}

/** A recording for an app on the board, with the app's models (hosts/mps2/apps/stream.ts). */
export interface BoardRecording {
  app: 'hotword' | 'gesture';
  name: string; // the recording's file name, for messages
  data: Uint8Array; // hotword: 16 kHz int16 samples; gesture: float32 x, y, z
  models: Uint8Array[]; // hotword: the front end and the keyword model; gesture: the gesture model
  exactWith: ExactWith;
}

const REC_MAGIC = 0x31525358; // "XSR1"
const REC_APPS = { hotword: 1, gesture: 2 };

/** The job's bytes for recordings (hosts/mps2/main.c): a header of uint32 words, then names, data and models (each once). */
export function writeRecordingJob(recordings: BoardRecording[], board: Board): Uint8Array {
  let at = (3 + 10 * recordings.length) * 4;
  const pieces: { at: number; bytes: Uint8Array }[] = [];
  const placed = new Map<Uint8Array, number>();
  const place = (bytes: Uint8Array, align: number) => {
    const known = placed.get(bytes);
    if (known !== undefined) return known;
    at = Math.ceil(at / align) * align;
    const where = at;
    pieces.push({ at, bytes });
    placed.set(bytes, at);
    at += bytes.byteLength;
    return where;
  };
  const words: number[] = [REC_MAGIC, 0, recordings.length];
  for (const r of recordings) {
    const name = new TextEncoder().encode(r.name);
    words.push(REC_APPS[r.app], r.exactWith === 'tflm' ? JOB_TFLM : 0, place(name, 1), name.byteLength, place(r.data, 4), r.data.byteLength);
    for (let k = 0; k < 2; k++) {
      const m = r.models[k];
      words.push(m ? place(m, 16) : 0, m ? m.byteLength : 0);
    }
  }
  return finishJob(words, pieces, at, board, 'the recordings and models');
}

function finishJob(words: number[], pieces: { at: number; bytes: Uint8Array }[], end: number, board: Board, what: string): Uint8Array {
  const total = Math.ceil(end / 4) * 4;
  if (total > board.loadBytes) {
    throw new XsmlError(`${what} take ${total} bytes: more than the ${board.name} firmware's LOAD region of ${board.loadBytes} bytes`);
  }
  words[1] = total;
  const job = new Uint8Array(total);
  const view = new DataView(job.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w >>> 0, true));
  for (const p of pieces) job.set(p.bytes, p.at);
  return job;
}

/** What an app did with a recording on the board (hosts/mps2/apps/stream.ts, StreamReport). */
export interface BoardStreamReport {
  app: 'hotword' | 'gesture';
  recording: string;
  host: string;
  found: { label: string; score: number; timeMs: number }[];
  steps: number;
  inferences: number;
  frontEndInstructions: number;
  modelInstructions: number;
  maxStepInstructions: number;
  budgetInstructions: number;
  memory: { arenaBytes: number; planBytes: number; heapBytes: number };
  prepareInstructions: number;
}

export interface BoardStreamBoot {
  status: number | null;
  /** Per recording: its report and the console lines it printed before it (the detections), or its error. */
  results: ({ ok: true; report: BoardStreamReport; lines: string[] } | BoardError)[];
  log: string[];
}

/** Runs the recordings through their apps on a board (one boot of the runner firmware). */
export async function streamOnBoardAsync(boardName: string, recordings: BoardRecording[]): Promise<BoardStreamBoot> {
  const board = boardOf(boardName);
  const elf = await ensureFirmwareAsync(board.name);
  return parseStreamBoot(board, recordings.length, await bootFirmwareAsync(board.name, elf, writeRecordingJob(recordings, board)));
}

/** streamOnBoardAsync, blocking (for the CLI). */
export function streamOnBoard(boardName: string, recordings: BoardRecording[]): BoardStreamBoot {
  const board = boardOf(boardName);
  const elf = ensureFirmware(board.name);
  return parseStreamBoot(board, recordings.length, bootFirmware(board.name, elf, writeRecordingJob(recordings, board)));
}

function parseStreamBoot(board: Board, count: number, boot: Boot): BoardStreamBoot {
  const results: BoardStreamBoot['results'] = [];
  const log: string[] = [];
  let lines: string[] = [];
  for (const line of boot.lines) {
    if (line.startsWith('{"app":')) {
      results.push({ ok: true, report: JSON.parse(line), lines });
      lines = [];
    } else if (errorFromLine(line)) {
      const e = errorFromLine(line)!;
      results.push({ ok: false, error: e.message, code: e.code });
      lines = [];
    } else if (/^(Heard|Gesture) /.test(line)) lines.push(line);
    else if (line !== '') log.push(line);
  }
  if (results.length !== count) {
    const why = boot.status === 124 ? 'QEMU timed out' : `exit status ${boot.status}`;
    const tail = [...log.slice(-6), boot.stderr.trim()].filter((l) => l).join(' | ');
    throw new XsmlError(`the ${board.name} firmware stopped after ${results.length} of ${count} recordings (${why}): ${tail}`);
  }
  return { status: boot.status, log, results };
}

/** A run's result: the JSON the runner printed, or its error line. */
/** A run the board refused: the message and code of the XsmlError it raised. */
export interface BoardError { ok: false; error: string; code: XsmlErrorCode }

export type BoardResult = { ok: true; json: BoardJson } | BoardError;

export interface BoardJson {
  model: string;
  host: string;
  outputs: { name: string; dtype: string; shape: number[]; data: number[]; quantization?: { scale: number; zeroPoint: number } }[];
  arenaBytes: number;
  invoke: { repeat: number; microseconds: number };
  instructions: number;
  profile?: { op: number; name: string; microseconds: number; instructions: number; share: number }[];
  executor: string;
  instructionsEach: number[]; // of the first 100 inferences
  prepareInstructions: number; // loadModel and new Interpreter: check, plan, native prepare
  memory: Record<string, number>;
}

export interface BoardBoot {
  status: number | null;
  /** The console's lines that are not results: the boot and memory reports. */
  log: string[];
  results: BoardResult[];
}

export interface Boot {
  status: number | null;
  lines: string[]; // the console's
  stderr: string; // QEMU's own
}

/** The arguments of hosts/mps2/run.sh for a firmware, with the job file in the LOAD region if given. */
function runArgs(board: Board, elf: string, jobFile: string | null): string[] {
  return [RUN_SH, board.name, elf, ...(jobFile ? ['-device', `loader,file=${jobFile},addr=0x${board.loadAddress.toString(16)}`] : [])];
}

function withJobFile<T>(job: Uint8Array | null, use: (file: string | null) => T): T {
  if (!job) return use(null);
  const tmp = mkdtempSync(join(tmpdir(), 'xsml-board-'));
  const file = join(tmp, 'job.bin');
  writeFileSync(file, job);
  const done = () => rmSync(tmp, { recursive: true, force: true });
  let result: T;
  try {
    result = use(file);
  } catch (e) {
    done();
    throw e;
  }
  if (result instanceof Promise) return result.finally(done) as T;
  done();
  return result;
}

const qemuEnv = (timeoutSeconds: number) => ({ ...process.env, XSML_QEMU_TIMEOUT: String(timeoutSeconds) });
const noQemu = (board: Board, message: string) => new XsmlError(`cannot run QEMU for ${board.name}: ${message} (sh tools/setup.sh installs qemu-system-arm)`);

/** Boots a firmware in QEMU (hosts/mps2/run.sh), with a job in its LOAD region if given. */
export function bootFirmware(boardName: string, elf: string, job: Uint8Array | null, timeoutSeconds = 600): Boot {
  const board = boardOf(boardName);
  return withJobFile(job, (file) => {
    const r = spawnSync('sh', runArgs(board, elf, file), { encoding: 'utf8', maxBuffer: 1 << 30, env: qemuEnv(timeoutSeconds) });
    if (r.error) throw noQemu(board, r.error.message);
    return { status: r.status, lines: r.stdout.split(/\r?\n/), stderr: r.stderr };
  });
}

/** bootFirmware without blocking the event loop. */
export function bootFirmwareAsync(boardName: string, elf: string, job: Uint8Array | null, timeoutSeconds = 600): Promise<Boot> {
  const board = boardOf(boardName);
  return withJobFile(job, async (file) => {
    const r = await execAsync('sh', runArgs(board, elf, file), qemuEnv(timeoutSeconds));
    if (r.notFound) throw noQemu(board, 'sh not found');
    return { status: r.status, lines: r.stdout.split(/\r?\n/), stderr: r.stderr };
  });
}

/** Runs the runs on a board (one boot): a result per run, in order. */
export function runOnBoard(boardName: string, runs: BoardRun[]): BoardBoot {
  const board = boardOf(boardName);
  const elf = ensureFirmware(board.name);
  return parseBoot(board, runs, bootFirmware(board.name, elf, writeJob(runs, board)));
}

/** runOnBoard without blocking the event loop. */
export async function runOnBoardAsync(boardName: string, runs: BoardRun[]): Promise<BoardBoot> {
  const board = boardOf(boardName);
  const elf = await ensureFirmwareAsync(board.name);
  return parseBoot(board, runs, await bootFirmwareAsync(board.name, elf, writeJob(runs, board)));
}

/** JSON.parse's reviver for a run's line: the values the runner wrote as "NaN", "Infinity" or "-Infinity", in arrays. */
function nonFinite(this: unknown, _key: string, v: unknown): unknown {
  return Array.isArray(this) && (v === 'NaN' || v === 'Infinity' || v === '-Infinity') ? Number(v) : v;
}

function parseBoot(board: Board, runs: BoardRun[], boot: Boot): BoardBoot {
  const results: BoardResult[] = [];
  const log: string[] = [];
  for (const line of boot.lines) {
    if (line.startsWith('{"model":')) results.push({ ok: true, json: JSON.parse(line, nonFinite) });
    else if (errorFromLine(line)) {
      const e = errorFromLine(line)!;
      results.push({ ok: false, error: e.message, code: e.code });
    }
    else if (line !== '') log.push(line);
  }
  if (results.length !== runs.length) {
    // The firmware stopped before its last result: an XS abort (2), a fault (3) or QEMU's timeout (124).
    const why = boot.status === 124 ? 'QEMU timed out' : `exit status ${boot.status}`;
    const tail = [...log.slice(-6), boot.stderr.trim()].filter((l) => l).join(' | ');
    throw new XsmlError(`the ${board.name} firmware stopped after ${results.length} of ${runs.length} runs (${why}): ${tail}`);
  }
  return { status: boot.status, log, results };
}

/** Runs one model on a board, as `xsml run --host BOARD` does: its JSON, or its error as an XsmlError. */
export function runModelOnBoard(boardName: string, modelPath: string, model: Uint8Array, options: Omit<BoardRun, 'name' | 'model'>): BoardJson {
  const { results } = runOnBoard(boardName, [{ name: basename(modelPath), model, ...options }]);
  const r = results[0];
  if (!r.ok) throw new XsmlError(r.error, r.code);
  return r.json;
}
