"""Schemathesis hooks for bangbang: data the document cannot state.

A few fields must name something that exists, or a time relative to now, which no schema
can say: the building and entrance of an address (they exist in the chosen community), a
volunteer to dispatch to (an active volunteer of the request's community), the request a
duplicate points to, and the times `reported_at` (not in the future) and `next_at` (from a
day ago to two years ahead). For *positive* cases only (data the document says is valid),
these hooks replace such values with ones that exist in the demo and lie in range, so a
422 on a valid case means a real disagreement between the document and the server.
Negative cases are left alone: whatever the document refuses, the server must refuse.

The demo's facts below come from `bangbang serve --demo` (crates/cli/src/demo): the API
token is `lxl_staff`'s, so requests reached are 流霞里's (liuxiali).
"""

import datetime
import json
import os
import random
import urllib.request

import schemathesis

# Buildings 1..N of each demo community, and entrances 1..M of each building.
LAYOUT = {"liuxiali": (24, 3), "dadi": (8, 2)}
LIUXIALI_VOLUNTEERS = [f"lxl_v{n:02d}" for n in range(1, 11)]
CHINA = datetime.timezone(datetime.timedelta(hours=8))

_rng = random.Random(int(os.environ.get("ST_SEED", "20261130")))
_existing_code = None


def _positive(case):
    meta = getattr(case, "meta", None)
    try:
        return meta is not None and meta.generation.mode.is_positive
    except AttributeError:
        return False


def _local(at):
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _an_existing_code():
    """The code of an old demo request, fetched once: a duplicate must point at one."""
    global _existing_code
    if _existing_code is None:
        origin = os.environ["BANGBANG_ST_ORIGIN"]
        req = urllib.request.Request(
            f"{origin}/api/v1/requests?community=liuxiali&to=2024-12-31&limit=1",
            headers={"Authorization": f"Bearer {os.environ['BANGBANG_ST_TOKEN']}"},
        )
        with urllib.request.urlopen(req, timeout=10) as res:
            _existing_code = json.load(res)["items"][0]["code"]
    return _existing_code


@schemathesis.hook
def map_case(context, case):
    if not _positive(case) or not isinstance(case.body, dict):
        return case
    path = case.operation.path
    body = case.body
    now = datetime.datetime.now(datetime.timezone.utc)
    if path == "/requests" and case.method.upper() == "POST":
        address = body.get("address")
        community = body.get("community")
        if isinstance(address, dict) and community in LAYOUT:
            buildings, entrances = LAYOUT[community]
            if "building" in address:
                address["building"] = str(_rng.randint(1, buildings))
            if "entrance" in address:
                address["entrance"] = str(_rng.randint(1, entrances))
        if "reported_at" in body:
            body["reported_at"] = _local(now - datetime.timedelta(minutes=_rng.randint(1, 60 * 24 * 300)))
    elif path.endswith("/follow-up"):
        if "next_at" in body:
            body["next_at"] = _local(now + datetime.timedelta(hours=_rng.randint(1, 24 * 600)))
    elif path.endswith("/dispatch"):
        if "volunteer" in body:
            body["volunteer"] = _rng.choice(LIUXIALI_VOLUNTEERS)
    elif path.endswith("/close"):
        if body.get("reason") == "duplicate":
            body["duplicate_of"] = _an_existing_code()
    return case
