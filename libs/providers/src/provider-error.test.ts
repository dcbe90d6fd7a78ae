import { ProviderError, registerProviderSecret } from './provider-error';

describe('ProviderError.reachedModel', () => {
  it('defaults to false, leaving retryability to the status', () => {
    expect(new ProviderError({ provider: 'openai', message: 'busy', statusCode: 503 })).toMatchObject({ reachedModel: false, isRetryable: true });
    expect(new ProviderError({ provider: 'openai', message: 'bad', statusCode: 400 })).toMatchObject({ reachedModel: false, isRetryable: false });
  });

  it('makes the error not retryable, whatever the status or the isRetryable asked for', () => {
    const error = new ProviderError({ provider: 'openai', message: 'timeout', statusCode: 504, isRetryable: true, reachedModel: true });
    expect(error).toMatchObject({ reachedModel: true, isRetryable: false });
  });
});

describe('ProviderError and provider API keys', () => {
  it('cuts a registered provider key out of its message and stack (providers echo it in 401 bodies)', () => {
    registerProviderSecret('sk-test-registered-key-123');
    const error = new ProviderError({ provider: 'openai', message: 'openai returned 401: Incorrect API key provided: Bearer sk-test-registered-key-123', statusCode: 401 });
    expect(error.message).toBe('openai returned 401: Incorrect API key provided: Bearer [redacted]');
    expect(error.stack).not.toContain('sk-test-registered-key-123');
  });
});
