import { STATUS_CODES } from "node:http";

/** Options of an HTTPException, as in LangGraph's SDK. */
export interface HTTPExceptionOptions {
  /** The message for the client; defaults to the status's reason phrase. */
  message?: string;
  /** Response headers to send, such as www-authenticate. */
  headers?: HeadersInit;
  cause?: unknown;
}

/**
 * Thrown by an authenticate callback or a handler to answer with an HTTP
 * status, mapped to the gRPC code of README "Errors". Same constructor as
 * LangGraph.js's HTTPException, so auth files move unchanged.
 */
export class HTTPException extends Error {
  override readonly name = "HTTPException";
  readonly status: number;
  readonly headers: HeadersInit;

  constructor(status: number, options: HTTPExceptionOptions = {}) {
    super(options.message ?? STATUS_CODES[status] ?? "Error", { cause: options.cause });
    this.status = status;
    this.headers = options.headers ?? {};
  }
}

/** An HTTP exception as any auth library shapes it: ours, LangGraph's, or a look-alike. */
export interface HttpExceptionLike {
  status: number;
  message: string;
  headers?: HeadersInit;
}

/**
 * Recognises HTTP exceptions by shape, not class, so an auth file importing
 * HTTPException from @langchain/langgraph-sdk/auth is understood too.
 */
export function isHttpException(error: unknown): error is HttpExceptionLike {
  if (!(error instanceof Error)) return false;
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" && Number.isInteger(status) && status >= 400 && status <= 599;
}

/** The headers of an HTTP exception as a plain lower-case record. */
export function exceptionHeaders(error: HttpExceptionLike): Record<string, string> {
  const headers: Record<string, string> = {};
  new Headers(error.headers ?? {}).forEach((value, key) => {
    headers[key] = value;
  });
  return headers;
}
