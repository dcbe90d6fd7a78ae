import { Agent } from 'undici';
import { chatCompletionsUrl, openAiCompatibleHeaders, type OpenAiCompatibleSettings } from './openai-compatible-api';

describe('OpenAI-compatible URL and headers', () => {
  const agent = new Agent();
  afterAll(() => agent.close());
  const settings: OpenAiCompatibleSettings = { provider: 'lab', baseUrl: 'http://127.0.0.1:9/v1/', apiKey: 'lab-key-12345678', agent, quirks: { unsupportedSettings: [], maxTokensField: 'max_tokens', streamUsageOption: true } };

  it('posts to {baseUrl}/chat/completions with a bearer key, extra headers first', () => {
    expect(chatCompletionsUrl(settings)).toBe('http://127.0.0.1:9/v1/chat/completions');
    expect(openAiCompatibleHeaders({ ...settings, headers: { 'X-Team': 'search' } }, 'request-1')).toEqual({ 'x-team': 'search', authorization: 'Bearer lab-key-12345678', 'x-request-id': 'request-1' });
  });

  it('sends no credential to an endpoint without a key', () => {
    expect(openAiCompatibleHeaders({ ...settings, apiKey: '' }, 'request-1')).toEqual({ 'x-request-id': 'request-1' });
  });

  it('addresses an Azure deployment: path, api-version query, api-key header', () => {
    const azure = { ...settings, baseUrl: 'https://example.openai.azure.com/', azure: { deployment: 'gpt 4o/prod', apiVersion: '2024-10-21' } };
    expect(chatCompletionsUrl(azure)).toBe('https://example.openai.azure.com/openai/deployments/gpt%204o%2Fprod/chat/completions?api-version=2024-10-21');
    expect(openAiCompatibleHeaders(azure, 'request-1')).toEqual({ 'api-key': 'lab-key-12345678', 'x-request-id': 'request-1' });
  });
});
