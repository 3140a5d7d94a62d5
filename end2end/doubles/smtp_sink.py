"""A real SMTP server for tests (aiosmtpd) that keeps every message it accepts.

Each message is written to DIR as NNNN.eml, and a line of JSON
({"file", "mail_from", "rcpt_tos"}) is appended to DIR/index.jsonl, so tests
can read exactly what Settle sent. Prints "READY <port>" once listening.

Usage: python smtp_sink.py --port PORT --dir DIR [--reject-rcpt ADDRESS ...]
A recipient listed with --reject-rcpt gets a permanent 550 answer, so tests can
see how Settle records a refused message.
"""
import argparse
import asyncio
import json
import os
import signal

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, reject):
        self.directory = directory
        self.reject = {r.lower() for r in reject}
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 Mailbox unavailable (test double)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = f"{self.count:04d}.eml"
        with open(os.path.join(self.directory, name), "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(os.path.join(self.directory, "index.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps({"file": name, "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}) + "\n")
        return f"250 2.0.0 Ok: queued as test-{self.count:04d}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--reject-rcpt", action="append", default=[])
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Sink(args.dir, args.reject_rcpt), hostname=args.host, port=args.port)
    controller.start()
    print(f"READY {args.port}", flush=True)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
