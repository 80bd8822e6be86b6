// Before any test: build the native executor's desktop runners (make -C native all asan), once, so
// that no two test files run make in native/ at once.
// A failed build fails only the tests that need it: they read the error through inject('nativeBuildError').
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT } from './support/golden.js';

declare module 'vitest' {
  export interface ProvidedContext {
    nativeBuildError: string; // '' if the build succeeded
  }
}

export default function setup(project: TestProject) {
  const r = spawnSync('make', ['-C', join(ROOT, 'native'), '--no-print-directory', 'all', 'asan'], { encoding: 'utf8' });
  const failed = r.error ? String(r.error) : r.status !== 0 ? `exit ${r.status}\n${r.stdout}${r.stderr}` : '';
  if (failed) process.stderr.write(`native-setup: make -C native all asan failed: ${failed}\n`);
  project.provide('nativeBuildError', failed ? `make -C native all asan failed: ${failed}` : '');
}
