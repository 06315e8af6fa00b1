import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { hasScope, type ApiKeyIdentity, type ApiKeyVerifier, type Scope } from '@pe/auth';
import { forbidden, unauthorized } from '../errors.ts';

declare module 'express-serve-static-core' {
  interface Request {
    apiKey?: ApiKeyIdentity;
  }
}

function presentedKey(req: Request): string | undefined {
  const header = req.get('x-api-key');
  if (header) return header.trim();
  const authorization = req.get('authorization');
  if (!authorization) return undefined;
  const [scheme, value] = authorization.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer' && value) return value.trim();
  // Basic auth (any user name, the key as password) lets a browser open Bull Board.
  if (scheme?.toLowerCase() === 'basic' && value) return Buffer.from(value, 'base64').toString().split(':').slice(1).join(':');
  return undefined;
}

/** Requires an API key carrying `scope` (admin carries every scope). */
export function requireScope(verifier: ApiKeyVerifier, scope: Scope, options: { basicRealm?: string } = {}): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = presentedKey(req);
    const identity = key ? await verifier.verify(key) : null;
    if (!identity) {
      if (options.basicRealm) res.set('WWW-Authenticate', `Basic realm="${options.basicRealm}"`);
      throw unauthorized(key ? 'the API key is not valid' : undefined);
    }
    if (!hasScope(identity, scope)) throw forbidden(scope);
    req.apiKey = identity;
    next();
  };
}
