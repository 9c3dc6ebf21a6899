"""Sign-in limits that slow the attacker, not the owner.

Four counters in the rate-limit storage (RATELIMIT_STORAGE_URI, shared by every worker; each
window starts at its first counted attempt):
- per address, any account: LOGIN_ATTEMPTS (default 5 per minute);
- per account and address: LOGIN_ATTEMPTS;
- per account, all addresses: ACCOUNT_LOGIN_ATTEMPTS (default 10 per 15 minutes). Past it the
  account is under back-off: each address gets one try on it per that window, so an address that
  has already failed on it waits, while the owner, signing in from an address that has not
  failed, still gets in with the right password.
- per account and address over the account's window, to know which addresses have failed.

An attempt is counted before the password is checked (so concurrent attempts on several workers
cannot slip past the limit together) and given back when it is refused or when the password is
right: only wrong passwords use up the limits, and refused attempts cost no hashing."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import Storage

EXTENSION = "signin_limits"


@dataclass(frozen=True)
class _Counter:
    item: RateLimitItem
    key: str

    def add(self, storage: Storage, amount: int) -> int:
        return storage.incr(self.key, self.item.get_expiry(), amount=amount)


class SignInLimits:
    def __init__(self, storage: Storage, per_address: str, per_account: str) -> None:
        self.storage = storage
        self.per_address = parse(per_address)
        self.per_account = parse(per_account)
        self.first_try = type(self.per_account)(1, self.per_account.multiples)

    def _counters(self, account: str, address: str) -> tuple[_Counter, ...]:
        account = account.strip().lower()[:254]
        return (
            _Counter(self.per_address, self.per_address.key_for("signin-address", address)),
            _Counter(self.per_address, self.per_address.key_for("signin-pair", account, address)),
            _Counter(self.per_account, self.per_account.key_for("signin-account", account)),
            _Counter(self.first_try, self.first_try.key_for("signin-backoff", account, address)),
        )

    def reserve(self, account: str, address: str) -> Attempt | None:
        """Count one attempt; None (and nothing counted) when the limits refuse it."""
        counters = self._counters(account, address)
        by_address, by_pair, by_account, backoff = (c.add(self.storage, 1) for c in counters)
        allowed = (
            by_address <= self.per_address.amount
            and by_pair <= self.per_address.amount
            and (by_account <= self.per_account.amount or backoff <= 1)
        )
        attempt = Attempt(self.storage, counters)
        if not allowed:
            attempt.give_back()
            return None
        return attempt


@dataclass
class Attempt:
    """One counted attempt: `give_back()` when it must not count (the password was right)."""

    storage: Storage
    counters: tuple[_Counter, ...]

    def give_back(self) -> None:
        for counter in self.counters:
            counter.add(self.storage, -1)


def init_app(app: Flask, storage: Storage) -> None:
    app.extensions[EXTENSION] = SignInLimits(
        storage, app.config["LOGIN_ATTEMPTS"], app.config["ACCOUNT_LOGIN_ATTEMPTS"]
    )


def signin_limits() -> SignInLimits:
    return current_app.extensions[EXTENSION]


# Refusals of access recorded in the audit chain per user and minute: a script hammering refused
# addresses must not bury the chain (beyond this, refusals go to the log only).
REFUSALS_AUDITED = "30 per minute"


def refusal_audited(user_id: int) -> bool:
    """Whether this refusal goes into the audit chain (counted where the sign-in limits are)."""
    from limits.strategies import FixedWindowRateLimiter

    limiter = FixedWindowRateLimiter(signin_limits().storage)
    if limiter.hit(parse(REFUSALS_AUDITED), "refused", str(user_id)):
        return True
    current_app.logger.warning(
        "access refused, not audited (over %s for this user)", REFUSALS_AUDITED
    )
    return False
