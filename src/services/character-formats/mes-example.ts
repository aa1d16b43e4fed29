import type { SourcedConversation, SourcedTurn } from './bounds.js';
import type { ExampleTurn, Role } from './types.js';

/**
 * Character Card example dialogue: blocks that each start with a `<START>` line, made of
 * `{{user}}: …` and `{{char}}: …` lines; a line without a speaker continues the previous turn.
 */

const START = /^\s*<start>\s*$/i;
const SPEAKER = /^\s*(\{\{user\}\}|\{\{char\}\}|<user>|<bot>|[^:\n]{1,100}?)\s*:\s?(.*)$/i;

function roleOf(speaker: string, charName: string): Role | undefined {
  const s = speaker.trim().toLowerCase();
  if (s === '{{user}}' || s === '<user>') return 'user';
  if (s === '{{char}}' || s === '<bot>' || s === charName.trim().toLowerCase()) return 'agent';
  return undefined;
}

/** Whether a line starts a turn; only the card's placeholders and its own name count as speakers. */
function turnStart(line: string, charName: string): { role: Role; text: string } | undefined {
  const match = SPEAKER.exec(line);
  if (!match) return undefined;
  const role = roleOf(match[1] ?? '', charName);
  return role && { role, text: match[2] ?? '' };
}

/** Whether a text holds example dialogue (some cards keep it in the description). */
export function dialogueStart(text: string, charName: string): number | undefined {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => START.test(line) || turnStart(line, charName) !== undefined);
  if (index < 0) return undefined;
  return lines.slice(0, index).reduce((offset, line) => offset + line.length + 1, 0);
}

/**
 * Parses example dialogue (newlines already LF). Text before the first speaker of a block is
 * returned as `stray` so the caller can report it.
 */
export function parseMesExample(
  text: string,
  charName: string,
  source: string,
): { conversations: SourcedConversation[]; stray: boolean } {
  const conversations: SourcedConversation[] = [];
  let stray = false;
  let current: SourcedTurn[] | undefined;
  const newBlock = () => {
    current = [];
    conversations.push({ turns: current, source: `${source}[${conversations.length}]` });
    return current;
  };
  for (const line of text.split('\n')) {
    if (START.test(line)) {
      newBlock();
      continue;
    }
    const start = turnStart(line, charName);
    const turns = current ?? (start ? newBlock() : undefined);
    if (start && turns) {
      const blockSource = conversations[conversations.length - 1]?.source ?? source;
      const turnSource = `${blockSource}[${turns.length}]`;
      turns.push({ role: start.role, text: start.text, source: turnSource, textSource: turnSource });
      continue;
    }
    const last = turns?.[turns.length - 1];
    if (last) last.text += `\n${line}`;
    else if (line.trim() !== '') stray = true;
  }
  for (const conversation of conversations) {
    conversation.turns = conversation.turns
      .map((turn) => ({ ...turn, text: turn.text.trim() }))
      .filter((turn) => turn.text !== '');
  }
  return { conversations, stray };
}

export function renderMesExample(conversations: ExampleTurn[][]): string {
  return conversations
    .map((turns) =>
      ['<START>', ...turns.map((t) => `${t.role === 'user' ? '{{user}}' : '{{char}}'}: ${t.text}`)].join('\n'),
    )
    .join('\n');
}
