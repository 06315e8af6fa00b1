export * from './database.ts';
export { connectDatabase, isStalePreparedStatement, pingDatabase, type Db, type Tx, type Executor, type DbHandle } from './connect.ts';
export { migrateToLatest, pendingMigrations } from './migrate.ts';
export { ensureDatabase, dropDatabase, databaseName, redactUrl } from './ensure-database.ts';
export { checkPostgres, checkRedis, ServiceUnavailableError } from './preflight.ts';
export { isDependencyUnavailable } from './dependency-errors.ts';
