"""How the service logs: one JSON object per line, or readable lines on a terminal.

Every record — the service's own, uvicorn's and its access log — goes through the root
logger's one handler on stderr. In JSON each line holds ``timestamp`` (ISO 8601, with its offset),
``level``, ``logger`` and ``message``, the fields a record was given (``request_id``,
``operation``), and for an error the whole traceback in ``exc_info``, still on one line.
"""

from __future__ import annotations

import logging.config
import sys
from typing import Any

#: The fields of every line, as ``logging`` names them, and the names they are written under.
_FIELDS = {"asctime": "timestamp", "levelname": "level", "name": "logger"}


def log_config(level: str, *, json_lines: bool | None = None) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of the service (uvicorn applies it in every worker).

    ``json_lines``: JSON lines (the default off a terminal) or readable lines (on one).
    """
    if json_lines is None:
        json_lines = not sys.stderr.isatty()
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": _FIELDS,
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "json_ensure_ascii": False,
        }
        if json_lines
        else {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"service": formatter},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "service", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        # uvicorn's loggers write through the root handler, in the same form.
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level.upper()}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure(level: str) -> None:
    """Log as :func:`log_config` says, from now on, in this process."""
    logging.config.dictConfig(log_config(level))
