// Buffered little-endian reads over a ByteSource for the GGUF header parser (gguf.ts), and the
// wording its errors share: where the file ended, how large is too large, what to do about it.
import { KiB, MiB } from '../shared/units';
import { GgufError, type ByteSource } from './gguf-types';

// The first window is small (a small model's whole header fits), later ones grow to 1 MiB, so a
// header is read in a few calls and at most one window past its end is ever read.
const FIRST_WINDOW_BYTES = 64 * KiB;
const MAX_WINDOW_BYTES = MiB;

export const REDOWNLOAD = 'it was cut off while downloading, download it again';
export const DAMAGED = 'the file is damaged: download it again, or convert the model again with a current llama.cpp';

const utf8 = new TextDecoder('utf-8');

export function groupDigits(n: number | bigint): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function bytesText(n: number | bigint): string {
  return `${groupDigits(n)} bytes`;
}

/** Buffered little-endian reads over a ByteSource, with the position and the limits in one place. */
export class HeaderReader {
  pos = 0;
  private window: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(this.window.buffer);
  private windowStart = 0;
  private nextWindowBytes = FIRST_WINDOW_BYTES;

  constructor(
    private readonly source: ByteSource,
    readonly fileSize: number,
    readonly maxHeaderBytes: number,
  ) {}

  get remaining(): number {
    return this.fileSize - this.pos;
  }

  /** Whether `n` bytes at the position are already buffered. */
  has(n: number): boolean {
    return this.pos - this.windowStart + n <= this.window.length && this.pos >= this.windowStart;
  }

  /** Makes `n` bytes at the position available; `what` names the field for error messages. */
  async fill(n: number, what: string): Promise<void> {
    this.checkRoom(n, what);
    const length = Math.min(Math.max(n, this.nextWindowBytes), this.fileSize - this.pos);
    this.nextWindowBytes = Math.min(this.nextWindowBytes * 4, MAX_WINDOW_BYTES);
    let bytes: Uint8Array;
    try {
      bytes = await this.source.read(this.pos, length);
    } catch (error) {
      if (error instanceof GgufError) throw error;
      throw new GgufError(
        `could not read the file at byte ${groupDigits(this.pos)} (${errorText(error)}): check that the disk and file are readable`,
        'io',
      );
    }
    if (!(bytes instanceof Uint8Array) || bytes.length < n) {
      throw new GgufError(
        `the file ended early at byte ${groupDigits(this.pos + (bytes?.length ?? 0))} while reading ${what} (it is said to be ${bytesText(this.fileSize)}): it may be changing while being read; wait for the download or copy to finish and try again`,
        'truncated',
      );
    }
    this.window = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.windowStart = this.pos;
  }

  async ensure(n: number, what: string): Promise<void> {
    if (!this.has(n)) await this.fill(n, what);
  }

  /** Moves past `n` bytes without reading them. */
  skip(n: number, what: string): void {
    this.checkRoom(n, what);
    this.pos += n;
  }

  private checkRoom(n: number, what: string): void {
    if (this.pos + n > this.fileSize) throw this.truncated(what);
    if (this.pos + n > this.maxHeaderBytes) throw this.tooLarge(what);
  }

  truncated(what: string): GgufError {
    if (this.fileSize === 0) return new GgufError('the file is empty (0 bytes): the download failed; download it again', 'truncated');
    return new GgufError(
      `the file is ${bytesText(this.fileSize)} and ends inside its header (while reading ${what}): ${REDOWNLOAD}`,
      'truncated',
    );
  }

  tooLarge(what: string): GgufError {
    return new GgufError(
      `the GGUF header goes past ${bytesText(this.maxHeaderBytes)} (while reading ${what}): no real model has a header this large, so the file is probably damaged; download it again`,
      'too-large',
    );
  }

  /** A count or length that cannot fit in the bytes left: cut off if it could be genuine, damaged if absurd. */
  tooFewBytes(what: string, neededBytes: number | bigint): GgufError {
    if (neededBytes <= this.maxHeaderBytes) return this.truncated(what);
    return new GgufError(
      `${what} needs at least ${bytesText(neededBytes)} but only ${bytesText(this.remaining)} of the file are left: ${DAMAGED}`,
      'corrupt',
    );
  }

  /** `n` buffered bytes at the position, without moving past them. */
  peek(n: number): Uint8Array {
    const offset = this.pos - this.windowStart;
    return this.window.subarray(offset, offset + n);
  }

  // Sync reads: the caller has made the bytes available with has()/ensure().
  private at(n: number): number {
    const offset = this.pos - this.windowStart;
    this.pos += n;
    return offset;
  }
  u8(): number {
    return this.view.getUint8(this.at(1));
  }
  i8(): number {
    return this.view.getInt8(this.at(1));
  }
  u16(): number {
    return this.view.getUint16(this.at(2), true);
  }
  i16(): number {
    return this.view.getInt16(this.at(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.at(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.at(4), true);
  }
  f32(): number {
    return this.view.getFloat32(this.at(4), true);
  }
  f64(): number {
    return this.view.getFloat64(this.at(8), true);
  }
  u64big(): bigint {
    return this.view.getBigUint64(this.at(8), true);
  }
  i64big(): bigint {
    return this.view.getBigInt64(this.at(8), true);
  }
  /** A uint64 as a number; beyond 2^53 it is only approximately right, which is enough to compare against limits. */
  u64approx(): number {
    const offset = this.at(8);
    return this.view.getUint32(offset, true) + this.view.getUint32(offset + 4, true) * 0x1_0000_0000;
  }
  /** The uint64 just read, exactly (for messages about absurd lengths). */
  previousU64(): bigint {
    return this.view.getBigUint64(this.pos - this.windowStart - 8, true);
  }
  u64value(): number | bigint {
    const offset = this.at(8);
    const high = this.view.getUint32(offset + 4, true);
    if (high < 0x20_0000) return this.view.getUint32(offset, true) + high * 0x1_0000_0000;
    return this.view.getBigUint64(offset, true);
  }
  i64value(): number | bigint {
    const value = this.view.getBigInt64(this.at(8), true);
    return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
  }
  /** Decodes `n` buffered bytes as UTF-8 (invalid sequences become U+FFFD, as llama.cpp does not check either). */
  utf8(n: number): string {
    const offset = this.at(n);
    const bytes = this.window.subarray(offset, offset + n);
    if (n <= 24) {
      let ascii = true;
      for (let i = 0; i < n; i++) {
        if (bytes[i]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode(...bytes);
    }
    return utf8.decode(bytes);
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
