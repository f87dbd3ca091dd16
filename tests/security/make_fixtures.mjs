// Produces JWT test fixtures with an independent implementation (the npm package `jose`):
// keys for every algorithm brrtrouter verifies, their JWKS, good tokens, and the attack and
// failure cases. Usage: node make_fixtures.mjs OUT_FILE
// Writes one JSON document: {now, issuer, audience, jwks, jwks_rotated, secrets, pems, tokens}.
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, generateSecret } from 'jose';

const out = process.argv[2];
if (!out) {
  console.error('usage: make_fixtures.mjs OUT_FILE');
  process.exit(2);
}
const issuer = 'https://issuer.test';
const audience = 'brrt-api';
const now = Math.floor(Date.now() / 1000);
const b64url = (s) => Buffer.from(s).toString('base64url');

const asymmetric = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];
const symmetric = ['HS256', 'HS384', 'HS512'];
const keys = {};
const jwks = { keys: [] };
const pems = {};
const secrets = {};
for (const alg of asymmetric) {
  const opts = { extractable: true };
  if (alg === 'EdDSA') opts.crv = 'Ed25519';
  if (alg.startsWith('RS') || alg.startsWith('PS')) opts.modulusLength = 2048;
  const { publicKey, privateKey } = await generateKeyPair(alg, opts);
  keys[alg] = privateKey;
  const jwk = await exportJWK(publicKey);
  jwk.kid = `kid-${alg}`;
  jwk.alg = alg;
  jwk.use = 'sig';
  jwks.keys.push(jwk);
  pems[alg] = await exportSPKI(publicKey);
}
for (const alg of symmetric) {
  const secret = await generateSecret(alg, { extractable: true });
  keys[alg] = secret;
  const jwk = await exportJWK(secret);
  secrets[alg] = jwk.k;  // base64url
  jwks.keys.push({ ...jwk, kid: `kid-${alg}`, alg, use: 'sig' });
}

async function sign(alg, { iss = issuer, aud = audience, ...claims } = {}, header = {}) {
  const jwt = new SignJWT({ scope: 'read:pets write:pets', ...claims })
    .setProtectedHeader({ alg, kid: `kid-${alg}`, ...header })
    .setSubject('user-1')
    .setIssuer(iss)
    .setAudience(aud)
    .setIssuedAt(now - 10)
    .setExpirationTime(now + 3600);
  return jwt.sign(keys[alg]);
}

const tokens = {};
for (const alg of [...asymmetric, ...symmetric]) tokens[`good_${alg}`] = await sign(alg);
tokens.expired = await new SignJWT({})
  .setProtectedHeader({ alg: 'RS256', kid: 'kid-RS256' })
  .setIssuer(issuer).setAudience(audience).setIssuedAt(now - 7200).setExpirationTime(now - 3600)
  .sign(keys.RS256);
tokens.not_yet_valid = await new SignJWT({})
  .setProtectedHeader({ alg: 'ES256', kid: 'kid-ES256' })
  .setIssuer(issuer).setAudience(audience).setNotBefore(now + 3600).setExpirationTime(now + 7200)
  .sign(keys.ES256);
tokens.wrong_issuer = await sign('RS256', { iss: 'https://evil.test' });
tokens.wrong_audience = await sign('RS256', { aud: 'someone-else' });
tokens.no_scope = await sign('ES256', { scope: 'profile' });
tokens.scp_array = await sign('ES256', { scope: undefined, scp: ['read:pets'] });
tokens.unknown_kid = await sign('RS256', {}, { kid: 'kid-nobody' });
// Payload swapped after signing: the signature no longer matches.
{
  const [h, , s] = tokens.good_RS256.split('.');
  tokens.bad_signature = `${h}.${b64url(JSON.stringify({ sub: 'admin', iss: issuer, aud: audience, exp: now + 3600, scope: 'read:pets' }))}.${s}`;
}
// alg none, unsigned.
tokens.alg_none = `${b64url(JSON.stringify({ alg: 'none', kid: 'kid-RS256' }))}.${b64url(JSON.stringify({ sub: 'admin', iss: issuer, aud: audience, exp: now + 3600 }))}.`;
// The classic confusion: HS256 "signed" with the RSA public key's PEM as the HMAC secret.
{
  const input = `${b64url(JSON.stringify({ alg: 'HS256', kid: 'kid-RS256', typ: 'JWT' }))}.${b64url(JSON.stringify({ sub: 'admin', iss: issuer, aud: audience, exp: now + 3600, scope: 'read:pets' }))}`;
  const sig = createHmac('sha256', pems.RS256).update(input).digest('base64url');
  tokens.hs256_with_rsa_public_key = `${input}.${sig}`;
}
tokens.malformed = 'not.a-token';

// Key rotation: a new RS256 key under a new kid.
const rotated = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
const rotatedJwk = await exportJWK(rotated.publicKey);
Object.assign(rotatedJwk, { kid: 'kid-rotated', alg: 'RS256', use: 'sig' });
tokens.rotated = await new SignJWT({ scope: 'read:pets' })
  .setProtectedHeader({ alg: 'RS256', kid: 'kid-rotated' })
  .setSubject('user-2').setIssuer(issuer).setAudience(audience).setIssuedAt(now - 10)
  .setExpirationTime(now + 3600)
  .sign(rotated.privateKey);
const jwks_rotated = { keys: [...jwks.keys, rotatedJwk] };

writeFileSync(out, JSON.stringify({ now, issuer, audience, jwks, jwks_rotated, secrets, pems, tokens }, null, 1));
