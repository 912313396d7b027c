import { createRequire } from 'module'; const require = createRequire(import.meta.url);

// services/store/src/main.ts
import { createClient } from "@connectrpc/connect";
import { loadConfig } from "@gatehouse/auth";
import { AuthnService, AuthzService } from "@gatehouse/contracts";
import { createIdentityCache, identityConfigFromEnv, sharedIdentityStoreFromEnv } from "@gatehouse/identity";
import { createGrpcTransport, createLogger, envInt, envString, runService } from "@gatehouse/server";

// services/store/src/access-guard.ts
import { getOption } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { auth_event, Effect } from "@gatehouse/contracts";
import { codeForHttpStatus, gatehouseError, internalError, unavailable } from "@gatehouse/errors";
import { FilterError, filterFromProto, matchAll } from "@gatehouse/filters";
import {
  credentialKey,
  userFromProto,
  userToProto
} from "@gatehouse/identity";
function authEventOf(method) {
  const event = getOption(method, auth_event);
  const [resource, action, ...rest] = event.split(":");
  if (!resource || !action || rest.length > 0) {
    throw new Error(`${method.parent.typeName}.${method.name} declares no auth_event option; every store RPC must`);
  }
  return { resource, action };
}
function createAccessGuard(deps) {
  const events = /* @__PURE__ */ new Map();
  const pendingIdentities = /* @__PURE__ */ new Map();
  function timeoutFor(context) {
    return Math.max(1, Math.min(deps.callTimeoutMs, context.timeoutMs() ?? deps.callTimeoutMs));
  }
  async function askAuthn(context) {
    const headers = {};
    context.requestHeader.forEach((value, name) => {
      if (!name.startsWith("grpc-") && !name.startsWith(":")) headers[name] = value;
    });
    let response;
    try {
      response = await deps.authn.authenticate({ headers, method: "POST", path: context.url }, { timeoutMs: timeoutFor(context) });
    } catch (error) {
      throw translateDependencyError(error, "authentication", deps.logger);
    }
    const { outcome } = response;
    if (outcome.case === "user") {
      const cacheUntil = response.expiresAt ? Number(response.expiresAt.seconds) * 1e3 + response.expiresAt.nanos / 1e6 : 0;
      return { kind: "user", user: userFromProto(outcome.value), cacheUntil };
    }
    if (outcome.case === "rejection") {
      const { httpStatus, message, headers: rejectionHeaders } = outcome.value;
      return { kind: "rejected", status: httpStatus, message, headers: rejectionHeaders, cacheUntil: Date.now() + deps.identity.rejectionTtlMs };
    }
    throw internalError();
  }
  async function authenticate(context) {
    for (const name of deps.identity.credentialHeaders) {
      if ((context.requestHeader.get(name)?.length ?? 0) > deps.identity.maxCredentialBytes) {
        throw gatehouseError(Code.Unauthenticated, "CREDENTIAL_TOO_LARGE", `header ${name} is too large`);
      }
    }
    const key = credentialKey(deps.identity.secret, context.requestHeader, deps.identity.credentialHeaders);
    let entry = deps.cache.lookupLocal(key) ?? await deps.cache.lookup(key);
    if (entry === void 0) {
      let pending = pendingIdentities.get(key);
      if (pending === void 0) {
        pending = askAuthn(context).finally(() => pendingIdentities.delete(key));
        pendingIdentities.set(key, pending);
      }
      entry = await pending;
      deps.cache.rememberLocal(key, entry);
    }
    if (entry.kind === "rejected") {
      throw gatehouseError(codeForHttpStatus(entry.status), "CREDENTIAL_REJECTED", entry.message, {}, entry.headers);
    }
    return entry.user;
  }
  return {
    async authorize(context, value) {
      let event = events.get(context.method);
      if (event === void 0) {
        event = authEventOf(context.method);
        events.set(context.method, event);
      }
      const user = await authenticate(context);
      let response;
      try {
        response = await deps.authz.authorize(
          { user: userToProto(user), resource: event.resource, action: event.action, value },
          { timeoutMs: timeoutFor(context) }
        );
      } catch (error) {
        throw translateDependencyError(error, "authorization", deps.logger);
      }
      const decision = response.decision;
      if (decision?.effect !== Effect.ALLOW) {
        const denial = decision?.denial;
        throw gatehouseError(
          codeForHttpStatus(denial?.httpStatus ?? 403),
          "PERMISSION_DENIED",
          denial?.message || "Forbidden",
          {},
          denial?.headers
        );
      }
      let filter;
      try {
        filter = decision.filter ? filterFromProto(decision.filter) : matchAll;
      } catch (error) {
        if (error instanceof FilterError) {
          deps.logger.error({ err: error, handler: decision.handlerKey }, "authz sent a filter this server cannot apply");
          throw internalError();
        }
        throw error;
      }
      const item = decision.item;
      return {
        user,
        filter,
        metadata: decision.metadata,
        item: item ? { namespace: item.namespace, key: item.key, value: item.value } : void 0
      };
    }
  };
}
function translateDependencyError(error, what, logger2) {
  const code = error instanceof ConnectError ? error.code : Code.Internal;
  if (code === Code.Unauthenticated && what === "authentication" && error instanceof ConnectError) {
    return gatehouseError(Code.Unauthenticated, "CREDENTIAL_REJECTED", error.rawMessage);
  }
  if (code === Code.Unavailable) return unavailable(`${what.toUpperCase()}_UNAVAILABLE`, `the ${what} service is unavailable`);
  if (code === Code.DeadlineExceeded) {
    return gatehouseError(Code.DeadlineExceeded, `${what.toUpperCase()}_TIMED_OUT`, `${what} did not finish in time`);
  }
  logger2.error({ err: error }, `${what} failed`);
  return gatehouseError(Code.Internal, `${what.toUpperCase()}_FAILED`, `${what} failed`);
}

