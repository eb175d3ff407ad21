"""The service loop of `vadbot run`: catch up on missed jobs, schedule the rest, stop cleanly.

`app.py` builds the parts (state, catalog index, adapters, jobs); this module runs them. On
SIGTERM or SIGINT the gate closes (no new post starts), the post in flight finishes, the
running jobs end, and the caller closes the adapters and the state store.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.core.shutdown import PostGate
from bot.scheduling import Scheduler

log = logging.getLogger(__name__)

STOP_TIMEOUT = 30.0


class Service:
    """Runs the scheduler until told to stop."""

    def __init__(
        self,
        scheduler: Scheduler,
        gate: PostGate,
        stop_timeout: float = STOP_TIMEOUT,
        ran_once: Callable[[datetime], None] | None = None,
    ) -> None:
        self.scheduler = scheduler
        self.gate = gate
        self.stop_timeout = stop_timeout
        self.ran_once = ran_once
        """Records a `run_once`: `vadbot status` judges a cron user by job runs, not heartbeat."""
        self.stopping = asyncio.Event()
        self.caught_up = asyncio.Event()
        """Set once the start-up catch-up (every missed job) has run."""

    async def run_once(self, only: Sequence[str] = ()) -> list[str]:
        """Run every due job once (for `vadbot run --once` and cron users), or just the jobs
        named in `only`, due or not; their names."""
        if only:
            for name in only:
                await self.scheduler.run_job(name)
            ran = list(only)
        else:
            ran = await self.scheduler.run_due()
            log.info("ran the due jobs once: %s", ", ".join(ran) or "none was due")
        if self.ran_once is not None and not only:  # `vadbot announce` is no cron run
            self.ran_once(self.scheduler.clock.now())
        return ran

    async def run_forever(self) -> None:
        """Catch up on missed runs, then run on schedule until `stop()` or a signal."""
        catch_up = asyncio.create_task(self._catch_up(), name="catch-up")
        self.scheduler.start()
        log.info("scheduler started")
        await self.stopping.wait()
        log.info("stopping: no new work; waiting for the post in flight")
        self.gate.close()
        await self.scheduler.stop(self.stop_timeout)
        if not catch_up.done():
            catch_up.cancel()
        await asyncio.gather(catch_up, return_exceptions=True)
        log.info("stopped cleanly")

    async def _catch_up(self) -> None:
        try:
            ran = await self.scheduler.run_due()
            log.info("caught up at start-up: %s", ", ".join(ran) or "nothing was due")
        finally:
            self.caught_up.set()

    def stop(self) -> None:
        """Ask the service to stop (safe from a signal handler)."""
        self.stopping.set()

    def handle_signals(self) -> Callable[[], None]:
        """Stop on SIGTERM and SIGINT; returns a function that removes the handlers."""
        loop = asyncio.get_running_loop()
        signals = (signal.SIGTERM, signal.SIGINT)
        for sig in signals:
            loop.add_signal_handler(sig, self._on_signal, sig)

        def remove() -> None:
            for sig in signals:
                loop.remove_signal_handler(sig)

        return remove

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("received %s", sig.name)
        self.stop()
