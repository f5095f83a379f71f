/** Reads a GraphQL-over-SSE response ("event: next" / "event: complete") into its results. */
export async function* readSse(res: Response): AsyncGenerator<{ event: string; data: any }> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const chunk = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of chunk.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trim());
      }
      if (data.length === 0 && event === 'message') continue; // keep-alive comment
      yield { event, data: data.length && data.join('') ? JSON.parse(data.join('\n')) : null };
      if (event === 'complete') return;
    }
  }
}
