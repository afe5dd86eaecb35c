import { Injectable } from '@nestjs/common';
import type { AuthenticatedPrincipal, CredentialsValidator } from 'nest-jwt-security';
import { UsersService } from './users.service.js';

/** Tells the JWT module who may log in, and which scopes go into their tokens. */
@Injectable()
export class UsersCredentials implements CredentialsValidator {
  constructor(private readonly users: UsersService) {}

  async validate(login: string, password: string): Promise<AuthenticatedPrincipal | null> {
    const user = await this.users.checkPassword(login, password);
    if (!user) return null;
    return { sub: user.principal, claims: user.scopes.length ? { scope: user.scopes } : {} };
  }
}