// services/store/src/repo/assistant-repo.ts
import { compileFilter } from "@gatehouse/filters";

// services/store/src/sql/database.ts
import { createHash } from "node:crypto";
import pg from "pg";
function openDatabase(url, max) {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 3e4, connectionTimeoutMillis: 5e3 });
  pool.on("error", () => {
  });
  pool.on("connect", (client) => {
    client.query("SET plan_cache_mode = force_custom_plan").catch(() => {
    });
  });
  return pool;
}
var statementNames = /* @__PURE__ */ new Map();
async function query(db, text2, values) {
  let name = statementNames.get(text2);
  if (name === void 0) {
    name = `gh_${createHash("sha1").update(text2).digest("hex").slice(0, 20)}`;
    if (statementNames.size < 1e4) statementNames.set(text2, name);
  }
  const result = await db.query({ name, text: text2, values });
  return result.rows;
}

// services/store/src/repo/assistant-repo.ts
var columns = "assistant_id, graph_id, config, context, metadata, name, description, version, created_at, updated_at";
function createAssistantRepo(db) {
  return {
    /** Inserts an assistant; undefined when the id is taken. */
    async insert(assistant) {
      const rows = await query(
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
          assistant.description
        ]
      );
      return rows[0];
    },
    /** The assistant, if it exists and the filter lets the caller see it. */
    async get(assistantId, filter) {
      const params = [assistantId];
      const visible = compileFilter(filter, { column: "metadata", params });
      const rows = await query(db, `SELECT ${columns} FROM assistants WHERE assistant_id = $1 AND ${visible}`, params);
      return rows[0];
    },
    /** One page of the assistants the filter lets the caller see, newest first. */
    async search(search, filter) {
      const params = [];
      const conditions = [compileFilter(filter, { column: "metadata", params })];
      if (search.graphId !== void 0) conditions.push(`graph_id = $${params.push(search.graphId)}`);
      if (search.metadataJson !== void 0) conditions.push(`metadata @> $${params.push(search.metadataJson)}::jsonb`);
      const limit = `$${params.push(search.limit)}`;
      const offset = `$${params.push(search.offset)}`;
      return query(
        db,
        `SELECT ${columns} FROM assistants WHERE ${conditions.join(" AND ")} ORDER BY created_at DESC, assistant_id LIMIT ${limit} OFFSET ${offset}`,
        params
      );
    }
  };
}

