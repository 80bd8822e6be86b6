/**
 * What kind of problem an XsmlError reports: stable strings a program may switch on (the message is
 * for people and may be reworded). Documented in README.md ("Errors").
 */
export type XsmlErrorCode =
  /** The bytes are not a readable TFLite / Circle flatbuffer: identifier, offsets, lengths, alignment. */
  | 'MALFORMED_MODEL'
  /** A readable model that cannot be right: indices, sizes, shapes, quantization, execution order. */
  | 'INVALID_MODEL'
  /** Operators (or operator versions) xsml does not implement; all of them are listed. */
  | 'UNSUPPORTED_OPERATOR'
  /** An implemented operator used with a type, option or quantization xsml does not run. */
  | 'UNSUPPORTED_FEATURE'
  /** The arena given is smaller than the plan needs; the message has the exact bytes needed. */
  | 'ARENA_TOO_SMALL'
  /** Input data of the wrong size, dtype or values; the message has what was expected and given. */
  | 'BAD_INPUT'
  /** The API or command line used wrongly: options, alignment of the buffers passed in, usage. */
  | 'BAD_ARGUMENT'
  /** A native executor refused a plan in its one-time check (a plan xsml's planner did not make). */
  | 'PLAN_REJECTED';

export const XSML_ERROR_CODES: readonly XsmlErrorCode[] = [
  'MALFORMED_MODEL', 'INVALID_MODEL', 'UNSUPPORTED_OPERATOR', 'UNSUPPORTED_FEATURE', 'ARENA_TOO_SMALL', 'BAD_INPUT',
  'BAD_ARGUMENT', 'PLAN_REJECTED',
];

/** Every error xsml raises on purpose: a code, and a message that names the model, op, tensor and expectation. */
export class XsmlError extends Error {
  readonly code: XsmlErrorCode;

  constructor(message: string, code: XsmlErrorCode = 'BAD_ARGUMENT') {
    super(message);
    this.name = 'XsmlError';
    this.code = code;
  }
}

/**
 * The one-line form hosts print an error in: `xsml: error (CODE): message` for an XsmlError,
 * `xsml: error: message` for anything else (newlines folded). errorFromLine reads it back.
 */
export function errorLine(e: unknown): string {
  const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
  return e instanceof XsmlError ? `xsml: error (${e.code}): ${message}` : `xsml: error: ${message}`;
}

/** The XsmlError of an errorLine (the code BAD_ARGUMENT if it has none), or null if `line` is not one. */
export function errorFromLine(line: string): XsmlError | null {
  const m = /^xsml: error(?: \(([A-Z_]+)\))?: (.*)$/.exec(line);
  if (!m) return null;
  const code = (XSML_ERROR_CODES as readonly string[]).includes(m[1]) ? (m[1] as XsmlErrorCode) : undefined;
  return new XsmlError(m[2], code);
}
