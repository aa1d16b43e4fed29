import isSafeRegex from 'safe-regex2';

/**
 * Regular expressions inside JSON Schemas that tenants (custom tools) or remote servers (MCP
 * tools) wrote run in this process when arguments are checked, for every account at once: a
 * pattern with nested quantifiers (`^(a+)+$`) can backtrack for minutes on a short string.
 * safe-regex2 flags those (star height above 1, or too many repetitions). A custom tool with one
 * is refused when written; a schema that still holds one (stored before, or an MCP server's) is
 * not checked here at all: the tool's own server checks its arguments.
 */
export function isSafePattern(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
  } catch {
    return false;
  }
  return isSafeRegex(pattern);
}

/** Keywords whose value is one subschema, a list of them, or a map of them. */
const ONE = new Set(['items', 'additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties']);
const LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);
const MAP = new Set(['properties', '$defs', 'definitions', 'dependentSchemas', 'patternProperties']);

/**
 * A copy of the schema without the keywords `drop` names, looking into every subschema. Keywords
 * are found where they are keywords only, never in a property that happens to bear the name.
 * `drop` sees each keyword with its value and path (for `patternProperties`, each key is a
 * regular expression too).
 */
function walkSchema(schema: unknown, drop: (keyword: string, value: unknown, path: string[]) => boolean, path: string[] = []): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    const at = [...path, keyword];
    if (drop(keyword, value, at)) continue;
    if (MAP.has(keyword) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      out[keyword] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, walkSchema(sub, drop, [...at, name])]));
    } else if (LIST.has(keyword) && Array.isArray(value)) {
      out[keyword] = value.map((sub, i) => walkSchema(sub, drop, [...at, String(i)]));
    } else if (ONE.has(keyword)) {
      out[keyword] = walkSchema(value, drop, at);
    } else {
      out[keyword] = value;
    }
  }
  return out;
}

/** Where the schema holds a regular expression that is not safe to run here (paths of keywords). */
export function unsafePatternPaths(schema: unknown): string[][] {
  const found: string[][] = [];
  walkSchema(schema, (keyword, value, path) => {
    if (keyword === 'pattern' && (typeof value !== 'string' || !isSafePattern(value))) found.push(path);
    if (keyword === 'patternProperties' && typeof value === 'object' && value !== null) {
      for (const pattern of Object.keys(value)) if (!isSafePattern(pattern)) found.push([...path, pattern]);
    }
    return false;
  });
  return found;
}

/** The schema without `$id` anywhere: one schema's id must never name anything for another in a shared compiler. */
export function withoutIds(schema: unknown): unknown {
  return walkSchema(schema, (keyword) => keyword === '$id');
}
