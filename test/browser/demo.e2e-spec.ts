import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADAPTERS, startApp, type RunningApp } from '../utils/http-app.js';
import { login } from '../utils/jwt-e2e.js';

/** Debian's Chromium (.ci/run installs it); the browser is never downloaded by a tool. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-results');
const ACCESS_SECONDS = 3;

/**
 * The sample's browser demo (/demo) driven in headless Chromium through the whole flow: cookie
 * login, profile, silent refresh after the access token expired, sessions listed and one revoked,
 * a forged request without the CSRF header refused, logout. A screenshot lands in test-results/.
 */
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM}`);
const describeBrowser = available ? describe : describe.skip;

describeBrowser('browser demo', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);
  afterAll(() => browser?.close());

  describe.each(ADAPTERS)('on %s', (adapter) => {
    let running: RunningApp;
    let page: Page;
    beforeAll(async () => {
      process.env.JWT_ACCESS_EXPIRATION = String(ACCESS_SECONDS);
      const { AppModule } = await import('../../sample/app.module.js');
      running = await startApp(AppModule, adapter);
      delete process.env.JWT_ACCESS_EXPIRATION;
      page = await (await browser.newContext()).newPage();
    }, 60_000);
    afterAll(async () => {
      await page?.context().close();
      await running?.close();
    });

    const status = () => page.locator('#status').textContent();

    it('asks to log in, then logs in with cookies the page cannot read', async () => {
      await page.goto(`${running.url}/demo`);
      await page.locator('#status', { hasText: 'log in' }).waitFor();
      await page.fill('#login', 'user1');
      await page.fill('#password', 'passwd');
      await page.click('#login-button');
      await page.locator('#profile', { hasText: 'users:user1' }).waitFor();
      const visible = await page.evaluate<string>('document.cookie');
      expect(visible).toContain('csrf_access_token=');
      expect(visible).not.toContain('access_token=ey');
      const cookies = await page.context().cookies();
      expect(cookies.find((c) => c.name === 'access_token')).toMatchObject({
        httpOnly: true,
        secure: true,
      });
      // The refresh token only travels to the refresh route.
      expect(cookies.find((c) => c.name === 'refresh_token')).toMatchObject({
        httpOnly: true,
        path: '/api/auth/jwt/refresh',
      });
    });

    it('lists the sessions and revokes another one', async () => {
      await login(running.url, 'user1', 'passwd', { headers: { 'user-agent': 'second-device' } });
      await page.click('#sessions-button');
      await page.locator('#sessions li').nth(1).waitFor();
      expect(await page.locator('#sessions li.current').count()).toBe(1);
      await page.click('#sessions li:not(.current) button.revoke');
      await page.locator('#sessions li').nth(1).waitFor({ state: 'detached' });
      expect(await status()).toBe('Session revoked.');
    });

    it('refuses a forged state-changing request that lacks the CSRF header', async () => {
      const forged = await page.evaluate(async () => {
        const response = await fetch('/account/password', {
          method: 'POST',
          credentials: 'same-origin',
        });
        return { status: response.status, body: await response.json() };
      });
      expect(forged).toMatchObject({ status: 403, body: { code: 'csrf_mismatch' } });
      const csrf = (await page.context().cookies()).find((c) => c.name === 'csrf_access_token');
      const genuine = await page.evaluate(async (token) => {
        const response = await fetch('/account/password', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'X-CSRF-Token': token },
        });
        return response.status;
      }, decodeURIComponent(csrf!.value));
      expect(genuine).toBe(200);
    });

    it('refreshes silently once the access token expired', async () => {
      await page.waitForTimeout((ACCESS_SECONDS + 1) * 1000);
      await page.click('#profile-button');
      await page.locator('#profile[data-refreshes="1"]').waitFor();
      expect(await status()).toContain('refreshed 1');
      expect(await page.locator('#profile').textContent()).toContain('users:user1');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: resolve(ARTIFACTS, `demo-${adapter}.png`), fullPage: true });
    }, 15_000);

    it('logs out: the cookies are cleared and the profile is refused', async () => {
      await page.click('#logout-button');
      await page.locator('#status', { hasText: /^Logged out\.$/ }).waitFor();
      // All four, the refresh cookie included although /logout is outside its path.
      const names = (await page.context().cookies()).map((c) => c.name);
      for (const name of [
        'access_token',
        'refresh_token',
        'csrf_access_token',
        'csrf_refresh_token',
      ]) {
        expect(names).not.toContain(name);
      }
      await page.reload();
      await page.locator('#status', { hasText: 'log in' }).waitFor();
    });
  });
});
