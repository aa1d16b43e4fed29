#!/usr/bin/env node
// The `orion` command (bin/orion.js runs this through tsx). Every failure is one line on stderr,
// `orion: <what went wrong>`, and exit code 1.
import { CommanderError } from 'commander';
import { CliError } from './errors.js';
import { buildProgram } from './program.js';

/** The CLI flag behind each input field the services validate. */
const FLAG_OF_FIELD: Record<string, string> = {
  name: '--name',
  scopes: '--scopes',
  environment: '--environment',
  expiresAt: '--expires-at',
  tier: '--tier',
  rateLimitPerMinute: '--rate-limit',
  monthlyMessageQuota: '--monthly-quota',
  id: '<keyId>',
};

async function describe(error: unknown): Promise<string> {
  if (error instanceof CliError) return error.message;
  const { ApiError } = await import('../errors.js');
  if (error instanceof ApiError) {
    const fields = (error.details['fields'] ?? []) as { field: string; message: string }[];
    if (error.code === 'INVALID_REQUEST' && fields.length) {
      return fields
        .map(({ field, message }) => `${FLAG_OF_FIELD[field.replace(/[.[].*$/, '')] ?? field} ${message}`)
        .join('; ');
    }
    return error.message;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `unexpected error: ${message}${process.env['ORION_DEBUG'] && error instanceof Error ? `\n${error.stack}` : ''}`;
}

export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    // Commander has already said what was wrong with the command line (or shown help/version).
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`orion: ${await describe(error)}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}

process.exitCode = await run(process.argv);
