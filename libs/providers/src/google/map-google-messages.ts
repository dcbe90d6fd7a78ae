import type { ChatCompletionRequest, ChatMessage, ContentPart, ToolCall } from '@tollgate/schemas';
import { ProviderError } from '../provider-error';

/** A part of a Gemini request `Content`. */
export type GoogleRequestPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: Record<string, unknown> }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: { content: string } } };

/** One turn of a Gemini conversation: the caller's (`user`, tool results included) or the model's. */
export interface GoogleContent {
  role: 'user' | 'model';
  parts: GoogleRequestPart[];
}

/** Gemini's system prompt, kept apart from the turns. */
export interface GoogleSystemInstruction {
  parts: Array<{ text: string }>;
}

/** Called with the path of a message field Gemini cannot take (a warning, or a refusal in strict mode). */
export type UnsupportedSettingReporter = (setting: string) => void;

/**
 * Gemini 3 refuses a history whose function calls lack the model's thought signature, which an OpenAI-shaped
 * conversation cannot carry. Google documents this value for calls that did not come from the model in this form; it
 * skips the check. Gemini 1.x and 2.x do not check signatures, so they are sent none.
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';
const MODELS_WITHOUT_SIGNATURE_CHECK = /^(models\/)?gemini-[12][.-]/;

export function needsThoughtSignature(upstreamModelId: string): boolean {
  return !MODELS_WITHOUT_SIGNATURE_CHECK.test(upstreamModelId);
}

const IMAGE_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
};

/** The image type a URL's file extension names; `image/jpeg` when it names none Gemini knows. */
export function guessImageMimeType(url: string): string {
  let pathname = url;
  try {
    pathname = new URL(url).pathname;
  } catch {
    // not a parseable URL: look at the text as is
  }
  const extension = /\.([a-z0-9]+)$/i.exec(pathname)?.[1]?.toLowerCase();
  return (extension && IMAGE_TYPES[extension]) || 'image/jpeg';
}

/** An image part: a base64 `data:` URL is sent inline, an http(s) URL by reference. */
export function mapGoogleImage(url: string): GoogleRequestPart {
  const inline = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (inline) return { inlineData: { mimeType: inline[1], data: inline[2] } };
  return { fileData: { mimeType: guessImageMimeType(url), fileUri: url } };
}

function textOf(content: string | ReadonlyArray<{ text: string }> | null | undefined): string {
  if (content == null) return '';
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

/** A conversation Gemini cannot represent: the caller must fix it (400, not retryable). */
function invalidConversation(provider: string, message: string): ProviderError {
  return new ProviderError({ provider, message: `${provider} cannot take this conversation: ${message}`, statusCode: 400, isRetryable: false, upstreamCode: 'invalid_request' });
}

function mapUserParts(content: string | ContentPart[], path: string, report: UnsupportedSettingReporter): GoogleRequestPart[] {
  if (typeof content === 'string') return [{ text: content }];
  return content.map((part, index) => {
    if (part.type === 'text') return { text: part.text };
    // Gemini sets image resolution per request (mediaResolution), not per image.
    const detail = part.image_url.detail;
    if (detail && detail !== 'auto') report(`${path}.content[${index}].image_url.detail`);
    return mapGoogleImage(part.image_url.url);
  });
}

function mapToolCall(call: ToolCall, provider: string): { name: string; args: Record<string, unknown> } {
  const text = call.function.arguments.trim();
  let args: unknown = {};
  try {
    if (text) args = JSON.parse(text);
  } catch {
    throw invalidConversation(provider, `the arguments of tool call ${call.id} are not JSON`);
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw invalidConversation(provider, `the arguments of tool call ${call.id} are not a JSON object`);
  }
  return { name: call.function.name, args: args as Record<string, unknown> };
}

function mapModelParts(
  message: Extract<ChatMessage, { role: 'assistant' }>,
  input: { provider: string; thoughtSignature: boolean },
): GoogleRequestPart[] {
  const parts: GoogleRequestPart[] = [];
  const text = textOf(message.content);
  if (text) parts.push({ text });
  for (const [index, call] of (message.tool_calls ?? []).entries()) {
    const functionCall = mapToolCall(call, input.provider);
    // Only the first call of a turn carries a signature (as Gemini itself sends parallel calls).
    parts.push(index === 0 && input.thoughtSignature ? { functionCall, thoughtSignature: SKIP_THOUGHT_SIGNATURE } : { functionCall });
  }
  return parts;
}

/**
 * The caller's messages as Gemini turns: system messages become the system instruction (Gemini has one, so they are
 * gathered in order), assistant tool calls become `functionCall` parts and tool results `functionResponse` parts of
 * a user turn — consecutive results in one turn, as Gemini expects the answers to one model turn together. A tool
 * result is named after the call it answers, which Gemini needs and OpenAI's format only holds on that call.
 */
export function mapGoogleMessages(
  messages: ChatCompletionRequest['messages'],
  input: { provider: string; thoughtSignature: boolean; report: UnsupportedSettingReporter },
): { contents: GoogleContent[]; systemInstruction?: GoogleSystemInstruction } {
  const contents: GoogleContent[] = [];
  const system: Array<{ text: string }> = [];
  const toolNames = new Map<string, string>();
  let toolTurn: GoogleContent | undefined;

  for (const [index, message] of messages.entries()) {
    const path = `messages[${index}]`;
    if (message.role !== 'tool') toolTurn = undefined;
    if (message.role !== 'tool' && message.name !== undefined) input.report(`${path}.name`);
    switch (message.role) {
      case 'system':
        system.push({ text: textOf(message.content) });
        break;
      case 'user':
        contents.push({ role: 'user', parts: mapUserParts(message.content, path, input.report) });
        break;
      case 'assistant': {
        for (const call of message.tool_calls ?? []) toolNames.set(call.id, call.function.name);
        const parts = mapModelParts(message, input);
        if (parts.length > 0) contents.push({ role: 'model', parts });
        break;
      }
      case 'tool': {
        const name = toolNames.get(message.tool_call_id);
        if (!name) throw invalidConversation(input.provider, `${path} answers tool call ${message.tool_call_id}, which no earlier assistant message made`);
        const part: GoogleRequestPart = { functionResponse: { name, response: { content: textOf(message.content) } } };
        if (toolTurn) toolTurn.parts.push(part);
        else {
          toolTurn = { role: 'user', parts: [part] };
          contents.push(toolTurn);
        }
        break;
      }
    }
  }
  return system.length > 0 ? { contents, systemInstruction: { parts: system } } : { contents };
}
