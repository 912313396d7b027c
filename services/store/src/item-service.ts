import { Code, type ServiceImpl } from "@connectrpc/connect";
import type { ItemService } from "@gatehouse/contracts";
import { gatehouseError, notFound } from "@gatehouse/errors";
import type { AccessGuard } from "./access-guard.js";
import { itemDocument, type ItemRepo } from "./repo/item-repo.js";
import { itemToProto } from "./rows-to-proto.js";
import { jsonObjectText, limits, namespace, text } from "./validate.js";

/**
 * ItemService: the key-value store. A store handler may rewrite the
 * namespace, key and value (SPEC §4); what it leaves is what is stored or
 * read, and it is validated like client input.
 */
export function createItemService(guard: AccessGuard, items: ItemRepo): ServiceImpl<typeof ItemService> {
  return {
    async putItem(request, context) {
      const requested = {
        namespace: namespace("namespace", request.namespace),
        key: text("key", request.key, { required: true, maxLength: limits.maxKeyLength }),
        value: request.value ?? {},
      };
      jsonObjectText("value", requested.value, limits.maxValueBytes);
      const access = await guard.authorize(context, requested);
      const target = {
        namespace: namespace("namespace", access.item?.namespace ?? requested.namespace),
        key: text("key", access.item?.key || requested.key, { required: true, maxLength: limits.maxKeyLength }),
        value: access.item?.value ?? requested.value,
      };
      const row = await items.put(
        target.namespace,
        target.key,
        jsonObjectText("value", target.value, limits.maxValueBytes),
        JSON.stringify(itemDocument(target.namespace, target.key, target.value)),
        access.filter,
      );
      // A hidden existing item and a new item the filter rejects answer alike: no existence leak.
      if (row === undefined) throw gatehouseError(Code.PermissionDenied, "PERMISSION_DENIED", "Forbidden");
      return { item: itemToProto(row) };
    },

    async getItem(request, context) {
      const requested = {
        namespace: namespace("namespace", request.namespace),
        key: text("key", request.key, { required: true, maxLength: limits.maxKeyLength }),
      };
      const access = await guard.authorize(context, requested);
      const row = await items.get(
        namespace("namespace", access.item?.namespace ?? requested.namespace),
        access.item?.key || requested.key,
        access.filter,
      );
      if (row === undefined) throw notFound("item");
      return { item: itemToProto(row) };
    },
  };
}