// services/store/src/repo/item-repo.ts
import { compileFilter as compileFilter2 } from "@gatehouse/filters";
var columns2 = "namespace, key, value, created_at, updated_at";
function itemDocument(namespace2, key, value) {
  return { ...value, namespace: namespace2, key };
}
function createItemRepo(db) {
  return {
    /**
     * Writes an item if the filter admits both the new document and the row it
     * replaces, in one statement; undefined when it does not.
     */
    async put(namespace2, key, valueJson, docJson, filter) {
      const params = [namespace2, key, valueJson, docJson];
      const admitsNew = compileFilter2(filter, { column: "$4::jsonb", params });
      const admitsExisting = compileFilter2(filter, { column: "items.doc", params });
      const rows = await query(
        db,
        `INSERT INTO items (namespace, key, value, doc)
         SELECT $1::text[], $2, $3::jsonb, $4::jsonb WHERE ${admitsNew}
         ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value, doc = EXCLUDED.doc, updated_at = now()
         WHERE ${admitsExisting}
         RETURNING ${columns2}`,
        params
      );
      return rows[0];
    },
    /** The item, if it exists and the filter lets the caller see it. */
    async get(namespace2, key, filter) {
      const params = [namespace2, key];
      const visible = compileFilter2(filter, { column: "doc", params });
      const rows = await query(db, `SELECT ${columns2} FROM items WHERE namespace = $1::text[] AND key = $2 AND ${visible}`, params);
      return rows[0];
    }
  };
}

// services/store/src/repo/run-repo.ts
import { compileFilter as compileFilter3 } from "@gatehouse/filters";
var columns3 = "run_id, thread_id, assistant_id, status, metadata, kwargs, multitask_strategy, created_at, updated_at";
function createRunRepo(db) {
  return {
    /** Inserts a pending run on the thread if the filter lets the caller see the thread; undefined otherwise. */
    async insertOnVisibleThread(run, threadFilter) {
      const params = [run.runId, run.threadId, run.assistantId, run.metadataJson, run.kwargsJson, run.multitaskStrategy];
      const visible = compileFilter3(threadFilter, { column: "threads.metadata", params });
      const rows = await query(
        db,
        `INSERT INTO runs (run_id, thread_id, assistant_id, metadata, kwargs, multitask_strategy)
         SELECT $1, threads.thread_id, $3, $4::jsonb, $5::jsonb, $6 FROM threads WHERE threads.thread_id = $2 AND ${visible}
         RETURNING ${columns3}`,
        params
      );
      return rows[0];
    },
    /** The run, if it exists on that thread and the filter lets the caller see the thread. */
    async get(threadId, runId, threadFilter) {
      const params = [threadId, runId];
      const visible = compileFilter3(threadFilter, { column: "threads.metadata", params });
      const rows = await query(
        db,
        `SELECT ${columns3.split(", ").map((column) => `runs.${column}`).join(", ")}
         FROM runs JOIN threads ON threads.thread_id = runs.thread_id
         WHERE runs.thread_id = $1 AND runs.run_id = $2 AND ${visible}`,
        params
      );
      return rows[0];
    }
  };
}

// services/store/src/repo/thread-repo.ts
import { compileFilter as compileFilter4 } from "@gatehouse/filters";
var columns4 = `thread_id, metadata, status, "values", created_at, updated_at`;
function createThreadRepo(db) {
  return {
    /** Inserts a thread; undefined when the id is taken. */
    async insert(threadId, metadataJson) {
      const rows = await query(
        db,
        `INSERT INTO threads (thread_id, metadata) VALUES ($1, $2::jsonb) ON CONFLICT (thread_id) DO NOTHING RETURNING ${columns4}`,
        [threadId, metadataJson]
      );
      return rows[0];
    },
    /** The thread, if it exists and the filter lets the caller see it. */
    async get(threadId, filter) {
      const params = [threadId];
      const visible = compileFilter4(filter, { column: "metadata", params });
      const rows = await query(db, `SELECT ${columns4} FROM threads WHERE thread_id = $1 AND ${visible}`, params);
      return rows[0];
    },
    /** One page of the threads the filter lets the caller see, newest first. */
    async search(search, filter) {
      const params = [];
      const conditions = [compileFilter4(filter, { column: "metadata", params })];
      if (search.metadataJson !== void 0) conditions.push(`metadata @> $${params.push(search.metadataJson)}::jsonb`);
      if (search.status !== void 0) conditions.push(`status = $${params.push(search.status)}`);
      if (search.ids !== void 0) conditions.push(`thread_id = ANY($${params.push(search.ids)}::uuid[])`);
      const limit = `$${params.push(search.limit)}`;
      const offset = `$${params.push(search.offset)}`;
      return query(
        db,
        `SELECT ${columns4} FROM threads WHERE ${conditions.join(" AND ")} ORDER BY created_at DESC, thread_id LIMIT ${limit} OFFSET ${offset}`,
        params
      );
    }
  };
}

