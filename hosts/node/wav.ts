// Reading .wav files: RIFF/WAVE with 16-bit PCM samples (format 1, or WAVE_FORMAT_EXTENSIBLE with the
// PCM sub-format), mono or the first channel of several.
import { readFileSync } from 'node:fs';
import { XsmlError } from '../../src/index.js';

export interface Wav {
  sampleRate: number;
  channels: number;
  samples: Int16Array; // the first channel
}

/** Parses a WAV file's bytes; `name` is for errors. */
export function parseWav(bytes: Uint8Array, name: string): Wav {
  const fail = (message: string): never => { throw new XsmlError(`${name}: ${message}`, 'BAD_INPUT'); };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') fail('not a RIFF/WAVE file');
  let format: { channels: number; sampleRate: number; bits: number } | null = null;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at), size = view.getUint32(at + 4, true), body = at + 8;
    if (body + size > bytes.length && id !== 'data') fail(`chunk "${id}" of ${size} bytes runs past the end of the file`);
    if (id === 'fmt ') {
      if (size < 16) fail(`fmt chunk of ${size} bytes, expected 16 or more`);
      let code = view.getUint16(body, true);
      if (code === 0xfffe && size >= 26) code = view.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE
      const channels = view.getUint16(body + 2, true), sampleRate = view.getUint32(body + 4, true), bits = view.getUint16(body + 14, true);
      if (code !== 1) fail(`audio format ${code}, expected PCM (1)`);
      if (bits !== 16) fail(`${bits}-bit samples, expected 16-bit`);
      if (channels < 1) fail('no channels');
      format = { channels, sampleRate, bits };
    } else if (id === 'data') {
      if (!format) fail('the data chunk comes before the fmt chunk');
      const f = format!;
      const length = Math.min(size, bytes.length - body);
      const frames = Math.floor(length / (2 * f.channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = view.getInt16(body + 2 * f.channels * i, true);
      return { sampleRate: f.sampleRate, channels: f.channels, samples };
    }
    at = body + size + (size & 1);
  }
  return fail('no data chunk');
}

export function readWav(path: string): Wav {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new XsmlError(`cannot read ${path}: ${(e as Error).message}`, 'BAD_INPUT');
  }
  return parseWav(bytes, path);
}
