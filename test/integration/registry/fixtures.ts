// Named schemas and request helpers shared by the registry's integration tests.
import type { FastifyInstance, InjectOptions } from 'fastify';
import { adminHeaders } from '../../support/app.js';

export const CT = 'application/vnd.schemaregistry.v1+json';

export const orderV1 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }] };
/** Adds a field with a default: backward compatible with v1. */
export const orderV2 = { ...orderV1, fields: [...orderV1.fields, { name: 'currency', type: 'string', default: 'EUR' }] };
/** Changes `id` from long to string: incompatible with v1 in both directions. */
export const orderBroken = { ...orderV1, fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }] };
/** Adds a field without a default: not backward compatible (a v3 reader cannot read v1 data). */
export const orderNoDefault = { ...orderV1, fields: [...orderV1.fields, { name: 'region', type: 'string' }] };

export const userJsonV1 = {
  $schema: 'http://json-schema.org/draft-07/schema#', title: 'User', type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' } }, required: ['id'],
};
export const userJsonNarrowed = { ...userJsonV1, properties: { id: { type: 'string' }, name: { type: 'string' } } };

export const address = { type: 'record', name: 'Address', namespace: 'shop', fields: [{ name: 'street', type: 'string' }] };
export const customer = { type: 'record', name: 'Customer', namespace: 'shop', fields: [{ name: 'name', type: 'string' }, { name: 'address', type: 'shop.Address' }] };

export function client(app: FastifyInstance, headers: Record<string, string> = adminHeaders) {
  const send = (method: InjectOptions['method'], url: string, payload?: unknown) =>
    app.inject({ method, url, headers: { ...headers, ...(payload !== undefined ? { 'content-type': CT } : {}) }, payload: payload as never });
  return {
    get: (url: string) => send('GET', url),
    post: (url: string, payload: unknown) => send('POST', url, payload),
    put: (url: string, payload: unknown) => send('PUT', url, payload),
    del: (url: string) => send('DELETE', url),
  };
}
