import { Code, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { ItemService } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, invalidArgument, notFound } from "@gatehouse/errors";
import { FilterError, matchAll, parseFilter, type FilterExpr, type JsonObject } from "@gatehouse/filters";
import type { Access, AccessGuard } from "./access-guard.js";
import { itemDocument, type ItemRepo } from "./repo/item-repo.js";
import { itemToProto } from "./rows-to-proto.js";
import { jsonObjectText, limits, namespace, page, text } from "./validate.js";

function key(value: string): string {
  return text("key", value, { required: true, maxLength: limits.maxKeyLength });
}

/** Where a store handler says the request applies: its rewritten namespace and key, validated like client input. */
function target(access: Access, requested: { namespace: string[]; key?: string }) {
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
export function createItemService(guard: AccessGuard, items: ItemRepo): ServiceImpl<typeof ItemService> {
  async function authorizeAddress(context: HandlerContext, labels: readonly string[], itemKey: string) {
    const requested = { namespace: namespace("namespace", labels), key: key(itemKey) };
    const access = await guard.authorize(context, requested);
    return { access, ...(target(access, requested) as { namespace: string[]; key: string }) };
  }

  return {
    async putItem(request, context) {
      const requested = { namespace: namespace("namespace", request.namespace), key: key(request.key), value: request.value ?? {} };
      jsonObjectText("value", requested.value, limits.maxValueBytes);
      const access = await guard.authorize(context, requested);
      const address = target(access, requested) as { namespace: string[]; key: string };
      const value = access.item?.value ?? requested.value;
      const row = await items.put(
        address.namespace,
        address.key,
        jsonObjectText("value", value, limits.maxValueBytes),
        JSON.stringify(itemDocument(address.namespace, address.key, value)),
        access.filter,
      );
      if (row === undefined) throw forbidden();
      return { item: itemToProto(row) };
    },

    async getItem(request, context) {
      const { access, namespace: labels, key: itemKey } = await authorizeAddress(context, request.namespace, request.key);
      const row = await items.get(labels, itemKey, access.filter);
      if (row === undefined) throw notFound("item");
      return { item: itemToProto(row) };
    },

    async deleteItem(request, context) {
      const { access, namespace: labels, key: itemKey } = await authorizeAddress(context, request.namespace, request.key);
      if (!(await items.delete(labels, itemKey, access.filter))) throw notFound("item");
      return {};
    },

    async searchItems(request, context) {
      const prefix = namespace("namespace_prefix", request.namespacePrefix, { allowEmpty: true });
      const { limit, offset } = page(request.limit, request.offset);
      if (request.query !== "") throw invalidArgument("query", "semantic search is not supported; filter on values instead");
      const filter = valueFilter(request.filter);
      const access = await guard.authorize(context, { namespace: prefix, filter: request.filter ?? {}, limit, offset });
      const rows = await items.search(target(access, { namespace: prefix }).namespace, filter, limit, offset, access.filter);
      return { items: rows.map(itemToProto) };
    },

    async listNamespaces(request, context) {
      const prefix = namespace("prefix", request.prefix, { allowEmpty: true });
      const suffix = namespace("suffix", request.suffix, { allowEmpty: true });
      if (request.maxDepth < 0 || request.maxDepth > limits.maxNamespaceDepth) {
        throw invalidArgument("max_depth", `must be between 0 and ${limits.maxNamespaceDepth}`);
      }
      const { limit, offset } = page(request.limit === 0 ? 100 : request.limit, request.offset);
      const access = await guard.authorize(context, {
        namespace: prefix,
        suffix,
        max_depth: request.maxDepth,
        limit,
        offset,
      });
      const namespaces = await items.listNamespaces(
        { prefix: target(access, { namespace: prefix }).namespace, suffix, maxDepth: request.maxDepth, limit, offset },
        access.filter,
      );
      return { namespaces: namespaces.map((labels) => ({ labels })) };
    },
  };
}
