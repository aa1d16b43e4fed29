import { decodeTime, encodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { newId, newRequestId, nextMonotonicUlid, setLastUlidForTests, typeOfId } from '../../src/ids.js';

describe('request ids', () => {
  it('are req_ and a ULID: its time is the moment made, its 80 random bits differ every time', () => {
    const now = Date.now();
    const ids = Array.from({ length: 5_000 }, () => newRequestId(now));
    for (const id of ids) expect(id).toMatch(/^req_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(decodeTime(ids[0]!.slice(4))).toBe(now);
    // Every character of the random part takes many values: no bits stuck.
    for (let i = 14; i < 30; i++) expect(new Set(ids.map((id) => id[i])).size).toBe(32);
  });

  it('sort by the millisecond they were made in', () => {
    const times = [0, 1, 31, 32, 1_000, Date.UTC(2026, 0, 1), 2 ** 48 - 1];
    const ids = times.map((t) => newRequestId(t));
    expect(ids.map((id) => decodeTime(id.slice(4)))).toEqual(times);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('resource ids (newId)', () => {
  it('are the prefix and a ULID of the moment made, unique, sorting in the order made within a millisecond', () => {
    const before = Date.now();
    const ids = Array.from({ length: 5_000 }, () => newId('msg'));
    for (const id of ids) expect(id).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(decodeTime(ids[0]!.slice(4))).toBeGreaterThanOrEqual(before);
    expect(typeOfId(ids[0]!)).toBe('Message');
  });

  it('same millisecond or a clock stepping back: the previous random part plus one, with carries', () => {
    const t = Date.UTC(2030, 0, 1);
    const first = nextMonotonicUlid(t);
    const second = nextMonotonicUlid(t);
    const back = nextMonotonicUlid(t - 5);
    expect([first, second, back].map((id) => decodeTime(id))).toEqual([t, t, t]);
    expect([first, second, back]).toEqual([...[first, second, back]].sort());
    expect(new Set([first, second, back]).size).toBe(3);
    // A later millisecond draws fresh random bits.
    const later = nextMonotonicUlid(t + 1);
    expect(decodeTime(later)).toBe(t + 1);
    expect(later > back).toBe(true);
    // Carries: many increments in one millisecond stay sorted and unique.
    const run = Array.from({ length: 2_000 }, () => nextMonotonicUlid(t + 1));
    expect([...run].sort()).toEqual(run);
    expect(new Set(run).size).toBe(run.length);
  });

  it('a random part that cannot grow (all Z) moves the time part on a millisecond, still sorted after', () => {
    const t = Date.UTC(2030, 0, 2);
    setLastUlidForTests(t, 'Z'.repeat(16));
    const previous = `${encodeTime(t, 10)}${'Z'.repeat(16)}`;
    const after = nextMonotonicUlid(t);
    expect(decodeTime(after)).toBe(t + 1);
    expect(after > previous).toBe(true);
    const next = nextMonotonicUlid(t);
    expect(decodeTime(next)).toBe(t + 1);
    expect(next > after).toBe(true);
  });
});
