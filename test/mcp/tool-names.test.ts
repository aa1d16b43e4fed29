import { describe, expect, it } from 'vitest';
import { McpSessions, MODEL_TOOL_NAME, mcpTools, mcpValidatorFor, modelToolName } from '../../src/services/mcp/tools.js';
import { MAX_MODEL_TOOLS } from '../../src/services/tools/runtime.js';

describe('the names models call MCP tools by', () => {
  const none = new Set<string>();

  it('is <server>__<tool> when that is a valid name', () => {
    expect(modelToolName('kit', 'echo', none)).toBe('kit__echo');
    expect(modelToolName('My-Server_2', 'get_weather', none)).toBe('My-Server_2__get_weather');
  });

  it('replaces what a model name cannot hold, deterministically', () => {
    expect(modelToolName('acme.tools', 'files/read', none)).toBe('acme_tools__files_read');
    expect(modelToolName('Café', 'überprüfen', none)).toBe('Caf____berpr_fen');
    expect(modelToolName('café', 'x y', none)).toBe(modelToolName('café', 'x y', none));
    // Nothing left but underscores.
    expect(modelToolName('...', '...', none)).toBe('mcp');
  });

  it('cuts names longer than 64 characters and ends them with a hash of the whole', () => {
    const long = modelToolName('s'.repeat(40), `${'t'.repeat(40)}_one`, none);
    const other = modelToolName('s'.repeat(40), `${'t'.repeat(40)}_two`, none);
    expect(long).toHaveLength(64);
    expect(long).toMatch(MODEL_TOOL_NAME);
    expect(long).toMatch(/^s{40}__t{15}_[0-9a-f]{6}$/);
    expect(other).not.toBe(long);
  });

  it('a name already taken gets a hash suffix; a taken suffix gets another; never the same twice', () => {
    const taken = new Set(['kit__echo']);
    const first = modelToolName('kit', 'echo', taken);
    expect(first).toMatch(/^kit__echo_[0-9a-f]{6}$/);
    taken.add(first);
    const second = modelToolName('kit', 'echo', taken);
    expect(second).toMatch(/^kit__echo_[0-9a-f]{6}$/);
    expect(second).not.toBe(first);
    // Two servers whose names sanitise alike.
    const names = new Set<string>();
    for (const server of ['a.b', 'a_b', 'a b', 'a/b']) names.add(modelToolName(server, 'x', names));
    expect(names.size).toBe(4);
    for (const name of names) expect(name).toMatch(MODEL_TOOL_NAME);
  });

  it('a long name that is taken still fits in 64 characters', () => {
    const base = modelToolName('s'.repeat(30), 't'.repeat(30), none);
    expect(base).toHaveLength(62);
    const again = modelToolName('s'.repeat(30), 't'.repeat(30), new Set([base]));
    expect(again.length).toBeLessThanOrEqual(64);
    expect(again).toMatch(MODEL_TOOL_NAME);
    expect(again).not.toBe(base);
  });
});

