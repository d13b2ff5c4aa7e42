"""One analyst's session spoken in Streamlit's own protocol: no browser, so 20 of them cost little CPU.

The browser client talks to the server over one websocket at ``/_stcore/stream``: it
sends ``BackMsg`` protobufs (``rerun_script`` carries a ``ClientState``: the URL's query
string, the page, every widget's current value and the hashes of messages it has
cached) and receives ``ForwardMsg`` protobufs (page elements as deltas, URL changes as
``page_info_changed``, and ``script_finished`` when the page update is complete).
This module does the same with the ``websockets`` package Streamlit itself depends
on and the message classes shipped in ``streamlit.proto``, so the server does exactly
the work a browser would cause (script run, element serialisation, message cache)
while the client only parses protobufs.

A page update is timed from sending ``rerun_script`` to receiving ``script_finished``.
Errors a user would see are counted per update: an Exception element, an error
alert, a script that did not finish successfully, and the page showing something
else than asked for (checked by the caller from ``Update.headings`` and
``Update.query_string``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED_OK = 0  # ScriptFinishedStatus.FINISHED_SUCCESSFULLY


@dataclass
class Update:
    """What one page update showed, as far as a load test needs to know."""

    seconds: float = 0.0
    status: int = -1
    headings: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    error_alerts: list[str] = field(default_factory=list)
    query_string: str = ""
    messages: int = 0
    bytes: int = 0

    def problems(self) -> list[str]:
        """Errors a user would see on this update."""
        found = [f"exception: {m[:120]}" for m in self.exceptions] + [f"error box: {m[:120]}" for m in self.error_alerts]
        if self.status != FINISHED_OK:
            found.append(f"script finished with status {self.status}")
        return found


def _widget_key(widget_id: str) -> str:
    """The user key at the end of a keyed widget id (``$$ID-<hash>-w_country``), else the id."""
    parts = widget_id.split("-", 2)
    return parts[2] if widget_id.startswith("$$ID-") and len(parts) == 3 else widget_id


class ProtocolSession:
    """A websocket session that reruns the page as a browser does after each widget change."""

    def __init__(self, base_url: str, page: str, query_string: str, timeout: float) -> None:
        self.url = base_url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
        self.origin = base_url.rstrip("/")
        self.page, self.query_string, self.timeout = page, query_string, timeout
        self.page_hash = ""
        self.widgets: dict[str, WidgetState] = {}  # widget id -> value the browser would send
        self.options: dict[str, list[str]] = {}  # user key -> formatted options (what the analyst sees)
        self.cache: dict[str, ForwardMsg] = {}  # message hash -> cacheable message, like the browser's cache
        self.socket = None

    async def open(self) -> Update:
        """Connect and run the page for the first time (the deep link ``page?query_string``)."""
        from websockets.asyncio.client import connect

        self.socket = await connect(self.url, subprotocols=["streamlit"], origin=self.origin, max_size=None,
                                    open_timeout=self.timeout, ping_interval=None)
        return await self.rerun({})

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()

    def widget_ids(self, key: str) -> list[str]:
        return [w for w in self.widgets if _widget_key(w) == key]

    async def rerun(self, changes: dict[str, str | list[str]]) -> Update:
        """Set the keyed widgets to these shown values (a string or a list of strings) and rerun."""
        for key, value in changes.items():
            ids = self.widget_ids(key)
            if not ids:
                raise KeyError(f"no widget with key {key!r} on the page")
            state = self.widgets[ids[0]]
            if isinstance(value, list):
                state.ClearField("string_value")
                state.string_array_value.data[:] = value
            else:
                state.string_value = value
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string, client.page_name, client.page_script_hash = self.query_string, self.page, self.page_hash
        client.widget_states.widgets.extend(self.widgets.values())
        client.cached_message_hashes.extend(self.cache)
        update = Update()
        started = time.perf_counter()
        await self.socket.send(msg.SerializeToString())
        await asyncio.wait_for(self._receive(update), self.timeout)
        update.seconds = time.perf_counter() - started
        update.query_string = self.query_string
        return update

    async def _receive(self, update: Update) -> None:
        while True:
            raw = await self.socket.recv()
            update.messages, update.bytes = update.messages + 1, update.bytes + len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            if msg.WhichOneof("type") == "ref_hash":
                msg = self.cache.get(msg.ref_hash, msg)
            elif msg.metadata.cacheable and msg.hash:
                self.cache[msg.hash] = msg
            kind = msg.WhichOneof("type")
            if kind == "script_finished":
                update.status = msg.script_finished
                return
            if kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "navigation":
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._element(msg.delta.new_element, update)

    def _element(self, element, update: Update) -> None:
        kind = element.WhichOneof("type")
        if kind == "heading":
            update.headings.append(element.heading.body)
        elif kind == "exception":
            update.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "alert" and element.alert.format == Alert.ERROR:
            update.error_alerts.append(element.alert.body)
        elif kind in ("selectbox", "multiselect", "date_input"):
            self._track_widget(kind, getattr(element, kind))

    def _track_widget(self, kind: str, proto) -> None:
        """Hold the value the browser would send back: the server's value when it sets one, else ours, else the default."""
        known = self.widgets.get(proto.id)
        if known is not None and not proto.set_value:
            return
        state = WidgetState(id=proto.id)
        options = list(getattr(proto, "options", []))
        if kind == "selectbox":
            self.options[_widget_key(proto.id)] = options
            if proto.set_value and proto.HasField("raw_value"):
                state.string_value = proto.raw_value
            elif proto.HasField("default") and options:
                state.string_value = options[proto.default]
            else:
                return
        elif kind == "multiselect":
            self.options[_widget_key(proto.id)] = options
            values = list(proto.raw_values) if proto.set_value else [options[i] for i in proto.default]
            state.string_array_value.data[:] = values
        else:
            state.string_array_value.data[:] = list(proto.value) if proto.set_value else list(proto.default)
        self.widgets[proto.id] = state
