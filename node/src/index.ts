/**
 * papay: a WeChat Pay Global Auto-Debit (APIv3) client for Node.js.
 *
 * Every call goes through the Rust core. The core validates the request and signs the exact
 * bytes it sends. It verifies every response and notification over the exact bytes received,
 * keeps the platform certificates fresh, and reconciles deductions and refunds whose outcome a
 * timeout left uncertain. This layer converts arguments (keys as strings or Buffers, headers in any
 * shape), rebuilds errors as `PayError` subclasses, and keeps keys out of `util.inspect` and
 * `JSON.stringify`.
 *
 * Amounts are numbers of minor units and must be safe integers (see README, "Amounts"). Times
 * are RFC 3339 strings with offset, as WeChat Pay sends them.
 */

import { inspect } from 'node:util';

import { callAsync, callSync, InvalidArgumentError } from './errors';
import { native } from './native';
import type * as Binding from './native-binding';

export {
  ApiError,
  CertificateExpiredError,
  DecryptionFailedError,
  InvalidArgumentError,
  InvalidConfigError,
  MalformedMessageError,
  OutcomeUnknownError,
  PayError,
  SandboxError,
  SignatureHeadersMissingError,
  SignatureInvalidError,
  TimeoutError,
  TimestampOutOfWindowError,
  TransportError,
  UnknownSerialError,
  UnsupportedAlgorithmError,
} from './errors';
export type { ErrorCode } from './errors';
export type {
  AppPreSignRequest,
  Contract,
  ContractNotification,
  DeductionAmount,
  DeductionRequest,
  ExchangeRate,
  H5PreSignRequest,
  JsapiPreSignRequest,
  LaunchParams,
  MiniProgramPreSignRequest,
  Order,
  OrderAmount,
  Payer,
  PlatformCertificate,
  PlatformPublicKey,
  PromotionDetail,
  Refund,
  RefundAmount,
  RefundList,
  RefundListOrderAmount,
  RefundListRequest,
  RefundNotification,
  RefundPromotion,
  RefundRequest,
  RefundRequestAmount,
  RetryOptions,
  SceneInfo,
  SessionIdResponse,
  ShowCodeUrlResponse,
  SigningReturn,
  SigningTarget,
  SignUrlResponse,
  TerminateContractRequest,
  WebPreSignRequest,
} from './native-binding';

/** A key as text or bytes; strings are used as their UTF-8 bytes. */
export type KeyInput = string | Buffer | Uint8Array;

/**
 * Options of {@link Client}. Give `appid` for Common mode, or `spAppid` and `subMchid` (and
 * optionally `subAppid`) for Institutional mode. Every other field is as documented on
 * the native options.
 */
export interface ClientOptions extends Omit<Binding.NativeClientOptions, 'privateKey' | 'apiv3Key'> {
  /** Merchant private key PEM (PKCS#8 or PKCS#1); give this or `privateKeyFile`. */
  privateKey?: KeyInput;
  /** APIv3 key, exactly 32 bytes. */
  apiv3Key: KeyInput;
}

/** The client's configuration without secrets. */
export interface ClientConfig {
  mchid: string;
  serialNo: string;
  baseUrl: string;
  mode: { appid: string } | { spAppid: string; subMchid: string; subAppid: string | null };
  privateKey: '<redacted>';
  apiv3Key: '<redacted>';
}

/** Header containers accepted by {@link Client.parseNotification}: Node's `IncomingHttpHeaders`, a plain object, a fetch `Headers`, or name-value pairs. */
export type HeadersInput =
  | Record<string, string | string[] | number | undefined>
  | { forEach(callback: (value: string, name: string) => void): void }
  | Iterable<readonly [string, string]>;

/** A notification's decrypted content, discriminated by `kind`. */
export type NotificationEvent =
  | { kind: 'contract_signed' | 'contract_terminated'; contract: Binding.ContractNotification }
  | { kind: 'deduction_succeeded'; order: Binding.Order }
  | { kind: 'refund_succeeded' | 'refund_abnormal' | 'refund_closed'; refund: Binding.RefundNotification }
  | { kind: 'other'; resource: unknown };

