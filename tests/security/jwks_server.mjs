// A JWKS endpoint for the security tests: serves the file named on the command line at
// /jwks.json (read on every request, so a test rotates keys by rewriting it) and an
// OpenID discovery document at /.well-known/openid-configuration, on 127.0.0.1 and an
// ephemeral port, which it prints as "listening PORT"; then "served" each time it has sent the
// keys, so that a test knows which fetches read the file before it rewrites it.
// Usage: node jwks_server.mjs FILE
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const server = createServer((req, res) => {
  const base = `http://127.0.0.1:${server.address().port}`;
  if (req.url === '/jwks.json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(readFileSync(file));
    console.log('served');
  } else if (req.url === '/.well-known/openid-configuration') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ issuer: 'https://issuer.test', jwks_uri: `${base}/jwks.json` }));
  } else {
    res.writeHead(404);
    res.end();
  }
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
