import { Module } from '@nestjs/common';
import { UsersCredentials } from './users.credentials.js';
import { UsersService } from './users.service.js';

@Module({
  providers: [UsersService, UsersCredentials],
  exports: [UsersService, UsersCredentials],
})
export class UsersModule {}
