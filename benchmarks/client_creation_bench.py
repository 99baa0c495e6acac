"""CPU per botocore client as ClientFactory builds them, with and without the event speed-ups.

Builds one client per service first (service models and classes loaded), then times
`--rounds` x 4 regions x 6 services more in one thread, as verify does for each account.
No request is sent (the endpoint is never contacted).

Usage: python benchmarks/client_creation_bench.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SERVICES = ["ec2", "guardduty", "securityhub", "config", "accessanalyzer", "s3control"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"]


def per_client_ms(rounds: int, fast: bool) -> float:
    import boto3

    from bootstrap_tui.aws.clients import ClientFactory
    from bootstrap_tui.aws.speedups import event_handlers, install

    install()  # before choosing: installing switches the speed-ups on
    with event_handlers(fast=fast):
        factory = ClientFactory(
            boto3.Session(aws_access_key_id="bench", aws_secret_access_key="bench"),
            region="us-east-1",
            endpoint_url="http://127.0.0.1:9",
        )
        for service in SERVICES:
            factory._make_client(factory.session, service, "us-east-1", None, guarded=True)
        started = time.process_time()
        for _ in range(rounds):
            for region in REGIONS:
                for service in SERVICES:
                    factory._make_client(factory.session, service, region, None, guarded=True)
        return (time.process_time() - started) * 1000 / (rounds * len(REGIONS) * len(SERVICES))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    for fast in (False, True, False, True):
        label = "event speed-ups" if fast else "botocore's own event code"
        print(f"{label}: {per_client_ms(args.rounds, fast):.2f} ms of CPU per client", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
