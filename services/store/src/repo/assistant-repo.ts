import type { JsonObject } from "@gatehouse/filters";
import type { Access } from "../authorization.js";
import { query, withTransaction, type Database } from "../sql/database.js";
import { limitOffset } from "../sql/paging.js";
import { countWhere, deleteVisible, searchableSql, selectVisible, visibleSql, type GuardedTable } from "../sql/visible.js";
import { storedMetadata } from "../validate.js";

/** An assistant (or one of its versions) as Postgres returns it. */
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
const table: GuardedTable<"assistants", AssistantRow> = { resource: "assistants", name: "assistants", idColumn: "assistant_id", columns };
const versionColumns = "v.assistant_id, v.graph_id, v.config, v.context, v.metadata, v.name, v.description, v.version, v.created_at, v.created_at AS updated_at";

/** A new assistant; JSON fields as JSON text. */
export interface NewAssistant {
  assistantId: string;
  graphId: string;
  configJson: string;
  contextJson: string;
  /** The request's metadata; what the handler left in its place is stored. */
  metadata: JsonObject | undefined;
  name: string;
  description: string;
}

/** Changes to an assistant; undefined fields are kept. */
export interface AssistantChanges {
  graphId: string | undefined;
  configJson: string | undefined;
  contextJson: string | undefined;
  /** The request's metadata patch; what the handler left in its place is merged. */
  metadataPatch: JsonObject | undefined;
  name: string | undefined;
  description: string | undefined;
}

/** What an assistant search or count narrows by, besides the caller's filter. */
export interface AssistantCriteria {
  graphId: string | undefined;
  metadataJson: string | undefined;
}

function where(criteria: AssistantCriteria, access: Access<"assistants">, params: unknown[]): string {
  const conditions = [searchableSql(access, params)];
  if (criteria.graphId !== undefined) conditions.push(`graph_id = $${params.push(criteria.graphId)}`);
  if (criteria.metadataJson !== undefined) conditions.push(`metadata @> $${params.push(criteria.metadataJson)}::jsonb`);
  return conditions.join(" AND ");
}

/**
 * SQL for assistants and their versions. The current row's metadata decides
 * visibility, for the assistant and every one of its versions.
 */
