"""The guest side of appbox actions: runs one action's source in a restricted
namespace and hands every ctx call to the host through `host.call`.

Only modules imported here exist at run time (componentize-py snapshots the
interpreter after this module is imported), so the import list below *is*
the sandbox's standard library. The whitelist is what action code may import;
the wasm sandbox (no files, no sockets, no environment) is the boundary, the
whitelist gives clear errors early.
"""

import builtins
import json
import sys
import traceback

# The whitelist (kept in sync with README.md "Actions").
import base64
import bisect
import calendar
import collections
import collections.abc
import copy
import dataclasses
import datetime
import decimal
import enum
import fractions
import functools
import hashlib
import heapq
import itertools
import math
import operator
import random
import re
import statistics
import string
import textwrap
import typing
import unicodedata
import uuid

# Used by the ctx shim only (not importable by actions).
import csv
import hmac
import io

import wit_world
from wit_world.imports import host
from componentize_py_types import Err

ALLOWED_MODULES = frozenset(
    [
        "base64", "bisect", "calendar", "collections", "copy", "dataclasses",
        "datetime", "decimal", "enum", "fractions", "functools", "hashlib",
        "heapq", "itertools", "json", "math", "operator", "random", "re",
        "statistics", "string", "textwrap", "typing", "unicodedata", "uuid",
    ]
)
FORBIDDEN_BUILTINS = (
    "open", "eval", "exec", "compile", "input", "breakpoint", "help",
    "exit", "quit", "memoryview", "globals", "vars", "locals",
)
HASHES = {"sha256", "sha512", "sha1", "md5"}


class ForbiddenError(Exception):
    """Raised for an import of a module outside the whitelist, or a builtin
    actions may not use."""

    def __init__(self, what, name):
        self.what = what
        self.name = name
        if what == "import":
            msg = f"import of module '{name}' is not allowed in actions"
        else:
            msg = f"builtin '{name}' is not allowed in actions"
        super().__init__(msg)


class ActionError(Exception):
    """A ctx call the host refused; `status` is the HTTP status the same call
    would get from the API (403, 404, 422, ...)."""

    def __init__(self, detail, status=500):
        super().__init__(detail)
        self.detail = detail
        self.status = status


def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level != 0:
        raise ForbiddenError("import", "." * level + (name or ""))
    top = name.partition(".")[0]
    if top not in ALLOWED_MODULES:
        raise ForbiddenError("import", name)
    return builtins.__import__(name, globals, locals, fromlist, level)


def _forbidden(name):
    def refuse(*_args, **_kwargs):
        raise ForbiddenError("builtin", name)

    refuse.__name__ = name
    return refuse


def _safe_builtins():
    safe = dict(builtins.__dict__)
    safe["__import__"] = _guarded_import
    for name in FORBIDDEN_BUILTINS:
        safe[name] = _forbidden(name)
    safe["ActionError"] = ActionError
    return safe


def _call(op, /, **args):
    # `op` is positional-only: ctx.http.call passes a `method=` argument.
    try:
        out = host.call(op, json.dumps(args, default=str))
    except Err as e:
        try:
            err = json.loads(e.value)
            raise ActionError(err.get("detail", str(err)), err.get("status", 500)) from None
        except (ValueError, AttributeError):
            raise ActionError(str(e.value)) from None
    return json.loads(out)


class _Db:
    """ctx.db: the app's references, through the proxy engine."""

    def query(self, table, **kwargs):
        return _call("db.query", table=table, **kwargs)

    def insert(self, table, data):
        return _call("db.insert", table=table, data=data)

    def update(self, table, id, data):
        return _call("db.update", table=table, id=id, data=data)

    def delete(self, table, id):
        return _call("db.delete", table=table, id=id)


class _Data:
    """ctx.data: the app's Custom Tables."""

    def list(self, table, **kwargs):
        return _call("data.list", table=table, **kwargs)

    def get(self, table, id):
        return _call("data.get", table=table, id=id)

    def insert(self, table, data):
        return _call("data.insert", table=table, data=data)

    def update(self, table, id, data):
        return _call("data.update", table=table, id=id, data=data)

    def delete(self, table, id):
        return _call("data.delete", table=table, id=id)


class _Http:
    def call(self, service, endpoint, method="GET", json=None, headers=None):
        return _call("http.call", service=service, endpoint=endpoint, method=method, json=json, headers=headers)


class _Secrets:
    def get(self, key):
        return _call("secrets.get", key=key)


def _bytes(data):
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    raise TypeError("data must be str or bytes")


class _Crypto:
    def hash(self, alg, data):
        if alg not in HASHES:
            raise ValueError(f"unsupported hash '{alg}' (use one of: sha256, sha512, sha1, md5)")
        return hashlib.new(alg, _bytes(data)).hexdigest()

    def hmac(self, alg, key, data):
        if alg not in HASHES:
            raise ValueError(f"unsupported hash '{alg}' (use one of: sha256, sha512, sha1, md5)")
        return hmac.new(_bytes(key), _bytes(data), alg).hexdigest()


