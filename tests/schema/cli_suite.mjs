// Runs the required tests of the official JSON-Schema-Test-Suite (draft2020-12 and draft7)
// through the built CLI, from outside: each case's schema and instance are written to temp
// files and checked with `brrtrouter validate`; the suite's remotes are served from disk with
// --map. The known-failure list is the one the in-process runner uses
// (tests/schema/suite/expected.json), so both report the same pass counts.
// Usage: node cli_suite.mjs BRRTROUTER SHARED_DIR SOURCE_DIR
// Exit 0 when every case agrees, 1 otherwise, 77 (skipped) when SHARED_DIR is absent.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [binary, sharedDir, sourceDir] = process.argv.slice(2);
if (!binary || !sharedDir || !sourceDir) {
  console.error('usage: cli_suite.mjs BRRTROUTER SHARED_DIR SOURCE_DIR');
  process.exit(2);
}
const suite = join(sharedDir, 'conformance', 'JSON-Schema-Test-Suite');
if (!existsSync(join(suite, 'tests'))) {
  console.error(`SKIP: JSON-Schema-Test-Suite not found at ${suite} (../shared is absent)`);
  process.exit(77);
}
const expected = JSON.parse(readFileSync(join(sourceDir, 'tests/schema/suite/expected.json'), 'utf8'));
const listed = new Set(expected.skips.map((s) => `${s.path}|${s.group}|${s.test}`));

