import type { z } from 'zod';
import { invalidRequest } from '../errors/gateway-error';

/** Keys come from the caller (an unknown field may be a megabyte long): each is shortened in errors. */
const MAX_KEY_LENGTH = 64;

function shownKey(key: PropertyKey): string {
  const text = String(key);
  return text.length > MAX_KEY_LENGTH ? `${text.slice(0, MAX_KEY_LENGTH)}…` : text;
}

/** `messages[0].content` from a zod issue path. */
function pathToParam(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${shownKey(key)}` : shownKey(key)), '');
}

/**
 * Validates a request body with a zod schema; the first problem becomes a 400 naming the offending field in
 * `param` and in the message.
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_body');
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const param = pathToParam([...issue.path, key]);
    throw invalidRequest(`Unrecognized request argument supplied: ${param}`, param, 'unknown_parameter');
  }
  const param = pathToParam(issue.path) || null;
  throw invalidRequest(`Invalid value for '${param ?? 'body'}': ${issue.message}`, param, 'invalid_value');
}
