import { Controller, Get, Header } from '@nestjs/common';
import { routePrefixFromEnv } from '../jwt.config.js';
import { demoPage } from './demo.page.js';

/** Serves the browser demo at GET /demo. */
@Controller('demo')
export class DemoController {
  private readonly page = demoPage(routePrefixFromEnv() || 'api/auth/jwt');

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
  )
  show(): string {
    return this.page;
  }
}
