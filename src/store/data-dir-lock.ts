// One process per embedded (PGlite) database: PGlite has no locking of its own, and two processes on
// one data directory corrupt it. A lock file beside the data directory (`<dir>.lock`: PGlite refuses
// to initialise a directory that holds any file) keeps the owner's pid; a second process is refused
// with a message naming that pid, and a lock left by a dead process is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/** `.data/dagpact` → `.data/dagpact.lock` */
export function lockPathOf(dataDir: string): string {
  const abs = resolve(dataDir);
  return join(dirname(abs), `${basename(abs)}.lock`);
}

export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string, readonly holderPid: number, holder: string) {
    super(`the embedded database in ${dataDir} is in use by process ${holderPid}${holder ? ` (${holder})` : ''}; ` +
      'an embedded database serves one process only. Stop that process, or use PostgreSQL (set DATABASE_URL) ' +
      'to run the server and the gatekeeper together');
    this.name = 'DataDirLockedError';
  }
}

interface LockContent { pid: number; host?: string; command?: string; startedAt?: string }

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function readLock(path: string): LockContent | undefined {
  try {
    const content = JSON.parse(readFileSync(path, 'utf8')) as LockContent;
    return Number.isSafeInteger(content.pid) ? content : undefined;
  } catch {
    return undefined; // unreadable or half-written: treated as stale
  }
}

/** Takes the lock or throws DataDirLockedError; returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  const path = lockPathOf(dataDir);
  const content = JSON.stringify({ pid: process.pid, host: hostname(), command: process.argv.slice(1).join(' ').slice(0, 300), startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try { writeSync(fd, content); } finally { closeSync(fd); }
      return () => {
        if (readLock(path)?.pid === process.pid) { try { unlinkSync(path); } catch { /* already gone */ } }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLock(path);
    const foreignHost = holder?.host !== undefined && holder.host !== hostname();
    if (holder && holder.pid !== process.pid && (foreignHost || alive(holder.pid))) {
      throw new DataDirLockedError(dataDir, holder.pid, [holder.command, foreignHost ? `on ${holder.host}` : ''].filter(Boolean).join(' '));
    }
    try { unlinkSync(path); } catch { /* another process took it over first: try again */ }
  }
  throw new Error(`could not take the lock ${path}`);
}