// services/store/src/server.ts
import * as grpc from "@grpc/grpc-js";
import { listen, registerService, serverOptions, shutdown } from "@gatehouse/server";

// services/store/src/routes.ts
import { AssistantService, ItemService, RunService, ThreadService } from "@gatehouse/contracts";

// services/store/src/assistant-service.ts
import { Code as Code2 } from "@connectrpc/connect";
import { gatehouseError as gatehouseError2, invalidArgument as invalidArgument2, notFound } from "@gatehouse/errors";

// services/store/src/rows-to-proto.ts
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
function threadToProto(row) {
  return {
    threadId: row.thread_id,
    createdAt: timestampFromDate(row.created_at),
    updatedAt: timestampFromDate(row.updated_at),
    metadata: row.metadata,
    status: row.status,
    values: row.values
  };
}
function assistantToProto(row) {
  return {
    assistantId: row.assistant_id,
    graphId: row.graph_id,
    config: row.config,
    context: row.context,
    metadata: row.metadata,
    name: row.name,
    description: row.description,
    version: row.version,
    createdAt: timestampFromDate(row.created_at),
    updatedAt: timestampFromDate(row.updated_at)
  };
}
function runToProto(row) {
  return {
    runId: row.run_id,
    threadId: row.thread_id,
    assistantId: row.assistant_id,
    status: row.status,
    metadata: row.metadata,
    kwargs: row.kwargs,
    multitaskStrategy: row.multitask_strategy,
    createdAt: timestampFromDate(row.created_at),
    updatedAt: timestampFromDate(row.updated_at)
  };
}
function itemToProto(row) {
  return {
    namespace: row.namespace,
    key: row.key,
    value: row.value,
    createdAt: timestampFromDate(row.created_at),
    updatedAt: timestampFromDate(row.updated_at)
  };
}

// services/store/src/validate.ts
import { randomUUID } from "node:crypto";
import { invalidArgument } from "@gatehouse/errors";
var uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
var limits = {
  maxPageSize: 1e3,
  defaultPageSize: 10,
  maxOffset: 1e6,
  maxMetadataBytes: 64 * 1024,
  maxValueBytes: 1024 * 1024,
  maxNamespaceDepth: 32,
  maxLabelLength: 256,
  maxKeyLength: 1024,
  maxTextLength: 1024,
  maxIds: 1e3
};
function requireUuid(field, value) {
  if (value === "") throw invalidArgument(field, "required");
  if (!uuidPattern.test(value)) throw invalidArgument(field, "must be a UUID");
  return value.toLowerCase();
}
function uuidOrNew(field, value) {
  return value === "" ? randomUUID() : requireUuid(field, value);
}
function page(limit, offset) {
  if (limit < 0 || limit > limits.maxPageSize) throw invalidArgument("limit", `must be between 0 and ${limits.maxPageSize}`);
  if (offset < 0 || offset > limits.maxOffset) throw invalidArgument("offset", `must be between 0 and ${limits.maxOffset}`);
  return { limit: limit === 0 ? limits.defaultPageSize : limit, offset };
}
function oneOf(field, value, allowed, fallback) {
  if (value === "") return fallback;
  if (!allowed.includes(value)) {
    throw invalidArgument(field, `must be one of ${allowed.map((item) => `"${item}"`).join(", ")}`);
  }
  return value;
}
function text(field, value, options = {}) {
  const { required = false, maxLength = limits.maxTextLength } = options;
  if (required && value === "") throw invalidArgument(field, "required");
  if (value.length > maxLength) throw invalidArgument(field, `longer than ${maxLength} characters`);
  if (value.includes("\0")) throw invalidArgument(field, "contains a NUL character");
  return value;
}
function jsonObjectText(field, value, maxBytes = limits.maxMetadataBytes) {
  const json = JSON.stringify(value ?? {});
  if (Buffer.byteLength(json) > maxBytes) throw invalidArgument(field, `larger than ${maxBytes} bytes of JSON`);
  if (json.includes("\\u0000")) throw invalidArgument(field, "contains a NUL character");
  return json;
}
function namespace(field, labels, { allowEmpty = false } = {}) {
  if (labels.length === 0 && !allowEmpty) throw invalidArgument(field, "must have at least one label");
  if (labels.length > limits.maxNamespaceDepth) throw invalidArgument(field, `deeper than ${limits.maxNamespaceDepth} labels`);
  for (const label of labels) {
    if (label === "") throw invalidArgument(field, "labels must not be empty");
    if (label.includes(".")) throw invalidArgument(field, "labels must not contain '.'");
    text(field, label, { maxLength: limits.maxLabelLength });
  }
  return [...labels];
}
function compact(value) {
  const result = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== void 0) result[key] = field;
  }
  return result;
}

