import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { catchError, type Observable } from 'rxjs';
import { JwtSecurityError } from '../errors/jwt-security.errors.js';
import { JwtAuthenticator } from '../services/jwt-authenticator.service.js';
import { requestOf, responseOf } from './auth-context.js';

/**
 * Sets the headers of a `JwtSecurityError` thrown by the auth controller on the response, then
 * rethrows it, so that the app's own exception filters still decide how the body looks.
 */
@Injectable()
export class ErrorHeadersInterceptor implements NestInterceptor {
  constructor(private readonly authenticator: JwtAuthenticator) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (error instanceof JwtSecurityError) {
          this.authenticator.reject(responseOf(context), error, requestOf(context));
        }
        throw error;
      }),
    );
  }
}