/** A verified and decrypted notification. */
export type Notification = Omit<Binding.Notification, 'kind' | 'contract' | 'order' | 'refund' | 'resource'> & NotificationEvent;

/** The HTTP response a notification endpoint sends back to WeChat Pay. */
export interface NotificationAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Acknowledges a notification: `204 No Content`. Answer within 5 s and queue slow work. */
export function acknowledge(): NotificationAnswer {
  return { status: 204, headers: {}, body: '' };
}

/**
 * Asks WeChat Pay to send the notification again later: `500` with `{"code":"FAIL","message":...}`.
 * Use it when verification failed or the notification could not be stored.
 */
export function reject(message: string): NotificationAnswer {
  return { status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'FAIL', message }) };
}

function toBuffer(field: string, value: unknown): Buffer | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'string') {
    return Buffer.from(value, 'utf8');
  }
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new InvalidArgumentError('INVALID_ARGUMENT', `invalid argument: ${field} must be a string or a Buffer, got ${typeof value}`, { detail: { field } });
}

/** Flattens any supported header container to an object of name to first value. */
export function normalizeHeaders(headers: HeadersInput): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: unknown, value: unknown) => {
    if (typeof name !== 'string' || value === undefined || value === null) {
      return;
    }
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && !(name in out)) {
      out[name] = String(first);
    }
  };
  if (headers === null || typeof headers !== 'object') {
    throw new InvalidArgumentError('INVALID_ARGUMENT', `invalid argument: headers must be an object of header names to values, got ${headers === null ? 'null' : typeof headers}`, { detail: { field: 'headers' } });
  }
  if (typeof (headers as { forEach?: unknown }).forEach === 'function' && !Array.isArray(headers)) {
    (headers as { forEach(cb: (v: string, n: string) => void): void }).forEach((value, name) => add(name, value));
  } else if (Symbol.iterator in headers) {
    for (const pair of headers as Iterable<readonly [string, string]>) {
      add(pair[0], pair[1]);
    }
  } else {
    for (const [name, value] of Object.entries(headers)) {
      add(name, value);
    }
  }
  return out;
}

