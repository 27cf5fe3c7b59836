// Node side of `make bench`: the papay npm package (release addon) against the npm package
// wechatpay-node-v3. Prints one JSON object.
//
// Usage: node bench.mjs --papay DIR --fixture FILE --sandbox FILE --keys DIR [--seconds S]
//        [--concurrency N]
//
// DIR is a copy of the papay package whose native/ contains the release addon.
// wechatpay-node-v3 looks platform keys up in its protected static `Pay.certificates` and
// downloads them from api.mch.weixin.qq.com when one is missing. A subclass stores the test
// platform key there first. Its query requests go to the sandbox's 127.0.0.1 URL (see
// `baselineQuery`), so nothing leaves this machine.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { values: args } = parseArgs({
  options: {
    papay: { type: 'string' },
    fixture: { type: 'string' },
    sandbox: { type: 'string' },
    keys: { type: 'string' },
    seconds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '64' },
  },
});
for (const name of ['papay', 'fixture', 'sandbox', 'keys']) {
  if (!args[name]) {
    console.error(`bench.mjs: missing --${name}`);
    process.exit(2);
  }
}
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
const papay = require(args.papay);
const WechatPay = require('wechatpay-node-v3');
const fixture = JSON.parse(readFileSync(args.fixture, 'utf8'));
const sandbox = JSON.parse(readFileSync(args.sandbox, 'utf8'));
const key = (name) => readFileSync(join(args.keys, name), 'utf8');

/** Seconds per call of a synchronous or async `operation`: the median of ~20 ms batches. */
async function timePerCall(operation) {
  let warmUpCalls = 0;
  let started = performance.now();
  while (performance.now() - started < (seconds * 1000) / 10 || warmUpCalls === 0) {
    await operation();
    warmUpCalls += 1;
  }
  const perCall = (performance.now() - started) / warmUpCalls;
  const batch = Math.max(1, Math.floor(20 / perCall));
  const batchMeans = [];
  started = performance.now();
  while (performance.now() - started < seconds * 1000 || batchMeans.length < 5) {
    const batchStarted = performance.now();
    for (let i = 0; i < batch; i += 1) {
      await operation();
    }
    batchMeans.push((performance.now() - batchStarted) / batch / 1000);
  }
  batchMeans.sort((a, b) => a - b);
  return batchMeans[Math.floor(batchMeans.length / 2)];
}

/**
 * Requests per second of `concurrency` loops that each await `query` again and again for
 * `seconds`. Throws the first error of any loop after the window closes.
 */
async function concurrentThroughput(query) {
  let completed = 0;
  let stop = false;
  let failure = null;
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const workers = Array.from({ length: concurrency }, async () => {
    try {
      while (!stop) {
        await query();
        completed += 1;
      }
    } catch (error) {
      failure ??= error;
      stop = true;
    }
  });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const done = completed;
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  stop = true;
  await Promise.all(workers);
  if (failure) {
    throw failure;
  }
  return {
    concurrency,
    requests: done,
    seconds: Math.round(elapsed * 100) / 100,
    cpu_seconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
    requests_per_second: Math.round(done / elapsed),
  };
}

/** Returns `baseUrl` without a trailing slash, or throws unless it is plain HTTP on 127.0.0.1. */
function checkedSandboxBaseUrl(baseUrl) {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1' || url.pathname !== '/' || url.search) {
    throw new Error(
      `invalid sandbox base_url ${baseUrl}: expected http://127.0.0.1:PORT as written by \`papay-bench sandbox\`, so no baseline request is sent`,
    );
  }
  return baseUrl.replace(/\/+$/, '');
}

const micros = (secondsPerCall) => Math.round(secondsPerCall * 1e8) / 100;

class LocalKeyPay extends WechatPay {
  /** Stores a platform public key under its serial, as the library's certificate download does. */
  static preload(serial, publicKeyPem) {
    WechatPay.certificates[serial] = publicKeyPem;
  }
}

const merchantKey = key('merchant_pkcs8.pem');
const merchantSerial = key('merchant_serial.txt').trim();
const apiv3Key = key('apiv3_key.txt').trim();
const request = fixture.request;

// Signing: papay's buildAuthorization and wechatpay-node-v3's getSignature both take the PEM
// key and parse it on every call.
const papaySign = await timePerCall(() =>
  papay.buildAuthorization({
    mchid: '1900000001',
    serialNo: merchantSerial,
    privateKey: merchantKey,
    method: request.method,
    target: request.target,
    timestamp: request.timestamp,
    nonce: request.nonce,
    body: request.body,
  }),
);
const baseline = new LocalKeyPay({
  appid: 'wx00000000000000a1',
  mchid: '1900000001',
  serial_no: merchantSerial,
  // Only checked for presence when serial_no is given.
  publicKey: Buffer.from(key('platform_public.pem')),
  privateKey: Buffer.from(merchantKey),
  key: apiv3Key,
});
const baselineSign = await timePerCall(() =>
  baseline.getSignature(request.method, request.nonce, String(request.timestamp), request.target, request.body),
);

// Notification: verify and decrypt.
const notificationClient = new papay.Client({
  mchid: '1900000001',
  serialNo: merchantSerial,
  privateKey: merchantKey,
  apiv3Key,
  appid: 'wx00000000000000a1',
  baseUrl: 'http://127.0.0.1:9',
  downloadCertificates: false,
  platformPublicKeys: [{ id: fixture.public_key_id, pem: key('platform_public.pem') }],
});
const body = Buffer.from(fixture.body);
await notificationClient.parseNotification(fixture.headers, body);
const papayParse = await timePerCall(() => notificationClient.parseNotification(fixture.headers, body));

