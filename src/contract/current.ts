import { printedSchema } from '../graphql/print-schema.js';
import { openApiDocument } from '../openapi/document.js';
import type { Contract } from './released.js';

/** The contract this code serves: the printed SDL and the OpenAPI document of /v1. */
export function currentContract(): Contract {
  return { sdl: printedSchema(), openapi: structuredClone(openApiDocument().document) };
}
