#!/usr/bin/env bash
# Starts the release build on a fresh SQLite database with the two staff
# accounts the specs sign in with (tests/accounts.ts). Run by Playwright.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${SETTLE_BIN:-$root/target/release/settle}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A spec may run `settle` on this database (tests/settle.ts): then it lives
# where the spec looks, emptied first.
db_dir="$work"
if [ -n "${E2E_DB_DIR:-}" ]; then
  rm -rf "$E2E_DB_DIR" && mkdir -p "$E2E_DB_DIR" && db_dir="$E2E_DB_DIR"
fi
export DATABASE_URL="sqlite://$db_dir/settle.db?mode=rwc"
export LEPTOS_SITE_ADDR="127.0.0.1:${E2E_PORT:-3917}"
export SETTLE_PUBLIC_URL="http://127.0.0.1:${E2E_PORT:-3917}"
# scripts/test starts a real SMTP server (aiosmtpd) and passes its port.
if [ -n "${E2E_SMTP_PORT:-}" ]; then export SMTP_URL="smtp://127.0.0.1:$E2E_SMTP_PORT"; fi
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$root/target/site}"
# scripts/test starts the Stripe double (localstripe) and passes its port: online
# payment then runs against it, with the test-only Stripe.js stand-in it serves.
if [ -n "${E2E_STRIPE_PORT:-}" ]; then
  stripe="http://127.0.0.1:$E2E_STRIPE_PORT"
  export STRIPE_SECRET_KEY=sk_test_e2e STRIPE_PUBLISHABLE_KEY=pk_test_e2e STRIPE_WEBHOOK_SECRET=whsec_e2e
  export STRIPE_API_BASE="$stripe" STRIPE_JS_URL="$stripe/_config/settle/stripe.js"
  curl -sf -X POST "$stripe/_config/webhooks/settle-e2e" \
    -d "url=$SETTLE_PUBLIC_URL/stripe/webhook" -d "secret=$STRIPE_WEBHOOK_SECRET" >/dev/null
fi

if [ -n "${E2E_EMPTY_STORE:-}" ]; then
  # A new owner's store (setup.spec.ts): an empty database and the first admin,
  # exactly as the README's Deploying section makes them.
  "$bin" migrate >/dev/null
else
  # The demo store (products, customers, tax rates); its own admin login is not used.
  "$bin" seed >/dev/null
fi
printf '%s\n' 'keys open many doors' | "$bin" staff add owner@example.com --name "Avery Admin" --admin
printf '%s\n' 'till drawer opens wide' | "$bin" staff add cashier@example.com --name "Casey Cashier"
"$bin" serve &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT INT TERM
wait $server
