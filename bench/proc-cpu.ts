// The CPU time a process has used so far, read from /proc (Linux), for benchmarks that measure a
// process other than their own (a server, the broker).
import { readdirSync, readFileSync } from 'node:fs';

/** User + system CPU time of process `pid`, in µs; NaN when it cannot be read (no such pid, not Linux). */
export function processCpuMicros(pid: number | string | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1_000_000 / 100); // utime + stime, in clock ticks of 10 ms
  } catch {
    return NaN;
  }
}

/** Per thread group (threads named alike): CPU time in µs and voluntary context switches. */
export type ThreadGroups = Map<string, { cpuMicros: number; wakeups: number }>;

/**
 * CPU time (µs) and voluntary context switches of each thread group of process `pid`, from
 * /proc/PID/task: threads are grouped by name with digits replaced by N ("bookie-io-N-N"). Names are
 * as the kernel keeps them, cut at 15 characters ("BookieReadThrea"). An empty map when it cannot be read.
 */
export function threadGroupUsage(pid: number | string | undefined): ThreadGroups {
  const groups: ThreadGroups = new Map();
  let tasks: string[];
  try { tasks = readdirSync(`/proc/${pid}/task`); } catch { return groups; }
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+/g, 'N');
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      const status = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
      const wakeups = Number(/\nvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const group = groups.get(name) ?? { cpuMicros: 0, wakeups: 0 };
      group.cpuMicros += (Number(fields[11]) + Number(fields[12])) * (1_000_000 / 100);
      group.wakeups += wakeups;
      groups.set(name, group);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return groups;
}

/** after − before, per thread group (a group that appeared meanwhile counts from zero). */
export function threadGroupDelta(before: ThreadGroups, after: ThreadGroups): ThreadGroups {
  const delta: ThreadGroups = new Map();
  for (const [name, a] of after) {
    const b = before.get(name) ?? { cpuMicros: 0, wakeups: 0 };
    delta.set(name, { cpuMicros: a.cpuMicros - b.cpuMicros, wakeups: a.wakeups - b.wakeups });
  }
  return delta;
}

/** Adds `delta` into `into`, group by group (for totals over several measurements). */
export function addThreadGroups(into: ThreadGroups, delta: ThreadGroups): void {
  for (const [name, d] of delta) {
    const total = into.get(name) ?? { cpuMicros: 0, wakeups: 0 };
    total.cpuMicros += d.cpuMicros;
    total.wakeups += d.wakeups;
    into.set(name, total);
  }
}
