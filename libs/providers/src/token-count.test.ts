import { randomBytes } from 'node:crypto';
import type { ChatCompletionRequest } from '@tollgate/schemas';
import fc from 'fast-check';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import type { CatalogEntry } from './catalog/model-catalog';
import { loadCatalog } from './load-catalog';
import { estimateRequestTokens, estimateTextTokens, INPUT_BOUND_OVERHEADS, inputTokenUpperBound } from './token-count';

const catalog = loadCatalog();
const entryOf = (id: string): CatalogEntry => {
  const entry = catalog.find(id);
  if (!entry) throw new Error(`the bundled catalog has no ${id}`);
  return entry;
};
const claude = entryOf('anthropic/claude-sonnet-4.5');
const userSays = (content: string): ChatCompletionRequest => ({ model: 'm', messages: [{ role: 'user', content }] });
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

const FOUR_MIB = 4 * 1024 * 1024;

/** Texts of every kind a tokenizer treats differently. */
const SAMPLES: Record<string, string> = {
  ascii: 'The quick brown fox jumps over the lazy dog. '.repeat(40),
  cjk: '東京は日本の首都であり、世界最大級の都市圏を持つ。북한산은 서울의 산이다。'.repeat(30),
  emoji: '👩‍👩‍👧‍👦🏳️‍🌈🇫🇷😀🤖 '.repeat(50),
  code: 'function add(a: number, b: number): number {\n  return a + b; // sum\n}\nconst x = [1, 2, 3].map((n) => n ** 2);\n'.repeat(20),
  repeated: 'q'.repeat(3000),
  whitespace: ' \n\t '.repeat(500),
  base64: randomBytes(1500).toString('base64'),
  mixed: 'naïve café — «ça va?» Ελληνικά русский עברית العربية हिन्दी '.repeat(20),
};

describe('inputTokenUpperBound', () => {
  it.each(Object.entries(SAMPLES))('is at least the exact o200k count of %s text with OpenAI framing', (_kind, text) => {
    const exact = countO200k(text) + 3 + 3; // one message: 3 tokens of framing, 3 for the reply
    expect(inputTokenUpperBound(userSays(text), claude)).toBeGreaterThanOrEqual(exact);
  });

  it('is at least the bytes of every text plus the stated overheads (tools, tool calls, images)', () => {
    const parameters = { type: 'object', properties: { city: { type: 'string', description: 'Ville / 都市' } } };
    const request: ChatCompletionRequest = {
      model: 'm',
      messages: [
        { role: 'system', content: 'Sé breve.', name: 'ops' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here? 天気' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":18}' },
      ],
      tools: [{ type: 'function', function: { name: 'weather', description: 'The weather', parameters } }],
    };
    const texts = ['Sé breve.', 'ops', 'Weather here? 天気', 'call_1', 'weather', '{"city":"Paris"}', '{"temperature":18}', 'call_1', 'weather'];
    const toolJson = JSON.stringify(request.tools?.[0].function);
    const o = INPUT_BOUND_OVERHEADS;
    const floor =
      texts.reduce((sum, text) => sum + bytes(text), 0) +
      bytes(toolJson) +
      o.perRequest +
      4 * o.perMessage +
      o.toolUsePrompt +
      o.perToolDefinition +
      2 * o.perToolCall +
      2 * claude.imageTokens;
    const bound = inputTokenUpperBound(request, claude);
    expect(bound).toBeGreaterThanOrEqual(floor);
    // ...and no more than that plus the per-text and JSON allowances: the image URLs are not counted as text.
    expect(bound).toBeLessThan(floor + 100);
  });

  it("counts each image at the model's imageTokens: 48,169 for gpt-4o-mini, 1,600 by default", () => {
    const image = (url: string) => ({ type: 'image_url' as const, image_url: { url } });
    const request: ChatCompletionRequest = { model: 'm', messages: [{ role: 'user', content: [image('https://example.com/a.png'), image('https://example.com/b.png')] }] };
    const mini = inputTokenUpperBound(request, entryOf('openai/gpt-4o-mini'));
    const gemini = inputTokenUpperBound(request, entryOf('google/gemini-2.5-flash'));
    expect(mini - gemini).toBe(2 * (48_169 - 1_600));
    expect(gemini).toBeGreaterThanOrEqual(2 * 1_600);
  });

  it('holds for any text (property): at least its exact o200k count and at least its UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const bound = inputTokenUpperBound(userSays(text), claude);
        expect(bound).toBeGreaterThanOrEqual(countO200k(text) + 6);
        expect(bound).toBeGreaterThanOrEqual(bytes(text));
      }),
      { numRuns: 100 },
    );
  });

  it('finishes on 4 MiB of one character, of base64 and in tool arguments (linear, no tokenizer)', () => {
    const run = 'q'.repeat(FOUR_MIB);
    expect(inputTokenUpperBound(userSays(run), claude)).toBeGreaterThanOrEqual(FOUR_MIB);
    const base64 = randomBytes(3 * 1024 * 1024).toString('base64');
    expect(inputTokenUpperBound(userSays(base64), claude)).toBeGreaterThanOrEqual(base64.length);
    const request: ChatCompletionRequest = {
      model: 'm',
      messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: `{"a":"${run}"}` } }] }],
    };
    expect(inputTokenUpperBound(request, claude)).toBeGreaterThanOrEqual(FOUR_MIB);
  });
});

