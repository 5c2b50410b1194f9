// Helpers for the browser tests: start a fresh `bangbang serve --demo`, launch headless
// Chromium, sign in, fill the resident form, take screenshots.

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const SHOTS = join(HERE, 'screenshots');
export const PASSWORD = 'bangbang8850';
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 900 };

/** Starts the server on a free port with the demo data in a fresh folder. */
export async function startServer() {
  const bin = process.env.BANGBANG_BIN
    ? resolve(process.env.BANGBANG_BIN)
    : resolve(HERE, '../target/debug/bangbang');
  if (!existsSync(bin)) {
    throw new Error(`no bangbang binary at ${bin}: run \`cargo build -p bangbang\` or set BANGBANG_BIN`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'bangbang-e2e-'));
  const child = spawn(
    bin,
    ['--data-dir', dataDir, 'serve', '--demo', '--listen', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' } },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; if (stderr.length > 200_000) stderr = stderr.slice(-100_000); });
  const base = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the server did not say where it listens in 30 s\n${stdout}\n${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/bangbang is listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); ok(m[1].replace(/\/$/, '')); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`the server exited (${code})\n${stdout}\n${stderr}`)); });
  });
  child.stdout.resume();
  return {
    base,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
}

/** A fresh browser context (its own cookies): a phone or a desktop. */
export async function newContext(browser, base, kind = 'desktop') {
  const phone = kind === 'phone';
  const context = await browser.newContext({
    baseURL: base,
    viewport: phone ? PHONE : DESKTOP,
    isMobile: phone,
    hasTouch: phone,
    deviceScaleFactor: 1,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return context;
}

/** Signs in on /login and waits for the role's start page. */
export async function signIn(page, username, landing) {
  await page.goto('/login');
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login'),
    page.click('form[action="/login"] button[type=submit]'),
  ]);
  if (landing) await page.waitForURL((u) => u.pathname === landing);
}

/** Fills the resident's ask form (the page must be open). */
export async function fillAsk(page, v) {
  if (v.category) await page.check(`input[name=category][value=${v.category}]`);
  if (v.name !== undefined) await page.fill('#reporter_name', v.name);
  if (v.phone !== undefined) await page.fill('#reporter_phone', v.phone);
  if (v.building) await page.selectOption('#building', v.building);
  if (v.entrance) await page.selectOption('#entrance', v.entrance);
  if (v.room !== undefined) await page.fill('#room', v.room);
  if (v.description !== undefined) await page.fill('#description', v.description);
}

/** Submits the request form and returns the response of the navigation it causes. */
export async function submitRequestForm(page) {
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.click('form.request-form button[type=submit]'),
  ]);
  return response;
}

/** The short code (what a resident reads out on the phone) of a whole tracking code. */
export function shortCode(tracking) {
  return tracking.replace(/-[0-9A-F]{10}$/, '');
}

/** A resident files a request on the public page; returns its whole tracking code. */
export async function residentAsks(browser, base, v, shot) {
  const context = await newContext(browser, base, 'phone');
  try {
    const page = await context.newPage();
    await page.goto('/c/liuxiali/ask');
    await fillAsk(page, v);
    await submitRequestForm(page);
    await page.waitForURL(/\/track\/[A-Z]+-\d{8}-\d{3}-[0-9A-F]{10}\?new=1$/);
    const code = (await page.textContent('[data-testid=tracking-code]')).trim();
    if (shot) await screenshot(page, shot);
    return code;
  } finally {
    await context.close();
  }
}

/** Opens the request with this code from the board (staff); returns its id. */
export async function openFromBoard(page, code) {
  await page.goto('/desk/board');
  const link = page.locator('.card a', { hasText: shortCode(code) });
  await Promise.all([page.waitForURL(/\/requests\/\d+$/), link.click()]);
  return Number(new URL(page.url()).pathname.split('/').pop());
}

/** A full-page PNG in e2e/screenshots/. */
export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The text of a locator, with runs of white space made one. */
export async function text(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** Today's date in Shanghai as YYYYMMDD, as request codes carry it. */
export function shanghaiToday() {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date());
  return parts.replaceAll('-', '');
}

/** The HTML with long hex runs (CSRF tokens, ledger hashes) removed, so a search for
 *  phone numbers cannot match them by chance. */
export function withoutHex(html) {
  return html.replace(/[0-9a-f]{24,}/gi, '');
}

/** Full 11-digit mainland mobile numbers in a text. */
export function fullPhones(s) {
  return s.match(/(?<![\d*])1[3-9]\d{9}(?!\d)/g) ?? [];
}
