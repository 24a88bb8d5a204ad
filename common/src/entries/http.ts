/**
 * `@attendance/common/http`: what an HTTP service is built from: the Express
 * app with its hardening and the one error handler's wiring, health and
 * readiness, metrics, the lifecycle (listen, stop, runService), the OpenAPI
 * builder and bearer authentication. Loads express, helmet and prom-client.
 * `AppError` and the error handler themselves load nothing and are in the
 * root export, so domain code can throw without loading Express.
 */
export * from '../credentials/bearer-auth.ts';
export * from '../health.ts';
export * from '../http-app.ts';
export * from '../http-hardening.ts';
export * from '../lifecycle.ts';
export * from '../metrics.ts';
export * from '../openapi.ts';
