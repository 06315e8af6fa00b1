export { envSchema, envVariables, type Env } from './env.schema.ts';
export { envVariableDocs, renderEnvExample, renderEnvTable, type EnvVariableDoc } from './env-docs.ts';
export { loadConfig, ConfigError } from './load-config.ts';
export { loadProgram } from './load-program.ts';
export { ANY_ORIGIN, corsOriginsSchema, type CorsOrigins } from './cors-origins.ts';
