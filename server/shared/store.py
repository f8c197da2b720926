"""The Redis / Valkey backend: every worker and every machine on one URL is one server.

redis-py's asyncio client (with hiredis parsing) on one connection pool. The hot path — an
attempt, a token, a capacity slot, a journal entry — goes through `Batcher`: the operations of
every request of one event-loop tick are one `EVALSHA` of `scripts.BATCH`, so the store is
asked once a tick, whatever the load. The answer carries the config and reset generations:
a worker that sees a newer scenario applies it before it answers the requests of that batch,
so a client that changed the scenario through one worker is served under it by every other.

Two pub/sub channels per process: `grant:<worker>` hands a queued request its capacity slot,
and `report` asks every process for its share of the stats; a reader merges the shares
(`Stats.merged`) — the stats cost the hot path nothing. The journal is written to the store
(one list, bounded like the local one), so its order and sequence numbers are the store's.

A store that goes away: the batch fails, every request of it answers 503 naming the store,
the journal entries of those requests are kept (up to `batch.MAX_RETAINED`) and written when
it comes back, and one log line says so — no worker crashes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError

from .. import __version__
from ..accounting.journal import MAX_TEXT, Asker, Entry, Journal, cut
from ..accounting.stats import Stats
from ..config.settings import ROUTES
from ..errors import StoreError, StoreRefused, StoreUnreachable
from ..models.capacity import QueueFull
from ..models.lease import Lease, LeaseConflict
from ..models.phases import NO_PHASES, Schedule
from . import scripts
from .batch import Batcher
from .protocol import Stale

SOURCES: Final = {"batch": scripts.BATCH, "journal": scripts.JOURNAL, "reset": scripts.RESET,
                  "lease": scripts.LEASE, "reclaim": scripts.RECLAIM}  # fmt: skip

log = logging.getLogger(__name__)

FORMAT: Final = 1  # the layout of the keys and scripts; the version key holds it with ours
PREFIX: Final = "asynchronicity:"
STALE: Final = -2  # what the batch script answers an operation decided under an old scenario
REPORT_WAIT: Final = 2.0  # seconds a stats read waits for each process's share
SCHEMES: Final = {"redis": "redis", "rediss": "rediss", "valkey": "redis", "valkeys": "rediss",
                  "unix": "unix"}  # fmt: skip

ConfigHook = Callable[[Mapping[str, Any]], None]  # apply a scenario document another process set
# A new run began at this moment of the app's clock: start this process's share afresh, and
# count its phases from there (the store's epoch: every process the same, a restarted too).
ResetHook = Callable[[float], None]


def shown(url: str) -> str:
    """The URL without its password, for messages and the banner."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def client_url(url: str) -> str:
    """The URL as redis-py reads it (`valkey://` is `redis://`); ValueError for another."""
    scheme = urlsplit(url).scheme
    if scheme not in SCHEMES:
        schemes = ", ".join(f"{name}://" for name in SCHEMES)
        raise ValueError(f"must start with one of {schemes}; got {url!r}")
    return SCHEMES[scheme] + url[len(scheme) :]


def version_text() -> str:
    """What the version key holds: the key layout and the server that wrote it."""
    return f"format {FORMAT}, asynchronicity {__version__}"


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


