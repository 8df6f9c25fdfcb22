#!/usr/bin/env python3
"""PII detection benchmark: Weir's PIIDetection node beside Presidio's pattern recognizers.

  pii_accuracy.py accuracy   --weir BIN [--per-type 10000] [--near-misses 5000] [--plain 10000]
  pii_accuracy.py throughput --weir BIN [--rows 1000000] [--audit-rows 10000000] [--presidio-rows 20000]

Run it with a Python that has `faker`, `presidio-analyzer` and `presidio-anonymizer`.

accuracy
  A labelled data set, generated with Faker from a fixed seed: for each entity type, PER_TYPE
  positives (realistic values of several formats, half bare, half inside short sentences;
  the types that no format identifies alone — routing and bank account numbers, passports,
  driving licences — always with a context word such as "routing number"), NEAR_MISSES
  near-misses labelled negative (Luhn-invalid card numbers, SSNs with area 000/666/9xx, order
  numbers that look like phone numbers, IBANs with a wrong checksum, ...), and PLAIN ordinary
  negatives (sentences, words, numbers, dates, addresses). Every row holds one value and one
  label; the labels stay in this script.
  - Weir: one CSV (`id,value`), one `weir job run` of a RowAudit PIIDetection node at HIGH
    sensitivity and one at LOW, output JSON lines; DetectedEntities is read per row.
  - Presidio: AnalyzerEngine with the predefined pattern recognizers of the same types, an NLP
    engine that only tokenizes (spaCy's blank English tokenizer, lemma = lower-cased token, so
    context words still raise scores; no model, so no NER), each value analyzed alone.
    Reported at Presidio's default score threshold (0: any result counts), at 0.5, and at the
    threshold that gives each type its best F1 (tuned on this very data: an upper bound).
  A value counts as detected for type T when a finding of type T is in it. Per type:
  precision, recall and F1, where a false positive is any row not labelled T in which T is
  found (near-misses, plain negatives and other types' positives alike). PERSON_NAME is Weir
  only: Presidio finds names with a NER model, not a pattern.

throughput
  A table of ROWS rows and 8 columns (id, name, email, phone, ssn, card, note, city; notes
  mention some of the others), and one of AUDIT_ROWS rows (the first ROWS of which are the
  same). Whole-process times of:
  - Weir `job run`: CSV source -> PIIDetection RowMasking (EMAIL, CREDIT_CARD, USA_SSN,
    PHONE_NUMBER, HIGH, MaskValue ****) -> CSV target; and a ColumnAudit node (SampleFraction
    0.1, ThresholdFraction 0.1) over the AUDIT_ROWS table -> CSV target.
  - Presidio, in this process, engines built beforehand (not timed; Presidio's no-op NLP
    engine, the pattern recognizers of the same four types): analyze and, where it found
    something, anonymize (replace with ****) each text cell of the first PRESIDIO_ROWS rows;
    the rate is extrapolated to ROWS, because Presidio would take hours on all of them. For the
    audit: analyze each text cell of the rows Weir's ColumnAudit samples (10 % of the first
    100,000 rows: Weir classifies columns on the first 100,000 rows; at most PRESIDIO_ROWS of
    them), a column holding a type when 10 % of its sampled values do; extrapolated to 10 % of
    AUDIT_ROWS, which is what SampleFraction 0.1 means.
Reported: seconds, rows per second, and the ratio Weir/Presidio. Nothing asserts on timings.
On the rows both processed the script counts the cells masked by both, by Weir only and by
Presidio only, with examples.

Temporary files go to a directory under $TMPDIR (or --work-dir), removed at the end.
"""

from __future__ import annotations

import argparse
import csv
import ipaddress
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# Entity types: Weir's name -> Presidio's entity and recognizer class (None: Weir only).

PRESIDIO = {
    "EMAIL": ("EMAIL_ADDRESS", "EmailRecognizer"),
    "CREDIT_CARD": ("CREDIT_CARD", "CreditCardRecognizer"),
    "USA_SSN": ("US_SSN", "UsSsnRecognizer"),
    "PHONE_NUMBER": ("PHONE_NUMBER", "PhoneRecognizer"),
    "IP_ADDRESS": ("IP_ADDRESS", "IpRecognizer"),
    "IBAN": ("IBAN_CODE", "IbanRecognizer"),
    "URL": ("URL", "UrlRecognizer"),
    "MAC_ADDRESS": ("MAC_ADDRESS", "MacAddressRecognizer"),
    "USA_ROUTING_NUMBER": ("ABA_ROUTING_NUMBER", "AbaRoutingRecognizer"),
    "BANK_ACCOUNT": ("US_BANK_NUMBER", "UsBankRecognizer"),
    "USA_PASSPORT_NUMBER": ("US_PASSPORT", "UsPassportRecognizer"),
    "USA_DRIVING_LICENSE": ("US_DRIVER_LICENSE", "UsLicenseRecognizer"),
    "PERSON_NAME": None,
}
TYPES = list(PRESIDIO)
FROM_PRESIDIO = {v[0]: k for k, v in PRESIDIO.items() if v}

# Sentences around a value: neutral ones (no context word of any type) and, per type, ones with
# the words a person would write next to it.
NEUTRAL = [
    "Please see {v} for details.",
    "Updated on request: {v}",
    "{v} was added yesterday.",
    "Ticket closed, value {v} kept.",
    "Moved {v} to the new system",
    "We noted {v} in the file.",
]
CONTEXT = {
    "EMAIL": ["Email: {v}", "write to {v} for help", "e-mail {v}"],
    "CREDIT_CARD": ["card {v}", "Paid by card {v} today", "credit card number: {v}"],
    "USA_SSN": ["SSN: {v}", "social security number {v}", "ssn {v} on file"],
    "PHONE_NUMBER": ["Phone: {v}", "call me at {v}", "mobile {v} after 5pm", "tel {v}"],
    "IP_ADDRESS": ["IP address {v}", "login from ip {v}", "host {v} unreachable"],
    "IBAN": ["IBAN: {v}", "pay to IBAN {v}", "bank account {v}"],
    "URL": ["link: {v}", "see the website {v}", "URL {v}"],
    "MAC_ADDRESS": ["MAC address {v}", "mac {v} registered", "ethernet {v}"],
    "USA_ROUTING_NUMBER": ["routing number {v}", "ABA {v} for the wire", "Routing: {v}",
                           "wire via routing no. {v}", "RTN {v}"],
    "BANK_ACCOUNT": ["account number {v}", "acct {v}", "checking account {v} closed",
                     "savings account: {v}", "bank account {v}"],
    "USA_PASSPORT_NUMBER": ["passport {v}", "Passport No. {v}", "passport number: {v}",
                            "US passport {v} renewed"],
    "USA_DRIVING_LICENSE": ["driver's license {v}", "DL# {v}", "Driver License No. {v}",
                            "driving licence {v}", "license number {v}"],
    "PERSON_NAME": ["Dear {v},", "Signed by {v}", "name: {v}", "Contact {v} tomorrow"],
}
# Types whose values no format identifies alone: their positives always carry a context word.
NEEDS_CONTEXT = {"USA_ROUTING_NUMBER", "BANK_ACCOUNT", "USA_PASSPORT_NUMBER", "USA_DRIVING_LICENSE"}

