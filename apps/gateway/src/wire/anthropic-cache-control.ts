import type { SettingWarning } from '@tollgate/providers';
import type { AnthropicMessagesRequest } from '@tollgate/schemas';
import { invalidRequest } from '../errors/gateway-error';

/** The first place a request marks a prompt-cache breakpoint (`cache_control`), as a param path; undefined if none. */
function firstCacheControl(request: AnthropicMessagesRequest): string | undefined {
  if (Array.isArray(request.system)) {
    const index = request.system.findIndex((block) => block.cache_control);
    if (index >= 0) return `system[${index}].cache_control`;
  }
  for (const [messageIndex, message] of request.messages.entries()) {
    if (!Array.isArray(message.content)) continue;
    const index = message.content.findIndex((block) => 'cache_control' in block && block.cache_control);
    if (index >= 0) return `messages[${messageIndex}].content[${index}].cache_control`;
  }
  const tool = request.tools?.findIndex((candidate) => candidate.cache_control) ?? -1;
  return tool >= 0 ? `tools[${tool}].cache_control` : undefined;
}

/**
 * `cache_control` is accepted on /v1/messages but not forwarded (requests travel through the provider contract in
 * OpenAI's shape, which has no cache breakpoints): the caller is told — a warning, or a 400 in strict mode — instead
 * of believing its prompt is cached. Usage that a provider reports as cache reads or writes is still billed at
 * those classes' prices.
 */
export function cacheControlWarnings(request: AnthropicMessagesRequest, strict: boolean): SettingWarning[] {
  const param = firstCacheControl(request);
  if (!param) return [];
  const reason = 'cache_control is not forwarded by this gateway: prompt-cache breakpoints are not applied';
  if (strict) throw invalidRequest(`${reason} (strict mode: x-tollgate-strict)`, param, 'unsupported_parameter');
  return [{ setting: 'cache_control', message: `${reason} (first at ${param})` }];
}
