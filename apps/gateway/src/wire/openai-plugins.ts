import type { SettingWarning } from '@tollgate/providers';
import type { ChatCompletionRequest } from '@tollgate/schemas';
import { invalidRequest } from '../errors/gateway-error';

/**
 * OpenRouter's `plugins` (web search, file parsing, response healing…), which Router402's clients send with every
 * request: this gateway runs none of them. They are accepted so those clients work, and reported — never silently
 * dropped: a warning naming them, or a 400 in strict mode (x-tollgate-strict: true).
 */
export function pluginWarnings(request: ChatCompletionRequest, strict: boolean): SettingWarning[] {
  if (!request.plugins || request.plugins.length === 0) return [];
  const names = [...new Set(request.plugins.map((plugin) => plugin.id))].join(', ');
  const reason = `plugins are not supported by this gateway: ${names} not applied`;
  if (strict) throw invalidRequest(`${reason} (strict mode: x-tollgate-strict)`, 'plugins', 'unsupported_parameter');
  return [{ setting: 'plugins', message: reason }];
}
