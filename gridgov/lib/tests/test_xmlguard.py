"""The DTD check that every XML callback runs before parsing."""

from __future__ import annotations

import pytest

from gridgov.lib.xmlguard import declares_entities


@pytest.mark.parametrize(
    "xml",
    [
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml>&a;</xml>',
        b'<!doctype xml SYSTEM "file:///etc/passwd"><xml/>',
        "<xml><!EnTiTy b 'x'></xml>",
    ],
)
def test_a_document_with_a_dtd_or_entity_is_caught(xml: str | bytes) -> None:
    assert declares_entities(xml)


@pytest.mark.parametrize(
    "xml", ["<xml><Content><![CDATA[路灯不亮 <!-- not a declaration -->]]></Content></xml>", b"<xml/>"]
)
def test_an_ordinary_message_passes(xml: str | bytes) -> None:
    assert not declares_entities(xml)
