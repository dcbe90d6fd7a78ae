import { MAX_JSON_DEPTH } from '@tollgate/schemas';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const CHAT = '/v1/chat/completions';
const MESSAGES = '/v1/messages';
const validChat = { model: 'tollgate/echo', messages: [{ role: 'user', content: 'hi' }] };
const validMessages = { model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };

/** `levels` nested arrays as JSON text, built as text (a parsed value this deep could not be stringified). */
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/** The JSON text of `template` with `inner` (JSON text) in place of its "__INNER__" string. */
const withInner = (template: object, inner: string) => JSON.stringify(template).replace('"__INNER__"', inner);

interface ErrorResponse {
  status: number;
  json: { error: { message: string; type: string; param?: string | null; code?: string | null }; type?: string };
}

function client(gateway: () => TestGateway) {
  return async (route: string, body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<ErrorResponse> => {
    const response = await fetch(`${gateway().url}${route}`, {
      method: 'POST',
      // Anthropic's clients always send anthropic-version (without it, /v1/messages answers LightningProx's flat errors).
      headers: { authorization: `Bearer ${gateway().apiKey}`, ...(route.startsWith('/v1/messages') ? { 'anthropic-version': '2023-06-01' } : {}), ...headers },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, json: (await response.json()) as ErrorResponse['json'] };
  };
}

describe('request bodies', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.close());
  const post = client(() => gateway);

  describe('content types', () => {
    it.each([
      ['text/plain', { 'content-type': 'text/plain' }],
      ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
      ['form', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['a +json type', { 'content-type': 'application/vnd.api+json' }],
      ['a missing type', {}],
    ])('415 for %s, in the route error shape', async (_label, headers) => {
      const bytes = new TextEncoder().encode(JSON.stringify(validChat));
      const chat = await post(CHAT, bytes, headers);
      expect(chat.status).toBe(415);
      expect(chat.json).toEqual({ error: { type: 'invalid_request_error', code: 'unsupported_media_type', param: null, message: expect.stringContaining('application/json') } });
      const messages = await post(MESSAGES, new TextEncoder().encode(JSON.stringify(validMessages)), headers);
      expect(messages.status).toBe(415);
      expect(messages.json).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('application/json') } });
    });

    it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', ' application/json '])('accepts %j', async (contentType) => {
      expect((await post(CHAT, JSON.stringify(validChat), { 'content-type': contentType })).status).toBe(200);
      expect((await post(MESSAGES, JSON.stringify(validMessages), { 'content-type': contentType })).status).toBe(200);
    });
  });

  describe('JSON nested too deep: 400 json_too_deep before any other work', () => {
    const tool = (parameters: string) => withInner({ ...validChat, tools: [{ type: 'function', function: { name: 'f', parameters: '__INNER__' } }] }, `{"a":${parameters}}`);
    const cases: Array<[string, string, (inner: string) => string]> = [
      ['tools[].function.parameters', CHAT, tool],
      ['response_format.json_schema.schema', CHAT, (inner) => withInner({ ...validChat, response_format: { type: 'json_schema', json_schema: { name: 's', schema: '__INNER__' } } }, `{"a":${inner}}`)],
      ['tools[].input_schema', MESSAGES, (inner) => withInner({ ...validMessages, tools: [{ name: 'f', input_schema: '__INNER__' }] }, `{"a":${inner}}`)],
      [
        'tool_use.input',
        MESSAGES,
        (inner) =>
          withInner(
            { ...validMessages, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: '__INNER__' }] }, { role: 'user', content: 'go on' }] },
            `{"a":${inner}}`,
          ),
      ],
    ];

    it.each(cases)('in %s (5,000 levels, a 30 KB body)', async (_field, route, build) => {
      const body = build(nested(5_000));
      expect(body.length).toBeLessThan(64 * 1024);
      const response = await post(route, body);
      expect(response.status).toBe(400);
      expect(response.json.error.message).toContain(String(MAX_JSON_DEPTH));
      if (route === CHAT) expect(response.json.error.code).toBe('json_too_deep');
      else expect(response.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    });

    it('accepts nesting at the limit and refuses one level more', async () => {
      // The body object is level 1, `tools` 2, the tool 3, `function` 4, `parameters` 5: its `a` starts at level 6.
      const envelope = 5;
      expect((await post(CHAT, tool(nested(MAX_JSON_DEPTH - envelope)))).status).toBe(200);
      const tooDeep = await post(CHAT, tool(nested(MAX_JSON_DEPTH - envelope + 1)));
      expect(tooDeep.status).toBe(400);
      expect(tooDeep.json.error.code).toBe('json_too_deep');
    });

    it('refuses deep JSON in a tool call argument string, which adapters parse and serialize again', async () => {
      const body = { ...validChat, messages: [...validChat.messages, { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: nested(5_000) } }] }] };
      const response = await post(CHAT, JSON.stringify(body));
      expect(response.status).toBe(400);
      expect(response.json.error.param).toBe('messages[1].tool_calls[0].function.arguments');
    });
  });

  describe('empty content and conversations with nothing to answer', () => {
    it.each([
      ['empty content array', 'messages[0].content', { ...validMessages, messages: [{ role: 'user', content: [] }] }],
      ['empty text block', 'messages[0].content[0].text', { ...validMessages, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] }],
      ['whitespace text block', 'messages[0].content[0].text', { ...validMessages, messages: [{ role: 'user', content: [{ type: 'text', text: ' \n' }] }] }],
      ['empty string content', 'messages[0].content', { ...validMessages, messages: [{ role: 'user', content: '' }] }],
      ['empty system block', 'system[0].text', { ...validMessages, system: [{ type: 'text', text: '' }] }],
      ['a user turn of only thinking', 'messages[0].content[0].type', { ...validMessages, messages: [{ role: 'user', content: [{ type: 'thinking', thinking: 'hm', signature: 's' }] }] }],
      [
        'an assistant turn of only thinking',
        'messages[1].content',
        { ...validMessages, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 's' }] }, { role: 'user', content: 'go' }] },
      ],
      ['only tool results', 'messages', { ...validMessages, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'x' }] }] }],
      ['a tool_result in an assistant turn', 'messages[0].content[1].type', { ...validMessages, messages: [{ role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'tool_result', tool_use_id: 't1' }] }] }],
    ])('/v1/messages: 400 for %s, naming %s', async (_label, param, body) => {
      const response = await post(MESSAGES, JSON.stringify(body));
      expect(response.status).toBe(400);
      expect(response.json).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining(`'${param}'`) } });
    });

    it('/v1/messages still forwards an empty final assistant turn and a tool_result referencing nothing', async () => {
      const prefill = { ...validMessages, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '' }] };
      expect((await post(MESSAGES, JSON.stringify(prefill))).status).toBe(200);
      const dangling = { ...validMessages, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'nothing' }, { type: 'text', text: 'hi' }] }] };
      expect((await post(MESSAGES, JSON.stringify(dangling))).status).toBe(200);
    });

    it.each([
      ['empty user content array', 'messages[0].content', { ...validChat, messages: [{ role: 'user', content: [] }] }],
      ['empty assistant content array', 'messages[1].content', { ...validChat, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [] }] }],
    ])('/v1/chat/completions: 400 for %s, naming %s', async (_label, param, body) => {
      const response = await post(CHAT, JSON.stringify(body));
      expect(response.status).toBe(400);
      expect(response.json.error).toMatchObject({ type: 'invalid_request_error', param });
    });
  });

  it('types Anthropic errors by status on /v1/messages', async () => {
    const unauthenticated = await post(MESSAGES, JSON.stringify(validMessages), { 'content-type': 'application/json', authorization: 'Bearer tg_nothing' });
    expect(unauthenticated).toMatchObject({ status: 401, json: { type: 'error', error: { type: 'authentication_error' } } });
    const unknownRoute = await post(`${MESSAGES}/nothing`, JSON.stringify(validMessages));
    expect(unknownRoute).toMatchObject({ status: 404, json: { type: 'error', error: { type: 'not_found_error' } } });
    const tooLarge = await post(MESSAGES, JSON.stringify({ ...validMessages, messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] }));
    expect(tooLarge).toMatchObject({ status: 413, json: { type: 'error', error: { type: 'request_too_large' } } });
  });
});

