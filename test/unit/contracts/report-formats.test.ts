// Report formatters: every format carries the verdict and each error, JUnit counts cases and
// failures, GitHub annotations are escaped.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkReport, compatibilityReport, ghData, ghProperty, renderReport, xmlEscape } from '../../../src/cli/report-formats.js';

const failedCheck = {
  id: 7, dag_id: 'bill', version: '2', environment: 'prod', passed: false,
  checks: [
    { name: 'orders: reader vs orders-value latest (v2)', topic: 'persistent://public/shop/orders', direction: 'consume', kind: 'reader-vs-subject-latest', status: 'failed',
      findings: [{ severity: 'error', kind: 'reader-vs-subject-latest', topic: 'persistent://public/shop/orders', path: '$.fields[1]', rule: 'READER_FIELD_MISSING_DEFAULT_VALUE', message: 'field "amount" <has> no default & the writer lacks it' }] },
    { name: 'orders: reader vs active producers in prod', topic: 'persistent://public/shop/orders', direction: 'consume', kind: 'reader-vs-active-producer', status: 'passed',
      findings: [{ severity: 'info', kind: 'reader-vs-active-producer', topic: 'persistent://public/shop/orders', message: 'no DAG version active in prod produces to it' }] },
    { name: 'orders: drift', topic: 'persistent://public/shop/orders', direction: 'consume', kind: 'drift', status: 'passed',
      findings: [{ severity: 'warning', kind: 'drift', topic: 'persistent://public/shop/orders', rule: 'TOPIC_HAS_NO_SCHEMA', message: 'no schema, 100%\nenforced' }] },
  ],
};
const passedCheck = { ...failedCheck, passed: true, checks: [failedCheck.checks[1]] };

/** Python's XML parser (stdlib), an independent check that the JUnit output is well-formed. */
function parseJUnit(xml: string): { tests: number; failures: number; cases: number; failureElements: number } {
  const script = 'import sys, json, xml.etree.ElementTree as ET\nr = ET.fromstring(sys.stdin.read())\n' +
    's = r.find("testsuite")\nprint(json.dumps({"tests": int(s.get("tests")), "failures": int(s.get("failures")), "cases": len(s.findall("testcase")), "failureElements": len(s.findall("testcase/failure"))}))';
  return JSON.parse(execFileSync('python3', ['-c', script], { input: xml }).toString()) as never;
}

describe('report formats', () => {
  it('text says FAILED and names the error', () => {
    const out = renderReport(checkReport(failedCheck, 'c.yaml'), 'text');
    expect(out).toMatch(/FAILED/);
    expect(out).toMatch(/FAIL orders: reader vs orders-value latest/);
    expect(out).toMatch(/READER_FIELD_MISSING_DEFAULT_VALUE at \$\.fields\[1\]/);
    expect(renderReport(checkReport(passedCheck), 'text')).toMatch(/PASSED/);
  });

  it('json is the API answer itself', () => {
    expect(JSON.parse(renderReport(checkReport(failedCheck), 'json'))).toEqual(failedCheck);
  });

  it('markdown has a table row per finding shown', () => {
    const out = renderReport(checkReport(failedCheck), 'markdown');
    expect(out).toMatch(/^### ❌/);
    expect(out).toMatch(/\| FAIL \| orders: reader vs orders-value latest \(v2\) \| error \|/);
    expect(out).toMatch(/\| pass \| orders: drift \| warning \|/);
  });

  it('junit is well-formed XML with one testcase per comparison and a failure per failed one', () => {
    const xml = renderReport(checkReport(failedCheck, 'c.yaml'), 'junit');
    expect(parseJUnit(xml)).toEqual({ tests: 3, failures: 1, cases: 3, failureElements: 1 });
    expect(xml).toContain('&lt;has&gt; no default &amp; the writer');
    expect(parseJUnit(renderReport(checkReport(passedCheck), 'junit'))).toEqual({ tests: 1, failures: 0, cases: 1, failureElements: 0 });
  });

  it('github emits an annotation per error and warning, escaped', () => {
    const lines = renderReport(checkReport(failedCheck, 'dags/c,1.yaml'), 'github').split('\n');
    expect(lines[0]).toBe('::error file=dags/c%2C1.yaml,title=READER_FIELD_MISSING_DEFAULT_VALUE on persistent%3A//public/shop/orders::field "amount" <has> no default & the writer lacks it (READER_FIELD_MISSING_DEFAULT_VALUE at $.fields[1])');
    expect(lines[1]).toMatch(/^::warning .*::no schema, 100%25%0Aenforced/);
    expect(lines).toHaveLength(3);
  });

  it('a schema compatibility verdict becomes one testcase', () => {
    const r = compatibilityReport('orders-value', { compatible: false, level: 'BACKWARD', findings: [{ direction: 'backward', version: 1, path: '$.fields[0]', rule: 'R', message: 'm' }] });
    expect(r.passed).toBe(false);
    expect(parseJUnit(renderReport(r, 'junit'))).toEqual({ tests: 1, failures: 1, cases: 1, failureElements: 1 });
  });

  it('shows Pulsar\'s verdict beside dagpact\'s, with its reason when it refuses', () => {
    const withPulsar = { ...failedCheck, checks: [{ name: 'orders: writer vs Pulsar topic', topic: 't', direction: 'produce', kind: 'writer-vs-pulsar-topic', status: 'failed',
      findings: [{ severity: 'error', kind: 'writer-vs-pulsar-topic', topic: 't', rule: 'PULSAR_INCOMPATIBLE', message: 'Pulsar refuses it', pulsar: { compatible: false, strategy: 'FULL', reason: 'Unable to read schema' } }] }] };
    expect(renderReport(checkReport(withPulsar), 'text')).toContain('Pulsar refuses it (PULSAR_INCOMPATIBLE) [Pulsar: incompatible under FULL: Unable to read schema]');
  });

  it('escapes', () => {
    expect(xmlEscape('a<b>&"\'\u0001')).toBe('a&lt;b&gt;&amp;&quot;&apos;');
    expect(ghData('50%\r\n')).toBe('50%25%0D%0A');
    expect(ghProperty('a:b,c')).toBe('a%3Ab%2Cc');
  });
});
