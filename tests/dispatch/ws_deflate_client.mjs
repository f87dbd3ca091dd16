// permessage-deflate (RFC 7692) with a real client: the npm `ws` package (pinned in
// package-lock.json), which offers the extension by default, against the echo endpoint of
// tests/dispatch/web_socket_test.cpp served with WebSocketOptions::deflate and a 4096-byte
// message limit. Prints one line per step; exits 1 on anything unexpected or after 10 s.
// Usage: node ws_deflate_client.mjs ws://127.0.0.1:PORT
import { randomBytes } from 'node:crypto';

import { closed, deadline, nextMessage, open as openUrl } from './ws_common.mjs';

const base = process.argv[2];
const timer = deadline('ws_deflate_client');
const open = (path, options) => openUrl(base + path, options);

// The client compresses every message (threshold 0); the server compresses its echoes.
let ws = await open('/echo', { perMessageDeflate: { threshold: 0 } });
console.log(`extensions: ${ws.extensions}`);
const text = 'héllo, deflate '.repeat(200);
ws.send(text);
let m = await nextMessage(ws);
console.log(`echo text: ${m.data.toString() === text ? 'same' : 'different'}`);
const bytes = randomBytes(3000);
ws.send(bytes);
m = await nextMessage(ws);
console.log(`echo binary: ${m.isBinary && bytes.equals(m.data) ? 'same' : 'different'}`);
ws.send('short');
m = await nextMessage(ws);
console.log(`echo short: ${m.data.toString()}`);
// 5000 bytes deflate to a few dozen: the limit counts the message as it inflates.
ws.send('x'.repeat(5000));
console.log(`too big once inflated: ${(await closed(ws)).code}`);

// A client that does not offer the extension talks plain frames to the same server.
ws = await open('/echo', { perMessageDeflate: false });
console.log(`extensions without the offer: '${ws.extensions}'`);
ws.send('plain');
m = await nextMessage(ws);
console.log(`echo plain: ${m.data.toString()}`);
ws.close(1000);
await closed(ws);

clearTimeout(timer);
process.exit(0);
