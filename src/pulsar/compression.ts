// Payload codecs for MessageMetadata.compression. LZ4 is the raw block format (no frame), ZLIB is
// zlib-wrapped deflate, SNAPPY is raw snappy, ZSTD is a zstd frame — what Pulsar's Java and C++
// clients write. ZSTD compression needs node:zlib's zstd (Node >= 22.15); decompression uses fzstd.
import zlib from 'node:zlib';
import * as lz4 from 'lz4js';
import * as snappy from 'snappyjs';
import { decompress as zstdDecompress } from 'fzstd';
import type { CompressionType } from './types.js';

type ZstdZlib = { zstdCompressSync?: (data: Uint8Array) => Buffer };

export function canCompress(type: CompressionType): boolean {
  return type !== 'ZSTD' || typeof (zlib as unknown as ZstdZlib).zstdCompressSync === 'function';
}

export function compress(type: CompressionType, data: Uint8Array): Buffer {
  switch (type) {
    case 'NONE': return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case 'ZLIB': return zlib.deflateSync(data);
    case 'LZ4': return lz4CompressBlock(data);
    case 'SNAPPY': return Buffer.from(snappy.compress(data));
    case 'ZSTD': {
      const fn = (zlib as unknown as ZstdZlib).zstdCompressSync;
      if (!fn) throw new Error('ZSTD compression needs Node >= 22.15 (node:zlib zstd); use another codec');
      return fn(data);
    }
  }
}

/** Decompresses to exactly uncompressedSize bytes; throws on corrupt input or a size mismatch. */
export function decompress(type: CompressionType, data: Uint8Array, uncompressedSize: number): Buffer {
  let out: Uint8Array;
  switch (type) {
    case 'NONE': return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case 'ZLIB': out = zlib.inflateSync(data, { maxOutputLength: Math.max(uncompressedSize, 1) }); break;
    case 'LZ4': {
      const dst = Buffer.alloc(uncompressedSize);
      const n = lz4.decompressBlock(data, dst, 0, data.length, 0);
      if (n !== uncompressedSize) throw new Error(`LZ4 block decoded to ${n} bytes, expected ${uncompressedSize}`);
      out = dst;
      break;
    }
    case 'SNAPPY': out = snappy.uncompress(data, uncompressedSize); break;
    case 'ZSTD': out = zstdDecompress(data, Buffer.alloc(uncompressedSize)); break;
  }
  if (out.length !== uncompressedSize) {
    throw new Error(`${type} payload decoded to ${out.length} bytes, metadata says ${uncompressedSize}`);
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

function lz4CompressBlock(data: Uint8Array): Buffer {
  const dst = Buffer.alloc(lz4.compressBound(data.length) + 16);
  const n = data.length === 0 ? 0 : lz4.compressBlock(data, dst, 0, data.length, new Uint32Array(1 << 16));
  if (n > 0) return dst.subarray(0, n);
  // lz4js returns 0 when it found nothing to match: emit one literal-only sequence ourselves.
  const out: number[] = [];
  const len = data.length;
  if (len >= 15) {
    out.push(0xf0);
    let rest = len - 15;
    while (rest >= 255) { out.push(255); rest -= 255; }
    out.push(rest);
  } else {
    out.push(len << 4);
  }
  return Buffer.concat([Buffer.from(out), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

const NAMES: CompressionType[] = ['NONE', 'LZ4', 'ZLIB', 'ZSTD', 'SNAPPY'];
export function compressionName(value: number): CompressionType | undefined {
  return NAMES[value];
}
export function compressionValue(type: CompressionType): number {
  return NAMES.indexOf(type);
}
