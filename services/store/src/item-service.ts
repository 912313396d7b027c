import { Code } from "@connectrpc/connect";
import { ItemService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, invalidArgument } from "@gatehouse/errors";
import { FilterError, matchAll, parseFilter, type FilterExpr, type JsonObject } from "@gatehouse/filters";
import type { Access, AccessGuard } from "./authorization.js";
import { changed, found } from "./found.js";
import { guardedService, rpc } from "./guarded-service.js";
import { itemDocument, type ItemRepo } from "./repo/item-repo.js";
import { itemToProto } from "./rows-to-proto.js";
import { jsonObjectText, limits, namespace, page, text } from "./validate.js";

function key(value: string): string {
  return text("key", value, { required: true, maxLength: limits.maxKeyLength });
}

/** Where a store handler says the request applies: its rewritten namespace and key, validated like client input. */
function target(access: Access<"store">, requested: { namespace: string[]; key?: string }) {
  return {
    namespace: namespace("namespace", access.item?.namespace ?? requested.namespace, { allowEmpty: requested.key === undefined }),
    key: requested.key === undefined ? undefined : key(access.item?.key || requested.key),
  };
}

/** The client's filter on item values, in the handler filter language; malformed is INVALID_ARGUMENT. */
function valueFilter(filter: JsonObject | undefined): FilterExpr {
  if (filter === undefined) return matchAll;
  try {
    return parseFilter(filter);
  } catch (error) {
    if (error instanceof FilterError) throw invalidArgument("filter", error.message);
    throw error;
  }
}

// A hidden existing item and a new item the filter rejects answer alike: no existence leak.
const forbidden = () => gatehouseError(Code.PermissionDenied, ErrorReason.PERMISSION_DENIED, "Forbidden");

/**
 * ItemService: the key-value store. A store handler may rewrite the
 * namespace, key and value (README "Your auth module"); what it leaves is what is stored or
 * read, and it is validated like client input.
 */
export function itemServiceRoute(guard: AccessGuard, items: ItemRepo) {
  function address(request: { namespace: string[]; key: string }) {
    const requested = { namespace: namespace("namespace", request.namespace), key: key(request.key) };
    return { value: requested, input: requested };
  }

  return guardedService(ItemService, "store", guard, {
    putItem: rpc({
      authorize(request) {
        const requested = { namespace: namespace("namespace", request.namespace), key: key(request.key), value: request.value ?? {} };
        jsonObjectText("value", requested.value, limits.maxValueBytes);
        return { value: requested, input: requested };
      },
      async run(requested, access) {
        const { namespace: labels, key: itemKey } = target(access, requested) as { namespace: string[]; key: string };
        const value = access.item?.value ?? requested.value;
        const row = await items.put(
          labels,
          itemKey,
          jsonObjectText("value", value, limits.maxValueBytes),
          JSON.stringify(itemDocument(labels, itemKey, value)),
          access,
        );
        if (row === undefined) throw forbidden();
        return { item: itemToProto(row) };
      },
    }),

    getItem: rpc({
      authorize: address,
      async run(requested, access) {
        const { namespace: labels, key: itemKey } = target(access, requested) as { namespace: string[]; key: string };
        return { item: itemToProto(found(await items.get(labels, itemKey, access), "item")) };
      },
    }),

    deleteItem: rpc({
      authorize: address,
      async run(requested, access) {
        const { namespace: labels, key: itemKey } = target(access, requested) as { namespace: string[]; key: string };
        changed(await items.delete(labels, itemKey, access), "item");
        return {};
      },
    }),

    searchItems: rpc({
      authorize(request) {
        const prefix = namespace("namespace_prefix", request.namespacePrefix, { allowEmpty: true });
        const { limit, offset } = page(request.limit, request.offset);
        if (request.query !== "") throw invalidArgument("query", "semantic search is not supported; filter on values instead");
        const filter = valueFilter(request.filter);
        return { value: { namespace: prefix, filter: request.filter ?? {}, limit, offset }, input: { prefix, filter, limit, offset } };
      },
      async run({ prefix, filter, limit, offset }, access) {
        const rows = await items.search(target(access, { namespace: prefix }).namespace, filter, limit, offset, access);
        return { items: rows.map(itemToProto) };
      },
    }),

    listNamespaces: rpc({
      authorize(request) {
        const prefix = namespace("prefix", request.prefix, { allowEmpty: true });
        const suffix = namespace("suffix", request.suffix, { allowEmpty: true });
        if (request.maxDepth < 0 || request.maxDepth > limits.maxNamespaceDepth) {
          throw invalidArgument("max_depth", `must be between 0 and ${limits.maxNamespaceDepth}`);
        }
        const { limit, offset } = page(request.limit === 0 ? 100 : request.limit, request.offset);
        return {
          value: { namespace: prefix, suffix, max_depth: request.maxDepth, limit, offset },
          input: { prefix, suffix, maxDepth: request.maxDepth, limit, offset },
        };
      },
      async run(input, access) {
        const namespaces = await items.listNamespaces({ ...input, prefix: target(access, { namespace: input.prefix }).namespace }, access);
        return { namespaces: namespaces.map((labels) => ({ labels })) };
      },
    }),
  });
}
