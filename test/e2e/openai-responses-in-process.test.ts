/**
 * The real OpenAI SDK's Responses, Embeddings and legacy Completions APIs in-process: the SDK keeps
 * its default URL (https://api.openai.com/v1) and reaches the proxy through `createProxyFetch`, or
 * through `withArchestra(client)`; the proxy forwards to the scripted upstream.
 */
import { describeOpenAIEmbeddings } from '../helpers/openai-embeddings-suite.js';
import { describeOpenAIResponses } from '../helpers/openai-responses-suite.js';
import { startResponsesInProcess } from '../helpers/openai-responses-way-in.js';

for (const way of ['createProxyFetch', 'withArchestra'] as const) {
  describeOpenAIResponses(`in-process ${way}`, () => startResponsesInProcess(way));
  describeOpenAIEmbeddings(`in-process ${way}`, () => startResponsesInProcess(way));
}
