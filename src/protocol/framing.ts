import { assert } from '../util/assert';
import { int32At } from './bytes';
import { Limits } from './constants';
import { ProtocolError } from './errors';

/** Options of a {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest payload accepted, in bytes (default `jute.maxbuffer`, 1 048 575). */
  frameBytesMax?: number;
}

/**
 * Incremental decoder of length-prefixed frames (`int32 length` + payload). Takes bytes in
 * any chunking; a frame wholly inside one chunk is returned as a view (no copy), a frame
 * spread over chunks is joined once, when complete. A negative or oversized length is a
 * {@link ProtocolError} and the decoder stays failed: the stream cannot be resynchronised.
 *
 * ```ts
 * decoder.push(chunk);
 * for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) handle(frame);
 * ```
 */
export class FrameDecoder {
  readonly frameBytesMax: number;
  private chunks: Buffer[] = [];
  /** Offset of the first unread byte in `chunks[0]`. */
  private head = 0;
  private buffered = 0;
  /** Payload length of the frame being assembled, or -1 until its prefix is read. */
  private pendingLength = -1;
  private failure: ProtocolError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.frameBytesMax = options.frameBytesMax ?? Limits.packetBytesMax;
    assert(this.frameBytesMax >= 0, 'frameBytesMax must be non-negative');
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (this.failure !== undefined) throw this.failure;
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame's payload, or `undefined` until more bytes arrive. */
  next(): Buffer | undefined {
    if (this.failure !== undefined) throw this.failure;
    if (this.pendingLength === -1) {
      if (this.buffered < 4) return undefined;
      const length = this.readPrefix();
      if (length < 0 || length > this.frameBytesMax) {
        this.failure = new ProtocolError(
          length < 0 ? 'bad-length' : 'frame-too-large',
          `frame length ${length} outside 0..${this.frameBytesMax}`,
        );
        throw this.failure;
      }
      this.pendingLength = length;
    }
    if (this.buffered < this.pendingLength) return undefined;
    const frame = this.take(this.pendingLength);
    this.pendingLength = -1;
    return frame;
  }

  private readPrefix(): number {
    const first = this.chunks[0];
    assert(first !== undefined, 'prefix needs a chunk');
    if (first.length - this.head >= 4) {
      const length = int32At(first, this.head);
      this.consume(4);
      return length;
    }
    return int32At(this.take(4), 0);
  }

  /** Removes and returns `bytes` bytes; a view when they lie in one chunk. */
  private take(bytes: number): Buffer {
    assert(bytes <= this.buffered, 'take within buffered bytes');
    const first = this.chunks[0];
    if (bytes === 0) return Buffer.alloc(0);
    assert(first !== undefined, 'take needs a chunk');
    if (first.length - this.head >= bytes) {
      const view = first.subarray(this.head, this.head + bytes);
      this.consume(bytes);
      return view;
    }
    const joined = Buffer.allocUnsafe(bytes);
    let filled = 0;
    while (filled < bytes) {
      const chunk = this.chunks[0];
      assert(chunk !== undefined, 'buffered bytes are in chunks');
      const copied = chunk.copy(
        joined,
        filled,
        this.head,
        Math.min(chunk.length, this.head + bytes - filled),
      );
      filled += copied;
      this.consume(copied);
    }
    return joined;
  }

  private consume(bytes: number): void {
    this.head += bytes;
    this.buffered -= bytes;
    const first = this.chunks[0];
    if (first !== undefined && this.head === first.length) {
      this.chunks.shift();
      this.head = 0;
    }
  }
}
