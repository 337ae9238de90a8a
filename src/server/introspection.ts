import { GraphQLError, getNamedType, isIntrospectionType, type ValidationRule } from 'graphql/index.js'; // one graphql realm under vitest too
import type { Plugin } from 'graphql-yoga';
import { BatonError } from '../errors.ts';

/** A query asked for the schema (`__schema`, `__type`) while introspection is off. `__typename` stays allowed. */
export class IntrospectionDisabledError extends BatonError {
  constructor(field: string) {
    super('INTROSPECTION_DISABLED', `introspection is turned off on this server (GRAPHIQL=off): "${field}" cannot be queried`, { field });
  }
}

/**
 * graphql-js's NoSchemaIntrospectionCustomRule, with a code: any field whose
 * type is one of the introspection types is refused.
 */
export const noIntrospectionRule: ValidationRule = (context) => ({
  Field(node) {
    const type = getNamedType(context.getType());
    if (type && isIntrospectionType(type)) {
      const e = new IntrospectionDisabledError(node.name.value);
      context.reportError(new GraphQLError(e.message, { nodes: node, extensions: { code: e.code, ...e.details } }));
    }
  },
});

/**
 * Turns introspection off at validation, so it holds over HTTP, SSE and
 * graphql-ws alike (graphql-ws validates through yoga's envelop).
 * @graphql-yoga/plugin-disable-introspection is not used: it marks the HTTP
 * request in onRequestParse, which graphql-ws operations never pass through,
 * so introspection over a WebSocket would stay open.
 */
export function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(noIntrospectionRule);
    },
  };
}
