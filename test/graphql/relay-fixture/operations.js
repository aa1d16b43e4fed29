// Operations a Relay app would write against OrionOS, compiled by relay-compiler in
// test/graphql/real-clients.test.ts (never run: only compiled).
import { graphql } from 'relay-runtime';

export const agentsPage = graphql`
  query operationsAgentsPageQuery($first: Int, $after: String, $last: Int, $before: String) {
    agents(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      edges {
        cursor
        node {
          id
          ...operations_agent
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`;

export const agent = graphql`
  fragment operations_agent on Agent {
    id
    name
    status
    model {
      provider
      name
    }
  }
`;

export const refetchNode = graphql`
  query operationsNodeQuery($id: ID!) {
    node(id: $id) {
      __typename
      ...operations_agent @alias
    }
  }
`;

export const send = graphql`
  mutation operationsSendMutation($agentId: ID!, $input: SendMessageInput!) {
    sendMessage(agentId: $agentId, input: $input) {
      messageId
      conversationId
      response
    }
  }
`;

export const stream = graphql`
  subscription operationsStreamSubscription($agentId: ID!, $input: SendMessageInput!) {
    sendMessageStream(agentId: $agentId, input: $input) {
      __typename
      ... on MessageDelta {
        delta
      }
      ... on MessageCompleted {
        message {
          messageId
          response
        }
      }
    }
  }
`;
