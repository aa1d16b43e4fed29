import { KNOWLEDGE_TOOL, KNOWLEDGE_TOOL_LIMITS, type JsonSchema, type ToolDefinition } from '../plugins/catalog.js';
import type { ToolCallRecord } from '../tools/types.js';
import { quoteChunk } from './local-knowledge.js';

/**
 * How the local engine uses tools, by rule and deterministically: a question about the time
 * calls `current_time` (with the IANA zone it names, if any); an arithmetic expression calls
 * `calculate`; a request to search the knowledge ("search the knowledge for …", "look up …")
 * calls `search_knowledge` with what follows; otherwise a custom or MCP tool whose name or description
 * shares a word with the request is called with arguments extracted from the text (see extractArguments). At most one call a
 * turn, then the reply reports the outcome.
 */
export type PlannedCall = { tool: string; arguments: Record<string, unknown> };

const TIME_QUESTION =
  /\b(what(?:'s| is)? the time|what time|time is it|current time|time now|the time in|what(?:'s| is)? the date|today'?s date|what day is)\b/i;
const TIME_ZONE = /\b((?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)\/[A-Za-z_]+(?:\/[A-Za-z_]+)?|UTC)\b/;

const MATH_TOKEN = /^(?:\d+(?:\.\d+)?|sqrt|cbrt|abs|log|log10|log2|sin|cos|tan|exp|pi|[-+*/^%()!×÷])$/i;
const OPERATOR = /[-+*/^%!×÷]|sqrt|cbrt|log|sin|cos|tan|exp/i;

/** The longest run of arithmetic in the text, when it computes something ("17 + 25", "sqrt(2)"). */
export function arithmeticIn(text: string): string | undefined {
  const normalised = text
    .replace(/\btimes\b|\bmultiplied by\b/gi, ' * ')
    .replace(/\bdivided by\b|\bover\b/gi, ' / ')
    .replace(/\bplus\b/gi, ' + ')
    .replace(/\bminus\b/gi, ' - ')
    .replace(/(\d)\s*x\s*(\d)/gi, '$1 * $2');
  const tokens = normalised.match(/\d+(?:\.\d+)?|[A-Za-z]+\d*|[-+*/^%()!×÷]|\S/g) ?? [];
  let best: string[] = [];
  let run: string[] = [];
  for (const token of [...tokens, '§']) {
    if (MATH_TOKEN.test(token)) {
      run.push(token);
      continue;
    }
    if (run.length > best.length) best = run;
    run = [];
  }
  // Trailing punctuation of the sentence is not part of the expression.
  while (best.length > 0 && /^[-+*/^%(×÷]$/.test(best.at(-1)!)) best.pop();
  const expression = best
    .join(' ')
    .replace(/×/g, '*')
    .replace(/÷/g, '/')
    .replace(/\(\s/g, '(')
    .replace(/\s\)/g, ')')
    .replace(/\s!/g, '!')
    .replace(/([a-z]\d*)\s\(/gi, '$1(');
  if (!/\d|pi/i.test(expression) || !OPERATOR.test(expression) || best.length < 2) return undefined;
  return expression;
}

const STOP_WORDS = new Set([
  'the', 'and', 'for', 'with', 'from', 'that', 'this', 'what', 'when', 'where', 'which', 'your', 'about', 'into',
  'tool', 'tools', 'call', 'calls', 'returns', 'return', 'given', 'please', 'tell', 'give', 'some', 'have', 'does',
  'will', 'would', 'could', 'should', 'there', 'their', 'them', 'then', 'than', 'such', 'like', 'each', 'other',
]);

const wordsOf = (text: string) =>
  (text.toLowerCase().match(/[a-z][a-z0-9]*/g) ?? []).filter((w) => w.length >= 4 && !STOP_WORDS.has(w));

/** The custom tool the request is about: the most words shared with its name (first), then its description. */
function matchingTool(text: string, tools: ToolDefinition[]): ToolDefinition | undefined {
  const asked = new Set(wordsOf(text).flatMap((w) => [w, w.replace(/s$/, '')]));
  let best: { tool: ToolDefinition; score: number } | undefined;
  for (const tool of tools) {
    const nameWords = wordsOf(tool.name.replace(/[_-]+/g, ' ')).filter((w) => asked.has(w) || asked.has(w.replace(/s$/, '')));
    const descriptionWords = new Set(wordsOf(tool.description).filter((w) => asked.has(w) || asked.has(w.replace(/s$/, ''))));
    const score = nameWords.length * 10 + descriptionWords.size;
    if (score > 0 && (!best || score > best.score)) best = { tool, score };
  }
  return best?.tool;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Arguments for a custom tool, from the text, property by property: `name: value`, `name=value`
 * or `name value`; a quoted string; a place after "in/for/at/of" (for properties such as city
 * or location); numbers; enum values named in the text. A lone string property takes the whole
 * request when nothing else fits. What cannot be found is left out (validation then says so).
 */
export function extractArguments(text: string, parameters: JsonSchema): Record<string, unknown> {
  const properties = (parameters.properties ?? {}) as Record<string, { type?: string | string[]; enum?: unknown[] }>;
  const names = Object.keys(properties);
  const args: Record<string, unknown> = {};
  const numbers = (text.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
  let nextNumber = 0;
  const quoted = [...text.matchAll(/"([^"]+)"|“([^”]+)”/g)].map((m) => m[1] ?? m[2]!);
  let nextQuoted = 0;
  for (const name of names) {
    const schema = properties[name]!;
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (Array.isArray(schema.enum)) {
      const named = schema.enum.find((v) => typeof v === 'string' && new RegExp(`\\b${escape(v)}\\b`, 'i').test(text));
      if (named !== undefined) args[name] = named;
      continue;
    }
    // The whole word (a property `a` is not the start of "and").
    const labelled = new RegExp(`\\b${escape(name)}(?![A-Za-z0-9_])\\s*(?:[:=]|is)?\\s*("([^"]+)"|([^\\s,;?!]+))`, 'i').exec(text);
    if (type === 'number' || type === 'integer') {
      const given = labelled ? Number(labelled[2] ?? labelled[3]) : Number.NaN;
      const value = Number.isFinite(given) ? given : numbers[nextNumber++];
      if (value !== undefined && Number.isFinite(value) && (type === 'number' || Number.isInteger(value))) args[name] = value;
      continue;
    }
    if (type === 'boolean') {
      if (labelled && /^(true|false|yes|no)$/i.test(labelled[3] ?? '')) args[name] = /^(true|yes)$/i.test(labelled[3]!);
      continue;
    }
    if (type !== undefined && type !== 'string') continue;
    if (labelled && (labelled[2] ?? labelled[3])) {
      args[name] = labelled[2] ?? labelled[3];
    } else if (nextQuoted < quoted.length) {
      args[name] = quoted[nextQuoted++];
    } else {
      const place = /\b(?:in|for|at|of|near)\s+((?:[A-Z][\p{L}'-]*)(?:\s+[A-Z][\p{L}'-]*)*)/u.exec(text);
      if (place && /city|location|place|town|country|region|where|area/i.test(name)) args[name] = place[1];
    }
  }
  const strings = names.filter((n) => [properties[n]!.type].flat().includes('string') && !properties[n]!.enum);
  if (strings.length === 1 && args[strings[0]!] === undefined) args[strings[0]!] = text.trim();
  return args;
}

const KNOWLEDGE_REQUEST =
  /^\s*(?:please\s+)?(?:search|check|consult)\s+(?:in\s+)?(?:the\s+|your\s+)?(?:knowledge(?:\s+base)?|documents|docs)\s+(?:for|about|on)\s+(.+)$|^\s*(?:please\s+)?look\s+up\s+(.+)$/is;

/** What a request to search the knowledge asks for ("search the knowledge for X" → "X"), if it is one. */
export function knowledgeQueryIn(text: string): string | undefined {
  const match = KNOWLEDGE_REQUEST.exec(text);
  const query = (match?.[1] ?? match?.[2])
    ?.replace(/^(?:in|on)\s+(?:the\s+|your\s+)?(?:knowledge(?:\s+base)?|documents|docs)\s+/i, '')
    .replace(/[\s?.!]+$/, '')
    .trim();
  return query ? query.slice(0, KNOWLEDGE_TOOL_LIMITS.query) : undefined;
}

export function planToolCall(text: string, tools: ToolDefinition[]): PlannedCall | undefined {
  const has = (name: string) => tools.some((t) => t.name === name);
  if (has('current_time') && TIME_QUESTION.test(text)) {
    const zone = TIME_ZONE.exec(text)?.[1];
    return { tool: 'current_time', arguments: zone ? { timeZone: zone } : {} };
  }
  const expression = has('calculate') ? arithmeticIn(text) : undefined;
  if (expression) return { tool: 'calculate', arguments: { expression } };
  const query = has(KNOWLEDGE_TOOL) ? knowledgeQueryIn(text) : undefined;
  if (query) return { tool: KNOWLEDGE_TOOL, arguments: { query } };
  const custom = matchingTool(
    text,
    tools.filter((t) => t.name !== 'current_time' && t.name !== 'calculate' && t.name !== KNOWLEDGE_TOOL),
  );
  if (custom) return { tool: custom.name, arguments: extractArguments(text, custom.parameters) };
  return undefined;
}

const MAX_QUOTED = 600;

/** The reply that reports a call's outcome. */
export function replyForCall(record: ToolCallRecord): string {
  if (record.error) return `I tried the ${record.tool} tool, but it failed (${record.error.code}): ${record.error.message}`;
  const result = record.result as Record<string, unknown> | null;
  if (record.tool === 'current_time' && result && typeof result === 'object') {
    return `It is ${String(result.time)} in ${String(result.timeZone)}: ${String(result.text)}.`;
  }
  if (record.tool === 'calculate' && result && typeof result === 'object') {
    return `${String(result.expression)} = ${String(result.result)}`;
  }
  if (record.tool === KNOWLEDGE_TOOL && result && Array.isArray(result.chunks)) {
    const [best] = result.chunks as { title: string; heading: string | null; text: string }[];
    if (!best) return `I found nothing about "${String(result.query)}" in my knowledge.`;
    return quoteChunk({ documentTitle: best.title, heading: best.heading, text: best.text });
  }
  let quoted = JSON.stringify(result);
  if (quoted.length > MAX_QUOTED) quoted = `${quoted.slice(0, MAX_QUOTED)}…`;
  return `The ${record.tool} tool answered: ${quoted}`;
}
