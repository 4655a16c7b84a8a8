// Payload codecs for MessageMetadata.compression. LZ4 is the raw block format (no frame), ZLIB is
// zlib-wrapped deflate, SNAPPY is raw snappy, ZSTD is a zstd frame — what Pulsar's Java and C++
// clients write. ZSTD compression needs node:zlib's zstd (Node >= 22.15); decompression uses fzstd.
import zlib from 'node:zlib';
import * as lz4 from 'lz4js';
import * as snappy from 'snappyjs';
import { decompress as zstdDecompress } from 'fzstd';
import type { CompressionType } from './types.js';
import { lz4CompressBlock } from './lz4-block.js';

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
      const dst = Buffer.allocUnsafe(uncompressedSize);
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


const NAMES: CompressionType[] = ['NONE', 'LZ4', 'ZLIB', 'ZSTD', 'SNAPPY'];
export function compressionName(value: number): CompressionType | undefined {
  return NAMES[value];
}
export function compressionValue(type: CompressionType): number {
  return NAMES.indexOf(type);
}
