#!/usr/bin/env bash
# Kotlin and Swift checks of the uniffi bindings, for `make test`:
#   1. builds the Rust library (papay-uniffi), the generator and the `papay` CLI (debug);
#   2. runs the Kotlin JUnit tests on the JVM against `papay sandbox` (mvn -q -B test);
#   3. generates the Swift sources, which catches generation errors on Linux (nothing compiles
#      Swift here; mobile/scripts/build-xcframework.sh does that on macOS).
# Exits non-zero when any step fails. Maven uses its default local repository (~/.m2).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cd "$root"

echo "mobile: cargo build -p papay-uniffi -p papay-uniffi-bindgen -p papay-cli"
cargo build --quiet -p papay-uniffi -p papay-uniffi-bindgen -p papay-cli

echo "mobile: mvn -q -B test (mobile/kotlin)"
reports="$root/mobile/kotlin/target/surefire-reports"
rm -rf "$reports"
status=0
# Maven 3.8 writes bare ANSI reset codes even in batch mode; sed drops them so the summary
# below starts its line.
(cd "$root/mobile/kotlin" && mvn -q -B -Dstyle.color=never test -Dpapay.targetDir="$CARGO_TARGET_DIR" -Dpapay.skipCargo=true) 2>&1 \
    | sed 's/\x1b\[[0-9;]*m//g' || status=$?

# `mvn -q` hides Surefire's summary when every test passes, so print it from the XML reports,
# in Surefire's own format.
if compgen -G "$reports/TEST-*.xml" >/dev/null; then
    python3 - "$reports" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for path in glob.glob(sys.argv[1] + "/TEST-*.xml"):
    suite = ET.parse(path).getroot()
    for key in totals:
        totals[key] += int(suite.get(key, "0"))
print("Tests run: {tests}, Failures: {failures}, Errors: {errors}, Skipped: {skipped}".format(**totals))
PY
else
    echo "mobile: Surefire wrote no reports to $reports" >&2
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "mobile: Kotlin tests failed (exit $status); details in $reports" >&2
    exit "$status"
fi

echo "mobile: generating the Swift sources"
"$root/mobile/scripts/generate-swift.sh" "$CARGO_TARGET_DIR/swift-generated"
