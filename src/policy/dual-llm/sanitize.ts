import type { Question } from '../schema.js';
import type { DualLlmExchange } from '../types.js';
import { answerPrompt, answerSchema, parseAnswer, parseQuestion, questionPrompt, summaryPrompt, transcript } from './protocol.js';

/** The role a model call plays: the main model asks or summarises, the quarantined one answers. */
export type DualLlmRole = 'question' | 'answer' | 'summary';

/** Asks the model one thing and returns its text; throws when the call fails. */
export type AskModel = (role: DualLlmRole, prompt: { system: string; user: string }, answerSchema?: Record<string, unknown>) => Promise<string>;

export interface SanitizeInput {
  tool: string;
  /** The untrusted result: only the quarantined model ever reads it. */
  result: string;
  /** What the user asked for, so the main model asks questions that matter. */
  userRequest: string;
  /** Fixed questions (from the trusted-data rule); without them the main model writes its own. */
  questions?: readonly Question[];
  maxRounds: number;
}

export interface Sanitized {
  outcome: 'sanitized' | 'withheld';
  /** What the main model sees instead of the result. */
  text: string;
  exchanges: DualLlmExchange[];
  reason: string;
}

/**
 * Runs the dual-LLM quarantine on one result. With fixed questions, the quarantined model answers
 * each and the answers are the stand-in. Otherwise the main model asks up to `maxRounds`
 * questions, one at a time, and writes the stand-in from the answers. Every failure withholds the
 * result: the main model never gets the raw text.
 */
export async function sanitizeResult(input: SanitizeInput, ask: AskModel): Promise<Sanitized> {
  try {
    return input.questions ? await answerFixedQuestions(input, input.questions, ask) : await interview(input, ask);
  } catch (error) {
    return withheld(input.tool, [], `the quarantine failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function answerFixedQuestions(input: SanitizeInput, questions: readonly Question[], ask: AskModel): Promise<Sanitized> {
  // The questions do not depend on each other's answers: ask them all at once.
  const exchanges = await Promise.all(questions.map((question) => answer(input.result, question, ask)));
  return { outcome: 'sanitized', text: `${header(input.tool)}\n${transcript(exchanges)}`, exchanges, reason: `${exchanges.length} configured question(s) answered` };
}

async function interview(input: SanitizeInput, ask: AskModel): Promise<Sanitized> {
  const exchanges: DualLlmExchange[] = [];
  while (exchanges.length < input.maxRounds) {
    const next = parseQuestion(await ask('question', questionPrompt(input.tool, input.userRequest, exchanges)));
    if (next.kind === 'done') break;
    if (next.kind === 'invalid') {
      if (exchanges.length === 0) return withheld(input.tool, exchanges, 'the main model did not write a valid question');
      break;
    }
    exchanges.push(await answer(input.result, next, ask));
  }
  if (exchanges.length === 0) return withheld(input.tool, exchanges, 'the main model asked no question');
  const summary = (await ask('summary', summaryPrompt(input.tool, input.userRequest, exchanges))).trim();
  // The summary is the main model's own words about its own questions: no text of the result.
  const text = `${header(input.tool)}\n${summary || transcript(exchanges)}`;
  return { outcome: 'sanitized', text, exchanges, reason: `${exchanges.length} question(s) answered by the quarantined model` };
}

async function answer(result: string, question: { question: string; options: readonly string[] }, ask: AskModel): Promise<DualLlmExchange> {
  const text = await ask('answer', answerPrompt(result, question), answerSchema(question.options.length));
  return { question: question.question, options: [...question.options], answer: parseAnswer(text, question.options.length) };
}

function header(tool: string): string {
  return `[Archestra] The result of "${tool}" may hold untrusted content, so it was not shown to you. A quarantined model answered questions about it:`;
}

function withheld(tool: string, exchanges: DualLlmExchange[], reason: string): Sanitized {
  return { outcome: 'withheld', text: `[Archestra] The result of "${tool}" was withheld: it may hold untrusted content and could not be sanitized.`, exchanges, reason };
}
