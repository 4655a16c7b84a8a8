// Reading a gatekeeper's Prometheus text: counters summed per value of one label.
import { describe, expect, it } from 'vitest';
import { sumByLabel } from '../../../src/gatekeeper-client/status.js';

const TEXT = [
  '# HELP dagpact_gatekeeper_messages_total Decisions per outcome',
  '# TYPE dagpact_gatekeeper_messages_total counter',
  'dagpact_gatekeeper_messages_total{outcome="ACCEPT",topic="persistent://public/default/a",dag_id="x"} 5',
  'dagpact_gatekeeper_messages_total{outcome="ACCEPT",topic="persistent://public/default/b",dag_id="y"} 2',
  'dagpact_gatekeeper_messages_total{outcome="QUARANTINE",reason="SCHEMA_MISMATCH",dag_id="x"} 3',
  'dagpact_gatekeeper_messages_total_created{outcome="ACCEPT"} 1764250000',
  'dagpact_gatekeeper_messages_total{outcome="REJECT",reason="a \\"quoted\\" reason"} 1',
  'dagpact_gatekeeper_other_total{outcome="ACCEPT"} 100',
  'dagpact_gatekeeper_messages_total{outcome="ACCEPT"} NaN',
].join('\n');

describe('sumByLabel', () => {
  const cases: Array<{ name: string; metric: string; label: string; expected: Record<string, number> }> = [
    { name: 'per outcome, other metrics and NaN ignored', metric: 'dagpact_gatekeeper_messages_total', label: 'outcome', expected: { ACCEPT: 7, QUARANTINE: 3, REJECT: 1 } },
    { name: 'a label some samples lack sums under ""', metric: 'dagpact_gatekeeper_messages_total', label: 'dag_id', expected: { x: 8, y: 2, '': 1 } },
    { name: 'a metric that is absent', metric: 'nope_total', label: 'outcome', expected: {} },
  ];
  for (const c of cases) it(c.name, () => expect(sumByLabel(TEXT, c.metric, c.label)).toEqual(c.expected));
});
