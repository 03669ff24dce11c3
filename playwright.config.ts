import { defineConfig, devices } from '@playwright/test';

// End-to-end tests drive the web build through the browser bridge in Debian's Chromium (never a
// downloaded browser). One worker: the machine has 2 cores and each test starts real registries.
export const SCREENSHOTS_DIR = 'e2e/screenshots';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 60_000,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  fullyParallel: false,
  reporter: 'list',
  use: {
    ...devices['Desktop Chrome'],
    headless: true,
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
  // Screenshots (toHaveScreenshot baselines, and the ones specs take with page.screenshot into
  // SCREENSHOTS_DIR) live in e2e/screenshots; failure screenshots go to test-results/.
  snapshotPathTemplate: `${SCREENSHOTS_DIR}/{testFilePath}/{arg}{ext}`,
});
