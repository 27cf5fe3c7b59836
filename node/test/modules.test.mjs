// `import` of both entry points: named exports, default export and a working client call.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import papay, { ApiError, Client, PayError } from 'papay';
import { Sandbox, deliveryHeaders, sessionIdFromUrl } from 'papay/sandbox';

test('import papay exposes named and default exports', () => {
  assert.equal(typeof Client, 'function');
  assert.equal(papay.Client, Client);
  assert.ok(new ApiError('API_ERROR', 'x') instanceof PayError);
  assert.equal(typeof deliveryHeaders, 'function');
  assert.equal(typeof sessionIdFromUrl, 'function');
});

test('imported client downloads certificates from an imported sandbox', async () => {
  const sandbox = await Sandbox.start();
  try {
    const client = new Client(sandbox.clientOptions());
    const certificates = await client.downloadCertificates();
    assert.equal(certificates[0].serialNo, sandbox.credentials().platformSerialNo);
  } finally {
    await sandbox.shutdown();
  }
});
