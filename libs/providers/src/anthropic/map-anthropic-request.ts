import type { ChatCompletionRequest, Tool, ToolChoice } from '@tollgate/schemas';
import type { SettingWarning } from '../chat-model';
import { UnsupportedSettingError } from '../provider-error';
import { mapAnthropicMessages, type AnthropicMessage, type AnthropicTextBlock, type ReportUnsupported } from './map-anthropic-messages';

/** A tool as Anthropic declares it: the OpenAI function's JSON Schema becomes `input_schema`. */
export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

/** How the model may use the tools; `disable_parallel_tool_use` is OpenAI's `parallel_tool_calls: false`. */
export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

/** The body of `POST /v1/messages`. */
export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: AnthropicTextBlock[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  metadata?: { user_id: string };
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  stream?: boolean;
}

/** Anthropic's temperature range is 0..1 where OpenAI's is 0..2. */
const MAX_TEMPERATURE = 1;

/**
 * What happens to each request field. A `Record` over every key, so a field added to the request schema does not
 * compile until someone decides whether Anthropic can honour it.
 */
const SETTING_HANDLING: Record<keyof ChatCompletionRequest, 'gateway' | 'mapped' | 'unsupported'> = {
  model: 'gateway',
  models: 'gateway',
  stream: 'gateway',
  stream_options: 'gateway',
  messages: 'mapped',
  max_tokens: 'gateway', // folded into the output budget, sent as max_tokens
  max_completion_tokens: 'gateway',
  temperature: 'mapped',
  top_p: 'mapped',
  top_k: 'mapped',
  stop: 'mapped',
  tools: 'mapped',
  tool_choice: 'mapped',
  parallel_tool_calls: 'mapped',
  user: 'mapped',
  n: 'mapped', // only 1 is accepted, which is what Anthropic does anyway
  response_format: 'mapped', // `text` is the default; the JSON modes are reported below
  frequency_penalty: 'unsupported',
  presence_penalty: 'unsupported',
  seed: 'unsupported',
  plugins: 'gateway', // OpenRouter's; reported unsupported by the gateway, never sent upstream
};

/**
 * The upstream body for the Messages API. Every setting Anthropic cannot honour is reported (a warning, or
 * UnsupportedSettingError when `strict`) and left out; no value is clamped or replaced. `max_tokens` is the output
 * budget the gateway reserved (`maxOutputTokens`), whatever the request's `max_tokens` / `max_completion_tokens` say.
 */
export function mapAnthropicRequest(
  request: ChatCompletionRequest,
  input: { upstreamModelId: string; stream: boolean; provider: string; maxOutputTokens: number; strict?: boolean },
): { body: AnthropicRequestBody; warnings: SettingWarning[] } {
  const warnings: SettingWarning[] = [];
  const report: ReportUnsupported = (setting, problem) => {
    if (input.strict) throw new UnsupportedSettingError(setting, problem);
    warnings.push({ setting, message: `${problem} and was not sent` });
  };
  reportUnsupportedSettings(request, input.provider, report);
  const { system, messages } = mapAnthropicMessages(request.messages, { provider: input.provider, report });
  const body: AnthropicRequestBody = {
    model: input.upstreamModelId,
    max_tokens: input.maxOutputTokens,
    messages,
    ...(system ? { system } : {}),
    ...mapSampling(request, input.provider, report),
    ...mapTooling(request, input.provider, report),
    ...(request.user !== undefined ? { metadata: { user_id: request.user } } : {}),
    ...(input.stream ? { stream: true } : {}),
  };
  return { body, warnings };
}

/** Settings with no Anthropic counterpart; a penalty of 0 is OpenAI's default, so leaving it out changes nothing. */
function reportUnsupportedSettings(request: ChatCompletionRequest, provider: string, report: ReportUnsupported): void {
  for (const [key, handling] of Object.entries(SETTING_HANDLING) as Array<[keyof ChatCompletionRequest, string]>) {
    const value = request[key];
    if (handling !== 'unsupported' || value === undefined || value === null) continue;
    if ((key === 'frequency_penalty' || key === 'presence_penalty') && value === 0) continue;
    report(key, `${key} is not supported by ${provider}`);
  }
  const format = request.response_format?.type;
  if (format === 'json_object' || format === 'json_schema') {
    report('response_format', `response_format ${format} is not supported by ${provider}`);
  }
}

function mapSampling(
  request: ChatCompletionRequest,
  provider: string,
  report: ReportUnsupported,
): Pick<AnthropicRequestBody, 'temperature' | 'top_p' | 'top_k' | 'stop_sequences'> {
  const sampling: Pick<AnthropicRequestBody, 'temperature' | 'top_p' | 'top_k' | 'stop_sequences'> = {};
  if (request.temperature !== undefined) {
    if (request.temperature > MAX_TEMPERATURE) {
      report('temperature', `temperature ${request.temperature} is above ${provider}'s maximum of ${MAX_TEMPERATURE}`);
    } else sampling.temperature = request.temperature;
  }
  if (request.top_p !== undefined) sampling.top_p = request.top_p;
  if (request.top_k !== undefined) sampling.top_k = request.top_k;
  if (request.stop != null) sampling.stop_sequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  return sampling;
}

/** Tools and how to use them; `tool_choice` and `parallel_tool_calls` only mean something when tools are sent. */
function mapTooling(
  request: ChatCompletionRequest,
  provider: string,
  report: ReportUnsupported,
): Pick<AnthropicRequestBody, 'tools' | 'tool_choice'> {
  if (!request.tools) return {};
  const tools = request.tools.map((tool) => mapTool(tool, provider, report));
  const toolChoice = mapAnthropicToolChoice(request.tool_choice, request.parallel_tool_calls);
  return { tools, ...(toolChoice ? { tool_choice: toolChoice } : {}) };
}

function mapTool(tool: Tool, provider: string, report: ReportUnsupported): AnthropicTool {
  if (tool.function.strict === true) {
    report('tools.function.strict', `tools[].function.strict is not supported by ${provider}`);
  }
  return {
    name: tool.function.name,
    ...(tool.function.description !== undefined ? { description: tool.function.description } : {}),
    // OpenAI treats a function without `parameters` as taking none; Anthropic requires the schema.
    input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
  };
}

/**
 * OpenAI's `tool_choice` in Anthropic's words: `required` is `any`, a named function is `tool`. Without a
 * tool_choice, `parallel_tool_calls: false` still needs one to carry `disable_parallel_tool_use`: `auto`, the
 * default. `none` allows no calls at all, so the flag has nothing to restrict there.
 */
export function mapAnthropicToolChoice(choice: ToolChoice | undefined, parallelToolCalls: boolean | undefined): AnthropicToolChoice | undefined {
  const parallel = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === 'none') return { type: 'none' };
  if (choice === undefined) return parallelToolCalls === false ? { type: 'auto', ...parallel } : undefined;
  if (choice === 'auto') return { type: 'auto', ...parallel };
  if (choice === 'required') return { type: 'any', ...parallel };
  return { type: 'tool', name: choice.function.name, ...parallel };
}
