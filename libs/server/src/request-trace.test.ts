import { describe, expect, it } from "vitest";
import { traceFromHeaders, traceHeaders, traceLogFields } from "./request-trace.js";

const headers = (values: Record<string, string>) => (name: string) => values[name];
const parentTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const parentSpan = "00f067aa0ba902b7";

describe("traceFromHeaders", () => {
  it("continues the caller's trace as a child span, keeping its flags and trace state", () => {
    const trace = traceFromHeaders(headers({ traceparent: `00-${parentTrace}-${parentSpan}-01`, tracestate: "vendor=a" }));
    expect(trace).toMatchObject({ traceId: parentTrace, parentSpanId: parentSpan, flags: "01", traceState: "vendor=a" });
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.spanId).not.toBe(parentSpan);
  });

  it("starts a new, unsampled trace when the caller sent none", () => {
    const trace = traceFromHeaders(headers({}));
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace).toMatchObject({ parentSpanId: undefined, flags: "00", traceState: undefined });
  });

  it.each([
    ["an unknown version", `01-${parentTrace}-${parentSpan}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${parentSpan}-01`],
    ["an all-zero span id", `00-${parentTrace}-${"0".repeat(16)}-01`],
    ["a short trace id", `00-${parentTrace.slice(1)}-${parentSpan}-01`],
    ["garbage", "not a traceparent"],
  ])("ignores a traceparent with %s and starts a new trace, dropping its trace state", (_, traceparent) => {
    const trace = traceFromHeaders(headers({ traceparent, tracestate: "vendor=a" }));
    expect(trace.traceId).not.toBe(parentTrace);
    expect(trace.parentSpanId).toBeUndefined();
    expect(trace.traceState).toBeUndefined();
  });

  it("takes the caller's request id when it is short and printable, and says so", () => {
    expect(traceFromHeaders(headers({ "x-request-id": "req-42:a.b_c" }))).toMatchObject({ requestId: "req-42:a.b_c", callerSentRequestId: true });
  });

  it.each([
    ["too long", "a".repeat(129)],
    ["with spaces", "a b"],
    ["with a newline", "a\nb"],
    ["empty", ""],
  ])("uses the trace id as the request id when the caller's is %s", (_, id) => {
    const trace = traceFromHeaders(headers({ "x-request-id": id }));
    expect(trace.requestId).toBe(trace.traceId);
    expect(trace.callerSentRequestId).toBe(false);
  });
});

describe("traceHeaders", () => {
  it("sends this hop's span as the next hop's parent, with the request id", () => {
    const trace = traceFromHeaders(headers({ traceparent: `00-${parentTrace}-${parentSpan}-01`, "x-request-id": "req-1" }));
    expect(traceHeaders(trace)).toEqual({ "x-request-id": "req-1", traceparent: `00-${parentTrace}-${trace.spanId}-01` });
    const next = traceFromHeaders(headers(traceHeaders(trace)));
    expect(next).toMatchObject({ traceId: parentTrace, parentSpanId: trace.spanId, requestId: "req-1" });
    expect(traceLogFields(next)).toEqual({ request_id: "req-1", trace_id: parentTrace, span_id: next.spanId });
  });
});
