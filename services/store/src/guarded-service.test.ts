import { clone, create, setExtension, type DescMethod, type DescMethodServerStreaming } from "@bufbuild/protobuf";
import { MethodOptionsSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { auth_event, DecisionSchema, Effect, ThreadService } from "@gatehouse/contracts";
import { createLogger } from "@gatehouse/server";
import { describe, expect, it } from "vitest";
import { Access, createAccessGuard } from "./authorization.js";
import { declaredEvent, guardedService, rpc } from "./guarded-service.js";

/** ThreadService.GetThread as if its contract declared `event`. */
function declaring(event: string): DescMethod {
  const method = ThreadService.method.getThread;
  const options = method.proto.options ? clone(MethodOptionsSchema, method.proto.options) : create(MethodOptionsSchema);
  setExtension(options, auth_event, event);
  return { ...method, proto: { ...method.proto, options } } as DescMethod;
}

function guardAnswering(effect: Effect, asked: string[]) {
  return createAccessGuard({
    authenticate: async () => ({ identity: "user-1", display_name: "user-1", is_authenticated: true, permissions: [] }),
    authz: {
      async authorize(request) {
        asked.push(`${request.resource}:${request.action}`);
        return create(DecisionSchema, { effect });
      },
    },
    logger: createLogger("store-test"),
    callTimeoutMs: 1_000,
  });
}

describe("guardedService", () => {
  it("a misspelt auth_event stops start-up, and the error names the RPC", () => {
    expect(() => declaredEvent(declaring("threads:raed"), "threads")).toThrow(
      /gatehouse\.store\.v1\.ThreadService\.GetThread declares auth_event "threads:raed", which is not a known event/,
    );
  });

  it("an event on another resource than the service guards stops start-up", () => {
    expect(() => declaredEvent(declaring("crons:read"), "threads")).toThrow(/ThreadService\.GetThread declares auth_event "crons:read", but its service guards threads/);
  });

  describe("a server-streaming method", () => {
    // GetThread served as a stream: the wrapper serves any method kind Connect streams from the server.
    const streaming = { ...ThreadService.method.getThread, methodKind: "server_streaming" } as unknown as DescMethodServerStreaming<
      typeof ThreadService.method.getThread.input,
      typeof ThreadService.method.getThread.output
    >;
    const service = { ...ThreadService, methods: [streaming], method: { getThread: streaming } };

    function serve(effect: Effect) {
      const asked: string[] = [];
      const ran: string[] = [];
      const route = guardedService(service, "threads", guardAnswering(effect, asked), {
        getThread: rpc({
          authorize(request) {
            return { value: { thread_id: request.threadId }, input: request.threadId };
          },
          async *run(threadId, access) {
            ran.push(threadId);
            for (const status of ["idle", "busy"]) yield { thread: { threadId, status, metadata: { caller: access.user.identity } } };
          },
        }),
      });
      const transport = createRouterTransport((router) => router.service(route.service, route.impl));
      const client = createClient(service, transport) as unknown as { getThread(request: object): AsyncIterable<{ thread?: { status: string } }> };
      return { client, asked, ran };
    }

    it("is authorized before its first message, then streams", async () => {
      const { client, asked } = serve(Effect.ALLOW);
      const statuses: string[] = [];
      for await (const message of client.getThread({ threadId: "t" })) statuses.push(message.thread!.status);
      expect(statuses).toEqual(["idle", "busy"]);
      expect(asked).toEqual(["threads:read"]);
    });

    it("when denied, answers PERMISSION_DENIED and its body never runs", async () => {
      const { client, asked, ran } = serve(Effect.DENY);
      const messages: unknown[] = [];
      const error = await (async () => {
        for await (const message of client.getThread({ threadId: "t" })) messages.push(message);
      })().catch((caught: unknown) => ConnectError.from(caught));
      expect(error?.code).toBe(Code.PermissionDenied);
      expect(messages).toEqual([]);
      expect(ran).toEqual([]);
      expect(asked).toEqual(["threads:read"]);
    });
  });
});

// Compile-time checks: tsc fails if any of these starts to compile.
export function typeChecks(guard: ReturnType<typeof guardAnswering>, filter: import("@gatehouse/filters").FilterExpr, threads: import("./repo/thread-repo.js").ThreadRepo) {
  // @ts-expect-error a service missing a method does not compile
  guardedService(ThreadService, "threads", guard, {});
  // @ts-expect-error a repository takes an Access, never a bare filter
  void threads.get("id", filter);
  // @ts-expect-error an Access is made by the guard only
  void new Access(Symbol("access"), "threads", { identity: "u", display_name: "u", is_authenticated: true, permissions: [] }, filter, undefined, undefined);
}
