export { PointsClient, type PointsClientOptions, type SpendOutcome } from './points-client.ts';
export { EventValidationError, OutcomeTimeoutError } from './errors.ts';
