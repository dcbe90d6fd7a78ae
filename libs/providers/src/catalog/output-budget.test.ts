import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { CatalogEntry } from './model-catalog';
import { loadCatalog } from '../load-catalog';
import { InvalidOutputBudgetError, outputBudget } from './output-budget';

const magistral = loadCatalog().find('mistral/magistral') as CatalogEntry; // maxOutputTokens 40,000
const base: ChatCompletionRequest = { model: 'mistral/magistral', messages: [{ role: 'user', content: 'Hi' }] };

function budgetError(request: Partial<ChatCompletionRequest>): InvalidOutputBudgetError {
  try {
    outputBudget({ ...base, ...request }, magistral);
  } catch (error) {
    if (error instanceof InvalidOutputBudgetError) return error;
    throw error;
  }
  throw new Error('outputBudget accepted the request');
}

describe('outputBudget', () => {
  it("is the model's maximum when the caller gives no limit", () => {
    expect(magistral.maxOutputTokens).toBe(40_000);
    expect(outputBudget(base, magistral)).toBe(40_000);
  });

  it('is max_completion_tokens, else max_tokens, up to and including the maximum', () => {
    expect(outputBudget({ ...base, max_completion_tokens: 1 }, magistral)).toBe(1);
    expect(outputBudget({ ...base, max_tokens: 300 }, magistral)).toBe(300);
    expect(outputBudget({ ...base, max_tokens: 40_000 }, magistral)).toBe(40_000);
    expect(outputBudget({ ...base, max_tokens: 512, max_completion_tokens: 512 }, magistral)).toBe(512);
  });

  it('refuses two different values: a provider honouring the other one would write more than was reserved', () => {
    const error = budgetError({ max_completion_tokens: 1, max_tokens: 40_000 });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('InvalidOutputBudgetError');
    expect(error.param).toBe('max_completion_tokens');
    expect(error.message).toBe('max_completion_tokens (1) and max_tokens (40000) are one limit: give one, or the same value in both');
  });

  it("refuses a value above the model's maximum, naming the field, the model and its maximum", () => {
    const tooMany = budgetError({ max_tokens: 40_001 });
    expect(tooMany.param).toBe('max_tokens');
    expect(tooMany.message).toBe("max_tokens is 40001, above mistral/magistral's maximum of 40000 output tokens");
    expect(budgetError({ max_completion_tokens: 100_000 })).toMatchObject({ param: 'max_completion_tokens', message: expect.stringContaining('40000') });
  });
});
