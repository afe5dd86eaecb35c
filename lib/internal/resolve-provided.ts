import type { Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { Provided } from '../interfaces/jwt-security-options.interface.js';

/**
 * Turns an option that is a class or an instance into an instance: the app's own provider when
 * the class is registered anywhere in the app (so it gets its dependencies), otherwise a new
 * instance made by Nest's injector.
 */
export async function resolveProvided<T>(
  moduleRef: ModuleRef,
  value: Provided<T> | undefined,
): Promise<T | undefined> {
  if (value === undefined || typeof value !== 'function') return value;
  const type = value as Type<T>;
  try {
    return moduleRef.get(type, { strict: false });
  } catch {
    return moduleRef.create(type);
  }
}
