// The shared cross-language vectors in tests/vectors (made by openssl and Node's crypto, without
// papay code), checked through the Node package. tests/vectors/README.md describes every field.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { buildAuthorization, Client, decryptResource, PayError, verifyResponseSignature } from 'papay';

const vectorsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'vectors');
const read = (relative) => readFileSync(join(vectorsDir, relative), 'utf8');
const load = (name) => JSON.parse(read(name));

function camelCase(name) {
  return name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/**
 * Asserts that every key of the snake_case `expected` object appears in `actual` under its
 * camelCase name with an equal value, recursing into objects and arrays.
 */
function assertResource(actual, expected, path) {
  if (Array.isArray(expected)) {
    assert.equal(actual.length, expected.length, `${path} length`);
    expected.forEach((item, i) => assertResource(actual[i], item, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    for (const [key, value] of Object.entries(expected)) {
      const name = key === 'type' ? 'type' : camelCase(key);
      assert.ok(actual && name in actual, `${path}.${name} is missing`);
      assertResource(actual[name], value, `${path}.${name}`);
    }
    return;
  }
  if (typeof expected === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(expected)) {
    assert.equal(Date.parse(actual), Date.parse(expected), `${path} time`);
    return;
  }
  assert.equal(actual, expected, path);
}

describe('notifications.json', () => {
  const document = load('notifications.json');
  const certificates = document.certificate_files.map(read);
  const merchantKey = read('keys/merchant_pkcs8.pem');
  const merchantSerial = read('keys/merchant_serial.txt').trim();

  for (const vector of document.cases) {
    test(vector.name, async () => {
      const client = new Client({
        mchid: '1900000001',
        serialNo: merchantSerial,
        privateKey: merchantKey,
        apiv3Key: document.apiv3_key,
        appid: 'wx00000000000000a1',
        downloadCertificates: false,
        platformCertificates: certificates,
        timestampWindowSeconds: document.timestamp_window_seconds,
        fixedClockUnixSeconds: vector.now,
      });
      const outcome = await client.parseNotification(vector.headers, Buffer.from(vector.body, 'utf8')).catch((error) => error);

      if (vector.expected.error) {
        assert.ok(outcome instanceof PayError, `expected ${vector.expected.error}, got ${outcome && outcome.kind}`);
        assert.equal(outcome.code, vector.expected.error);
        return;
      }
      assert.ok(!(outcome instanceof Error), `unexpected ${outcome}`);
      assert.equal(outcome.eventType, vector.expected.event_type);
      assert.equal(outcome.id, vector.expected.id);
      assert.equal(outcome.summary, vector.expected.summary);
      assert.equal(Date.parse(outcome.createTime), Date.parse(vector.expected.create_time));
      const resource = outcome.contract ?? outcome.order ?? outcome.refund ?? outcome.resource;
      const expectedResource = { ...vector.expected.resource };
      // Payment notifications may name the order number `id`; the SDK exposes it as transactionId.
      if (outcome.order && 'id' in expectedResource && !('transaction_id' in expectedResource)) {
        expectedResource.transaction_id = expectedResource.id;
        delete expectedResource.id;
      }
      // Notifications spell the closed refund state CLOSED; the SDK reads both spellings as REFUNDCLOSE.
      if (expectedResource.refund_status === 'CLOSED') {
        expectedResource.refund_status = 'REFUNDCLOSE';
      }
      assertResource(resource, expectedResource, 'resource');
    });
  }
});

describe('signatures.json', () => {
  const document = load('signatures.json');
  for (const keyFile of [document.private_key_file, document.private_key_file_pkcs1]) {
    for (const vector of document.cases) {
      test(`${vector.name} with ${keyFile}`, () => {
        const authorization = buildAuthorization({
          mchid: document.mchid,
          serialNo: document.merchant_serial,
          privateKey: read(keyFile),
          method: vector.method,
          target: vector.target,
          timestamp: Number(vector.timestamp),
          nonce: vector.nonce,
          body: vector.body,
        });
        assert.equal(authorization, vector.authorization);
      });
    }
  }
});

describe('response_signatures.json', () => {
  const document = load('response_signatures.json');
  const certificates = document.certificate_files.map(read);
  for (const vector of document.cases) {
    test(vector.name, () => {
      const input = {
        headers: {
          'Wechatpay-Timestamp': vector.timestamp,
          'Wechatpay-Nonce': vector.nonce,
          'Wechatpay-Serial': vector.serial,
          'Wechatpay-Signature': vector.signature,
        },
        body: Buffer.from(vector.body, 'utf8'),
        certificates,
        nowUnixSeconds: vector.now,
      };
      if (vector.valid) {
        assert.equal(verifyResponseSignature(input).toUpperCase(), vector.serial.toUpperCase());
      } else {
        assert.throws(() => verifyResponseSignature(input), (error) => error instanceof PayError && error.code === vector.expected_error);
      }
    });
  }
});

describe('aes_gcm.json', () => {
  const document = load('aes_gcm.json');
  for (const vector of document.cases) {
    test(vector.name, () => {
      const run = () => decryptResource(vector.key, vector.nonce, vector.associated_data, vector.ciphertext);
      if (vector.expected_error) {
        assert.throws(run, (error) => error instanceof PayError && error.code === vector.expected_error);
      } else {
        assert.equal(run().toString('utf8'), vector.plaintext);
      }
    });
  }
});