class StoreLeases:
    """The lease in the store: one key with its expiry (`scripts.LEASE`)."""

    def __init__(self, store: RedisShared, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock

    def now(self) -> float:
        """The app's clock; a lease's expiry is the store's, told as seconds left."""
        return self._clock()

    def _lease(self, value: bytes | str | None, pttl: int) -> Lease | None:
        if not value:
            return None
        held = json.loads(value)
        return Lease(held["token"], held["holder"], held["since"], held["ttl"],
                     self._clock() + max(0, pttl) / 1000)  # fmt: skip

    async def _call(self, op: str, token: str | None, *extra: Any) -> tuple[bool, Lease | None]:
        code, value, pttl = await self._store.script("lease", op, token or "", *extra)
        return bool(code), self._lease(value, int(pttl))

    async def current(self) -> Lease | None:
        """The live lease, or None."""
        return (await self._call("show", None))[1]

    async def acquire(
        self, holder: Mapping[str, Any], ttl: float, token: str | None = None
    ) -> Lease:
        """Take the lease, or renew it with its token."""
        fresh = {"token": secrets.token_urlsafe(18), "holder": dict(holder),
                 "since": time.time(), "ttl": ttl}  # fmt: skip
        done, lease = await self._call("acquire", token, round(ttl * 1000), json.dumps(fresh))
        return self._granted(done, lease)

    async def renew(self, token: str | None, ttl: float | None = None) -> Lease:
        """Push the expiry on."""
        done, lease = await self._call("renew", token, round((ttl or 0) * 1000))
        return self._granted(done, lease)

    async def release(self, token: str | None) -> Lease:
        """Give it up."""
        done, lease = await self._call("release", token)
        return self._granted(done, lease)

    async def check(self, token: str | None) -> Lease | None:
        """The caller's lease, None when free and no token shown; else LeaseConflict."""
        lease = await self.current()
        if lease is not None and token == lease.token:
            return lease
        if lease is None and token is None:
            return None
        raise LeaseConflict(lease, self._clock())

    def _granted(self, done: bool, lease: Lease | None) -> Lease:
        if not done or lease is None:
            raise LeaseConflict(lease, self._clock())
        return lease


class StoreSlots:
    """Capacity slots counted in the store: granted at once, queued in the store's list (and
    handed over on this process's channel), or refused when the queue is full."""

    def __init__(self, store: RedisShared, workers: int, queue: int, clock: Callable[[], float]):
        self._store, self._workers, self._queue, self._clock = store, workers, queue, clock

    def try_acquire(self) -> bool:
        """Never at once: the store decides (`acquire`)."""
        return False

    async def acquire(self) -> float:
        """Seconds spent queued; QueueFull when the store's queue is full."""
        store = self._store
        ticket = f"{store.worker}:{next(store.tickets)}"
        granted = asyncio.get_running_loop().create_future()
        store.waiting[ticket] = granted  # before asking: the grant may overtake the answer
        started = self._clock()
        try:
            code = await store.batcher.submit("c", self._workers, self._queue, ticket)
            if code == 1:
                return 0.0
            if code == -1:
                raise QueueFull
            await granted
            return self._clock() - started
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.release()  # granted as it left: pass the slot on
            else:  # still queued: out of the queue (a grant already on its way is passed on
                store.batcher.post("x", ticket)  # by the listener, which finds no waiter)
            raise
        finally:
            store.waiting.pop(ticket, None)

    def release(self) -> None:
        """Give the slot back (the store hands it to the first ticket queued)."""
        self._store.batcher.post("r", self._store.worker)

    def resize(self, workers: int, queue: int) -> None:
        """A phase's capacity: asked of the store from the next request on."""
        self._workers, self._queue = workers, queue


class RedisShared:
    """The shared-state protocol on a Redis or Valkey server."""

    inline = False

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], float] = time.perf_counter,
        journal_size: int,
        journal_bytes: int,
        prefix: str = PREFIX,
        worker: str | None = None,
    ) -> None:
        self.url = shown(url)
        self._raw_url = url
        self.prefix = prefix
        self.clock = clock
        self.journal_size, self.journal_bytes = journal_size, journal_bytes
        # Who this process is to the store: a supervisor's worker keeps its name across
        # restarts, so the one started again gives back the slots its predecessor held.
        self.worker = re.sub(r"[^A-Za-z0-9_.-]", "_", worker) if worker else uuid.uuid4().hex[:12]
        self.tickets = itertools.count()
        self.waiting: dict[str, asyncio.Future[None]] = {}
        self.leases = StoreLeases(self, clock)
        self.batcher = Batcher(self._batch, self._unreachable)
        self.config_gen = self.reset_gen = 0
        self.on_config: ConfigHook | None = None
        self.on_reset: ResetHook | None = None
        self.stats_part: Callable[[], dict[str, Any]] | None = None
        self.schedule: Callable[[], Schedule] = lambda: NO_PHASES
        self.wall_offset = time.time() - clock()  # journal times are unix seconds
        self._client: Any = None
        self._sha: dict[str, str] = {}
        self._listener: asyncio.Task[None] | None = None
        self._pubsub: Any = None
        self._down: str | None = None  # the error of an outage, logged once

    # --- connecting -----------------------------------------------------------------------
    async def open(self, document: Mapping[str, Any] | None) -> None:
        """Connect, check the version key, load the scripts and listen; `document`, when
        given, becomes the scenario every process serves (else the store's is adopted).
        Raises StoreUnreachable or StoreRefused naming the URL."""
        try:
            target = client_url(self._raw_url)
        except ValueError as error:
            raise StoreRefused(self.url, str(error)) from None
        try:
            self._client = redis.from_url(
                target, socket_connect_timeout=2.0, socket_timeout=5.0,
                retry=Retry(NoBackoff(), 1), health_check_interval=0,
            )  # fmt: skip
        except ValueError as error:  # a malformed URL
            raise StoreRefused(self.url, _reason(error)) from None
        try:
            await self._check_version()
            await self._load_scripts()
            await self.script("reclaim", self.worker)
            await self._adopt(document)
            generation = int(await self._client.get(self._key("reset_gen")) or 0)
            await self._reset_seen(generation, force=True)  # the run's epoch, as the others
            self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            await self._pubsub.subscribe(self._key("grant:" + self.worker), self._key("report"))
        except StoreError:
            await self.close()
            raise
        except Exception as error:  # refused, timed out, not a Redis at all…
            await self.close()
            raise self._unreachable(error) from None
        self._listener = asyncio.get_running_loop().create_task(self._listen())

    async def _check_version(self) -> None:
        ours = version_text()
        key = self._key("version")
        await self._client.set(key, ours, nx=True)
        theirs = await self._client.get(key)
        theirs = theirs.decode() if isinstance(theirs, bytes) else theirs
        if theirs != ours:
            raise StoreRefused(self.url, f"written by another version of the server "
                               f"({theirs}; this is {ours}): use another database or empty "
                               "this one")  # fmt: skip
        await self._client.set(self._key("epoch"), repr(time.time()), nx=True)

    async def _load_scripts(self) -> None:
        for name, source in SOURCES.items():
            self._sha[name] = await self._client.script_load(source)

    async def _eval(self, name: str, *args: Any) -> Any:
        """EVALSHA one of the scripts, loading them again if the store lost them (restarted:
        its keys are gone too, so the version key is written again)."""
        try:
            return await self._client.evalsha(self._sha[name], 0, self.prefix, *args)
        except NoScriptError:
            await self._check_version()
            await self._load_scripts()
            return await self._client.evalsha(self._sha[name], 0, self.prefix, *args)

    async def _adopt(self, document: Mapping[str, Any] | None) -> None:
        """Publish `document`, or apply the store's scenario (None)."""
        if document is not None:
            await self.publish(document)
            return
        # The generation first: a scenario published meanwhile is a newer one, read again.
        self.config_gen = int(await self._client.get(self._key("config_gen")) or 0)
        config = await self._client.get(self._key("config"))
        if config and self.on_config is not None:
            self.on_config(json.loads(config))

    def _key(self, name: str) -> str:
        return self.prefix + name

    def _unreachable(self, error: BaseException) -> StoreError:
        if isinstance(error, StoreError):
            return error
        reason = _reason(error)
        if self._down != reason and self._listener is not None:  # mid-run: say it once
            self._down = reason
            log.warning("shared state %s unreachable: %s", self.url, reason)
        return StoreUnreachable(self.url, f"unreachable: {reason}")

    async def script(self, name: str, *args: Any) -> Any:
        """Run one of the loaded scripts (`scripts.*`) with the prefix first."""
        try:
            return await self._eval(name, *args)
        except StoreError:
            raise
        except Exception as error:
            raise self._unreachable(error) from None

    # --- the hot path ---------------------------------------------------------------------
    async def _batch(self, ops: list[tuple[Any, ...]]) -> Sequence[Any]:
        # One argument for the whole batch (decoded by the script's cjson): redis-py packs
        # each argument in Python, so hundreds of them cost more than the request itself.
        batch = json.dumps(ops, separators=(",", ":"))
        answer = await self._eval("batch", self.journal_size, self.journal_bytes, batch)
        if self._down is not None:
            log.warning("shared state %s is back", self.url)
            self._down = None
        config_gen, reset_gen = int(answer[0]), int(answer[1])
        if config_gen != self.config_gen:  # before these requests are answered
            self.config_gen = config_gen
            config = await self._client.get(self._key("config"))
            if config and self.on_config is not None:
                self.on_config(json.loads(config))
        if reset_gen != self.reset_gen:
            await self._reset_seen(reset_gen)
        results: Sequence[Any] = answer[2:]
        return results

    async def _reset_seen(self, generation: int, *, force: bool = False) -> None:
        if generation > self.reset_gen or force:
            self.reset_gen = max(generation, self.reset_gen)
            epoch = await self._client.get(self._key("epoch"))
            if self.on_reset is not None and epoch:
                self.on_reset(float(epoch) - self.wall_offset)

    def attach(
        self,
        on_config: ConfigHook,
        on_reset: ResetHook,
        stats_part: Callable[[], dict[str, Any]],
        schedule: Callable[[], Schedule],
    ) -> None:
        """What this process does when another changes the scenario or resets the run."""
        self.on_config, self.on_reset, self.stats_part = on_config, on_reset, stats_part
        self.schedule = schedule

    async def refresh(self) -> None:
        """Apply the store's scenario if another process published a newer one."""
        try:
            generation = int(await self._client.get(self._key("config_gen")) or 0)
            if generation != self.config_gen:
                await self._adopt(None)
        except Exception as error:
            raise self._unreachable(error) from None

    async def attempt(self, route: str, key: str) -> int:
        """Counted in the store (one `HINCRBY` in this tick's batch), unless the scenario it
        was decided under is no longer the store's (Stale)."""
        count: int = await self.batcher.submit("a", route, key, self.config_gen)
        if count == STALE:
            raise Stale
        return count

    async def take(self, key: str, rate: float, burst: int) -> float:
        """The store's bucket for `key`, refilled by the store's clock (Stale as above)."""
        wait: int = await self.batcher.submit("t", key, repr(rate), burst, self.config_gen)
        if wait == STALE:
            raise Stale
        return wait / 1e6

    def slots(self, workers: int, queue: int, clock: Callable[[], float]) -> StoreSlots:
        """Capacity counted in the store, for every process at once."""
        return StoreSlots(self, workers, queue, clock)

    def record(
        self,
        arrival: float,
        start: float,
        route: str,
        zip_code: str | None,
        attempt: int | None,
        intended: float,
        queue: float,
        status: int | str,
        fault: str | None,
        size: int,
        request: Asker,
    ) -> None:
        """Journal one finished request in the store (sent with this tick's batch)."""
        offset = self.wall_offset
        client = request.headers.get("X-Client")
        peer = request.protocol.peername if request.protocol is not None else None
        if zip_code is not None and len(zip_code) > MAX_TEXT:
            zip_code = cut(zip_code)
        if client is not None and len(client) > MAX_TEXT:
            client = cut(client)
        where = f"{peer[0]}|{peer[1]}" if isinstance(peer, tuple) else ""
        entry = json.dumps(
            (arrival + offset, start + offset, self.clock() + offset, route, zip_code, attempt,
             intended, queue, status, fault, size, client),
            separators=(",", ":"),
        )  # fmt: skip
        self.batcher.post("j", where, entry)

    # --- the run and the readers ----------------------------------------------------------
    async def reset(self, tag: str | None) -> None:
        """A new run for every process: attempts, buckets and the journal forgotten (what
        every process still had to write, written first: it belongs to the run before)."""
        await self._gather("flush")
        generation = await self.script("reset", repr(time.time()), tag or "")
        self.reset_gen = int(generation)  # this process resets itself (State.reset)

    async def publish(self, document: Mapping[str, Any]) -> None:
        """The scenario every process serves from its next batch on."""
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.set(self._key("config"), json.dumps(dict(document)))
                pipe.incr(self._key("config_gen"))
                _, generation = await pipe.execute()
        except Exception as error:
            raise self._unreachable(error) from None
        self.config_gen = int(generation)

    async def journal(self, since: int, *, barrier: bool = True) -> Journal:
        """The store's journal after `since`, as a `Journal` the readers already know (every
        process's pending entries written first, unless `barrier` is False)."""
        if barrier:
            await self._gather("flush")
        answer = await self.script("journal", since)
        total, kept, size, peers, epoch, tag = answer[:6]
        view = StoreJournal(self.journal_size, self.journal_bytes)
        view.total, view.bytes, view.kept, view.connections = (
            int(total), int(size), int(kept), int(peers))  # fmt: skip
        view.epoch = float(epoch) if epoch else view.epoch
        view.tag = (tag.decode() if isinstance(tag, bytes) else tag) or None
        decoded = view.entries
        for index, raw in enumerate(answer[6:]):
            decoded.append(_entry(raw))
            if index % 5_000 == 4_999:
                await asyncio.sleep(0)  # a big journal never stalls the requests served
        return view

    async def _gather(self, kind: str) -> list[Any]:
        """Ask every process on the store to write what it has pending and answer (`kind`
        "stats": with its share of the stats; "flush": with nothing): so a reader sees every
        request answered before it asked, whichever process answered it."""
        key = self._key(f"report:{uuid.uuid4().hex}")
        # This process's own first, whether or not its subscription is up (after an outage
        # it comes back a moment after the commands do).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.batcher.drain(), REPORT_WAIT)
        try:
            asked = await self._client.publish(
                self._key("report"), json.dumps({"key": key, "reset": self.reset_gen, "kind": kind})
            )
            answers = []
            for _ in range(int(asked)):
                got = await self._client.blpop([key], timeout=REPORT_WAIT)
                if got is None:
                    break  # a process that went away meanwhile: the others still count
                answers.append(json.loads(got[1]))
            await self._client.delete(key)
        except Exception as error:
            raise self._unreachable(error) from None
        return answers

    async def stats(self) -> dict[str, Any]:
        """Every process's share, merged; the journal's and attempts' figures the store's."""
        parts = await self._gather("stats")
        try:
            keys = await asyncio.gather(*(self._client.hlen(self._key("a:" + r)) for r in ROUTES))
        except Exception as error:
            raise self._unreachable(error) from None
        snapshot = Stats.merged(parts, self.schedule()).snapshot()
        journal = await self.journal(10**15, barrier=False)  # the figures alone
        figures = journal.figures()
        snapshot["connections"] = figures.pop("connections")
        snapshot["requests_per_connection"] = figures.pop("requests_per_connection")
        snapshot["journal"] = figures
        snapshot["attempt_keys"] = {"kept": sum(keys), "limit_per_route": None, "forgotten": 0}
        snapshot["processes"] = len(parts)
        return snapshot

    async def serving(self) -> int:
        """Processes listening to the report channel now: every server process on the URL."""
        try:
            counts = await self._client.pubsub_numsub(self._key("report"))
        except Exception as error:
            raise self._unreachable(error) from None
        return int(counts[0][1]) if counts else 0

    async def _listen(self) -> None:
        """Grants and report requests, until closed; a lost connection is retried."""
        grant, report = self._key("grant:" + self.worker), self._key("report")
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._unreachable(error)
                await asyncio.sleep(0.5)
                continue
            if message is None:
                continue
            channel = message["channel"].decode()
            data = message["data"].decode()
            if channel == grant:
                waiter = self.waiting.get(data)
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)
                else:  # its request left before the grant came: pass the slot on
                    self.batcher.post("r", self.worker)
            elif channel == report:
                await self._report(json.loads(data))

    async def _report(self, request: Mapping[str, Any]) -> None:
        with contextlib.suppress(Exception):
            await self._reset_seen(int(request["reset"]))
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.batcher.drain(), REPORT_WAIT / 2)
        part: Any = 1
        if request["kind"] == "stats":
            part = self.stats_part() if self.stats_part is not None else None
        if part is None:
            return
        with contextlib.suppress(Exception):  # the reader says how many answered
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.rpush(request["key"], json.dumps(part))
                pipe.expire(request["key"], 30)
                await pipe.execute()

    async def close(self) -> None:
        """Write what is pending, stop listening, let go of the connections."""
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.batcher.drain(), 2.0)
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
            self._pubsub = None
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()
            self._client = None


