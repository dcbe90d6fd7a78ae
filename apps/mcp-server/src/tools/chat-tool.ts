import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { costSchema } from '@tollgate/schemas';
import { answerText, type MessageResponse } from '../gateway-client';
import { resolveSpendToken, spendTokenInput } from './spend-token';
import type { ToolDependencies } from './tool-dependencies';
import { toolError, toolSuccess } from './tool-result';

/** The seed's default answer length (LightningProx's `chat`). */
export const DEFAULT_MAX_TOKENS = 1024;

/** The seed's format: the answer, a blank line, then the token counts. */
export function formatChatAnswer(response: MessageResponse): string {
  return `${answerText(response)}\n\n— ${response.usage.input_tokens} in / ${response.usage.output_tokens} out`;
}

/** `chat`: one user message to one model through `POST /v1/messages`, paid with a spend token. */
export function registerChatTool(server: McpServer, { gateway, defaultSpendToken }: ToolDependencies): RegisteredTool {
  return server.registerTool(
    'chat',
    {
      title: 'Chat with an AI model',
      description:
        'Send a message to an AI model via tollgate. Pay per request with a spend token. Supports models from Anthropic, OpenAI, Together.ai, Mistral, and Google (list_models shows them with their prices).',
      inputSchema: {
        model: z
          .string()
          .min(1)
          .describe('Model ID (e.g. anthropic/claude-opus-4.5, openai/gpt-4-turbo, google/gemini-2.5-pro, mistral/mistral-large, together/deepseek-v3)'),
        message: z.string().describe('The user message to send'),
        spend_token: spendTokenInput(defaultSpendToken),
        max_tokens: z.number().int().positive().default(DEFAULT_MAX_TOKENS).describe(`Maximum tokens in response (default: ${DEFAULT_MAX_TOKENS})`),
      },
      outputSchema: {
        text: z.string(),
        model: z.string(),
        stop_reason: z.string().nullable(),
        usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int(), cost: costSchema.optional() }),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async ({ model, message, spend_token, max_tokens }, extra) => {
      try {
        const spendToken = resolveSpendToken(spend_token, defaultSpendToken);
        const response = await gateway.createMessage({ model, message, maxTokens: max_tokens, spendToken }, extra.signal);
        const { input_tokens, output_tokens, cost } = response.usage;
        return toolSuccess(formatChatAnswer(response), {
          text: answerText(response),
          model: response.model,
          stop_reason: response.stop_reason ?? null,
          usage: { input_tokens, output_tokens, ...(cost ? { cost } : {}) },
        });
      } catch (error) {
        return toolError(error);
      }
    },
  );
}
