/**
 * Gatehouse's Postgres schema, shared by every process that opens the
 * database: the store and the worker both call `migrate` at start-up, so
 * either may start first.
 */
export { migrate } from "./migrate.js";
export { migrations } from "./migrations.js";
