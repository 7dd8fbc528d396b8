"""A scripted kazoo session (Debian's python3-kazoo, unchanged) for zookit's interop tests.

Usage: session.py HOST:PORT ROOT

Runs create/get/set/children, watches, transactions, ephemeral and sequential nodes, digest
ACLs, and the Lock and Election recipes under ROOT, and prints one JSON document: a list of
[step, result] pairs with zxids, times and session ids left out, so that the output for two
servers can be compared. Every wait is bounded.
"""

import json
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.recipe.election import Election
from kazoo.recipe.lock import Lock
from kazoo.security import make_digest_acl

WAIT_SECONDS = 10


def normalise_stat(stat):
    """The stat fields two servers agree on."""
    if stat is None:
        return None
    return {
        "version": stat.version,
        "cversion": stat.cversion,
        "aversion": stat.aversion,
        "dataLength": stat.dataLength,
        "numChildren": stat.numChildren,
        "ephemeral": stat.ephemeralOwner != 0,
        "createdByLastChange": stat.czxid == stat.mzxid,
    }


class Transcript:
    """Collects [step, result]; an exception becomes {"error": class name}."""

    def __init__(self):
        self.entries = []

    def run(self, step, action):
        try:
            result = action()
        except KazooException as error:
            result = {"error": type(error).__name__}
        self.entries.append([step, result])
        return result


def connect(hosts, auth=None):
    client = KazooClient(hosts=hosts, timeout=10)
    client.start(timeout=WAIT_SECONDS)
    if auth is not None:
        client.add_auth("digest", auth)
    return client


class EventBox:
    """A one-shot watch callback that remembers the event it got."""

    def __init__(self):
        self.event = None
        self.ready = threading.Event()

    def __call__(self, event):
        self.event = event
        self.ready.set()

    def wait(self):
        if not self.ready.wait(WAIT_SECONDS):
            return "no event"
        return [self.event.type, self.event.path]


def basics(t, client, root):
    t.run("create root", lambda: client.create(root))
    t.run("create p", lambda: client.create(root + "/p", b"hello"))
    t.run("create p again", lambda: client.create(root + "/p"))
    t.run("create without parent", lambda: client.create(root + "/none/x"))
    t.run("create makepath", lambda: client.create(root + "/deep/er/node", b"d", makepath=True))
    t.run("sequence 1", lambda: client.create(root + "/s-", b"1", sequence=True))
    t.run("sequence 2", lambda: client.create(root + "/s-", b"2", sequence=True))
    t.run("ephemeral", lambda: client.create(root + "/e", b"eph", ephemeral=True))
    t.run("child of ephemeral", lambda: client.create(root + "/e/c"))
    t.run("ephemeral sequence", lambda: client.create(root + "/es-", ephemeral=True, sequence=True))
    t.run("get p", lambda: [client.get(root + "/p")[0].decode(), normalise_stat(client.get(root + "/p")[1])])
    t.run("get ephemeral", lambda: normalise_stat(client.get(root + "/e")[1]))
    t.run("set p v0", lambda: normalise_stat(client.set(root + "/p", b"world", version=0)))
    t.run("set p v0 again", lambda: normalise_stat(client.set(root + "/p", b"late", version=0)))
    t.run("set missing", lambda: normalise_stat(client.set(root + "/missing", b"x")))
    t.run("exists p", lambda: normalise_stat(client.exists(root + "/p")))
    t.run("exists missing", lambda: client.exists(root + "/missing"))
    t.run("children", lambda: sorted(client.get_children(root)))
    t.run(
        "children with stat",
        lambda: normalise_stat(client.get_children(root, include_data=True)[1]),
    )
    t.run("children missing", lambda: client.get_children(root + "/missing"))


def watches(t, client, other, root):
    data_box, child_box, exists_box, delete_box = EventBox(), EventBox(), EventBox(), EventBox()
    client.get(root + "/p", watch=data_box)
    client.get_children(root, watch=child_box)
    t.run("exists w (watch)", lambda: client.exists(root + "/w", watch=exists_box))
    other.set(root + "/p", b"changed")
    t.run("data watch", data_box.wait)
    other.create(root + "/w")
    t.run("exists watch", exists_box.wait)
    t.run("child watch", child_box.wait)
    client.get(root + "/w", watch=delete_box)
    other.delete(root + "/w")
    t.run("delete watch", delete_box.wait)


