import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtSecurityHealthIndicator } from 'nest-jwt-security';

/** `GET /health`: 200 when the token store (and, in proxy mode, the authority) answers, else 503. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly jwt: JwtSecurityHealthIndicator,
  ) {}

  @ApiOperation({ summary: 'Token store and authority health' })
  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.jwt.isHealthy('jwt-security')]);
  }
}
