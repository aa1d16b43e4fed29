import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './types/account.js';
import './types/agent.js';
import './types/analytics.js';
import './types/api-keys.js';
import './types/character.js';
import './types/conversation-search.js';
import './types/knowledge.js';
import './types/feedback.js';
import './types/conversation-export.js';
import './types/messaging.js';
import './types/plugins.js';
import './types/tools.js';
import './types/webhooks.js';
import './types/knowledge-search.js';
import './types/mcp-servers.js';

export const schema = lexicographicSortSchema(builder.toSchema());
