// What the WebSocket test clients (ws_client.mjs, ws_deflate_client.mjs) share: the npm `ws`
// package (pinned in package-lock.json), opening a socket, awaiting its next message or its
// close, and the overall time limit.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WebSocket = createRequire(join(repo, 'package.json'))('ws');

// Exits 1 after `ms` (a test never hangs on a client that waits for ever); clear it at the end.
export function deadline(name, ms = 10_000) {
  return setTimeout(() => {
    console.error(`${name}: timed out`);
    process.exit(1);
  }, ms);
}

// Opens `url`; resolves once the socket is open (rejects with the status of a refused handshake).
export function open(url, options = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

export const nextMessage = (ws) =>
  new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data, isBinary })));

// Resolves with the close code and reason.
export const closed = (ws) =>
  new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