describe('checking the arguments of MCP tools', () => {
  it('draft-07 schemas as the TypeScript SDK emits them (tuples as `items` arrays)', () => {
    const validate = mcpValidatorFor({
      type: 'object',
      properties: { point: { type: 'array', items: [{ type: 'number' }, { type: 'number' }], additionalItems: false, minItems: 2, maxItems: 2 } },
      required: ['point'],
    })!;
    expect(validate({ point: [1, 2] })).toBe(true);
    expect(validate({ point: [1, 'x'] })).toBe(false);
    expect(validate({})).toBe(false);
  });

  it('JSON Schema 2020-12 (the protocol default): prefixItems, $defs, unevaluatedProperties, formats', () => {
    const validate = mcpValidatorFor({
      type: 'object',
      $defs: { Unit: { type: 'string', enum: ['c', 'f'] } },
      properties: {
        point: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], items: false },
        unit: { $ref: '#/$defs/Unit' },
        at: { type: 'string', format: 'date-time' },
      },
      unevaluatedProperties: false,
    })!;
    expect(validate({ point: [1, 2], unit: 'c', at: '2026-11-30T12:00:00Z' })).toBe(true);
    expect(validate({ point: [1, 2, 3] })).toBe(false);
    expect(validate({ point: ['x', 2] })).toBe(false);
    expect(validate({ unit: 'k' })).toBe(false);
    expect(validate({ at: 'yesterday' })).toBe(false);
    expect(validate({ extra: true })).toBe(false);
  });

  it('a schema neither draft compiles is not checked here (undefined): the server checks', () => {
    expect(mcpValidatorFor({ type: 'object', properties: { x: { $ref: 'https://schemas.example/x.json' } } })).toBeUndefined();
    expect(mcpValidatorFor({ type: 'object', properties: { x: { type: 'strin' } } })).toBeUndefined();
    // And the answer is remembered, not compiled again (the same result).
    expect(mcpValidatorFor({ type: 'object', properties: { x: { type: 'strin' } } })).toBeUndefined();
  });

  it('a schema with a regular expression that could backtrack is not checked here (the server checks); safe ones are', () => {
    const evil = '^(a+)+$';
    expect(mcpValidatorFor({ type: 'object', properties: { code: { type: 'string', pattern: evil } } })).toBeUndefined();
    expect(mcpValidatorFor({ type: 'object', properties: { tags: { type: 'object', patternProperties: { [evil]: { type: 'number' } } } } })).toBeUndefined();
    expect(mcpValidatorFor({ type: 'object', properties: { list: { type: 'array', items: { type: 'string', pattern: evil } } } })).toBeUndefined();
    // A property named like a keyword is a property, and a safe pattern is checked.
    const validate = mcpValidatorFor({
      type: 'object',
      properties: { pattern: { type: 'string', pattern: '^[a-z]{2,8}$' } },
      required: ['pattern'],
    })!;
    expect(validate({ pattern: 'abc' })).toBe(true);
    expect(validate({ pattern: 'ABC' })).toBe(false);
    expect(validate({})).toBe(false);
  });

  it('two servers’ schemas with the same $id both compile (ids are not kept in the shared compilers)', () => {
    const one = mcpValidatorFor({ $id: 'https://schemas.example/shared', type: 'object', properties: { x: { type: 'string' } } });
    const two = mcpValidatorFor({ $id: 'https://schemas.example/shared', type: 'object', properties: { y: { type: 'number' } } });
    expect(one && two).toBeTruthy();
    expect(two!({ y: 'not a number' })).toBe(false);
  });

  it('unknown keywords and formats are ignored', () => {
    const validate = mcpValidatorFor({ type: 'object', properties: { x: { type: 'string', format: 'color', 'x-ui': 'picker' } } })!;
    expect(validate({ x: 'red' })).toBe(true);
  });
});

describe('how many MCP tools a model is offered', () => {
  const server = (id: string, count: number) => ({
    allTools: true,
    tools: [],
    mcpServer: {
      id,
      name: id,
      url: 'http://127.0.0.1:1/mcp',
      headers: null,
      timeoutMs: 1_000,
      tools: Array.from({ length: count }, (_, i) => ({ name: `t${i}`, description: `tool ${i}`, inputSchema: { type: 'object' } })),
    },
  });

  it('offers every tool within the room, in order, and counts those left out beyond it', () => {
    const sessions = new McpSessions({ allowPrivateNetworks: true, serverKey: undefined });
    const own = MAX_MODEL_TOOLS - 28; // an agent's own tools come first
    const { tools, leftOut } = mcpTools([server('first', 20), server('second', 200)], new Set(), sessions, MAX_MODEL_TOOLS - own);
    expect(tools).toHaveLength(28);
    expect(leftOut).toBe(192);
    expect(tools.slice(0, 20).every((t) => t.name.startsWith('first__'))).toBe(true);
    expect(tools.at(-1)!.name).toBe('second__t7');
  });

  it('leaves nothing out when everything fits', () => {
    const sessions = new McpSessions({ allowPrivateNetworks: true, serverKey: undefined });
    expect(mcpTools([server('only', 3)], new Set(), sessions, MAX_MODEL_TOOLS)).toMatchObject({ leftOut: 0 });
  });
});
