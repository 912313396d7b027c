import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, createClient, createRouterTransport, type HandlerContext } from "@connectrpc/connect";
import { AuthzService, Effect, type AuthorizeBatchRequest, type AuthorizeRequest } from "@gatehouse/contracts";
import { describe, expect, it } from "vitest";
import { createBatchingAuthorizer } from "./authz-batcher.js";

type Script = (request: AuthorizeBatchRequest, context: HandlerContext) => AsyncIterable<unknown>;
type UnaryScript = (request: AuthorizeRequest, context: HandlerContext) => Promise<unknown>;

/** A batching authorizer over an in-memory AuthzService whose AuthorizeBatch (and Authorize, for lone events) follow the scripts. */
function authorizerOver(script: Script, unary: UnaryScript = async () => ({})) {
  const transport = createRouterTransport(({ service }) =>
    service(AuthzService, { authorize: unary as never, authorizeBatch: script as never }),
  );
  return createBatchingAuthorizer(createClient(AuthzService, transport));
}

const allow = (index: number) => ({ index, result: { result: { case: "decision", value: { effect: Effect.ALLOW, handlerKey: `h${index}` } } } });
const event = (identity: string) => ({ user: { identity }, resource: "threads", action: "read" });

async function outcome(promise: Promise<unknown>, started: number) {
  try {
    await promise;
    return { ok: true, ms: performance.now() - started };
  } catch (error) {
    return { ok: false, code: ConnectError.from(error).code, ms: performance.now() - started };
  }
}

describe("the batching authorizer", () => {
  it("sends the events of one turn together, each with its own budget, on a call whose deadline is the latest", async () => {
    const seen: { timeouts: number[]; callTimeout: number | undefined }[] = [];
    const authorizer = authorizerOver(async function* (request, context) {
      seen.push({ timeouts: request.requests.map((one) => one.timeoutMs), callTimeout: context.timeoutMs() });
      for (let index = 0; index < request.requests.length; index++) yield allow(index);
    });
    const decisions = await Promise.all([authorizer.authorize(event("a"), 300), authorizer.authorize(event("b"), 1_000), authorizer.authorize(event("c"), 50)]);
    expect(decisions.map((decision) => decision.handlerKey)).toEqual(["h0", "h1", "h2"]);
    expect(seen).toHaveLength(1);
    const [a, b, c] = seen[0]!.timeouts;
    expect(a).toBeGreaterThan(250);
    expect(a).toBeLessThanOrEqual(300);
    expect(b).toBeGreaterThan(950);
    expect(c).toBeLessThanOrEqual(50);
    expect(seen[0]!.callTimeout).toBeGreaterThan(900);
  });

  it("fails an event alone at its own deadline while the others get their decisions later", async () => {
    const authorizer = authorizerOver(async function* () {
      await sleep(150);
      yield allow(0);
      yield allow(1);
    });
    const started = performance.now();
    const [impatient, patient] = await Promise.all([
      outcome(authorizer.authorize(event("impatient"), 1), started),
      outcome(authorizer.authorize(event("patient"), 2_000), started),
    ]);
    expect(impatient).toMatchObject({ ok: false, code: Code.DeadlineExceeded });
    expect(impatient.ms).toBeLessThan(100);
    expect(patient.ok).toBe(true);
  });

  it("resolves each event as soon as its result arrives, not when the batch ends", async () => {
    const authorizer = authorizerOver(async function* () {
      yield allow(1);
      await sleep(300);
      yield allow(0);
    });
    const started = performance.now();
    const [slow, fast] = await Promise.all([
      outcome(authorizer.authorize(event("slow"), 2_000), started),
      outcome(authorizer.authorize(event("fast"), 2_000), started),
    ]);
    expect(fast.ok && slow.ok).toBe(true);
    expect(fast.ms).toBeLessThan(150);
    expect(slow.ms).toBeGreaterThanOrEqual(280);
  });

  it("rejects an event with the error authz answered for it alone, and one authz never answered with INTERNAL", async () => {
    const authorizer = authorizerOver(async function* () {
      yield { index: 0, result: { result: { case: "error", value: { code: Code.Internal, message: "the authorization handler failed" } } } };
      yield allow(1);
    });
    const started = performance.now();
    const [failed, allowed, forgotten] = await Promise.all([
      outcome(authorizer.authorize(event("a"), 2_000), started),
      outcome(authorizer.authorize(event("b"), 2_000), started),
      outcome(authorizer.authorize(event("c"), 2_000), started),
    ]);
    expect(failed).toMatchObject({ ok: false, code: Code.Internal });
    expect(allowed.ok).toBe(true);
    expect(forgotten).toMatchObject({ ok: false, code: Code.Internal });
  });

  it("ends the batch call for authz too once the last event's deadline has passed", async () => {
    let cancelled = false;
    const authorizer = authorizerOver(async function* (_request, context) {
      context.signal.addEventListener("abort", () => (cancelled = true));
      await sleep(5_000, undefined, { signal: context.signal }).catch(() => {});
      yield allow(0);
    });
    const started = performance.now();
    const outcomes = await Promise.all([outcome(authorizer.authorize(event("a"), 30), started), outcome(authorizer.authorize(event("b"), 40), started)]);
    expect(outcomes).toMatchObject([
      { ok: false, code: Code.DeadlineExceeded },
      { ok: false, code: Code.DeadlineExceeded },
    ]);
    await expect.poll(() => cancelled, { timeout: 1_000 }).toBe(true);
  });

  it("sends a lone event at once as a unary call, with its budget, and cancels it at the event's deadline", async () => {
    const seen: number[] = [];
    let cancelled = false;
    const authorizer = authorizerOver(
      async function* () {
        throw new Error("a lone event is not batched");
      },
      async (request, context) => {
        seen.push(request.timeoutMs);
        if (request.user?.identity === "slow") {
          context.signal.addEventListener("abort", () => (cancelled = true));
          await sleep(5_000, undefined, { signal: context.signal }).catch(() => {});
        }
        return { decision: { effect: Effect.ALLOW, handlerKey: "lone" } };
      },
    );
    expect((await authorizer.authorize(event("a"), 500)).handlerKey).toBe("lone");
    expect(seen[0]).toBeGreaterThan(450);
    expect(seen[0]).toBeLessThanOrEqual(500);
    const started = performance.now();
    expect(await outcome(authorizer.authorize(event("slow"), 30), started)).toMatchObject({ ok: false, code: Code.DeadlineExceeded });
    await expect.poll(() => cancelled, { timeout: 1_000 }).toBe(true);
  });

  it("rejects a lone event with the error authz answered for it", async () => {
    const authorizer = authorizerOver(
      async function* () {
        throw new Error("a lone event is not batched");
      },
      async () => {
        throw new ConnectError("the authorization handler failed", Code.Internal);
      },
    );
    expect(await outcome(authorizer.authorize(event("a"), 2_000), performance.now())).toMatchObject({ ok: false, code: Code.Internal });
  });
});
