# papay: the two entry points are `make demo` and `make test`.
#
# Every language shares one Cargo target directory and builds in debug, so the Rust core is
# compiled once per machine. Each language's suite installs its own dependencies from the
# package registries (crates.io, PyPI, npm, Maven Central).

CARGO ?= cargo
export CARGO_TARGET_DIR ?= $(CURDIR)/target

RUST_PACKAGES := -p papay -p papay-sandbox -p papay-cli

.PHONY: demo test test-rust test-python test-node test-kotlin lint build-cli fuzz load bench

## demo: run the whole Auto-Debit lifecycle against the embedded sandbox.
demo:
	$(CARGO) run --quiet -p papay-cli --bin papay -- demo

## test: every test in every language.
test: test-rust test-python test-node test-kotlin

## test-rust: unit, vector, wire and end-to-end tests of the core, the sandbox and the CLI.
test-rust:
	$(CARGO) test $(RUST_PACKAGES)

## test-python: build the Python package into a venv and run its pytest suite.
test-python:
	bash python/run-tests.sh

## test-node: npm ci, build the napi addon and the TypeScript layer, run the node:test suite.
test-node:
	bash node/run-tests.sh

## test-kotlin: build the uniffi library, run the Kotlin JUnit suite on the JVM, generate Swift.
test-kotlin:
	bash mobile/run-tests.sh

## build-cli: the `papay` binary that other languages' tests start as a sandbox server.
build-cli:
	$(CARGO) build --quiet -p papay-cli --bin papay

## lint: formatting and clippy over the Rust workspace.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy $(RUST_PACKAGES) --all-targets -- -D warnings

## fuzz: every fuzz target for FUZZ_SECONDS each (default 60); needs the nightly toolchain and
## installs cargo-fuzz from crates.io when it is missing. Not part of `make test`.
FUZZ_SECONDS ?= 60
fuzz:
	bash fuzz/run.sh $(FUZZ_SECONDS)

## load: 10,000 deductions from 64 concurrent callers against an in-process sandbox, each
## notification verified; ends with "load ok: N deductions, 0 duplicates, 0 lost".
load:
	$(CARGO) run --quiet -p papay-load -- --deductions 10000 --concurrency 64

## bench: release builds measured against OpenSSL, bare reqwest, wechatpayv3 and
## wechatpay-node-v3; prints a table and writes bench/results.json. Not part of `make test`.
bench:
	bash bench/run.sh
