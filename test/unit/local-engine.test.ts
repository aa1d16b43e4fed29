import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, DEFAULT_PERSONALITY, type Personality } from '../../src/services/agent-input.js';
import { localReply, reflect, type LocalEngineInput } from '../../src/services/models/local-engine.js';
import { LocalProvider } from '../../src/services/models/local-provider.js';
import type { ChatMessage, ModelRequest } from '../../src/services/models/types.js';
import { ApiError } from '../../src/errors.js';

function reply(text: string, over: Partial<Omit<LocalEngineInput, 'personality'>> & { personality?: Partial<Personality> } = {}): string {
  const { personality, ...rest } = over;
  return localReply({
    agentName: 'Nova',
    systemPrompt: null,
    history: [],
    userId: 'user-1',
    text,
    ...rest,
    personality: { ...DEFAULT_PERSONALITY, ...personality },
  });
}

const said = (...turns: string[]): ChatMessage[] =>
  turns.map((content, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content }));

const sentences = (text: string) => text.split(/(?<=[.!?…])\s+/).filter(Boolean);

describe('local engine: the ELIZA core', () => {
  it('is deterministic', () => {
    const input = { history: said('I feel lost', 'Why do you feel lost?'), personality: { tone: 'friendly', traits: ['curious'] } };
    expect(reply('The weather is nice today', input)).toBe(reply('The weather is nice today', input));
    expect(reply('I am sad about my job', input)).toBe(reply('I am sad about my job', input));
  });

  it('varies a repeated input over a conversation', () => {
    const replies = new Set<string>();
    for (let turns = 0; turns < 8; turns++) {
      const history = said(...Array.from({ length: turns }, (_, i) => `turn number ${i}`));
      replies.add(reply('The weather is nice today', { history }));
    }
    expect(replies.size).toBeGreaterThan(1);
  });

  it('greets', () => {
    expect(reply('Hello!')).toMatch(/^(hello|hi)\b/i);
    expect(reply('hey there')).toMatch(/\?$/);
  });

  it('reflects pronouns', () => {
    expect(reflect('I am sad about my job')).toBe('you are sad about your job');
    expect(reflect('you are kind to me')).toBe('I am kind to you');
    expect(reflect('I want you to help me')).toBe('you want me to help you');
    expect(reflect('they are here and I was there')).toBe('they are here and you were there');
    const r = reply('I am sad about my job');
    expect(r).toMatch(/your job/);
    expect(r).not.toMatch(/\bmy job\b/);
    expect(reply('my job is killing me')).toMatch(/your job is killing you/);
  });

  it('answers keyword rules', () => {
    expect(reply('I need a holiday, badly')).toMatch(/a holiday\?/);
    expect(reply('you are stupid')).toMatch(/I(?: am|'m) stupid/);
    expect(reply('my mother never calls')).toMatch(/famil|mother/);
    expect(reply('I dreamt about the sea')).toMatch(/dream/i);
  });

  it('notices an exact repetition of the previous message', () => {
    const history = said('I like trains', 'What do you like most about trains?');
    expect(reply('I like trains!', { history })).toMatch(/said that|same as your last|a moment ago/);
    expect(reply('I like trains')).not.toMatch(/said that|same as your last|a moment ago/);
  });
});

describe('local engine: memory', () => {
  const metAda = said('My name is Ada', 'Nice to meet you, Ada.', 'I went for a walk', 'Please tell me more.');

  it('uses a name given earlier when greeting and in a fallback', () => {
    expect(reply('hello', { history: metAda })).toContain('Ada');
    expect(reply('The weather is nice today', { history: metAda })).toContain('Ada');
    expect(reply('what is my name?', { history: metAda })).toContain('Ada');
  });

  it('uses the name at most once and not in every reply', () => {
    expect(reply('hello', { history: metAda }).split('Ada')).toHaveLength(2);
    expect(reply('I am sad about my job', { history: metAda })).not.toContain('Ada');
  });

  it('accepts "I\'m Ada" and "call me Ada" but not feelings', () => {
    expect(reply('hello', { history: said("I'm Ada", 'Hi.') })).toContain('Ada');
    expect(reply('hello', { history: said('Just call me Ada.', 'Sure.') })).toContain('Ada');
    for (const feeling of ["I'm tired", "I'm Tired.", 'I am Sorry', "I'm fine"]) {
      const r = reply('hello', { history: said(feeling, 'I see.') });
      expect(r, feeling).not.toMatch(/tired|sorry|fine/i);
    }
    expect(reply('what is my name', { history: said("I'm tired", 'Why?') })).toMatch(/haven't told me/);
  });

  it('recalls a "my X" topic from earlier in a fallback', () => {
    const history = said('I hate my job', 'Why do you hate your job?');
    expect(reply('The weather is nice today', { history })).toMatch(/earlier.*your job/i);
  });
});

describe('local engine: personality', () => {
  it('changes with the tone', () => {
    const friendly = reply('hello', { personality: { tone: 'friendly' } });
    const formal = reply('hello', { personality: { tone: 'formal' } });
    expect(friendly).not.toBe(formal);
    expect(reply("I'm happy, what's up?", { personality: { tone: 'formal' } })).not.toMatch(/\b\w+'(m|s|re|t)\b/);
  });

  it('falls back to neutral for an unknown tone or trait', () => {
    const neutral = reply('hello');
    expect(reply('hello', { personality: { tone: 'melancholic-ish' } })).toBe(neutral);
    expect(reply('hello', { personality: { traits: ['left-handed', 'likes jazz'] } })).toBe(neutral);
  });

  it('changes with the traits', () => {
    expect(reply('hello', { personality: { traits: ['helpful'] } })).toMatch(/help/i);
    expect(reply('hello', { personality: { traits: ['helpful'] } })).not.toBe(reply('hello'));
    expect(reply('The weather is nice today', { personality: { traits: ['enthusiastic'] } })).toContain('!');
  });

  it('keeps a concise agent to one sentence', () => {
    for (const text of ['hello', 'Are you ChatGPT?', 'I am sad about my job', 'The weather is nice today', 'tell me about yourself']) {
      const r = reply(text, { personality: { traits: ['Concise', 'helpful'], bio: 'I map the stars. I love comets.' } });
      expect(sentences(r), r).toHaveLength(1);
    }
    expect(sentences(reply('Are you a bot?', { systemPrompt: 'You are Nova. Always answer in one sentence.' }))).toHaveLength(1);
    expect(sentences(reply('hello', { personality: { style: ['Keep answers short'] } }))).toHaveLength(1);
  });

  it('honours recognisable style rules', () => {
    expect(reply('hello', { personality: { style: ['Write in UPPERCASE'] } })).toBe(reply('hello').toUpperCase());
    expect(reply('hello', { personality: { style: ['Use emoji'] } })).toMatch(/\p{Extended_Pictographic}/u);
    const example = { user: 'How are you?', agent: 'Great 🚀' };
    expect(reply('hello', { personality: { style: ['Never use emoji', 'Be kind'] } })).not.toMatch(/\p{Extended_Pictographic}/u);
    expect(reply('How are you?', { personality: { examples: [example] } })).toBe('Great 🚀');
  });

  it('uses its name and bio when asked who it is', () => {
    const bio = 'I guide travellers through the night sky.';
    const about = reply('Tell me about yourself', { personality: { bio } });
    expect(about).toContain('Nova');
    expect(about).toContain(bio);
    expect(reply('Who are you?', { personality: { bio } })).toContain(bio);
    expect(reply('What is your name?')).toContain('Nova');
  });

  it('answers with a matching example, substituting names', () => {
    const examples = [
      { user: 'What are your opening hours?', agent: '{{name}} is open 9 to 5, {{user}}.' },
      { user: 'Do you ship abroad?', agent: 'Yes, worldwide.' },
    ];
    expect(reply('what are your opening hours', { personality: { examples } })).toBe('Nova is open 9 to 5.');
    expect(reply('What are your opening hours, please?', { personality: { examples }, history: said('call me Ada', 'Hello Ada.') })).toBe(
      'Nova is open 9 to 5, Ada.',
    );
    expect(reply('do you ship abroad', { personality: { examples } })).toBe('Yes, worldwide.');
    expect(reply('Do you like abroad holidays?', { personality: { examples } })).not.toBe('Yes, worldwide.');
  });
});

describe('local engine: honesty and robustness', () => {
  it.each(['Are you ChatGPT?', 'are you an AI', 'Are you a bot?', 'Are you human?', 'What are you?', 'Are you a large language model?', "You're ChatGPT, right?"])(
    'says what it is: %s',
    (text) => {
      const r = reply(text, { personality: { tone: 'playful', traits: ['enthusiastic'] } });
      expect(r).toContain('Nova');
      expect(r).toMatch(/rule-based/);
      expect(r).toMatch(/not a large language model/);
    },
  );

  it('stays honest even when an example says otherwise', () => {
    const examples = [{ user: 'Are you ChatGPT?', agent: 'Yes, I am ChatGPT.' }];
    expect(reply('Are you ChatGPT?', { personality: { examples } })).toMatch(/not a large language model/);
  });

  it.each([
    ['empty', ''],
    ['whitespace', '   \n\t '],
    ['punctuation', '???'],
    ['emoji', '🙂🙂🙂'],
    ['long', 'I am sad about my job because '.repeat(170)],
    ['one long word', 'x'.repeat(5_000)],
    ['control characters', '\u0000\u0007'],
  ])('never answers empty: %s', (_, text) => {
    const r = reply(text, { history: said('I hate my job', 'Why?'), personality: { traits: ['helpful', 'curious'], tone: 'friendly' } });
    expect(r.length).toBeGreaterThan(0);
    expect(r.length).toBeLessThanOrEqual(600);
    expect(r).toBe(r.trim());
  });

  it('keeps every reply short, trimmed and non-empty', () => {
    const inputs = ['hi', 'bye', 'thanks', 'sorry', 'yes', 'no', 'why?', 'can you help me', 'I think you are right', 'because', 'I am', 'my'];
    const bio = 'A very long biography sentence that goes on. '.repeat(40);
    for (const text of inputs) {
      const r = reply(text, { personality: { bio, traits: ['helpful', 'enthusiastic'], tone: 'warm', style: ['emoji'] } });
      expect(r, text).toBe(r.trim());
      expect(r.length, text).toBeGreaterThan(0);
      expect(r.length, text).toBeLessThanOrEqual(600);
    }
    expect(reply('tell me about yourself', { personality: { bio } }).length).toBeLessThanOrEqual(600);
  });
});

describe('LocalProvider', () => {
  const agent: ModelRequest['agent'] = {
    id: 'agt_1',
    name: 'Nova',
    description: null,
    personality: { ...DEFAULT_PERSONALITY, traits: ['helpful'] },
    systemPrompt: 'You are Nova.',
    model: DEFAULT_MODEL,
  };
  const request = (messages: ChatMessage[], signal = new AbortController().signal): ModelRequest => ({ agent, userId: 'user-1', messages, signal });
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are Nova.' },
    { role: 'user', content: 'My name is Ada' },
    { role: 'assistant', content: 'Nice to meet you, Ada.' },
    { role: 'user', content: 'hello' },
  ];

  it('is always available and named local', () => {
    const provider = new LocalProvider();
    expect(provider.name).toBe('local');
    expect(provider.unavailableReason()).toBeUndefined();
  });

  it('streams word-sized chunks that join into the reply, with consistent usage', async () => {
    const chunks: string[] = [];
    const result = await new LocalProvider().generate(request(messages), (d) => chunks.push(d));
    expect(result.text).toContain('Ada');
    expect(chunks.join('')).toBe(result.text);
    expect(chunks.length).toBe(result.text.split(' ').length);
    for (const c of chunks) expect(c).toMatch(/^\S+\s*$/);
    expect(result.model).toBe('orion-local-1');
    const promptChars = messages.reduce((n, m) => n + m.content.length, 0);
    expect(result.usage).toEqual({
      inputTokens: Math.ceil(promptChars / 4),
      outputTokens: Math.ceil(result.text.length / 4),
      totalTokens: Math.ceil(promptChars / 4) + Math.ceil(result.text.length / 4),
    });
  });

  it('answers as localReply does for the same conversation', async () => {
    const result = await new LocalProvider().generate(request(messages), () => {});
    const direct = localReply({
      agentName: 'Nova',
      personality: agent.personality,
      systemPrompt: agent.systemPrompt,
      history: messages.slice(1, -1),
      text: 'hello',
      userId: 'user-1',
    });
    expect(result.text).toBe(direct);
  });

  it('rejects with AGENT_UNAVAILABLE when aborted before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    const chunks: string[] = [];
    const error = await new LocalProvider().generate(request(messages, controller.signal), (d) => chunks.push(d)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('AGENT_UNAVAILABLE');
    expect((error as ApiError).details).toEqual({ reason: 'timeout' });
    expect(chunks).toEqual([]);
  });

  it('stops streaming when aborted mid-reply', async () => {
    const controller = new AbortController();
    const chunks: string[] = [];
    const pending = new LocalProvider().generate(request(messages, controller.signal), (d) => {
      chunks.push(d);
      controller.abort();
    });
    await expect(pending).rejects.toMatchObject({ code: 'AGENT_UNAVAILABLE' });
    expect(chunks).toHaveLength(1);
  });
});
