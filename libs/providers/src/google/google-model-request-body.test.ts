import { fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { createUpstreamAgent, DEFAULT_TIMEOUTS } from '../http/upstream-http';
import { GoogleModel } from './google-model';

describe('GoogleModel request body', () => {
  let upstream: ReplayServer;
  let model: GoogleModel;
  const agent = createUpstreamAgent(DEFAULT_TIMEOUTS);
  const options = () => ({ signal: new AbortController().signal, requestId: 'req-test-0001', maxOutputTokens: 1000 });

  beforeEach(async () => {
    upstream = await startReplayServer();
    model = new GoogleModel('gemini-2.5-flash', { provider: 'google', baseUrl: upstream.url, apiKey: 'gemini-test-key', agent });
  });
  afterEach(() => upstream.close());
  afterAll(() => agent.close());

  it('maps system, images, tools, tool choice, a tool round trip and the generation config', async () => {
    upstream.enqueue({ json: fixtureJson('google', 'google-text') });
    await model.generate(
      {
        model: 'google/gemini-2.5-flash',
        messages: [
          { role: 'system', content: 'You are a terse weather assistant.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Where were these taken, and what is the weather there?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/photos/harbour.webp?size=large' } },
              { type: 'image_url', image_url: { url: 'https://example.com/photos/bridge' } },
            ],
          },
          {
            role: 'assistant',
            content: 'Checking both cities.',
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"location":"Sydney"}' } },
              { id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"location":"San Francisco"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_a', content: '{"temperature":24}' },
          { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: '{"temperature":' }, { type: 'text', text: '14}' }] },
          { role: 'user', content: 'Answer in one line.' },
        ],
        tools: [
          {
            type: 'function',
            function: {
              name: 'weather',
              description: 'Current weather for a city',
              parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
            },
          },
        ],
        tool_choice: { type: 'function', function: { name: 'weather' } },
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        max_completion_tokens: 256,
        stop: ['END'],
        frequency_penalty: 0.1,
        presence_penalty: 0.2,
        seed: 7,
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { line: { type: 'string' } } } } },
      },
      { ...options(), maxOutputTokens: 256 },
    );
    expect(upstream.requests[0].body).toMatchInlineSnapshot(`
{
  "contents": [
    {
      "parts": [
        {
          "text": "Where were these taken, and what is the weather there?",
        },
        {
          "inlineData": {
            "data": "iVBORw0KGgo=",
            "mimeType": "image/png",
          },
        },
        {
          "fileData": {
            "fileUri": "https://example.com/photos/harbour.webp?size=large",
            "mimeType": "image/webp",
          },
        },
        {
          "fileData": {
            "fileUri": "https://example.com/photos/bridge",
            "mimeType": "image/jpeg",
          },
        },
      ],
      "role": "user",
    },
    {
      "parts": [
        {
          "text": "Checking both cities.",
        },
        {
          "functionCall": {
            "args": {
              "location": "Sydney",
            },
            "name": "weather",
          },
        },
        {
          "functionCall": {
            "args": {
              "location": "San Francisco",
            },
            "name": "weather",
          },
        },
      ],
      "role": "model",
    },
    {
      "parts": [
        {
          "functionResponse": {
            "name": "weather",
            "response": {
              "content": "{"temperature":24}",
            },
          },
        },
        {
          "functionResponse": {
            "name": "weather",
            "response": {
              "content": "{"temperature":14}",
            },
          },
        },
      ],
      "role": "user",
    },
    {
      "parts": [
        {
          "text": "Answer in one line.",
        },
      ],
      "role": "user",
    },
  ],
  "generationConfig": {
    "frequencyPenalty": 0.1,
    "maxOutputTokens": 256,
    "presencePenalty": 0.2,
    "responseJsonSchema": {
      "properties": {
        "line": {
          "type": "string",
        },
      },
      "type": "object",
    },
    "responseMimeType": "application/json",
    "seed": 7,
    "stopSequences": [
      "END",
    ],
    "temperature": 0.2,
    "topK": 40,
    "topP": 0.9,
  },
  "systemInstruction": {
    "parts": [
      {
        "text": "You are a terse weather assistant.",
      },
    ],
  },
  "toolConfig": {
    "functionCallingConfig": {
      "allowedFunctionNames": [
        "weather",
      ],
      "mode": "ANY",
    },
  },
  "tools": [
    {
      "functionDeclarations": [
        {
          "description": "Current weather for a city",
          "name": "weather",
          "parameters": {
            "properties": {
              "location": {
                "type": "string",
              },
            },
            "required": [
              "location",
            ],
            "type": "object",
          },
        },
      ],
    },
  ],
}
`);
  });
});
