import { ProviderError } from './provider-error';

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
