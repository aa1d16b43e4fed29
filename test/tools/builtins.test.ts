import { describe, expect, it } from 'vitest';
import { calculate, currentTime } from '../../src/services/tools/builtins.js';
import { ToolFailure } from '../../src/services/tools/failure.js';

const failure = async (run: () => unknown): Promise<{ code: string; message: string }> => {
  try {
    await run();
  } catch (error) {
    if (error instanceof ToolFailure) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a ToolFailure');
};

describe('calculate', () => {
  it('evaluates arithmetic and math functions, rounded to the configured precision', async () => {
    expect((await calculate({ expression: '(17 + 25) * 3' }, {})).result).toBe('126');
    expect((await calculate({ expression: '0.1 + 0.2' }, { precision: 12 })).result).toBe('0.3');
    expect((await calculate({ expression: 'sqrt(2)' }, { precision: 3 })).result).toBe('1.41');
    expect((await calculate({ expression: '5! + 2^10 - 10 % 3' }, {})).result).toBe('1143');
    expect((await calculate({ expression: 'sin(pi / 2) + log(e)' }, {})).result).toBe('2');
  });

  it.each([
    ['x + 1', 'TOOL_INVALID_ARGUMENTS'],
    ['import({}, {override: true})', 'TOOL_INVALID_ARGUMENTS'],
    ['createUnit("foo")', 'TOOL_INVALID_ARGUMENTS'],
    ['evaluate("1+1")', 'TOOL_INVALID_ARGUMENTS'],
    ['f(x) = x', 'TOOL_INVALID_ARGUMENTS'],
    ['a = 1', 'TOOL_INVALID_ARGUMENTS'],
    ['1:1e9', 'TOOL_INVALID_ARGUMENTS'],
    ['zeros(100000, 100000)', 'TOOL_INVALID_ARGUMENTS'],
    ['[1, 2, 3]', 'TOOL_INVALID_ARGUMENTS'],
    ['"text"', 'TOOL_INVALID_ARGUMENTS'],
    ['2 cm', 'TOOL_INVALID_ARGUMENTS'],
    ['cos.constructor', 'TOOL_INVALID_ARGUMENTS'],
    ['1 +', 'TOOL_INVALID_ARGUMENTS'],
    ['1 / 0', 'TOOL_FAILED'],
    ['sqrt(-1)', 'TOOL_FAILED'],
  ])('%s: %s', async (expression, code) => {
    expect((await failure(() => calculate({ expression }, {}))).code).toBe(code);
  });

  it('refuses an expression over the length limit', async () => {
    expect((await failure(() => calculate({ expression: '1+'.repeat(300) + '1' }, {}))).code).toBe('TOOL_INVALID_ARGUMENTS');
  });
});

describe('current_time', () => {
  const at = new Date('2026-07-14T12:34:56.000Z');

  it('gives the time in the zone asked, else the configured default', () => {
    expect(currentTime({ timeZone: 'Europe/Paris' }, {}, at)).toEqual({
      timeZone: 'Europe/Paris',
      iso: '2026-07-14T14:34:56+02:00',
      utc: '2026-07-14T12:34:56.000Z',
      // Intl's wording varies a little between ICU versions.
      text: expect.stringMatching(/^Tuesday,? 14 July 2026,? at 14:34$/),
      time: '14:34',
    });
    expect(currentTime({}, { defaultTimeZone: 'Asia/Kolkata' }, at).iso).toBe('2026-07-14T18:04:56+05:30');
    expect(currentTime({}, {}, at).iso).toBe('2026-07-14T12:34:56+00:00');
  });

  it('an unknown zone is a TOOL_INVALID_ARGUMENTS', async () => {
    expect(await failure(() => currentTime({ timeZone: 'Mars/Olympus' }, {}, at))).toEqual({
      code: 'TOOL_INVALID_ARGUMENTS',
      message: '"Mars/Olympus" is not an IANA time zone',
    });
  });
});
