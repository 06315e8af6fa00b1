export { openApiRoutes, openApiDocument } from './openapi.route.ts';
export { buildOpenApiDocument, bodyJsonSchema, inputJsonSchema, openApiPath } from './openapi.document.ts';
export { operations, UNDOCUMENTED_MOUNTS } from './operations.registry.ts';
export { mountedRoutes } from './mounted-routes.ts';
export { corsRoutes } from './cors-routes.ts';
export { renderDocsPage } from './docs.page.ts';
export type { OperationDoc, BodyDoc, OperationAuth, ResponseDoc, HttpMethod } from './operation.types.ts';
