import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CapabilityModel } from '../gateway-client';
import type { ToolDependencies } from './tool-dependencies';
import { toolError, toolSuccess } from './tool-result';

const listedModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  input_per_million_usd: z.string(),
  output_per_million_usd: z.string(),
  available: z.boolean(),
});
type ListedModel = z.infer<typeof listedModelSchema>;

const providerGroupSchema = z.object({ provider: z.string(), models: z.array(listedModelSchema) });
type ProviderGroup = z.infer<typeof providerGroupSchema>;

/** The catalog grouped by provider, in the gateway's order (providers by first appearance). */
export function groupByProvider(models: readonly CapabilityModel[]): ProviderGroup[] {
  const groups = new Map<string, ListedModel[]>();
  for (const model of models) {
    const listed: ListedModel = {
      id: model.id,
      name: model.name ?? model.id,
      input_per_million_usd: model.price_per_million_tokens.input,
      output_per_million_usd: model.price_per_million_tokens.output,
      // A catalog that does not say is taken at its word that the model is listed to be used.
      available: model.available ?? true,
    };
    groups.set(model.provider, [...(groups.get(model.provider) ?? []), listed]);
  }
  return [...groups].map(([provider, providerModels]) => ({ provider, models: providerModels }));
}

export function formatModelList(groups: readonly ProviderGroup[]): string {
  const count = groups.reduce((total, group) => total + group.models.length, 0);
  const lines = [`${count} models from ${groups.length} providers (USD per million tokens, in / out):`];
  for (const group of groups) {
    lines.push('', group.provider);
    for (const model of group.models) {
      const unavailable = model.available ? '' : ' — unavailable (provider not configured)';
      lines.push(`- ${model.id} (${model.name}): $${model.input_per_million_usd} in / $${model.output_per_million_usd} out${unavailable}`);
    }
  }
  return lines.join('\n');
}

/** `list_models`: the gateway's catalog (`GET /api/capabilities`) grouped by provider, with prices. */
export function registerListModelsTool(server: McpServer, { gateway }: ToolDependencies): RegisteredTool {
  return server.registerTool(
    'list_models',
    {
      title: 'List models and prices',
      description:
        'List the AI models available via tollgate, grouped by provider, with their prices in USD per million input and output tokens and whether each can be used now.',
      outputSchema: { providers: z.array(providerGroupSchema) },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async (extra) => {
      try {
        const groups = groupByProvider(await gateway.listModels(extra.signal));
        return toolSuccess(formatModelList(groups), { providers: groups });
      } catch (error) {
        return toolError(error);
      }
    },
  );
}
