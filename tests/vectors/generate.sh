#!/usr/bin/env bash
# Regenerates the cross-language test vectors in this directory.
#
# Tools: the `openssl` command line (keys, certificates, RSA signatures) and
# Node.js 20 (AES-256-GCM through its built-in `crypto` module, JSON output).
# Neither shares code with the papay SDK, so the vectors check the SDK against
# independent implementations.
#
# Keys and certificates are created only when their file is missing. With the
# committed keys every run writes byte-identical JSON files, because RSA
# PKCS#1 v1.5 signatures are deterministic and every nonce and timestamp is a
# constant in generate.mjs.
#
# Usage: tests/vectors/generate.sh   (not run in CI)
set -euo pipefail

cd "$(dirname "$0")"
mkdir -p keys

# Chosen serial numbers (hex). The first byte of each is below 0x80, so the
# DER INTEGER needs no leading zero byte and the serial prints as exactly
# these 40 characters.
MERCHANT_SERIAL=1F3E5D7C9B0A2E4C6D8F1A3B5C7E9D0F2A4B6C8E
PLATFORM_SERIAL=3C6A1E5F0B7D92A4C8E1F03B5D7A9C2E4F6B8D01
PLATFORM2_SERIAL=4D7B2F6A1C8E03B5D9F14A6C2E8B0D3F5A7C9E12
EXPIRED_SERIAL=2E5C8A1F7B3D09E6C4A2F81D5B3E7C9A0F2D4B63

# 20 years. OpenSSL 3.0's `req -x509` has no -not_before/-not_after, so the
# validity of the two current platform certificates starts at creation time.
PLATFORM_CERT_DAYS=7305

# `openssl ca` accepts explicit dates, which the expired certificate needs.
EXPIRED_START=20200101000000Z
EXPIRED_END=20210101000000Z

new_rsa_key() {
    local file=$1
    if [[ ! -f $file ]]; then
        echo "creating $file"
        openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$file"
    fi
}

# Creates a self-signed certificate with `openssl req -x509`.
new_current_cert() {
    local key=$1 serial=$2 common_name=$3 out=$4
    if [[ ! -f $out ]]; then
        echo "creating $out"
        openssl req -x509 -new -sha256 -key "$key" -set_serial "0x$serial" \
            -days "$PLATFORM_CERT_DAYS" \
            -subj "/C=CN/O=papay test vectors (TEST ONLY)/CN=$common_name" \
            -out "$out"
    fi
}

# Creates a self-signed certificate whose validity ended in the past.
# `openssl ca -selfsign` is used because it takes -startdate/-enddate.
new_expired_cert() {
    local key=$1 serial=$2 common_name=$3 out=$4
    if [[ -f $out ]]; then
        return
    fi
    echo "creating $out"
    local work
    work=$(mktemp -d)
    trap 'rm -rf "$work"' RETURN
    : >"$work/index.txt"
    echo "$serial" >"$work/serial"
    cat >"$work/ca.cnf" <<EOF
[ca]
default_ca = test_ca

[test_ca]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no

[policy_any]
countryName = optional
organizationName = optional
commonName = supplied
EOF
    openssl req -new -sha256 -key "$key" \
        -subj "/C=CN/O=papay test vectors (TEST ONLY)/CN=$common_name" \
        -out "$work/request.csr"
    openssl ca -batch -notext -preserveDN -selfsign -config "$work/ca.cnf" \
        -keyfile "$key" -in "$work/request.csr" \
        -startdate "$EXPIRED_START" -enddate "$EXPIRED_END" \
        -out "$out" 2>"$work/ca.log" || { cat "$work/ca.log" >&2; return 1; }
}

# --- merchant key (signs requests) ---
new_rsa_key keys/merchant_pkcs8.pem
openssl pkey -in keys/merchant_pkcs8.pem -traditional -out keys/merchant_pkcs1.pem
if [[ ! -f keys/merchant_serial.txt ]]; then
    printf '%s\n' "$MERCHANT_SERIAL" >keys/merchant_serial.txt
fi

# --- platform keys and certificates (sign responses and notifications) ---
new_rsa_key keys/platform_pkcs8.pem
new_current_cert keys/platform_pkcs8.pem "$PLATFORM_SERIAL" "papay test platform certificate 1" keys/platform_cert.pem
openssl pkey -in keys/platform_pkcs8.pem -pubout -out keys/platform_public.pem
openssl rsa -pubin -in keys/platform_public.pem -RSAPublicKey_out -out keys/platform_public_pkcs1.pem 2>/dev/null

new_rsa_key keys/platform2_pkcs8.pem
new_current_cert keys/platform2_pkcs8.pem "$PLATFORM2_SERIAL" "papay test platform certificate 2" keys/platform2_cert.pem
openssl pkey -in keys/platform2_pkcs8.pem -pubout -out keys/platform2_public.pem

new_rsa_key keys/platform_expired_pkcs8.pem
new_expired_cert keys/platform_expired_pkcs8.pem "$EXPIRED_SERIAL" "papay test platform certificate expired" keys/platform_expired_cert.pem

# --- APIv3 key (AES-256-GCM): 32 ASCII letters and digits, no newline ---
if [[ ! -f keys/apiv3_key.txt ]]; then
    echo "creating keys/apiv3_key.txt"
    apiv3_key=""
    while ((${#apiv3_key} < 32)); do
        apiv3_key+=$(openssl rand -base64 48 | tr -dc 'A-Za-z0-9')
    done
    printf '%s' "${apiv3_key:0:32}" >keys/apiv3_key.txt
fi

# Each certificate must carry the serial chosen above.
check_serial() {
    local cert=$1 expected=$2 actual
    actual=$(openssl x509 -in "$cert" -noout -serial)
    actual=${actual#serial=}
    if [[ $actual != "$expected" ]]; then
        echo "error: $cert has serial $actual, expected $expected" >&2
        exit 1
    fi
}
check_serial keys/platform_cert.pem "$PLATFORM_SERIAL"
check_serial keys/platform2_cert.pem "$PLATFORM2_SERIAL"
check_serial keys/platform_expired_cert.pem "$EXPIRED_SERIAL"

node generate.mjs
