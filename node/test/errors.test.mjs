// Error mapping: WeChat Pay business errors, injected faults, timeouts and reconciliation.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ApiError,
  MalformedMessageError,
  OutcomeUnknownError,
  PayError,
  SignatureHeadersMissingError,
  SignatureInvalidError,
  TimeoutError,
  TransportError,
  UnknownSerialError,
} from 'papay';
import { SandboxError } from 'papay';

import { clientFor, deduction, signContract, startReceiver, startSandbox, uniqueNo } from './helpers.mjs';

let sandbox;
let receiver;
let client;
let contractId;

before(async () => {
  receiver = await startReceiver();
  sandbox = await startSandbox({ notifyRedirect: receiver.url });
  client = clientFor(sandbox);
  contractId = await signContract(client, sandbox);
});

after(async () => {
  await sandbox.shutdown();
  await receiver.close();
});

/** Counts the sandbox's recorded requests whose target contains `fragment`. */
function requestCount(fragment) {
  return sandbox.requests().filter((r) => r.target.includes(fragment)).length;
}

describe('business errors', () => {
  test('unknown contract is ApiError 404 NOT_FOUND', async () => {
    const error = await client.queryContractById('UNKNOWN1').catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.ok(error instanceof PayError);
    assert.equal(error.code, 'API_ERROR');
    assert.equal(error.httpStatus, 404);
    assert.equal(error.apiCode, 'NOT_FOUND');
    assert.equal(error.signatureVerified, true);
    assert.match(error.requestId, /^\S+$/);
    assert.match(error.message, /404 NOT_FOUND/);
    assert.equal(error.retryable, false);
  });

  test('reversing a paid order is ApiError ORDER_PAID', async () => {
    const request = deduction(contractId);
    await client.deduct(request);
    const error = await client.reverseOrder(request.outTradeNo).catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.httpStatus, 400);
    assert.equal(error.apiCode, 'ORDER_PAID');
  });

  test('deduction on an unknown contract is ApiError CONTRACT_NOT_EXIST', async () => {
    const error = await client.deduct(deduction('UNKNOWNCONTRACT')).catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.httpStatus, 403);
    assert.equal(error.apiCode, 'CONTRACT_NOT_EXIST');
  });

  test('refund above the order total fails before sending', async () => {
    const error = await client.refund({ outTradeNo: 'T1', outRefundNo: uniqueNo('R'), amount: { refund: 2000, total: 1000, currency: 'HKD' } }).catch((e) => e);
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.equal(error.detail.field, 'amount.refund');
  });

  test('sandbox errors are SandboxError, not PayError', () => {
    assert.throws(() => sandbox.terminateByUser('NO_SUCH_CONTRACT'), (error) => {
      assert.ok(error instanceof SandboxError);
      assert.ok(!(error instanceof PayError));
      assert.equal(error.code, 'SANDBOX');
      return true;
    });
  });
});

