import { notFound } from "@gatehouse/errors";

/** A resource kind whose absence has a NOT_FOUND of its own. */
export type Findable = Parameters<typeof notFound>[0];

/**
 * The row a statement found, or the resource's NOT_FOUND: the one answer for
 * a missing row and a row the caller's filter hides, so neither can be told
 * from the other.
 */
export function found<Row>(row: Row | undefined, kind: Findable): Row {
  if (row === undefined) throw notFound(kind);
  return row;
}

/** Succeeds when a statement changed a row, or throws the resource's NOT_FOUND, as `found` does. */
export function changed(done: boolean, kind: Findable): void {
  if (!done) throw notFound(kind);
}
