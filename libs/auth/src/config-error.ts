/** A configuration or auth module problem; the service refuses to start with this message. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