function toBody(body: unknown): Buffer {
  if (typeof body === 'string') {
    return Buffer.from(body, 'utf8');
  }
  if (body instanceof Uint8Array) {
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  const got = body === null ? 'null' : typeof body;
  throw new InvalidArgumentError(
    'INVALID_ARGUMENT',
    `invalid argument: body must be the raw request body as a Buffer (or its exact text), got ${got}; a parsed and re-serialized body does not verify, so read it with express.raw() or a Fastify content-type parser with parseAs: 'buffer'`,
    { detail: { field: 'body' } },
  );
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** A WeChat Pay Global Auto-Debit client. Every method returns a Promise except where noted. */
export class Client {
  readonly #native: Binding.NativeClient;

  /** Validates the options and creates the client; makes no network call. Throws {@link InvalidConfigError}. */
  constructor(options: ClientOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError('INVALID_ARGUMENT', 'invalid argument: options must be an object', { detail: { field: 'options' } });
    }
    const nativeOptions = {
      ...options,
      privateKey: toBuffer('privateKey', options.privateKey),
      apiv3Key: toBuffer('apiv3Key', options.apiv3Key) as Buffer,
    };
    this.#native = callSync(() => new native.NativeClient(nativeOptions));
  }

  /** The configuration without secrets. */
  get config(): ClientConfig {
    return callSync(() => this.#native.describe()) as ClientConfig;
  }

  /** Creates a Mini Program signing session and returns its `sessionId`. */
  miniProgramPreSign(request: Binding.MiniProgramPreSignRequest): Promise<Binding.SessionIdResponse> {
    return callAsync(() => this.#native.miniProgramPreSign(request));
  }

  /** Creates an H5 signing session and returns the `signUrl` the mobile browser opens. */
  h5PreSign(request: Binding.H5PreSignRequest): Promise<Binding.SignUrlResponse> {
    return callAsync(() => this.#native.h5PreSign(request));
  }

  /** Creates a JSAPI signing session and returns the `signUrl` opened inside WeChat. */
  jsapiPreSign(request: Binding.JsapiPreSignRequest): Promise<Binding.SignUrlResponse> {
    return callAsync(() => this.#native.jsapiPreSign(request));
  }

  /** Creates a PC Web signing session and returns the `showCodeUrl` to render with {@link qrCodeSvg}. */
  webPreSign(request: Binding.WebPreSignRequest): Promise<Binding.ShowCodeUrlResponse> {
    return callAsync(() => this.#native.webPreSign(request));
  }

  /** Creates an APP signing session and returns the `sessionId` the app hands to WeChat (see {@link launchParams}). */
  appPreSign(request: Binding.AppPreSignRequest): Promise<Binding.SessionIdResponse> {
    return callAsync(() => this.#native.appPreSign(request));
  }

  /** Queries a contract by WeChat Pay's `contractId`. */
  queryContractById(contractId: string): Promise<Binding.Contract> {
    return callAsync(() => this.#native.queryContractById(contractId));
  }

  /** Queries a contract by the merchant's `outContractCode` within template `planId`. */
  queryContractByOutContractCode(planId: number, outContractCode: string): Promise<Binding.Contract> {
    return callAsync(() => this.#native.queryContractByOutContractCode(planId, outContractCode));
  }

  /** Terminates a contract; the result also arrives as a `PAPAY.TERMINATE` notification. */
  terminateContract(contractId: string, request: Binding.TerminateContractRequest): Promise<void> {
    return callAsync(() => this.#native.terminateContract(contractId, request));
  }

  /**
   * Charges the user under a contract. After a timeout or a 5xx the client queries the order by
   * `outTradeNo` and returns its real state instead of charging twice; when that query fails
   * too it throws {@link OutcomeUnknownError}.
   */
  deduct(request: Binding.DeductionRequest): Promise<Binding.Order> {
    return callAsync(() => this.#native.deduct(request));
  }

  /** Queries an order by WeChat Pay's `transactionId`. */
  queryOrderByTransactionId(transactionId: string): Promise<Binding.Order> {
    return callAsync(() => this.#native.queryOrderByTransactionId(transactionId));
  }

  /** Queries an order by the merchant's `outTradeNo`. */
  queryOrderByOutTradeNo(outTradeNo: string): Promise<Binding.Order> {
    return callAsync(() => this.#native.queryOrderByOutTradeNo(outTradeNo));
  }

  /** Closes an unpaid order. A paid order fails with ApiError `ORDER_PAID`: refund it instead. */
  reverseOrder(outTradeNo: string): Promise<void> {
    return callAsync(() => this.#native.reverseOrder(outTradeNo));
  }

  /** Applies for a refund; the final state comes from the refund notification or a query. Reconciled like {@link deduct}. */
  refund(request: Binding.RefundRequest): Promise<Binding.Refund> {
    return callAsync(() => this.#native.refund(request));
  }

  /** Queries a refund by WeChat Pay's refund id. */
  queryRefundById(refundId: string): Promise<Binding.Refund> {
    return callAsync(() => this.#native.queryRefundById(refundId));
  }

  /** Queries a refund by the merchant's `outRefundNo`. */
  queryRefundByOutRefundNo(outRefundNo: string): Promise<Binding.Refund> {
    return callAsync(() => this.#native.queryRefundByOutRefundNo(outRefundNo));
  }

  /** Lists one page of an order's refunds. */
  listRefunds(request: Binding.RefundListRequest): Promise<Binding.RefundList> {
    return callAsync(() => this.#native.listRefunds(request));
  }

  /** Downloads, decrypts and verifies the platform certificates and caches them; newest first. */
  downloadCertificates(): Promise<Binding.PlatformCertificate[]> {
    return callAsync(() => this.#native.downloadCertificates());
  }

  /** Returns the cached platform certificates, newest expiry first (synchronous). */
  platformCertificates(): Binding.PlatformCertificate[] {
    return callSync(() => this.#native.platformCertificates());
  }

  /**
   * Verifies, decrypts and parses a notification. `headers` may use any letter case; `body` must
   * be the raw bytes as received, never a parsed and re-serialized object.
   */
  parseNotification(headers: HeadersInput, body: Buffer | Uint8Array | string): Promise<Notification> {
    return callAsync(async () => {
      const pairs = normalizeHeaders(headers);
      const bytes = toBody(body);
      // Parsed right here unless a certificate download is needed first, which saves the round
      // trip through a worker thread that an async native call costs.
      const notification =
        this.#native.parseNotificationOffline(pairs, bytes) ?? (await this.#native.parseNotification(pairs, bytes));
      return notification as unknown as Notification;
    });
  }

  /** Shows the configuration without secrets. */
  [INSPECT](depth: number, options: object): string {
    return `Client ${inspect(this.config, { ...options, depth })}`;
  }

  /** Returns the configuration without secrets. */
  toJSON(): ClientConfig {
    return this.config;
  }
}

/**
 * Builds what an app or Mini Program needs to open WeChat's signing page for `sessionId`.
 * The defaults of `target` are unverified for WeChat Pay Global, so `verified` is false.
 */
export function launchParams(sessionId: string, target?: Binding.SigningTarget): Binding.LaunchParams {
  return callSync(() => native.launchParams(sessionId, target));
}

/** Reads what WeChat hands back to the app after signing: a hint for the UI, never proof. */
export function parseSigningReturn(data: string): Binding.SigningReturn {
  return callSync(() => native.parseSigningReturn(data));
}

/** Renders a PC Web `showCodeUrl` as an SVG QR code with `modulePixels` (1 to 64) pixels per module. */
export function qrCodeSvg(url: string, modulePixels = 4): string {
  return callSync(() => native.qrCodeSvg(url, modulePixels));
}

/** Input of {@link buildAuthorization}; the key and body may be strings or Buffers. */
export interface AuthorizationInput extends Omit<Binding.AuthorizationInput, 'privateKey' | 'body'> {
  privateKey: KeyInput;
  body?: KeyInput;
}

/**
 * Computes the `Authorization` header of one request with a given timestamp and nonce, to compare
 * with the `sign_information` WeChat Pay returns on a SIGN_ERROR.
 */
export function buildAuthorization(input: AuthorizationInput): string {
  return callSync(() =>
    native.buildAuthorization({
      ...input,
      privateKey: toBuffer('privateKey', input.privateKey) as Buffer,
      body: toBuffer('body', input.body ?? '') as Buffer,
    }),
  );
}

/** Input of {@link verifyResponseSignature}. */
export interface VerifyInput extends Omit<Binding.VerifyInput, 'headers' | 'body'> {
  headers: HeadersInput;
  body: Buffer | Uint8Array | string;
}

/** Verifies a response's `Wechatpay-*` signature over its raw body; returns the serial that signed it. */
export function verifyResponseSignature(input: VerifyInput): string {
  return callSync(() => native.verifyResponseSignature({ ...input, headers: normalizeHeaders(input.headers), body: toBody(input.body) }));
}

/** Decrypts an AEAD_AES_256_GCM resource (Base64 of ciphertext and tag) with the APIv3 key. */
export function decryptResource(apiv3Key: KeyInput, nonce: string, associatedData: string, ciphertext: string): Buffer {
  return callSync(() => native.decryptResource(toBuffer('apiv3Key', apiv3Key) as Buffer, nonce, associatedData, ciphertext));
}
