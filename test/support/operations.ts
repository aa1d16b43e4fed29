import { print } from 'graphql';
import {
  CreateAccountDocument,
  CreateAgentDocument,
  DeleteAgentDocument,
  GetAgentDocument,
  ListAgentsDocument,
  UpdateAgentDocument,
} from '../../src/rest/generated/operations.js';

/** The REST routes' own operations, for sending the very same selections to /graphql. */
export const OPS = {
  createAgent: print(CreateAgentDocument),
  listAgents: print(ListAgentsDocument),
  getAgent: print(GetAgentDocument),
  updateAgent: print(UpdateAgentDocument),
  deleteAgent: print(DeleteAgentDocument),
  createAccount: print(CreateAccountDocument),
};
