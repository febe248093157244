"""Behaviour of the AsyncAPI contract generated from the event models (docs/asyncapi.yaml)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from pydantic import BaseModel, ConfigDict

from pmo_kernel import asyncapi
from pmo_kernel.cloudevents import ce_type, dlq_topic, to_record, topic_for
from pmo_kernel.events import Actor, DomainEvent, EventMetadata, EventRegistry
from pmo_kernel.plugin import ServicePlugin, discover
from pmo_kernel.recorded import RecordedEvent

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "asyncapi.yaml"

Document = dict[str, Any]


# A service of our own, so the generator's rules are checked whatever the real services hold.
widgets = EventRegistry("widgets")


class Size(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    width: int
    height: int


@widgets.event
class WidgetMade(DomainEvent):
    """A widget came off the line.

    It is then in stock."""

    event_type: ClassVar[str] = "WidgetMade"
    schema_version: ClassVar[int] = 2

    widget_id: str
    size: Size
    label: str | None = None


@widgets.event
class WidgetScrapped(DomainEvent):
    event_type: ClassVar[str] = "WidgetScrapped"

    widget_id: str
    size: Size


WIDGETS = ServicePlugin(
    name="widgets",
    schema="widgets",
    migrations=Path(__file__).parent,
    produces=("widgets",),
    hooks={"registry": f"{__name__}:widgets"},
)
GADGETS = ServicePlugin(  # consumes widget events, produces none: no registry hook
    name="gadgets",
    schema="gadgets",
    migrations=Path(__file__).parent,
    consumes=("widgets",),
)


@pytest.fixture(scope="module")
def document() -> Document:
    return asyncapi.generate()


@pytest.fixture(scope="module")
def widget_document() -> Document:
    return asyncapi.generate([GADGETS, WIDGETS])


def registered_events() -> list[tuple[str, type[DomainEvent]]]:
    events: list[tuple[str, type[DomainEvent]]] = []
    for plugin in discover():
        registry = asyncapi.registry_of(plugin)
        if registry is not None:
            events.extend((plugin.name, cls) for cls in registry)
    return events


def message_for(document: Document, event_ce_type: str) -> Document:
    found = [
        message
        for message in document["components"]["messages"].values()
        if message.get("headers", {}).get("properties", {}).get("ce_type", {}).get("const")
        == event_ce_type
    ]
    assert len(found) == 1, f"{event_ce_type}: {len(found)} messages"
    message: Document = found[0]
    return message


def resolve(document: Document, ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), ref
        assert key in node, f"{ref}: no {key!r}"
        node = node[key]
    return node


def refs_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["$ref"]] if isinstance(value.get("$ref"), str) else []
        return own + [ref for item in value.values() for ref in refs_in(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in refs_in(item)]
    return []


def test_the_committed_document_is_what_the_event_models_generate() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == asyncapi.render(), (
        "docs/asyncapi.yaml is out of date: run `python -m pmo_kernel.asyncapi`"
    )


def test_the_committed_yaml_reads_back_as_the_generated_document(document: Document) -> None:
    assert yaml.safe_load(COMMITTED.read_text(encoding="utf-8")) == document


def test_generating_twice_gives_the_same_text() -> None:
    assert asyncapi.render() == asyncapi.render()


def test_the_services_register_events_to_document() -> None:
    assert registered_events(), "no plugin with a registry hook was discovered"


def test_every_registered_event_appears_with_its_ce_type_on_its_services_topic(
    document: Document,
) -> None:
    for service, cls in registered_events():
        message = message_for(document, ce_type(service, cls.event_type, cls.schema_version))
        assert message["name"] == cls.event_type
        assert message["contentType"] == "application/json"
        assert message["headers"]["properties"]["ce_source"]["const"] == f"/pmo/{service}"
        channel = document["channels"][topic_for(service)]
        refs = [ref["$ref"] for ref in channel["messages"].values()]
        assert any(resolve(document, ref) is message for ref in refs)


def test_event_payloads_list_exactly_the_fields_written_on_the_wire(document: Document) -> None:
    for service, cls in registered_events():
        message = message_for(document, ce_type(service, cls.event_type, cls.schema_version))
        payload = message["payload"]
        assert payload["type"] == "object"
        assert payload["additionalProperties"] is False
        assert set(payload["properties"]) == set(cls.model_fields)
        required = {name for name, field in cls.model_fields.items() if field.is_required()}
        assert set(payload.get("required", [])) == required


def test_the_document_has_the_asyncapi_3_top_level_structure(document: Document) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] == "pmo domain events"
    assert re.fullmatch(r"\d+\.\d+\.\d+", document["info"]["version"])
    for topic in ("ordering", "at least once", "ce_id", "upcaster"):
        assert topic in document["info"]["description"].lower()
    assert {"local", "production"} <= set(document["servers"])
    for server in document["servers"].values():
        assert {"host", "protocol"} <= set(server)
    assert document["defaultContentType"] == "application/json"
    assert set(document["components"]) == {"schemas", "messages"}
    for channel in document["channels"].values():
        assert channel["address"] == channel["bindings"]["kafka"]["topic"]
    for operation in document["operations"].values():
        assert operation["action"] in {"send", "receive"}


def test_every_message_has_json_schema_headers_and_payload(document: Document) -> None:
    for name, message in document["components"]["messages"].items():
        assert isinstance(message["payload"], dict), name
        headers = message["headers"]
        assert headers["type"] == "object", name
        assert set(headers["required"]) <= set(headers["properties"]), name
        assert message["bindings"]["kafka"]["key"]["type"] == "string", name


def test_every_reference_in_the_document_resolves(document: Document) -> None:
    refs = refs_in(document)
    assert refs
    for ref in refs:
        resolve(document, ref)


def test_every_producing_service_has_a_topic_a_dead_letter_topic_and_a_send_operation(
    document: Document,
) -> None:
    for plugin in discover():
        if asyncapi.registry_of(plugin) is None:
            continue
        topic = topic_for(plugin.name)
        assert document["channels"][topic]["address"] == topic
        assert document["channels"][dlq_topic(topic)]["address"] == dlq_topic(topic)
        operation = document["operations"][f"{plugin.name}.sendEvents"]
        assert operation["action"] == "send"
        assert resolve(document, operation["channel"]["$ref"]) is document["channels"][topic]


def test_a_message_is_published_per_event_type_and_schema_version(
    widget_document: Document,
) -> None:
    messages = widget_document["components"]["messages"]
    assert {"widgets.WidgetMade.v2", "widgets.WidgetScrapped.v1"} <= set(messages)
    made = messages["widgets.WidgetMade.v2"]
    assert made["headers"]["properties"]["ce_type"]["const"] == "pmo.widgets.WidgetMade.v2"
    assert made["title"] == "Widget made (v2)"


def test_an_events_docstring_becomes_its_summary(widget_document: Document) -> None:
    made = widget_document["components"]["messages"]["widgets.WidgetMade.v2"]
    assert made["summary"] == "A widget came off the line."
    assert made["description"].endswith("It is then in stock.")
    scrapped = widget_document["components"]["messages"]["widgets.WidgetScrapped.v1"]
    assert scrapped["summary"] == "Widget scrapped (v1)."


def test_shared_models_become_component_schemas_named_after_their_service(
    widget_document: Document,
) -> None:
    schemas = widget_document["components"]["schemas"]
    assert set(schemas) == {"widgets.Size"}
    made = widget_document["components"]["messages"]["widgets.WidgetMade.v2"]
    assert made["payload"]["properties"]["size"] == {"$ref": "#/components/schemas/widgets.Size"}
    assert "$defs" not in made["payload"]


def test_plugins_without_a_registry_publish_nothing_but_receive_their_topics(
    widget_document: Document,
) -> None:
    # The audit checkpoints channel comes with any write service (each keeps an audit log).
    assert set(widget_document["channels"]) == {
        "pmo.widgets.events",
        "pmo.widgets.events.dlq",
        "pmo.audit.checkpoints",
    }
    operations = widget_document["operations"]
    assert operations["gadgets.receive.widgets"]["action"] == "receive"
    assert operations["gadgets.deadLetter.widgets"]["action"] == "send"
    assert not any(name.startswith("gadgets.send") for name in operations)


def test_the_documented_headers_are_those_every_record_carries(
    widget_document: Document,
) -> None:
    event = WidgetMade(widget_id="w-1", size=Size(width=2, height=3))
    metadata = EventMetadata(actor=Actor(id="ada"), correlation_id="c-1")
    recorded = RecordedEvent.of(
        event, metadata, stream_type="widget", stream_id="w-1", stream_version=1
    )
    key, _, record_headers = to_record("widgets", recorded)
    headers = {name: value.decode() for name, value in record_headers}
    schema = widget_document["components"]["messages"]["widgets.WidgetMade.v2"]["headers"]

    assert set(schema["required"]) <= set(headers)
    assert set(headers) <= set(schema["properties"])
    for name, value in headers.items():
        rules = schema["properties"][name]
        if "const" in rules:
            assert value == rules["const"], name
        if "pattern" in rules:
            assert re.search(rules["pattern"], value), name
    assert key.decode() == headers["ce_subject"]


def test_check_passes_on_a_fresh_file_and_fails_once_it_differs(tmp_path: Path) -> None:
    output = tmp_path / "asyncapi.yaml"
    assert asyncapi.main(["--output", str(output)]) == 0
    assert asyncapi.main(["--check", "--output", str(output)]) == 0

    output.write_text(output.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert asyncapi.main(["--check", "--output", str(output)]) == 1
    assert asyncapi.main(["--check", "--output", str(tmp_path / "missing.yaml")]) == 1
