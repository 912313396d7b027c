/**
 * The metadata keys of each table that have a btree expression index on
 * `metadata -> 'key'` (created by the migrations). The filter compiler turns
 * scalar equality on these keys into an expression those indexes serve; a
 * test checks every key here has its index. visible.ts applies them.
 */
export const indexedMetadataKeys = {
  threads: new Set(["owner", "org_id"]),
  assistants: new Set(["owner"]),
  crons: new Set(["owner"]),
} as const satisfies Record<string, ReadonlySet<string>>;
