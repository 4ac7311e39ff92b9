"""Finding fingerprints (rules/fingerprint.py): one element of one template keeps its fingerprint
on every page and when unrelated markup moves it; different elements never share one."""

from __future__ import annotations

import pytest

from massaudit.rules.fingerprint import (
    FINGERPRINT_VERSION,
    fingerprint,
    markup_signature,
    selector_signature,
)

HEADER_BUTTON = '<button class="ma__header__menu" type="button" data-track="{page}"></button>'


def test_fingerprint_has_sixteen_hex_digits_and_its_version():
    value = fingerprint("image-alt", "img", '<img src="a.png">')
    assert len(value) == 16 and int(value, 16) >= 0
    assert FINGERPRINT_VERSION == 2


def test_five_different_content_images_are_five_fingerprints():
    prints = {
        fingerprint("image-alt", f"main > p:nth-child({n}) > img", f'<img src="/news/{n}.jpg">')
        for n in range(5)
    }
    assert len(prints) == 5


def test_one_shared_header_button_is_one_fingerprint_on_every_page():
    prints = {
        fingerprint(
            "button-name",
            selector,
            HEADER_BUTTON.format(page=f"page {n}"),  # data-* values are not the element's identity
        )
        for n, selector in enumerate(
            [
                "header > .ma__header__nav > button:nth-child(2)",
                "header > .ma__header__nav > button:nth-child(5)",  # content inserted before it
                "#page-7 > header > .ma__header__nav > button",  # an id'd ancestor named too
                "body > header > .ma__header__nav > button.ma__header__menu",
            ]
        )
    }
    assert len(prints) == 1


def test_same_markup_in_another_place_of_the_template_is_another_element():
    header = fingerprint("link-name", "header > nav > a", '<a href="/"><svg></svg></a>')
    footer = fingerprint("link-name", "footer > nav > a", '<a href="/"><svg></svg></a>')
    assert header != footer


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ('<a href="/one"><span>One</span></a>', '<a href="/two"><span>One</span></a>'),
        ('<input id="city" type="text">', '<input id="zip" type="text">'),
        ('<input name="city">', '<input name="zip">'),
        ('<label for="city">', '<label for="zip">'),
        ('<form action="/pay">', '<form action="/apply">'),
        ('<input type="text">', '<input type="checkbox">'),
        ('<div role="button">', '<div role="link">'),
        ("<p>Apply for a fishing license.</p>", "<p>Renew a boat registration.</p>"),
    ],
)
def test_distinguishing_values_and_text_make_another_element(first, second):
    assert fingerprint("some-rule", "main > p", first) != fingerprint(
        "some-rule", "main > p", second
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ('<img src="a.png" alt="x" title="A">', '<img src="a.png" alt="y" title="B">'),
        ('<button id="menu-toggle-1">Menu</button>', '<button id="menu-toggle-22">Menu</button>'),
        ("<p>© 2023 Commonwealth</p>", "<p>©   2024\n Commonwealth</p>"),
        ('<a href="/x" data-id="1">x</a>', '<a href="/x" data-id="2">x</a>'),
    ],
)
def test_generated_numbers_free_text_and_data_values_keep_the_element(first, second):
    assert fingerprint("some-rule", "main > p", first) == fingerprint(
        "some-rule", "main > p", second
    )


def test_fingerprint_changes_with_rule_and_element_kind():
    base = fingerprint("image-alt", "img", '<img src="a.png">')
    assert fingerprint("role-img-alt", "img", '<img src="a.png">') != base
    assert fingerprint("image-alt", "img", '<input type="image" src="a.png">') != base
    assert fingerprint("image-alt", "img", '<img class="hero" src="a.png">') != base
    assert fingerprint("image-alt", "img", '<img src="a.png" role="presentation">') != base


def test_selector_signature_is_the_ancestry_without_ids_or_positions():
    assert selector_signature("#main > ul > li.item-12:nth-child(3) > a") == "ul > li.item-0 > a"
    assert selector_signature("#main > ul > li > a", element=False) == "ul > li"
    assert selector_signature("ul  li.item-12:first-child") == "ul > li.item-0"
    assert selector_signature('input[name="q"]') == "input[name]"
    assert selector_signature("iframe >>> #x") == "iframe >>> *"
    assert selector_signature("iframe >>> #x", element=False) == "iframe >>> "
    assert selector_signature('div > a[title="a > b"]') == "div > a[title]"


def test_markup_signature_is_the_shape_with_distinguishing_values_and_text():
    assert (
        markup_signature('<img alt="" src="x" class="c-2 b">')
        == 'img[alt,class,src].b.c-0{src="x"}'
    )
    assert (
        markup_signature("<p>Hello <a href='/x'>there</a></p>")
        == 'p a[href]{href="/x"} "Hello there"'
    )
    assert markup_signature("not html at all") == '"not html at all"'
    assert markup_signature("") == ""
