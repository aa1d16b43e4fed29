import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { newRequestId } from '../../src/ids.js';

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
