// Shared set-up for the node:test suite: an in-process sandbox, a client configured for it, and
// a notification receiver on 127.0.0.1 that acknowledges everything and keeps what arrived.

import { createServer } from 'node:http';

import { Client } from 'papay';
import { Sandbox } from 'papay/sandbox';

export const NOTIFY_URL = 'https://merchant.example/papay/notify';

let counter = 0;

/** Returns a merchant number unique within this process run, at most 32 characters. */
export function uniqueNo(prefix) {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`.slice(0, 32);
}

/** Starts a sandbox with fast retry schedules; notifications go to `redirect` when given. */
export async function startSandbox(options = {}) {
  return Sandbox.start({
    retryScheduleMs: [100, 100, 100],
    refundRetryScheduleMs: [100, 100, 100],
    refundDelayMs: 50,
    terminationNotifyUrl: NOTIFY_URL,
    ...options,
  });
}

/** Starts a receiver that responds 204 to every POST and stores each `{ headers, body }` in `received`. */
export async function startReceiver() {
  const received = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Creates a client for the sandbox with short timeouts, so failure tests finish quickly. */
export function clientFor(sandbox, overrides = {}) {
  return new Client(sandbox.clientOptions({ timeoutMs: 5000, retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 50 }, ...overrides }));
}

/** Signs a contract through the APP flow and returns its contract id. */
export async function signContract(client, sandbox) {
  const { planId } = sandbox.credentials();
  const outContractCode = uniqueNo('C');
  const session = await client.appPreSign({ planId, outContractCode, userDisplayName: 'Test User', successNotifyUrl: NOTIFY_URL });
  return sandbox.confirmSigning({ sessionId: session.sessionId }).contractId;
}

/** Returns a deduction request for `contractId`. */
export function deduction(contractId, overrides = {}) {
  return {
    description: 'Test shop-HK-monthly plan',
    notifyUrl: NOTIFY_URL,
    outTradeNo: uniqueNo('T'),
    merchantCategoryCode: '5999',
    contractId,
    amount: { total: 1000, currency: 'HKD' },
    ...overrides,
  };
}
