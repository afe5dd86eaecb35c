import { Controller, Get, Module, Req, UseGuards } from '@nestjs/common';
import { AcceptGuard } from './accept.guard.js';
import { FloorGuard } from './floor.guard.js';

@Controller()
export class FloorController {
  @Get('public')
  open(): { message: string } {
    return { message: 'Anybody can read this.' };
  }

  @UseGuards(FloorGuard)
  @Get('profile')
  profile(@Req() request: { user: unknown }): unknown {
    return request.user;
  }

  @UseGuards(AcceptGuard)
  @Get('accepted')
  accepted(@Req() request: { user: unknown }): unknown {
    return request.user;
  }
}

@Module({ controllers: [FloorController], providers: [FloorGuard, AcceptGuard] })
export class AppModule {}
