import { z } from 'zod';

/**
 * The services' OpenAPI 3.1 contract, built from the same zod schemas that
 * validate the requests (zod 4's `z.toJSONSchema`, JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1) and from zod schemas of the response bodies. Each
 * API lists its operations next to its routes (`entry-points/http/contract.ts`);
 * `/healthz`, `/readyz`, `/metrics` and `/openapi.json` are added here. A test
 * sends real requests and validates the real answers against the document.
 */

export type JsonSchema = Record<string, unknown>;

/** JSON Schema of a zod schema: `input` for what clients send (before defaults and transforms), `output` for answers. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** `{ error, message, details? }`: the body of every error answer (see errors.ts). */
export const errorBodySchema = z.object({
  error: z.string().describe('stable kebab-case code clients switch on'),
  message: z.string().describe('for humans'),
  details: z.unknown().optional().describe('per field: [{ field, message }]'),
});

export interface ResponseSpec {
  description: string;
  /** An `application/json` body. */
  json?: z.ZodType;
  /** Other content types (text/csv, text/event-stream, text/html), raw JSON Schema each. */
  content?: Record<string, JsonSchema>;
  /** An error answer: `{ error, message, details? }` with one of these codes. */
  errors?: readonly string[];
  headers?: Record<string, string>;
}

export interface OperationSpec {
  method: 'get' | 'post';
  /** Express style: `/schools/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** The bearer scheme the route needs; none: open. */
  security?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Parameters zod does not describe (headers, the SSE token). */
  parameters?: JsonSchema[];
  responses: Record<number, ResponseSpec>;
}

export interface ContractInfo {
  title: string;
  version: string;
  description: string;
  securitySchemes: Record<string, { description: string; bearerFormat?: string }>;
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** An error answer with its codes: the shared body, `error` narrowed to the codes. */
export const errorResponse = (description: string, codes: readonly string[]): ResponseSpec => ({ description, errors: codes });

function responseObject(spec: ResponseSpec): JsonSchema {
  const content: Record<string, { schema: JsonSchema }> = {};
  if (spec.json) content['application/json'] = { schema: jsonSchemaOf(spec.json) };
  if (spec.errors) content['application/json'] = { schema: { allOf: [ERROR_REF, { properties: { error: { enum: [...spec.errors] } } }] } };
  for (const [type, schema] of Object.entries(spec.content ?? {})) content[type] = { schema };
  return {
    description: spec.description,
    ...(spec.headers ? { headers: Object.fromEntries(Object.entries(spec.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) } : {}),
    ...(Object.keys(content).length > 0 ? { content } : {}),
  };
}

function parametersOf(where: 'path' | 'query', schema: z.ZodObject | undefined): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({ name, in: where, required: where === 'path' || (object.required ?? []).includes(name), schema: property }));
}

/** Routes every service answers (createServiceApp). */
const serviceOperations: OperationSpec[] = [
  { method: 'get', path: '/healthz', tag: 'operations', summary: 'The process is up', responses: { 200: { description: 'up', json: z.object({ status: z.literal('ok') }) } } },
  {
    method: 'get',
    path: '/readyz',
    tag: 'operations',
    summary: 'Every dependency answers',
    responses: {
      200: { description: 'ready', json: z.looseObject({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) }) },
      503: { description: 'a dependency is down, or the service is stopping', json: z.looseObject({ status: z.enum(['not-ready', 'stopping']), checks: z.record(z.string(), z.string()) }) },
    },
  },
  { method: 'get', path: '/metrics', tag: 'operations', summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format', content: { 'text/plain': { type: 'string' } } } } },
  { method: 'get', path: '/openapi.json', tag: 'operations', summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', json: z.looseObject({ openapi: z.string() }) } } },
];

/** The OpenAPI 3.1 document of a service's operations (plus the routes every service has). */
export function openApiDocument(info: ContractInfo, operations: OperationSpec[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of [...operations, ...serviceOperations]) {
    const path = operation.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters = [...parametersOf('path', operation.params), ...parametersOf('query', operation.query), ...(operation.parameters ?? [])];
    const responses = Object.fromEntries(Object.entries(operation.responses).map(([status, spec]) => [status, responseObject(spec)]));
    responses.default = { description: 'any other error (404 not-found for no route, 413 payload-too-large, 500 internal-error, ...)', content: { 'application/json': { schema: ERROR_REF } } };
    paths[path] = {
      ...paths[path],
      [operation.method]: {
        tags: [operation.tag],
        summary: operation.summary,
        ...(operation.description ? { description: operation.description } : {}),
        security: operation.security ? [{ [operation.security]: [] }] : [],
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(operation.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(operation.body, 'input') } } } } : {}),
        responses,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description },
    paths,
    components: {
      schemas: { Error: jsonSchemaOf(errorBodySchema) },
      securitySchemes: Object.fromEntries(Object.entries(info.securitySchemes).map(([name, scheme]) => [name, { type: 'http', scheme: 'bearer', ...scheme }])),
    },
  };
}
