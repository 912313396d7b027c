import { describe, expect, it } from "vitest";
import { HttpError } from "./errors.js";
import { forwardedHeaders } from "./forward-headers.js";

describe("forwarded headers", () => {
  it("the caller's credentials and custom headers reach the store as they came", () => {
    expect(forwardedHeaders({ authorization: "Bearer t", "x-api-key": "k", "x-tenant": "acme" })).toEqual({
      authorization: "Bearer t",
      "x-api-key": "k",
      "x-tenant": "acme",
    });
  });

  it("the caller's trace headers are dropped, since the gateway sends its own as the next hop", () => {
    const forwarded = forwardedHeaders({ authorization: "Bearer t", traceparent: "garbage", tracestate: "x".repeat(600), "x-request-id": "r1" });
    expect(forwarded).toEqual({ authorization: "Bearer t" });
  });

  it("hop-by-hop headers, headers the Connection header names, and transport headers are dropped", () => {
    const forwarded = forwardedHeaders({
      connection: "keep-alive, x-hop",
      "keep-alive": "timeout=5",
      "x-hop": "1",
      "transfer-encoding": "chunked",
      "proxy-authorization": "Basic x",
      host: "localhost",
      "content-type": "application/json",
      "content-length": "10",
      "user-agent": "sdk",
      authorization: "Bearer t",
    });
    expect(forwarded).toEqual({ authorization: "Bearer t" });
  });

  it("a caller cannot set grpc-* or binary metadata on the store's call", () => {
    expect(forwardedHeaders({ "grpc-timeout": "1n", "x-trace-bin": "AAAA", authorization: "Bearer t" })).toEqual({ authorization: "Bearer t" });
  });

  it("a value gRPC metadata cannot carry is a 400 naming the header and not its value", () => {
    const error = (() => {
      try {
        forwardedHeaders({ authorization: "Bearer t\u00e9secret" });
      } catch (caught) {
        return caught as HttpError;
      }
    })();
    expect(error).toBeInstanceOf(HttpError);
    expect(error?.status).toBe(400);
    expect(error?.detail).toBe("header authorization: only printable ASCII can be forwarded");
  });
});
