import { Catch, HttpException, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { InvalidRequestError } from '../errors/jwt-security.errors.js';

/**
 * Renders the framework's body-parser failures (broken JSON on Express or Fastify) as the
 * module's `invalid_request` error instead of the framework's own body; everything else goes to
 * Nest's default handling. Body parsing runs before any route, so only an app-wide filter can
 * reshape it: register this one if you want every 400 of the auth routes in one format.
 *
 * @example
 * ```ts
 * const app = await NestFactory.create(AppModule);
 * app.useGlobalFilters(new BodyParseErrorFilter(app.getHttpAdapter()));
 * ```
 * @publicApi
 */
@Catch()
export class BodyParseErrorFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() === 'http' && isBodyParseError(exception)) {
      const error = new InvalidRequestError('The request body is not valid JSON.', {
        cause: exception,
      });
      const adapter = this.httpAdapterHost?.httpAdapter ?? this.applicationRef;
      adapter!.reply(host.switchToHttp().getResponse(), error.getResponse(), error.statusCode);
      return;
    }
    super.catch(exception, host);
  }
}

/** A 400 whose cause is body-parser's SyntaxError (Express) or a content parser error (Fastify). */
export function isBodyParseError(exception: unknown): boolean {
  if (!(exception instanceof HttpException) || exception.getStatus() !== 400) return false;
  const cause = exception.cause as { code?: unknown; type?: unknown } | undefined;
  return (
    cause instanceof SyntaxError ||
    cause?.type === 'entity.parse.failed' ||
    (typeof cause?.code === 'string' && cause.code.startsWith('FST_ERR_CTP_'))
  );
}
