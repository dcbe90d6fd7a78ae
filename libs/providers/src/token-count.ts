import type { ChatCompletionRequest } from '@tollgate/schemas';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import type { CatalogEntry } from './catalog/model-catalog';

/*
 * Two kinds of figure, never mixed up:
 * - an UPPER BOUND of the prompt tokens, for the funds reservation: no tokenizer at all, only UTF-8 byte counts and
 *   stated overheads, linear in the request and true for every provider's tokenizer;
 * - an ESTIMATE of tokens, for usage a provider did not report: o200k, but only over a bounded sample cut in short
 *   pieces, because gpt-tokenizer's BPE merge is quadratic in the length of one pre-token (a long run of one
 *   character, or base64 with no whitespace, took seconds to minutes on the request thread).
 */

/**
 * Stated overheads of the input bound, in tokens, on top of the UTF-8 bytes of every text the model reads. They
 * cover what providers wrap around the caller's text: role markers and turn framing (`perMessage`), a dummy prefix or
 * separator per text piece (SentencePiece adds `▁` before a piece, `perText`), a tool call's or tool result's block
 * (`perToolCall`), a tool definition's framing (`perToolDefinition`), and the system prompt providers add when tools
 * are present (Anthropic documents 313–346 tokens; `toolUsePrompt` rounds up to 512).
 */
export const INPUT_BOUND_OVERHEADS = {
  perRequest: 16,
  perMessage: 8,
  perText: 2,
  perToolCall: 16,
  perToolDefinition: 16,
  toolUsePrompt: 512,
} as const;

/** o200k framing per chat message (role markers), as OpenAI counts it, and once more for the reply's priming. */
const TOKENS_PER_MESSAGE = 3;

/**
 * The estimate tokenizes at most this many characters of a request (or text); the rest is extrapolated. gpt-tokenizer
 * reads text that merges poorly (random base64, many distinct words) at well under 1 MB/s even in short pieces: 64 KiB
 * of it took 80–100 ms, 16 KiB takes about 20–25 ms.
 */
const SAMPLE_CHARACTERS = 16 * 1024;

/** Longest piece handed to the BPE: its merge is quadratic in the piece, so pieces stay short. */
const PIECE_CHARACTERS = 200;

/** A text the model reads; `json` marks JSON the provider may re-render (tool arguments, schemas). */
interface PromptText {
  text: string;
  json: boolean;
}

/**
 * Every text the model reads in a request, in order: message contents, names, tool call ids, names and arguments,
 * tool definitions and a JSON schema response format (as JSON). A tool result counts its call's id and function name
 * too (Gemini names the function in each `functionResponse`). Images are not texts (see `imageCount`).
 */
function* promptTexts(request: ChatCompletionRequest): Generator<PromptText> {
  const callNames = new Map<string, string>();
  for (const message of request.messages) {
    const content = message.content;
    if (typeof content === 'string') yield { text: content, json: false };
    else if (Array.isArray(content)) for (const part of content) if (part.type === 'text') yield { text: part.text, json: false };
    if ('name' in message && message.name !== undefined) yield { text: message.name, json: false };
    if (message.role === 'tool') {
      yield { text: message.tool_call_id, json: false };
      yield { text: callNames.get(message.tool_call_id) ?? '', json: false };
    }
    if (message.role === 'assistant') {
      for (const call of message.tool_calls ?? []) {
        callNames.set(call.id, call.function.name);
        yield { text: call.id, json: false };
        yield { text: call.function.name, json: false };
        yield { text: call.function.arguments, json: true };
      }
    }
  }
  for (const tool of request.tools ?? []) yield { text: JSON.stringify(tool.function), json: true };
  if (request.response_format?.type === 'json_schema') yield { text: JSON.stringify(request.response_format.json_schema), json: true };
}

function imageCount(request: ChatCompletionRequest): number {
  let images = 0;
  for (const message of request.messages) {
    if (Array.isArray(message.content)) for (const part of message.content) if (part.type === 'image_url') images += 1;
  }
  return images;
}

function toolCallCount(request: ChatCompletionRequest): number {
  let calls = 0;
  for (const message of request.messages) {
    if (message.role === 'assistant') calls += message.tool_calls?.length ?? 0;
    if (message.role === 'tool') calls += 1; // the tool's answer is a block of its own (tool_result, functionResponse)
  }
  return calls;
}

/**
 * Characters after which a provider re-rendering JSON may add whitespace (`{`, `}`, `[`, `]`, `,`, `:`): Anthropic
 * and Gemini parse tool arguments and schemas and render them again, possibly spaced or indented. A run of
 * whitespace is at most one token per such character in every tokenizer here, so each counts one token more.
 */
function jsonStructuralCharacters(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    // { } [ ] , :
    if (code === 0x7b || code === 0x7d || code === 0x5b || code === 0x5d || code === 0x2c || code === 0x3a) count += 1;
  }
  return count;
}

