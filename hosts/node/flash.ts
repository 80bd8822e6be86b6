// `xsml flash --board NAME [--app APP] [--dry-run]` and `xsml monitor --board NAME [--dry-run]`:
// build an STM32 board's firmware (hosts/<board>/, hosts/stm32/stm32.mk), write it to the board
// through its ST-LINK with OpenOCD (Debian package openocd) or st-flash (stlink-tools), and open
// the console the ST-LINK's virtual COM port carries (115200 baud). --dry-run prints exactly the
// commands that would run and runs none of them.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XsmlError } from '../../src/errors.js';
import { PACKAGE_ROOT as ROOT } from './board-host.js';

interface StBoard {
  /** OpenOCD's configuration for the board (its scripts/board/ folder). */
  openocd: string;
  /** What the console USART is wired to. */
  console: string;
}

export const STM32_BOARDS: Record<string, StBoard> = {
  'nucleo-f767zi': { openocd: 'board/st_nucleo_f7.cfg', console: 'USART3 (PD8/PD9) on the ST-LINK virtual COM port' },
  'stm32f746g-disco': { openocd: 'board/stm32f7discovery.cfg', console: 'USART1 (PA9/PB7) on the ST-LINK virtual COM port' },
  netduinoplus2: { openocd: 'board/stm32f4discovery.cfg', console: 'USART1 (PA9/PA10): a 3.3 V USB serial adapter; flashing through an ST-LINK on its SWD pads' },
};
const APPS = ['sine', 'gesture'];
const ST_VENDOR = '0483'; // STMicroelectronics' USB vendor ID: the ST-LINK

export interface BoardCommandArgs {
  command: 'flash' | 'monitor';
  board: string;
  app: string;
  dryRun: boolean;
  make: string[]; // extra make settings: ARENA=sdram, ARENA_BYTES=N, ...
}

export function parseBoardArgs(argv: string[]): BoardCommandArgs {
  const args: BoardCommandArgs = { command: argv[0] as 'flash' | 'monitor', board: '', app: 'sine', dryRun: false, make: [] };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new XsmlError(`${a} needs a value`, 'BAD_ARGUMENT');
      return argv[++i];
    };
    if (a === '--board') args.board = value();
    else if (a === '--app') args.app = value();
    else if (a === '--dry-run') args.dryRun = true;
    else if (a === '--verbose') continue;
    else if (/^[A-Z_]+=/.test(a)) args.make.push(a);
    else throw new XsmlError(`${args.command}: unknown option ${a}`, 'BAD_ARGUMENT');
  }
  if (!STM32_BOARDS[args.board]) {
    throw new XsmlError(`${args.command}: --board must be one of ${Object.keys(STM32_BOARDS).join(', ')}${args.board ? `, got ${args.board}` : ''}`, 'BAD_ARGUMENT');
  }
  if (!APPS.includes(args.app)) throw new XsmlError(`${args.command}: --app must be one of ${APPS.join(', ')}, got ${args.app}`, 'BAD_ARGUMENT');
  return args;
}

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** USB devices of ST's vendor ID (the ST-LINK of a Nucleo or Discovery board). */
function stlinkAttached(): boolean {
  const usb = '/sys/bus/usb/devices';
  if (!existsSync(usb)) return false;
  return readdirSync(usb).some((d) => {
    try {
      return readFileSync(join(usb, d, 'idVendor'), 'utf8').trim() === ST_VENDOR;
    } catch {
      return false;
    }
  });
}

/** The ST-LINK's virtual COM port, if one is attached. */
function consolePort(): string | null {
  const byId = '/dev/serial/by-id';
  if (existsSync(byId)) {
    const st = readdirSync(byId).find((n) => /STM|ST-LINK|STLink/i.test(n));
    if (st) return join(byId, st);
  }
  return existsSync('/dev/ttyACM0') ? '/dev/ttyACM0' : null;
}

function run(argv: string[], dryRun: boolean): void {
  console.log(argv.map(quote).join(' '));
  if (dryRun) return;
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit' });
  if (r.error) throw new XsmlError(`${argv[0]}: ${r.error.message}`, 'BAD_ARGUMENT');
  if (r.status !== 0) throw new XsmlError(`${argv.map(quote).join(' ')} failed (exit ${r.status})`, 'BAD_ARGUMENT');
}

export function flash(args: BoardCommandArgs): void {
  const board = STM32_BOARDS[args.board];
  const elf = `${ROOT}/build/mps2/${args.board}/Os-flash/${args.app}.elf`;
  const build = ['make', '-C', `${ROOT}/hosts/${args.board}`, ...args.make, args.app, `${ROOT}/build/mps2/${args.board}/Os-flash/${args.app}.bin`];
  // OpenOCD writes the ELF (its sections where they belong, verified); st-flash the raw image at
  // the start of flash.
  const write = has('openocd') || !has('st-flash')
    ? ['openocd', '-f', board.openocd, '-c', `program ${elf} verify reset exit`]
    : ['st-flash', '--reset', 'write', elf.replace(/\.elf$/, '.bin'), '0x08000000'];
  if (!args.dryRun) {
    if (!has(write[0])) throw new XsmlError(`flash: neither openocd nor st-flash is installed (Debian packages openocd, stlink-tools)`, 'BAD_ARGUMENT');
    if (!stlinkAttached()) {
      throw new XsmlError(`flash: no ST-LINK on USB (vendor ${ST_VENDOR}): connect the ${args.board}'s ST-LINK USB port` +
        ` (console: ${board.console}); --dry-run shows the commands`, 'BAD_ARGUMENT');
    }
  }
  run(build, args.dryRun);
  run(write, args.dryRun);
  if (!args.dryRun) console.log(`flashed ${args.app} to the ${args.board}; its console: xsml monitor --board ${args.board}`);
}

export function monitor(args: BoardCommandArgs): void {
  const port = consolePort();
  if (!port && !args.dryRun) {
    throw new XsmlError(`monitor: no serial port of an ST-LINK (/dev/serial/by-id/*STLink*, /dev/ttyACM0): connect the ${args.board}` +
      ` (${STM32_BOARDS[args.board].console})`, 'BAD_ARGUMENT');
  }
  const device = port ?? '/dev/ttyACM0';
  if (has('picocom')) {
    run(['picocom', '--baud', '115200', '--imap', 'lfcrlf', device], args.dryRun);
  } else {
    run(['stty', '-F', device, '115200', 'raw', '-echo'], args.dryRun);
    run(['cat', device], args.dryRun);
  }
}

/** `xsml flash ...` / `xsml monitor ...`: returns the exit status. */
export function boardCommand(argv: string[]): number {
  const args = parseBoardArgs(argv);
  if (args.command === 'flash') flash(args);
  else monitor(args);
  return 0;
}
