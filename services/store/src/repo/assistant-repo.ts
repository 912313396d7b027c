import { compileFilter, type FilterExpr, type JsonObject } from "@gatehouse/filters";
import { query, type Database } from "../sql/database.js";

/** An assistants row as Postgres returns it. */
export interface AssistantRow {
  assistant_id: string;
  graph_id: string;
  config: JsonObject;
  context: JsonObject;
  metadata: JsonObject;
  name: string;
  description: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const columns = "assistant_id, graph_id, config, context, metadata, name, description, version, created_at, updated_at";

/** A new assistant; JSON fields as JSON text. */
export interface NewAssistant {
  assistantId: string;
  graphId: string;
  configJson: string;
  contextJson: string;
  metadataJson: string;
  name: string;
  description: string;
}

/** SQL for the assistants table. Every read takes the caller's filter into the same statement. */
export function createAssistantRepo(db: Database) {
  return {
    /** Inserts an assistant; undefined when the id is taken. */
    async insert(assistant: NewAssistant): Promise<AssistantRow | undefined> {
      const rows = await query<AssistantRow>(
        db,
        `INSERT INTO assistants (assistant_id, graph_id, config, context, metadata, name, description)
         VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7)
         ON CONFLICT (assistant_id) DO NOTHING RETURNING ${columns}`,
        [
          assistant.assistantId,
          assistant.graphId,
          assistant.configJson,
          assistant.contextJson,
          assistant.metadataJson,
          assistant.name,
          assistant.description,
        ],
      );
      return rows[0];
    },

    /** The assistant, if it exists and the filter lets the caller see it. */
    async get(assistantId: string, filter: FilterExpr): Promise<AssistantRow | undefined> {
      const params: unknown[] = [assistantId];
      const visible = compileFilter(filter, { column: "metadata", params });
      const rows = await query<AssistantRow>(db, `SELECT ${columns} FROM assistants WHERE assistant_id = $1 AND ${visible}`, params);
      return rows[0];
    },

    /** One page of the assistants the filter lets the caller see, newest first. */
    async search(
      search: { graphId: string | undefined; metadataJson: string | undefined; limit: number; offset: number },
      filter: FilterExpr,
    ): Promise<AssistantRow[]> {
      const params: unknown[] = [];
      const conditions = [compileFilter(filter, { column: "metadata", params })];
      if (search.graphId !== undefined) conditions.push(`graph_id = $${params.push(search.graphId)}`);
      if (search.metadataJson !== undefined) conditions.push(`metadata @> $${params.push(search.metadataJson)}::jsonb`);
      const limit = `$${params.push(search.limit)}`;
      const offset = `$${params.push(search.offset)}`;
      return query<AssistantRow>(
        db,
        `SELECT ${columns} FROM assistants WHERE ${conditions.join(" AND ")} ORDER BY created_at DESC, assistant_id LIMIT ${limit} OFFSET ${offset}`,
        params,
      );
    },
  };
}

export type AssistantRepo = ReturnType<typeof createAssistantRepo>;