CARD_BRANDS = ["visa16", "visa13", "visa19", "mastercard", "amex", "discover", "jcb16", "diners", "maestro"]
# Faker has no 16-digit Maestro numbers: ours are made with a Maestro prefix and the Luhn digit.
IBAN_LOCALES = ["en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_PT", "fi_FI", "no_NO"]


def luhn_digit(body: str) -> str:
    """The check digit that makes body + digit pass Luhn."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return str((10 - total % 10) % 10)


def aba_valid(d: str) -> bool:
    w = [3, 7, 1] * 3
    return sum(int(c) * k for c, k in zip(d, w)) % 10 == 0


def iban_check(country: str, bban: str) -> str:
    """country + check digits + bban, the check digits computed (ISO 13616)."""
    moved = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in moved))
    return f"{country}{98 - number % 97:02d}{bban}"


def group(number: str, sizes: list[int], sep: str) -> str:
    out, at = [], 0
    for s in sizes:
        if at >= len(number):
            break
        out.append(number[at:at + s])
        at += s
    if at < len(number):
        out.append(number[at:])
    return sep.join(out)


def card_groups(number: str) -> list[int]:
    """How a card number is printed: American Express and Diners Club 4-6-5 (4-6-4), 13-digit
    Visa 4-3-3-3, the others in fours (19 digits: 4-4-4-4-3)."""
    if len(number) in (14, 15):
        return [4, 6, 5]
    if len(number) == 13:
        return [4, 3, 3, 3]
    return [4] * 5


class Generator:
    """Values of every type, their near-misses and plain negatives, from one seed."""

    def __init__(self, seed: int):
        from faker import Faker
        import phonenumbers

        self.phonenumbers = phonenumbers
        Faker.seed(seed)
        self.rng = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.iban_fakers = []
        for i, loc in enumerate(IBAN_LOCALES):
            f = Faker(loc)
            f.seed_instance(seed + i + 1)
            self.iban_fakers.append(f)

    # -- helpers
    def pick(self, seq):
        return self.rng.choice(seq)

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def embed(self, entity: str, value: str, kind: str, context_only: bool = False) -> tuple[str, str]:
        """Bare (half), in a neutral sentence (a quarter) or in one with context words."""
        r = self.rng.random()
        if context_only or entity in NEEDS_CONTEXT:
            return self.pick(CONTEXT[entity]).format(v=value), f"{kind}:context"
        if r < 0.5:
            return value, f"{kind}:bare"
        if r < 0.75:
            return self.pick(NEUTRAL).format(v=value), f"{kind}:sentence"
        return self.pick(CONTEXT[entity]).format(v=value), f"{kind}:context"

    def us_phone_digits(self) -> tuple[str, str]:
        """A faker phone number libphonenumber holds valid for the US (assigned area code), as
        faker wrote it and as its ten digits."""
        while True:
            text = self.fake.phone_number()
            main = text.split("x")[0]
            d = "".join(c for c in main if c.isdigit())
            if d.startswith("001"):
                d = d[3:]
            elif len(d) == 11 and d[0] == "1":
                d = d[1:]
            if len(d) != 10:
                continue
            if self.phonenumbers.is_valid_number(self.phonenumbers.parse("+1" + d)):
                return text, d

    def phone_format(self, d: str) -> tuple[str, str]:
        a, b, c = d[:3], d[3:6], d[6:]
        formats = {
            "paren_space": f"({a}) {b}-{c}", "paren": f"({a}){b}-{c}", "dash": f"{a}-{b}-{c}",
            "dot": f"{a}.{b}.{c}", "space": f"{a} {b} {c}", "plus1_space": f"+1 {a} {b} {c}",
            "plus1_dash": f"+1-{a}-{b}-{c}", "one_dash": f"1-{a}-{b}-{c}", "e164": f"+1{d}",
            "plus1_paren": f"+1 ({a}) {b}-{c}",
        }
        kind = self.pick(list(formats))
        return formats[kind], kind

    def document(self, entity: str) -> tuple[str, str]:
        """A bank account, US passport or US driving licence number, bare, and its format."""
        f, rng = self.fake, self.rng
        if entity == "BANK_ACCOUNT":
            n = rng.randint(8, 17)
            return self.digits(n), f"digits{'8-11' if n < 12 else '12-17'}"
        if entity == "USA_PASSPORT_NUMBER":
            p = f.passport_number()
            return p, "letter_8" if p[0].isalpha() else "nine_digits"
        L = lambda: self.pick(string.ascii_uppercase)  # noqa: E731
        kind = self.pick(["CA", "NY", "TX", "FL", "IL", "PA", "WA", "NJ"])
        value = {
            "CA": lambda: L() + self.digits(7),
            "NY": lambda: self.digits(9),
            "TX": lambda: self.digits(8),
            "FL": lambda: f"{L()}{self.digits(3)}-{self.digits(3)}-{self.digits(2)}-{self.digits(3)}-{self.digits(1)}",
            "IL": lambda: f"{L()}{self.digits(3)}-{self.digits(4)}-{self.digits(4)}",
            "PA": lambda: f"{self.digits(2)} {self.digits(3)} {self.digits(3)}",
            "WA": lambda: "WDL" + "".join(self.pick(string.ascii_uppercase + string.digits) for _ in range(9)),
            "NJ": lambda: f"{L()}{self.digits(4)} {self.digits(5)} {self.digits(5)}",
        }[kind]()
        return value, kind

    def card_number(self, brand: str) -> str:
        """Faker's card number of a brand, but JCB only in its range (3528-3589; Faker draws from
        all of 35xx) and Maestro as issued today (16 digits, Faker makes 12-digit ones)."""
        if brand == "maestro":
            body = self.pick(["5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763"]) + self.digits(11)
            return body + luhn_digit(body)
        while True:
            number = self.fake.credit_card_number(brand)
            if brand != "jcb16" or 3528 <= int(number[:4]) <= 3589:
                return number

    # -- positives: (text, kind)
    def positive(self, entity: str) -> tuple[str, str]:
        f, rng = self.fake, self.rng
        if entity == "EMAIL":
            kind = self.pick(["email", "free", "company", "tagged", "subdomain", "dotted"])
            user = f.user_name()
            value = {
                "email": f.email, "free": f.free_email, "company": f.company_email,
                "tagged": lambda: f"{user}+{f.word()}@{f.domain_name()}",
                "subdomain": lambda: f"{user}@mail.{f.domain_name()}",
                "dotted": lambda: f"{f.first_name().lower()}.{f.last_name().lower()}@{f.free_email_domain()}",
            }[kind]()
            return self.embed(entity, value, kind)
        if entity == "CREDIT_CARD":
            brand = self.pick(CARD_BRANDS)
            number = self.card_number(brand)
            fmt = self.pick(["compact", "spaced", "dashed"])
            value = number if fmt == "compact" else group(number, card_groups(number), " " if fmt == "spaced" else "-")
            return self.embed(entity, value, f"{brand}:{fmt}")
        if entity == "USA_SSN":
            ssn = f.ssn()
            r = rng.random()
            if r < 0.6:
                return self.embed(entity, ssn, "dashed")
            if r < 0.8:
                return self.embed(entity, ssn.replace("-", " "), "spaced")
            return self.embed(entity, ssn.replace("-", ""), "nine_digits", context_only=True)
        if entity == "PHONE_NUMBER":
            text, d = self.us_phone_digits()
            r = rng.random()
            if r < 0.3:
                if text.isdigit():  # ten bare digits: a phone number only in context
                    return self.embed(entity, text, "faker_ten_digits", context_only=True)
                return self.embed(entity, text, "faker_ext" if "x" in text else "faker")
            if r < 0.9:
                value, kind = self.phone_format(d)
                return self.embed(entity, value, kind)
            return self.embed(entity, d, "ten_digits", context_only=True)
        if entity == "IP_ADDRESS":
            kind = self.pick(["v4", "v4_private", "v4_cidr", "v6_full", "v6_compressed", "v6_link_local"])
            if kind == "v4":
                value = f.ipv4_public()
            elif kind == "v4_private":
                value = f.ipv4_private()
            elif kind == "v4_cidr":
                value = f.ipv4(network=True)
            elif kind == "v6_full":
                value = f.ipv6()
            elif kind == "v6_compressed":
                value = str(ipaddress.IPv6Address("2001:db8::") + rng.getrandbits(32))
            else:
                value = str(ipaddress.IPv6Address("fe80::") + rng.getrandbits(64))
            return self.embed(entity, value, kind)
        if entity == "IBAN":
            i = rng.randrange(len(IBAN_LOCALES))
            iban = self.iban_fakers[i].iban()
            fmt = self.pick(["compact", "grouped"])
            value = iban if fmt == "compact" else group(iban, [4] * 9, " ")
            return self.embed(entity, value, f"{IBAN_LOCALES[i][-2:]}:{fmt}")
        if entity == "URL":
            kind = self.pick(["url", "uri", "query", "www"])
            value = {
                "url": f.url, "uri": f.uri,
                "query": lambda: f"{f.uri()}?id={rng.randint(1, 99999)}&ref={f.word()}",
                "www": lambda: f"www.{f.domain_name()}/{f.uri_path()}",
            }[kind]()
            return self.embed(entity, value, kind)
        if entity == "MAC_ADDRESS":
            mac = f.mac_address()
            kind = self.pick(["colon", "dash_upper", "cisco"])
            if kind == "dash_upper":
                mac = mac.replace(":", "-").upper()
            elif kind == "cisco":
                h = mac.replace(":", "")
                mac = f"{h[:4]}.{h[4:8]}.{h[8:]}"
            return self.embed(entity, mac, kind)
        if entity == "USA_ROUTING_NUMBER":
            return self.embed(entity, f.aba(), "aba")
        if entity in ("BANK_ACCOUNT", "USA_PASSPORT_NUMBER", "USA_DRIVING_LICENSE"):
            value, kind = self.document(entity)
            return self.embed(entity, value, kind)
        if entity == "PERSON_NAME":
            kind = self.pick(["faker_name", "first_last", "first_initial_last", "last_comma_first"])
            value = {
                "faker_name": f.name,
                "first_last": lambda: f"{f.first_name()} {f.last_name()}",
                "first_initial_last": lambda: f"{f.first_name()} {self.pick(string.ascii_uppercase)}. {f.last_name()}",
                "last_comma_first": lambda: f"{f.last_name()}, {f.first_name()}",
            }[kind]()
            return self.embed(entity, value, kind)
        raise ValueError(entity)

    # -- near-misses of a type: (text, kind), labelled negative
    def near_miss(self, entity: str) -> tuple[str, str]:
        f, rng = self.fake, self.rng
        if entity == "EMAIL":
            user, dom = f.user_name(), f.domain_name()
            kind = self.pick(["no_tld", "no_local", "no_domain", "handle", "package_at_version"])
            value = {
                "no_tld": f"{user}@{dom.split('.')[0]}", "no_local": f"@{dom}", "no_domain": f"{user}@",
                "handle": f"@{user}",
                "package_at_version": f"{f.word()}@{rng.randint(0, 20)}.{rng.randint(0, 40)}.{rng.randint(0, 99)}",
            }[kind]
            return self.embed(entity, value, kind)
        if entity == "CREDIT_CARD":
            kind = self.pick(["luhn_invalid", "luhn_invalid", "luhn_invalid", "unknown_issuer", "tracking"])
            if kind == "luhn_invalid":
                number = self.card_number(self.pick(CARD_BRANDS))
                wrong = str((int(number[-1]) + rng.randint(1, 9)) % 10)
                number = number[:-1] + wrong
            elif kind == "unknown_issuer":
                body = self.pick("0789") + self.digits(14)
                number = body + luhn_digit(body)
            else:  # USPS-style 22-digit tracking number
                number = "9400" + self.digits(18)
            fmt = self.pick(["compact", "spaced", "dashed"])
            value = number if fmt == "compact" else group(number, card_groups(number), " " if fmt == "spaced" else "-")
            return self.embed(entity, value, f"{kind}:{fmt}")
        if entity == "USA_SSN":
            kind = self.pick(["area000", "area666", "area9xx", "group00", "serial0000"])
            area = {"area000": "000", "area666": "666", "area9xx": "9" + self.digits(2)}.get(kind, f"{rng.randint(1, 899):03d}")
            if area == "666" and kind not in ("area666",):
                area = "665"
            grp = "00" if kind == "group00" else f"{rng.randint(1, 99):02d}"
            serial = "0000" if kind == "serial0000" else f"{rng.randint(1, 9999):04d}"
            sep = self.pick(["-", "-", " "])
            return self.embed(entity, f"{area}{sep}{grp}{sep}{serial}", kind)
        if entity == "PHONE_NUMBER":
            kind = self.pick(["order_word", "order_word", "bad_area", "bad_exchange", "wrong_groups"])
            _, d = self.us_phone_digits()
            if kind == "order_word":
                value, fmt = self.phone_format(d) if rng.random() < 0.5 else (d, "ten_digits")
                word = self.pick(["Order", "Order #", "order no.", "Invoice", "invoice #", "Tracking", "SKU", "PO",
                                  "ref", "Reference", "serial", "ISBN"])
                return f"{word} {value}", f"order_word:{fmt}"
            if kind == "bad_area":
                d = str(rng.randint(0, 1)) + d[1:]
            elif kind == "bad_exchange":
                d = d[:3] + str(rng.randint(0, 1)) + d[4:]
            if kind == "wrong_groups":
                value = self.pick([f"{d[:4]}-{d[4:6]}-{d[6:]}", f"{d[:2]}-{d[2:6]}-{d[6:]}", f"{d[:3]}-{d[3:7]}-{d[7:]}"])
            else:
                value, _ = self.phone_format(d)
            return self.embed(entity, value, kind)
        if entity == "IP_ADDRESS":
            kind = self.pick(["octet_over_255", "five_parts", "three_parts", "version", "clock_time"])
            o = lambda: str(rng.randint(0, 255))  # noqa: E731
            value = {
                "octet_over_255": lambda: ".".join([str(rng.randint(256, 999)), o(), o(), o()]),
                "five_parts": lambda: ".".join(o() for _ in range(5)),
                "three_parts": lambda: ".".join(o() for _ in range(3)),
                "version": lambda: f"version {rng.randint(1, 20)}.{rng.randint(0, 30)}.{rng.randint(0, 30)}.{rng.randint(0, 999)}",
                "clock_time": lambda: f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
            }[kind]()
            return self.embed(entity, value, kind)
        if entity == "IBAN":
            i = rng.randrange(len(IBAN_LOCALES))
            iban = self.iban_fakers[i].iban()
            kind = self.pick(["bad_checksum", "truncated", "unknown_country"])
            if kind == "bad_checksum":
                iban = iban[:2] + f"{(int(iban[2:4]) + rng.randint(1, 90)) % 100:02d}" + iban[4:]
                if iban_check(iban[:2], iban[4:]) == iban:
                    iban = iban[:-1] + str((int(iban[-1], 36) + 1) % 10)
            elif kind == "truncated":
                iban = iban[:-1]
            else:
                iban = iban_check(self.pick(["ZZ", "QQ", "XY", "UU"]), iban[4:])
            fmt = self.pick(["compact", "grouped"])
            value = iban if fmt == "compact" else group(iban, [4] * 9, " ")
            return self.embed(entity, value, f"{kind}:{fmt}")
        if entity == "URL":
            kind = self.pick(["file_name", "package", "scheme_only", "abbreviation"])
            value = {
                "file_name": lambda: f.file_name(),
                "package": lambda: f"com.{f.word()}.{f.word()}",
                "scheme_only": lambda: self.pick(["http://", "https://", "ftp://"]),
                "abbreviation": lambda: self.pick(["e.g.", "i.e.", "a.m.", "p.m.", "U.S.A."]) + " " + f.word(),
            }[kind]()
            return self.embed(entity, value, kind)
        if entity == "MAC_ADDRESS":
            h = f.mac_address().split(":")
            kind = self.pick(["five_groups", "non_hex", "mixed_separators"])
            if kind == "five_groups":
                value = ":".join(h[:5])
            elif kind == "non_hex":
                h[rng.randrange(6)] = self.pick(["g", "k", "z"]) + self.pick("0123456789")
                value = ":".join(h)
            else:
                value = ":".join(h[:3]) + "-" + "-".join(h[3:])
            return self.embed(entity, value, kind)
        if entity == "USA_ROUTING_NUMBER":
            kind = self.pick(["bad_checksum", "bad_prefix"])
            while True:
                if kind == "bad_checksum":
                    d = f.aba()
                    d = d[:-1] + str((int(d[-1]) + rng.randint(1, 9)) % 10)
                    if not aba_valid(d):
                        break
                else:
                    prefix = self.pick([f"{p:02d}" for p in list(range(13, 21)) + list(range(33, 61)) + list(range(73, 80)) + list(range(81, 100))])
                    body = prefix + self.digits(6)
                    for last in "0123456789":
                        if aba_valid(body + last):
                            d = body + last
                            break
                    break
            return self.embed(entity, d, kind, context_only=True)
        if entity in ("BANK_ACCOUNT", "USA_PASSPORT_NUMBER", "USA_DRIVING_LICENSE"):
            # The same shapes as the type's positives, beside words that make them something else.
            value, fmt = self.document(entity)
            word = self.pick(["Order number", "invoice", "tracking", "employee ID", "batch", "part no.", "serial",
                              "model", "flight"])
            if entity == "USA_DRIVING_LICENSE" and rng.random() < 0.2:
                return f"license plate {f.license_plate()}", "license_plate"
            return f"{word} {value}", f"other_word:{fmt}"
        if entity == "PERSON_NAME":
            kind = self.pick(["city", "street", "company", "title_words"])
            value = {
                "city": f.city, "street": f.street_name, "company": f.company,
                "title_words": lambda: " ".join(w.title() for w in f.words(2)),
            }[kind]()
            return self.embed(entity, value, kind)
        raise ValueError(entity)

    def plain(self) -> tuple[str, str]:
        f, rng = self.fake, self.rng
        kind = self.pick(["sentence", "word", "integer", "decimal", "price", "date", "time", "zip", "zip4",
                          "address", "catch_phrase", "job", "uuid", "product_code", "percent", "year_range"])
        value = {
            "sentence": f.sentence, "word": f.word, "integer": lambda: str(rng.randint(0, 10 ** rng.randint(1, 7))),
            "decimal": lambda: f"{rng.uniform(0, 100000):.2f}", "price": lambda: f"${rng.uniform(1, 999):.2f}",
            "date": lambda: f.date(), "time": lambda: f.time(), "zip": f.postcode,
            "zip4": lambda: f.zipcode_plus4(), "address": f.street_address, "catch_phrase": f.catch_phrase,
            "job": f.job, "uuid": lambda: str(f.uuid4()),
            "product_code": lambda: f"{self.pick(string.ascii_uppercase)}{self.pick(string.ascii_uppercase)}-{rng.randint(100, 99999)}",
            "percent": lambda: f"{rng.uniform(0, 100):.1f}%", "year_range": lambda: f"{rng.randint(1950, 2020)}-{rng.randint(2021, 2030)}",
        }[kind]()
        return value, kind


def labelled_rows(seed: int, per_type: int, near: int, plain: int) -> list[dict]:
    """Rows {id, value, label, kind}: label is the type for positives, '' for negatives; kind
    says which near-miss (`near:TYPE:...`) or plain negative (`plain:...`) a negative is."""
    gen = Generator(seed)
    rows = []
    for entity in TYPES:
        for _ in range(per_type):
            value, kind = gen.positive(entity)
            rows.append({"value": value, "label": entity, "kind": f"{entity}:{kind}"})
        for _ in range(near):
            value, kind = gen.near_miss(entity)
            rows.append({"value": value, "label": "", "kind": f"near:{entity}:{kind}"})
    for _ in range(plain):
        value, kind = gen.plain()
        rows.append({"value": value, "label": "", "kind": f"plain:{kind}"})
    random.Random(seed).shuffle(rows)
    for i, row in enumerate(rows):
        row["id"] = i
        if "\n" in row["value"] or '"' in row["value"]:
            row["value"] = row["value"].replace("\n", " ").replace('"', "'")
    return rows


# ---------------------------------------------------------------------------------------------
# Weir


def run_weir(weir: str, job: dict, work: Path, name: str) -> tuple[float, str]:
    """Writes the job, runs it as a whole process, returns (seconds, output)."""
    path = work / f"{name}.json"
    path.write_text(json.dumps(job))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIR__")}
    env["WEIR__LOG"] = "warn"
    started = time.perf_counter()
    done = subprocess.run([weir, "job", "run", str(path), "--data-dir", str(work / f"state-{name}")],
                          capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"weir job {name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return elapsed, done.stdout + done.stderr


def pii_job(source: Path, out: Path, pii: dict, out_format: str = "json") -> dict:
    return {"Name": "pii-bench", "CodeGenConfigurationNodes": {
        "src": {"S3CsvSource": {"Name": "values", "Paths": [str(source)], "Separator": "comma",
                                "QuoteChar": "quote", "WithHeader": True}},
        "pii": {"PIIDetection": {"Name": "detect", "Inputs": ["src"], **pii}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["pii"], "Path": str(out), "Format": out_format,
                                   "Compression": "none"}}}}


def weir_detections(out: Path) -> dict[int, set[str]]:
    """id -> entity types found, from the job's JSON-lines output."""
    found: dict[int, set[str]] = {}
    for part in sorted(out.glob("*.json")):
        with open(part) as lines:
            for line in lines:
                row = json.loads(line)
                detected = row.get("DetectedEntities")
                types = set()
                if detected:
                    for findings in json.loads(detected).values():
                        types.update(fd["entityType"] for fd in findings)
                found[int(row["id"])] = types
    return found


