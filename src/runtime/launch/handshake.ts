// The fd-3 handshake with berth-native (native/PLAN.md, "The handshake"):
// frames of u32 type | u32 length | payload, little-endian, both ways.

export const Msg = {
  Plan: 0x01,
  Start: 0x02,
  Hello: 0x80,
  Created: 0x81,
  Started: 0x82,
  Error: 0x83,
  Exited: 0x84,
} as const;

export interface Frame {
  type: number;
  payload: Buffer;
}

export function encodeFrame(type: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(type, 0);
  h.writeUInt32LE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

/** Splits a byte stream into frames. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.pending.length >= 8) {
      const len = this.pending.readUInt32LE(4);
      if (this.pending.length < 8 + len) break;
      out.push({ type: this.pending.readUInt32LE(0), payload: this.pending.subarray(8, 8 + len) });
      this.pending = this.pending.subarray(8 + len);
    }
    return out;
  }
}

export interface NativeError {
  errno: number;
  step: string;
  detail: string;
}

export function decodeError(p: Buffer): NativeError {
  const errno = p.readUInt32LE(0);
  const sl = p.readUInt32LE(4);
  const step = p.subarray(8, 8 + sl).toString('utf8');
  const dl = p.readUInt32LE(8 + sl);
  const detail = p.subarray(12 + sl, 12 + sl + dl).toString('utf8');
  return { errno, step, detail };
}

export interface ExitStatus {
  /** The exit code, or 128 + the signal that ended the process. */
  exitCode: number;
  /** The fatal signal's number, 0 when the process exited. */
  signal: number;
}

export function decodeExited(p: Buffer): ExitStatus {
  return { exitCode: p.readUInt32LE(0), signal: p.readUInt32LE(4) };
}
