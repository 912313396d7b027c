/**
 * Reads a response body until `enough` holds for the text read so far, and
 * returns that text. A body that ends first fails the test with what it
 * held, rather than reading an ended stream forever.
 */
export async function readStreamUntil(reader: ReadableStreamDefaultReader<Uint8Array>, enough: (text: string) => boolean): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!enough(text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream ended before it held what the test waits for; it held: ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}
