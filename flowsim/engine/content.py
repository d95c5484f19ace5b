"""Content rules for a send (R28-R30), answered like the API: 400 with LINE's error body.

A content error is not a Python exception for the caller: the API answers
400 and nothing else happens, so :func:`check_flexible` and friends return
a :class:`ContentError` (or ``None``) that the engine records and returns.
That holds for any value a caller passes as content: what JSON cannot carry
(a ``bytes``, a ``set``, a non-string key, NaN, a lone surrogate, an integer
past 64 bits, nesting past :data:`MAX_DEPTH`) is LINE's 400 for an invalid
body, naming the property, like a wrong type where a string belongs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .arguments import is_text
from .errors import shown

from .catalogue import Catalogue
from . import decisions

MEDIA_TYPES = frozenset({"image", "video", "audio", "imagemap"})
MAX_MESSAGES = 5
TAG_MIN, TAG_MAX = 16, 100
MAX_TEXT = 5000
MAX_ITEMS, MAX_BUTTONS, MAX_ITEM_CONTENT, MAX_URL = 15, 2, 300, 1000
#: R29: the emphasized item's content is at most this long (LINE's API reference).
MAX_EMPHASIZED_CONTENT = 15
#: (flowsim) How deeply a request body may nest; JSON parsers refuse deeper bodies.
MAX_DEPTH = 100
_INT_RANGE = range(-(2**63), 2**63)
_BAD_BODY = "The request body has 1 error(s)"


@dataclass(frozen=True)
class ContentError:
    """LINE's 400 body: a message and per-property details."""

    message: str
    rule: str
    details: tuple[dict[str, str], ...] = field(default=())


def _err(message: str, rule: str, detail: str, prop: str) -> ContentError:
    return ContentError(message, rule, ({"message": detail, "property": prop},))


def check_delivery_tag(tag: str | None) -> ContentError | None:
    """R30: ``X-Line-Delivery-Tag`` is 16 to 100 characters when present (and can be an HTTP header)."""
    if tag is None:
        return None
    if isinstance(tag, str) and (not is_text(tag) or any(ch < " " or "\x7f" <= ch <= "\x9f" for ch in tag)):
        return _err(
            "The value for the 'X-Line-Delivery-Tag' header is invalid",
            "R30", "must not contain control characters", "X-Line-Delivery-Tag",
        )
    if not isinstance(tag, str) or not TAG_MIN <= len(tag) <= TAG_MAX:
        length = len(tag) if isinstance(tag, str) else "not a string"
        return _err(
            "The value for the 'X-Line-Delivery-Tag' header is invalid",
            "R30",
            f"must be {TAG_MIN} to {TAG_MAX} characters (got {length})",
            "X-Line-Delivery-Tag",
        )
    return None


def _not_json(value: Any, prop: str) -> tuple[str, str] | None:
    """The first place in ``value`` (in document order) that a JSON body cannot carry, as
    ``(property, what is wrong)``, or ``None``.  Iterative, and bounded by :data:`MAX_DEPTH`,
    so a self-containing list is an answer too."""
    stack: list[tuple[Any, str, int]] = [(value, prop, 0)]
    while stack:
        node, path, depth = stack.pop()
        if node is None or isinstance(node, bool):
            continue
        if isinstance(node, str):
            if not is_text(node):
                return path, "must be valid Unicode text (it holds a lone surrogate)"
        elif isinstance(node, int):
            if node not in _INT_RANGE:
                return path, "must be a number within the 64-bit integer range"
        elif isinstance(node, float):
            if not math.isfinite(node):
                return path, "must be a finite number (JSON has no NaN or Infinity)"
        elif isinstance(node, (dict, list, tuple)):
            if depth >= MAX_DEPTH:
                return path, f"is nested more than {MAX_DEPTH} levels deep"
            if isinstance(node, dict):
                children = []
                for key, child in node.items():
                    if not is_text(key):
                        return path, f"has a property name that is not a string: {shown(key)}"
                    children.append((child, f"{path}.{key}", depth + 1))
            else:
                children = [(child, f"{path}[{i}]", depth + 1) for i, child in enumerate(node)]
            stack.extend(reversed(children))
        else:
            return path, ("must be a JSON value (an object, array, string, number, boolean or null), "
                          f"not {type(node).__name__}")
    return None


