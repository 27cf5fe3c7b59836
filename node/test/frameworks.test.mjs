// The Express and Fastify examples, run as real HTTP servers on 127.0.0.1 that the sandbox
// delivers its signed notifications to.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client } from 'papay';

import { createApp as createExpressApp } from '../examples/express.mjs';
import { createApp as createFastifyApp } from '../examples/fastify.mjs';
import { clientFor, deduction, NOTIFY_URL, startSandbox, uniqueNo } from './helpers.mjs';

/** Starts `app` on an ephemeral port of 127.0.0.1 and returns its base URL and a closer. */
async function listen(kind, app) {
  if (kind === 'fastify') {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: address, close: () => app.close() };
  }
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

for (const [kind, createApp] of [['express', createExpressApp], ['fastify', createFastifyApp]]) {
  describe(`${kind} example`, () => {
    let sandbox;
    let client;
    let server;
    const handled = [];

    before(async () => {
      // Pretty notifications use unusual whitespace, so a framework that re-serialized the body
      // would fail verification.
      sandbox = await startSandbox({ prettyNotifications: true });
      client = clientFor(sandbox);
      server = await listen(kind, createApp(new Client(sandbox.clientOptions()), async (notification) => {
        handled.push(notification);
      }));
      sandbox.setNotifyRedirect(server.url);
    });

    after(async () => {
      await server.close();
      await sandbox.shutdown();
    });

    test('receives and verifies every notification type', async () => {
      const { planId } = sandbox.credentials();
      const session = await client.appPreSign({ planId, outContractCode: uniqueNo('F'), userDisplayName: 'Framework', successNotifyUrl: NOTIFY_URL });
      const { contractId } = sandbox.confirmSigning({ sessionId: session.sessionId });
      const order = deduction(contractId);
      await client.deduct(order);
      await client.refund({ outTradeNo: order.outTradeNo, outRefundNo: uniqueNo('R'), amount: { refund: 100, total: 1000, currency: 'HKD' }, notifyUrl: NOTIFY_URL });
      await client.terminateContract(contractId, { terminationNote: 'done' });

      for (const eventType of ['PAPAY.SIGN', 'TRANSACTION.SUCCESS', 'REFUND.SUCCESS', 'PAPAY.TERMINATE']) {
        const record = await sandbox.waitForDelivery(eventType, 5000);
        assert.equal(record.lastStatus, 204, `${eventType} acknowledged`);
        assert.ok(handled.some((n) => n.id === record.id), `${eventType} handled`);
      }
      // Deliveries run concurrently, so the order of arrival is not fixed.
      assert.deepEqual(handled.map((n) => n.kind).sort(), ['contract_signed', 'contract_terminated', 'deduction_succeeded', 'refund_succeeded']);
    });

    test('answers 500 to a tampered notification', async () => {
      const record = sandbox.notifications()[0];
      const headers = Object.fromEntries(record.headers);
      const tampered = record.body.replace('"id"', '"id" ');
      const response = await fetch(`${server.url}/papay/notify`, { method: 'POST', headers, body: tampered });
      assert.equal(response.status, 500);
      const body = await response.json();
      assert.equal(body.code, 'FAIL');
      assert.equal(body.message, 'SIGNATURE_INVALID');
    });

    test('acknowledges a replayed genuine notification', async () => {
      const record = sandbox.notifications()[0];
      const response = await fetch(`${server.url}/papay/notify`, { method: 'POST', headers: Object.fromEntries(record.headers), body: record.body });
      assert.equal(response.status, 204);
    });
  });
}
