import type { ChatCompletionRequest, Tool, ToolChoice } from '@tollgate/schemas';
import type { SettingWarning } from '../chat-model';
import { UnsupportedSettingError } from '../provider-error';
import {
  mapGoogleMessages,
  needsThoughtSignature,
  type GoogleContent,
  type GoogleSystemInstruction,
  type UnsupportedSettingReporter,
} from './map-google-messages';

/** A function the model may call, as Gemini declares it. */
export interface GoogleFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

/** How Gemini may use the declared functions. */
export interface GoogleFunctionCallingConfig {
  mode: 'AUTO' | 'NONE' | 'ANY';
  allowedFunctionNames?: string[];
}

/** Sampling and output settings, Gemini's spelling. */
export interface GoogleGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens: number;
  stopSequences?: string[];
  frequencyPenalty?: number;
  presencePenalty?: number;
  seed?: number;
  responseMimeType?: string;
  responseJsonSchema?: Record<string, unknown>;
}

/** A GenerateContentRequest body (the model is in the URL). */
export interface GoogleRequestBody {
  contents: GoogleContent[];
  systemInstruction?: GoogleSystemInstruction;
  tools?: Array<{ functionDeclarations: GoogleFunctionDeclaration[] }>;
  toolConfig?: { functionCallingConfig: GoogleFunctionCallingConfig };
  generationConfig: GoogleGenerationConfig;
}

/** Reports a setting Gemini cannot honour: a warning, or UnsupportedSettingError when the caller is strict. */
function createReporter(provider: string, strict: boolean | undefined, warnings: SettingWarning[]): UnsupportedSettingReporter {
  return (setting) => {
    if (strict) throw new UnsupportedSettingError(setting, `${setting} is not supported by ${provider}`);
    warnings.push({ setting, message: `${setting} is not supported by ${provider} and was not sent` });
  };
}

function mapTools(tools: readonly Tool[], report: UnsupportedSettingReporter): GoogleFunctionDeclaration[] {
  return tools.map(({ function: fn }, index) => {
    // Gemini has no per-function strict schema mode.
    if (fn.strict) report(`tools[${index}].function.strict`);
    const declaration: GoogleFunctionDeclaration = { name: fn.name };
    if (fn.description !== undefined) declaration.description = fn.description;
    if (fn.parameters !== undefined) declaration.parameters = fn.parameters;
    return declaration;
  });
}

/** OpenAI's `tool_choice` as Gemini's calling mode: `required` is `ANY`, a named function is `ANY` limited to it. */
export function mapGoogleToolChoice(choice: ToolChoice): GoogleFunctionCallingConfig {
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  return { mode: 'ANY', allowedFunctionNames: [choice.function.name] };
}

/**
 * Copies the settings Gemini has a field for; values pass unchanged (Gemini validates their ranges itself).
 * `maxOutputTokens` is always the output budget the gateway reserved, never the request's `max_tokens` /
 * `max_completion_tokens`.
 */
export function mapGoogleGenerationConfig(request: ChatCompletionRequest, maxOutputTokens: number): GoogleGenerationConfig {
  const config: GoogleGenerationConfig = { maxOutputTokens };
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.top_p !== undefined) config.topP = request.top_p;
  if (request.top_k !== undefined) config.topK = request.top_k;
  if (request.stop != null) config.stopSequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.frequency_penalty !== undefined) config.frequencyPenalty = request.frequency_penalty;
  if (request.presence_penalty !== undefined) config.presencePenalty = request.presence_penalty;
  if (request.seed !== undefined) config.seed = request.seed;
  const format = request.response_format;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    // responseJsonSchema takes JSON Schema as callers write it; responseSchema would need it rewritten to OpenAPI.
    if (format.json_schema.schema) config.responseJsonSchema = format.json_schema.schema;
  }
  return config;
}

/**
 * The Gemini request body for a caller's OpenAI-shaped request, with the settings Gemini cannot honour reported
 * (warnings, or UnsupportedSettingError when `strict`): `user`, and `parallel_tool_calls: false` (Gemini decides
 * alone whether to call functions in parallel, so only `true` is honoured).
 */
export function mapGoogleRequest(
  request: ChatCompletionRequest,
  input: { provider: string; upstreamModelId: string; maxOutputTokens: number; strict?: boolean },
): { body: GoogleRequestBody; warnings: SettingWarning[] } {
  const warnings: SettingWarning[] = [];
  const report = createReporter(input.provider, input.strict, warnings);
  if (request.user !== undefined) report('user');
  if (request.parallel_tool_calls === false) report('parallel_tool_calls');

  const { contents, systemInstruction } = mapGoogleMessages(request.messages, {
    provider: input.provider,
    thoughtSignature: needsThoughtSignature(input.upstreamModelId),
    report,
  });
  const body: GoogleRequestBody = { contents, generationConfig: mapGoogleGenerationConfig(request, input.maxOutputTokens) };
  if (systemInstruction) body.systemInstruction = systemInstruction;
  if (request.tools) body.tools = [{ functionDeclarations: mapTools(request.tools, report) }];
  if (request.tool_choice !== undefined) body.toolConfig = { functionCallingConfig: mapGoogleToolChoice(request.tool_choice) };
  return { body, warnings };
}
