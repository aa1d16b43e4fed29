import { describe, expect, it } from 'vitest';
import type { RetrievedChunk } from '../../src/services/knowledge/retrieval.js';
import { KNOWLEDGE_LIMITS, mergeCitations } from '../../src/services/knowledge/turn-knowledge.js';
import { knowledgeReply, quotedPassage } from '../../src/services/models/local-knowledge.js';
import { knowledgeQueryIn, planToolCall } from '../../src/services/models/local-tools.js';
import { PLUGINS } from '../../src/services/plugins/catalog.js';
import { assemblePrompt, estimateTokens, promptKnowledge, type PromptAgent } from '../../src/services/prompt.js';

const chunk = (position: number, text: string, score = 0.5, heading: string | null = null): RetrievedChunk => ({
  documentId: 'doc_1',
  documentTitle: 'Manual',
  position,
  heading,
  text,
  tokenCount: estimateTokens(text),
  score,
  snippet: text,
});

const agent = {
  id: 'agt_1',
  name: 'Barista',
  description: null,
  personality: { traits: [], tone: null, bio: '', style: [], examples: [] },
  systemPrompt: null,
  character: null,
} as unknown as PromptAgent;

describe('prompt knowledge', () => {
  it('keeps at most maxChunks chunks above the minimum score, within the token budget', () => {
    const many = Array.from({ length: 9 }, (_, i) => chunk(i, 'word '.repeat(200), 0.9 - i * 0.01));
    const kept = promptKnowledge(many);
    expect(kept.length).toBeLessThanOrEqual(KNOWLEDGE_LIMITS.maxChunks);
    const { messages } = assemblePrompt(agent, [], 'question', kept);
    const system = messages[0]!.content;
    expect(estimateTokens(system.slice(system.indexOf('Knowledge (')))).toBeLessThanOrEqual(KNOWLEDGE_LIMITS.tokenBudget);
    expect(promptKnowledge([chunk(0, 'low', KNOWLEDGE_LIMITS.minScore / 2)])).toEqual([]);
    // A chunk too long for what is left is skipped; a shorter one after it still fits.
    const skipped = promptKnowledge([chunk(0, 'a '.repeat(2_500)), chunk(1, 'short passage')]);
    expect(skipped.map((c) => c.position)).toEqual([1]);
  });

  it('the history gets what the knowledge leaves of the prompt budget', () => {
    const history = Array.from({ length: 60 }, (_, i) => ({ role: i % 2 ? ('agent' as const) : ('user' as const), text: 'x'.repeat(600) }));
    const knowledge = promptKnowledge([chunk(0, 'y'.repeat(1_100)), chunk(1, 'z'.repeat(1_100)), chunk(2, 'w'.repeat(1_100))]);
    const without = assemblePrompt(agent, history, 'next');
    const withKnowledge = assemblePrompt(agent, history, 'next', knowledge);
    expect(withKnowledge.droppedTurns).toBeGreaterThan(without.droppedTurns);
    expect(withKnowledge.estimatedTokens).toBeLessThanOrEqual(8_000);
  });

  it('citations list each chunk once, the prompt’s first', () => {
    const a = chunk(0, 'a', 0.9);
    const b = chunk(1, 'b', 0.4);
    expect(mergeCitations([a], [b, { ...a, score: 0.2 }])).toEqual([
      { documentId: 'doc_1', chunk: 0, score: 0.9 },
      { documentId: 'doc_1', chunk: 1, score: 0.4 },
    ]);
  });
});

describe('the local engine quoting knowledge', () => {
  const warranty = chunk(2, '## Warranty\nThe warranty lasts three years. It covers the pump.', 0.6, 'Manual > Warranty');
  const frother = chunk(3, 'Rinse the frother after every use.', 0.55, 'Manual > Cleaning');

  it('quotes the chunk sharing the most content words with a question', () => {
    expect(knowledgeReply('How long does the warranty last?', [frother, warranty])).toBe(
      'According to "Manual" (Manual > Warranty): The warranty lasts three years. It covers the pump.',
    );
    expect(knowledgeReply('How do I clean the frother?', [warranty, frother])).toMatch(/^According to "Manual" \(Manual > Cleaning\)/);
  });

  it('does not quote for a text that asks nothing, a chunk sharing no word, or a low score', () => {
    expect(knowledgeReply('The warranty is great', [warranty])).toBeUndefined();
    expect(knowledgeReply('What is your name?', [warranty])).toBeUndefined();
    expect(knowledgeReply('How long is the warranty?', [{ ...warranty, score: 0.01 }])).toBeUndefined();
    expect(knowledgeReply('How long is the warranty?', undefined)).toBeUndefined();
  });

  it('cuts a long passage at a sentence end', () => {
    const long = `${'First sentence is here. '.repeat(30)}`;
    const quoted = quotedPassage(long);
    expect(quoted.length).toBeLessThanOrEqual(400);
    expect(quoted.endsWith('here.')).toBe(true);
  });

  it('plans search_knowledge for "search the knowledge for …" and "look up …"', () => {
    expect(knowledgeQueryIn('Search the knowledge for descaling steps?')).toBe('descaling steps');
    expect(knowledgeQueryIn('please look up the warranty')).toBe('the warranty');
    expect(knowledgeQueryIn('search your documents about warranty')).toBe('warranty');
    expect(knowledgeQueryIn('How long is the warranty?')).toBeUndefined();
    const tools = PLUGINS.find((p) => p.id === 'knowledge')!.tools;
    expect(planToolCall('look up descaling', tools)).toEqual({ tool: 'search_knowledge', arguments: { query: 'descaling' } });
    expect(planToolCall('look up descaling', [])).toBeUndefined();
  });
});
