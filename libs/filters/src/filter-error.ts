/**
 * A filter that cannot be represented or applied. Gatehouse fails closed on
 * it: the request errors and no row is returned (README "Filters").
 */
export class FilterError extends Error {
  override readonly name = "FilterError";

  constructor(
    message: string,
    /** The metadata key the problem was found at, when there is one. */
    readonly key?: string,
  ) {
    super(message);
  }
}