class StoreJournal(Journal):
    """The store's journal as read once: its figures are the store's, not this copy's."""

    def __init__(self, size: int, budget: int) -> None:
        super().__init__(size, time.time, budget)
        self.kept = 0
        self.connections = 0

    @property
    def dropped(self) -> int:
        """Recorded but gone (the store's bounds)."""
        return self.total - self.kept

    def figures(self) -> dict[str, Any]:
        """The store's figures."""
        connections, count = self.connections, self.kept
        return {
            "size": self.size, "budget": self.budget, "bytes": self.bytes, "entries": count,
            "recorded": self.total, "dropped": self.dropped, "connections": connections,
            "requests_per_connection": count / connections if connections else None,
        }  # fmt: skip


def _entry(raw: bytes) -> Entry:
    """One stored entry (`peer TAB json`) as the journal's tuple."""
    where, _, body = raw.partition(b"\t")
    fields = json.loads(body)
    peer: Any = None
    if where:
        address, _, port = where.decode().rpartition("|")
        peer = (address, int(port))
    arrival, start, end, route, zip_code, attempt, intended, queue, status, fault, size, client = (
        fields
    )
    return (arrival, start, end, route, zip_code, attempt, intended, queue, status, fault, size,
            peer, client)  # fmt: skip


async def check(url: str, document: Mapping[str, Any] | None = None) -> None:
    """Can a server use the store at `url`? Raises StoreUnreachable or StoreRefused;
    `document`, when given, is published as every process's scenario."""
    store = RedisShared(url, journal_size=0, journal_bytes=0)
    await store.open(document)
    await store.close()
