import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { JwtSecurityModule } from 'nest-jwt-security';
import { AppController } from './app.controller.js';
import { DemoController } from './demo/demo.controller.js';
import { HealthController } from './health.controller.js';
import { jwtOptionsFromEnv, routePrefixFromEnv } from './jwt.config.js';
import { UsersModule } from './users/users.module.js';

@Module({
  imports: [
    TerminusModule,
    UsersModule,
    JwtSecurityModule.forRootAsync({
      useFactory: () => jwtOptionsFromEnv(),
      routePrefix: routePrefixFromEnv(),
    }),
  ],
  controllers: [AppController, DemoController, HealthController],
})
export class AppModule {}
