/** Exports for the custom routes' loader tests: one app, and values that are not apps. */

/** The smallest app: an object with a Fetch-style fetch. */
export const app = { fetch: () => new Response("hello") };

/** Has a fetch, but not a method. */
export const settings = { fetch: "https://example.com" };
