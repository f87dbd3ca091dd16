// A real EventSource client (the npm `eventsource` package, which follows the WHATWG
// algorithm browsers use: parsing, Last-Event-ID on reconnect, `retry`) against a stream of
// brrtrouter's. Prints each event it receives as a JSON line, then exits 0 once it has COUNT
// of them; exits 1 on an error it cannot recover from or after 10 s.
// Usage: node sse_client.mjs URL COUNT
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EventSource = createRequire(join(repo, 'package.json'))('eventsource');

const [url, countText] = process.argv.slice(2);
const count = Number(countText);
const timer = setTimeout(() => {
  console.error('sse_client: timed out');
  process.exit(1);
}, 10_000);

const source = new EventSource(url);
let seen = 0;
let opened = 0;
const record = (e) => {
  console.log(JSON.stringify({ type: e.type, data: e.data, lastEventId: e.lastEventId, opened }));
  if (++seen === count) {
    source.close();
    clearTimeout(timer);
    process.exit(0);
  }
};
source.onopen = () => ++opened;
source.onmessage = record;
source.addEventListener('petAdopted', record);
source.onerror = (e) => {
  // The server ending a stream is an error event followed by a reconnect; a refused
  // connection or a wrong content type closes the source.
  if (source.readyState === EventSource.CLOSED) {
    console.error(`sse_client: closed: ${e.status ?? ''} ${e.message ?? ''}`);
    process.exit(1);
  }
};
