// Writes the JSON test vectors from the keys in ./keys. Run through generate.sh,
// which creates missing keys first.
//
// RSA signatures come from `openssl dgst -sha256 -sign`; AES-256-GCM comes from
// Node's built-in crypto. Every timestamp and nonce below is a constant, so the
// output depends only on the key files. Each value is checked after it is
// produced (signature verification or decryption with Node) before it is
// written, so a broken tool stops the run instead of committing bad vectors.

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';

const KEYS_DIR = 'keys';
const MCHID = '1900000001';
const SIGNATURE_TYPE = 'WECHATPAY2-SHA256-RSA2048';
const TEST_ONLY =
  'TEST-ONLY data: every key, certificate and APIv3 key here was generated for the papay test vectors ' +
  'and is published in the repository. Never use them with WeChat Pay.';

// Test clock for notifications and responses: 2030-03-01T01:00:05Z (09:00:05+08:00).
const NOW = Date.UTC(2030, 2, 1, 1, 0, 5) / 1000;
const WINDOW_SECONDS = 300;

function readKeyFile(name) {
  return fs.readFileSync(`${KEYS_DIR}/${name}`, 'utf8');
}

const apiV3Key = readKeyFile('apiv3_key.txt');
if (!/^[A-Za-z0-9]{32}$/.test(apiV3Key)) {
  throw new Error('keys/apiv3_key.txt must contain exactly 32 ASCII letters and digits and no newline');
}
const merchantSerial = readKeyFile('merchant_serial.txt').trim();

// Reads serial and validity of a certificate with the openssl command line.
function certificateInfo(file) {
  const text = execFileSync('openssl', [
    'x509', '-in', `${KEYS_DIR}/${file}`, '-noout', '-serial', '-startdate', '-enddate', '-dateopt', 'iso_8601',
  ]).toString('utf8');
  const field = (name) => {
    const match = text.match(new RegExp(`^${name}=(.*)$`, 'm'));
    if (!match) throw new Error(`openssl x509 printed no ${name} for ${file}`);
    return match[1].trim();
  };
  const toUnix = (iso) => Date.parse(iso.replace(' ', 'T')) / 1000;
  return {
    file: `${KEYS_DIR}/${file}`,
    serial: field('serial'),
    not_before: toUnix(field('notBefore')),
    not_after: toUnix(field('notAfter')),
    pem: readKeyFile(file),
  };
}

const platform = { ...certificateInfo('platform_cert.pem'), key: 'platform_pkcs8.pem' };
const platform2 = { ...certificateInfo('platform2_cert.pem'), key: 'platform2_pkcs8.pem' };
const expired = { ...certificateInfo('platform_expired_cert.pem'), key: 'platform_expired_pkcs8.pem' };
const UNKNOWN_SERIAL = '7A0000000000000000000000000000000000FFFF';

if (!(platform.not_before <= NOW && NOW <= platform.not_after)) {
  throw new Error('keys/platform_cert.pem is not valid at the test clock; delete it and rerun');
}
if (!(platform2.not_before <= NOW && NOW <= platform2.not_after)) {
  throw new Error('keys/platform2_cert.pem is not valid at the test clock; delete it and rerun');
}
if (!(expired.not_after < NOW)) {
  throw new Error('keys/platform_expired_cert.pem has not expired at the test clock');
}

// Formats Unix seconds as RFC 3339 in UTC+08:00, the offset WeChat Pay uses.
function rfc3339Plus8(unixSeconds) {
  const shifted = new Date((unixSeconds + 8 * 3600) * 1000).toISOString();
  return `${shifted.slice(0, 19)}+08:00`;
}

// --- RSA (openssl) ---

function opensslSign(keyFile, message) {
  const signature = execFileSync('openssl', ['dgst', '-sha256', '-sign', `${KEYS_DIR}/${keyFile}`], {
    input: Buffer.from(message, 'utf8'),
  });
  return signature.toString('base64');
}

function signatureVerifies(publicKeyPem, message, signatureBase64) {
  return crypto.verify(
    'sha256',
    Buffer.from(message, 'utf8'),
    crypto.createPublicKey(publicKeyPem),
    Buffer.from(signatureBase64, 'base64'),
  );
}

function requireSignature(publicKeyPem, message, signatureBase64, expected, label) {
  if (signatureVerifies(publicKeyPem, message, signatureBase64) !== expected) {
    throw new Error(`self-check failed: signature of ${label} should ${expected ? '' : 'not '}verify`);
  }
}

// --- AES-256-GCM (Node crypto) ---

function aesGcmEncrypt(key, nonce, associatedData, plaintext) {
  const cipher = crypto.createCipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const encrypted = Buffer.concat([cipher.update(Buffer.from(plaintext, 'utf8')), cipher.final()]);
  return Buffer.concat([encrypted, cipher.getAuthTag()]).toString('base64');
}

// Returns the plaintext, or null when authentication fails.
function aesGcmDecrypt(key, nonce, associatedData, ciphertextBase64) {
  const data = Buffer.from(ciphertextBase64, 'base64');
  if (data.length < 16) return null;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(nonce, 'utf8'));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

