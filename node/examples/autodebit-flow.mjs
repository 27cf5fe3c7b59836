// The whole Auto-Debit lifecycle against the in-process sandbox, one line per step:
// certificates, signing, contract queries, a deduction, a reversal, a refund, the refund list
// and termination, with every notification received over HTTP and verified.
//
// Run: node examples/autodebit-flow.mjs (after `npm run build`). Exits non-zero on any failure.

import { createServer } from 'node:http';

import { acknowledge, Client, reject } from 'papay';
import { Sandbox } from 'papay/sandbox';

const NOTIFY_URL = 'https://merchant.example/papay/notify';

const sandbox = await Sandbox.start({
  terminationNotifyUrl: NOTIFY_URL,
  retryScheduleMs: [200, 200, 200],
  refundRetryScheduleMs: [200, 200, 200],
  refundDelayMs: 100,
});
const client = new Client(sandbox.clientOptions({ timeoutMs: 10_000 }));

// Notifications arrive at this endpoint; each verified one resolves the waiter for its type.
const waiters = new Map();
const received = new Map();
function nextNotification(eventType) {
  if (received.get(eventType)?.length) {
    return Promise.resolve(received.get(eventType).shift());
  }
  return new Promise((resolve) => waiters.set(eventType, resolve));
}
const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', async () => {
    let answer;
    try {
      const notification = await client.parseNotification(request.headers, Buffer.concat(chunks));
      const waiter = waiters.get(notification.eventType);
      if (waiter) {
        waiters.delete(notification.eventType);
        waiter(notification);
      } else {
        received.set(notification.eventType, [...(received.get(notification.eventType) ?? []), notification]);
      }
      answer = acknowledge();
    } catch (error) {
      answer = reject(error.code ?? 'FAIL');
    }
    response.writeHead(answer.status, answer.headers).end(answer.body);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
sandbox.setNotifyRedirect(`http://127.0.0.1:${server.address().port}`);

const step = (name, detail) => console.log(`${name.padEnd(32)} ${detail}`);
const { planId, openid } = sandbox.credentials();
const run = Date.now().toString(36).toUpperCase();

try {
  step('sandbox', `${sandbox.baseUrl}, notifications to 127.0.0.1:${server.address().port}`);

  const certificates = await client.downloadCertificates();
  step('downloadCertificates', `${certificates.length} certificate(s), newest ${certificates[0].serialNo}`);

  const mini = await client.miniProgramPreSign({ planId, outContractCode: `MP${run}`, successNotifyUrl: NOTIFY_URL, openid });
  step('miniProgramPreSign', `sessionId=${mini.sessionId}`);
  const h5 = await client.h5PreSign({ planId, outContractCode: `H5${run}`, successNotifyUrl: NOTIFY_URL, userClientIp: '203.0.113.10' });
  step('h5PreSign', `signUrl=${h5.signUrl}`);
  const jsapi = await client.jsapiPreSign({ planId, outContractCode: `JS${run}`, successNotifyUrl: NOTIFY_URL, openid });
  step('jsapiPreSign', `signUrl=${jsapi.signUrl}`);
  const web = await client.webPreSign({ planId, outContractCode: `PC${run}`, successNotifyUrl: NOTIFY_URL });
  step('webPreSign', `showCodeUrl=${web.showCodeUrl}`);

  const outContractCode = `APP${run}`;
  const app = await client.appPreSign({ planId, outContractCode, userDisplayName: 'Demo User', successNotifyUrl: NOTIFY_URL });
  step('appPreSign', `sessionId=${app.sessionId}`);

  sandbox.confirmSigning({ sessionId: app.sessionId });
  const signed = await nextNotification('PAPAY.SIGN');
  const contractId = signed.contract.contractId;
  step('notification PAPAY.SIGN', `contractId=${contractId}`);

  const byId = await client.queryContractById(contractId);
  step('queryContractById', `state=${byId.state}`);
  const byCode = await client.queryContractByOutContractCode(planId, outContractCode);
  step('queryContractByOutContractCode', `outContractCode=${byCode.outContractCode} state=${byCode.state}`);

  const outTradeNo = `ORDER${run}`;
  const deduction = {
    description: 'Demo shop-HK-monthly plan',
    notifyUrl: NOTIFY_URL,
    outTradeNo,
    merchantCategoryCode: '5999',
    contractId,
    amount: { total: 1000, currency: 'HKD' },
  };
  const order = await client.deduct(deduction);
  step('deduct', `outTradeNo=${outTradeNo} tradeState=${order.tradeState} total=${order.amount.total} ${order.amount.currency}`);
  const paid = await nextNotification('TRANSACTION.SUCCESS');
  step('notification TRANSACTION.SUCCESS', `transactionId=${paid.order.transactionId}`);

  const byTransaction = await client.queryOrderByTransactionId(order.transactionId);
  step('queryOrderByTransactionId', `tradeState=${byTransaction.tradeState}`);
  const byOutTradeNo = await client.queryOrderByOutTradeNo(outTradeNo);
  step('queryOrderByOutTradeNo', `tradeState=${byOutTradeNo.tradeState}`);

  sandbox.setNextDeductionOutcome('USERPAYING');
  const pendingNo = `PEND${run}`;
  const pending = await client.deduct({ ...deduction, outTradeNo: pendingNo, amount: { total: 500, currency: 'HKD' } });
  step('deduct (user still paying)', `outTradeNo=${pendingNo} tradeState=${pending.tradeState}`);
  await client.reverseOrder(pendingNo);
  const reversed = await client.queryOrderByOutTradeNo(pendingNo);
  step('reverseOrder', `outTradeNo=${pendingNo} tradeState=${reversed.tradeState}`);

  const outRefundNo = `REFUND${run}`;
  const refund = await client.refund({ outTradeNo, outRefundNo, reason: 'partial refund', amount: { refund: 300, total: 1000, currency: 'HKD' }, notifyUrl: NOTIFY_URL });
  step('refund', `outRefundNo=${outRefundNo} refundId=${refund.id} refund=${refund.amount.refund}`);
  const refunded = await nextNotification('REFUND.SUCCESS');
  step('notification REFUND.SUCCESS', `refundStatus=${refunded.refund.refundStatus}`);

  const refundById = await client.queryRefundById(refund.id);
  step('queryRefundById', `status=${refundById.status}`);
  const refundByNo = await client.queryRefundByOutRefundNo(outRefundNo);
  step('queryRefundByOutRefundNo', `status=${refundByNo.status}`);
  const list = await client.listRefunds({ outTradeNo, count: 10 });
  step('listRefunds', `totalNum=${list.totalNum}`);

  await client.terminateContract(contractId, { terminationNote: 'demo finished' });
  step('terminateContract', `contractId=${contractId}`);
  const terminated = await nextNotification('PAPAY.TERMINATE');
  step('notification PAPAY.TERMINATE', `mode=${terminated.contract.contractTerminationMode ?? '-'}`);

  console.log('flow ok');
} catch (error) {
  console.error(`flow failed: ${error.code ?? error.name}: ${error.message}`);
  process.exitCode = 1;
} finally {
  server.close();
  await sandbox.shutdown();
}
