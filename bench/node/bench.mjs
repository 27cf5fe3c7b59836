// Node side of `make bench`: the papay npm package (release addon) against the npm package
// wechatpay-node-v3. Prints one JSON object.
//
// Usage: node bench.mjs --papay DIR --fixture FILE --sandbox FILE --keys DIR [--seconds S]
//        [--concurrency N]
//
// DIR is a copy of the papay package whose native/ contains the release addon.
// wechatpay-node-v3 looks platform keys up in its protected static `Pay.certificates` and
// downloads them from api.mch.weixin.qq.com when one is missing. A subclass stores the test
// platform key there first, so nothing leaves this machine.

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
let completed = 0;
let stop = false;
const cpuStarted = process.cpuUsage();
const started = performance.now();
const workers = Array.from({ length: concurrency }, async () => {
  while (!stop) {
    await client.queryOrderByOutTradeNo(sandbox.out_trade_no);
    completed += 1;
  }
});
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const done = completed;
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
stop = true;
await Promise.all(workers);

console.log(
  JSON.stringify({
    papay_build_authorization_us: micros(papaySign),
    papay_parse_notification_us: micros(papayParse),
    papay_throughput: {
      concurrency,
      requests: done,
      seconds: Math.round(elapsed * 100) / 100,
      cpu_seconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
      requests_per_second: Math.round(done / elapsed),
    },
    wechatpay_node_v3_version: require('wechatpay-node-v3/package.json').version,
    wechatpay_node_v3_get_signature_us: micros(baselineSign),
    wechatpay_node_v3_verify_decrypt_us: micros(baselineParse),
  }),
);