// Flips the lowest bit of one decoded byte; a negative index counts from the end.
function flipBase64Byte(base64, index) {
  const bytes = Buffer.from(base64, 'base64');
  const position = index < 0 ? bytes.length + index : index;
  bytes[position] ^= 0x01;
  return bytes.toString('base64');
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

function requestMessage(method, target, timestamp, nonce, body) {
  return `${method}\n${target}\n${timestamp}\n${nonce}\n${body}\n`;
}

function verificationMessage(timestamp, nonce, body) {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

// ---------------------------------------------------------------------------
// signatures.json: request signing with the merchant key
// ---------------------------------------------------------------------------

function buildSignatures() {
  const deductionBody = JSON.stringify({
    appid: 'wx00000000000000a1',
    description: '测试商店-香港-月度会员 Café crème brûlée',
    attach: 'Grüße aus Zürich; señor; 中文附加数据',
    notify_url: 'https://merchant.example/papay/pay-notify',
    out_trade_no: 'FAKEORDER000004',
    merchant_category_code: '5999',
    contract_id: 'Wx0000FAKE00000000000000000001',
    amount: { total: 1000, currency: 'HKD' },
  });
  const terminateBody = JSON.stringify({ appid: 'wx00000000000000a1', termination_note: 'duplicate contract' });

  const inputs = [
    {
      name: 'get_contract_by_out_contract_code',
      comment: 'GET with a query string (Common mode contract query); the body line is empty.',
      method: 'GET',
      target: '/v3/global/papay/contracts/out-contract-code/FAKECONTRACT0001?appid=wx00000000000000a1&plan_id=999',
      timestamp: '1898557200',
      nonce: 'Q7ZK2M9XW4T8B1C6D3F5G0H2J4L6N8P0',
      body: '',
    },
    {
      name: 'get_order_percent_encoded_path',
      comment: 'GET whose path parameter out_trade_no "A/B C" is percent-encoded as one path segment.',
      method: 'GET',
      target: '/v3/global/papay/transactions/out-trade-no/A%2FB%20C',
      path_parameter: { decoded: 'A/B C', encoded: 'A%2FB%20C' },
      timestamp: '1898557201',
      nonce: 'R8AL3N0YX5U9C2D7E4G6H1J3K5M7P9Q1',
      body: '',
    },
    {
      name: 'post_deduction_non_ascii_body',
      comment: 'POST with a JSON body containing Chinese and accented Latin text; the signature covers its UTF-8 bytes.',
      method: 'POST',
      target: '/v3/global/papay/transactions',
      timestamp: '1898557202',
      nonce: 'S9BM4P1ZY6V0D3E8F5H7J2K4L6N8Q0R2',
      body: deductionBody,
    },
    {
      name: 'post_reverse_empty_body',
      comment: 'POST without a body (Common mode order reverse); the body line is empty.',
      method: 'POST',
      target: '/v3/global/papay/transactions/out-trade-no/FAKEORDER000003/reverse',
      timestamp: '1898557203',
      nonce: 'T0CN5Q2AZ7W1E4F9G6J8K3L5M7P9R1S3',
      body: '',
    },
    {
      name: 'post_terminate_contract',
      comment: 'POST with a small JSON body (Common mode contract termination).',
      method: 'POST',
      target: '/v3/global/papay/contracts/Wx0000FAKE00000000000000000001/terminate',
      timestamp: '1898557204',
      nonce: 'U1DP6R3BA8X2F5G0H7K9L4M6N8Q0S2T4',
      body: terminateBody,
    },
    {
      name: 'get_refund_institutional_query',
      comment: 'GET with two query parameters (Institutional mode refund query).',
      method: 'GET',
      target: '/v3/global/refunds/out-refund-no/FAKEREFUND0001?sp_mchid=1900000002&sub_mchid=1900000099',
      timestamp: '1898557205',
      nonce: 'V2EQ7S4CB9Y3G6H1J8L0M5N7P9R1T3U5',
      body: '',
    },
  ];

  const merchantPublicPem = crypto.createPublicKey(readKeyFile('merchant_pkcs8.pem')).export({ type: 'spki', format: 'pem' });
  const cases = inputs.map((input) => {
    const message = requestMessage(input.method, input.target, input.timestamp, input.nonce, input.body);
    const signature = opensslSign('merchant_pkcs8.pem', message);
    requireSignature(merchantPublicPem, message, signature, true, input.name);
    const authorization =
      `${SIGNATURE_TYPE} mchid="${MCHID}",nonce_str="${input.nonce}",timestamp="${input.timestamp}",` +
      `serial_no="${merchantSerial}",signature="${signature}"`;
    return { ...input, message, signature, authorization };
  });

  writeJson('signatures.json', {
    comment: TEST_ONLY,
    description:
      'Request signing: message = METHOD\\nTARGET\\nTIMESTAMP\\nNONCE\\nBODY\\n, signed with SHA256withRSA ' +
      '(PKCS#1 v1.5) by openssl using private_key_file.',
    private_key_file: 'keys/merchant_pkcs8.pem',
    private_key_file_pkcs1: 'keys/merchant_pkcs1.pem',
    mchid: MCHID,
    merchant_serial: merchantSerial,
    cases,
  });
}

// ---------------------------------------------------------------------------
// response_signatures.json: API response verification
// ---------------------------------------------------------------------------

function buildResponseSignatures() {
  const body = JSON.stringify({
    mchid: '1900000001',
    appid: 'wx00000000000000a1',
    contract_id: 'Wx0000FAKE00000000000000000001',
    plan_id: 999,
    out_contract_code: 'FAKECONTRACT0001',
    user_display_name: 'Test User',
    openid: 'oFAKE_openid_000000000000001',
    state: 'SIGNED',
    signed_time: '2030-01-01T10:00:00+08:00',
  });
  const timestamp = String(NOW - 1);
  const nonce = 'W3FR8T5DC0Z4H7J2K9M1N6P8Q0S2U4V6';
  const signature = opensslSign(platform.key, verificationMessage(timestamp, nonce, body));
  const emptyTimestamp = String(NOW - 2);
  const emptyNonce = 'X4GS9U6ED1A5J8K3L0N2P7Q9R1T3V5W7';
  const emptySignature = opensslSign(platform.key, verificationMessage(emptyTimestamp, emptyNonce, ''));
  const secondKeySignature = opensslSign(platform2.key, verificationMessage(timestamp, nonce, body));

  const valid = { valid: true, expected_error: null };
  const invalid = { valid: false, expected_error: 'SIGNATURE_INVALID' };
  const inputs = [
    { name: 'valid_200_json_body', timestamp, nonce, body, serial: platform.serial, signature, ...valid },
    {
      name: 'valid_204_empty_body',
      comment: 'A 204 response has no body; the message ends with an empty line.',
      timestamp: emptyTimestamp,
      nonce: emptyNonce,
      body: '',
      serial: platform.serial,
      signature: emptySignature,
      ...valid,
    },
    {
      name: 'body_byte_changed',
      comment: 'The signature of valid_200_json_body over a body whose plan_id 999 became 998.',
      timestamp,
      nonce,
      body: body.replace('"plan_id":999', '"plan_id":998'),
      serial: platform.serial,
      signature,
      ...invalid,
    },
    {
      name: 'timestamp_changed',
      comment: 'The signature of valid_200_json_body with the timestamp one second later.',
      timestamp: String(NOW),
      nonce,
      body,
      serial: platform.serial,
      signature,
      ...invalid,
    },
    {
      name: 'nonce_changed',
      comment: 'The signature of valid_200_json_body with the last nonce character changed.',
      timestamp,
      nonce: `${nonce.slice(0, -1)}7`,
      body,
      serial: platform.serial,
      signature,
      ...invalid,
    },
    {
      name: 'signed_by_second_platform_key',
      comment: 'Signed by keys/platform2_pkcs8.pem but naming the serial of keys/platform_cert.pem.',
      timestamp,
      nonce,
      body,
      serial: platform.serial,
      signature: secondKeySignature,
      ...invalid,
    },
    {
      name: 'valid_second_certificate',
      comment: 'Signed by keys/platform2_pkcs8.pem and naming the serial of keys/platform2_cert.pem.',
      timestamp,
      nonce,
      body,
      serial: platform2.serial,
      signature: secondKeySignature,
      ...valid,
    },
  ];

  const pemBySerial = { [platform.serial]: platform.pem, [platform2.serial]: platform2.pem };
  const cases = inputs.map((input) => {
    requireSignature(
      pemBySerial[input.serial],
      verificationMessage(input.timestamp, input.nonce, input.body),
      input.signature,
      input.valid,
      input.name,
    );
    return { ...input, now: Number(input.timestamp) + 1 };
  });

  writeJson('response_signatures.json', {
    comment: TEST_ONLY,
    description:
      'Response verification: message = TIMESTAMP\\nNONCE\\nBODY\\n, SHA256withRSA signature by a platform key. ' +
      'Load every file in certificate_files as a known platform certificate.',
    certificate_files: [platform.file, platform2.file],
    cases,
  });
}

// ---------------------------------------------------------------------------
// aes_gcm.json: AEAD_AES_256_GCM with the APIv3 key
// ---------------------------------------------------------------------------

const transactionCommon = {
  mchid: '1900000001',
  appid: 'wx00000000000000a1',
  out_trade_no: 'FAKEORDER000002',
  transaction_id: '4200000000FAKE000000000000000002',
  trade_type: 'AUTH',
  trade_state: 'SUCCESS',
  trade_state_desc: 'payment succeeded',
  bank_type: 'CFT',
  success_time: '2030-03-01T09:00:01+08:00',
  payer: { openid: 'oFAKE_openid_000000000000001' },
  amount: {
    total: 1000,
    currency: 'HKD',
    payer_total: 905,
    payer_currency: 'CNY',
    exchange_rate: { type: 'SETTLEMENT_RATE', rate: 90500000 },
  },
};

function buildAesGcm() {
  const transactionPlaintext = JSON.stringify(transactionCommon);
  const positive = [
    {
      name: 'certificate_pem',
      comment: 'The PEM text of keys/platform_cert.pem, as in a certificate download.',
      nonce: 'a1C3e5G7i9K0',
      associated_data: 'certificate',
      plaintext: platform.pem,
    },
    {
      name: 'transaction_resource',
      nonce: 'b2D4f6H8j0L1',
      associated_data: 'transaction',
      plaintext: transactionPlaintext,
    },
    {
      name: 'empty_associated_data',
      comment: 'An absent or empty associated_data means empty AAD.',
      nonce: 'c3E5g7I9k1M2',
      associated_data: '',
      plaintext: JSON.stringify({ out_trade_no: 'FAKEORDER000005', trade_state: 'SUCCESS' }),
    },
    {
      name: 'non_ascii_plaintext',
      nonce: 'd4F6h8J0l2N3',
      associated_data: 'transaction',
      plaintext: JSON.stringify({ description: '测试商店-香港-月度会员', note: 'Café crème, Grüße, señor' }),
    },
    {
      name: 'empty_plaintext',
      comment: 'The ciphertext is only the 16-byte tag.',
      nonce: 'e5G7i9K1m3O4',
      associated_data: 'certificate',
      plaintext: '',
    },
  ].map((input) => ({
    ...input,
    key: apiV3Key,
    ciphertext: aesGcmEncrypt(apiV3Key, input.nonce, input.associated_data, input.plaintext),
    expected_error: null,
  }));

  const base = positive.find((entry) => entry.name === 'transaction_resource');
  const failed = { plaintext: null, expected_error: 'DECRYPTION_FAILED' };
  const negative = [
    {
      name: 'tag_flipped',
      comment: 'transaction_resource with the last tag byte changed.',
      key: apiV3Key,
      nonce: base.nonce,
      associated_data: base.associated_data,
      ciphertext: flipBase64Byte(base.ciphertext, -1),
    },
    {
      name: 'ciphertext_byte_flipped',
      comment: 'transaction_resource with the first encrypted byte changed.',
      key: apiV3Key,
      nonce: base.nonce,
      associated_data: base.associated_data,
      ciphertext: flipBase64Byte(base.ciphertext, 0),
    },
    {
      name: 'wrong_associated_data',
      comment: 'transaction_resource decrypted with AAD "refund".',
      key: apiV3Key,
      nonce: base.nonce,
      associated_data: 'refund',
      ciphertext: base.ciphertext,
    },
    {
      name: 'wrong_nonce',
      comment: 'transaction_resource decrypted with the last nonce character changed.',
      key: apiV3Key,
      nonce: `${base.nonce.slice(0, -1)}2`,
      associated_data: base.associated_data,
      ciphertext: base.ciphertext,
    },
    {
      name: 'wrong_key',
      comment: 'transaction_resource decrypted with a different 32-character key.',
      key: 'WrongKey0WrongKey1WrongKey2Wrong',
      nonce: base.nonce,
      associated_data: base.associated_data,
      ciphertext: base.ciphertext,
    },
  ].map((input) => ({ ...input, ...failed }));
  negative.push({
    name: 'shorter_than_tag',
    comment: 'Only 15 bytes, fewer than the 16-byte tag, so the input is malformed rather than unauthentic.',
    key: apiV3Key,
    nonce: base.nonce,
    associated_data: base.associated_data,
    ciphertext: Buffer.from(base.ciphertext, 'base64').subarray(0, 15).toString('base64'),
    plaintext: null,
    expected_error: 'MALFORMED_MESSAGE',
  });

  const cases = [...positive, ...negative];
  for (const entry of cases) {
    const decrypted = aesGcmDecrypt(entry.key, entry.nonce, entry.associated_data, entry.ciphertext);
    if (decrypted !== entry.plaintext) {
      throw new Error(`self-check failed: aes_gcm case ${entry.name} decrypts to an unexpected value`);
    }
  }

  writeJson('aes_gcm.json', {
    comment: TEST_ONLY,
    description:
      'AEAD_AES_256_GCM: key, nonce, associated_data and plaintext are used as their UTF-8 bytes; ' +
      'ciphertext is base64 of encrypted data followed by the 16-byte tag, produced by Node crypto.',
    cases,
  });
}

// ---------------------------------------------------------------------------
// notifications.json: complete notifications (headers + raw body)
// ---------------------------------------------------------------------------

function encryptResource({ plaintext, associatedData, nonce, originalType }) {
  return {
    original_type: originalType,
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: aesGcmEncrypt(apiV3Key, nonce, associatedData, plaintext),
    associated_data: associatedData,
    nonce,
  };
}

function envelope({ id, createTime, eventType, summary, resource }) {
  return {
    id,
    create_time: createTime,
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary,
    resource,
  };
}

function signedHeaders({ timestamp, nonce, body, signer = platform, serial = signer.serial }) {
  return {
    'Wechatpay-Timestamp': String(timestamp),
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': serial,
    'Wechatpay-Signature': opensslSign(signer.key, verificationMessage(String(timestamp), nonce, body)),
    'Wechatpay-Signature-Type': SIGNATURE_TYPE,
  };
}

function renameHeaders(headers, rename) {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [rename(name), value]));
}

