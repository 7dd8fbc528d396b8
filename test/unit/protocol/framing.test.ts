import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/protocol/errors';
import { FrameDecoder } from '../../../src/protocol/framing';
import { Writer } from '../../../src/protocol/writer';

/** A stream of frames with payloads of assorted sizes (0, 1, 3, 4, 5, 300 bytes). */
function sampleStream(): { stream: Buffer; payloads: Buffer[] } {
  const payloads = [0, 1, 3, 4, 5, 300].map((size, index) => Buffer.alloc(size, index + 1));
  const writer = new Writer(8);
  for (const payload of payloads) writer.beginFrame().raw(payload).endFrame();
  return { stream: writer.finish(), payloads };
}

function drain(decoder: FrameDecoder, into: Buffer[]): void {
  for (let count = 0; count < 10_000; count++) {
    const frame = decoder.next();
    if (frame === undefined) return;
    into.push(Buffer.from(frame));
  }
  throw new Error('decoder produced too many frames');
}

function decodeInChunks(stream: Buffer, cuts: number[]): Buffer[] {
  const decoder = new FrameDecoder();
  const frames: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, stream.length]) {
    decoder.push(stream.subarray(start, cut));
    drain(decoder, frames);
    start = cut;
  }
  expect(decoder.bufferedBytes).toBe(0);
  return frames;
}

describe('FrameDecoder', () => {
  const { stream, payloads } = sampleStream();

  it('decodes the stream split at every single byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(decodeInChunks(stream, [cut])).toStrictEqual(payloads);
    }
  });

  it('decodes the stream fed one byte at a time', () => {
    const cuts = Array.from({ length: stream.length - 1 }, (_, index) => index + 1);
    expect(decodeInChunks(stream, cuts)).toStrictEqual(payloads);
  });

  it('decodes the stream split at random boundaries identically', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 20 }),
        (cuts) => {
          expect(
            decodeInChunks(
              stream,
              [...cuts].sort((a, b) => a - b),
            ),
          ).toStrictEqual(payloads);
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });

  it('returns a frame that lies inside one chunk as a view, without copying', () => {
    const decoder = new FrameDecoder();
    decoder.push(stream);
    const first = decoder.next()!;
    const second = decoder.next()!;
    expect(second.length).toBe(1);
    expect(second.buffer).toBe(stream.buffer);
    expect(second.byteOffset).toBe(stream.byteOffset + 4 + 0 + 4);
    expect(first.length).toBe(0);
  });

  it('joins a frame spread over chunks into one buffer', () => {
    const decoder = new FrameDecoder();
    decoder.push(stream.subarray(0, 50));
    decoder.push(stream.subarray(50));
    const frames: Buffer[] = [];
    for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) frames.push(frame);
    expect(frames.at(-1)!.equals(payloads.at(-1)!)).toBe(true);
  });

  it('rejects a negative length with ProtocolError bad-length and stays failed', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from('ffffffff00', 'hex'));
    expect(() => decoder.next()).toThrow(ProtocolError);
    expect(() => decoder.next()).toThrow(/frame length -1/);
    expect(() => decoder.push(Buffer.alloc(1))).toThrow(ProtocolError);
  });

  it('rejects a length over frameBytesMax (default jute.maxbuffer) as frame-too-large', () => {
    const defaults = new FrameDecoder();
    expect(defaults.frameBytesMax).toBe(0xfffff);
    defaults.push(Buffer.from('00100000', 'hex'));
    let caught: unknown;
    try {
      defaults.next();
    } catch (error) {
      caught = error;
    }
    expect((caught as ProtocolError).kind).toBe('frame-too-large');
    const small = new FrameDecoder({ frameBytesMax: 4 });
    small.push(Buffer.from('0000000401020304', 'hex'));
    expect(small.next()!.toString('hex')).toBe('01020304');
    small.push(Buffer.from('00000005', 'hex'));
    expect(() => small.next()).toThrow(ProtocolError);
  });

  it('rejects a 0x7fffffff length at once, before any payload arrives', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from('7fffffff', 'hex'));
    expect(() => decoder.next()).toThrow(ProtocolError);
  });
});
