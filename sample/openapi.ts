import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Where the sample serves Swagger UI; the JSON document is at `/<path>-json`. */
export const DOCS_PATH = 'docs';

const DESCRIPTION = `The sample app of nest-jwt-security.

1. Open **auth › POST /api/auth/jwt/login**, *Try it out* with \`{"login":"user1","password":"passwd"}\`
   (or \`admin\`/\`admin\`). The page then authorizes itself with the access token it received.
2. Call **sample › GET /profile**: it answers the token's claims.
3. To refresh, paste the refresh token in **Authorize** and call **POST /api/auth/jwt/refresh**.`;

/**
 * Swagger UI's response interceptor, run in the browser: after a login or refresh, use the new
 * access token for the next calls. Serialised with `toString()`, so it refers to nothing else.
 */
function authorizeWithNewToken(response: { ok?: boolean; obj?: unknown }): unknown {
  const body = response.obj as { accessToken?: unknown } | undefined;
  const ui = (globalThis as { ui?: { preauthorizeApiKey(name: string, value: string): void } }).ui;
  if (response.ok && body && typeof body.accessToken === 'string' && ui) {
    ui.preauthorizeApiKey('bearer', body.accessToken);
  }
  return response;
}

/** Serves Swagger UI at `/docs` and the OpenAPI document at `/docs-json`, bearer auth wired. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('nest-jwt-security sample')
    .setDescription(DESCRIPTION)
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  SwaggerModule.setup(DOCS_PATH, app, () => SwaggerModule.createDocument(app, config), {
    customSiteTitle: 'nest-jwt-security sample',
    swaggerOptions: { persistAuthorization: true, responseInterceptor: authorizeWithNewToken },
  });
}