// services/store/src/assistant-service.ts
function createAssistantService(guard, assistants, graphs) {
  return {
    async createAssistant(request, context) {
      const assistantId = uuidOrNew("assistant_id", request.assistantId);
      const graphId = text("graph_id", request.graphId, { required: true });
      if (graphs.size > 0 && !graphs.has(graphId)) throw invalidArgument2("graph_id", `no graph "${graphId}" is configured`);
      const ifExists = oneOf("if_exists", request.ifExists, ["raise", "do_nothing"], "raise");
      const name = text("name", request.name) || graphId;
      const description = text("description", request.description);
      const configJson = jsonObjectText("config", request.config);
      const contextJson = jsonObjectText("context", request.context);
      jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(
        context,
        compact({
          assistant_id: assistantId,
          graph_id: graphId,
          config: request.config ?? {},
          context: request.context ?? {},
          metadata: request.metadata ?? {},
          if_exists: ifExists,
          name,
          description
        })
      );
      const metadataJson = jsonObjectText("metadata", access.metadata ?? request.metadata);
      const created = await assistants.insert({ assistantId, graphId, configJson, contextJson, metadataJson, name, description });
      if (created !== void 0) return { assistant: assistantToProto(created) };
      const existing = ifExists === "do_nothing" ? await assistants.get(assistantId, access.filter) : void 0;
      if (existing === void 0) throw gatehouseError2(Code2.AlreadyExists, "ASSISTANT_ALREADY_EXISTS", "assistant already exists");
      return { assistant: assistantToProto(existing) };
    },
    async getAssistant(request, context) {
      const assistantId = requireUuid("assistant_id", request.assistantId);
      const access = await guard.authorize(context, { assistant_id: assistantId });
      const assistant = await assistants.get(assistantId, access.filter);
      if (assistant === void 0) throw notFound("assistant");
      return { assistant: assistantToProto(assistant) };
    },
    async searchAssistants(request, context) {
      const { limit, offset } = page(request.limit, request.offset);
      const graphId = request.graphId === "" ? void 0 : text("graph_id", request.graphId);
      const metadataJson = request.metadata === void 0 ? void 0 : jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(context, compact({ graph_id: graphId, metadata: request.metadata, limit, offset }));
      const rows = await assistants.search({ graphId, metadataJson, limit, offset }, access.filter);
      return { assistants: rows.map(assistantToProto) };
    }
  };
}

// services/store/src/item-service.ts
import { Code as Code3 } from "@connectrpc/connect";
import { gatehouseError as gatehouseError3, notFound as notFound2 } from "@gatehouse/errors";
function createItemService(guard, items) {
  return {
    async putItem(request, context) {
      const requested = {
        namespace: namespace("namespace", request.namespace),
        key: text("key", request.key, { required: true, maxLength: limits.maxKeyLength }),
        value: request.value ?? {}
      };
      jsonObjectText("value", requested.value, limits.maxValueBytes);
      const access = await guard.authorize(context, requested);
      const target = {
        namespace: namespace("namespace", access.item?.namespace ?? requested.namespace),
        key: text("key", access.item?.key || requested.key, { required: true, maxLength: limits.maxKeyLength }),
        value: access.item?.value ?? requested.value
      };
      const row = await items.put(
        target.namespace,
        target.key,
        jsonObjectText("value", target.value, limits.maxValueBytes),
        JSON.stringify(itemDocument(target.namespace, target.key, target.value)),
        access.filter
      );
      if (row === void 0) throw gatehouseError3(Code3.PermissionDenied, "PERMISSION_DENIED", "Forbidden");
      return { item: itemToProto(row) };
    },
    async getItem(request, context) {
      const requested = {
        namespace: namespace("namespace", request.namespace),
        key: text("key", request.key, { required: true, maxLength: limits.maxKeyLength })
      };
      const access = await guard.authorize(context, requested);
      const row = await items.get(
        namespace("namespace", access.item?.namespace ?? requested.namespace),
        access.item?.key || requested.key,
        access.filter
      );
      if (row === void 0) throw notFound2("item");
      return { item: itemToProto(row) };
    }
  };
}

