// The bundle the XS engine runs (dist/xsml.js, built by `npm run build`) must be one self-contained
// ES module that uses only ECMAScript: no imports, no Node built-ins or host globals.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/golden.js';

const BUNDLE = join(ROOT, 'dist/xsml.js');
const HOST_GLOBALS = ['process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'TextDecoder',
  'TextEncoder', 'setTimeout', 'setInterval', 'setImmediate', 'console', 'document', 'fetch', 'performance'];

function identifiers(source: string): Set<string> {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, source);
  const found = new Set<string>();
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.Identifier) found.add(scanner.getTokenText());
    if (token === ts.SyntaxKind.ImportKeyword) found.add('import');
  }
  return found;
}

describe('the XS bundle', () => {
  const source = readFileSync(BUNDLE, 'utf8');

  it('imports nothing and names no host global', () => {
    const ids = identifiers(source);
    expect(ids.has('import')).toBe(false);
    expect(HOST_GLOBALS.filter((g) => ids.has(g))).toEqual([]);
  });

  it('runs a model in a context that has only ECMAScript built-ins', () => {
    // The module's export list becomes a plain object so the bundle can run as a script here.
    const script = source.replace(/^export \{([^}]*)\};?\s*$/m, (_, names) => `result = {${names}};`);
    const bytes = Array.from(readFileSync(join(ROOT, 'models/tflm/hello_world_float.tflite')));
    const context = vm.createContext({ result: null, bytes });
    vm.runInContext(`${script}
      const interp = new result.Interpreter(result.loadModel(new Uint8Array(bytes), 'hello_world_float'));
      interp.inputs[0].data[0] = 1;
      interp.invoke();
      result = interp.outputs[0].data[0];`, context);
    expect(context.result).toBeCloseTo(0.86304, 5); // TFLM's output for x = 1 (models/PROVENANCE.md)
  });
});
