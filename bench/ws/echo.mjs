// WebSocket echo throughput with the npm `ws` client (pinned in package-lock.json): SOCKETS
// sockets to URL, each sending MESSAGES text messages of SIZE bytes one at a time (the next
// after the echo of the last), all sockets at once. Prints round trips per second.
// Loopback only: the URL must name 127.0.0.1, [::1] or localhost.
// Usage: node bench/ws/echo.mjs ws://127.0.0.1:8080/ws/echo [SOCKETS=1] [MESSAGES=20000] [SIZE=32]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WebSocket = createRequire(join(repo, 'package.json'))('ws');
const [url, sockets = '1', messages = '20000', size = '32'] = process.argv.slice(2);
if (!url || !/^wss?:\/\/(127\.0\.0\.1|\[::1\]|localhost)[:/]/.test(url)) {
  console.error('usage: node bench/ws/echo.mjs ws[s]://127.0.0.1:PORT/PATH [SOCKETS] [MESSAGES] [SIZE]');
  process.exit(2);
}
const n = Number(messages);
const payload = 'x'.repeat(Number(size));

function run() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let left = n;
    ws.on('error', reject);
    ws.on('open', () => ws.send(payload));
    ws.on('message', () => {
      if (--left === 0) {
        ws.close();
        resolve();
      } else {
        ws.send(payload);
      }
    });
  });
}

const timer = setTimeout(() => {
  console.error('echo.mjs: timed out after 120 s');
  process.exit(1);
}, 120_000);
const start = process.hrtime.bigint();
await Promise.all(Array.from({ length: Number(sockets) }, run));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
clearTimeout(timer);
console.log(`${Number(sockets) * n} round trips in ${seconds.toFixed(3)} s: ` +
            `${Math.round((Number(sockets) * n) / seconds)} per second`);
