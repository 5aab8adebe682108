/** The request bodies and stream shape every case is measured with (Archestra's published method). */
import type OpenAI from 'openai';

/** Content events per streamed answer, and the gap between them. */
export const STREAM_EVENTS = 20;
export const STREAM_GAP_MS = 10;
/** A streamed request for this model gets one event and is then held open (memory test). */
export const HOLD_MODEL = 'bench-hold';
/** Any key: the upstream checks none; the proxy passes the client's key on (provider-key mode). */
export const API_KEY = 'sk-bench-0000000000000000';

export type WorkloadName = 'chat' | 'tools' | 'stream';

type ChatParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;

const messages: ChatParams['messages'] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Hello! What can you do?' },
];

export const CHAT_BODY: ChatParams = { model: 'gpt-4o-mini', messages };

export const TOOLS_BODY: ChatParams = {
  model: 'gpt-4o-mini',
  messages,
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Get the current weather in a city.',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
          required: ['city'],
          additionalProperties: false,
        },
      },
    },
  ],
};

export const STREAM_BODY: OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming = { model: 'gpt-4o-mini', messages, stream: true };
