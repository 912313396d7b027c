// Throwaway databases live with the schema, which the store's and the worker's tests both migrate.
export { createThrowawayDatabase, type ThrowawayDatabase } from "@gatehouse/schema/testing";
