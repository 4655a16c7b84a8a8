// Encryption at rest of held payloads: AES-256-GCM with a random 96-bit nonce per payload, stored as
// nonce ‖ tag ‖ ciphertext beside the id of the key that sealed it. The key id is derived from the key
// (first 16 hex digits of its SHA-256), so rotating is: set the new key as DAGPACT_PAYLOAD_KEY and keep
// the old one in DAGPACT_PAYLOAD_PREVIOUS_KEYS until no held record uses it. Keys come from the
// composition root; nothing here reads configuration.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface PayloadCipher {
  /** The id of the key new payloads are sealed with. */
  readonly keyId: string;
  seal(plain: Uint8Array): Buffer;
  /** Opens a payload sealed with any known key; throws naming the key id when it is unknown. */
  open(keyId: string, sealed: Uint8Array): Buffer;
}

export function payloadKeyId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function makePayloadCipher(args: { key: Uint8Array; previousKeys?: Uint8Array[] }): PayloadCipher {
  const keys = new Map<string, Uint8Array>();
  for (const k of [args.key, ...(args.previousKeys ?? [])]) {
    if (k.length !== 32) throw new Error(`a payload key must be 32 bytes (AES-256), got ${k.length}`);
    keys.set(payloadKeyId(k), k);
  }
  const keyId = payloadKeyId(args.key);
  return {
    keyId,
    seal(plain) {
      const nonce = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', args.key, nonce);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([nonce, c.getAuthTag(), body]);
    },
    open(id, sealed) {
      const key = keys.get(id);
      if (!key) throw new Error(`the payload was sealed with key ${id}, which is not configured (DAGPACT_PAYLOAD_KEY / DAGPACT_PAYLOAD_PREVIOUS_KEYS)`);
      const buf = Buffer.from(sealed);
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([d.update(buf.subarray(28)), d.final()]);
    },
  };
}
