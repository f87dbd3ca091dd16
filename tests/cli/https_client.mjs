// Node's https module (verifying: the test's certificate is its only CA) and the npm
// `eventsource` package against `brrtrouter serve` over TLS. Prints one line per check, exits 0
// when every request got an answer; exits 1 on a failure or after 10 s.
// Usage: node https_client.mjs BASE_URL CA_FILE API_KEY
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EventSource = createRequire(join(repo, 'package.json'))('eventsource');

const [base, caFile, apiKey] = process.argv.slice(2);
const ca = readFileSync(caFile);
setTimeout(() => {
  console.error('https_client: timed out');
  process.exit(1);
}, 10_000).unref();

// One keep-alive connection, offering h2 first as browsers do.
const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 1, ALPNProtocols: ['h2', 'http/1.1'] });
const sockets = new Set();

function request(method, path, { headers = {}, body, options = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, base), { method, headers, agent, ...options }, (res) => {
      sockets.add(res.socket);
      // Read now: a keep-alive socket goes back to the agent when the response ends.
      const tls = `${res.socket.alpnProtocol} ${res.socket.getProtocol()}`;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ res, text, tls }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

try {
  let { res, text, tls } = await request('GET', '/pets/1', { headers: { 'X-API-Key': apiKey } });
  console.log(`GET /pets/1 ${res.statusCode} ${tls} ${JSON.parse(text).name}`);
  ({ res, text } = await request('POST', '/pets', {
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: '{"name": 7}',
  }));
  console.log(`POST /pets ${res.statusCode} ${res.headers['content-type']} ${JSON.parse(text).errors[0].pointer}`);
  ({ res } = await request('GET', '/health'));
  console.log(`GET /health ${res.statusCode} on ${sockets.size} connection(s)`);

  // A client that does not trust the certificate refuses the server.
  try {
    await request('GET', '/health', { options: { agent: new https.Agent({ ca: [] }) } });
    console.log('untrusted: accepted');
  } catch (e) {
    console.log(`untrusted: ${/SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code) ? 'refused' : e.code}`);
  }

  // Server-Sent Events over TLS.
  await new Promise((resolve, reject) => {
    const source = new EventSource(new URL('/events', base).href, { https: { ca } });
    source.addEventListener('petAdopted', (e) => {
      console.log(`event ${e.type} ${e.data}`);
      source.close();
      resolve();
    });
    source.onerror = (e) => reject(new Error(`eventsource: ${e.status ?? ''} ${e.message ?? ''}`));
  });
  agent.destroy();
  process.exit(0);
} catch (e) {
  console.error(`https_client: ${e.message}`);
  process.exit(1);
}