describe('faults', () => {
  test('injected 500 on a query is retried', async () => {
    sandbox.inject({ method: 'GET', path_contains: '/contracts/', times: 1, fault: { error: { status: 500, code: 'SYSTEM_ERROR', message: 'try later' } } });
    const before = requestCount(`/contracts/${contractId}`);
    const contract = await client.queryContractById(contractId);
    assert.equal(contract.contractId, contractId);
    assert.equal(requestCount(`/contracts/${contractId}`) - before, 2);
  });

  test('500 on every attempt is a retryable ApiError', async () => {
    sandbox.inject({ method: 'GET', path_contains: '/contracts/', times: 3, fault: { error: { status: 500, code: 'SYSTEM_ERROR', message: 'try later' } } });
    const error = await client.queryContractById(contractId).catch((e) => e);
    sandbox.clearFaults();
    assert.ok(error instanceof ApiError);
    assert.equal(error.httpStatus, 500);
    assert.equal(error.apiCode, 'SYSTEM_ERROR');
    assert.equal(error.retryable, true);
  });

  test('slow answer is TimeoutError', async () => {
    const impatient = clientFor(sandbox, { timeoutMs: 300, retry: { maxAttempts: 1 } });
    sandbox.inject({ method: 'GET', path_contains: '/contracts/', times: 1, fault: { delay_ms: 2000 } });
    const error = await impatient.queryContractById(contractId).catch((e) => e);
    assert.ok(error instanceof TimeoutError, `got ${error}`);
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.retryable, true);
  });

  test('deduction answered 500 after charging is reconciled', async () => {
    sandbox.inject({ method: 'POST', path_contains: '/transactions', times: 1, fault: { process_then_status: 500 } });
    const request = deduction(contractId);
    const order = await client.deduct(request);
    assert.equal(order.tradeState, 'SUCCESS');
    assert.equal(sandbox.chargeCount(request.outTradeNo), 1);
  });

  test('deduction timing out after charging is reconciled', async () => {
    const impatient = clientFor(sandbox, { timeoutMs: 300 });
    sandbox.inject({ method: 'POST', path_contains: '/transactions', times: 1, fault: { process_then_delay_ms: 1000 } });
    const request = deduction(contractId);
    const order = await impatient.deduct(request);
    assert.equal(order.outTradeNo, request.outTradeNo);
    assert.equal(sandbox.chargeCount(request.outTradeNo), 1);
  });

  test('deduction whose query fails too is OutcomeUnknownError', async () => {
    sandbox.inject({ method: 'POST', path_contains: '/transactions', times: 1, fault: { process_then_status: 500 } });
    sandbox.inject({ method: 'GET', path_contains: '/out-trade-no/', times: 3, fault: { error: { status: 503, code: 'SYSTEM_ERROR', message: 'down' } } });
    const request = deduction(contractId);
    const error = await client.deduct(request).catch((e) => e);
    sandbox.clearFaults();
    assert.ok(error instanceof OutcomeUnknownError, `got ${error}`);
    assert.equal(error.detail.merchantNo, request.outTradeNo);
    assert.equal(error.retryable, true);
  });

  test('corrupted response signature is SignatureInvalidError', async () => {
    sandbox.inject({ method: 'GET', path_contains: '/contracts/', times: 1, fault: 'bad_signature' });
    const error = await client.queryContractById(contractId).catch((e) => e);
    assert.ok(error instanceof SignatureInvalidError, `got ${error}`);
  });

  test('missing signature headers is SignatureHeadersMissingError', async () => {
    sandbox.inject({ method: 'GET', path_contains: '/contracts/', times: 1, fault: 'missing_signature_headers' });
    const error = await client.queryContractById(contractId).catch((e) => e);
    assert.ok(error instanceof SignatureHeadersMissingError, `got ${error}`);
    assert.equal(error.detail.header, 'Wechatpay-Timestamp');
  });

  test('unlisted signing serial is UnknownSerialError', async () => {
    sandbox.inject({ method: 'GET', path_contains: '/contracts/', times: 0, fault: 'unknown_serial' });
    const error = await client.queryContractById(contractId).catch((e) => e);
    sandbox.clearFaults();
    assert.ok(error instanceof UnknownSerialError, `got ${error}`);
    assert.equal(error.detail.refreshed, true);
  });

  test('signed non-JSON body is MalformedMessageError', async () => {
    sandbox.inject({ method: 'GET', path_contains: '/contracts/', times: 1, fault: 'invalid_json' });
    const error = await client.queryContractById(contractId).catch((e) => e);
    assert.ok(error instanceof MalformedMessageError, `got ${error}`);
  });

  test('closed connection is TransportError after retries', async () => {
    sandbox.inject({ method: 'GET', path_contains: '/contracts/', times: 3, fault: 'close_connection' });
    const error = await client.queryContractById(contractId).catch((e) => e);
    sandbox.clearFaults();
    assert.ok(error instanceof TransportError, `got ${error}`);
    assert.equal(error.retryable, true);
  });

  test('rotated platform certificate is fetched on the unknown serial', async () => {
    const serial = sandbox.rotatePlatformCertificate();
    const contract = await client.queryContractById(contractId);
    assert.equal(contract.contractId, contractId);
    assert.ok(client.platformCertificates().some((c) => c.serialNo === serial));
  });
});
