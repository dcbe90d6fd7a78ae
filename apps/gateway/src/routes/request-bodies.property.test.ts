import fc from 'fast-check';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/**
 * Property-based tests over both APIs' request bodies, against a real gateway (echo model, funded key): whatever a
 * caller sends — any JSON, any mutation of a valid body, any content type — the answer is never a 5xx, always comes
 * within a few seconds, and every error has the route's error shape.
 */

type Route = '/v1/chat/completions' | '/v1/messages';
const ROUTES: Route[] = ['/v1/chat/completions', '/v1/messages'];
const NUM_RUNS = 150;
/** Per request: a request still unanswered by then counts as a hang and fails the property. */
const REQUEST_TIMEOUT_MS = 5_000;

interface Answer {
  status: number;
  text: string;
}

/** The error shape each route answers with; a description of what is wrong, or null when the body conforms. */
function shapeProblem(route: Route, text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'the error body is not JSON';
  }
  const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  const keysAre = (value: Record<string, unknown>, keys: string[]) => Object.keys(value).sort().join() === [...keys].sort().join();
  const stringOrNull = (value: unknown) => value === null || typeof value === 'string';
  if (route === '/v1/chat/completions') {
    if (!isRecord(body) || !keysAre(body, ['error']) || !isRecord(body['error'])) return 'not {"error":{…}}';
    const error = body['error'];
    if (!keysAre(error, ['message', 'type', 'param', 'code'])) return `error keys are ${Object.keys(error).join()}`;
    if (typeof error['message'] !== 'string' || typeof error['type'] !== 'string' || !stringOrNull(error['param']) || !stringOrNull(error['code'])) return 'error fields of the wrong type';
    return null;
  }
  if (!isRecord(body) || !keysAre(body, ['type', 'error']) || body['type'] !== 'error' || !isRecord(body['error'])) return 'not {"type":"error","error":{…}}';
  const error = body['error'];
  if (!keysAre(error, ['type', 'message']) || typeof error['type'] !== 'string' || typeof error['message'] !== 'string') return 'error is not {type, message}';
  return null;
}

/** Keys and indexes from the root to every value inside `value` (the root itself excluded). */
function pathsIn(value: unknown): Array<Array<string | number>> {
  const paths: Array<Array<string | number>> = [];
  const stack: Array<{ at: unknown; path: Array<string | number> }> = [{ at: value, path: [] }];
  while (stack.length > 0) {
    const { at, path } = stack.pop() as { at: unknown; path: Array<string | number> };
    if (path.length > 0) paths.push(path);
    if (Array.isArray(at)) at.forEach((child, index) => stack.push({ at: child, path: [...path, index] }));
    else if (typeof at === 'object' && at !== null) for (const [key, child] of Object.entries(at)) stack.push({ at: child, path: [...path, key] });
  }
  return paths;
}

type Mutation =
  | { kind: 'replace'; pick: number; value: unknown }
  | { kind: 'delete'; pick: number }
  | { kind: 'add'; pick: number; key: string; value: unknown };

/** Applies a mutation to a copy of `body`, at the path `pick` selects (modulo the number of paths). */
function mutate(body: Record<string, unknown>, mutation: Mutation): Record<string, unknown> {
  const copy = structuredClone(body);
  const paths = pathsIn(copy);
  const path = paths[mutation.pick % paths.length];
  const parentPath = mutation.kind === 'add' ? path : path.slice(0, -1);
  let parent: unknown = copy;
  for (const key of parentPath) parent = (parent as Record<string | number, unknown>)[key];
  if (mutation.kind === 'add') {
    const target = typeof parent === 'object' && parent !== null && !Array.isArray(parent) ? parent : copy;
    // defineProperty, so that `__proto__` becomes a key of the JSON rather than the object's prototype.
    Object.defineProperty(target, mutation.key, { value: mutation.value, enumerable: true, writable: true, configurable: true });
    return copy;
  }
  const container = parent as Record<string | number, unknown> | unknown[];
  const key = path[path.length - 1];
  if (mutation.kind === 'replace') (container as Record<string | number, unknown>)[key] = mutation.value;
  else if (Array.isArray(container)) container.splice(key as number, 1);
  else delete container[key];
  return copy;
}

/** `levels` nested arrays (a value JSON.stringify can still serialize). */
const nestedArrays = (levels: number): unknown => {
  let value: unknown = [];
  for (let level = 1; level < levels; level += 1) value = [value];
  return value;
};

