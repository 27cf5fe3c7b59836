// examples/autodebit-flow.mjs runs to the end and exits 0.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const example = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'autodebit-flow.mjs');

test('autodebit-flow example completes', () => {
  const result = spawnSync(process.execPath, [example], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, `node ${example} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^flow ok$/m);
  assert.match(result.stdout, /notification PAPAY\.TERMINATE/);
});
