import type { Personality } from '../agent-input.js';
import type { ChatMessage } from './types.js';

/**
 * The built-in `local` model: an offline, deterministic conversational engine in the ELIZA
 * tradition (ranked keyword rules, reassembly templates, pronoun reflection, a little memory),
 * shaped by the agent's personality. It never claims to be a large language model.
 */
export type LocalEngineInput = {
  agentName: string;
  personality: Personality;
  systemPrompt: string | null;
  /** Earlier turns, oldest first, without system messages. */
  history: ChatMessage[];
  /** The new user message. */
  text: string;
  userId: string;
};

const MAX_REPLY = 600;
/** Rules only look at the start of a very long message: enough to find its keywords. */
const MAX_SCAN = 4_000;
/** Reflected fragments are cut to this many words so replies stay short. */
const MAX_FRAGMENT_WORDS = 12;

// ---------------------------------------------------------------------------------------------
// Hashing: every "random" choice derives from (text + number of earlier turns).

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A well-mixed 32-bit value for the n-th choice made from one seed. */
function mix(seed: number, n: number): number {
  let h = (seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Text helpers

function normalise(text: string): string {
  return text
    .slice(0, MAX_SCAN)
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Lower case, no punctuation: what "the same message" and example similarity compare. */
function comparable(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function wordSet(text: string): Set<string> {
  return new Set(comparable(text).split(' ').filter(Boolean));
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / (a.size + b.size - shared);
}

function splitSentences(text: string): string[] {
  return text.split(/(?<=[.!?…])\s+(?=\S)/).filter(Boolean);
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "How are you?" + "Ada" → "How are you, Ada?" */
function addressed(sentence: string, name: string): string {
  const m = /^(.*?)([.!?]+)$/.exec(sentence);
  return m ? `${m[1]}, ${name}${m[2]}` : `${sentence}, ${name}.`;
}

// ---------------------------------------------------------------------------------------------
// Pronoun reflection: "I am sad about my job" → "you are sad about your job".

const REFLECTIONS: Record<string, string> = {
  i: 'you',
  me: 'you',
  my: 'your',
  mine: 'yours',
  myself: 'yourself',
  am: 'are',
  "i'm": "you're",
  im: "you're",
  "i've": "you've",
  "i'll": "you'll",
  "i'd": "you'd",
  your: 'my',
  yours: 'mine',
  yourself: 'myself',
  "you're": "I'm",
  "you've": "I've",
  "you'll": "I'll",
  "you'd": "I'd",
  our: 'your',
};

/** After these (or at the start), "you" is a subject ("I"); elsewhere an object ("me"). */
const SUBJECT_CONTEXT = new Set(['', ...'and but because that if when so or than as while whether'.split(' ')]);

export function reflect(fragment: string): string {
  const words = fragment.split(' ');
  const lower = words.map((w) => w.toLowerCase());
  return words
    .map((word, i) => {
      const w = lower[i]!;
      const prev = lower[i - 1] ?? '';
      const next = lower[i + 1] ?? '';
      // Verb agreement depends on the pronoun before it: "you are" → "I am", but "they are" stays.
      if (w === 'you') return SUBJECT_CONTEXT.has(prev) && next !== '' && next !== 'to' ? 'I' : 'me';
      if (w === 'are' && prev === 'you') return 'am';
      if (w === 'were' && prev === 'you') return 'was';
      if (w === 'was' && prev === 'i') return 'were';
      return REFLECTIONS[w] ?? word;
    })
    .join(' ');
}

/** The first clause of a captured fragment, without quotes, at most a few words. */
function clause(fragment: string): string {
  const first = fragment.split(/[.,;:!?()"…]|\s(?:but|although|though)\s/i)[0] ?? '';
  return first.trim().split(' ').filter(Boolean).slice(0, MAX_FRAGMENT_WORDS).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Memory: the user's name and the "my X" topics they mentioned.

const NOT_NAMES = new Set(
  (
    'fine good ok okay sad happy tired sorry here back bored angry upset sick ill hungry thirsty ' +
    'lonely alone afraid scared worried anxious nervous stressed depressed confused lost busy ' +
    'glad great excited curious sure done ready new old young not so very just really also still ' +
    'well better worse bad awesome cool alright right wrong home free serious kidding joking ' +
    'stuck frustrated annoyed overwhelmed exhausted sleepy hurt broke late early fed interested ' +
    'later tomorrow today tonight maybe sometime anytime now please when if crazy a an the that ' +
    'this it unknown nobody someone anonymous secret none human hopeful proud grateful thankful'
  ).split(' '),
);

const NAME_WORD = "(\\p{L}[\\p{L}'-]{0,39})";
/** A name ends the phrase ("I'm Ada.", "I'm Ada, hi", "I'm Ada and ..."): not "I'm Going home". */
const NAME_END = "(?=$|\\s*[.,!?;:]|\\s+(?:and|here|by the way)\\b)";
const NAME_PATTERNS: { re: RegExp; capitalisedOnly: boolean }[] = [
  { re: new RegExp(`\\bmy name(?:'s| is) ${NAME_WORD}`, 'iu'), capitalisedOnly: false },
  { re: new RegExp(`\\bcall me ${NAME_WORD}${NAME_END}`, 'iu'), capitalisedOnly: false },
  // "I'm X" is usually a feeling, so only a capitalised single word that is not one counts.
  { re: new RegExp(`\\b[Ii](?:'m| am|m) (\\p{Lu}[\\p{L}'-]{0,39})${NAME_END}`, 'u'), capitalisedOnly: true },
];

function nameIn(text: string): string | undefined {
  for (const { re, capitalisedOnly } of NAME_PATTERNS) {
    const word = re.exec(text)?.[1];
    if (!word) continue;
    const lower = word.toLowerCase();
    if (NOT_NAMES.has(lower) || (capitalisedOnly && lower.endsWith('ing'))) continue;
    return capitalise(word);
  }
  return undefined;
}

const TOPIC_STOP = new Set(
  (
    'is are was were has have had and or but because to of in on at for with that which who so ' +
    'the a an keeps makes will would can could did does do just really very been being from about ' +
    'name god gosh goodness bad pleasure own self apologies mistake turn fault'
  ).split(' '),
);

/** "my new job is killing me" → "new job". */
function topicsIn(text: string): string[] {
  const topics: string[] = [];
  for (const m of text.matchAll(/\bmy ((?:[\p{L}'-]+ ?){1,3})/giu)) {
    const words: string[] = [];
    for (const w of m[1]!.toLowerCase().trim().split(' ')) {
      if (TOPIC_STOP.has(w)) break;
      words.push(w);
    }
    if (words.length > 0) topics.push(words.join(' '));
  }
  return topics;
}

type Memory = { userName?: string; topics: string[]; lastUserText?: string; assistantSaid: string[] };

function remember(history: ChatMessage[], text: string): Memory {
  const memory: Memory = { topics: [], assistantSaid: [] };
  for (const turn of history) {
    const content = normalise(turn.content);
    if (turn.role === 'user') {
      memory.userName = nameIn(content) ?? memory.userName;
      memory.topics.push(...topicsIn(content));
      memory.lastUserText = content;
    } else if (turn.role === 'assistant') {
      memory.assistantSaid.push(content.toLowerCase());
    }
  }
  memory.userName = nameIn(text) ?? memory.userName;
  return memory;
}

// ---------------------------------------------------------------------------------------------
// Personality

type Tone = {
  greetings: string[];
  /** A short greeting put before an answer to "hi, <something>". */
  hello: string;
  openers: string[];
  closers: string[];
  expandContractions?: boolean;
  noExclamations?: boolean;
};

const TONES: Record<string, Tone> = {
  neutral: {
    greetings: ['Hello{n}. What would you like to talk about?', "Hi{n}. What's on your mind?"],
    hello: 'Hello{n}.',
    openers: [],
    closers: [],
  },
  friendly: {
    greetings: ["Hi{n}! Great to see you. What's on your mind?", "Hey{n}! How's your day going?"],
    hello: 'Hi{n}!',
    openers: ['Oh, I see.', 'Got it.', 'Thanks for telling me.'],
    closers: ["I'm all ears.", 'Happy to keep chatting.'],
  },
  warm: {
    greetings: [
      "Hello{n}, it's lovely to hear from you. How are you feeling today?",
      "Hi{n}, I'm so glad you're here. What's on your heart today?",
    ],
    hello: 'Hello{n}, lovely to hear from you.',
    openers: ['Thank you for sharing that with me.', "I'm really glad you told me."],
    closers: ['Take all the time you need.', "I'm here with you."],
  },
  formal: {
    greetings: ['Good day{n}. How may I assist you?', 'Greetings{n}. What would you like to discuss?'],
    hello: 'Good day{n}.',
    openers: ['Certainly.', 'Understood.', 'I see.'],
    closers: ['I remain at your disposal.', 'Please do continue.'],
    expandContractions: true,
  },
  playful: {
    greetings: ['Well hello{n}! What adventure are we on today?', "Hey hey{n}! What's cooking?"],
    hello: 'Hey hey{n}!',
    openers: ['Ooh!', 'Aha!', 'Oh, intriguing!'],
    closers: ['Your move!', 'This is fun.'],
  },
  dry: {
    greetings: ['Hello{n}. What is it this time?', 'Oh. Hi{n}. What now?'],
    hello: 'Hello{n}.',
    openers: ['Noted.', 'Right.', 'Well.'],
    closers: ['Fascinating, truly.', 'As one does.'],
    noExclamations: true,
  },
};

const TONE_ALIASES: Record<string, keyof typeof TONES> = {
  casual: 'friendly',
  cheerful: 'friendly',
  upbeat: 'friendly',
  kind: 'warm',
  caring: 'warm',
  gentle: 'warm',
  empathetic: 'warm',
  compassionate: 'warm',
  professional: 'formal',
  polite: 'formal',
  serious: 'formal',
  funny: 'playful',
  humorous: 'playful',
  whimsical: 'playful',
  silly: 'playful',
  sarcastic: 'dry',
  deadpan: 'dry',
  witty: 'dry',
  blunt: 'dry',
};

function resolveTone(tone: string): Tone {
  for (const word of tone.toLowerCase().split(/[^a-z]+/)) {
    const key = TONES[word] ? word : TONE_ALIASES[word];
    if (key) return TONES[key]!;
  }
  return TONES.neutral!;
}

type TraitKey = 'helpful' | 'curious' | 'concise' | 'enthusiastic' | 'empathetic';

const TRAIT_WORDS: Record<TraitKey, string[]> = {
  helpful: ['helpful', 'supportive', 'assistive', 'service'],
  curious: ['curious', 'inquisitive', 'inquiring', 'interested'],
  concise: ['concise', 'brief', 'terse', 'succinct', 'laconic'],
  enthusiastic: ['enthusiastic', 'energetic', 'excited', 'excitable', 'exuberant', 'bubbly'],
  empathetic: ['empathetic', 'compassionate', 'caring', 'kind', 'understanding'],
};

const TRAIT_LINES: Partial<Record<TraitKey, string[]>> = {
  helpful: [
    "Let me know if there's anything I can help with.",
    'Happy to help however I can.',
    "If there's something specific you need, just ask.",
  ],
  curious: ['What got you thinking about that?', "What's the story behind that?", 'What happened next?'],
  empathetic: ['That sounds like it matters to you.', "Whatever you're feeling is okay."],
};

function resolveTraits(traits: string[]): Set<TraitKey> {
  const found = new Set<TraitKey>();
  for (const trait of traits) {
    const t = trait.toLowerCase();
    for (const [key, words] of Object.entries(TRAIT_WORDS) as [TraitKey, string[]][]) {
      if (words.some((w) => t.includes(w))) found.add(key);
    }
  }
  return found;
}

type Style = {
  oneSentence: boolean;
  uppercase: boolean;
  lowercase: boolean;
  emoji: 'add' | 'strip' | 'keep';
  noExclamations: boolean;
};

/** Recognises a few style rules ("short", "one sentence", "no emoji", "uppercase", ...); ignores the rest. */
function resolveStyle(rules: string[], systemPrompt: string | null, traits: Set<TraitKey>): Style {
  const style: Style = {
    oneSentence: traits.has('concise'),
    uppercase: false,
    lowercase: false,
    emoji: 'keep',
    noExclamations: false,
  };
  for (const rule of rules) {
    const r = rule.toLowerCase();
    const negated = /\b(?:no|never|avoid|without|don't|do not|not)\b/.test(r);
    if (/\b(?:one|single|1)[- ]sentence|\bshort\b|\bbrief\b|\bconcise\b|\bterse\b/.test(r)) style.oneSentence = true;
    if (/\bemojis?\b/.test(r)) style.emoji = negated ? 'strip' : 'add';
    if (/\bupper ?case\b|\ball caps\b|\bcapital letters\b/.test(r) && !negated) style.uppercase = true;
    if (/\blower ?case\b/.test(r) && !negated) style.lowercase = true;
    if (/\bexclamation/.test(r) && negated) style.noExclamations = true;
  }
  if (systemPrompt && /\b(?:one|single|1)[- ]sentence\b/i.test(systemPrompt)) style.oneSentence = true;
  return style;
}

// ---------------------------------------------------------------------------------------------
// Conversation context

type Ctx = {
  text: string;
  agentName: string;
  personality: Personality;
  memory: Memory;
  tone: Tone;
  traits: Set<TraitKey>;
  style: Style;
  pick: <T>(items: readonly T[]) => T;
};

function makeCtx(input: LocalEngineInput, text: string): Ctx {
  const seed = fnv1a(`${text}\u0000${input.history.length}`);
  let n = 0;
  const traits = resolveTraits(input.personality.traits);
  return {
    text,
    agentName: input.agentName.trim() || 'your assistant',
    personality: input.personality,
    memory: remember(input.history, text),
    tone: resolveTone(input.personality.tone),
    traits,
    style: resolveStyle(input.personality.style, input.systemPrompt, traits),
    pick: (items) => items[mix(seed, n++) % items.length]!,
  };
}

/** `{n}` → ", Ada" when the user's name is known; `{agent}` → the agent's name. */
function fill(template: string, c: Ctx, groups: string[] = []): string {
  return template
    .replace(/\{n\}/g, c.memory.userName ? `, ${c.memory.userName}` : '')
    .replace(/\{agent\}/g, c.agentName)
    .replace(/\{(\d)\}/g, (_, i: string) => groups[Number(i)] ?? '');
}

/** What a responder produces before the personality shapes it. */
type Draft = {
  text: string;
  /** Trait lines (help offer, follow-up question) may be added. */
  extras?: boolean;
  /** The tone may add an opener or closer. */
  flourish?: boolean;
  /** Returned as is (an example answer): no shaping at all. */
  verbatim?: boolean;
};

// ---------------------------------------------------------------------------------------------
// Responders that come before the keyword rules

const WHAT_IT_IS_NOT =
  'ai|a\\.i\\.|bot|chat ?bot|robot|human|real|person|chat ?gpt|gpt[\\w.-]*|(?:large )?language model|llm|machine|program|' +
  'computer|sentient|conscious|alive|claude|gemini|artificial|genuine';

const HONESTY: RegExp[] = [
  new RegExp(
    `\\b(?:are|r) (?:you|u) (?:really |actually |just |even |some (?:kind|sort) of )?(?:an? |the )?(?:${WHAT_IT_IS_NOT})\\b`,
    'i',
  ),
  /\bwhat (?:exactly )?are you\??$/i,
  /\bwhat (?:kind|sort) of (?:thing|bot|ai|program|model|machine) are you\b/i,
  /\b(?:which|what) (?:ai |language )?(?:model|llm|engine)\b[^.?!]*\b(?:you|this)\b/i,
  /\b(?:am i|is this)\b[^.?!]*\b(?:bot|robot|human|real person|ai|chat ?gpt|language model)\b/i,
  /\byou(?:'re| are)\b[^.?!]*\b(?:chat ?gpt|gpt[\w.-]*|llm|language model|claude|gemini|an? ai|human)\b/i,
  /\bhow do you work\b/i,
];

function honest(c: Ctx): Draft {
  const first =
    `I'm ${c.agentName}, running on OrionOS's built-in rule-based engine ` +
    '(pattern matching, not a large language model).';
  const second = c.pick([
    "I can keep a conversation going, but I don't truly understand it or know anything beyond what you tell me.",
    'I follow conversational rules rather than knowledge, so I cannot look things up for you.',
  ]);
  return { text: `${first} ${second}`, flourish: false };
}

const ODD_INPUT = {
  empty: ["I'm listening. What's on your mind?", 'Take your time. What would you like to say?'],
  emoji: ["That says a lot without words. Can you tell me what's on your mind?", 'I see. Could you put that into words for me?'],
  other: ['You seem puzzled. What would you like to know?', "I'm not sure I follow. Could you say a little more?"],
};

/** A message without a letter or digit: empty, punctuation, emoji. */
function oddInput(text: string, c: Ctx): Draft {
  const kind = text === '' ? 'empty' : /\p{Extended_Pictographic}/u.test(text) ? 'emoji' : 'other';
  return { text: c.pick(ODD_INPUT[kind]) };
}

const REPEATS = [
  "You just said that. Is there something about it you'd like me to understand better?",
  "That's the same as your last message. Shall we look at it from a different angle?",
  'You said that a moment ago. What makes it important to repeat?',
];

function exampleAnswer(c: Ctx): Draft | undefined {
  const words = wordSet(c.text);
  let best: { agent: string; score: number } | undefined;
  for (const ex of c.personality.examples) {
    const score = jaccard(words, wordSet(ex.user));
    if (score >= 0.6 && (!best || score > best.score)) best = { agent: ex.agent, score };
  }
  if (!best) return undefined;
  const text = best.agent
    .replace(/\{\{\s*(?:name|agent|char)\s*\}\}|\{(?:name|agent)\}/gi, c.agentName)
    // An unknown user name disappears with its comma: "Hi, {{user}}!" → "Hi!"
    .replace(/(,\s*)?(?:\{\{\s*user\s*\}\}|\{user\})/gi, (_, comma?: string) => {
      const name = c.memory.userName;
      return name ? `${comma ?? ''}${name}` : '';
    });
  return { text, verbatim: true };
}

function firstSentences(text: string, maxChars: number): string {
  let out = '';
  for (const s of splitSentences(text.replace(/\s+/g, ' ').trim())) {
    if (out && out.length + s.length + 1 > maxChars) break;
    out = out ? `${out} ${s}` : s;
  }
  return out.length > maxChars ? `${out.slice(0, maxChars - 1).trimEnd()}…` : out;
}

function identity(c: Ctx): Draft | undefined {
  const t = c.text;
  if (/\bwhat(?:'s| is) your name\b|\bwho am i (?:talking|speaking|chatting) (?:to|with)\b|\bdo you have a name\b/i.test(t)) {
    const ask = c.memory.userName ? '' : " What's yours?";
    return { text: fill(c.pick([`My name is {agent}.${ask}`, `I'm {agent}.${ask}`]), c) };
  }
  if (/\bwho are you\b|\btell me (?:a bit |a little |more )?about yourself\b|\b(?:introduce|describe) yourself\b/i.test(t)) {
    const bio = firstSentences(c.personality.bio, 400);
    if (!bio) return { text: `I'm ${c.agentName}, a conversational agent running on OrionOS's built-in rule-based engine.` };
    return { text: bio.toLowerCase().includes(c.agentName.toLowerCase()) ? bio : `I'm ${c.agentName}. ${bio}` };
  }
  if (/\bwhat(?:'s| is) my name\b|\bdo you (?:know|remember) my name\b|\bwho am i\??$/i.test(t)) {
    return {
      text: c.memory.userName
        ? `Your name is ${c.memory.userName}.`
        : "You haven't told me your name yet. What should I call you?",
    };
  }
  const introduced = nameIn(t);
  if (introduced && (/\b(?:my name|call me)\b/i.test(t) || t.split(' ').length <= 4)) {
    const greetings = [
      `Nice to meet you, ${introduced}. What would you like to talk about?`,
      `Hello, ${introduced}, it's good to meet you. What's on your mind?`,
    ];
    return { text: c.pick(greetings), extras: true };
  }
  if (/\bwhat can you do\b|\bhow can you help\b|^help\W*$/i.test(t)) {
    const can = 'I can chat with you, reflect back what you tell me, and remember a few things from our conversation.';
    return { text: `${can} Tell me what is on your mind.` };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// ELIZA keyword rules, highest rank first. Templates: {1}, {2}... are the reflected captures.

/** `quiet`: a social formula ("thanks", "sorry") that trait lines should not extend. */
type Rule = { re: RegExp; replies: string[]; negative?: string[]; positive?: string[]; quiet?: boolean };

const NEGATIVE_WORDS =
  'sad|unhappy|depressed|down|tired|exhausted|angry|mad|upset|anxious|worried|nervous|lonely|stressed|scared|afraid|' +
  'frustrated|bored|sick|ill|hurt|miserable|awful|terrible|bad|lost|stuck|overwhelmed|hopeless|guilty|ashamed|confused';
const NEGATIVE = new RegExp(`^(?:so |really |very |quite |a bit |kind of |pretty )?(?:${NEGATIVE_WORDS})\\b`, 'i');
const SOUNDS_UPSET = new RegExp(`\\b(?:${NEGATIVE_WORDS}|awful|hate|cry|crying)\\b`, 'i');
const POSITIVE_WORDS = 'happy|glad|excited|great|good|fine|wonderful|amazing|proud|grateful|calm|relaxed|better|hopeful|thrilled';
const POSITIVE = new RegExp(`^(?:so |really |very |quite |pretty )?(?:${POSITIVE_WORDS})\\b`, 'i');

const FAMILY =
  'mother|mom|mum|father|dad|sister|brother|wife|husband|partner|son|daughter|family|parents|kids|children|child|' +
  'grandmother|grandfather|grandma|grandpa|boyfriend|girlfriend';

const RULES: Rule[] = [
  {
    re: /\bhow (?:are|r) (?:you|u)\b|\bhow's it going\b|\bhow do you do\b/i,
    replies: ["I'm doing well, thank you for asking. How are you?", 'All good on my side. How are things with you?'],
  },
  {
    re: /\b(?:sorry|apologi[sz]e|apologies|my bad)\b/i,
    replies: ["There's no need to apologise.", "Apologies aren't necessary. What's on your mind?", 'No harm done. Please go on.'],
    quiet: true,
  },
  {
    re: /\b(?:thanks|thank you|thx|much appreciated)\b/i,
    replies: ["You're welcome.", 'Any time.', "I'm glad I could help."],
    quiet: true,
  },
  {
    re: /\b(?:can|could|would|will) you (?:please )?help\b|\bi need (?:some |your )?help\b|\bhelp me\b|\bplease help\b/i,
    replies: [
      "I'll do what I can. Tell me what's going on, one step at a time.",
      "Happy to help as well as I can. What's the situation?",
      "Let's work through it together. Where would you like to start?",
    ],
  },
  {
    re: /\bwhy (?:don't|do not) you (.+)/i,
    replies: ["Do you really think I don't {1}?", 'Perhaps I will {1} in good time.', 'Should you {1} yourself?'],
  },
  {
    re: /\bwhy can't i (.+)/i,
    replies: ['Do you think you should be able to {1}?', 'What would you do if you could {1}?'],
  },
  {
    re: /\bi(?: am|'m)? (?:feel|feeling|felt) (.+)/i,
    replies: ['Do you often feel {1}?', 'What makes you feel {1}?', 'When did you start feeling {1}?'],
    negative: [
      "I'm sorry you feel {1}. What do you think is behind it?",
      'How long have you felt {1}?',
      'What usually helps when you feel {1}?',
    ],
    positive: ["That's good to hear. What's making you feel {1}?", 'What do you think brought that on?'],
  },
  {
    re: /\bi (?:really )?(need|want) (.+)/i,
    replies: ['Why do you {1} {2}?', 'What would change if you got {2}?', 'Are you sure you {1} {2}?'],
  },
  {
    re: /\bi (?:can't|cannot|can not) (.+)/i,
    replies: ["How do you know you can't {1}?", 'Perhaps you could {1} if you tried.', 'What would it take for you to {1}?'],
  },
  {
    re: /\bi (?:think|believe) (.+)/i,
    replies: ['Do you really think so?', 'What makes you think {1}?', "But you're not sure {1}?"],
  },
  {
    re: /\bi was (.+)/i,
    replies: ['Were you really {1}?', 'Why do you tell me you were {1}?', 'How did it feel to be {1}?'],
  },
  {
    re: /\b(?:i am|i'm|im) (.+)/i,
    replies: ['How long have you been {1}?', 'Why do you say you are {1}?', 'Do you enjoy being {1}?'],
    negative: [
      "I'm sorry to hear you are {1}. What do you think is behind it?",
      'How long have you been {1}?',
      'Why do you say you are {1}?',
    ],
    positive: ["I'm glad you are {1}. What's behind that?", 'How long have you been {1}?'],
  },
  {
    re: /\bi (love|like|hate|enjoy|miss|dislike) (?!to\b)(.+)/i,
    replies: ['What do you {1} most about {2}?', 'How long have you felt that way about {2}?', 'Why do you {1} {2}?'],
  },
  {
    re: /\byou(?:'re| are| r) (.+)/i,
    replies: ['What makes you think I am {1}?', 'Does it please you to believe I am {1}?', "Why do you say I'm {1}?"],
  },
  {
    re: /\b(?:can|could|would|will) you (.+)/i,
    replies: [
      "What makes you think I can't {1}?",
      'If I could {1}, what would that give you?',
      'Would you like to be able to {1} yourself?',
    ],
  },
  {
    re: /\b(?:can|may|could) i (.+)/i,
    replies: ['Do you want to be able to {1}?', 'What would it take for you to {1}?', 'What stops you from being able to {1}?'],
  },
  {
    re: /\bbecause (.+)/i,
    replies: [
      'Is that the real reason?',
      'What other reasons might there be?',
      'Does that reason explain anything else?',
      'If {1}, what follows from that?',
    ],
  },
  {
    re: new RegExp(`\\bmy (${FAMILY})\\b`, 'i'),
    replies: [
      'Tell me more about your family.',
      'How do you get along with your {1}?',
      'What else comes to mind when you think of your {1}?',
    ],
  },
  {
    re: /\bmy ((?:[\p{L}'-]+ ){0,2}?[\p{L}'-]+) (is|are|was|were|has|have|had|keeps|makes|won't|doesn't|isn't|can't) (.+)/iu,
    replies: [
      'Why do you say your {1} {2} {3}?',
      'What makes you say your {1} {2} {3}?',
      'Does it bother you that your {1} {2} {3}?',
    ],
  },
  {
    re: /\bdream(?:s|ed|t|ing)?\b/i,
    replies: ['What does that dream suggest to you?', 'Do you dream often?', 'Dreams can say a lot. What do you make of it?'],
  },
  {
    re: /\b(?:computers?|machines?|robots?|ai|artificial intelligence|software|algorithms?|chat ?bots?)\b/i,
    replies: ['Do computers worry you?', 'What do you think machines have to do with this?', 'Why do you mention computers?'],
  },
  {
    re: /\b(always|never|everyone|everybody|nobody|no one)\b/i,
    replies: ['Can you think of a specific example?', 'Really, {1}?', 'When did you first notice that?'],
  },
  {
    re: /^(?:yes|yeah|yep|yup|sure|of course|definitely|absolutely|indeed)\b/i,
    replies: ['You seem quite sure.', 'I see. Can you tell me more?', 'Okay. What makes you certain?'],
  },
  {
    re: /^(?:no|nope|nah|not really)\b/i,
    replies: ['Why not?', 'I see. What would you rather talk about?', "Fair enough. What's on your mind instead?"],
  },
  {
    re: /^(?:what|how|why|when|where|who|which)\b/i,
    replies: [
      'Why do you ask?',
      'What answer would please you most?',
      'What do you think?',
      "I can't look things up; I only have our conversation to go on. What are your own thoughts?",
    ],
  },
  {
    re: /\?$/,
    replies: [
      "I can't say for certain. What do you think?",
      'What makes you ask?',
      "I only have what you tell me to go on. What's your sense of it?",
    ],
  },
];

/** Rules whose capture starts with a feeling use the matching template set. */
function templatesFor(rule: Rule, firstCapture: string): string[] {
  if (rule.negative && NEGATIVE.test(firstCapture)) return rule.negative;
  if (rule.positive && POSITIVE.test(firstCapture)) return rule.positive;
  return rule.replies;
}

function keywordReply(text: string, c: Ctx): Draft | undefined {
  for (const rule of RULES) {
    const m = rule.re.exec(text);
    if (!m) continue;
    const groups = m.slice(1).map((g) => reflect(clause(g ?? '')));
    if (groups.some((g) => g === '')) continue; // e.g. "I am..." with nothing usable after it
    const replies = templatesFor(rule, groups[0] ?? '');
    return { text: fill(c.pick(replies), c, ['', ...groups]), extras: !rule.quiet, flourish: !rule.quiet };
  }
  const topic = topicsIn(text)[0];
  if (topic) {
    const replies = [`Your ${topic}?`, `Tell me more about your ${topic}.`, `Why is your ${topic} on your mind?`];
    return { text: c.pick(replies), extras: true, flourish: true };
  }
  return undefined;
}

const FALLBACKS = [
  'Please tell me more.',
  'I see. Go on.',
  'How does that make you feel?',
  'Interesting. What comes to mind when you think about it?',
  'Does talking about this help?',
  "Let's explore that a little further. What else can you tell me?",
];

/** ELIZA's memory: bring back a "my X" from earlier that has not been brought back yet. */
function recall(c: Ctx): string | undefined {
  const here = c.text.toLowerCase();
  const topic = [...c.memory.topics]
    .reverse()
    .find((t) => !here.includes(t) && !c.memory.assistantSaid.some((r) => r.includes('earlier') && r.includes(`your ${t}`)));
  if (!topic) return undefined;
  return c.pick([
    `Earlier you mentioned your ${topic}. Tell me more about that.`,
    `Earlier you said something about your ${topic}. Does that have anything to do with this?`,
    `Let's go back to your ${topic} from earlier. How do you feel about it now?`,
  ]);
}

function fallback(c: Ctx): Draft {
  const [first = '', ...rest] = splitSentences(recall(c) ?? c.pick(FALLBACKS));
  const name = c.memory.userName;
  return { text: [name ? addressed(first, name) : first, ...rest].join(' '), extras: true, flourish: true };
}

const GREETING =
  /^(?:hi|hello|hey|hiya|howdy|greetings|yo|good (?:morning|afternoon|evening|day))\b[\s,!.]*(?:(?:there|all|everyone|again)\b)?[\s,!.]*/i;
const FAREWELL =
  /^(?:bye|goodbye|good ?night|see (?:you|ya)|farewell|later|cya|take care)\b|\b(?:goodbye|bye for now|talk (?:to you )?later)\b/i;

function respond(c: Ctx): Draft {
  const t = c.text;
  if (!/[\p{L}\p{N}]/u.test(t)) return oddInput(t, c);
  if (HONESTY.some((re) => re.test(t))) return honest(c);
  if (c.memory.lastUserText !== undefined && comparable(t) === comparable(c.memory.lastUserText)) {
    return { text: c.pick(REPEATS), flourish: true };
  }
  const early = exampleAnswer(c) ?? identity(c);
  if (early) return early;

  const greeting = GREETING.exec(t);
  if (greeting) {
    let rest = t.slice(greeting[0].length);
    if (rest.toLowerCase().startsWith(c.agentName.toLowerCase())) rest = rest.slice(c.agentName.length);
    rest = rest.replace(/^[\s,!.]+/, '');
    if (comparable(rest) === '') return { text: fill(c.pick(c.tone.greetings), c), extras: true };
    // "Hi, I feel sad": answer the rest, after a short hello (unless the answer already names the user).
    const answer = keywordReply(rest, c) ?? fallback(c);
    const named = c.memory.userName !== undefined && answer.text.includes(c.memory.userName);
    return { ...answer, text: named ? answer.text : `${fill(c.tone.hello, c)} ${answer.text}` };
  }
  if (FAREWELL.test(t)) {
    return { text: fill(c.pick(['Goodbye{n}. It was good talking with you.', 'Take care{n}. Come back any time.']), c) };
  }
  return keywordReply(t, c) ?? fallback(c);
}

// ---------------------------------------------------------------------------------------------
// Shaping by personality, then the output contract (plain text, never empty, ≤ 600 chars).

const EXPANSIONS: Record<string, string> = {
  "i'm": 'I am', "you're": 'you are', "it's": 'it is', "that's": 'that is', "what's": 'what is',
  "let's": 'let us', "don't": 'do not', "doesn't": 'does not', "didn't": 'did not', "can't": 'cannot',
  "won't": 'will not', "isn't": 'is not', "aren't": 'are not', "i'll": 'I will', "you'll": 'you will',
  "i've": 'I have', "you've": 'you have', "i'd": 'I would', "you'd": 'you would', "there's": 'there is',
  "here's": 'here is', "wasn't": 'was not', "weren't": 'were not', "how's": 'how is', "haven't": 'have not',
};

function expandContractions(text: string): string {
  return text.replace(/\b\p{L}+'\p{L}+\b/gu, (word) => {
    const full = EXPANSIONS[word.toLowerCase()];
    if (!full) return word;
    return word[0] === word[0]!.toUpperCase() ? capitalise(full) : full;
  });
}

function exclaim(sentences: string[]): string[] {
  if (sentences.some((s) => s.endsWith('!'))) return sentences;
  const changed = sentences.map((s) => s.replace(/\.$/, '!'));
  return changed.some((s, i) => s !== sentences[i]) ? changed : ['Oh!', ...sentences];
}

/** One sentence: the first, unless it is a bare "I see." / "Hello." and something follows. */
function oneSentence(sentences: string[]): string[] {
  const [first, second] = sentences;
  return first && second && first.split(' ').length <= 2 ? [second] : sentences.slice(0, 1);
}

/** At most one trait line: a help offer, a follow-up question (unless we already ask), empathy when upset. */
function traitLine(c: Ctx, endsWithQuestion: boolean): string | undefined {
  const fits: Partial<Record<TraitKey, boolean>> = {
    helpful: true,
    curious: !endsWithQuestion,
    empathetic: SOUNDS_UPSET.test(c.text),
  };
  const pools = (Object.keys(TRAIT_LINES) as TraitKey[]).filter((t) => c.traits.has(t) && fits[t]).map((t) => TRAIT_LINES[t]!);
  return pools.length > 0 ? c.pick(c.pick(pools)) : undefined;
}

/** The core sentences plus at most one trait line and one tone opener or closer. */
function decorate(draft: Draft, core: string[], c: Ctx): string[] {
  const extra = draft.extras ? traitLine(c, core.at(-1)?.endsWith('?') ?? false) : undefined;
  // One reply in three gets an opener, one in three a closer (if no trait line was added);
  // a quip is out of place when the user sounds upset, warmth is not.
  const fitting = draft.flourish && (c.tone === TONES.warm || !SOUNDS_UPSET.test(c.text));
  const roll = c.pick([0, 1, 2]);
  const opener = fitting && roll === 0 && c.tone.openers.length > 0 ? c.pick(c.tone.openers) : undefined;
  const closer = fitting && roll === 1 && !extra && c.tone.closers.length > 0 ? c.pick(c.tone.closers) : undefined;
  return [opener, ...core, extra, closer].filter((s): s is string => !!s);
}

function shape(draft: Draft, c: Ctx): string {
  const core = splitSentences(draft.text);
  let sentences = c.style.oneSentence ? oneSentence(core) : decorate(draft, core, c);
  if (c.traits.has('enthusiastic')) sentences = exclaim(sentences);
  let text = sentences.join(' ');
  if (c.tone.expandContractions) text = expandContractions(text);
  if (c.tone.noExclamations || c.style.noExclamations) text = text.replace(/!/g, '.');
  return text;
}

function applyStyle(text: string, style: Style): string {
  let out = text;
  if (style.emoji === 'strip') out = out.replace(/[\p{Extended_Pictographic}\u200d\ufe0f]/gu, '');
  if (style.emoji === 'add' && !/\p{Extended_Pictographic}/u.test(out)) out = `${out} 🙂`;
  if (style.uppercase) out = out.toUpperCase();
  else if (style.lowercase) out = out.toLowerCase();
  return out;
}

/** At most MAX_REPLY characters, cut at a sentence end when possible. */
export function cap(text: string): string {
  if (text.length <= MAX_REPLY) return text;
  let out = '';
  for (const s of splitSentences(text)) {
    if (out.length + s.length + 1 > MAX_REPLY) break;
    out = out ? `${out} ${s}` : s;
  }
  if (out) return out;
  const cut = text.slice(0, MAX_REPLY - 1);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 0 ? cut.lastIndexOf(' ') : cut.length).trimEnd()}…`;
}

export function localReply(input: LocalEngineInput): string {
  const text = normalise(input.text);
  const c = makeCtx(input, text);
  const draft = respond(c);
  const shaped = draft.verbatim ? draft.text : applyStyle(capitalise(shape(draft, c)), c.style);
  const out = cap(shaped.replace(/[ \t]+/g, ' ').trim());
  return out || 'Please tell me more.';
}
