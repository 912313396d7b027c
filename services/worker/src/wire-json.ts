/**
 * Graph values as LangGraph servers put them on the wire: plain JSON where a
 * LangChain message is a dict of its fields with its `type` (`human`, `ai`,
 * …), not the `lc` constructor form `JSON.stringify` gives it by default.
 */
export function toWire(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, replaced: unknown) {
    // The raw value, before its toJSON ran: messages have a toDict that gives their fields.
    const raw = this[key];
    if (raw !== null && typeof raw === "object" && typeof (raw as { toDict?: unknown }).toDict === "function") {
      const { type, data } = (raw as { toDict(): { type: string; data: Record<string, unknown> } }).toDict();
      return { ...data, type };
    }
    if (typeof replaced === "bigint") return replaced.toString();
    return replaced;
  });
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

/**
 * An error as LangGraph servers send it in an `error` event: its class name
 * and message. A failure of Gatehouse's own machinery (a database error,
 * which carries a SQLSTATE `code` and a `severity`) is not the graph's: its
 * text could name tables or hosts, so the client gets a generic one and the
 * cause is only logged.
 */
export function errorPayload(error: unknown): { error: string; message: string } {
  if (isDatabaseError(error)) return { error: "InternalError", message: "the run failed inside Gatehouse; see the server logs" };
  if (error instanceof Error) return { error: error.name, message: error.message };
  return { error: "Error", message: typeof error === "string" ? error : JSON.stringify(error) };
}

function isDatabaseError(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string" && typeof (error as { severity?: unknown }).severity === "string";
}