describe('request bodies up to a 4 MiB limit', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ BODY_LIMIT_BYTES: String(5 * 1024 * 1024) });
  });
  afterAll(() => gateway.close());
  const post = client(() => gateway);

  it('refuses 100,000 levels inside tool parameters with a 400', async () => {
    const body = withInner({ ...validChat, tools: [{ type: 'function', function: { name: 'f', parameters: '__INNER__' } }] }, `{"a":${nested(100_000)}}`);
    const response = await post(CHAT, body);
    expect(response).toMatchObject({ status: 400, json: { error: { code: 'json_too_deep' } } });
  });

  it('refuses a 4 MiB body of nested arrays with a 400, on both routes', async () => {
    const body = nested(2 * 1024 * 1024);
    expect(body.length).toBe(4 * 1024 * 1024);
    expect(await post(CHAT, body)).toMatchObject({ status: 400, json: { error: { code: 'json_too_deep' } } });
    expect(await post(MESSAGES, body)).toMatchObject({ status: 400, json: { type: 'error', error: { type: 'invalid_request_error' } } });
  });

  it('refuses deep JSON in a charset it does not pre-scan (UTF-16) after parsing, with a 400', async () => {
    const text = withInner({ ...validChat, tools: [{ type: 'function', function: { name: 'f', parameters: '__INNER__' } }] }, `{"a":${nested(5_000)}}`);
    const utf16 = new Uint8Array(Buffer.from(text, 'utf16le'));
    const response = await post(CHAT, utf16, { 'content-type': 'application/json; charset=utf-16le' });
    expect(response).toMatchObject({ status: 400, json: { error: { code: 'json_too_deep', param: 'tools[0].function.parameters' } } });
  });
});
