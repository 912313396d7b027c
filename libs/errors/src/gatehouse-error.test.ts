import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, ErrorReasonSchema } from "@gatehouse/contracts";
import { describe, expect, it } from "vitest";
import { ErrorReason, errorInfoOf, gatehouseError, httpStatusError, httpStatusOf, notFound, reasonName } from "./index.js";

describe("error reasons", () => {
  it("sends every reason as its proto name without the ERROR_REASON_ prefix", () => {
    for (const value of ErrorReasonSchema.values) {
      if (value.number === ErrorReason.UNSPECIFIED) continue;
      expect(reasonName(value.number)).toBe(value.name.replace(/^ERROR_REASON_/, ""));
    }
  });

  it("refuses to build an error with the unspecified reason", () => {
    expect(() => gatehouseError(Code.Internal, ErrorReason.UNSPECIFIED, "x")).toThrow(/not an error reason/);
  });

  it("names the kind of a NOT_FOUND in its reason, as clients have always seen it", () => {
    expect(errorInfoOf(notFound("thread"))).toMatchObject({ reason: "THREAD_NOT_FOUND", domain: "gatehouse" });
    expect(errorInfoOf(notFound("cron"))).toMatchObject({ reason: "CRON_NOT_FOUND" });
  });
});

describe("HTTP statuses carried in ErrorInfo", () => {
  it("keeps a status that shares its gRPC code with others", () => {
    const error = httpStatusError(402, ErrorReason.PERMISSION_DENIED, "Payment required");
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(httpStatusOf(error)).toBe(402);
  });

  it("ignores an http_status that does not come from Gatehouse's own domain", () => {
    const error = gatehouseError(Code.FailedPrecondition, ErrorReason.PERMISSION_DENIED, "x", { http_status: "402" });
    expect(httpStatusOf(error)).toBe(402);
    const foreign = new ConnectError("x", Code.FailedPrecondition, undefined, [
      { desc: ErrorInfoSchema, value: { reason: "PAYMENT", domain: "example.com", metadata: { http_status: "402" } } },
    ]);
    expect(httpStatusOf(foreign)).toBeUndefined();
  });

  it("ignores an http_status that is not a status", () => {
    expect(httpStatusOf(gatehouseError(Code.Internal, ErrorReason.INTERNAL, "x", { http_status: "99999" }))).toBeUndefined();
  });
});
