// Reads a running gatekeeper's own listener (its /healthz and Prometheus /metrics) for the API server's
// GET /v1/gatekeeper/status: readiness, topics, and messages decided per outcome since it started.

export interface GatekeeperStatus {
  url: string;
  reachable: boolean;
  status?: string;
  ready?: boolean;
  routingOk?: boolean;
  topics?: string[];
  /** dagpact_gatekeeper_messages_total summed per outcome label. */
  messagesByOutcome?: Record<string, number>;
  error?: string;
  checkedAt: Date;
}

/** Sums a counter's samples per value of one label (Prometheus text format). */
export function sumByLabel(text: string, metric: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== metric) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    const key = labels[label] ?? '';
    out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

export function makeGatekeeperStatusClient(args: { url: string; timeoutMs?: number }) {
  const base = args.url.replace(/\/+$/, '');
  const timeoutMs = args.timeoutMs ?? 2000;
  return {
    async read(): Promise<GatekeeperStatus> {
      const checkedAt = new Date();
      try {
        const signal = AbortSignal.timeout(timeoutMs);
        const [health, metrics] = await Promise.all([
          fetch(`${base}/healthz`, { signal }), fetch(`${base}/metrics`, { signal }),
        ]);
        const h = await health.json() as { status?: string; ready?: boolean; routing_ok?: boolean; topics?: string[] };
        const text = metrics.ok ? await metrics.text() : '';
        return {
          url: base, reachable: true, status: h.status, ready: h.ready, routingOk: h.routing_ok, topics: h.topics ?? [],
          messagesByOutcome: sumByLabel(text, 'dagpact_gatekeeper_messages_total', 'outcome'), checkedAt,
        };
      } catch (error) {
        return { url: base, reachable: false, error: `the gatekeeper at ${base} did not answer: ${(error as Error).message}`, checkedAt };
      }
    },
  };
}

export type GatekeeperStatusClient = ReturnType<typeof makeGatekeeperStatusClient>;
