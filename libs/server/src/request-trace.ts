import { randomFillSync } from "node:crypto";

/**
 * Where one hop sits in a distributed request: the request id that every
 * service logs, and the W3C Trace Context (the format OpenTelemetry
 * propagates) with this hop as its own span.
 */
export interface RequestTrace {
  /** The caller's `x-request-id` when it sent a usable one; otherwise the trace id. */
  requestId: string;
  /** Whether requestId is the caller's own, and so may be echoed back to it. */
  callerSentRequestId: boolean;
  /** 32 lower-case hex digits, shared by every hop of the request. */
  traceId: string;
  /** 16 lower-case hex digits naming this hop. */
  spanId: string;
  /** The caller's span, when the call arrived with a valid `traceparent`. */
  parentSpanId: string | undefined;
  /** The trace flags (sampled or not), carried unchanged. */
  flags: string;
  /** Vendor trace state, carried unchanged. */
  traceState: string | undefined;
}

// W3C Trace Context level 1: version 00, and ids that are not all zeros.
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const zeroTraceId = "0".repeat(32);
const zeroSpanId = "0".repeat(16);

// A request id is copied into logs and into other services' metadata, so only
// short, printable, unambiguous ids are taken from the caller.
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;
const maxTraceStateLength = 512;

/**
 * The trace of a call that arrived with these headers: a child span of the
 * caller's `traceparent`, or a new trace when it sent none (or a malformed
 * one, which is ignored rather than refused: tracing never fails a request).
 */
export function traceFromHeaders(header: (name: string) => string | undefined): RequestTrace {
  const parent = traceparentPattern.exec(header("traceparent")?.trim().toLowerCase() ?? "");
  const continued = parent !== null && parent[1] !== zeroTraceId && parent[2] !== zeroSpanId;
  const traceId = continued ? parent[1]! : randomHex(16);
  const traceState = continued ? header("tracestate") : undefined;
  const requestId = header("x-request-id");
  const callerSentRequestId = requestId !== undefined && requestIdPattern.test(requestId);
  return {
    requestId: callerSentRequestId ? requestId : traceId,
    callerSentRequestId,
    traceId,
    spanId: randomHex(8),
    parentSpanId: continued ? parent[2] : undefined,
    // A new trace is not sampled: Gatehouse records no spans of its own.
    flags: continued ? parent[3]! : "00",
    traceState: traceState !== undefined && traceState.length <= maxTraceStateLength ? traceState : undefined,
  };
}

/** The headers that carry this trace to the next service, with this hop as the parent span. */
export function traceHeaders(trace: RequestTrace): Record<string, string> {
  const headers: Record<string, string> = {
    "x-request-id": trace.requestId,
    traceparent: `00-${trace.traceId}-${trace.spanId}-${trace.flags}`,
  };
  if (trace.traceState !== undefined) headers.tracestate = trace.traceState;
  return headers;
}

/** The fields every log line about this call carries, so one request can be followed across services. */
export function traceLogFields(trace: RequestTrace): { request_id: string; trace_id: string; span_id: string } {
  return { request_id: trace.requestId, trace_id: trace.traceId, span_id: trace.spanId };
}

// Random bytes drawn a page at a time: one system call per 512 span ids
// instead of one per call, which showed in profiles of the store.
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

/** `bytes` random bytes as lower-case hex. */
function randomHex(bytes: number): string {
  if (randomOffset + bytes > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const hex = randomPool.toString("hex", randomOffset, randomOffset + bytes);
  randomOffset += bytes;
  return hex;
}
