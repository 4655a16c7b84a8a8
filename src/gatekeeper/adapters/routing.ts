// Picks the routing source: the contracts service's routingTable() once it exists, else the tables.
import type { Services } from '../../services.js';
import type { Database } from '../../store/db.js';
import type { RoutingSource } from '../types.js';
import { makeDbRoutingSource } from './db-routing.js';

export function makeRoutingSource(deps: { services: Services; database: Database }): RoutingSource {
  return makeDbRoutingSource(deps.database.db);
}
