import type { BaseUser } from "./user.js";

/**
 * The env the gateway passes a custom routes' app with each request (`c.env`
 * in a Hono handler): the authenticated caller as LangGraph keeps it under
 * `auth`, the user and its permissions as scopes (README "Custom routes").
 */
export interface CustomRouteEnv {
  auth: {
    user: BaseUser;
    scopes: string[];
  };
}
