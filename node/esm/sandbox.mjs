// ESM entry point of `papay/sandbox`: re-exports the CommonJS build (see esm/index.mjs).
import cjs from '../dist/cjs/sandbox.js';

export const { Sandbox, deliveryHeaders, sessionIdFromUrl } = cjs;

export default cjs;
