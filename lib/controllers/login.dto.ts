import {
  IsObject,
  IsString,
  MaxLength,
  MinLength,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { InvalidRequestError } from '../errors/jwt-security.errors.js';
import { openApi } from '../internal/openapi.js';
import type { LoginInput } from '../services/jwt-auth.service.js';

/** Body of `POST /login` and `POST /token`, as JSON or form-encoded. @publicApi */
export class LoginDto implements LoginInput {
  @openApi.ApiProperty({ minLength: 1, maxLength: 256, example: 'user1' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  login!: string;

  @openApi.ApiProperty({ format: 'password', minLength: 1, maxLength: 1024, example: 'passwd' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;

  @openApi.ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Requested custom claims, allowed by `allowedClaims`; a JSON string in a form body.',
    example: { lang: 'en' },
  })
  // Not @IsOptional(): it lets `null` through too, and null is no object of claims.
  @ValidateIf((_dto: unknown, value: unknown) => value !== undefined)
  @IsObject()
  claims?: Record<string, unknown>;
}

/**
 * Validates a login body without echoing any value: the error names the fields only. Form
 * bodies may carry `claims` as a JSON string.
 */
export function parseLoginBody(body: unknown): LoginDto {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('A JSON or form body with login and password is required.');
  }
  const source = body as Record<string, unknown>;
  const dto = new LoginDto();
  dto.login = source.login as string;
  dto.password = source.password as string;
  let claims = source.claims;
  if (typeof claims === 'string') {
    try {
      claims = JSON.parse(claims);
    } catch {
      throw new InvalidRequestError('claims: must be a JSON object.');
    }
  }
  if (claims !== undefined) dto.claims = claims as Record<string, unknown>;
  const errors = validateSync(dto);
  if (errors.length > 0) {
    const fields = [...new Set(errors.map((e) => e.property))].sort().join(', ');
    throw new InvalidRequestError(`Invalid or missing fields: ${fields}.`);
  }
  return dto;
}
