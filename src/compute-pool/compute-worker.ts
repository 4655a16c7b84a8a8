// The compute pool's worker thread: runs core/compute tasks (parse, compatibility, manifest YAML) with
// the same providers as the main thread and its own bounded cache of parsed schemas. See docs/adr/0019.
import { parentPort, workerData } from 'node:worker_threads';
import { makeComputeTasks } from '../core/compute/tasks.js';
import { makeFormats } from '../core/formats/index.js';
import { toWire, type ReplyMessage, type TaskMessage } from './protocol.js';
import { lowerThreadPriority } from './thread-priority.js';

const options = (workerData ?? {}) as { cacheBytes?: number; nice?: number };
// Hostile work here must not take the CPU from the thread answering every other request.
if (options.nice) lowerThreadPriority(options.nice);
const tasks = makeComputeTasks(makeFormats(), options.cacheBytes ? { cacheBytes: options.cacheBytes } : {});

parentPort!.on('message', ({ id, task }: TaskMessage) => {
  let reply: ReplyMessage;
  try {
    reply = { id, ok: true, result: tasks.run(task) };
  } catch (error) {
    reply = { id, ok: false, error: toWire(error) };
  }
  parentPort!.postMessage(reply);
});
