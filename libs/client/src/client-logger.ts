/**
 * What the client logs through: any logger with pino's `(object, message)` shape (pino, a child of
 * the engine's logger, or a console adapter). Declared here so the published client depends on no
 * logging library.
 */
export interface ClientLogger {
  warn(details: object, message?: string): void;
  error(details: object, message?: string): void;
}