def _carried(node: Any, depth: int = 0) -> bool:
    """True when :func:`_not_json` finds nothing in ``node``: the same checks without building paths
    (a send's content is almost always fine, and naming every property cost more than checking it).

    An ASCII ``str`` (most keys and leaves of a parsed body) is accepted where it is met, without a call.
    """
    if node is None or isinstance(node, bool):
        return True
    if isinstance(node, str):
        return is_text(node)
    if isinstance(node, int):
        return node in _INT_RANGE
    if isinstance(node, float):
        return math.isfinite(node)
    if isinstance(node, dict):
        if depth >= MAX_DEPTH:
            return False
        for key, child in node.items():
            if not (type(key) is str and key.isascii() or is_text(key)):
                return False
            if not (type(child) is str and child.isascii() or _carried(child, depth + 1)):
                return False
        return True
    if isinstance(node, (list, tuple)):
        if depth >= MAX_DEPTH:
            return False
        for child in node:
            if not (type(child) is str and child.isascii() or _carried(child, depth + 1)):
                return False
        return True
    return False


def _json_error(value: Any, prop: str, rule: str) -> ContentError | None:
    if _carried(value):
        return None
    problem = _not_json(value, prop)
    return _err(_BAD_BODY, rule, problem[1], problem[0]) if problem else None