function withoutHeader(headers, removed) {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== removed));
}

const papaySignResource = {
  mchid: '1900000001',
  appid: 'wx00000000000000a1',
  out_contract_code: 'FAKECONTRACT0001',
  plan_id: 999,
  contract_id: 'Wx0000FAKE00000000000000000001',
  openid: 'oFAKE_openid_000000000000001',
  operate_time: '2030-03-01T09:00:00+08:00',
  contract_expired_time: '2033-03-01T09:00:00+08:00',
};

const papayTerminateResource = {
  mchid: '1900000001',
  appid: 'wx00000000000000a1',
  out_contract_code: 'FAKECONTRACT0001',
  plan_id: 999,
  contract_id: 'Wx0000FAKE00000000000000000001',
  openid: 'oFAKE_openid_000000000000001',
  operate_time: '2030-03-01T08:59:00+08:00',
  contract_termination_mode: 'USER',
};

const refundInstitutional = {
  sp_mchid: '1900000002',
  sub_mchid: '1900000099',
  transaction_id: '4200000000FAKE000000000000000001',
  out_trade_no: 'FAKEORDER000001',
  refund_id: '5030000000FAKE00000000000000001',
  out_refund_no: 'FAKEREFUND0001',
  refund_status: 'SUCCESS',
  success_time: '2030-03-01T09:00:00+08:00',
  recv_account: 'Fake Bank card 0000',
  fund_source: 'REFUND_SOURCE_UNSETTLED_FUNDS',
  amount: {
    total: 1000,
    currency: 'HKD',
    refund: 500,
    payer_total: 905,
    payer_refund: 453,
    payer_currency: 'CNY',
    exchange_rate: { type: 'SETTLEMENT_RATE', rate: 90500000 },
  },
};