# ---------------------------------------------------------------------------------------------
# Presidio


def presidio_versions() -> dict:
    from importlib.metadata import version
    out = {}
    for pkg in ("presidio-analyzer", "presidio-anonymizer", "faker", "phonenumbers", "spacy"):
        try:
            out[pkg] = version(pkg)
        except Exception:
            out[pkg] = None
    return out


def token_nlp_engine():
    """A Presidio NLP engine that tokenizes with spaCy's blank English pipeline and uses the
    lower-cased tokens as lemmas: context words work, no model is needed, and there is no NER."""
    import spacy
    from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

    class TokenNlpEngine(NlpEngine):
        def __init__(self):
            self.nlp = spacy.blank("en")

        def load(self):
            pass

        def is_loaded(self):
            return True

        def process_text(self, text, language):
            doc = self.nlp(text)
            return NlpArtifacts(entities=[], tokens=doc, tokens_indices=[t.idx for t in doc],
                                lemmas=[t.text.lower() for t in doc], nlp_engine=self, language=language, scores=[])

        def process_batch(self, texts, language, batch_size=1, n_process=1, **kwargs):
            for text in texts:
                yield text, self.process_text(text, language)

        def is_stopword(self, word, language):
            return self.nlp.vocab[word].is_stop

        def is_punct(self, word, language):
            return self.nlp.vocab[word].is_punct

        def get_supported_entities(self):
            return []

        def get_supported_languages(self):
            return ["en"]

    return TokenNlpEngine()


