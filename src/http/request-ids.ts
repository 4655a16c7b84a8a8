// Request ids: UUID-shaped, unique per server process, without drawing random bytes per request
// (docs/adr/0023). The first 20 hex digits are random once per process (a version-4 UUID's, so a
// restart never repeats an id in practice); the last 12 count requests. An id names a request in logs
// and the audit log; it is not a secret, so being predictable within a process costs nothing.
import { randomUUID } from 'node:crypto';

export function requestIdGenerator(): () => string {
  const prefix = randomUUID().slice(0, 24); // xxxxxxxx-xxxx-4xxx-yxxx-
  let counter = 0;
  return () => {
    counter = (counter + 1) % 0x1000000000000; // 12 hex digits
    return prefix + counter.toString(16).padStart(12, '0');
  };
}
