/**
 * The schema, as an append-only list: each entry runs once, in order, inside
 * one transaction. Never edit an entry that has shipped; add a new one.
 *
 * Every resource keeps `metadata jsonb` with a GIN index (jsonb_path_ops)
 * that serves the containment tests handler filters compile to.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE threads (
    thread_id uuid PRIMARY KEY,
    metadata jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'idle',
    "values" jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX threads_metadata_idx ON threads USING gin (metadata jsonb_path_ops);
  CREATE INDEX threads_created_at_idx ON threads (created_at DESC, thread_id);

  CREATE TABLE assistants (
    assistant_id uuid PRIMARY KEY,
    graph_id text NOT NULL,
    config jsonb NOT NULL DEFAULT '{}',
    context jsonb NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}',
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX assistants_metadata_idx ON assistants USING gin (metadata jsonb_path_ops);
  CREATE INDEX assistants_created_at_idx ON assistants (created_at DESC, assistant_id);

  CREATE TABLE runs (
    run_id uuid PRIMARY KEY,
    thread_id uuid NOT NULL REFERENCES threads (thread_id) ON DELETE CASCADE,
    assistant_id text NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    metadata jsonb NOT NULL DEFAULT '{}',
    kwargs jsonb NOT NULL DEFAULT '{}',
    multitask_strategy text NOT NULL DEFAULT 'reject',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX runs_thread_idx ON runs (thread_id, created_at DESC);

  CREATE TABLE items (
    namespace text[] NOT NULL,
    key text NOT NULL,
    value jsonb NOT NULL,
    -- {...value, namespace, key}: what store handler filters match (README "Filters").
    doc jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, key)
  );
  CREATE INDEX items_doc_idx ON items USING gin (doc jsonb_path_ops);
  `,
  `
  CREATE INDEX threads_updated_at_idx ON threads (updated_at DESC, thread_id);

  CREATE TABLE assistant_versions (
    assistant_id uuid NOT NULL REFERENCES assistants (assistant_id) ON DELETE CASCADE,
    version integer NOT NULL,
    graph_id text NOT NULL,
    config jsonb NOT NULL,
    context jsonb NOT NULL,
    metadata jsonb NOT NULL,
    name text NOT NULL,
    description text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assistant_id, version)
  );
  INSERT INTO assistant_versions (assistant_id, version, graph_id, config, context, metadata, name, description, created_at)
    SELECT assistant_id, version, graph_id, config, context, metadata, name, description, created_at FROM assistants;

  CREATE TABLE crons (
    cron_id uuid PRIMARY KEY,
    thread_id uuid REFERENCES threads (thread_id) ON DELETE CASCADE,
    assistant_id text NOT NULL,
    schedule text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}',
    end_time timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX crons_metadata_idx ON crons USING gin (metadata jsonb_path_ops);
  CREATE INDEX crons_created_at_idx ON crons (created_at DESC, cron_id);

  -- The namespace joined with '.', which labels cannot contain: prefix search by LIKE on an index.
  ALTER TABLE items ADD COLUMN namespace_path text NOT NULL DEFAULT '';
  UPDATE items SET namespace_path = array_to_string(namespace, '.');
  ALTER TABLE items ALTER COLUMN namespace_path DROP DEFAULT;
  CREATE INDEX items_namespace_path_idx ON items (namespace_path text_pattern_ops);
  CREATE INDEX items_updated_at_idx ON items (updated_at DESC);
  `,
  `
  -- Owner and organization filters (README "Filters") compile to equality on these keys
  -- (see metadata-indexes.ts), so one index serves both the filter and a
  -- search's newest-first page: ten index entries instead of every row of the
  -- owner fetched and sorted.
  CREATE INDEX threads_owner_created_idx ON threads ((metadata -> 'owner'), created_at DESC, thread_id DESC);
  CREATE INDEX threads_org_created_idx ON threads ((metadata -> 'org_id'), created_at DESC, thread_id DESC);
  CREATE INDEX assistants_owner_created_idx ON assistants ((metadata -> 'owner'), created_at DESC, assistant_id DESC);
  CREATE INDEX crons_owner_created_idx ON crons ((metadata -> 'owner'), created_at DESC, cron_id DESC);
  `,
  `
  -- Postgres estimates a containment filter (metadata @> ...) from the column's
  -- histogram. At the default 100 buckets, one unlucky ANALYZE sample rates a
  -- user shared on 0.1% of threads at 1%, and a newest-first search then walks
  -- the created_at index through a tenth of the table instead of reading its
  -- few rows through the GIN index. 1000 buckets keep such estimates near the truth.
  ALTER TABLE threads ALTER COLUMN metadata SET STATISTICS 1000;
  ALTER TABLE assistants ALTER COLUMN metadata SET STATISTICS 1000;
  ALTER TABLE crons ALTER COLUMN metadata SET STATISTICS 1000;
  `,
  `
  -- Execution (README, "Runs execute"): a worker claims a pending run whose
  -- not_before has passed (after_seconds), holds it for a lease it renews while
  -- running, and counts attempts so a run whose worker died is retried or
  -- failed. cancel_action is how a cancel reaches the worker executing a run.
  ALTER TABLE runs
    ADD COLUMN not_before timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN claimed_by text,
    ADD COLUMN lease_until timestamptz,
    ADD COLUMN attempt integer NOT NULL DEFAULT 0,
    ADD COLUMN cancel_action text CHECK (cancel_action IN ('interrupt', 'rollback'));
  CREATE INDEX runs_pending_idx ON runs (created_at, run_id) WHERE status = 'pending';
  CREATE INDEX runs_running_lease_idx ON runs (lease_until) WHERE status = 'running';
  CREATE INDEX runs_running_thread_idx ON runs (thread_id) WHERE status = 'running';
  CREATE INDEX threads_busy_idx ON threads (updated_at) WHERE status = 'busy';

  -- The pending interrupts of a thread's latest checkpoint, by task id, as LangGraph answers them.
  ALTER TABLE threads ADD COLUMN interrupts jsonb NOT NULL DEFAULT '{}';

  -- Wakes idle workers (LISTEN gatehouse_runs) as soon as runs are created;
  -- one notification per statement, delivered at commit.
  CREATE FUNCTION gatehouse_notify_runs() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('gatehouse_runs', '');
    RETURN NULL;
  END
  $$;
  CREATE TRIGGER runs_notify_insert AFTER INSERT ON runs FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_runs();
  `,
  `
  -- Crons fire (README, "Crons"): owner is the user record of the caller who
  -- created the cron, whom each firing runs as; next_run_date is when it is
  -- due next (NULL: never again). Crons made before this have no owner and
  -- never fire. The partial index serves the scheduler's claim of due crons.
  ALTER TABLE crons
    ADD COLUMN owner jsonb,
    ADD COLUMN next_run_date timestamptz;
  CREATE INDEX crons_due_idx ON crons (next_run_date) WHERE next_run_date IS NOT NULL AND owner IS NOT NULL;
  `,
];
