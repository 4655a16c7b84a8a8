// The CPU time a process has used so far, read from /proc (Linux), for benchmarks that measure a
// process other than their own (a server, the broker).
import { readFileSync } from 'node:fs';

/** User + system CPU time of process `pid`, in µs; NaN when it cannot be read (no such pid, not Linux). */
export function processCpuMicros(pid: number | string | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1_000_000 / 100); // utime + stime, in clock ticks of 10 ms
  } catch {
    return NaN;
  }
}
