/**
 * Run event streams: what a worker publishes while it executes a run, and
 * what the store relays to clients that stream, join or resume it.
 */
export type { RunEvent, NewRunEvent, ReadRunEventsOptions, RunEventLog } from "./run-event-log.js";
