"""Runs PyPI scim2-tester's check_server against a running SCIM server.

Usage: scim2_tester_check.py BASE_URL BEARER_TOKEN [--crud RESOURCE_TYPE ...]
Starts nothing itself: the caller (crates/sandbox/tests/scim2_tester.rs) starts the server
and signs in. The discovery checks (ServiceProviderConfig, Schemas, ResourceTypes) always run
on everything the server publishes; with --crud, the create/read/replace/delete/PATCH checks
run only on the resource types named. Prints one line per check that is not a success and a
summary; exits 1 when any check is ERROR or CRITICAL.
"""

import collections
import sys

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import check_server
from scim2_tester.utils import Status


def main() -> int:
    args = sys.argv[1:]
    if len(args) < 2 or len(args[2:]) % 2 or any(flag != "--crud" for flag in args[2::2]):
        print(__doc__, file=sys.stderr)
        return 2
    base_url, token = args[0].rstrip("/"), args[1]
    crud = list(args[3::2]) or None
    http = httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    results = check_server(SyncSCIMClient(http), resource_types=crud)
    counts = collections.Counter()
    for result in results:
        counts[result.status.name] += 1
        if result.status not in (Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE):
            print(f"{result.status.name}: [{result.resource_type or '-'}] {result.title}: {result.reason}")
    print("scim2-tester summary: " + ", ".join(f"{name}={n}" for name, n in sorted(counts.items())))
    failed = counts.get("ERROR", 0) + counts.get("CRITICAL", 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
