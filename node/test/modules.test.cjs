// `require` of both entry points, and one class identity shared with `import`.

const assert = require('node:assert/strict');
const { test } = require('node:test');

test('require papay exposes the client and errors', () => {
  const papay = require('papay');
  assert.equal(typeof papay.Client, 'function');
  assert.equal(typeof papay.PayError, 'function');
  assert.ok(new papay.ApiError('API_ERROR', 'x') instanceof papay.PayError);
  assert.equal(typeof papay.qrCodeSvg, 'function');
});

test('require papay/sandbox starts a sandbox', async () => {
  const { Sandbox } = require('papay/sandbox');
  const sandbox = await Sandbox.start();
  try {
    assert.match(sandbox.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  } finally {
    await sandbox.shutdown();
  }
});

test('import and require share classes', async () => {
  const esm = await import('papay');
  const cjs = require('papay');
  assert.equal(esm.Client, cjs.Client);
  assert.equal(esm.PayError, cjs.PayError);
});
