// The first bytes of a file: a GGUF magic and a version llama.cpp loads, or a message that says what
// the file is instead (a web page, a Git LFS pointer, a checkpoint, a pre-GGUF model) and what to do.
import { GGUF_MAGIC, GGUF_VERSION, GgufError } from './gguf-types';
import { DAMAGED, groupDigits, type HeaderReader } from './gguf-header-reader';

// Pre-GGUF formats (llama.cpp before August 2023), stored as a little-endian uint32.
const OLD_MAGICS: ReadonlyMap<number, string> = new Map([
  [0x67676d6c, 'GGML'],
  [0x67676d66, 'GGMF'],
  [0x67676a74, 'GGJT'],
  [0x67676c61, 'GGLA'],
  [0x6767736e, 'GGSN'],
]);

function describeStart(bytes: Uint8Array): string {
  const shown = Array.from(bytes.subarray(0, 8), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  const hex = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `"${shown}" (${hex})`;
}

/** Recognises what people commonly download instead of a GGUF, to say what to do. */
function notGgufHint(bytes: Uint8Array): string {
  const text = String.fromCharCode(...bytes.subarray(0, 64))
    .trimStart()
    .toLowerCase();
  if (text.startsWith('<!doctype') || text.startsWith('<html')) {
    return 'it is a web page, not a model: download the file itself (on Hugging Face, the "download" link of the .gguf file)';
  }
  if (text.startsWith('version https://git-lfs')) {
    return 'it is a Git LFS pointer, not the model: run `git lfs pull` or download the .gguf file directly';
  }
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    return "it is a zip archive (a PyTorch checkpoint?): convert the model with llama.cpp's convert_hf_to_gguf.py, or download a .gguf build";
  }
  if (bytes.length >= 9 && bytes[8] === 0x7b && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) {
    return "it looks like a safetensors file: convert it with llama.cpp's convert_hf_to_gguf.py, or download a .gguf build";
  }
  return 'pick a .gguf model file, or download it again if this one should be one';
}

/** Above this a version field is not a version: no GGUF writer has come near it. */
const MAX_PLAUSIBLE_GGUF_VERSION = 255;

export async function readMagicAndVersion(r: HeaderReader): Promise<2 | 3> {
  const startLength = Math.min(64, r.fileSize);
  if (startLength > 0) await r.ensure(startLength, 'the GGUF magic');
  const start = r.peek(startLength);
  if (r.fileSize < 4) {
    if (start.every((b, i) => b === 'GGUF'.charCodeAt(i))) throw r.truncated('the GGUF magic');
    throw new GgufError(`not a GGUF file (starts with ${describeStart(start)}): ${notGgufHint(start)}`, 'not-gguf');
  }
  const magic = r.u32();
  if (magic !== GGUF_MAGIC) {
    const old = OLD_MAGICS.get(magic);
    if (old) {
      throw new GgufError(
        `not a GGUF file: it is in the old ${old} format that llama.cpp used before GGUF (2023) and no longer loads: download a GGUF build of the model, or convert it with llama.cpp's convert_llama_ggml_to_gguf.py`,
        'not-gguf',
      );
    }
    throw new GgufError(`not a GGUF file (starts with ${describeStart(start)}): ${notGgufHint(start)}`, 'not-gguf');
  }
  await r.ensure(4, 'the GGUF version');
  const version = r.u32();
  if (version === 0) throw new GgufError(`the GGUF version is 0, which no GGUF writer produces: ${DAMAGED}`, 'corrupt');
  if ((version & 0xffff) === 0) {
    throw new GgufError(
      `the GGUF version reads as ${groupDigits(version)}: the file is big-endian (made for s390x and similar machines); download the little-endian build of the model`,
      'unsupported-version',
    );
  }
  if (version === 1) {
    throw new GgufError(
      'the file is GGUF version 1, which llama.cpp no longer loads: download a newer build of the model, or convert it again with a current llama.cpp',
      'unsupported-version',
    );
  }
  // GGUF went from version 1 to 3 in three years: a number in the millions is text or damage where the version belongs
  // (a file that starts "GGUF" and then anything), not a newer format to update for.
  if (version > MAX_PLAUSIBLE_GGUF_VERSION)
    throw new GgufError(`the GGUF version reads as ${groupDigits(version)}, which no GGUF writer produces: ${DAMAGED}`, 'corrupt');
  if (version > GGUF_VERSION) {
    throw new GgufError(
      `the file is GGUF version ${version}, newer than the versions this rightsize reads (2 and 3): update rightsize, or download a build of the model in GGUF version 3`,
      'unsupported-version',
    );
  }
  return version as 2 | 3;
}
