// Builds the papay npm package for the host platform from a fresh clone:
//   1. the native addon, with @napi-rs/cli (a debug build unless PAPAY_RELEASE=1), into
//      native/papay.<platform>.node plus its TypeScript declarations native/index.d.ts;
//   2. the TypeScript layer, with tsc, into dist/cjs (CommonJS). The ESM entry points in esm/
//      re-export that build, so both module systems share one copy of every class.
//
// Flags: --native-only, --ts-only. Cargo's target directory defaults to the workspace's
// ../target, where the other bindings' builds already compiled the core.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const workspaceDir = resolve(packageDir, '..');
const args = new Set(process.argv.slice(2));
const buildNative = !args.has('--ts-only');
const buildTs = !args.has('--native-only');

function run(command, commandArgs, env = {}) {
  console.log(`$ ${command} ${commandArgs.join(' ')}`);
  const result = spawnSync(command, commandArgs, { cwd: packageDir, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    console.error(`build failed: ${command} exited with ${result.status ?? result.signal}`);
    process.exit(1);
  }
}

const bin = (name) => join(packageDir, 'node_modules', '.bin', name);

if (buildNative) {
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(workspaceDir, 'target');
  const napiArgs = [
    'build',
    '--manifest-path', join(workspaceDir, 'bindings', 'node', 'Cargo.toml'),
    '--package-json-path', join(packageDir, 'package.json'),
    '--platform',
    '--no-js',
    '--output-dir', join(packageDir, 'native'),
    '--dts', 'index.d.ts',
  ];
  if (process.env.PAPAY_RELEASE === '1') {
    napiArgs.push('--release');
  }
  run(bin('napi'), napiArgs, { CARGO_TARGET_DIR: targetDir });
}

if (buildTs) {
  const declarations = join(packageDir, 'native', 'index.d.ts');
  if (!existsSync(declarations)) {
    console.error('build failed: native/index.d.ts is missing; build the addon first (node scripts/build.mjs --native-only)');
    process.exit(1);
  }
  // The TypeScript sources import the addon's types from ./native-binding; the same file sits
  // beside the emitted declarations so that dist/cjs/*.d.ts resolve it too.
  copyFileSync(declarations, join(packageDir, 'src', 'native-binding.d.ts'));
  rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
  run(bin('tsc'), ['-p', 'tsconfig.json']);
  mkdirSync(join(packageDir, 'dist', 'cjs'), { recursive: true });
  copyFileSync(declarations, join(packageDir, 'dist', 'cjs', 'native-binding.d.ts'));
}