def _walk(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def check_flexible(messages: Any) -> ContentError | None:
    """R28: 1-5 message objects of type text, sticker or flex; no image, video or audio anywhere."""
    error = _json_error(messages, "messages", "R28")
    if error:
        return error
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        count = len(messages) if isinstance(messages, list) else "not a list"
        return _err(
            "The request body has 1 error(s)", "R28", f"Size must be between 1 and {MAX_MESSAGES} (got {count})",
            "messages",
        )
    for i, msg in enumerate(messages):
        prop = f"messages[{i}]"
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            return _err("The request body has 1 error(s)", "R28", "must be an object with a type", f"{prop}.type")
        mtype = msg["type"]
        if mtype in MEDIA_TYPES:
            return _err(
                "Messages containing images, videos or audio can't be sent as LINE notification messages",
                "R28", f"type {mtype!r} is not allowed", f"{prop}.type",
            )
        if mtype not in decisions.FLEXIBLE_ALLOWED_TYPES:
            return _err(
                "The request body has 1 error(s)", "R28",
                f"type {mtype!r} is not allowed; use one of {', '.join(sorted(decisions.FLEXIBLE_ALLOWED_TYPES))}",
                f"{prop}.type",
            )
        if mtype == "text":
            text = msg.get("text")
            if not isinstance(text, str) or not text or len(text) > MAX_TEXT:
                return _err("The request body has 1 error(s)", "R28",
                            f"must be a string of 1 to {MAX_TEXT} characters", f"{prop}.text")
        elif mtype == "sticker":
            for key in ("packageId", "stickerId"):
                if not isinstance(msg.get(key), str) or not msg[key]:
                    return _err("The request body has 1 error(s)", "R28", "must be specified", f"{prop}.{key}")
        elif mtype == "flex":
            if not isinstance(msg.get("altText"), str) or not msg["altText"]:
                return _err("The request body has 1 error(s)", "R28", "must be specified", f"{prop}.altText")
            contents = msg.get("contents")
            if not isinstance(contents, dict) or contents.get("type") not in ("bubble", "carousel"):
                return _err("The request body has 1 error(s)", "R28",
                            "must be a bubble or carousel container", f"{prop}.contents")
            for path, node in _walk(contents, f"{prop}.contents"):
                if not isinstance(node.get("type", ""), str):
                    return _err(_BAD_BODY, "R28", "must be a string", f"{path}.type")
                if node.get("type") in decisions.FLEX_MEDIA_COMPONENTS:
                    return _err(
                        "Messages containing images, videos or audio can't be sent as LINE notification messages",
                        "R28", f"flex component {node['type']!r} is not allowed", f"{path}.type",
                    )
    return None


def check_template(template_key: Any, body: Any, country: str, catalogue: Catalogue) -> ContentError | None:
    """R29: keys from the OA country's catalogue; an item key at most once; sizes as LINE's reference."""
    bad = "The request body has 1 error(s)"
    if not isinstance(template_key, str) or template_key not in catalogue.keys(country, "templates"):
        return _err(bad, "R29", f"unknown template key {shown(template_key)} for country {country}", "templateKey")
    if body is None:
        return None
    error = _json_error(body, "body", "R29")
    if error:
        return error
    if not isinstance(body, dict):
        return _err(bad, "R29", "must be an object", "body")
    unknown = set(body) - {"emphasizedItem", "items", "buttons"}
    if unknown:
        return _err(bad, "R29", f"unknown property {sorted(unknown)[0]!r}", f"body.{sorted(unknown)[0]}")
    item_keys = catalogue.keys(country, "items")
    seen: set[str] = set()
    entries: list[tuple[str, Any]] = []
    if body.get("emphasizedItem") is not None:
        entries.append(("body.emphasizedItem", body["emphasizedItem"]))
    items = body.get("items") or []
    if not isinstance(items, list):
        return _err(bad, "R29", "must be an array", "body.items")
    if len(items) > MAX_ITEMS:
        return _err(bad, "R29", f"at most {MAX_ITEMS} items", "body.items")
    entries.extend((f"body.items[{i}]", item) for i, item in enumerate(items))
    for prop, item in entries:
        if not isinstance(item, dict) or not isinstance(item.get("itemKey"), str):
            return _err(bad, "R29", "must be an object with an itemKey", f"{prop}.itemKey")
        key = item["itemKey"]
        if key not in item_keys:
            return _err(bad, "R29", f"unknown item key {key!r} for country {country}", f"{prop}.itemKey")
        if key in seen:
            return _err(bad, "R29", f"item key {key!r} appears more than once", f"{prop}.itemKey")
        seen.add(key)
        content = item.get("content")
        limit = MAX_EMPHASIZED_CONTENT if prop == "body.emphasizedItem" else MAX_ITEM_CONTENT
        if not isinstance(content, str) or not 1 <= len(content) <= limit:
            return _err(bad, "R29", f"must be a string of 1 to {limit} characters", f"{prop}.content")
    buttons = body.get("buttons") or []
    if not isinstance(buttons, list):
        return _err(bad, "R29", "must be an array", "body.buttons")
    if len(buttons) > MAX_BUTTONS:
        return _err(bad, "R29", f"at most {MAX_BUTTONS} buttons", "body.buttons")
    button_keys = catalogue.keys(country, "buttons")
    seen_buttons: set[str] = set()
    for i, button in enumerate(buttons):
        prop = f"body.buttons[{i}]"
        if not isinstance(button, dict) or not isinstance(button.get("buttonKey"), str):
            return _err(bad, "R29", "must be an object with a buttonKey", f"{prop}.buttonKey")
        key = button["buttonKey"]
        if key not in button_keys:
            return _err(bad, "R29", f"unknown button key {key!r} for country {country}", f"{prop}.buttonKey")
        if decisions.TEMPLATE_BUTTON_KEYS_UNIQUE and key in seen_buttons:
            return _err(bad, "R29", f"button key {key!r} appears more than once", f"{prop}.buttonKey")
        seen_buttons.add(key)
        url = button.get("url")
        if not isinstance(url, str) or not 1 <= len(url) <= MAX_URL:
            return _err(bad, "R29", f"must be a URL of 1 to {MAX_URL} characters", f"{prop}.url")
    return None