/**
 * Stands for arrays nested `levels` deep, written into the JSON text by `toJson`: deeper than JSON.stringify (or the
 * gateway's recursive steps) could go.
 */
const deepMarker = (levels: number) => `\u0000deep:${levels}`;

/** JSON text of a body, with each deep marker replaced by its nested arrays. */
const toJson = (body: unknown) =>
  JSON.stringify(body).replace(/"\\u0000deep:(\d+)"/g, (_marker, levels: string) => `${'['.repeat(Number(levels))}${']'.repeat(Number(levels))}`);

/** Values a hostile or careless caller puts anywhere; empties weigh most, as the class of fault most often missed. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(null, '', ' ', '\n', [], {}, [[]], [{}], [null], [{ type: 'text', text: '' }]), weight: 6 },
  { arbitrary: fc.constantFrom(true, false, 0, -1, -0.5, 1.5, 2 ** 53, 2 ** 53 + 2, -(2 ** 31), 1e308, -1e308, 5e-324), weight: 3 },
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('user', 'assistant', 'system', 'tool', 'text', 'image', 'image_url', 'tool_use', 'tool_result', 'thinking', 'function', 'json_schema', 'tollgate/echo'),
  fc.integer({ min: 40, max: 400 }).map(nestedArrays),
  fc.integer({ min: 5_000, max: 20_000 }).map(deepMarker),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
);

const fieldName = fc.oneof(
  fc.constantFrom('model', 'messages', 'content', 'role', 'type', 'text', 'max_tokens', 'tools', 'stream', 'cache_control', 'name', 'input', 'parameters', '__proto__', 'constructor'),
  fc.string({ maxLength: 12 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: oddValue }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), pick: fc.nat(), key: fieldName, value: oddValue }),
);

const shortText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((text) => /\S/.test(text));
const toolSchema = fc.constantFrom({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, { type: 'object' });

/** Valid `/v1/chat/completions` bodies for the echo model. */
const validChat: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    model: fc.constant('tollgate/echo'),
    messages: fc.oneof(
      fc.tuple(shortText).map(([text]) => [{ role: 'user', content: text }]),
      fc.tuple(shortText, shortText).map(([system, text]) => [{ role: 'system', content: system }, { role: 'user', content: [{ type: 'text', text }] }]),
      fc.tuple(shortText, shortText).map(([text, answer]) => [
        { role: 'user', content: text },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: answer },
      ]),
    ),
    max_tokens: fc.integer({ min: 1, max: 64 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    stream: fc.boolean(),
    stop: fc.array(shortText, { minLength: 1, maxLength: 4 }),
    tools: toolSchema.map((parameters) => [{ type: 'function', function: { name: 'weather', description: 'weather', parameters } }]),
    response_format: fc.constantFrom({ type: 'text' }, { type: 'json_object' }, { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' } } }),
  },
  { requiredKeys: ['model', 'messages'] },
);

/** Valid `/v1/messages` bodies for the echo model. */
const validMessages: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    model: fc.constant('tollgate/echo'),
    max_tokens: fc.integer({ min: 1, max: 64 }),
    messages: fc.oneof(
      fc.tuple(shortText).map(([text]) => [{ role: 'user', content: text }]),
      fc.tuple(shortText).map(([text]) => [{ role: 'user', content: [{ type: 'text', text }] }]),
      fc.tuple(shortText, shortText).map(([text, more]) => [{ role: 'user', content: [{ type: 'text', text }, { type: 'text', text: more }] }]),
      fc.tuple(shortText, shortText).map(([text, answer]) => [
        { role: 'user', content: text },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 'sig' }, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: answer }] }] },
      ]),
    ),
    system: fc.oneof(shortText, shortText.map((text) => [{ type: 'text', text }])),
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    stream: fc.boolean(),
    stop_sequences: fc.array(shortText, { maxLength: 3 }),
    tools: toolSchema.map((input_schema) => [{ name: 'weather', description: 'weather', input_schema }]),
    tool_choice: fc.constantFrom({ type: 'auto' }, { type: 'any' }, { type: 'none' }, { type: 'tool', name: 'weather' }),
    metadata: fc.constant({ user_id: 'u1' }),
  },
  { requiredKeys: ['model', 'max_tokens', 'messages'] },
);

const validBody = (route: Route) => (route === '/v1/chat/completions' ? validChat : validMessages);

