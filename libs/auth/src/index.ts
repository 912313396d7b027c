/**
 * The operator-facing auth API (`Auth`, `HTTPException`), a superset of
 * LangGraph.js's, and what the services need to run it: loading the
 * configured module, resolving handlers and turning their results
 * into decisions (README "Your auth module").
 */
export { Auth, type AuthContext, type Handler, type HandlerResult, type OnRegistrar } from "./auth.js";
export { HTTPException, isHttpException, exceptionHeaders, type HTTPExceptionOptions, type HttpExceptionLike } from "./http-exception.js";
export { normalizeUser, InvalidUserError, type BaseUser, type AuthenticateCallback, type AuthenticateResult } from "./user.js";
export {
  actionsByResource,
  allEvents,
  resources,
  isHandlerKey,
  parseEvent,
  type Resource,
  type Action,
  type ActionOf,
  type EventName,
  type HandlerKey,
} from "./events.js";
export type * from "./values.js";
export { buildHandlerTable, type HandlerTable, type ResolvedHandler } from "./handler-table.js";
export { decide, HandlerFailure, type Decision, type DecisionRequest, type DecideOptions, type HandlerFailureKind } from "./decide.js";
export { toAuthDefinition, type AuthDefinition } from "./auth-definition.js";
export { loadConfig, ConfigError, type GatehouseConfig } from "./load-config.js";
export type { HttpConfig, IgnoredHttpKey } from "./http-config.js";
export type { ModuleExport } from "./module-path.js";
export type { CustomRouteEnv } from "./custom-route-env.js";
export { loadAuthModule } from "./load-auth-module.js";
export { resolutionRows, formatResolutionTable, type ResolutionRow } from "./describe-table.js";
export { gatehouseConfigSettings } from "./settings.js";
