import { defineConfig } from '@playwright/test';
import * as os from 'node:os';
import * as path from 'node:path';

// One Settle (release build, fresh SQLite database) for the whole run, started
// by serve.sh. Every spec runs twice: with JavaScript, and without it, which
// proves the forms work before (or without) hydration.
const port = Number(process.env.E2E_PORT ?? 3917);
export const baseURL = `http://127.0.0.1:${port}`;
export const emptyStoreURL = `http://127.0.0.1:${port + 1}`;
// The demo store's database directory, so a spec can run `settle` on it (serve.sh empties it first).
export const dbDir = path.join(os.tmpdir(), `settle-e2e-${port}`);

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium; Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'js', use: { javaScriptEnabled: true } },
    { name: 'no-js', use: { javaScriptEnabled: false } },
  ],
  webServer: [
    {
      command: 'bash ./serve.sh',
      url: `${baseURL}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: { E2E_PORT: String(port), E2E_DB_DIR: dbDir },
    },
    {
      // A second Settle on an empty database, for the new owner's setup.
      command: 'bash ./serve.sh',
      url: `${emptyStoreURL}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: { E2E_PORT: String(port + 1), E2E_EMPTY_STORE: '1' },
    },
  ],
});
