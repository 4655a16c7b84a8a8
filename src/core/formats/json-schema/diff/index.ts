// Entry point of the JSON Schema compatibility diff: reader and writer as parsed schemas in, issues out.
import type { CompatibilityIssue } from '../../types.js';
import { makeWorkBudget, type WorkBudget } from '../../work-budget.js';
import type { JsonSchemaNative } from '../parse.js';
import { makeComparer } from './compare.js';
import { docSetOf, rootNode } from './documents.js';

export function jsonSchemaBackwardIssues(reader: JsonSchemaNative, writer: JsonSchemaNative, budget: WorkBudget = makeWorkBudget()): CompatibilityIssue[] {
  const r = rootNode(docSetOf(reader), 'r');
  const w = rootNode(docSetOf(writer), 'w');
  return makeComparer(budget).compare(r, [w]);
}
