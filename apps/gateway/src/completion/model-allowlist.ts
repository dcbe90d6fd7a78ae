import type { CatalogEntry } from '@tollgate/providers';
import type { Caller } from '../auth/caller';
import { GatewayError } from '../errors/gateway-error';

/**
 * Refuses (403 `model_not_allowed`) a request that could be served by a model outside its key's allowlist. Every
 * candidate counts — `model` and each `models` fallback, after alias resolution — since any of them may end up
 * serving (and billing) the request. Checked before admission, so a refused request holds nothing and reaches no
 * provider. An empty or absent allowlist allows every model.
 */
export function assertModelsAllowed(caller: Caller, candidates: readonly CatalogEntry[]): void {
  const allowed = caller.allowedModels;
  if (!allowed || allowed.length === 0) return;
  const refused = candidates.find((entry) => !allowed.includes(entry.id));
  if (!refused) return;
  throw new GatewayError({
    status: 403,
    type: 'permission_error',
    code: 'model_not_allowed',
    param: 'model',
    message: `This API key may not use the model ${refused.id}; it may use: ${allowed.join(', ')}.`,
  });
}
