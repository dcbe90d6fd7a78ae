// A loopback upstream speaking OpenAI's Chat Completions wire format, run as its own process by the benchmark:
// JSON, or SSE of TOKENS chunks PACE_MS apart, each answer with its usage (the gateway bills it as a provider's).
// Prints `listening <url>` once it accepts connections.
import http from 'node:http';

const tokens = Number(process.env.TOKENS ?? 16);
const paceMs = Number(process.env.PACE_MS ?? 0);
const usage = { prompt_tokens: 12, completion_tokens: tokens, total_tokens: 12 + tokens };
const base = { id: 'chatcmpl-bench', created: 1764200000, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_bench' };
const json = JSON.stringify({
  ...base,
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'lorem '.repeat(tokens).trim() }, finish_reason: 'stop', logprobs: null }],
  usage,
});
const chunk = (delta, finish) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`;
const first = chunk({ role: 'assistant', content: '' }, null);
const word = chunk({ content: 'lorem ' }, null);
const last = `${chunk({}, 'stop')}data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\ndata: [DONE]\n\n`;

const server = http.createServer((request, response) => {
  const parts = [];
  request.on('data', (part) => parts.push(part));
  request.on('end', () => {
    const body = Buffer.concat(parts).toString();
    // A prompt may ask for its own pacing (`pace:<ms>`): the concurrent-streams run holds streams open that way.
    const pace = Number(/pace:(\d+)/.exec(body)?.[1] ?? paceMs);
    if (!body.includes('"stream":true')) {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      return response.end(json);
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.write(first);
    let sent = 0;
    const next = () => {
      if (response.destroyed) return;
      if (sent === tokens) return response.end(last);
      sent += 1;
      response.write(word);
      if (pace > 0) setTimeout(next, pace);
      else next();
    };
    next();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
