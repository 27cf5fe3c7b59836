/**
 * Loads the addon built for this platform from `native/papay.<platform>.node`, the file name
 * `@napi-rs/cli build --platform` writes.
 */

import { join } from 'node:path';

import type * as Binding from './native-binding';

function platformSuffix(): string {
  const { platform, arch } = process;
  if (platform === 'linux') {
    // glibcVersionRuntime is present only on glibc systems; musl builds get their own file.
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    return `linux-${arch}-${report?.header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
  }
  if (platform === 'win32') {
    return `win32-${arch}-msvc`;
  }
  return `${platform}-${arch}`;
}

function load(): typeof Binding {
  const file = join(__dirname, '..', '..', 'native', `papay.${platformSuffix()}.node`);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as typeof Binding;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`papay: cannot load the native addon ${file}: ${reason}. Build it for this platform with \`npm run build\` in the papay package.`);
  }
}

export const native = load();