/**
 * A true upper bound of a request's prompt tokens under any provider's tokenizer, without running one: every token
 * of a byte-level BPE (o200k, Claude) and of a byte-fallback SentencePiece (Gemini) covers at least one UTF-8 byte,
 * so the bytes of every text the model reads bound its tokens; `INPUT_BOUND_OVERHEADS` bounds what the provider wraps
 * around them, and each image counts `entry.imageTokens`. Linear in the request: one pass, one `JSON.stringify` of
 * each tool definition (whose depth the gateway limits before this runs).
 */
export function inputTokenUpperBound(request: ChatCompletionRequest, entry: CatalogEntry): number {
  const overheads = INPUT_BOUND_OVERHEADS;
  let tokens = overheads.perRequest + request.messages.length * overheads.perMessage;
  for (const { text, json } of promptTexts(request)) {
    tokens += Buffer.byteLength(text, 'utf8') + overheads.perText + (json ? jsonStructuralCharacters(text) : 0);
  }
  tokens += toolCallCount(request) * overheads.perToolCall;
  const tools = request.tools?.length ?? 0;
  if (tools > 0) tokens += overheads.toolUsePrompt + tools * overheads.perToolDefinition;
  if (request.response_format?.type === 'json_schema') tokens += overheads.perToolDefinition;
  tokens += imageCount(request) * (entry.imageTokens + overheads.perText);
  return tokens;
}

/** The end of a piece starting at `start`: the last whitespace within reach, else a hard cut off a surrogate pair. */
function pieceEnd(text: string, start: number): number {
  const limit = start + PIECE_CHARACTERS;
  if (limit >= text.length) return text.length;
  // o200k starts a word with its leading space, so a cut just before whitespace keeps words whole.
  for (let index = limit; index > start + 1; index -= 1) {
    const code = text.charCodeAt(index);
    if (code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d) return index;
  }
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit; // never split a surrogate pair
}

/** o200k tokens of a text cut in pieces of at most PIECE_CHARACTERS: linear, and close to the exact count. */
function countInPieces(text: string): number {
  let tokens = 0;
  for (let start = 0; start < text.length; ) {
    const end = pieceEnd(text, start);
    tokens += countO200k(text.slice(start, end));
    start = end;
  }
  return tokens;
}

/** The first `characters` of a text, not ending inside a surrogate pair. */
function head(text: string, characters: number): string {
  if (text.length <= characters) return text;
  const code = text.charCodeAt(characters - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? characters - 1 : characters);
}

/**
 * Estimated o200k tokens of several texts: the first SAMPLE_CHARACTERS of them (in order) are tokenized in short
 * pieces, the rest is extrapolated by its share of UTF-8 bytes at the sample's tokens per byte.
 */
function estimateTexts(texts: Iterable<string>): number {
  let budget = SAMPLE_CHARACTERS;
  let sampledTokens = 0;
  let sampledBytes = 0;
  let restBytes = 0;
  for (const text of texts) {
    if (text.length === 0) continue;
    if (budget <= 0) {
      restBytes += Buffer.byteLength(text, 'utf8');
      continue;
    }
    const sample = head(text, budget);
    budget -= Math.max(sample.length, 1);
    sampledTokens += countInPieces(sample);
    const bytes = Buffer.byteLength(sample, 'utf8');
    sampledBytes += bytes;
    if (sample.length < text.length) restBytes += Buffer.byteLength(text, 'utf8') - bytes;
  }
  if (restBytes === 0 || sampledBytes === 0) return sampledTokens;
  return sampledTokens + Math.ceil((restBytes * sampledTokens) / sampledBytes);
}

/**
 * An ESTIMATE of a text's tokens under o200k_base (GPT-4o's tokenizer): for usage a provider did not report and for
 * the echo model. Linear and capped: at most 16 Ki characters are tokenized, in pieces of at most 200 characters (cut at
 * whitespace where there is some), and the rest is extrapolated. Not a bound: reserve with `inputTokenUpperBound`.
 */
export function estimateTextTokens(text: string): number {
  return estimateTexts([text]);
}

/**
 * An ESTIMATE of a request's prompt tokens under o200k, framed the way OpenAI frames chat messages (3 tokens per
 * message and 3 for the reply), over the same texts the bound reads; images are not counted. Capped like
 * `estimateTextTokens`: at most 16 Ki characters of the whole prompt are tokenized.
 */
export function estimateRequestTokens(request: ChatCompletionRequest): number {
  return estimateTexts(textsOf(request)) + request.messages.length * TOKENS_PER_MESSAGE + TOKENS_PER_MESSAGE;
}

function* textsOf(request: ChatCompletionRequest): Generator<string> {
  for (const { text } of promptTexts(request)) yield text;
}
