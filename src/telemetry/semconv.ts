/**
 * OpenTelemetry GenAI semantic-convention attribute names (experimental in the spec), copied
 * rather than imported so the package needs no semconv dependency.
 */
export const ATTR_GEN_AI_SYSTEM = 'gen_ai.system';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_STREAMING = 'gen_ai.request.streaming';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_ARCHESTRA_PROXY_ID = 'archestra.proxy.id';
export const ATTR_ARCHESTRA_USER_ID = 'archestra.user.id';
export const ATTR_ARCHESTRA_EXECUTION_ID = 'archestra.execution.id';
export const ATTR_ARCHESTRA_EXTERNAL_AGENT_ID = 'archestra.external_agent_id';
/** The interaction's cost in US dollars (no GenAI convention names one yet). */
export const ATTR_ARCHESTRA_COST_USD = 'archestra.cost.usd';
