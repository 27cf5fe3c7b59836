// Every endpoint and every notification type, through the public client against the sandbox.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchParams, parseSigningReturn, qrCodeSvg } from 'papay';
import { deliveryHeaders, sessionIdFromUrl } from 'papay/sandbox';

import { clientFor, deduction, NOTIFY_URL, signContract, startReceiver, startSandbox, uniqueNo } from './helpers.mjs';

let sandbox;
let receiver;
let client;

before(async () => {
  receiver = await startReceiver();
  sandbox = await startSandbox({ notifyRedirect: receiver.url });
  client = clientFor(sandbox);
});

after(async () => {
  await sandbox.shutdown();
  await receiver.close();
});

/** Waits for the next acknowledged notification of `eventType` and parses it with the client. */
async function parseNext(eventType) {
  const record = await sandbox.waitForDelivery(eventType, 5000);
  return client.parseNotification(deliveryHeaders(record), Buffer.from(record.body, 'utf8'));
}

describe('signing', () => {
  test('downloadCertificates returns the signing certificate', async () => {
    const certificates = await client.downloadCertificates();
    assert.equal(certificates.length, 1);
    assert.equal(certificates[0].serialNo, sandbox.credentials().platformSerialNo);
    assert.match(certificates[0].pem, /BEGIN CERTIFICATE/);
    assert.deepEqual(client.platformCertificates().map((c) => c.serialNo), [certificates[0].serialNo]);
  });

  test('miniProgramPreSign returns a session id', async () => {
    const { planId, openid } = sandbox.credentials();
    const response = await client.miniProgramPreSign({ planId, outContractCode: uniqueNo('MP'), successNotifyUrl: NOTIFY_URL, openid, userClientIp: '203.0.113.10' });
    assert.match(response.sessionId, /^\S+$/);
  });

  test('h5PreSign returns a sign URL the sandbox can confirm', async () => {
    const { planId } = sandbox.credentials();
    const response = await client.h5PreSign({ planId, outContractCode: uniqueNo('H5'), successNotifyUrl: NOTIFY_URL, userClientIp: '203.0.113.10' });
    const contract = sandbox.confirmSigning({ sessionId: sessionIdFromUrl(response.signUrl) });
    assert.equal(contract.state, 'SIGNED');
    const record = await sandbox.waitForDelivery('PAPAY.SIGN', 5000);
    assert.equal(JSON.parse(record.resourcePlaintext).contract_id, contract.contractId);
  });

  test('jsapiPreSign returns a sign URL', async () => {
    const { planId, openid } = sandbox.credentials();
    const response = await client.jsapiPreSign({ planId, outContractCode: uniqueNo('JS'), successNotifyUrl: NOTIFY_URL, openid, returnUrl: 'https://merchant.example/signed' });
    assert.match(response.signUrl, /^https?:\/\//);
  });

  test('webPreSign returns a URL that renders as a QR code', async () => {
    const { planId } = sandbox.credentials();
    const response = await client.webPreSign({ planId, outContractCode: uniqueNo('PC'), successNotifyUrl: NOTIFY_URL, expiredTime: '2099-01-01T12:00:00+08:00' });
    const svg = qrCodeSvg(response.showCodeUrl, 4);
    assert.match(svg, /^<\?xml|<svg/);
    assert.match(svg, /<svg/);
  });

  test('appPreSign session gives launch params', async () => {
    const { planId } = sandbox.credentials();
    const response = await client.appPreSign({ planId, outContractCode: uniqueNo('APP'), userDisplayName: 'Zoë 用户', successNotifyUrl: NOTIFY_URL });
    const params = launchParams(response.sessionId);
    assert.equal(params.path, `pages/index/index?session_id=${response.sessionId}`);
    assert.equal(params.extraData.session_id, response.sessionId);
    assert.equal(params.verified, false);
  });

  test('parseSigningReturn reads JSON and query strings', () => {
    assert.deepEqual(parseSigningReturn('{"return_code":"SUCCESS","contract_id":"Wx1"}'), { outcome: 'signed', contractId: 'Wx1' });
    assert.equal(parseSigningReturn('return_code=FAIL&return_msg=user%20cancel').message, 'user cancel');
    assert.equal(parseSigningReturn('garbage{').outcome, 'unknown');
  });
});

describe('contract lifecycle', () => {
  let contractId;
  let outContractCode;
  let outTradeNo;
  let transactionId;
  let refundId;
  let outRefundNo;

  test('PAPAY.SIGN notification parses to contract_signed', async () => {
    const { planId } = sandbox.credentials();
    outContractCode = uniqueNo('LC');
    const session = await client.appPreSign({ planId, outContractCode, userDisplayName: 'Lifecycle', successNotifyUrl: NOTIFY_URL });
    contractId = sandbox.confirmSigning({ sessionId: session.sessionId }).contractId;

    const notification = await parseNext('PAPAY.SIGN');
    assert.equal(notification.eventType, 'PAPAY.SIGN');
    assert.equal(notification.kind, 'contract_signed');
    assert.equal(notification.contract.contractId, contractId);
    assert.equal(notification.contract.outContractCode, outContractCode);
    assert.equal(notification.signedBy, sandbox.credentials().platformSerialNo);
  });

  test('queryContractById returns the signed contract', async () => {
    const contract = await client.queryContractById(contractId);
    assert.equal(contract.state, 'SIGNED');
    assert.equal(contract.outContractCode, outContractCode);
    assert.match(contract.signedTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/);
  });

  test('queryContractByOutContractCode returns the same contract', async () => {
    const contract = await client.queryContractByOutContractCode(sandbox.credentials().planId, outContractCode);
    assert.equal(contract.contractId, contractId);
  });

  test('deduct charges and TRANSACTION.SUCCESS parses to deduction_succeeded', async () => {
    const request = deduction(contractId, { attach: 'order-42', sceneInfo: { deviceId: 'POS-1', deviceIp: '203.0.113.7' } });
    outTradeNo = request.outTradeNo;
    const order = await client.deduct(request);
    assert.equal(order.tradeState, 'SUCCESS');
    assert.equal(order.amount.total, 1000);
    assert.equal(order.amount.currency, 'HKD');
    transactionId = order.transactionId;
    assert.ok(transactionId);

    const notification = await parseNext('TRANSACTION.SUCCESS');
    assert.equal(notification.kind, 'deduction_succeeded');
    assert.equal(notification.order.outTradeNo, outTradeNo);
    assert.equal(typeof notification.order.amount.total, 'number');
  });

  test('queryOrderByTransactionId and queryOrderByOutTradeNo agree', async () => {
    const byId = await client.queryOrderByTransactionId(transactionId);
    const byNo = await client.queryOrderByOutTradeNo(outTradeNo);
    assert.equal(byId.outTradeNo, outTradeNo);
    assert.equal(byNo.transactionId, transactionId);
    assert.equal(byNo.attach, 'order-42');
  });

  test('refund is accepted and REFUND.SUCCESS parses to refund_succeeded', async () => {
    outRefundNo = uniqueNo('R');
    const refund = await client.refund({ outTradeNo, outRefundNo, reason: 'partial', amount: { refund: 300, total: 1000, currency: 'HKD' }, notifyUrl: NOTIFY_URL });
    refundId = refund.id;
    assert.equal(refund.outRefundNo, outRefundNo);
    assert.equal(refund.amount.refund, 300);

    const notification = await parseNext('REFUND.SUCCESS');
    assert.equal(notification.kind, 'refund_succeeded');
    assert.equal(notification.refund.outRefundNo, outRefundNo);
    assert.equal(notification.refund.refundStatus, 'SUCCESS');
  });

  test('queryRefundById and queryRefundByOutRefundNo agree', async () => {
    const byId = await client.queryRefundById(refundId);
    const byNo = await client.queryRefundByOutRefundNo(outRefundNo);
    assert.equal(byId.outRefundNo, outRefundNo);
    assert.equal(byNo.id, refundId);
    assert.equal(byNo.status, 'SUCCESS');
  });

  test('REFUND.ABNORMAL parses to refund_abnormal', async () => {
    sandbox.setNextRefundOutcome('ABNORMAL');
    await client.refund({ transactionId, outRefundNo: uniqueNo('RA'), amount: { refund: 100, total: 1000, currency: 'HKD' }, notifyUrl: NOTIFY_URL });
    const notification = await parseNext('REFUND.ABNORMAL');
    assert.equal(notification.kind, 'refund_abnormal');
    assert.equal(notification.refund.refundStatus, 'ABNORMAL');
  });

  test('REFUND.CLOSED parses to refund_closed', async () => {
    sandbox.setNextRefundOutcome('CLOSED');
    await client.refund({ outTradeNo, outRefundNo: uniqueNo('RC'), amount: { refund: 100, total: 1000, currency: 'HKD' }, notifyUrl: NOTIFY_URL });
    const notification = await parseNext('REFUND.CLOSED');
    assert.equal(notification.kind, 'refund_closed');
    assert.equal(notification.refund.refundStatus, 'REFUNDCLOSE');
  });

  test('listRefunds pages the order refunds', async () => {
    const page = await client.listRefunds({ outTradeNo, offset: 0, count: 2 });
    assert.equal(page.outTradeNo, outTradeNo);
    assert.equal(page.totalNum, 3);
    assert.equal(page.currentTotalNum, 2);
    assert.equal(page.data.length, 2);
    const byTransaction = await client.listRefunds({ transactionId });
    assert.equal(byTransaction.data.length, 3);
  });

  test('reverseOrder closes an unpaid order', async () => {
    sandbox.setNextDeductionOutcome('USERPAYING');
    const request = deduction(contractId, { amount: { total: 500, currency: 'HKD' } });
    const pending = await client.deduct(request);
    assert.equal(pending.tradeState, 'USERPAYING');
    await client.reverseOrder(request.outTradeNo);
    const closed = await client.queryOrderByOutTradeNo(request.outTradeNo);
    assert.equal(closed.tradeState, 'CLOSED');
  });

  test('terminateContract and PAPAY.TERMINATE parse to contract_terminated', async () => {
    await client.terminateContract(contractId, { terminationNote: 'test finished' });
    const notification = await parseNext('PAPAY.TERMINATE');
    assert.equal(notification.kind, 'contract_terminated');
    assert.equal(notification.contract.contractId, contractId);
    const contract = await client.queryContractById(contractId);
    assert.equal(contract.state, 'TERMINATED');
  });

  test('user termination in WeChat arrives as PAPAY.TERMINATE', async () => {
    const otherContract = await signContract(client, sandbox);
    await sandbox.waitForDelivery('PAPAY.SIGN', 5000);
    sandbox.terminateByUser(otherContract);
    const notification = await parseNext('PAPAY.TERMINATE');
    assert.equal(notification.contract.contractId, otherContract);
    assert.equal(notification.contract.contractTerminationMode, 'USER');
  });

  test('completed USERPAYING payment sends TRANSACTION.SUCCESS', async () => {
    const contract = await signContract(client, sandbox);
    await sandbox.waitForDelivery('PAPAY.SIGN', 5000);
    sandbox.setNextDeductionOutcome('USERPAYING');
    const request = deduction(contract);
    await client.deduct(request);
    sandbox.completePayment(request.outTradeNo);
    const notification = await parseNext('TRANSACTION.SUCCESS');
    assert.equal(notification.order.outTradeNo, request.outTradeNo);
    assert.equal(notification.order.tradeState, 'SUCCESS');
  });
});

describe('notification input', () => {
  test('parseNotification accepts lower-case IncomingHttpHeaders from a real request', async () => {
    const contract = await signContract(client, sandbox);
    const record = await sandbox.waitForDelivery('PAPAY.SIGN', 5000);
    const arrived = receiver.received.find((r) => r.body.toString('utf8') === record.body);
    assert.ok(arrived, 'the receiver got the delivery');
    assert.ok(Object.keys(arrived.headers).every((name) => name === name.toLowerCase()));
    const notification = await client.parseNotification(arrived.headers, arrived.body);
    assert.equal(notification.contract.contractId, contract);
  });

  test('parseNotification accepts upper-case names and a fetch Headers object', async () => {
    const record = sandbox.notifications().find((r) => r.eventType === 'PAPAY.SIGN');
    const upper = Object.fromEntries(record.headers.map(([name, value]) => [name.toUpperCase(), value]));
    const fromUpper = await client.parseNotification(upper, Buffer.from(record.body));
    const fromHeaders = await client.parseNotification(new Headers(record.headers), record.body);
    assert.equal(fromUpper.id, record.id);
    assert.equal(fromHeaders.id, record.id);
  });
});

describe('certificate rotation', () => {
  // Last in this file, because the rotation changes the certificate that signs every later response.
  test('a notification signed by a rotated certificate parses after one download', async () => {
    const receiving = clientFor(sandbox);
    await receiving.downloadCertificates();
    const serial = sandbox.rotatePlatformCertificate();
    const contractId = await signContract(client, sandbox);
    let record = await sandbox.waitForDelivery('PAPAY.SIGN', 5000);
    while (JSON.parse(record.resourcePlaintext).contract_id !== contractId) {
      record = await sandbox.waitForDelivery('PAPAY.SIGN', 5000);
    }
    assert.ok(!receiving.platformCertificates().some((c) => c.serialNo === serial));

    const notification = await receiving.parseNotification(deliveryHeaders(record), Buffer.from(record.body, 'utf8'));
    assert.equal(notification.kind, 'contract_signed');
    assert.equal(notification.contract.contractId, contractId);
    assert.ok(receiving.platformCertificates().some((c) => c.serialNo === serial));
  });
});
