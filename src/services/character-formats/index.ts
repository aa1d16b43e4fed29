import { invalidRequest } from '../../errors.js';
import { CARD_V2_SPEC, CARD_V3_SPEC, exportCard, importCard } from './card.js';
import { exportEliza, importEliza } from './eliza.js';
import { ORION_SPEC, exportOrion, importOrion } from './orion.js';
import { SourceReader, isObject } from './source.js';
import type { CharacterFields, ExportFormat, ImportResult } from './types.js';

export { CHARACTER_BOUNDS, emptyCharacter } from './types.js';
export type { CharacterFields, ExampleTurn, ExportFormat, ImportFormat, ImportResult, Role } from './types.js';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['eliza', 'ccv2', 'orion'];

/**
 * Reads a character file of any supported format into OrionOS's shape, fitted to the resource's
 * bounds. Files with a `spec` are cards (ours or Character Card V2/V3); others are ElizaOS files.
 * Secrets (`settings.secrets`, `secrets`) are never read, only reported as dropped.
 */
export function importCharacterFile(file: unknown): ImportResult {
  if (!isObject(file)) throw invalidRequest([{ field: '(file)', message: 'must be a JSON object' }]);
  const spec = file.spec;
  if (spec !== undefined && spec !== null) {
    const known = [CARD_V2_SPEC, CARD_V3_SPEC, ORION_SPEC];
    if (typeof spec !== 'string' || !known.includes(spec)) {
      throw invalidRequest([
        { field: 'spec', message: `unknown spec ${JSON.stringify(spec)}; expected one of ${known.join(', ')}` },
      ]);
    }
    if (spec === ORION_SPEC) {
      const reader = new SourceReader(false);
      return finish(reader, importOrion(reader, file), 'orion');
    }
    const reader = new SourceReader(true);
    return finish(reader, importCard(reader, file), spec === CARD_V3_SPEC ? 'ccv3' : 'ccv2');
  }
  const reader = new SourceReader(true);
  const { character, format } = importEliza(reader, file);
  return finish(reader, character, format);
}

function finish(reader: SourceReader, character: CharacterFields, format: ImportResult['format']): ImportResult {
  return { character, format, mapped: reader.mapped, dropped: reader.dropped };
}

/** Writes a character as a file of `format` that `importCharacterFile` reads back. */
export function exportCharacter(
  character: CharacterFields & { id?: string; revision?: number },
  format: ExportFormat,
): object {
  switch (format) {
    case 'eliza':
      return exportEliza(character);
    case 'ccv2':
      return exportCard(character);
    case 'orion':
      return exportOrion(character);
  }
}
