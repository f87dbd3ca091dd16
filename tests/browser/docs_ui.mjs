// Loads brrtrouter's Swagger UI (/docs) in headless Chromium and checks that it rendered
// the served spec's operations. Usage:
//   node tests/browser/docs_ui.mjs (BASE_URL | --server BRRTROUTER) SCREENSHOT [OPERATION_ID ...]
// With --server the script starts `BRRTROUTER serve --port 0` (the embedded pet store, with
// examples/pet_store/config.yaml as `make run` has it) on loopback, waits for its readiness
// line, runs the check and stops it with SIGTERM.
// Exits 0 when every named operationId is rendered, 1 otherwise (with the reason), 77 when
// no Chromium is installed (ctest reports the test as skipped).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
let serverBinary = null;
if (args[0] === '--server') {
  serverBinary = args[1];
  args.splice(0, 2);
}
let [baseUrl, screenshot, ...operationIds] = serverBinary ? [null, ...args] : args;
if ((!baseUrl && !serverBinary) || !screenshot) {
  console.error('usage: docs_ui.mjs (BASE_URL | --server BRRTROUTER) SCREENSHOT [OPERATION_ID ...]');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`SKIP: no Chromium at ${executablePath} (scripts/setup.sh installs Debian's chromium)`);
  process.exit(77);
}

// Starts the server and resolves with its base URL once it prints the line that names the
// bound port; rejects if it exits first or stays silent for 30 s.
function startServer(binary) {
  // The pet store's own config (what `make run` serves), so the browser also takes its gzip.
  const config = fileURLToPath(new URL('../../examples/pet_store/config.yaml', import.meta.url));
  const child = spawn(binary, ['serve', '--host', '127.0.0.1', '--port', '0', '--threads', '1',
    '--no-access-log', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server not ready in 30 s: ${err}`)), 30000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}
let server = null;
if (serverBinary) {
  server = await startServer(serverBinary);
  baseUrl = server.url;
  // Never leave the server behind, whatever path ends this script.
  process.on('exit', () => server.child.kill('SIGTERM'));
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 2400 } });
  const external = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && url.protocol !== 'data:')
      external.push(req.url());
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const encodings = {};
  page.on('response', async (r) => {
    if (r.url().endsWith('/swagger-ui-bundle.js'))
      encodings.bundle = (await r.allHeaders())['content-encoding'] || 'identity';
  });
  const res = await page.goto(`${baseUrl}/docs`, { waitUntil: 'networkidle', timeout: 30000 });
  if (!res || res.status() !== 200) throw new Error(`/docs answered ${res && res.status()}`);
  await page.waitForSelector('.opblock', { timeout: 30000 });
  const title = await page.textContent('.info .title');
  const rendered = await page.$$eval('.opblock', (els) =>
    els.map((e) => e.getAttribute('id') || '').filter(Boolean));
  const summaryPaths = await page.$$eval('.opblock-summary-path', (els) =>
    els.map((e) => e.getAttribute('data-path') || e.textContent));
  await page.screenshot({ path: screenshot, fullPage: false });
  console.log(`title: ${title && title.trim()}`);
  console.log(`operations rendered: ${rendered.length}; paths: ${[...new Set(summaryPaths)].length}`);
  for (const id of operationIds) {
    // Swagger UI ids look like "operations-pets-getPet" (tag, operationId).
    if (!rendered.some((r) => r.endsWith(`-${id}`))) {
      console.error(`operation ${id} not rendered`);
      failed = true;
    }
  }
  // Served with the pet store config, the 1.7 MB bundle must reach Chromium gzipped.
  console.log(`swagger-ui-bundle.js content-encoding: ${encodings.bundle}`);
  if (serverBinary && encodings.bundle !== 'gzip') {
    console.error('swagger-ui-bundle.js was not gzipped');
    failed = true;
  }
  if (external.length) {
    console.error(`requests left the machine (must be offline): ${external.join(', ')}`);
    failed = true;
  }
  if (errors.length) {
    console.error(`page errors: ${errors.join('; ')}`);
    failed = true;
  }
} catch (e) {
  console.error(String(e));
  failed = true;
} finally {
  await browser.close();
  if (server) server.child.kill('SIGTERM');
}
process.exit(failed ? 1 : 0);
