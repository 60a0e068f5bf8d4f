// A GGUF file on disk as a ByteSource: positioned reads through a FileHandle, so parsing a 40 GB
// model reads its header only. File-system failures become GgufError('io') with what to do.
import { open, type FileHandle } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseGgufHeader, type GgufParseOptions } from '../../core/gguf';
import { GgufError, type ByteSource, type GgufHeader } from '../../core/gguf-types';

export interface OpenGgufFile {
  readonly source: ByteSource;
  close(): Promise<void>;
}

function displayPath(path: string | URL): string {
  return path instanceof URL ? (path.protocol === 'file:' ? fileURLToPath(path) : path.href) : path;
}

function ioError(path: string | URL, error: unknown): GgufError {
  const shown = displayPath(path);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new GgufError(`no file at ${shown}: check the path (and that the download finished)`, 'io');
    case 'EISDIR':
      return new GgufError(`${shown} is a folder, not a file: pick the .gguf file inside it`, 'io');
    case 'EACCES':
    case 'EPERM':
      return new GgufError(`no permission to read ${shown}: change its permissions or copy it somewhere you can read`, 'io');
    case 'ENOTDIR':
      return new GgufError(`part of the path ${shown} is a file, not a folder: check the path`, 'io');
    case 'ENAMETOOLONG':
      return new GgufError(`the path ${shown} is too long: move the file to a shorter path`, 'io');
    case 'EMFILE':
    case 'ENFILE':
      return new GgufError(`too many files are open to read ${shown}: close some programs and try again`, 'io');
    default: {
      const detail = error instanceof Error ? error.message : String(error);
      return new GgufError(`could not read ${shown} (${detail}): check that the file and its disk are readable`, 'io');
    }
  }
}

/** Opens a file for parseGgufHeader. The caller must close() it. */
export async function openGgufFile(path: string | URL): Promise<OpenGgufFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw ioError(path, error);
  }
  let size: number;
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!stat.isFile()) {
      throw new GgufError(`${displayPath(path)} is not a regular file (a device, pipe or socket): pick a .gguf model file`, 'io');
    }
    size = stat.size;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error instanceof GgufError ? error : ioError(path, error);
  }

  const source: ByteSource = {
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const buffer = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      let filled = 0;
      try {
        while (filled < buffer.length) {
          const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, offset + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
      } catch (error) {
        throw ioError(path, error);
      }
      return filled === buffer.length ? buffer : buffer.subarray(0, filled);
    },
  };
  let closed = false;
  return {
    source,
    async close() {
      if (closed) return;
      closed = true;
      await handle.close().catch(() => undefined);
    },
  };
}

/** Opens, parses and closes a GGUF file (closed whatever happens). */
export async function readGgufHeader(path: string | URL, options?: GgufParseOptions): Promise<GgufHeader> {
  const file = await openGgufFile(path);
  try {
    return await parseGgufHeader(file.source, options);
  } finally {
    await file.close();
  }
}