// services/store/src/run-service.ts
import { randomUUID as randomUUID2 } from "node:crypto";
import { notFound as notFound3 } from "@gatehouse/errors";
var multitaskStrategies = ["reject", "interrupt", "rollback", "enqueue"];
function configWithAuth(config, user) {
  const clientConfigurable = config?.configurable;
  const configurable = clientConfigurable !== null && typeof clientConfigurable === "object" && !Array.isArray(clientConfigurable) ? clientConfigurable : {};
  return {
    ...config,
    configurable: {
      ...configurable,
      langgraph_auth_user: user,
      langgraph_auth_user_id: user.identity,
      langgraph_auth_permissions: user.permissions
    }
  };
}
function createRunService(guard, runs) {
  return {
    async createRun(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      const assistantId = text("assistant_id", request.assistantId, { required: true });
      const multitaskStrategy = oneOf("multitask_strategy", request.multitaskStrategy, multitaskStrategies, "reject");
      jsonObjectText("metadata", request.metadata);
      const runId = randomUUID2();
      const clientKwargs = compact({ input: request.input, config: request.config ?? {}, stream_mode: request.streamMode });
      jsonObjectText("input/config", clientKwargs, limits.maxValueBytes);
      const access = await guard.authorize(
        context,
        compact({
          thread_id: threadId,
          assistant_id: assistantId,
          run_id: runId,
          status: "pending",
          metadata: request.metadata ?? {},
          multitask_strategy: multitaskStrategy,
          kwargs: clientKwargs
        })
      );
      const kwargs = { ...clientKwargs, config: configWithAuth(request.config, access.user) };
      const run = await runs.insertOnVisibleThread(
        {
          runId,
          threadId,
          assistantId,
          metadataJson: jsonObjectText("metadata", access.metadata ?? request.metadata),
          kwargsJson: JSON.stringify(kwargs),
          multitaskStrategy
        },
        access.filter
      );
      if (run === void 0) throw notFound3("thread");
      return { run: runToProto(run) };
    },
    async getRun(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      const runId = requireUuid("run_id", request.runId);
      const access = await guard.authorize(context, { thread_id: threadId, run_id: runId });
      const run = await runs.get(threadId, runId, access.filter);
      if (run === void 0) throw notFound3("run");
      return { run: runToProto(run) };
    }
  };
}

// services/store/src/thread-service.ts
import { Code as Code4 } from "@connectrpc/connect";
import { gatehouseError as gatehouseError4, notFound as notFound4 } from "@gatehouse/errors";
var threadStatuses = ["idle", "busy", "interrupted", "error"];
function createThreadService(guard, threads) {
  return {
    async createThread(request, context) {
      const threadId = uuidOrNew("thread_id", request.threadId);
      const ifExists = oneOf("if_exists", request.ifExists, ["raise", "do_nothing"], "raise");
      jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(
        context,
        compact({ thread_id: threadId, metadata: request.metadata ?? {}, if_exists: ifExists })
      );
      const metadataJson = jsonObjectText("metadata", access.metadata ?? request.metadata);
      const created = await threads.insert(threadId, metadataJson);
      if (created !== void 0) return { thread: threadToProto(created) };
      const existing = ifExists === "do_nothing" ? await threads.get(threadId, access.filter) : void 0;
      if (existing === void 0) throw gatehouseError4(Code4.AlreadyExists, "THREAD_ALREADY_EXISTS", "thread already exists");
      return { thread: threadToProto(existing) };
    },
    async getThread(request, context) {
      const threadId = requireUuid("thread_id", request.threadId);
      const access = await guard.authorize(context, { thread_id: threadId });
      const thread = await threads.get(threadId, access.filter);
      if (thread === void 0) throw notFound4("thread");
      return { thread: threadToProto(thread) };
    },
    async searchThreads(request, context) {
      const { limit, offset } = page(request.limit, request.offset);
      const status = request.status === "" ? void 0 : oneOf("status", request.status, threadStatuses, "idle");
      if (request.ids.length > limits.maxIds) throw gatehouseError4(Code4.InvalidArgument, "INVALID_ARGUMENT", `ids: more than ${limits.maxIds}`);
      const ids = request.ids.length === 0 ? void 0 : request.ids.map((id, i) => requireUuid(`ids[${i}]`, id));
      const metadataJson = request.metadata === void 0 ? void 0 : jsonObjectText("metadata", request.metadata);
      const access = await guard.authorize(
        context,
        compact({ metadata: request.metadata, status, ids, limit, offset })
      );
      const rows = await threads.search({ metadataJson, status, ids, limit, offset }, access.filter);
      return { threads: rows.map(threadToProto) };
    }
  };
}

