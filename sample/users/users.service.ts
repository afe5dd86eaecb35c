import { Injectable, type OnModuleInit } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';

export interface User {
  login: string;
  principal: string;
  scopes: string[];
  passwordHash: string;
}

/** The sample's user directory: two users in memory, passwords hashed with Argon2id. */
@Injectable()
export class UsersService implements OnModuleInit {
  private readonly users = new Map<string, User>();
  /** Verified when the login is unknown, so both failures cost the same hashing work. */
  private dummyHash = '';

  async onModuleInit(): Promise<void> {
    const seed = [
      { login: 'user1', password: 'passwd', scopes: [] },
      { login: 'admin', password: 'admin', scopes: ['admin'] },
    ];
    for (const { login, password, scopes } of seed) {
      const passwordHash = await hash(password);
      this.users.set(login, { login, principal: `users:${login}`, scopes, passwordHash });
    }
    this.dummyHash = await hash('not a password of anybody');
  }

  /** The user when the password matches, otherwise `undefined`, at the same cost either way. */
  async checkPassword(login: string, password: string): Promise<User | undefined> {
    const user = this.users.get(login);
    const matches = await verify(user?.passwordHash ?? this.dummyHash, password);
    return user && matches ? user : undefined;
  }
}
