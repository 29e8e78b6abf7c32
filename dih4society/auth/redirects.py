"""Where a `next=` parameter may send a user after logging in: this site only."""

from __future__ import annotations

from urllib.parse import unquote


def _plain_local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target:
        return False
    # Control characters (CR/LF header splitting, tabs browsers strip, NUL, DEL, C1).
    return not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in target)


def is_safe_next(target: str | None) -> bool:
    """True only for a path on this site: one leading '/', no scheme, no '//', no
    backslash, no control characters, also once percent-decoded (``%2F%2Fevil``)."""
    if not target or len(target) > 2000:
        return False
    decoded = target
    for _ in range(3):  # double-encoded tricks decode twice
        if not _plain_local_path(decoded):
            return False
        decoded, previous = unquote(decoded), decoded
        if decoded == previous:
            return True
    return False


def safe_next(target: str | None, default: str) -> str:
    """`target` when it is a safe local path, `default` otherwise."""
    return target if is_safe_next(target) else default
