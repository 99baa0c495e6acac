"""CPU per new TLS connection, botocore's own contexts vs shared trust (bootstrap_tui/aws/tls.py).

Starts the sandbox over HTTPS (a throwaway CA made for the run; AWS_CA_BUNDLE points at it),
then, in a new process per mode, creates --clients ClientFactory clients (services x regions)
and makes one call on each. The sandbox closes every connection after its response, so each
call is a new TCP connection and TLS handshake, as the first call of each client is against
AWS. Reported: CPU of the client process per call (client creation included), and how many
times the CA bundle was loaded in the process (the test CA appended to certifi's bundle, so
each load costs what loading the default bundle does).

Usage: python benchmarks/tls_bench.py [--clients 48] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["sts", "ec2", "guardduty", "securityhub", "config", "accessanalyzer"]
REGIONS = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "eu-north-1",
    "ca-central-1",
]
CALLS = {
    "sts": "get_caller_identity",
    "ec2": "describe_vpcs",
    "guardduty": "list_detectors",
    "securityhub": "describe_hub",
    "config": "describe_configuration_recorders",
    "accessanalyzer": "list_analyzers",
}


def child(endpoint: str, clients: int, shared: bool) -> dict:
    import boto3
    from botocore.exceptions import ClientError

    from bootstrap_tui.aws import ClientFactory, tls

    loads: list[str] = []
    stock = ssl.SSLContext.load_verify_locations

    def counting(self, cafile=None, capath=None, cadata=None):  # type: ignore[no-untyped-def]
        loads.append(str(cafile))
        return stock(self, cafile, capath, cadata)

    ssl.SSLContext.load_verify_locations = counting  # type: ignore[method-assign]
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    factory = ClientFactory(
        session, region="us-east-1", endpoint_url=endpoint, max_attempts=1, retry_mode="standard"
    )
    pairs = [(service, region) for region in REGIONS for service in SERVICES][:clients]
    with tls.sharing(shared):
        factory.client("sts").get_caller_identity()  # service models loaded before the clock starts
        cpu, wall = time.process_time(), time.perf_counter()
        for service, region in pairs:
            try:
                getattr(factory.client(service, region=region), CALLS[service])()
            except ClientError:
                pass  # an API error still means a full TLS round trip
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "calls": len(pairs),
        "connections": len(pairs) + 1,
        "cpu_ms_per_call": round(cpu * 1000 / len(pairs), 2),
        "wall_ms_per_call": round(wall * 1000 / len(pairs), 2),
        "bundle_loads": len(loads),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clients",
        type=int,
        default=48,
        help=f"clients, one call each (max {len(SERVICES) * len(REGIONS)})",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--child", nargs=3, metavar=("ENDPOINT", "CLIENTS", "MODE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), args.child[2] == "shared")))
        return 0

    import certifi

    from tests.certs import authority

    work = Path(tempfile.mkdtemp(prefix="tls-bench-"))
    ca = authority(work, "bench-ca")
    bundle = work / "bundle.pem"  # the test CA inside certifi's full bundle: a realistic parse cost
    bundle.write_text(Path(certifi.where()).read_text() + ca.pem.read_text())
    cert, key = ca.issue(work, "sandbox", hosts=["127.0.0.1"])
    env = {**os.environ, "AWS_CA_BUNDLE": str(bundle), "AWS_EC2_METADATA_DISABLED": "true"}
    sandbox = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bootstrap_tui.sandbox",
            "--port",
            "0",
            "--op-delay",
            "0",
            "--tls-cert",
            cert,
            "--tls-key",
            key,
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = sandbox.stdout.readline() if sandbox.stdout else ""
        if not line.startswith("endpoint: "):
            raise SystemExit(f"the sandbox did not start: {line!r}")
        endpoint = line.split(" ", 1)[1].strip()
        print(
            f"sandbox: {endpoint}; CA bundle {bundle.stat().st_size // 1024} KB; {ssl.OPENSSL_VERSION}"
        )
        results: dict[str, list[dict]] = {"stock": [], "shared": []}
        for _ in range(args.repeat):
            for mode in results:
                done = subprocess.run(
                    [sys.executable, __file__, "--child", endpoint, str(args.clients), mode],
                    check=True,
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                results[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
        for mode, runs in results.items():
            label = "botocore's own contexts" if mode == "stock" else "shared trust (aws/tls.py)"
            print(
                f"{label}: {statistics.median(r['cpu_ms_per_call'] for r in runs)} ms CPU per new connection "
                f"(median of {len(runs)}; runs {[r['cpu_ms_per_call'] for r in runs]}), "
                f"CA bundle loaded {runs[0]['bundle_loads']} times for the process's "
                f"{runs[0]['connections']} connections"
            )
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
