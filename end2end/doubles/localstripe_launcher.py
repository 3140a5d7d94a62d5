"""Starts localstripe (PyPI localstripe==1.15.10), the fake Stripe API, for tests.

Differences from `localstripe --port N`, all for test isolation:
- binds 127.0.0.1 only (its own CLI binds every interface);
- keeps its state file in --state-dir instead of the fixed /tmp/localstripe.pickle,
  so concurrent test runs do not share or clobber each other's objects;
- always starts from scratch;
- prints "READY <port>" once listening;
- serves the browser suite's Stripe.js stand-in (stripe_standin.js) at
  /_config/settle/stripe.js, and its confirm call at /_config/settle/confirm
  (localstripe's auth lets /_config/ through; the stand-in needs no secret key).

- patches localstripe's answers so async-stripe 1.0.0-rc.10 can parse them: the
  fields real Stripe always sends and localstripe leaves out (listed in
  ../shared/TESTING.md), `latest_charge` as an id as real Stripe sends it, and no
  removed `charges` list. See `patch_exports`.

Written against localstripe 1.15.10.
"""
import argparse
import asyncio
import os
import pickle

from aiohttp import web
from localstripe import resources
from localstripe.server import app


EMPTY_ADDRESS = {"city": None, "country": None, "line1": None, "line2": None,
                 "postal_code": None, "state": None}


def patch_exports():
    """Adds what async-stripe's typed models require to localstripe's JSON."""
    pi_export = resources.PaymentIntent._export

    def payment_intent_export(self, expand=None):
        obj = pi_export(self, expand=expand)
        status = obj.get("status")
        obj.setdefault("amount_capturable", obj["amount"] if status == "requires_capture" else 0)
        obj.setdefault("amount_received", obj["amount"] if status == "succeeded" else 0)
        obj.setdefault("confirmation_method", "automatic")
        obj.setdefault("payment_method_types", ["card"])
        obj.setdefault("livemode", False)
        obj.pop("charges", None)
        charge = obj.get("latest_charge")
        if isinstance(charge, dict):
            obj["latest_charge"] = charge.get("id")
        error = obj.get("last_payment_error")
        if isinstance(error, dict):
            error.setdefault("type", "card_error")
        return obj

    resources.PaymentIntent._export = payment_intent_export

    charge_export = resources.Charge._export

    def charge_export_patched(self, expand=None):
        obj = charge_export(self, expand=expand)
        obj.setdefault("amount_captured", obj["amount"] if obj.get("captured") and obj.get("status") == "succeeded" else 0)
        obj.setdefault("amount_refunded", 0)
        obj.setdefault("billing_details", {"address": dict(EMPTY_ADDRESS), "email": None,
                                           "name": None, "phone": None, "tax_id": None})
        obj.setdefault("disputed", False)
        obj.setdefault("paid", obj.get("status") == "succeeded")
        obj.setdefault("refunded", False)
        obj.setdefault("livemode", False)
        return obj

    resources.Charge._export = charge_export_patched

    event_export = resources.Event._export

    def event_export_patched(self, expand=None):
        obj = event_export(self, expand=expand)
        obj.setdefault("pending_webhooks", 0)
        obj.setdefault("request", {"id": None, "idempotency_key": None})
        obj.setdefault("livemode", False)
        return obj

    resources.Event._export = event_export_patched


STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stripe_standin.js")


async def standin_js(_request):
    with open(STANDIN, encoding="utf-8") as f:
        return web.Response(text=f.read(), content_type="application/javascript")


async def standin_confirm(request):
    """What confirmPayment does at Stripe: attach the typed card, confirm.
    Cards behave as TESTING.md lists (any 16 digits succeed; 4000000000000341 declines)."""
    data = await request.post()
    secret = data.get("client_secret", "")
    card = data.get("card", "") or "4242424242424242"
    intent_id = secret.split("_secret_")[0]
    try:
        pi = resources.PaymentIntent._api_retrieve(intent_id)
        if pi.client_secret != secret:
            return web.json_response({"error": {"message": "No such payment."}}, status=404)
        # A retry after a decline starts a new charge, as Stripe does.
        if pi.latest_charge is not None and pi.latest_charge.status == "failed":
            pi.latest_charge = None
        pm = resources.PaymentMethod._api_create(
            type="card", card={"number": card, "exp_month": "12", "exp_year": "2030", "cvc": "123"})
        resources.PaymentIntent._api_update(intent_id, payment_method=pm.id)
        try:
            resources.PaymentIntent._api_confirm(intent_id)
        except resources.UserError:
            pass  # a decline: the intent carries last_payment_error
        return web.json_response(resources.PaymentIntent._api_retrieve(intent_id)._export())
    except resources.UserError as e:
        return web.json_response({"error": {"message": str(e)}}, status=400)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.state_dir, exist_ok=True)
    state_file = os.path.join(args.state_dir, "localstripe.pickle")

    def dump_to_disk(self):
        with open(state_file, "wb") as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)

    resources.Store.dump_to_disk = dump_to_disk
    patch_exports()

    app.router.add_get("/_config/settle/stripe.js", standin_js)
    app.router.add_post("/_config/settle/confirm", standin_confirm)

    # READY only once the socket listens (aiohttp's on_startup hooks run
    # before it binds, which let a fast caller meet a refused connection).
    async def serve():
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", args.port).start()
        print(f"READY {args.port}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
