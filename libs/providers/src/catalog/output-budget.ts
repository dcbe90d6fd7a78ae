import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { CatalogEntry } from './model-catalog';

/** The caller's output limit cannot be honoured: two different values, or more than the model can write. */
export class InvalidOutputBudgetError extends Error {
  override readonly name = 'InvalidOutputBudgetError';
  constructor(
    /** The request field at fault, for the error body's `param`. */
    readonly param: 'max_tokens' | 'max_completion_tokens',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The output budget of a request for one model: the most tokens the provider may generate, computed once, reserved,
 * and sent upstream by every adapter (`CallOptions.maxOutputTokens`). It is the caller's `max_completion_tokens ??
 * max_tokens`, else the model's maximum. Throws InvalidOutputBudgetError when the two fields disagree (a provider
 * honouring the other one would generate more than was reserved) or when the value is above the model's maximum
 * (the provider would refuse it, or ignore it).
 */
export function outputBudget(request: ChatCompletionRequest, entry: CatalogEntry): number {
  const { max_tokens: maxTokens, max_completion_tokens: maxCompletionTokens } = request;
  if (maxTokens !== undefined && maxCompletionTokens !== undefined && maxTokens !== maxCompletionTokens) {
    throw new InvalidOutputBudgetError(
      'max_completion_tokens',
      `max_completion_tokens (${maxCompletionTokens}) and max_tokens (${maxTokens}) are one limit: give one, or the same value in both`,
    );
  }
  const requested = maxCompletionTokens ?? maxTokens;
  if (requested === undefined) return entry.maxOutputTokens;
  if (requested > entry.maxOutputTokens) {
    const param = maxCompletionTokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
    throw new InvalidOutputBudgetError(param, `${param} is ${requested}, above ${entry.id}'s maximum of ${entry.maxOutputTokens} output tokens`);
  }
  return requested;
}
