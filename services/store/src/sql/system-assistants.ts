import { defaultAssistantId } from "@gatehouse/graphs";
import type { Database } from "./database.js";

/**
 * Inserts the system assistant of each graph, as LangGraph servers create
 * them at start-up: LangGraph's id for the graph (`defaultAssistantId`), the
 * graph id as name, an empty config, version 1 recorded and `{"created_by": "system"}` as
 * metadata. Written directly, never through the handlers: no one asked for
 * it, so nothing is stamped. Idempotent, and safe for replicas starting
 * together; an assistant a user already changed is left as it is.
 */
export async function insertSystemAssistants(db: Database, graphIds: readonly string[]): Promise<void> {
  if (graphIds.length === 0) return;
  await db.query(
    `WITH inserted AS (
       INSERT INTO assistants (assistant_id, graph_id, name, config, metadata)
       SELECT ids.assistant_id::uuid, ids.graph_id, ids.graph_id, '{}'::jsonb, '{"created_by": "system"}'::jsonb
       FROM unnest($1::text[], $2::text[]) AS ids(assistant_id, graph_id)
       ON CONFLICT (assistant_id) DO NOTHING
       RETURNING *
     )
     INSERT INTO assistant_versions (assistant_id, version, graph_id, config, context, metadata, name, description, created_at)
     SELECT assistant_id, version, graph_id, config, context, metadata, name, description, created_at FROM inserted`,
    [graphIds.map(defaultAssistantId), graphIds],
  );
}