export function createAssistantRepo(db: Database) {
  return {
    /** Inserts an assistant as version 1, with the metadata its handler left; undefined when the id is taken. */
    async insert(assistant: NewAssistant, access: Access<"assistants">): Promise<AssistantRow | undefined> {
      const rows = await query<AssistantRow>(
        db,
        `WITH created AS (
           INSERT INTO assistants (assistant_id, graph_id, config, context, metadata, name, description)
           VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7)
           ON CONFLICT (assistant_id) DO NOTHING RETURNING ${columns}
         ), first_version AS (
           INSERT INTO assistant_versions (assistant_id, version, graph_id, config, context, metadata, name, description, created_at)
           SELECT assistant_id, version, graph_id, config, context, metadata, name, description, created_at FROM created
         )
         SELECT ${columns} FROM created`,
        [
          assistant.assistantId,
          assistant.graphId,
          assistant.configJson,
          assistant.contextJson,
          storedMetadata(access, assistant.metadata),
          assistant.name,
          assistant.description,
        ],
        "by-key",
      );
      return rows[0];
    },

    /** The assistant (or one version of it), if it exists and the caller's access lets it see it. */
    async get(assistantId: string, access: Access<"assistants">, version?: number): Promise<AssistantRow | undefined> {
      if (version === undefined) return selectVisible(db, table, assistantId, access);
      const params: unknown[] = [assistantId, version];
      const visible = visibleSql(access, params, "a.metadata");
      const rows = await query<AssistantRow>(
        db,
        `SELECT ${versionColumns} FROM assistant_versions v JOIN assistants a ON a.assistant_id = v.assistant_id
         WHERE v.assistant_id = $1 AND v.version = $2 AND ${visible}`,
        params,
        "by-key",
      );
      return rows[0];
    },

    /** One page of a visible assistant's versions, newest first, in one statement; undefined when it is missing or hidden. */
    async listVersions(assistantId: string, access: Access<"assistants">, limit: number, offset: number, metadataJson?: string): Promise<AssistantRow[] | undefined> {
      const params: unknown[] = [assistantId];
      const visible = visibleSql(access, params, "a.metadata");
      // Only versions whose metadata contains the request's, as LangGraph servers filter them.
      const containing = metadataJson === undefined ? "" : `AND assistant_versions.metadata @> $${params.push(metadataJson)}::jsonb`;
      const rows = await query<{ [K in keyof AssistantRow]: AssistantRow[K] | null }>(
        db,
        `SELECT ${versionColumns} FROM assistants a
         LEFT JOIN LATERAL (
           SELECT * FROM assistant_versions WHERE assistant_versions.assistant_id = a.assistant_id ${containing}
           ORDER BY version DESC ${limitOffset(params, limit, offset)}
         ) v ON TRUE
         WHERE a.assistant_id = $1 AND ${visible}`,
        params,
        "by-key",
      );
      if (rows.length === 0) return undefined;
      return rows.filter((row): row is AssistantRow => row.version !== null);
    },

    /**
     * Writes a new version of a visible assistant and makes it the latest,
     * in one transaction holding the row lock, so concurrent updates get
     * consecutive versions. Undefined when the assistant is missing or hidden.
     */
    async update(assistantId: string, changes: AssistantChanges, access: Access<"assistants">): Promise<AssistantRow | undefined> {
      return withTransaction(db, async (client) => {
        const params: unknown[] = [assistantId];
        const visible = visibleSql(access, params);
        const locked = await client.query(`SELECT 1 FROM assistants WHERE assistant_id = $1 AND ${visible} FOR UPDATE`, params);
        if (locked.rowCount === 0) return undefined;
        const { rows } = await client.query<AssistantRow>(
          `WITH next AS (
             SELECT a.assistant_id,
                    (SELECT max(version) FROM assistant_versions WHERE assistant_id = $1) + 1 AS version,
                    COALESCE($2, a.graph_id) AS graph_id, COALESCE($3::jsonb, a.config) AS config,
                    COALESCE($4::jsonb, a.context) AS context, a.metadata || $5::jsonb AS metadata,
                    COALESCE($6, a.name) AS name, COALESCE($7, a.description) AS description
             FROM assistants a WHERE a.assistant_id = $1
           ), saved AS (
             INSERT INTO assistant_versions (assistant_id, version, graph_id, config, context, metadata, name, description)
             SELECT assistant_id, version, graph_id, config, context, metadata, name, description FROM next
           )
           UPDATE assistants a SET graph_id = n.graph_id, config = n.config, context = n.context, metadata = n.metadata,
                  name = n.name, description = n.description, version = n.version, updated_at = now()
           FROM next n WHERE a.assistant_id = n.assistant_id
           RETURNING ${columns.split(", ").map((column) => `a.${column}`).join(", ")}`,
          [assistantId, changes.graphId ?? null, changes.configJson ?? null, changes.contextJson ?? null, storedMetadata(access, changes.metadataPatch), changes.name ?? null, changes.description ?? null],
        );
        return rows[0];
      });
    },

    /**
     * Serves an earlier version as the latest. Undefined when the assistant
     * is missing or hidden, or has no such version.
     */
    async setLatest(assistantId: string, version: number, access: Access<"assistants">): Promise<AssistantRow | undefined> {
      const params: unknown[] = [assistantId, version];
      const visible = visibleSql(access, params, "a.metadata");
      const rows = await query<AssistantRow>(
        db,
        `UPDATE assistants a SET graph_id = v.graph_id, config = v.config, context = v.context, metadata = v.metadata,
                name = v.name, description = v.description, version = v.version, updated_at = now()
         FROM assistant_versions v
         WHERE a.assistant_id = $1 AND v.assistant_id = a.assistant_id AND v.version = $2 AND ${visible}
         RETURNING ${columns.split(", ").map((column) => `a.${column}`).join(", ")}`,
        params,
        "by-key",
      );
      return rows[0];
    },

    /** Deletes a visible assistant and its versions; false when it is missing or hidden. */
    delete(assistantId: string, access: Access<"assistants">): Promise<boolean> {
      return deleteVisible(db, table, assistantId, access);
    },

    /** One page of the visible assistants that match, newest first. */
    async search(criteria: AssistantCriteria, limit: number, offset: number, access: Access<"assistants">): Promise<AssistantRow[]> {
      const params: unknown[] = [];
      const conditions = where(criteria, access, params);
      return query<AssistantRow>(
        db,
        `SELECT ${columns} FROM assistants WHERE ${conditions} ORDER BY created_at DESC, assistant_id DESC ${limitOffset(params, limit, offset)}`,
        params,
        "by-parameters",
      );
    },

    /** How many visible assistants match. */
    count(criteria: AssistantCriteria, access: Access<"assistants">): Promise<number> {
      return countWhere(db, table, (params) => where(criteria, access, params));
    },
  };
}

export type AssistantRepo = ReturnType<typeof createAssistantRepo>;
