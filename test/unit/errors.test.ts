import { describe, expect, it } from 'vitest';
import { variableFieldError } from '../../src/graphql/errors.js';
import { ERROR_STATUS } from '../../src/errors.js';
import { displayPrefix, generateSecret, hashSecret } from '../../src/services/api-keys.js';
import { newId, typeOfId } from '../../src/ids.js';

describe('variable errors in client terms', () => {
  it.each([
    ['Variable "$limit" got invalid value "abc"; Int cannot represent non-integer value: "abc"', 'limit'],
    ['Variable "$input" got invalid value { foo: 1 }; Field "foo" is not defined by type "CreateAgentInput".', 'foo'],
    ['Variable "$input" got invalid value 3 at "input.model.temperature"; Float cannot represent...', 'model.temperature'],
    ['Variable "$input" got invalid value {} ; Field "name" of required type "String!" was not provided.', 'name'],
    ['Variable "$agentId" of required type "ID!" was not provided.', 'agentId'],
    ['Variable "$i" got invalid value "" at "i.personality.tone"; String cannot represent...', 'personality.tone'],
    ['Variable "$i" got invalid value { foo: 1 }; Field "foo" is not defined by type "CreateAgentInput".', 'foo'],
  ])('%s → %s', (message, field) => {
    expect(variableFieldError(message)?.field).toBe(field);
  });

  it('ignores other messages', () => {
    expect(variableFieldError('Cannot query field "x" on type "Query".')).toBeUndefined();
  });
});

describe('error table', () => {
  it('maps every documented code to its status', () => {
    expect(ERROR_STATUS).toMatchObject({
      INVALID_REQUEST: 400,
      UNAUTHORIZED: 401,
      FORBIDDEN: 403,
      AGENT_NOT_FOUND: 404,
      NOT_FOUND: 404,
      METHOD_NOT_ALLOWED: 405,
      IDEMPOTENCY_CONFLICT: 409,
      PAYLOAD_TOO_LARGE: 413,
      RATE_LIMIT_EXCEEDED: 429,
      INSUFFICIENT_QUOTA: 429,
      INTERNAL_ERROR: 500,
      MODEL_ERROR: 502,
      AGENT_UNAVAILABLE: 503,
      SERVICE_UNAVAILABLE: 503,
    });
  });
});

describe('keys and ids', () => {
  it('keys are prefixed, 32 random bytes, unique, and hashed', () => {
    const a = generateSecret('live');
    const b = generateSecret('test');
    expect(a.secret).toMatch(/^orn_live_[A-Za-z0-9_-]{43}$/);
    expect(b.secret).toMatch(/^orn_test_/);
    expect(a.secret).not.toBe(generateSecret('live').secret);
    expect(a.hash).toBe(hashSecret(a.secret));
    expect(a.hash).not.toContain(a.secret.slice(9));
    expect(a.prefix).toBe(displayPrefix(a.secret));
    expect(a.prefix).toHaveLength('orn_live_'.length + 8);
  });

  it('ids are prefixed, sortable and typed', () => {
    const ids = Array.from({ length: 50 }, () => newId('agt'));
    expect([...ids].sort()).toEqual(ids);
    expect(typeOfId(ids[0]!)).toBe('Agent');
    expect(typeOfId(newId('acc'))).toBe('Account');
    expect(typeOfId('agt_nope')).toBeUndefined();
  });
});
