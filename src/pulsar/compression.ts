// Payload codecs for MessageMetadata.compression. LZ4 is the raw block format (no frame), ZLIB is
// zlib-wrapped deflate, SNAPPY is raw snappy, ZSTD is a zstd frame — what Pulsar's Java and C++
// clients write. ZSTD compression needs node:zlib's zstd (Node >= 22.15); decompression uses fzstd.
import zlib from 'node:zlib';
import * as snappy from 'snappyjs';
import { decompress as zstdDecompress } from 'fzstd';
import type { CompressionType } from './types.js';
import { lz4CompressBlock, lz4DecompressBlock } from './lz4-block.js';

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

/**
 * The largest uncompressed size taken from a message's metadata: above Pulsar's 5 MiB default
 * maxMessageSize with room to spare, and a bound on what a hostile size makes us allocate.
 */
export const MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

/** Decompresses to exactly uncompressedSize bytes; throws on corrupt input or a size mismatch. */
export function decompress(type: CompressionType, data: Uint8Array, uncompressedSize: number): Buffer {
  let out: Uint8Array;
  if (type !== 'NONE' && !(Number.isSafeInteger(uncompressedSize) && uncompressedSize >= 0 && uncompressedSize <= MAX_UNCOMPRESSED_BYTES)) {
    throw new Error(`the metadata's uncompressed size ${uncompressedSize} is not a size between 0 and ${MAX_UNCOMPRESSED_BYTES} bytes`);
  }
  switch (type) {
    case 'NONE': return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case 'ZLIB': out = zlib.inflateSync(data, { maxOutputLength: Math.max(uncompressedSize, 1) }); break;
    case 'LZ4': {
      // An LZ4 byte expands to at most 255 bytes; a larger claim is refused before allocating it.
      if (uncompressedSize > data.length * 255 + 16) throw new Error(`${data.length} bytes of LZ4 cannot decode to ${uncompressedSize} bytes`);
      const dst = Buffer.allocUnsafe(uncompressedSize);
      const n = lz4DecompressBlock(data, dst);
      if (n !== uncompressedSize) throw new Error(`LZ4 block decoded to ${n} bytes, expected ${uncompressedSize}`);
      return dst;
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
