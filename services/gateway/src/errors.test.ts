import { Code, ConnectError } from "@connectrpc/connect";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { ErrorInfoSchema, RetryInfoSchema } from "@gatehouse/contracts";
import { ErrorReason, gatehouseError, httpStatusError, notFound, rateLimitExceeded } from "@gatehouse/errors";
import { describe, expect, it } from "vitest";
import { HttpError, httpErrorFrom } from "./errors.js";

describe("store errors as HTTP errors", () => {
  it.each([
    [Code.NotFound, 404],
    [Code.PermissionDenied, 403],
    [Code.Unauthenticated, 401],
    [Code.AlreadyExists, 409],
    [Code.InvalidArgument, 422],
    [Code.FailedPrecondition, 400],
    [Code.ResourceExhausted, 429],
    [Code.Unimplemented, 501],
    [Code.Unavailable, 503],
    [Code.DeadlineExceeded, 504],
    [Code.Internal, 500],
  ])("gRPC code %s is HTTP %s, with the store's message as the detail", (code, status) => {
    expect(httpErrorFrom(gatehouseError(code, ErrorReason.INTERNAL, "what happened"))).toMatchObject({ status, detail: "what happened" });
  });

  it("a 401's www-authenticate challenge becomes a response header", () => {
    const error = gatehouseError(Code.Unauthenticated, ErrorReason.CREDENTIAL_REJECTED, "Invalid token", {}, { "www-authenticate": "Bearer", "x-internal": "1" });
    expect(httpErrorFrom(error).headers).toEqual({ "www-authenticate": "Bearer" });
  });

  it("a transport error's message, which can name internal addresses, is replaced", () => {
    const error = new ConnectError("No connection established. Last error: connect ECONNREFUSED 10.0.0.7:50051", Code.Unavailable);
    expect(httpErrorFrom(error)).toMatchObject({ status: 503, detail: "the store is unavailable; retry later" });
  });

  it("an unexpected error is a 500 that says nothing about its cause", () => {
    expect(httpErrorFrom(new TypeError("cannot read x of undefined"))).toMatchObject({ status: 500, detail: "internal error" });
  });

  it("a hidden row and a missing row answer with the same status and detail", () => {
    expect(httpErrorFrom(notFound("thread"))).toEqual(httpErrorFrom(notFound("thread")));
    expect(httpErrorFrom(new HttpError(422, "limit: must be a 32-bit integer")).detail).toBe("limit: must be a 32-bit integer");
  });

  it("a missing resource is worded as LangGraph words it, naming the id from the request's path", () => {
    const id = "6f1c1a52-6a4e-4d61-9d8e-3c7a8e1d2f00";
    expect(httpErrorFrom(notFound("thread"), { thread_id: id })).toMatchObject({ status: 404, detail: `Thread with ID ${id} not found` });
    expect(httpErrorFrom(notFound("run"), { thread_id: "t", run_id: id }).detail).toBe(`Run with ID ${id} not found`);
    expect(httpErrorFrom(notFound("assistant"), { assistant_id: "agent" }).detail).toBe("Assistant with ID agent not found");
    expect(httpErrorFrom(notFound("cron"), { cron_id: id }).detail).toBe(`Cron with ID ${id} not found`);
    // An id the caller did not put in the path (a body's assistant_id) is not named.
    expect(httpErrorFrom(notFound("assistant"), { thread_id: id }).detail).toBe("Assistant not found");
    expect(httpErrorFrom(notFound("item")).detail).toBe("Item not found");
  });

  it("the store's RATE_LIMITED is a 429 whose Retry-After is the store's, in whole seconds", () => {
    expect(httpErrorFrom(rateLimitExceeded(1_200))).toMatchObject({ status: 429, detail: "too many requests; retry later", headers: { "retry-after": "2" } });
  });

  it("a RESOURCE_EXHAUSTED that says when to retry only in RetryInfo still gets a Retry-After", () => {
    const error = gatehouseError(Code.ResourceExhausted, ErrorReason.RATE_LIMITED, "over quota");
    error.details.push({ desc: RetryInfoSchema, value: { retryDelay: durationFromMs(300) } });
    expect(httpErrorFrom(error).headers).toEqual({ "retry-after": "1" });
  });

  it.each([402, 410, 412, 400, 418])("an HTTPException's status %s reaches the client unchanged", (status) => {
    expect(httpErrorFrom(httpStatusError(status, ErrorReason.PERMISSION_DENIED, "no"))).toMatchObject({ status, detail: "no" });
  });

  it("ignores a carried status from another ErrorInfo domain or one that contradicts the code", () => {
    const foreign = new ConnectError("no", Code.FailedPrecondition, undefined, [
      { desc: ErrorInfoSchema, value: { reason: "X", domain: "example.com", metadata: { http_status: "402" } } },
    ]);
    expect(httpErrorFrom(foreign).status).toBe(400);
    expect(httpErrorFrom(gatehouseError(Code.NotFound, ErrorReason.THREAD_NOT_FOUND, "x", { http_status: "200" })).status).toBe(404);
  });
});
