// Runs once before the integration and end-to-end tests: migrates the template database every test
// database is cloned from.
import { openDatabase } from '../../src/store/db.js';
import { adminQuery, TEMPLATE_DB, testPostgresUrl, withDatabaseName } from './db.js';

export default async function setup() {
  const admin = testPostgresUrl();
  if (!admin) {
    throw new Error('TEST_DATABASE_URL is not set. Integration tests need the real PostgreSQL and Pulsar: run `npm test` (scripts/test.sh starts them).');
  }
  await adminQuery(`drop database if exists ${TEMPLATE_DB} with (force)`);
  await adminQuery(`create database ${TEMPLATE_DB}`);
  const database = await openDatabase({ url: withDatabaseName(admin, TEMPLATE_DB), poolSize: 1 });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
}
