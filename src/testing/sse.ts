/** Read server-sent events from a fetch response body in tests. */
export interface SseEvent<T = unknown> {
  id: string | null;
  event: string | null;
  data: T;
}

/**
 * Read `data:` frames (JSON) until `until` matches one, returning every frame seen; throws if the stream ends or
 * `ms` passes first. The reader lock is released, so the same body can be read again.
 */
export async function readSse<T>(
  body: ReadableStream<Uint8Array>,
  until: (data: T) => boolean,
  ms = 10_000,
): Promise<T[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const seen: T[] = [];
  let buf = '';
  const deadline = Date.now() + ms;
  try {
    while (Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        reader.read(),
        new Promise<null>((r) => (timer = setTimeout(() => r(null), Math.max(1, deadline - Date.now())))),
      ]);
      clearTimeout(timer);
      if (!chunk || chunk.done) break;
      buf += decoder.decode(chunk.value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = frame.split('\n').find((l) => l.startsWith('data: '));
        if (!data) continue;
        const parsed = JSON.parse(data.slice(6)) as T;
        seen.push(parsed);
        if (until(parsed)) return seen;
      }
    }
    throw new Error(`the stream ended or timed out before the expected event; saw ${JSON.stringify(seen)}`);
  } finally {
    reader.releaseLock();
  }
}
