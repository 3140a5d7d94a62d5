"""Starts localstripe (PyPI localstripe==1.15.10), the fake Stripe API, for tests.

Differences from `localstripe --port N`, all for test isolation:
- binds 127.0.0.1 only (its own CLI binds every interface);
- keeps its state file in --state-dir instead of the fixed /tmp/localstripe.pickle,
  so concurrent test runs do not share or clobber each other's objects;
- always starts from scratch;
- prints "READY <port>" once listening.

Written against localstripe 1.15.10. The response patches async-stripe needs
(TESTING.md lists the missing fields) belong here too and arrive with the pay
page, the first code that talks to Stripe.
"""
import argparse
import os
import pickle

from aiohttp import web
from localstripe import resources
from localstripe.server import app


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

    async def ready(_app):
        print(f"READY {args.port}", flush=True)

    app.on_startup.append(ready)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
