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

/** An error as LangGraph servers send it in an `error` event: its class name and message. */
export function errorPayload(error: unknown): { error: string; message: string } {
  if (error instanceof Error) return { error: error.name, message: error.message };
  return { error: "Error", message: typeof error === "string" ? error : JSON.stringify(error) };
}