describe('estimateTextTokens', () => {
  it('is 0 for no text and exact for short texts', () => {
    expect(estimateTextTokens('')).toBe(0);
    expect(estimateTextTokens('Hello there, gateway!')).toBe(countO200k('Hello there, gateway!'));
  });

  it.each(Object.entries(SAMPLES))('is within 5%% of the exact o200k count for %s text', (_kind, text) => {
    const exact = countO200k(text);
    expect(Math.abs(estimateTextTokens(text) - exact)).toBeLessThanOrEqual(Math.max(2, exact * 0.05));
  });

  it('extrapolates beyond the 16 Ki characters it tokenizes, staying close on long prose and code', () => {
    const prose = SAMPLES['ascii'].repeat(12); // ~216 KB
    const exact = countO200k(prose);
    expect(Math.abs(estimateTextTokens(prose) - exact)).toBeLessThanOrEqual(exact * 0.05);
    const code = SAMPLES['code'].repeat(20); // ~40 KB
    expect(Math.abs(estimateTextTokens(code) - countO200k(code))).toBeLessThanOrEqual(countO200k(code) * 0.05);
  });

  it('finishes on 4 MiB of one character and on 4 MiB of random base64', () => {
    expect(estimateTextTokens('q'.repeat(FOUR_MIB))).toBeGreaterThan(FOUR_MIB / 16);
    const base64 = randomBytes(3 * 1024 * 1024).toString('base64');
    expect(estimateTextTokens(base64)).toBeGreaterThan(base64.length / 8);
  });

  it('never splits a surrogate pair when cutting (emoji runs count as the exact count would)', () => {
    const emoji = '😀'.repeat(40_000); // 80,000 UTF-16 units: cut at the piece and at the sample limit
    expect(estimateTextTokens(emoji)).toBeGreaterThan(0);
    const short = '😀'.repeat(150);
    expect(Math.abs(estimateTextTokens(short) - countO200k(short))).toBeLessThanOrEqual(2);
  });
});

describe('estimateRequestTokens', () => {
  it("counts OpenAI's framing: 3 per message and 3 for the reply", () => {
    const request: ChatCompletionRequest = {
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello there, gateway!' },
      ],
    };
    expect(estimateRequestTokens(request)).toBe(countO200k('Be brief.') + countO200k('Hello there, gateway!') + 9);
  });

  it('stays below the bound and finishes on 4 MiB spread over many messages and tool definitions', () => {
    const chunk = 'q'.repeat(64 * 1024);
    const request: ChatCompletionRequest = {
      model: 'm',
      messages: Array.from({ length: 64 }, () => ({ role: 'user' as const, content: chunk })),
      tools: [{ type: 'function', function: { name: 'f', description: randomBytes(96 * 1024).toString('base64') } }],
    };
    const estimate = estimateRequestTokens(request);
    expect(estimate).toBeGreaterThan(0);
    expect(estimate).toBeLessThanOrEqual(inputTokenUpperBound(request, claude));
  });
});