const work = mkdtempSync(join(tmpdir(), 'brrt-cli-suite-'));
const run = (args) =>
  new Promise((resolve) => {
    execFile(binary, args, { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
const unexpectedPasses = [];

async function runCase(c) {
  const { rel, group, test, dialect, schemaFile, index } = c;
  const instanceFile = join(work, `instance-${index}.json`);
  writeFileSync(instanceFile, JSON.stringify(test.data));
  const r = await run([
    'validate', '--schema', schemaFile, '--instance', instanceFile, '--dialect', dialect,
    '--map', `http://localhost:1234/=${join(suite, 'remotes')}`,
  ]);
  let ok = (r.code === 0 && test.valid) || (r.code === 1 && !test.valid);
  let detail = `exit ${r.code}${r.stderr ? ': ' + r.stderr.trim() : ''}`;
  if (ok && r.code === 1) {
    // Every error is one JSON line with the four documented members.
    const lines = r.stdout.trim().split('\n');
    for (const line of lines) {
      try {
        const e = JSON.parse(line);
        for (const k of ['instanceLocation', 'keywordLocation', 'keyword', 'message'])
          if (typeof e[k] !== 'string') throw new Error(`missing ${k}`);
      } catch (err) {
        ok = false;
        detail = `bad error line ${JSON.stringify(line)}: ${err.message}`;
      }
    }
  }
  const key = `${rel}|${group}|${test.description}`;
  if (listed.has(key)) {
    skipped++;
    if (ok) unexpectedPasses.push(key);
    return { rel, ok: null };
  }
  if (ok) passed++;
  else {
    failed++;
    failures.push(`${key}: expected ${test.valid ? 'valid' : 'invalid'}, ${detail}`);
  }
  return { rel, ok };
}

const cases = [];
let index = 0;
for (const [draft, dialect] of [['draft2020-12', '2020-12'], ['draft7', 'draft7']]) {
  const dir = join(suite, 'tests', draft);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const rel = `${draft}/${file}`;
    const groups = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    for (const g of groups) {
      const schemaFile = join(work, `schema-${index++}.json`);
      writeFileSync(schemaFile, JSON.stringify(g.schema));
      for (const t of g.tests)
        cases.push({ rel, group: g.description, test: t, dialect, schemaFile, index: index++ });
    }
  }
}

// Bad input exits 2 with the file, position, JSON pointer and a hint, as `check` reports a
// spec's errors; validation errors are one JSON line each.
async function checkBadInput() {
  const problems = [];
  const file = (name, text) => {
    const path = join(work, name);
    writeFileSync(path, text);
    return path;
  };
  const schema = file('usage-schema.json', '{"properties": {"age": {"minimum": 0}}}');
  const expect = async (args, code, pattern, what) => {
    const r = await run(['validate', ...args]);
    const out = r.stdout + r.stderr;
    if (r.code !== code || !pattern.test(out))
      problems.push(`${what}: exit ${r.code}, output ${JSON.stringify(out)}`);
  };
  await expect(['--schema', schema, '--instance', file('bad.json', '{"age": 1,\n')], 2,
               /bad\.json:2:1: error: invalid JSON: incomplete JSON\n  hint: /, 'truncated instance');
  await expect(['--schema', schema, '--instance', file('two.json', '{"age": 1}\n{"age": 2}\n')], 2,
               /two\.json:2:1: error: invalid JSON: more text after the document's value\n  hint: /,
               'two values');
  await expect(['--schema', file('bad-schema.json', '{\n  "properties": {"a": {"$ref": "#/nope"}}\n}'),
                '--instance', schema], 2,
               /bad-schema\.json:2:32: error: invalid schema: unresolvable \$ref '#\/nope'.* \(at \/properties\/a\/\$ref\)\n  hint: /,
               'unresolvable $ref');
  await expect(['--schema', file('bad-type.yaml', 'type: object\nproperties:\n  a: {type: strnig}\n'),
                '--instance', schema], 2,
               /bad-type\.yaml:3:13: error: invalid schema: unknown type 'strnig' \(at \/properties\/a\/type\)\n  hint: the types are /,
               'unknown type, YAML');
  await expect(['--schema', join(work, 'missing.json'), '--instance', schema], 2,
               /missing\.json: error: cannot read the file/, 'missing file');
  await expect(['--schema', schema, '--instance', file('neg.json', '{"age": -3}')], 1,
               /^{"instanceLocation":"\/age","keywordLocation":"\/properties\/age\/minimum","keyword":"minimum","message":"-3 is less than the minimum 0"}\n$/,
               'error line');
  await expect(['--schema', schema, '--instance', schema, '--dialect', 'draft3'], 2,
               /unknown dialect/, 'unknown dialect');
  // Files are read by the spec loader: a byte order mark is dropped, a YAML file's duplicate
  // key is refused where it is, a flow-style YAML file is YAML, and a .json file must be JSON.
  const age = file('age.json', '{"age": 2}');
  await expect(['--schema', file('bom.json', '\uFEFF{"properties": {"age": {"maximum": 1}}}'),
                '--instance', age], 1, /"keyword":"maximum"/, 'schema with a byte order mark');
  await expect(['--schema', file('dup.yaml', 'type: object\ntype: array\n'), '--instance', age], 2,
               /dup\.yaml:2:1: error: duplicate mapping key 'type'\n  hint: /, 'duplicate YAML key');
  await expect(['--schema', file('flow.yaml', '{properties: {age: {type: string}}}'),
                '--instance', age], 1, /"keyword":"type"/, 'flow-style YAML schema');
  await expect(['--schema', schema, '--instance', file('word.json', 'hello\n')], 2,
               /word\.json:1:1: error: invalid JSON: /, '.json instance that is not JSON');
  return problems;
}
const badInputProblems = await checkBadInput();
for (const p of badInputProblems) {
  failed++;
  failures.push(`bad input: ${p}`);
}

// Two workers: the machine has two cores.
const perFile = new Map();
let next = 0;
async function worker() {
  while (next < cases.length) {
    const c = cases[next++];
    const r = await runCase(c);
    const counts = perFile.get(r.rel) || { passed: 0, total: 0 };
    if (r.ok !== null) {
      counts.total++;
      if (r.ok) counts.passed++;
    }
    perFile.set(r.rel, counts);
  }
}
const started = Date.now();
await Promise.all([worker(), worker()]);
rmSync(work, { recursive: true, force: true });

for (const [rel, c] of [...perFile].sort()) console.log(`  ${rel.padEnd(50)} ${c.passed}/${c.total} passed`);
for (const f of failures) console.log(`FAIL ${f}`);
for (const u of unexpectedPasses) console.log(`FAIL listed in expected.json but passes: ${u}`);
console.log(`${cases.length} cases through the CLI in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed + unexpectedPasses.length} failed, ${skipped} skipped`);
process.exit(failed + unexpectedPasses.length === 0 ? 0 : 1);
