// ESM entry point of `papay`: re-exports the CommonJS build, so `import` and `require` share
// one copy of every class and `instanceof PayError` is true across both.
import cjs from '../dist/cjs/index.js';

export const {
  Client,
  PayError,
  InvalidConfigError,
  InvalidArgumentError,
  TransportError,
  TimeoutError,
  ApiError,
  SignatureHeadersMissingError,
  UnsupportedAlgorithmError,
  UnknownSerialError,
  CertificateExpiredError,
  SignatureInvalidError,
  TimestampOutOfWindowError,
  DecryptionFailedError,
  MalformedMessageError,
  OutcomeUnknownError,
  SandboxError,
  acknowledge,
  reject,
  normalizeHeaders,
  launchParams,
  parseSigningReturn,
  qrCodeSvg,
  buildAuthorization,
  verifyResponseSignature,
  decryptResource,
} = cjs;

export default cjs;