/** Printable ASCII (what a header value can carry), media types near application/json, and the usual suspects. */
const contentType: fc.Arbitrary<string | null> = fc.oneof(
  fc.constant(null),
  fc.constantFrom(
    'application/json',
    'APPLICATION/JSON; charset=UTF-8',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'application/json; charset',
    'application/json;;',
    'application/json; charset="utf-8"',
    'application/jsonx',
    'application/problem+json',
    'text/json',
    'text/plain',
    'multipart/form-data; boundary=----x',
    'application/x-www-form-urlencoded',
    '*/*',
    '',
  ),
  fc.tuple(fc.constantFrom('application/json', 'text/plain', ''), fc.stringMatching(/^[\x20-\x7e]{0,30}$/)).map(([type, rest]) => `${type}${rest}`),
);

describe('request bodies, property-based: never a 5xx, never a hang, always the route error shape', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.close());

  /** Sends a body and reads the whole answer within REQUEST_TIMEOUT_MS (a timeout rejects: the property fails). */
  async function send(route: Route, body: string, type: string | null = 'application/json'): Promise<Answer> {
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    // As an Anthropic client: without anthropic-version, /v1/messages answers LightningProx's flat errors.
    const headers: Record<string, string> = { authorization: `Bearer ${gateway.apiKey}`, ...(route === '/v1/messages' ? { 'anthropic-version': '2023-06-01' } : {}) };
    if (type !== null) headers['content-type'] = type;
    // Bytes, so that fetch adds no content type of its own.
    const response = await fetch(`${gateway.url}${route}`, { method: 'POST', headers, body: new TextEncoder().encode(body), signal });
    return { status: response.status, text: await response.text() };
  }

  /** The invariants every answer keeps. */
  function check(route: Route, answer: Answer): void {
    if (answer.status >= 500) throw new Error(`${route} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
    if (answer.status >= 400) {
      const problem = shapeProblem(route, answer.text);
      if (problem) throw new Error(`${route} answered ${answer.status} outside its error shape (${problem}): ${answer.text.slice(0, 500)}`);
    }
  }

  it('answers any JSON value and any text as a body', async () => {
    const body = fc.oneof(fc.json({ maxDepth: 4 }), fc.json({ maxDepth: 4, stringUnit: 'grapheme' }), fc.string({ unit: 'grapheme', maxLength: 60 }));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), body, async (route, text) => {
        check(route, await send(route, text));
      }),
      { numRuns: NUM_RUNS },
    );
  }, 600_000);

  it('answers valid bodies with 200, and any mutation of them without a 5xx', async () => {
    const sample = fc.constantFrom(...ROUTES).chain((route) => fc.tuple(fc.constant(route), validBody(route), fc.array(mutation, { maxLength: 3 })));
    await fc.assert(
      fc.asyncProperty(sample, async ([route, body, mutations]) => {
        const mutated = mutations.reduce(mutate, body);
        const answer = await send(route, toJson(mutated));
        check(route, answer);
        if (mutations.length === 0 && answer.status !== 200) throw new Error(`a valid body was refused with ${answer.status}: ${answer.text.slice(0, 500)}`);
      }),
      { numRuns: NUM_RUNS },
    );
  }, 600_000);

  it('answers valid bodies with any one field emptied, removed or nested 5,000 deep, trying every field', async () => {
    // Random mutations rarely hit the one field where emptiness or depth matters; this walks all of them for each body.
    const empties: unknown[] = [[], '', {}, null, deepMarker(5_000)];
    const sample = fc.constantFrom(...ROUTES).chain((route) => fc.tuple(fc.constant(route), validBody(route)));
    await fc.assert(
      fc.asyncProperty(sample, async ([route, body]) => {
        for (let pick = 0; pick < pathsIn(body).length; pick += 1) {
          const mutations: Mutation[] = [{ kind: 'delete', pick }, ...empties.map((value) => ({ kind: 'replace' as const, pick, value }))];
          for (const one of mutations) check(route, await send(route, toJson(mutate(body, one))));
        }
      }),
      { numRuns: 16 },
    );
  }, 60_000);

  it('answers any content type, with 415 for everything but application/json', async () => {
    const sample = fc.constantFrom(...ROUTES).chain((route) => fc.tuple(fc.constant(route), validBody(route), contentType));
    await fc.assert(
      fc.asyncProperty(sample, async ([route, body, type]) => {
        const answer = await send(route, JSON.stringify(body), type);
        check(route, answer);
        const isJson = type !== null && type.split(';', 1)[0].trim().toLowerCase() === 'application/json';
        if (!isJson && answer.status !== 415) throw new Error(`content type ${JSON.stringify(type)} was answered ${answer.status}, not 415`);
      }),
      { numRuns: NUM_RUNS },
    );
  }, 600_000);
});
