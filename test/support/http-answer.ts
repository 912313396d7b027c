/**
 * An HTTP answer as a client sees it, for byte-level comparisons of a hidden
 * row's answer with a missing one's: the status, every header but `date`
 * (the clock second it left), and the body, with the id the request named
 * replaced by `{id}`. LangGraph's wording names the id asked for
 * ("Thread with ID … not found"), which differs between the two requests
 * and nothing else may.
 */
export async function httpAnswerOf(response: Response, requestedId: string) {
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => {
    if (name !== "date") headers.push([name, value]);
  });
  const body = Buffer.from(await response.arrayBuffer()).toString("utf8");
  return { status: response.status, headers, body: body.replaceAll(requestedId, "{id}") };
}