class _Response:
    def __init__(self, out):
        self._out = out

    def json(self, data):
        self._out["data"] = data
        self._out["has_data"] = True


class _Csv:
    def __init__(self, out):
        self._out = out

    def export(self, rows, filename=None):
        rows = list(rows)
        buf = io.StringIO()
        if rows and isinstance(rows[0], dict):
            fields = []
            for row in rows:
                for key in row:
                    if key not in fields:
                        fields.append(key)
            writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow(row)
        else:
            writer = csv.writer(buf)
            for row in rows:
                writer.writerow(row)
        name = filename or "export.csv"
        if not name.lower().endswith(".csv"):
            name += ".csv"
        self._out["file"] = {
            "filename": name,
            "content_type": "text/csv; charset=utf-8",
            "content_base64": base64.b64encode(buf.getvalue().encode("utf-8")).decode("ascii"),
        }
        return self._out["file"]["filename"]


class Ctx:
    def __init__(self, params, out):
        self.params = params
        self.db = _Db()
        self.data = _Data()
        self.http = _Http()
        self.secrets = _Secrets()
        self.crypto = _Crypto()
        self.response = _Response(out)
        self.csv = _Csv(out)


def _user_traceback(exc, filename):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


def _line_of(exc, filename):
    line = None
    for f in traceback.extract_tb(exc.__traceback__):
        if f.filename == filename:
            line = f.lineno
    return line


def _error(kind, message, **extra):
    out = {"ok": False, "kind": kind, "message": message}
    out.update(extra)
    return json.dumps(out)


class _CappedLog:
    """sys.stdout / sys.stderr of a run: keeps the first `cap` characters."""

    def __init__(self, cap):
        self.cap = cap
        self.parts = []
        self.size = 0
        self.truncated = False

    def write(self, text):
        text = str(text)
        room = self.cap - self.size
        if room <= 0:
            self.truncated = self.truncated or bool(text)
            return len(text)
        if len(text) > room:
            self.truncated = True
        part = text[:room]
        self.parts.append(part)
        self.size += len(part)
        return len(text)

    def flush(self):
        pass

    def value(self):
        out = "".join(self.parts)
        if self.truncated:
            out += "\n[output truncated]\n"
        return out


class WitWorld(wit_world.WitWorld):
    def run(self, source: str, entry: str, params: str, config: str) -> str:
        cfg = json.loads(config)
        cap = int(cfg.get("max_log_bytes") or 65536)
        sys.stdout = _CappedLog(cap)
        sys.stderr = _CappedLog(cap)
        text = self._run(source, entry, params, cfg)
        logs = json.dumps({"stdout": sys.stdout.value(), "stderr": sys.stderr.value()})
        # The outcome and the logs travel as one JSON object: `text` is an
        # object, so splice the logs in before its closing brace.
        return text[:-1] + ", \"logs\": " + logs + "}"

    def _run(self, source, entry, params, cfg):
        filename = cfg.get("filename") or "action.py"
        max_output = int(cfg.get("max_output_bytes") or 10_000_000)
        try:
            code = compile(source, filename, "exec")
        except SyntaxError as e:
            return _error("syntax", f"SyntaxError: {e.msg}", line=e.lineno)
        except (ValueError, MemoryError) as e:
            return _error("syntax", f"{type(e).__name__}: {e}")
        out = {"has_data": False, "data": None, "file": None}
        ns = {"__builtins__": _safe_builtins(), "__name__": "action", "__file__": filename}
        try:
            exec(code, ns)
            fn = ns.get(entry)
            if not callable(fn):
                return _error("bad_entry", f"{filename} defines no function {entry}(ctx)")
            if cfg.get("load_only"):
                return json.dumps({"ok": True, "data": None, "file": None})
            ctx = Ctx(json.loads(params), out)
            ret = fn(ctx)
            if not out["has_data"] and ret is not None:
                out["data"] = ret
            del ctx, ret
        except ForbiddenError as e:
            return _error("forbidden", str(e), name=e.name, what=e.what, line=_line_of(e, filename))
        except MemoryError:
            out = None
            return _error("memory", "MemoryError")
        except RecursionError as e:
            return _error("exception", f"RecursionError: {e}", traceback="RecursionError: " + str(e), line=_line_of(e, filename))
        except BaseException as e:
            msg = "".join(traceback.format_exception_only(type(e), e)).strip()
            status = e.status if isinstance(e, ActionError) else None
            return _error("exception", msg, traceback=_user_traceback(e, filename), line=_line_of(e, filename), status=status)
        try:
            text = json.dumps({"ok": True, "data": out["data"], "file": out["file"]}, allow_nan=False)
        except MemoryError:
            out = None
            return _error("memory", "MemoryError")
        except RecursionError as e:
            return _error("output", f"the response is nested too deeply: {e}")
        except (TypeError, ValueError) as e:
            return _error("output", f"the response is not JSON: {e}")
        if len(text) > max_output:
            n = len(text)
            text = None
            out = None
            return _error("output", f"the response is {n} bytes, over the limit of {max_output}")
        return text
