import { mapGoogleError } from './google-error';

describe('mapGoogleError', () => {
  it('reads a rejected API key (a 400 with ErrorInfo API_KEY_INVALID) as a 401: tollgate’s credentials, not the request', () => {
    const bodyText = JSON.stringify({
      error: {
        code: 400,
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
      },
    });
    expect(mapGoogleError({ provider: 'google', statusCode: 400, bodyText })).toMatchObject({ statusCode: 401, isRetryable: false });
  });

  it('keeps an ordinary 400 a 400', () => {
    const bodyText = JSON.stringify({ error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' } });
    expect(mapGoogleError({ provider: 'google', statusCode: 400, bodyText })).toMatchObject({ statusCode: 400, upstreamCode: 'INVALID_ARGUMENT' });
  });
});