def presidio_analyzer(types: list[str], nlp: str):
    """An AnalyzerEngine with the predefined pattern recognizers of `types` (Weir names)."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    import presidio_analyzer.predefined_recognizers as predefined
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    registry = RecognizerRegistry(supported_languages=["en"])
    for t in types:
        if PRESIDIO.get(t):
            registry.add_recognizer(getattr(predefined, PRESIDIO[t][1])())
    if nlp == "tokens":
        engine = token_nlp_engine()
    else:
        engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
        engine.load()
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


def presidio_scores(rows: list[dict]) -> tuple[list[dict[str, float]], float]:
    """Per row, the best score of each type Presidio found (Weir names), and the seconds taken."""
    import logging
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # no network: it falls back to its snapshot
    analyzer = presidio_analyzer(TYPES, "tokens")
    entities = [v[0] for v in PRESIDIO.values() if v]
    out = []
    started = time.perf_counter()
    for i, row in enumerate(rows):
        best: dict[str, float] = {}
        for r in analyzer.analyze(text=row["value"], entities=entities, language="en"):
            t = FROM_PRESIDIO[r.entity_type]
            best[t] = max(best.get(t, 0.0), r.score)
        out.append(best)
        if (i + 1) % 50000 == 0:
            print(f"  presidio: {i + 1} rows, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return out, time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# accuracy


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f1}


def evaluate(rows: list[dict], detected: list[set[str]]) -> dict:
    """Per type: precision/recall/F1, false positives by the kind of row, misses by kind."""
    out = {}
    for t in TYPES:
        tp = fp = fn = 0
        fp_by, fn_by = Counter(), Counter()
        examples_fp, examples_fn = defaultdict(list), defaultdict(list)
        for row, found in zip(rows, detected):
            hit = t in found
            if row["label"] == t:
                if hit:
                    tp += 1
                else:
                    fn += 1
                    fn_by[row["kind"]] += 1
                    if len(examples_fn[row["kind"]]) < 3:
                        examples_fn[row["kind"]].append(row["value"])
            elif hit:
                fp += 1
                source = row["kind"] if not row["label"] else f"positive:{row['label']}"
                fp_by[source] += 1
                if len(examples_fp[source]) < 3:
                    examples_fp[source].append(row["value"])
        out[t] = {**prf(tp, fp, fn),
                  "false_positives_by_kind": {k: {"count": c, "examples": examples_fp[k]} for k, c in fp_by.most_common()},
                  "misses_by_kind": {k: {"count": c, "examples": examples_fn[k]} for k, c in fn_by.most_common()}}
    return out


EMBEDDINGS = (":bare", ":sentence", ":context")


def kind_rates(rows: list[dict], detectors: dict[str, list[set[str]]], merge_embedding: bool = False) -> list[dict]:
    """Per kind of row: how often each detector found the row's type (the type a near-miss
    imitates): recall for positives, false-positive rate for near-misses. With
    `merge_embedding`, bare values and values in sentences are counted together."""
    totals: Counter = Counter()
    hits: dict[str, Counter] = {name: Counter() for name in detectors}
    for i, row in enumerate(rows):
        kind = row["kind"]
        if kind.startswith("plain:"):
            continue
        if merge_embedding and kind.endswith(EMBEDDINGS):
            kind = kind.rsplit(":", 1)[0]
        t = row["label"] or kind.split(":")[1]
        totals[kind] += 1
        for name, detected in detectors.items():
            hits[name][kind] += t in detected[i]
    return [{"kind": k, "rows": n, **{name: hits[name][k] / n for name in detectors}}
            for k, n in sorted(totals.items())]


def best_thresholds(rows: list[dict], scores: list[dict[str, float]]) -> dict:
    """Per type, Presidio's best F1 over every score threshold it produced: a threshold tuned
    on this very data set, so an upper bound of what Presidio's scores allow."""
    out = {}
    for t in TYPES:
        if not PRESIDIO[t]:
            continue
        pairs = [(best.get(t, 0.0), row["label"] == t) for row, best in zip(rows, scores)]
        positives = sum(is_t for _, is_t in pairs)
        candidates = sorted({s for s, _ in pairs if s > 0})
        top = prf(0, 0, positives) | {"threshold": None}
        for threshold in candidates:
            tp = sum(1 for s, is_t in pairs if is_t and s >= threshold)
            fp = sum(1 for s, is_t in pairs if not is_t and s >= threshold)
            m = prf(tp, fp, positives - tp)
            if m["f1"] > top["f1"]:
                top = m | {"threshold": threshold}
        out[t] = top
    return out