// services/store/src/routes.ts
function routes(deps) {
  const all = [
    { service: ThreadService, impl: createThreadService(deps.guard, deps.threads) },
    { service: AssistantService, impl: createAssistantService(deps.guard, deps.assistants, deps.graphs) },
    { service: RunService, impl: createRunService(deps.guard, deps.runs) },
    { service: ItemService, impl: createItemService(deps.guard, deps.items) }
  ];
  for (const { service } of all) {
    for (const method of service.methods) authEventOf(method);
  }
  return all;
}

// services/store/src/server.ts
async function startStoreServer(deps, logger2, host, port) {
  const server = new grpc.Server(serverOptions);
  for (const { service, impl } of routes(deps)) registerService(server, service, impl, { logger: logger2 });
  const boundPort = await listen(server, host, port);
  return { port: boundPort, stop: () => shutdown(server, 1e4) };
}

// services/store/src/sql/migrations.ts
var migrations = [
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
    -- {...value, namespace, key}: what store handler filters match (SPEC \xA75).
    doc jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, key)
  );
  CREATE INDEX items_doc_idx ON items USING gin (doc jsonb_path_ops);
  `
];

// services/store/src/sql/migrate.ts
var migrationLockId = 1734440037;
async function migrate(pool) {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLockId]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS gatehouse_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
    );
    const { rows } = await client.query("SELECT max(version) AS version FROM gatehouse_migrations");
    const current = rows[0]?.version ?? 0;
    for (let version = current + 1; version <= migrations.length; version += 1) {
      await client.query(migrations[version - 1]);
      await client.query("INSERT INTO gatehouse_migrations (version) VALUES ($1)", [version]);
    }
    await client.query("COMMIT");
    return migrations.length - current;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {
    });
    throw error;
  } finally {
    client.release();
  }
}

// services/store/src/main.ts
var logger = createLogger("store");
await runService("store", logger, async () => {
  const config = await loadConfig(envString("GATEHOUSE_CONFIG", "gatehouse.json"));
  const db = openDatabase(envString("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"), envInt("DATABASE_POOL_MAX", 10, { min: 1 }));
  const applied = await migrate(db);
  logger.info({ applied }, "schema up to date");
  const callTimeoutMs = envInt("GATEHOUSE_CALL_TIMEOUT_MS", 2e3, { min: 1 });
  const authnTransport = createGrpcTransport({
    target: envString("AUTHN_TARGET", "127.0.0.1:50052"),
    defaultTimeoutMs: callTimeoutMs,
    retryableServices: [AuthnService.typeName]
  });
  const authzTransport = createGrpcTransport({
    target: envString("AUTHZ_TARGET", "127.0.0.1:50053"),
    defaultTimeoutMs: callTimeoutMs,
    retryableServices: [AuthzService.typeName]
  });
  const identity = identityConfigFromEnv(logger);
  const cache = createIdentityCache({
    shared: sharedIdentityStoreFromEnv(logger),
    l1TtlMs: identity.l1TtlMs,
    l1MaxEntries: identity.l1MaxEntries,
    onSharedError: (error) => logger.warn({ err: error }, "identity cache unavailable; asking authn")
  });
  await cache.start();
  const guard = createAccessGuard({
    identity,
    cache,
    authn: createClient(AuthnService, authnTransport),
    authz: createClient(AuthzService, authzTransport),
    logger,
    callTimeoutMs
  });
  const host = envString("STORE_HOST", "127.0.0.1");
  const server = await startStoreServer(
    {
      guard,
      threads: createThreadRepo(db),
      assistants: createAssistantRepo(db),
      runs: createRunRepo(db),
      items: createItemRepo(db),
      graphs: new Set(Object.keys(config.graphs))
    },
    logger,
    host,
    envInt("STORE_PORT", 50051, { max: 65535 })
  );
  return {
    address: `${host}:${server.port}`,
    async stop() {
      await server.stop();
      authnTransport.close();
      authzTransport.close();
      await cache.close();
      await db.end();
    }
  };
});
