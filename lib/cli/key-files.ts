import { access, open } from 'node:fs/promises';
import { CliError } from './cli-support.js';

/**
 * Refuses (unless `force`) when any of `paths` exists, before anything is written, so a refusal
 * never leaves half a key pair behind.
 */
export async function refuseExisting(paths: string[], force: boolean): Promise<void> {
  if (force) return;
  for (const path of paths) {
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) throw new CliError(`${path} already exists: use --force to overwrite it`);
  }
}

/** Writes `text` with `mode`, set before any byte is written (also when overwriting). */
export async function writeKeyFile(
  path: string,
  text: string,
  mode: number,
  force: boolean,
): Promise<void> {
  let file;
  try {
    file = await open(path, force ? 'w' : 'wx', mode);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unwritable';
    throw new CliError(
      code === 'EEXIST'
        ? `${path} already exists: use --force to overwrite it`
        : `cannot write ${path} (${code})`,
    );
  }
  try {
    await file.chmod(mode);
    await file.writeFile(text);
  } finally {
    await file.close();
  }
}