def fmt_prf(m: dict | None) -> str:
    if m is None:
        return "—"
    return f"{m['precision']:.3f} / {m['recall']:.3f} / **{m['f1']:.3f}**"


def accuracy(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="weir-pii-accuracy-", dir=args.work_dir))
    try:
        t0 = time.perf_counter()
        rows = labelled_rows(args.seed, args.per_type, args.near_misses, args.plain)
        print(f"generated {len(rows)} rows in {time.perf_counter() - t0:.0f} s "
              f"({args.per_type} positives and {args.near_misses} near-misses per type, {args.plain} plain)",
              file=sys.stderr)
        source = work / "values.csv"
        with open(source, "w", newline="") as out:
            w = csv.writer(out)
            w.writerow(["id", "value"])
            for row in rows:
                w.writerow([row["id"], row["value"]])
        if args.keep_dataset:
            with open(args.keep_dataset, "w", newline="") as out:
                w = csv.DictWriter(out, fieldnames=["id", "value", "label", "kind"])
                w.writeheader()
                w.writerows(rows)

        detectors: dict[str, list[set[str]]] = {}
        seconds: dict[str, float] = {}
        for sensitivity in ("HIGH", "LOW"):
            out = work / f"out-{sensitivity}"
            job = pii_job(source, out, {"PiiType": "RowAudit", "EntityTypesToDetect": TYPES,
                                        "DetectionSensitivity": sensitivity})
            seconds[f"weir_{sensitivity}"], _ = run_weir(args.weir, job, work, f"audit-{sensitivity}")
            found = weir_detections(out)
            if len(found) != len(rows):
                sys.exit(f"weir wrote {len(found)} rows of {len(rows)}")
            detectors[f"weir_{sensitivity}"] = [found[row["id"]] for row in rows]
            print(f"weir {sensitivity}: {seconds[f'weir_{sensitivity}']:.1f} s", file=sys.stderr)

        if not args.skip_presidio:
            scores, seconds["presidio"] = presidio_scores(rows)
            print(f"presidio: {seconds['presidio']:.1f} s", file=sys.stderr)
            for name, threshold in (("presidio_any", 0.0), ("presidio_0.5", 0.5)):
                detectors[name] = [{t for t, s in best.items() if s >= threshold and s > 0} for best in scores]

        results = {name: evaluate(rows, det) for name, det in detectors.items()}
        if not args.skip_presidio:
            results["presidio_best"] = best_thresholds(rows, scores)
        print_accuracy(args, rows, results, detectors)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps({
                "seed": args.seed, "per_type": args.per_type, "near_misses": args.near_misses,
                "plain": args.plain, "rows": len(rows), "seconds": seconds, "versions": presidio_versions(),
                "results": results, "kinds": kind_rates(rows, detectors),
                "kinds_merged": kind_rates(rows, detectors, merge_embedding=True)}, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_accuracy(args, rows, results, detectors) -> None:
    names = list(results)
    header = {"weir_HIGH": "Weir HIGH", "weir_LOW": "Weir LOW", "presidio_any": "Presidio (any score)",
              "presidio_0.5": "Presidio (score ≥ 0.5)", "presidio_best": "Presidio (best threshold per type)"}
    print(f"\nPrecision / recall / F1 per entity type ({len(rows)} rows)\n")
    print("| Weir type | Presidio type | " + " | ".join(header[n] for n in names) + " |")
    print("|---|---|" + "---:|" * len(names))
    for t in TYPES:
        cells = []
        for n in names:
            if n.startswith("presidio") and not PRESIDIO[t]:
                cells.append("—")
            elif n == "presidio_best":
                cells.append(f"{fmt_prf(results[n][t])} (≥ {results[n][t]['threshold'] or 0:.2f})")
            else:
                cells.append(fmt_prf(results[n][t]))
        print(f"| {t} | {PRESIDIO[t][0] if PRESIDIO[t] else '— (NER)'} | " + " | ".join(cells) + " |")
    weir_best = "weir_HIGH"
    presidio = [n for n in names if n.startswith("presidio")]
    if presidio:
        print("\nF1, Weir HIGH against Presidio at its best threshold for the type:\n")
        for t in TYPES:
            if not PRESIDIO[t]:
                continue
            w = results[weir_best][t]["f1"]
            p = max(results[n][t]["f1"] for n in presidio)
            print(f"  {t:22} Weir {w:.3f}  Presidio {p:.3f}  {'>=' if w >= p else '< '}")
    print("\nRate at which each detector found the type, per kind of row "
          "(positives: recall; near:…: false-positive rate)"
          + ("" if args.details else "; bare values and values in sentences together") + "\n")
    print("| kind | rows | " + " | ".join(header[n] for n in detectors) + " |")
    print("|---|---:|" + "---:|" * len(detectors))
    for k in kind_rates(rows, detectors, merge_embedding=not args.details):
        print(f"| {k['kind']} | {k['rows']} | " + " | ".join(f"{k[n]:.3f}" for n in detectors) + " |")
    if args.details:
        for n in detectors:
            print(f"\n## {header[n]}: false positives and misses")
            for t in TYPES:
                r = results[n][t]
                for label, key in (("FP", "false_positives_by_kind"), ("FN", "misses_by_kind")):
                    for k, v in list(r[key].items())[:6]:
                        print(f"  {t} {label} {k}: {v['count']}  e.g. {v['examples']}")


# ---------------------------------------------------------------------------------------------
# throughput

THROUGHPUT_TYPES = ["EMAIL", "CREDIT_CARD", "USA_SSN", "PHONE_NUMBER"]
COLUMNS = ["id", "name", "email", "phone", "ssn", "card", "note", "city"]
TEXT_COLUMNS = COLUMNS[1:]
WEIR_COLUMN_SAMPLE_ROWS = 100_000  # weir-pii's COLUMN_SAMPLE_ROWS


def value_pools(seed: int, size: int) -> dict[str, list[str]]:
    """Faker values to draw rows from (drawing is much faster than calling Faker per row)."""
    gen = Generator(seed)
    f, rng = gen.fake, gen.rng
    pools: dict[str, list[str]] = defaultdict(list)
    for _ in range(size):
        pools["name"].append(f.name())
        pools["email"].append(f.email())
        _, d = gen.us_phone_digits()
        pools["phone"].append(gen.phone_format(d)[0])
        pools["ssn"].append(f.ssn())
        number = f.credit_card_number(rng.choice(["visa16", "mastercard", "amex", "discover"]))
        pools["card"].append(group(number, card_groups(number), rng.choice([" ", "-"])) if rng.random() < 0.5 else number)
        pools["city"].append(f.city())
        pools["word"].append(f.word())
    notes = [
        "Called {phone} about the delivery", "Sent the receipt to {email}", "Customer asked about billing",
        "No issues reported.", "Card {card} declined, retry tomorrow", "Verified SSN {ssn} by phone",
        "Left a voicemail", "Refund of ${amount} approved", "Moved to {city} office", "Follow up with {name}",
        "Order {order} shipped", "Prefers {word} contact",
    ]
    for _ in range(size):
        pools["note"].append(rng.choice(notes).format(
            phone=rng.choice(pools["phone"]), email=rng.choice(pools["email"]), card=rng.choice(pools["card"]),
            ssn=rng.choice(pools["ssn"]), amount=f"{rng.uniform(5, 500):.2f}", city=rng.choice(pools["city"]),
            name=rng.choice(pools["name"]), order=rng.randint(10 ** 6, 10 ** 8), word=rng.choice(pools["word"])))
    return pools


def write_tables(work: Path, rows: int, audit_rows: int, seed: int, pool_size: int) -> tuple[Path, Path]:
    """The masking table (first `rows` rows) and the audit table (`audit_rows` rows)."""
    pools = value_pools(seed, pool_size)
    rng = random.Random(seed + 1)
    small, big = work / "table-mask.csv", work / "table-audit.csv"
    n = max(rows, audit_rows)
    lists = [pools[c] for c in TEXT_COLUMNS]
    size = pool_size
    with open(small, "w", newline="") as s, open(big, "w", newline="") as b:
        ws, wb = csv.writer(s), csv.writer(b)
        ws.writerow(COLUMNS)
        wb.writerow(COLUMNS)
        batch = []
        for i in range(n):
            idx = rng.getrandbits(32)
            row = [i] + [lst[(idx * (k + 7) + k * 7919) % size] for k, lst in enumerate(lists)]
            if i < rows:
                ws.writerow(row)
            if i < audit_rows:
                batch.append(row)
                if len(batch) == 100_000:
                    wb.writerows(batch)
                    batch.clear()
        wb.writerows(batch)
    return small, big


def read_rows(path: Path, limit: int, every=None) -> list[list[str]]:
    out = []
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        for i, row in enumerate(r):
            if i >= limit:
                break
            if every is None or every(i):
                out.append(row)
    return out


def presidio_mask(rows: list[list[str]]) -> tuple[float, list[list[str]]]:
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig

    analyzer = presidio_analyzer(THROUGHPUT_TYPES, "noop")
    anonymizer = AnonymizerEngine()
    operators = {"DEFAULT": OperatorConfig("replace", {"new_value": "****"})}
    entities = [PRESIDIO[t][0] for t in THROUGHPUT_TYPES]
    masked = []
    started = time.perf_counter()
    for row in rows:
        out = [row[0]]
        for cell in row[1:]:
            results = analyzer.analyze(text=cell, entities=entities, language="en")
            out.append(anonymizer.anonymize(text=cell, analyzer_results=results, operators=operators).text
                       if results else cell)
        masked.append(out)
    return time.perf_counter() - started, masked


def presidio_audit(rows: list[list[str]]) -> tuple[float, dict[str, list[str]]]:
    analyzer = presidio_analyzer(THROUGHPUT_TYPES, "noop")
    entities = [PRESIDIO[t][0] for t in THROUGHPUT_TYPES]
    counts = {c: Counter() for c in TEXT_COLUMNS}
    started = time.perf_counter()
    for row in rows:
        for c, cell in zip(TEXT_COLUMNS, row[1:]):
            for t in {r.entity_type for r in analyzer.analyze(text=cell, entities=entities, language="en")}:
                counts[c][t] += 1
    elapsed = time.perf_counter() - started
    held = {c: sorted(FROM_PRESIDIO[t] for t, k in counts[c].items() if k >= 0.1 * len(rows)) for c in TEXT_COLUMNS}
    return elapsed, held


def sampled(i: int) -> bool:
    """A reproducible 10 % of row numbers (splitmix64, as weir-pii's sampler)."""
    x = (i + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 31
    return x / 0xFFFFFFFFFFFFFFFF < 0.1


def compare_masking(weir_out: Path, originals: list[list[str]], presidio_rows: list[list[str]]) -> dict:
    """Cells of the rows Presidio processed: masked by both, by Weir only, by Presidio only
    (with examples: the original cell, Weir's and Presidio's)."""
    by_id = {int(r[0]): r for r in presidio_rows}
    original = {int(r[0]): r for r in originals}
    both = weir_only = presidio_only = 0
    examples = {"weir_only": [], "presidio_only": []}
    for part in sorted(weir_out.glob("*.csv")):
        with open(part, newline="") as f:
            reader = csv.DictReader(f)
            for row in reader:
                p = by_id.get(int(row["id"]))
                if p is None:
                    continue
                for k, c in enumerate(TEXT_COLUMNS, start=1):
                    w_masked, p_masked = "****" in row[c], "****" in p[k]
                    both += w_masked and p_masked
                    if w_masked and not p_masked:
                        weir_only += 1
                        if len(examples["weir_only"]) < 5:
                            examples["weir_only"].append([original[int(row["id"])][k], row[c], p[k]])
                    if p_masked and not w_masked:
                        presidio_only += 1
                        if len(examples["presidio_only"]) < 5:
                            examples["presidio_only"].append([original[int(row["id"])][k], row[c], p[k]])
    return {"both": both, "weir_only": weir_only, "presidio_only": presidio_only, "examples": examples}


def throughput(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="weir-pii-throughput-", dir=args.work_dir))
    try:
        t0 = time.perf_counter()
        mask_table, audit_table = write_tables(work, args.rows, args.audit_rows, args.seed, args.pool)
        print(f"tables written in {time.perf_counter() - t0:.0f} s: {args.rows} and {args.audit_rows} rows, "
              f"{mask_table.stat().st_size / 1e6:.0f} MB and {audit_table.stat().st_size / 1e6:.0f} MB", file=sys.stderr)
        result: dict = {"rows": args.rows, "audit_rows": args.audit_rows, "presidio_rows": args.presidio_rows,
                        "weir": args.weir, "versions": presidio_versions()}

        # Row-level masking.
        out = work / "out-mask"
        pii = {"PiiType": "RowMasking", "MaskValue": "****", "EntityTypesToDetect": THROUGHPUT_TYPES,
               "DetectionSensitivity": "HIGH"}
        weir_s, log = run_weir(args.weir, pii_job(mask_table, out, pii, "csv"), work, "mask")
        print(f"weir RowMasking: {weir_s:.1f} s", file=sys.stderr)
        sample = read_rows(mask_table, args.presidio_rows)
        presidio_s, presidio_masked = presidio_mask(sample)
        check = compare_masking(out, sample, presidio_masked)
        shutil.rmtree(out, ignore_errors=True)
        presidio_rate = len(sample) / presidio_s
        result["row_masking"] = {
            "weir_s": weir_s, "weir_rows_per_s": args.rows / weir_s,
            "presidio_sample_rows": len(sample), "presidio_sample_s": presidio_s,
            "presidio_rows_per_s": presidio_rate, "presidio_extrapolated_s": args.rows / presidio_rate,
            "ratio": (args.rows / weir_s) / presidio_rate, "masked_cells_on_presidio_rows": check}
        if args.with_person_name:
            out = work / "out-mask-names"
            pii_names = dict(pii, EntityTypesToDetect=THROUGHPUT_TYPES + ["PERSON_NAME"])
            s, _ = run_weir(args.weir, pii_job(mask_table, out, pii_names, "csv"), work, "mask-names")
            shutil.rmtree(out, ignore_errors=True)
            result["row_masking"]["weir_with_person_name_s"] = s
            result["row_masking"]["weir_with_person_name_rows_per_s"] = args.rows / s
            print(f"weir RowMasking with PERSON_NAME: {s:.1f} s", file=sys.stderr)

        # Column audit on a sample.
        out = work / "out-audit"
        pii = {"PiiType": "ColumnAudit", "EntityTypesToDetect": THROUGHPUT_TYPES, "DetectionSensitivity": "HIGH",
               "SampleFraction": 0.1, "ThresholdFraction": 0.1}
        weir_audit_s, audit_log = run_weir(args.weir, pii_job(audit_table, out, pii, "csv"), work, "audit")
        shutil.rmtree(out, ignore_errors=True)
        print(f"weir ColumnAudit: {weir_audit_s:.1f} s", file=sys.stderr)
        audit_sample = read_rows(audit_table, min(args.audit_rows, WEIR_COLUMN_SAMPLE_ROWS), sampled)
        audit_sample = audit_sample[:args.presidio_rows]
        presidio_audit_s, held = presidio_audit(audit_sample)
        per_row = presidio_audit_s / len(audit_sample)
        whole_sample = 0.1 * args.audit_rows
        weir_sample = 0.1 * min(args.audit_rows, WEIR_COLUMN_SAMPLE_ROWS)
        result["column_audit"] = {
            "weir_s": weir_audit_s, "weir_rows_per_s": args.audit_rows / weir_audit_s,
            "presidio_sample_rows": len(audit_sample), "presidio_sample_s": presidio_audit_s,
            "presidio_10pct_of_all_s": per_row * whole_sample,
            "presidio_10pct_of_all_rows_per_s": args.audit_rows / (per_row * whole_sample),
            "ratio_10pct_of_all": (per_row * whole_sample) / weir_audit_s,
            "presidio_10pct_of_first_100k_s": per_row * weir_sample,
            "ratio_10pct_of_first_100k": (per_row * weir_sample) / weir_audit_s,
            "presidio_columns": held,
            "weir_log_tail": audit_log.strip().splitlines()[-6:]}
        print_throughput(result)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_throughput(r: dict) -> None:
    m, a = r["row_masking"], r["column_audit"]
    print(f"\nRow-level masking, {r['rows']:,} rows x 8 columns (EMAIL, CREDIT_CARD, USA_SSN, PHONE_NUMBER)\n")
    print("| | seconds | rows/s |\n|---|---:|---:|")
    print(f"| Weir `job run` RowMasking (whole process) | {m['weir_s']:.1f} | {m['weir_rows_per_s']:,.0f} |")
    if "weir_with_person_name_s" in m:
        print(f"| Weir, PERSON_NAME too | {m['weir_with_person_name_s']:.1f} | {m['weir_with_person_name_rows_per_s']:,.0f} |")
    print(f"| Presidio analyze + anonymize, {m['presidio_sample_rows']:,} rows timed, extrapolated | "
          f"{m['presidio_extrapolated_s']:.0f} | {m['presidio_rows_per_s']:,.0f} |")
    print(f"\nWeir / Presidio: {m['ratio']:.0f}x")
    c = m["masked_cells_on_presidio_rows"]
    print(f"Cells masked on the rows both processed: both {c['both']}, Weir only {c['weir_only']}, "
          f"Presidio only {c['presidio_only']}")
    for k, v in c["examples"].items():
        for original, weir, presidio in v:
            print(f"  {k}: {original!r} -> Weir {weir!r}, Presidio {presidio!r}")
    print(f"\nColumn audit (SampleFraction 0.1, ThresholdFraction 0.1), {r['audit_rows']:,} rows\n")
    print("| | seconds | rows/s of the table |\n|---|---:|---:|")
    print(f"| Weir `job run` ColumnAudit (whole process: reads and writes every row) | {a['weir_s']:.1f} | "
          f"{a['weir_rows_per_s']:,.0f} |")
    print(f"| Presidio on 10 % of all rows ({a['presidio_sample_rows']:,} timed, extrapolated) | "
          f"{a['presidio_10pct_of_all_s']:.0f} | {a['presidio_10pct_of_all_rows_per_s']:,.0f} |")
    print(f"| Presidio on 10 % of the first 100,000 rows (the rows Weir classifies on) | "
          f"{a['presidio_10pct_of_first_100k_s']:.1f} | — |")
    print(f"\nWeir / Presidio (10 % of all rows): {a['ratio_10pct_of_all']:.0f}x; "
          f"against Presidio on Weir's own sample: {a['ratio_10pct_of_first_100k']:.2f}x")
    print(f"Presidio's column findings: {a['presidio_columns']}")
    print("Weir's log:\n  " + "\n  ".join(a["weir_log_tail"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    acc = sub.add_parser("accuracy", help="precision, recall and F1 per entity type")
    thr = sub.add_parser("throughput", help="rows per second, Weir beside Presidio")
    for p in (acc, thr):
        p.add_argument("--weir", required=True, help="the weir binary")
        p.add_argument("--seed", type=int, default=20261206)
        p.add_argument("--work-dir", help="where the temporary directory goes (default: $TMPDIR)")
        p.add_argument("--json-out")
    acc.add_argument("--per-type", type=int, default=10_000, help="positives per entity type")
    acc.add_argument("--near-misses", type=int, default=5_000, help="near-misses per entity type")
    acc.add_argument("--plain", type=int, default=10_000, help="ordinary negatives")
    acc.add_argument("--skip-presidio", action="store_true")
    acc.add_argument("--details", action="store_true", help="print false positives and misses with examples")
    acc.add_argument("--keep-dataset", help="also write the labelled rows to this CSV")
    thr.add_argument("--rows", type=int, default=1_000_000, help="rows of the masking table")
    thr.add_argument("--audit-rows", type=int, default=10_000_000, help="rows of the audit table")
    thr.add_argument("--presidio-rows", type=int, default=20_000, help="rows Presidio is timed on")
    thr.add_argument("--pool", type=int, default=20_000, help="Faker values per column rows are drawn from")
    thr.add_argument("--with-person-name", action="store_true", help="one more Weir masking run with PERSON_NAME")
    args = parser.parse_args()
    accuracy(args) if args.mode == "accuracy" else throughput(args)


if __name__ == "__main__":
    main()
