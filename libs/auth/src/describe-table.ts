import { allEvents } from "./events.js";
import type { HandlerTable } from "./handler-table.js";

/** One row of a resolution table: which handler runs for an event. */
export interface ResolutionRow {
  event: string;
  /** The key the handler was registered under, or undefined: no handler, allowed. */
  key: string | undefined;
  /** The handler function's name, when it has one. */
  name: string | undefined;
}

/** The resolution table as rows, one per event, in a stable order. */
export function resolutionRows(table: HandlerTable): ResolutionRow[] {
  return allEvents.map((event) => {
    const resolved = table.get(event);
    return { event, key: resolved?.key, name: resolved?.handler.name || undefined };
  });
}

/** The resolution table as aligned text, for operators. */
export function formatResolutionTable(table: HandlerTable): string {
  const rows = resolutionRows(table);
  const eventWidth = Math.max(...rows.map((row) => row.event.length));
  const keyWidth = Math.max("handler key".length, ...rows.map((row) => row.key?.length ?? 0));
  const header = `${"event".padEnd(eventWidth)}  ${"handler key".padEnd(keyWidth)}  function`;
  const lines = rows.map((row) =>
    row.key === undefined
      ? `${row.event.padEnd(eventWidth)}  (none: allowed without a filter)`
      : `${row.event.padEnd(eventWidth)}  ${row.key.padEnd(keyWidth)}  ${row.name ?? "(anonymous)"}`,
  );
  return [header, ...lines].join("\n");
}
