// `cargo xtask browser`: opens the HTML reference in the system's Chromium, driven by
// playwright-core (pinned in xtask/tools/npm), and checks the Action operation as rendered.
// Arguments: node_modules dir, HTML file, expectations (JSON, read from the spec by xtask),
// screenshot path. Prints one JSON report line; exits 1 when a check fails.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const [modules, html, expectedJson, screenshot] = process.argv.slice(2);
const { chromium } = require(path.resolve(modules, 'playwright-core'));
const expected = JSON.parse(expectedJson);

// Redoc 3 always renders its "API docs by Redocly" badge as an <img> from its CDN, with a
// fallback when it does not load. That one request is blocked and expected; any other request
// off the file, and any console error, fails the check.
const ALLOWED_OFFLINE = /^https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(-full)?\.svg$/;

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vbo365-chromium-'));
  const failures = [];
  const blocked = [];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 1000 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  try {
    await context.route((url) => url.protocol !== 'file:', (route) => {
      const url = route.request().url();
      blocked.push(url);
      if (!ALLOWED_OFFLINE.test(url)) failures.push(`a request off the file: ${url}`);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] || (await context.newPage());
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const at = message.location().url || '';
      if (ALLOWED_OFFLINE.test(at)) return;
      failures.push(`console error: ${message.text()}${at ? ` (${at})` : ''}`);
    });
    page.on('pageerror', (error) => failures.push(`page error: ${error}`));

    const url = `file://${path.resolve(html)}#/${expected.route}`;
    await page.goto(url, { waitUntil: 'load' });
    await page.getByText(expected.summary, { exact: true }).first().waitFor({ timeout: 20000 });
    const operationLinks = await page.locator(`a[href*="/${expected.route}"]`).count();
    if (operationLinks === 0) failures.push(`no link to the operation ${expected.operationId}`);

    // The body's oneOf: a dropdown of one entry per variant. Choosing variant i renders its
    // single property, whose anchor names the variant's index and key.
    const variantPicker = page
      .locator('[data-testid="dropdown"] > button[aria-haspopup="menu"]:not([aria-label="Example"])')
      .first();
    const bodies = [];
    for (let i = 0; i < expected.bodies.length; i++) {
      const key = expected.bodies[i];
      await variantPicker.click();
      const items = page.getByRole('menuitem');
      await items.first().waitFor();
      const count = await items.count();
      if (count !== expected.bodies.length) {
        failures.push(`the body offers ${count} variants, the spec has ${expected.bodies.length}`);
        break;
      }
      await items.nth(i).click();
      const anchor = page.locator(
        `a[href*="oneof=${i}/${key.toLowerCase()}"][aria-label="link to ${key}"]`,
      );
      const shown =
        (await anchor.count()) > 0 &&
        (await anchor.first().locator('xpath=../..').innerText()).includes(key);
      if (!shown) failures.push(`body variant ${i} (${key}) is not rendered`);
      bodies.push({ key, shown });
    }

    // The request examples: every one is offered, and each shows its own body.
    const examplePicker = page.locator('button[aria-label="Example"]').first();
    const examples = [];
    for (const example of expected.examples) {
      await examplePicker.click();
      const item = page.getByRole('menuitem').filter({ hasText: example.summary });
      if ((await item.count()) === 0) {
        failures.push(`the example "${example.summary}" is not offered`);
        await page.keyboard.press('Escape');
        examples.push({ name: example.name, shown: false });
        continue;
      }
      await item.first().click();
      const sample = examplePicker.locator('xpath=ancestor::*[.//pre or .//code][1]');
      const text = await sample.innerText();
      const shown = text.includes(`"${example.key}"`);
      if (!shown) failures.push(`the example "${example.summary}" does not show "${example.key}"`);
      examples.push({ name: example.name, shown });
    }

    // The screenshot: the body variants listed, for a person to look at (a CI artifact).
    await variantPicker.click();
    await page.getByRole('menuitem').first().waitFor();
    await variantPicker.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshot });
    await page.keyboard.press('Escape');

    console.log(JSON.stringify({ url, bodies, examples, blocked, failures }));
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.exitCode = failures.length === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 2;
});
