/** The orders a search may ask for; each maps to a constant SQL fragment, never to client text. */
export type SortField = "created_at" | "updated_at";
export type SortOrder = "asc" | "desc";

/** ORDER BY for a sort field and direction, with the id as a stable tie-breaker. */
export function orderBy(field: SortField, order: SortOrder, idColumn: string): string {
  const direction = order === "asc" ? "ASC" : "DESC";
  return `ORDER BY ${field} ${direction}, ${idColumn} ${direction}`;
}

/** Appends LIMIT and OFFSET as bind parameters. */
export function limitOffset(params: unknown[], limit: number, offset: number): string {
  return `LIMIT $${params.push(limit)} OFFSET $${params.push(offset)}`;
}
