import { Code, ConnectError } from "@connectrpc/connect";
import type { Item } from "@gatehouse/contracts";
import { unprocessable } from "./errors.js";
import { bodyObject, optionalInt, optionalObject, optionalString, optionalStringList, rejectFields } from "./fields.js";
import { json, noContent, route, type Route } from "./route.js";
import type { TranslatorDeps } from "./store-clients.js";
import { object, present, requiredIsoTime } from "./wire.js";

/** A store item as LangGraph servers send it (the SDK adds camel-case createdAt/updatedAt itself). */
export function itemJson(item: Item) {
  return {
    namespace: item.namespace,
    key: item.key,
    value: object(item.value),
    created_at: requiredIsoTime(item.createdAt),
    updated_at: requiredIsoTime(item.updatedAt),
  };
}

/** The call's result, or undefined when the store answers NOT_FOUND. */
async function ifFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ConnectError && error.code === Code.NotFound) return undefined;
    throw error;
  }
}

/**
 * The store endpoints: put, get, delete and search items, list namespaces.
 * Gatehouse has no semantic index and no item expiry, so `index` lists,
 * `ttl` values and search `query` text are refused rather than ignored.
 */
export function storeItemRoutes({ store }: TranslatorDeps): Route[] {
  return [
    route("PUT", "/store/items", async ({ body, call }) => {
      const fields = bodyObject(body);
      rejectFields(fields, ["index"], "Gatehouse has no semantic index; send false or omit it", [false]);
      rejectFields(fields, ["ttl"], "item time-to-live is not supported by Gatehouse");
      const value = optionalObject(fields, "value");
      if (value === undefined) throw unprocessable("value", "required");
      await store.items.putItem({ namespace: optionalStringList(fields, "namespace") ?? [], key: optionalString(fields, "key") ?? "", value }, call);
      return noContent;
    }),

    // The SDK sends the namespace as one query parameter with labels joined by ".", which labels may not contain.
    // A missing item is `null` (the SDK's getItem returns null), and so is one the caller's filter hides.
    route("GET", "/store/items", async ({ query, call }) => {
      const namespace = query.get("namespace");
      const request = { namespace: namespace === null || namespace === "" ? [] : namespace.split("."), key: query.get("key") ?? "" };
      const item = await ifFound(store.items.getItem(request, call).then((response) => present(response.item, "an item")));
      return json(item === undefined ? null : itemJson(item));
    }),

    // Deleting is idempotent, as on LangGraph servers: a missing (or hidden) item answers 204 too.
    route("DELETE", "/store/items", async ({ body, call }) => {
      const fields = bodyObject(body);
      await ifFound(store.items.deleteItem({ namespace: optionalStringList(fields, "namespace") ?? [], key: optionalString(fields, "key") ?? "" }, call));
      return noContent;
    }),

    route("POST", "/store/items/search", async ({ body, call }) => {
      const fields = bodyObject(body);
      const { items } = await store.items.searchItems(
        {
          namespacePrefix: optionalStringList(fields, "namespace_prefix") ?? [],
          filter: optionalObject(fields, "filter"),
          limit: optionalInt(fields, "limit") ?? 0,
          offset: optionalInt(fields, "offset") ?? 0,
          query: optionalString(fields, "query") ?? "",
        },
        call,
      );
      return json({ items: items.map(itemJson) });
    }),

    route("POST", "/store/namespaces", async ({ body, call }) => {
      const fields = bodyObject(body);
      const { namespaces } = await store.items.listNamespaces(
        {
          prefix: optionalStringList(fields, "prefix") ?? [],
          suffix: optionalStringList(fields, "suffix") ?? [],
          maxDepth: optionalInt(fields, "max_depth") ?? 0,
          limit: optionalInt(fields, "limit") ?? 0,
          offset: optionalInt(fields, "offset") ?? 0,
        },
        call,
      );
      return json({ namespaces: namespaces.map((namespace) => namespace.labels) });
    }),
  ];
}
