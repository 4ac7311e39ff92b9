"""Finding fingerprints (rules/fingerprint.py): the same problem on the same kind of element keeps
its fingerprint when positions, ids, values and text change."""

from __future__ import annotations

from massaudit.rules.fingerprint import fingerprint, markup_signature, selector_signature


def test_fingerprint_ignores_positions_ids_and_values():
    a = fingerprint("image-alt", "#main > p:nth-child(3) > img", '<img src="a.png" id="x1">')
    b = fingerprint("image-alt", "p:nth-child(4) > img", '<img src="b/c.png" id="y2">')
    assert a == b
    assert len(a) == 16 and int(a, 16) >= 0


def test_fingerprint_changes_with_rule_and_element_kind():
    base = fingerprint("image-alt", "img", '<img src="a.png">')
    assert fingerprint("role-img-alt", "img", '<img src="a.png">') != base
    assert fingerprint("image-alt", "input", '<input type="image" src="a.png">') != base
    assert fingerprint("image-alt", "img.hero", '<img class="hero" src="a.png">') != base
    assert fingerprint("image-alt", "img", '<img src="a.png" role="presentation">') != base


def test_fingerprint_text_and_attribute_values_do_not_count():
    a = fingerprint("link-name", 'a[href="/one"]', '<a href="/one"><span>One</span></a>')
    b = fingerprint("link-name", 'a[href="/two"]', '<a href="/two"><span>Two things</span></a>')
    assert a == b


def test_selector_signature_keeps_the_element_and_frames():
    assert selector_signature("#main > ul > li.item-12:nth-child(3) > a") == "a"
    assert selector_signature("ul > li.item-12:first-child") == "li.item-0"
    assert selector_signature('input[name="q"]') == "input[name]"
    assert selector_signature("iframe >>> #x") == "iframe >>> *"
    assert selector_signature('a[title="a > b"]') == "a[title]"


def test_markup_signature_is_the_shape():
    assert markup_signature('<img alt="" src="x" class="c-2 b">') == "img[alt,class,src].b.c-0"
    assert markup_signature("<p>Hello <a href='/x'>there</a></p>") == "p a[href]"
    assert markup_signature("not html at all") == ""
