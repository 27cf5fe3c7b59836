// Bad input: wrong types, over-long fields, characters WeChat Pay rejects, bad keys and amounts.
// Every case must fail locally with INVALID_ARGUMENT or INVALID_CONFIG naming the field.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client, InvalidArgumentError, InvalidConfigError } from 'papay';

import { clientFor, deduction, NOTIFY_URL, startSandbox } from './helpers.mjs';

let sandbox;
let client;

before(async () => {
  sandbox = await startSandbox();
  client = clientFor(sandbox);
});

after(async () => {
  await sandbox.shutdown();
});

/** Asserts that `promise` rejects with InvalidArgumentError whose message names `field`. */
async function rejectsNaming(promise, field) {
  const error = await promise.then(() => null, (e) => e);
  assert.ok(error instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${error}`);
  assert.equal(error.code, 'INVALID_ARGUMENT');
  assert.ok(error.message.includes(field), `message ${JSON.stringify(error.message)} names ${field}`);
  return error;
}

describe('request validation', () => {
  test('number where a string belongs', async () => {
    await rejectsNaming(client.queryOrderByOutTradeNo(42), 'String');
    await rejectsNaming(client.deduct(deduction('C', { description: 7 })), 'description');
  });

  test('missing required field', async () => {
    const request = deduction('C');
    delete request.notifyUrl;
    await rejectsNaming(client.deduct(request), 'notifyUrl');
  });

  test('over-long outTradeNo names the field', async () => {
    const error = await rejectsNaming(client.deduct(deduction('C', { outTradeNo: 'T'.repeat(33) })), 'outTradeNo');
    assert.equal(error.detail.field, 'outTradeNo');
    assert.match(error.message, /33/);
  });

  test('over-long description names the field', async () => {
    await rejectsNaming(client.deduct(deduction('C', { description: 'd'.repeat(129) })), 'description');
  });

  test('over-long outRefundNo names the field', async () => {
    await rejectsNaming(client.queryRefundByOutRefundNo('R'.repeat(65)), 'outRefundNo');
  });

  test('emoji in userDisplayName is rejected', async () => {
    const { planId } = sandbox.credentials();
    const error = await rejectsNaming(
      client.appPreSign({ planId, outContractCode: 'EMOJI1', userDisplayName: 'Coffee ☕ fan 😀', successNotifyUrl: NOTIFY_URL }),
      'userDisplayName',
    );
    assert.equal(error.detail.field, 'userDisplayName');
  });

  test('http notify URL is rejected', async () => {
    await rejectsNaming(client.deduct(deduction('C', { notifyUrl: 'http://merchant.example/notify' })), 'notifyUrl');
  });

  test('amount above Number.MAX_SAFE_INTEGER is rejected', async () => {
    const error = await rejectsNaming(client.deduct(deduction('C', { amount: { total: 2 ** 53, currency: 'HKD' } })), 'amount.total');
    assert.match(error.message, /MAX_SAFE_INTEGER/);
  });

  test('fractional amount is rejected', async () => {
    await rejectsNaming(client.deduct(deduction('C', { amount: { total: 10.5, currency: 'HKD' } })), 'amount.total');
  });

  test('refund needs exactly one order reference', async () => {
    const amount = { refund: 1, total: 1, currency: 'HKD' };
    await rejectsNaming(client.refund({ outRefundNo: 'R1', amount }), 'outTradeNo');
    await rejectsNaming(client.refund({ outTradeNo: 'T1', transactionId: '42', outRefundNo: 'R1', amount }), 'transactionId');
  });

  test('expiredTime must be RFC 3339', async () => {
    const { planId } = sandbox.credentials();
    await rejectsNaming(client.webPreSign({ planId, outContractCode: 'EXP1', successNotifyUrl: NOTIFY_URL, expiredTime: 'tomorrow' }), 'expiredTime');
  });

  test('parsed body object is rejected with a hint', async () => {
    const error = await rejectsNaming(client.parseNotification({}, { id: 'x' }), 'body');
    assert.match(error.message, /express\.raw/);
  });

  test('notification without signature headers is rejected', async () => {
    const error = await client.parseNotification({}, Buffer.from('{}')).catch((e) => e);
    assert.equal(error.code, 'SIGNATURE_HEADERS_MISSING');
  });
});

describe('client options', () => {
  for (const length of [31, 33]) {
    test(`APIv3 key of ${length} bytes is rejected`, () => {
      assert.throws(() => new Client(sandbox.clientOptions({ apiv3Key: 'k'.repeat(length) })), (error) => {
        assert.ok(error instanceof InvalidConfigError);
        assert.equal(error.code, 'INVALID_CONFIG');
        assert.equal(error.detail.field, 'apiv3Key');
        assert.match(error.message, new RegExp(`got ${length} bytes`));
        return true;
      });
    });
  }

  test('APIv3 key counts UTF-8 bytes, not characters', () => {
    assert.throws(() => new Client(sandbox.clientOptions({ apiv3Key: 'é'.repeat(16) + 'k' })), InvalidConfigError);
  });

  test('APIv3 key as a Buffer is accepted', () => {
    const { apiv3Key } = sandbox.credentials();
    assert.ok(new Client(sandbox.clientOptions({ apiv3Key: Buffer.from(apiv3Key) })));
  });

  test('both identity modes at once are rejected', () => {
    assert.throws(() => new Client(sandbox.clientOptions({ spAppid: 'wx1', subMchid: '1900000099' })), (error) => error instanceof InvalidConfigError && error.detail.field === 'mode');
  });

  test('plain http to a public host is rejected', () => {
    assert.throws(() => new Client(sandbox.clientOptions({ baseUrl: 'http://api.example.com' })), (error) => error instanceof InvalidConfigError && error.detail.field === 'baseUrl');
  });

  test('garbage private key is rejected', () => {
    assert.throws(() => new Client(sandbox.clientOptions({ privateKey: 'not a key' })), InvalidConfigError);
  });

  test('options that are not an object are rejected', () => {
    assert.throws(() => new Client(undefined), InvalidArgumentError);
    assert.throws(() => new Client({ ...sandbox.clientOptions(), apiv3Key: 12 }), InvalidArgumentError);
  });
});
