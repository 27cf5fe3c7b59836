/**
 * Errors thrown by papay: `PayError` and one subclass per error kind of the Rust core.
 *
 * The addon throws a plain `Error` whose message is `papay-error:` followed by JSON with
 * `code`, `message`, `httpStatus`, `requestId`, `detail` and `retryable`; {@link fromNative}
 * rebuilds the subclass for `code`. Type errors that Node-API raises while converting arguments
 * (a number where a string belongs, a missing required field) become {@link InvalidArgumentError}.
 */

/** Stable upper-snake code of each error kind, identical in every papay language binding. */
export type ErrorCode =
  | 'INVALID_CONFIG'
  | 'INVALID_ARGUMENT'
  | 'TRANSPORT'
  | 'TIMEOUT'
  | 'API_ERROR'
  | 'SIGNATURE_HEADERS_MISSING'
  | 'UNSUPPORTED_ALGORITHM'
  | 'UNKNOWN_SERIAL'
  | 'CERTIFICATE_EXPIRED'
  | 'SIGNATURE_INVALID'
  | 'TIMESTAMP_OUT_OF_WINDOW'
  | 'DECRYPTION_FAILED'
  | 'MALFORMED_MESSAGE'
  | 'OUTCOME_UNKNOWN'
  | 'INTERNAL';

/** Structured fields of an error as the addon sends them. */
interface Payload {
  code: string;
  message: string;
  httpStatus: number | null;
  requestId: string | null;
  detail: Record<string, unknown>;
  retryable: boolean;
}

const PAYLOAD_PREFIX = 'papay-error:';

/** Base class of every papay error. */
export class PayError extends Error {
  /** Error kind, e.g. `API_ERROR`. */
  readonly code: ErrorCode;
  /** HTTP status of WeChat Pay's answer (`API_ERROR` only), otherwise `undefined`. */
  readonly httpStatus: number | undefined;
  /** The `Request-ID` response header (`API_ERROR` only); WeChat Pay support asks for it. */
  readonly requestId: string | undefined;
  /**
   * Kind-specific fields: `field` for INVALID_ARGUMENT and INVALID_CONFIG; `apiCode`,
   * `apiMessage`, `apiDetail` and `signatureVerified` for API_ERROR; `serial`, `header`,
   * `endpoint` and similar for the others.
   */
  readonly detail: Readonly<Record<string, unknown>>;
  /** Whether sending the same request again unchanged may succeed. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, fields: Partial<Pick<Payload, 'httpStatus' | 'requestId' | 'detail' | 'retryable'>> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = fields.httpStatus ?? undefined;
    this.requestId = fields.requestId ?? undefined;
    this.detail = Object.freeze({ ...(fields.detail ?? {}) });
    this.retryable = fields.retryable ?? false;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      httpStatus: this.httpStatus,
      requestId: this.requestId,
      detail: this.detail,
      retryable: this.retryable,
    };
  }
}

/** The client options are unusable: raised by `new Client(...)`. */
export class InvalidConfigError extends PayError {}
/** A request argument breaks a documented rule; nothing was signed or sent. */
export class InvalidArgumentError extends PayError {}
/** The request could not be sent or the response could not be read. */
export class TransportError extends PayError {}
/** The call did not complete within `timeoutMs`. */
export class TimeoutError extends PayError {}
/** WeChat Pay answered with an error status; `apiCode` is its code such as `ORDER_PAID`. */
export class ApiError extends PayError {
  /** WeChat Pay's code, e.g. `NOT_FOUND`, `ORDER_PAID`, `CONTRACT_NOT_EXIST`; empty when none. */
  get apiCode(): string {
    return typeof this.detail.apiCode === 'string' ? this.detail.apiCode : '';
  }

  /** Whether the error response carried a signature that verified. */
  get signatureVerified(): boolean {
    return this.detail.signatureVerified === true;
  }
}
/** A response or notification lacks a `Wechatpay-*` signature header. */
export class SignatureHeadersMissingError extends PayError {}
/** The signature type or resource algorithm is not the supported one. */
export class UnsupportedAlgorithmError extends PayError {}
/** `Wechatpay-Serial` names no known platform certificate or public key. */
export class UnknownSerialError extends PayError {}
/** The platform certificate that signed is outside its validity period. */
export class CertificateExpiredError extends PayError {}
/** The signature does not verify over the received bytes. */
export class SignatureInvalidError extends PayError {}
/** The signed timestamp is too far from the local clock. */
export class TimestampOutOfWindowError extends PayError {}
/** AEAD_AES_256_GCM decryption failed: wrong APIv3 key or modified ciphertext. */
export class DecryptionFailedError extends PayError {}
/** An authentic response or notification could not be understood. */
export class MalformedMessageError extends PayError {}
/**
 * A deduction or refund failed in transit and the reconciling query failed too. Retry the same
 * call with the same merchant number: WeChat Pay treats it as the same order or refund.
 */
export class OutcomeUnknownError extends PayError {}

/** A sandbox method failed (unknown session, contract or order). Not a PayError. */
export class SandboxError extends Error {
  readonly code = 'SANDBOX';

  constructor(message: string) {
    super(message);
    this.name = 'SandboxError';
  }
}

const CLASSES: Record<Exclude<ErrorCode, 'INTERNAL'>, typeof PayError> = {
  INVALID_CONFIG: InvalidConfigError,
  INVALID_ARGUMENT: InvalidArgumentError,
  TRANSPORT: TransportError,
  TIMEOUT: TimeoutError,
  API_ERROR: ApiError,
  SIGNATURE_HEADERS_MISSING: SignatureHeadersMissingError,
  UNSUPPORTED_ALGORITHM: UnsupportedAlgorithmError,
  UNKNOWN_SERIAL: UnknownSerialError,
  CERTIFICATE_EXPIRED: CertificateExpiredError,
  SIGNATURE_INVALID: SignatureInvalidError,
  TIMESTAMP_OUT_OF_WINDOW: TimestampOutOfWindowError,
  DECRYPTION_FAILED: DecryptionFailedError,
  MALFORMED_MESSAGE: MalformedMessageError,
  OUTCOME_UNKNOWN: OutcomeUnknownError,
};

/** Node-API status codes raised while converting JavaScript arguments to Rust values. */
const CONVERSION_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
]);

/** Converts an error thrown by the addon into the papay error it carries. */
export function fromNative(error: unknown): unknown {
  if (!(error instanceof Error)) {
    return error;
  }
  if (error.message.startsWith(PAYLOAD_PREFIX)) {
    let payload: Payload;
    try {
      payload = JSON.parse(error.message.slice(PAYLOAD_PREFIX.length)) as Payload;
    } catch {
      return error;
    }
    if (payload.code === 'SANDBOX') {
      return new SandboxError(payload.message);
    }
    const ErrorClass = CLASSES[payload.code as keyof typeof CLASSES] ?? PayError;
    return new ErrorClass(payload.code as ErrorCode, payload.message, payload);
  }
  const status = (error as { code?: unknown }).code;
  if (typeof status === 'string' && CONVERSION_STATUSES.has(status)) {
    return new InvalidArgumentError('INVALID_ARGUMENT', `invalid argument: ${error.message}`, { detail: { napiStatus: status } });
  }
  return error;
}

/** Runs a synchronous addon call and rethrows its error as a papay error. */
export function callSync<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw fromNative(error);
  }
}

/** Runs an asynchronous addon call and rethrows its error, sync or async, as a papay error. */
export async function callAsync<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw fromNative(error);
  }
}