def describe_results(results):
    described = []
    for result in results:
        if isinstance(result, Exception):
            described.append({"error": type(result).__name__})
        elif hasattr(result, "version"):
            described.append({"version": result.version})
        else:
            described.append(result)
    return described


def transactions(t, client, root):
    def good():
        transaction = client.transaction()
        transaction.create(root + "/t1", b"one")
        transaction.set_data(root + "/t1", b"two", version=0)
        transaction.check(root + "/t1", 1)
        transaction.create(root + "/t2")
        transaction.delete(root + "/t2")
        return describe_results(transaction.commit())

    def bad():
        transaction = client.transaction()
        transaction.create(root + "/t3")
        transaction.check(root + "/p", 99)
        transaction.set_data(root + "/t1", b"three")
        return describe_results(transaction.commit())

    t.run("transaction ok", good)
    t.run("transaction failing", bad)
    t.run("t3 after failed transaction", lambda: client.exists(root + "/t3"))
    t.run("t1 after transactions", lambda: client.get(root + "/t1")[0].decode())


def acls(t, client, stranger, bob, root):
    alice_only = [make_digest_acl("alice", "secret", all=True)]
    t.run("create acl node", lambda: client.create(root + "/acl", b"private", acl=alice_only))
    t.run("owner reads", lambda: client.get(root + "/acl")[0].decode())
    t.run("stranger reads", lambda: stranger.get(root + "/acl")[0].decode())
    t.run("wrong password reads", lambda: bob.get(root + "/acl")[0].decode())
    t.run("stranger writes", lambda: normalise_stat(stranger.set(root + "/acl", b"x")))
    t.run(
        "owner get_acls",
        lambda: [[acl.perms, acl.id.scheme, acl.id.id] for acl in client.get_acls(root + "/acl")[0]],
    )
    t.run("set_acls bad version", lambda: normalise_stat(client.set_acls(root + "/acl", alice_only, version=7)))


def lock_and_election(t, client, other, root):
    first = Lock(client, root + "/lock", "first")
    second = Lock(other, root + "/lock", "second")
    t.run("lock first acquires", lambda: first.acquire(timeout=WAIT_SECONDS))
    t.run("lock second cannot", lambda: second.acquire(blocking=False))
    t.run("lock contenders", lambda: first.contenders())
    first.release()
    t.run("lock second acquires after release", lambda: second.acquire(timeout=WAIT_SECONDS))
    t.run("lock contenders after", lambda: second.contenders())
    second.release()

    leading = threading.Event()
    resign = threading.Event()

    def lead():
        leading.set()
        resign.wait(WAIT_SECONDS)

    election = Election(client, root + "/election", "leader-a")
    follower = Election(other, root + "/election", "leader-b")
    thread = threading.Thread(target=election.run, args=(lead,), daemon=True)
    thread.start()
    t.run("election leader runs", lambda: leading.wait(WAIT_SECONDS))
    t.run("election contenders", lambda: follower.contenders())
    resign.set()
    thread.join(WAIT_SECONDS)
    t.run("election over", lambda: not thread.is_alive())


def deletes(t, client, root):
    t.run("delete p bad version", lambda: client.delete(root + "/p", version=0))
    t.run("delete not empty", lambda: client.delete(root + "/deep"))
    t.run("delete missing", lambda: client.delete(root + "/missing"))
    t.run("delete recursive", lambda: client.delete(root + "/deep", recursive=True))
    t.run("children at end", lambda: sorted(client.get_children(root)))


def main():
    hosts, root = sys.argv[1], sys.argv[2]
    transcript = Transcript()
    client = connect(hosts, "alice:secret")
    other = connect(hosts)
    bob = connect(hosts, "bob:wrong")
    try:
        basics(transcript, client, root)
        watches(transcript, client, other, root)
        transactions(transcript, client, root)
        acls(transcript, client, other, bob, root)
        lock_and_election(transcript, client, other, root)
        deletes(transcript, client, root)
    finally:
        for each in (client, other, bob):
            each.stop()
            each.close()
    json.dump(transcript.entries, sys.stdout)


if __name__ == "__main__":
    main()
