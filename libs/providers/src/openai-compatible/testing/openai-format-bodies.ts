import type { CallerToolCall } from '../../testing/provider-replay';

/** What an OpenAI-compatible upstream body holds after `[user question, assistant tool call, tool result]`. */
export const openAiToolRoundTrip = (question: string, call: CallerToolCall, result: string) => ({
  messages: [
    { role: 'user', content: question },
    { role: 'assistant', tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }] },
    { role: 'tool', tool_call_id: call.id, content: result },
  ],
});

/** What an OpenAI-compatible upstream body holds for a user message of a text and two images. */
export const openAiImage = (text: string, dataUrl: { mediaType: string; data: string }, httpsUrl: string) => ({
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text },
        { type: 'image_url', image_url: { url: `data:${dataUrl.mediaType};base64,${dataUrl.data}` } },
        { type: 'image_url', image_url: { url: httpsUrl } },
      ],
    },
  ],
});
