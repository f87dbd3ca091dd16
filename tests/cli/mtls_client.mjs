// Node's https module presenting a client certificate (mutual TLS) to `brrtrouter serve`, and
// again without one. Prints one line per request; exits 0 when every request got an answer,
// 1 on a failure or after 10 s.
// Usage: node mtls_client.mjs BASE_URL CA_FILE CLIENT_CERT CLIENT_KEY
import https from 'node:https';
import { readFileSync } from 'node:fs';

const [base, caFile, certFile, keyFile] = process.argv.slice(2);
const ca = readFileSync(caFile);
setTimeout(() => {
  console.error('mtls_client: timed out');
  process.exit(1);
}, 10_000).unref();

function get(path, options) {
  return new Promise((resolve, reject) => {
    // agent: false, a connection of its own: the certificate is presented per connection.
    const req = https.get(new URL(path, base), { ca, agent: false, ...options }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ res, text }));
    });
    req.on('error', reject);
  });
}

try {
  const identity = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  let { res, text } = await get('/whoami', identity);
  const claims = JSON.parse(text).claims;
  console.log(`whoami ${res.statusCode} ${claims.sub} ${claims.san.dns.join(',')} ${claims['x5t#S256'].length}`);
  ({ res, text } = await get('/whoami', {}));
  console.log(`no certificate ${res.statusCode} ${res.headers['www-authenticate']} ${JSON.parse(text).detail}`);
  ({ res } = await get('/public', {}));
  console.log(`public ${res.statusCode}`);
} catch (e) {
  console.error(`mtls_client: ${e.message}`);
  process.exit(1);
}
