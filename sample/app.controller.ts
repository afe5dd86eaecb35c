import { Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import {
  ClaimsDto,
  CurrentClaims,
  ErrorBodyDto,
  Fresh,
  JwtAuthGuard,
  RequireScopes,
  type JwtClaims,
} from 'nest-jwt-security';

@ApiTags('sample')
@Controller()
export class AppController {
  @ApiOperation({ summary: 'Open to anybody' })
  @Get('public')
  open(): { message: string } {
    return { message: 'Anybody can read this.' };
  }

  @ApiOperation({ summary: "The access token's claims" })
  @ApiBearerAuth()
  @ApiOkResponse({ type: ClaimsDto })
  @ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid access token' })
  @UseGuards(JwtAuthGuard)
  @Get('profile')
  profile(@CurrentClaims() claims: JwtClaims): JwtClaims {
    return claims;
  }

  @ApiOperation({ summary: 'Needs the admin scope (log in as admin/admin)' })
  @ApiBearerAuth()
  @ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid access token' })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: '`insufficient_scope`' })
  @UseGuards(JwtAuthGuard)
  @RequireScopes('admin')
  @Get('admin')
  admin(@CurrentClaims('sub') sub: string): { message: string } {
    return { message: `Welcome, administrator ${sub}.` };
  }

  @ApiOperation({ summary: 'Needs a fresh access token (from a login, not a refresh)' })
  @ApiBearerAuth()
  @ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid access token' })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: '`token_not_fresh`' })
  @UseGuards(JwtAuthGuard)
  @Fresh()
  @Post('account/password')
  @HttpCode(200)
  changePassword(@CurrentClaims('sub') sub: string): { status: 'success'; message: string } {
    return { status: 'success', message: `Password of ${sub} may be changed: the token is fresh.` };
  }
}
