/**
 * `papay/sandbox`: WeChat Pay's side of the Global Auto-Debit protocol, started in-process on
 * 127.0.0.1 for merchants' tests. It verifies every request's signature, answers with signed
 * responses, keeps contracts, orders and refunds, plays the user, sends signed and encrypted
 * notifications, and injects faults. Every key it hands out is a throwaway test key.
 */

import { inspect } from 'node:util';

import { callAsync, callSync } from './errors';
import type { ClientOptions } from './index';
import { native } from './native';
import type * as Binding from './native-binding';

export type {
  DeliveryRecord,
  RequestRecord,
  SandboxContract,
  SandboxCredentials,
  SandboxOptions,
} from './native-binding';

/** A signing session: its `sessionId`, or the newest pending one for `planId` and `outContractCode`. */
export type SigningSession = { sessionId: string } | { planId: number; outContractCode: string };

/**
 * A fault rule in the sandbox's JSON form, matched in insertion order against API requests.
 * `fault` is one of `{ delay_ms }`, `{ process_then_delay_ms }`, `{ process_then_status }`,
 * `{ error: { status, code, message } }`, `{ html_page: status }`, or one of the strings
 * `invalid_json`, `bad_signature`, `unknown_serial`, `missing_signature_headers`,
 * `reset_mid_body`, `close_connection`. `times: 0` fires until {@link Sandbox.clearFaults}.
 */
export interface FaultRule {
  method?: string;
  path_contains?: string;
  times?: number;
  fault: unknown;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** A running sandbox. Start it with {@link Sandbox.start}; stop it with {@link Sandbox.shutdown}. */
export class Sandbox {
  readonly #native: Binding.NativeSandbox;

  private constructor(nativeSandbox: Binding.NativeSandbox) {
    this.#native = nativeSandbox;
  }

  /** Starts a sandbox on an ephemeral port of 127.0.0.1. */
  static async start(options: Binding.SandboxOptions = {}): Promise<Sandbox> {
    const started = await callAsync(() => native.startSandbox(options));
    return new Sandbox(started);
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  get baseUrl(): string {
    return this.#native.baseUrl;
  }

  /** Keys and ids a client needs; test keys only. */
  credentials(): Binding.SandboxCredentials {
    return callSync(() => this.#native.credentials());
  }

  /** Options for `new Client(...)` in Common mode against this sandbox, with `overrides` applied. */
  clientOptions(overrides: Partial<ClientOptions> = {}): ClientOptions {
    const c = this.credentials();
    return {
      mchid: c.mchid,
      serialNo: c.merchantSerialNo,
      privateKey: c.merchantPrivateKeyPem,
      apiv3Key: c.apiv3Key,
      baseUrl: c.baseUrl,
      appid: c.appid,
      ...overrides,
    };
  }

  /** Plays the user signing: creates a SIGNED contract and sends PAPAY.SIGN. */
  confirmSigning(session: SigningSession): Binding.SandboxContract {
    return callSync(() => this.#native.confirmSigning(session));
  }

  /** Plays the user abandoning a signing; nothing is sent. */
  cancelSigning(session: SigningSession): void {
    callSync(() => this.#native.cancelSigning(session));
  }

  /** Plays the user terminating a contract in WeChat; sends PAPAY.TERMINATE. */
  terminateByUser(contractId: string): Binding.SandboxContract {
    return callSync(() => this.#native.terminateByUser(contractId));
  }

  /** Plays the user finishing a USERPAYING payment; sends TRANSACTION.SUCCESS. */
  completePayment(outTradeNo: string): void {
    callSync(() => this.#native.completePayment(outTradeNo));
  }

  /** Sets the result of the next deduction; later ones succeed again. */
  setNextDeductionOutcome(outcome: 'SUCCESS' | 'USERPAYING'): void {
    callSync(() => this.#native.setNextDeductionOutcome(outcome));
  }

  /** Sets the final state of the next refund; later ones succeed again. */
  setNextRefundOutcome(outcome: 'SUCCESS' | 'ABNORMAL' | 'CLOSED'): void {
    callSync(() => this.#native.setNextRefundOutcome(outcome));
  }

  /** Issues a new platform certificate and signs with it from now on; returns its serial. */
  rotatePlatformCertificate(): string {
    return callSync(() => this.#native.rotatePlatformCertificate());
  }

  /** Switches between signing with the platform certificate and with the public key id. */
  usePublicKeyId(enabled: boolean): void {
    callSync(() => this.#native.usePublicKeyId(enabled));
  }

  /** Points notifications at a local server, e.g. `http://127.0.0.1:8080`, keeping each URL's path; `null` removes the redirect. */
  setNotifyRedirect(url: string | null): void {
    callSync(() => this.#native.setNotifyRedirect(url));
  }

  /** Adds a fault rule after the existing ones. */
  inject(rule: FaultRule): void {
    callSync(() => this.#native.inject(rule));
  }

  /** Removes every fault rule. */
  clearFaults(): void {
    callSync(() => this.#native.clearFaults());
  }

  /** Returns every notification so far, in creation order. */
  notifications(): Binding.DeliveryRecord[] {
    return callSync(() => this.#native.notifications());
  }

  /** Waits for the first acknowledged notification of `eventType` that no earlier call returned. */
  waitForDelivery(eventType: string, timeoutMs = 5000): Promise<Binding.DeliveryRecord> {
    return callAsync(() => this.#native.waitForDelivery(eventType, timeoutMs));
  }

  /** Returns the API requests received, oldest first. */
  requests(): Binding.RequestRecord[] {
    return callSync(() => this.#native.requests());
  }

  /** Returns how many times money moved for an order: 0 or 1 for a correct client. */
  chargeCount(outTradeNo: string): number {
    return callSync(() => this.#native.chargeCount(outTradeNo));
  }

  /** Stops the listener and pending deliveries. */
  shutdown(): Promise<void> {
    return callAsync(() => this.#native.shutdown());
  }

  [INSPECT](depth: number, options: object): string {
    return `Sandbox ${inspect({ baseUrl: this.baseUrl }, { ...options, depth })}`;
  }

  toJSON(): { baseUrl: string } {
    return { baseUrl: this.baseUrl };
  }
}

/** Returns a delivery record's headers as an object of name to value. */
export function deliveryHeaders(record: Binding.DeliveryRecord): Record<string, string> {
  return Object.fromEntries(record.headers.map(([name, value]) => [name, value]));
}

/** Returns the `os_session_id` of an H5, JSAPI or PC Web sign URL, for {@link Sandbox.confirmSigning}. */
export function sessionIdFromUrl(url: string): string {
  const id = new URL(url).searchParams.get('os_session_id');
  if (!id) {
    throw new Error(`${url} carries no os_session_id query parameter`);
  }
  return id;
}
