import { isNativeError } from 'node:util/types';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** A successful tool result: text for the model to read, and the same facts as data for a program. */
export function toolSuccess(text: string, structuredContent: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent };
}

/**
 * A failed tool call as MCP wants it reported: a result with `isError: true` the model can read and act on
 * (top up, pick another model), not a protocol error and never a crash of the server.
 */
export function toolError(error: unknown): CallToolResult {
  const message = isNativeError(error) ? error.message : String(error);
  return { content: [{ type: 'text', text: message }], isError: true };
}