const transactionInstitutional = {
  sp_mchid: '1900000002',
  sp_appid: 'wx00000000000000b2',
  sub_mchid: '1900000099',
  sub_appid: 'wx00000000000000c3',
  out_trade_no: 'FAKEORDER000006',
  transaction_id: '4200000000FAKE000000000000000006',
  attach: 'fake-attach',
  trade_type: 'AUTH',
  trade_state: 'SUCCESS',
  trade_state_desc: '支付成功',
  bank_type: 'CFT',
  success_time: '2030-03-01T09:00:00+08:00',
  payer: { sp_openid: 'oFAKE_sp_openid_0000000000001', sub_openid: 'oFAKE_sub_openid_000000000001' },
  amount: {
    total: 1000,
    currency: 'HKD',
    payer_total: 905,
    payer_currency: 'CNY',
    exchange_rate: { type: 'SETTLEMENT_RATE', rate: 90500000 },
  },
};

// The raw body of the unusual-whitespace case: CRLF and tab indentation, spaces
// around colons, keys out of the usual order and a trailing newline that is
// part of the signed body.
function unusualWhitespaceBody(resource) {
  return (
    '{\r\n' +
    '\t"resource" : {\r\n' +
    `\t\t"nonce" : ${JSON.stringify(resource.nonce)} ,\r\n` +
    `\t\t"ciphertext":${JSON.stringify(resource.ciphertext)},\r\n` +
    `\t\t"associated_data"  :  ${JSON.stringify(resource.associated_data)},\r\n` +
    `\t\t"original_type":${JSON.stringify(resource.original_type)} ,\r\n` +
    `\t\t"algorithm":\t${JSON.stringify(resource.algorithm)}\r\n` +
    '\t},\r\n' +
    '\t"summary" : "支付成功",\r\n' +
    '\t"event_type":"TRANSACTION.SUCCESS" ,\r\n' +
    '\t"resource_type" : "encrypt-resource",\r\n' +
    '\t"id" : "00000000-fake-0000-0000-000000000006",\r\n' +
    '\t"create_time":"2030-03-01T09:00:02+08:00"\r\n' +
    '}\n'
  );
}

