// Lowers the scheduling priority of the calling thread (a compute worker) on Linux, so that when cores
// are scarce the event loop serving requests gets them first. Best effort: elsewhere, or without
// /proc, nothing changes.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** `nice` is 0 (normal) to 19 (lowest). Returns whether the priority was changed. */
export function lowerThreadPriority(nice: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // "/proc/thread-self" -> "<pid>/task/<tid>"; setpriority() on a tid affects that thread only.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
