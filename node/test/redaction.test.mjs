// Keys never show in util.inspect, JSON.stringify, String() or error messages.

import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, test } from 'node:test';

import { Client } from 'papay';

import { startSandbox } from './helpers.mjs';

let sandbox;
let credentials;

before(async () => {
  sandbox = await startSandbox();
  credentials = sandbox.credentials();
});

after(async () => {
  await sandbox.shutdown();
});

/** A line of the private key body, long enough to be unique. */
function keyLine() {
  return credentials.merchantPrivateKeyPem.split('\n')[1];
}

function assertNoSecret(text) {
  assert.ok(!text.includes(credentials.apiv3Key), 'APIv3 key shown');
  assert.ok(!text.includes(keyLine()), 'private key shown');
  assert.ok(!text.includes('PRIVATE KEY'), 'private key PEM shown');
}

test('client inspect and JSON hide keys', () => {
  const client = new Client(sandbox.clientOptions());
  for (const text of [inspect(client), inspect(client, { showHidden: true, depth: 10 }), JSON.stringify(client), String(client)]) {
    assertNoSecret(text);
  }
  assert.match(inspect(client), /<redacted>/);
  assert.match(inspect(client), new RegExp(credentials.mchid));
});

test('client config hides keys', () => {
  const client = new Client(sandbox.clientOptions());
  assertNoSecret(inspect(client.config));
  assertNoSecret(JSON.stringify(client.config));
  assert.equal(client.config.apiv3Key, '<redacted>');
  assert.equal(client.config.privateKey, '<redacted>');
});

test('client built from Buffers hides keys', () => {
  const client = new Client(sandbox.clientOptions({ privateKey: Buffer.from(credentials.merchantPrivateKeyPem), apiv3Key: Buffer.from(credentials.apiv3Key) }));
  assertNoSecret(inspect(client, { showHidden: true }));
  assertNoSecret(JSON.stringify(client));
});

test('config errors do not echo keys', () => {
  const badKey = `${credentials.apiv3Key}X`;
  const error = (() => {
    try {
      new Client(sandbox.clientOptions({ apiv3Key: badKey }));
    } catch (e) {
      return e;
    }
    return null;
  })();
  assert.ok(error);
  for (const text of [error.message, inspect(error), JSON.stringify(error)]) {
    assert.ok(!text.includes(badKey), 'bad key echoed');
    assertNoSecret(text);
  }
});

test('sandbox inspect hides test keys', () => {
  assertNoSecret(inspect(sandbox));
  assertNoSecret(JSON.stringify(sandbox));
});
