// A real WebSocket client (the npm `ws` package, pinned in package-lock.json) against
// brrtrouter's WebSocket endpoints of tests/dispatch/web_socket_test.cpp: echoes of text and
// binary messages, an operation that echoes from the spec alone, the close codes of a message
// over the limit and of a handler that closes, a handler that only sends answering a ping and
// a close, and refused handshakes. Prints one line per
// step; exits 1 on anything unexpected or after 10 s.
// Usage: node ws_client.mjs ws://127.0.0.1:PORT (or wss://localhost:PORT, the server's
// certificate trusted through NODE_EXTRA_CA_CERTS)
import { WebSocket, closed, deadline, nextMessage, open as openUrl } from './ws_common.mjs';

const base = process.argv[2];
const timer = deadline('ws_client');
const open = (path, options = {}) => openUrl(base + path, options);
async function refusedWith(path, options = {}) {
  try {
    (await open(path, options)).terminate();
    return 'upgraded';
  } catch (e) {
    return e.message.replace('status ', '');
  }
}

let ws = await open('/echo');
ws.send('héllo');
let m = await nextMessage(ws);
console.log(`echo text: ${m.isBinary ? '(binary)' : m.data.toString()}`);
ws.send(Buffer.from([0, 255, 7]));
m = await nextMessage(ws);
console.log(`echo binary: ${m.isBinary ? [...m.data].join(',') : '(text)'}`);
ws.close(1000);
await closed(ws);

ws = await open('/spec-echo');
ws.send('from the spec');
m = await nextMessage(ws);
console.log(`spec echo: ${m.data.toString()}`);
ws.close();
await closed(ws);

ws = await open('/echo');
ws.send('x'.repeat(5000));
console.log(`too big: ${(await closed(ws)).code}`);

// The handler sends and closes at once: the frames may arrive with the 101 and be emitted in the
// same tick as 'open', so the listeners go on before it.
ws = new WebSocket(base + '/bye');
const bye = nextMessage(ws);
const byeClosed = closed(ws);
m = await bye;
const c = await byeClosed;
console.log(`bye: ${m.data.toString()}, then ${c.code} ${c.reason}`);

// A handler that only sends still answers pings and sees the client's close at once.
ws = await open('/ticker');
m = await nextMessage(ws);
const pong = new Promise((resolve) => ws.once('pong', (data) => resolve(data.toString())));
ws.ping('hi');
const pongData = await pong;
ws.close(4003, 'enough');
const tickerClosed = await closed(ws);
console.log(`ticker: ${m.data.toString()}, pong ${pongData}, closed ${tickerClosed.code}`);

// Browsers send their page's Origin: another site's page is refused (cross-site WebSocket
// hijacking), a page of the server's own origin is let in.
console.log(`foreign origin: ${await refusedWith('/echo', { origin: 'https://evil.example' })}`);
console.log(`own origin: ${await refusedWith('/echo', { origin: base.replace(/^ws(s?):/, 'http$1:') })}`);

const plain = await fetch(base.replace(/^ws(s?):/, 'http$1:') + '/echo');
console.log(`no upgrade: ${plain.status}`);
console.log(`secure without key: ${await refusedWith('/secure')}`);

clearTimeout(timer);
process.exit(0);
