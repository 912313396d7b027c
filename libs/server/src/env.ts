/**
 * Typed reads of environment variables, failing with a message that names the
 * variable, so a misconfigured service stops at start-up instead of misbehaving.
 */
export function envString(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === "" ? fallback : value;
}

export function envOptional(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

export function envInt(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got "${text}"`);
  }
  return value;
}

export function envList(name: string, fallback: readonly string[]): readonly string[] {
  const text = envOptional(name);
  return text === undefined ? fallback : text.split(",").map((item) => item.trim().toLowerCase()).filter(Boolean);
}
