// The bench/schema.cpp cases with ajv 8 (node_modules/ajv): compiled schemas, same instances,
// a timed loop of validate() calls; prints ns per validation.
// Usage: node bench/ajv/bench.mjs [SHARED_DIR]   (default ../shared next to the repository)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const require = createRequire(join(repo, 'package.json'));
const Ajv2020 = require('ajv/dist/2020').default;
const Ajv = require('ajv').default;
const YAML = (() => {
  try {
    return require('yaml');
  } catch {
    return null;
  }
})();
const shared = process.argv[2] || join(repo, '..', 'shared');

// bench-api.yaml's NewPet, read without a YAML library: the schema is small and fixed, so it
// is checked against the file instead (the C++ benchmark reads the file with yaml-cpp).
const newPetSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64 },
    tag: { type: 'string' },
    age: { type: 'integer', minimum: 0 },
  },
};
const yamlText = readFileSync(join(shared, 'bench', 'bench-api.yaml'), 'utf8');
const block = yamlText.slice(yamlText.indexOf('    NewPet:'), yamlText.indexOf('    Post:'));
for (const needle of ['required: [name]', 'additionalProperties: false', 'minLength: 1', 'maxLength: 64', 'minimum: 0'])
  if (!block.includes(needle)) throw new Error(`NewPet in bench-api.yaml changed: no '${needle}'`);
void YAML;

function time(name, fn, instance, expected) {
  if (fn(instance) !== expected) throw new Error(`${name}: unexpected validity`);
  // Warm up the JIT, then take the best of 5 timed runs of at least 200 ms each.
  let iterations = 1000;
  for (let i = 0; i < 100000; i++) fn(instance);
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    let elapsed = 0n;
    let n = iterations;
    for (;;) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn(instance);
      elapsed = process.hrtime.bigint() - start;
      if (elapsed > 200_000_000n) break;
      n *= 2;
    }
    iterations = n;
    best = Math.min(best, Number(elapsed) / n);
  }
  console.log(`${name.padEnd(40)} ${best.toFixed(1).padStart(10)} ns/validation`);
}

const ajv2020 = new Ajv2020({ allErrors: false, strict: false });
const newPet = ajv2020.compile(newPetSchema);
time('NewPet valid', newPet, { name: 'rex', tag: 'dog', age: 3 }, true);
time('NewPet invalid', newPet, { name: 'rex', tag: 'dog', age: -1 }, false);
const newPetAll = new Ajv2020({ allErrors: true, strict: false }).compile(newPetSchema);
time('NewPet invalid (allErrors)', newPetAll, { name: 'rex', tag: 'dog', age: -1 }, false);
// From bytes, as a request body reaches validation (bench-schema's *FromBytes cases).
const newPetText = JSON.stringify({ name: 'rex', tag: 'dog', age: 3 });
time('NewPet valid from bytes', (t) => newPet(JSON.parse(t)), newPetText, true);

// GitHub: OpenAPI 3.0 schemas (nullable) through ajv's draft-07 engine, refs by pointer.
const api = JSON.parse(readFileSync(join(shared, 'specs', 'realworld', 'github', 'api.github.com.json'), 'utf8'));
const example = structuredClone(api.components.examples['full-repository'].value);
// The published example predates the schema's required has_discussions; added so the
// document is valid (bench/schema.cpp does the same).
example.has_discussions = false;
const invalid = structuredClone(example);
invalid.owner.id = 'not-an-integer';
for (const allErrors of [false, true]) {
  const ajv = new Ajv({ allErrors, strict: false, validateFormats: false, validateSchema: false });
  ajv.addSchema({ components: api.components }, 'api');
  const repo = ajv.getSchema('api#/components/schemas/full-repository');
  if (!allErrors) {
    time('GitHub full-repository valid', repo, example, true);
    time('GitHub full-repository invalid', repo, invalid, false);
    const text = JSON.stringify(example);
    time('GitHub full-repository valid from bytes', (t) => repo(JSON.parse(t)), text, true);
    time('GitHub full-repository parse only', (t) => JSON.parse(t) !== null, text, true);
  } else {
    time('GitHub full-repository invalid (allErrors)', repo, invalid, false);
  }
}
