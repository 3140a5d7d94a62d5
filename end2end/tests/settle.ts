import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { dbDir } from '../playwright.config';

/**
 * Runs a `settle` command against the browser suite's demo store (its
 * SQLite database, beside the running server): what an operator would run.
 */
export function runSettle(args: string[]): string {
  const bin = process.env.SETTLE_BIN ?? path.resolve(__dirname, '../../target/release/settle');
  return execFileSync(bin, args, {
    env: { ...process.env, DATABASE_URL: `sqlite://${dbDir}/settle.db?mode=rwc`, RUST_LOG: 'warn' },
    encoding: 'utf8',
  });
}