function buildNotifications() {
  const ts = NOW - 3;
  const cases = [];
  const decrypted = new Map();

  // Adds a case; a valid case records the expected envelope fields and resource.
  function add(name, comment, { now = NOW, headers, body, expected }) {
    cases.push({ name, comment, now, headers, body, expected });
  }
  function validExpected(envelopeObject, resourceObject) {
    return {
      event_type: envelopeObject.event_type,
      id: envelopeObject.id,
      create_time: envelopeObject.create_time,
      summary: envelopeObject.summary,
      resource: resourceObject,
    };
  }
  function makeBody({ id, createTime, eventType, summary, plaintextObject, associatedData, nonce, originalType }) {
    const resource = encryptResource({
      plaintext: JSON.stringify(plaintextObject),
      associatedData,
      nonce,
      originalType,
    });
    const value = envelope({ id, createTime, eventType, summary, resource });
    decrypted.set(id, plaintextObject);
    return { value, body: JSON.stringify(value) };
  }

  // --- valid notifications ---
  const sign = makeBody({
    id: 'EV-FAKE0000000000000001',
    createTime: '2030-03-01T09:00:01+08:00',
    eventType: 'PAPAY.SIGN',
    summary: 'contract signed',
    plaintextObject: papaySignResource,
    associatedData: 'papay',
    nonce: 'n1A2b3C4d5E6',
    originalType: 'papay',
  });
  const signNonce = 'Y5HT0V7FE2B6K9L4M1P3Q8R0S2U4W6X8';
  const signHeaders = signedHeaders({ timestamp: ts, nonce: signNonce, body: sign.body });
  add('papay_sign_common', 'Sign notification, Common mode.', {
    headers: signHeaders,
    body: sign.body,
    expected: validExpected(sign.value, papaySignResource),
  });

  const terminate = makeBody({
    id: 'EV-FAKE0000000000000002',
    createTime: '2030-03-01T08:59:05+08:00',
    eventType: 'PAPAY.TERMINATE',
    summary: 'contract terminated',
    plaintextObject: papayTerminateResource,
    associatedData: 'papay',
    nonce: 'n2B3c4D5e6F7',
    originalType: 'papay',
  });
  add('papay_terminate_user', 'Termination notification, terminated by the user.', {
    headers: signedHeaders({ timestamp: ts, nonce: 'Z6JU1W8GF3C7L0M5N2Q4R9S1T3V5X7Y9', body: terminate.body }),
    body: terminate.body,
    expected: validExpected(terminate.value, papayTerminateResource),
  });

  const transaction = makeBody({
    id: '00000000-fake-0000-0000-000000000002',
    createTime: '2030-03-01T09:00:02+08:00',
    eventType: 'TRANSACTION.SUCCESS',
    summary: 'payment succeeded',
    plaintextObject: transactionCommon,
    associatedData: 'transaction',
    nonce: 'n3C4d5E6f7G8',
    originalType: 'transaction',
  });
  add('transaction_success_common', 'Deduction result, Common mode: 1000 HKD charged as 905 CNY.', {
    headers: signedHeaders({ timestamp: ts, nonce: 'A7KV2X9HG4D8M1N6P3R5S0T2U4W6Y8Z0', body: transaction.body }),
    body: transaction.body,
    expected: validExpected(transaction.value, transactionCommon),
  });

  const refund = makeBody({
    id: '00000000-fake-0000-0000-000000000003',
    createTime: '2030-03-01T09:00:03+08:00',
    eventType: 'REFUND.SUCCESS',
    summary: 'refund succeeded',
    plaintextObject: refundInstitutional,
    associatedData: 'refund',
    nonce: 'n4D5e6F7g8H9',
    originalType: 'refund',
  });
  add('refund_success_lowercase_headers', 'Refund result, Institutional mode; every header name is lower-case.', {
    headers: renameHeaders(
      signedHeaders({ timestamp: ts, nonce: 'B8LW3Y0JH5E9N2P7Q4S6T1U3V5X7Z9A1', body: refund.body }),
      (name) => name.toLowerCase(),
    ),
    body: refund.body,
    expected: validExpected(refund.value, refundInstitutional),
  });

  const oddResource = encryptResource({
    plaintext: JSON.stringify(transactionInstitutional),
    associatedData: 'transaction',
    nonce: 'n5E6f7G8h9I0',
    originalType: 'transaction',
  });
  const oddBody = unusualWhitespaceBody(oddResource);
  const oddValue = JSON.parse(oddBody);
  const oddHeaders = signedHeaders({ timestamp: ts, nonce: 'C9MX4Z1KJ6F0P3Q8R5T7U2V4W6Y8A0B2', body: oddBody });
  add(
    'unusual_whitespace_chinese_summary',
    'CRLF, tabs, spaces around colons, unusual key order, a Chinese summary and a trailing newline; ' +
      'the signature covers these exact bytes. Header names are upper-case.',
    {
      headers: renameHeaders(oddHeaders, (name) => name.toUpperCase()),
      body: oddBody,
      expected: validExpected(oddValue, transactionInstitutional),
    },
  );

  const rotated = makeBody({
    id: 'EV-FAKE0000000000000003',
    createTime: '2030-03-01T09:00:01+08:00',
    eventType: 'PAPAY.SIGN',
    summary: 'contract signed',
    plaintextObject: papaySignResource,
    associatedData: 'papay',
    nonce: 'n6F7g8H9i0J1',
    originalType: 'papay',
  });
  add('signed_by_second_certificate', 'Signed by the second platform key and naming its serial (certificate rotation).', {
    headers: signedHeaders({ timestamp: ts, nonce: 'D0NY5A2LK7G1Q4R9S6U8V3W5X7Z9B1C3', body: rotated.body, signer: platform2 }),
    body: rotated.body,
    expected: validExpected(rotated.value, papaySignResource),
  });

  add('signature_type_header_absent', 'No Wechatpay-Signature-Type header; the header is optional.', {
    headers: withoutHeader(signHeaders, 'Wechatpay-Signature-Type'),
    body: sign.body,
    expected: validExpected(sign.value, papaySignResource),
  });

  for (const offset of [-299, 299]) {
    add(
      `timestamp_${Math.abs(offset)}s_${offset < 0 ? 'before' : 'after'}_now`,
      `Wechatpay-Timestamp is ${Math.abs(offset)} s ${offset < 0 ? 'before' : 'after'} now and correctly signed.`,
      {
        headers: signedHeaders({ timestamp: NOW + offset, nonce: signNonce, body: sign.body }),
        body: sign.body,
        expected: validExpected(sign.value, papaySignResource),
      },
    );
  }

  // --- failures; each case fails exactly one check, in the order the README lists ---
  const error = (code) => ({ error: code });

  for (const missing of ['Wechatpay-Signature', 'Wechatpay-Serial', 'Wechatpay-Timestamp', 'Wechatpay-Nonce']) {
    add(`missing_${missing.slice('Wechatpay-'.length).toLowerCase()}_header`, `papay_sign_common without ${missing}.`, {
      headers: withoutHeader(signHeaders, missing),
      body: sign.body,
      expected: error('SIGNATURE_HEADERS_MISSING'),
    });
  }

  add('signature_type_rsa4096', 'papay_sign_common with Wechatpay-Signature-Type WECHATPAY2-SHA256-RSA4096.', {
    headers: { ...signHeaders, 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA4096' },
    body: sign.body,
    expected: error('UNSUPPORTED_ALGORITHM'),
  });

  add('unknown_serial', 'Signed by the first platform key but naming a serial no loaded certificate has.', {
    headers: signedHeaders({ timestamp: ts, nonce: signNonce, body: sign.body, serial: UNKNOWN_SERIAL }),
    body: sign.body,
    expected: error('UNKNOWN_SERIAL'),
  });

  const expiredNotification = makeBody({
    id: 'EV-FAKE0000000000000004',
    createTime: '2030-03-01T09:00:01+08:00',
    eventType: 'PAPAY.SIGN',
    summary: 'contract signed',
    plaintextObject: papaySignResource,
    associatedData: 'papay',
    nonce: 'n7G8h9I0j1K2',
    originalType: 'papay',
  });
  add('expired_certificate', 'Signed by the key of keys/platform_expired_cert.pem and naming its serial.', {
    headers: signedHeaders({
      timestamp: ts,
      nonce: 'E1PZ6B3MA8H2R5S0T7V9W4X6Y8A0C2D4',
      body: expiredNotification.body,
      signer: expired,
    }),
    body: expiredNotification.body,
    expected: error('CERTIFICATE_EXPIRED'),
  });

  add(
    'compact_reserialization',
    'The body of unusual_whitespace_chinese_summary re-serialized compactly, sent with its original headers.',
    { headers: oddHeaders, body: JSON.stringify(oddValue), expected: error('SIGNATURE_INVALID') },
  );

  add('body_byte_changed', 'papay_sign_common with one summary byte changed ("signed" became "signeD").', {
    headers: signHeaders,
    body: sign.body.replace('"contract signed"', '"contract signeD"'),
    expected: error('SIGNATURE_INVALID'),
  });

  add('timestamp_header_changed', 'papay_sign_common with Wechatpay-Timestamp one second later, still inside the window.', {
    headers: { ...signHeaders, 'Wechatpay-Timestamp': String(ts + 1) },
    body: sign.body,
    expected: error('SIGNATURE_INVALID'),
  });

  add('nonce_header_changed', 'papay_sign_common with the last Wechatpay-Nonce character changed.', {
    headers: { ...signHeaders, 'Wechatpay-Nonce': `${signNonce.slice(0, -1)}9` },
    body: sign.body,
    expected: error('SIGNATURE_INVALID'),
  });

  add(
    'signed_by_second_key_with_first_serial',
    'Signed by the second platform key but naming the serial of the first certificate.',
    {
      headers: signedHeaders({ timestamp: ts, nonce: signNonce, body: sign.body, signer: platform2, serial: platform.serial }),
      body: sign.body,
      expected: error('SIGNATURE_INVALID'),
    },
  );

  for (const offset of [-301, 301]) {
    add(
      `timestamp_${Math.abs(offset)}s_${offset < 0 ? 'before' : 'after'}_now`,
      `Wechatpay-Timestamp is ${Math.abs(offset)} s ${offset < 0 ? 'before' : 'after'} now but correctly signed.`,
      {
        headers: signedHeaders({ timestamp: NOW + offset, nonce: signNonce, body: sign.body }),
        body: sign.body,
        expected: error('TIMESTAMP_OUT_OF_WINDOW'),
      },
    );
  }

  const notJson = 'id=EV-FAKE0000000000000005&event_type=PAPAY.SIGN&resource_type=encrypt-resource';
  add('body_not_json', 'A correctly signed body that is not JSON.', {
    headers: signedHeaders({ timestamp: ts, nonce: signNonce, body: notJson }),
    body: notJson,
    expected: error('MALFORMED_MESSAGE'),
  });

  // Correctly signed bodies built from papay_sign_common with one resource field changed.
  function tamperedResource(name, comment, change, code) {
    const value = structuredClone(sign.value);
    change(value.resource);
    const body = JSON.stringify(value);
    add(name, comment, {
      headers: signedHeaders({ timestamp: ts, nonce: signNonce, body }),
      body,
      expected: error(code),
    });
  }
  tamperedResource(
    'resource_algorithm_aes_128_gcm',
    'resource.algorithm is AEAD_AES_128_GCM; the ciphertext is unchanged and the body is correctly signed.',
    (resource) => {
      resource.algorithm = 'AEAD_AES_128_GCM';
    },
    'UNSUPPORTED_ALGORITHM',
  );
  tamperedResource(
    'resource_tag_changed',
    'The last byte of the GCM tag in resource.ciphertext is changed; the body is correctly signed.',
    (resource) => {
      resource.ciphertext = flipBase64Byte(resource.ciphertext, -1);
    },
    'DECRYPTION_FAILED',
  );
  tamperedResource(
    'resource_nonce_changed',
    'resource.nonce has its last character changed; the body is correctly signed.',
    (resource) => {
      resource.nonce = `${resource.nonce.slice(0, -1)}7`;
    },
    'DECRYPTION_FAILED',
  );
  tamperedResource(
    'resource_associated_data_changed',
    'resource.associated_data is "transaction" instead of "papay"; the body is correctly signed.',
    (resource) => {
      resource.associated_data = 'transaction';
    },
    'DECRYPTION_FAILED',
  );

  // Self-check every case with Node, so each failure case fails only at the
  // check its expected code names.
  const certificates = [platform, platform2, expired];
  for (const entry of cases) {
    const header = (name) => {
      const found = Object.keys(entry.headers).find((key) => key.toLowerCase() === name.toLowerCase());
      return found === undefined ? undefined : entry.headers[found];
    };
    const code = entry.expected.error ?? null;
    if (code === 'SIGNATURE_HEADERS_MISSING') continue;

    const serial = header('Wechatpay-Serial');
    const certificate = certificates.find((c) => c.serial === serial) ?? (code === 'UNKNOWN_SERIAL' ? platform : undefined);
    if (certificate === undefined) throw new Error(`${entry.name}: no certificate for serial ${serial}`);
    const timestamp = header('Wechatpay-Timestamp');
    const message = verificationMessage(timestamp, header('Wechatpay-Nonce'), entry.body);
    requireSignature(certificate.pem, message, header('Wechatpay-Signature'), code !== 'SIGNATURE_INVALID', entry.name);

    const inWindow = Math.abs(Number(timestamp) - entry.now) <= WINDOW_SECONDS;
    if (inWindow !== (code !== 'TIMESTAMP_OUT_OF_WINDOW')) throw new Error(`${entry.name}: unexpected timestamp window result`);
    if (code === 'CERTIFICATE_EXPIRED' && !(certificate.not_after < entry.now)) throw new Error(`${entry.name}: certificate not expired`);
    if (code === null && !(certificate.not_before <= entry.now && entry.now <= certificate.not_after)) {
      throw new Error(`${entry.name}: certificate not valid at now`);
    }
    if (code === 'MALFORMED_MESSAGE') continue;

    const resource = JSON.parse(entry.body).resource;
    const plaintext = aesGcmDecrypt(apiV3Key, resource.nonce, resource.associated_data, resource.ciphertext);
    if (code === 'DECRYPTION_FAILED') {
      if (plaintext !== null) throw new Error(`${entry.name}: resource decrypts although it should not`);
    } else if (plaintext === null) {
      throw new Error(`${entry.name}: resource does not decrypt`);
    } else if (code === null && JSON.stringify(JSON.parse(plaintext)) !== JSON.stringify(entry.expected.resource)) {
      throw new Error(`self-check failed: ${entry.name} decrypts to an unexpected resource`);
    }
  }

  writeJson('notifications.json', {
    comment: TEST_ONLY,
    description:
      'Notifications as a merchant receives them. Load certificate_files as the known platform certificates, ' +
      'use apiv3_key, set the clock to each case\'s now and parse headers + body.',
    certificate_files: certificates.map((c) => c.file),
    apiv3_key: apiV3Key,
    timestamp_window_seconds: WINDOW_SECONDS,
    check_order: [
      'SIGNATURE_HEADERS_MISSING',
      'UNSUPPORTED_ALGORITHM (Wechatpay-Signature-Type)',
      'UNKNOWN_SERIAL',
      'CERTIFICATE_EXPIRED',
      'SIGNATURE_INVALID',
      'TIMESTAMP_OUT_OF_WINDOW',
      'MALFORMED_MESSAGE (envelope)',
      'UNSUPPORTED_ALGORITHM (resource.algorithm)',
      'DECRYPTION_FAILED',
      'MALFORMED_MESSAGE (decrypted resource)',
    ],
    cases,
  });
}

// ---------------------------------------------------------------------------
// certificates.json: a /v3/global/certificates response
// ---------------------------------------------------------------------------

function buildCertificates() {
  const entries = [
    { certificate: platform, nonce: 'f6H8j0L2n4P5' },
    { certificate: platform2, nonce: 'g7I9k1M3o5Q6' },
  ];
  const body = JSON.stringify({
    data: entries.map(({ certificate, nonce }) => ({
      serial_no: certificate.serial,
      effective_time: rfc3339Plus8(certificate.not_before),
      expire_time: rfc3339Plus8(certificate.not_after),
      encrypt_certificate: {
        algorithm: 'AEAD_AES_256_GCM',
        nonce,
        associated_data: 'certificate',
        ciphertext: aesGcmEncrypt(apiV3Key, nonce, 'certificate', certificate.pem),
      },
    })),
  });
  const headers = signedHeaders({ timestamp: NOW - 1, nonce: 'F2QA7C4NB9J3S6T1U8W0X5Y7Z9B1D3E5', body });
  requireSignature(platform.pem, verificationMessage(String(NOW - 1), headers['Wechatpay-Nonce'], body), headers['Wechatpay-Signature'], true, 'certificates');
  for (const item of JSON.parse(body).data) {
    const encrypted = item.encrypt_certificate;
    const pem = aesGcmDecrypt(apiV3Key, encrypted.nonce, encrypted.associated_data, encrypted.ciphertext);
    if (pem !== entries.find((e) => e.certificate.serial === item.serial_no).certificate.pem) {
      throw new Error(`self-check failed: certificate ${item.serial_no} does not decrypt to its PEM`);
    }
  }

  writeJson('certificates.json', {
    comment: TEST_ONLY,
    description:
      'A /v3/global/certificates response signed by keys/platform_pkcs8.pem. Decrypt each ' +
      'encrypt_certificate with apiv3_key, then verify the headers with the certificate whose serial ' +
      'matches Wechatpay-Serial.',
    apiv3_key: apiV3Key,
    now: NOW,
    headers,
    body,
    expected: {
      signed_by: platform.serial,
      certificates: entries.map(({ certificate }) => ({
        serial_no: certificate.serial,
        effective_time: rfc3339Plus8(certificate.not_before),
        expire_time: rfc3339Plus8(certificate.not_after),
        not_before: certificate.not_before,
        not_after: certificate.not_after,
        certificate_file: certificate.file,
      })),
    },
  });
}

buildSignatures();
buildResponseSignatures();
buildAesGcm();
buildNotifications();
buildCertificates();