LocalKeyPay.preload(fixture.public_key_id, key('platform_public.pem'));
const headers = fixture.headers;
async function baselineHandle() {
  const valid = await baseline.verifySign({
    timestamp: headers['Wechatpay-Timestamp'],
    nonce: headers['Wechatpay-Nonce'],
    body: fixture.body,
    serial: headers['Wechatpay-Serial'],
    signature: headers['Wechatpay-Signature'],
  });
  if (!valid) {
    throw new Error('wechatpay-node-v3 did not verify the benchmark notification');
  }
  const envelope = JSON.parse(fixture.body);
  const { ciphertext, associated_data: associatedData, nonce } = envelope.resource;
  return baseline.decipher_gcm(ciphertext, associatedData, nonce, apiv3Key);
}
await baselineHandle();
const baselineParse = await timePerCall(baselineHandle);

// Requests: `concurrency` queries in flight against the sandbox for `seconds`.
const client = new papay.Client({
  mchid: sandbox.mchid,
  serialNo: sandbox.serial_no,
  privateKey: readFileSync(sandbox.merchant_key_file),
  apiv3Key: sandbox.apiv3_key,
  appid: sandbox.appid,
  baseUrl: sandbox.base_url,
  downloadCertificates: false,
  platformPublicKeys: [{ id: sandbox.public_key_id, pem: sandbox.public_key_pem }],
});
await client.queryOrderByOutTradeNo(sandbox.out_trade_no);
const papayThroughput = await concurrentThroughput(() => client.queryOrderByOutTradeNo(sandbox.out_trade_no));

// wechatpay-node-v3 2.2.1 writes https://api.mch.weixin.qq.com into every endpoint URL and has
// no Global endpoints. `baselineQuery` repeats the steps of its `Pay.prototype.query` for the
// Global path: `buildAuthorization` over the WeChat-host URL (it strips that host, so the signed
// target is the path), `getHeaders`, then its own `httpService.get` (superagent), but to the
// sandbox URL. Like `query`, it does not verify the response's signature, because httpService.get
// returns only the status and the parsed body.
const wechatHost = 'https://api.mch.weixin.qq.com';
const sandboxBaseUrl = checkedSandboxBaseUrl(sandbox.base_url);
// The target of papay's `query_order_by_out_trade_no` in Common mode (core/src/client.rs).
const globalTarget = `/v3/global/papay/transactions/out-trade-no/${encodeURIComponent(sandbox.out_trade_no)}`;
const queryBaseline = new WechatPay({
  appid: sandbox.appid,
  mchid: sandbox.mchid,
  serial_no: sandbox.serial_no,
  publicKey: Buffer.from(sandbox.public_key_pem),
  privateKey: readFileSync(sandbox.merchant_key_file),
  key: sandbox.apiv3_key,
});
async function baselineQuery() {
  const authorization = queryBaseline.buildAuthorization('GET', wechatHost + globalTarget);
  const headers = queryBaseline.getHeaders(authorization);
  const response = await queryBaseline.httpService.get(sandboxBaseUrl + globalTarget, headers);
  if (response.status !== 200) {
    // On a failed request httpService.get returns the status (none for a connection error),
    // the body text as `error` and the error's own fields as `errRaw`.
    const detail = response.error ?? JSON.stringify(response.errRaw ?? response.data);
    throw new Error(`wechatpay-node-v3 query of ${globalTarget} failed with status ${response.status ?? 'none'}: ${detail}`);
  }
  return response.data;
}
const firstResponse = await baselineQuery();
if (firstResponse?.out_trade_no !== sandbox.out_trade_no) {
  throw new Error(
    `wechatpay-node-v3 query returned order ${JSON.stringify(firstResponse?.out_trade_no)}, expected ${sandbox.out_trade_no}`,
  );
}
const baselineThroughput = await concurrentThroughput(baselineQuery);

// Memory: RSS growth while 1,000 queries of one client wait on the sandbox, which delays every
// order query by 3 s. The growth is the peak of samples taken every 100 ms.
const inFlight = 1000;
const holdMs = 3000;
async function sandboxFaults(method, rule) {
  const answer = await fetch(`${sandboxBaseUrl}/sandbox/faults`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: rule === undefined ? undefined : JSON.stringify(rule),
  });
  if (!answer.ok) {
    throw new Error(`sandbox fault control returned HTTP ${answer.status}`);
  }
}
async function memoryInFlight() {
  await sandboxFaults('POST', {
    method: 'GET',
    path_contains: '/out-trade-no/',
    times: 0,
    fault: { delay_ms: holdMs },
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = process.memoryUsage.rss();
    const queries = Array.from({ length: inFlight }, () => client.queryOrderByOutTradeNo(sandbox.out_trade_no));
    let peak = before;
    const started = performance.now();
    while (performance.now() - started < holdMs - 500) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      peak = Math.max(peak, process.memoryUsage.rss());
    }
    const orders = await Promise.all(queries);
    if (orders.some((order) => order.outTradeNo !== sandbox.out_trade_no)) {
      throw new Error('a held query returned another order');
    }
    return { in_flight: inFlight, rss_growth_per_1000_kib: Math.round(((peak - before) / 1024) * (1000 / inFlight)) };
  } finally {
    await sandboxFaults('DELETE');
  }
}
const memory = await memoryInFlight();

console.log(
  JSON.stringify({
    papay_build_authorization_us: micros(papaySign),
    papay_parse_notification_us: micros(papayParse),
    papay_throughput: papayThroughput,
    wechatpay_node_v3_version: require('wechatpay-node-v3/package.json').version,
    wechatpay_node_v3_get_signature_us: micros(baselineSign),
    wechatpay_node_v3_verify_decrypt_us: micros(baselineParse),
    wechatpay_node_v3_throughput: baselineThroughput,
    memory_in_flight: memory,
  }),
);
