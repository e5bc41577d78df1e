#!/usr/bin/env python3
"""Writes the committed seed corpus, fuzz/corpus/<target>/<name>: a few valid inputs per
target, so that a short smoke run starts from the interesting shapes (a real QR token, JSON
that each request type accepts, genuine OPAQUE and ECDSA messages) instead of from nothing.

Deterministic: run it again after a wire type changes (the smoke run's seed check,
MITID_FUZZ_SEED_CHECK=1, fails when a wire seed is no longer accepted by any type) and
commit the result. Needs Python 3 and the `cryptography` package (for P-256 points and
deterministic ECDSA), nothing else.

    python3 fuzz/make-seeds.py
"""

import base64
import hashlib
import hmac
import json
import os
import shutil
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def write(target: str, name: str, data) -> None:
    if isinstance(data, str):
        data = data.encode()
    elif not isinstance(data, bytes):
        data = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def point(scalar: int, compressed: bool = True) -> bytes:
    key = ec.derive_private_key(scalar, ec.SECP256R1())
    fmt = PublicFormat.CompressedPoint if compressed else PublicFormat.UncompressedPoint
    return key.public_key().public_bytes(Encoding.X962, fmt)


def qr_token(key: bytes, tx: str, now: int) -> str:
    """protocol::channel_binding::QrToken::issue."""
    step = now // 2
    tag = hmac.new(key, b"MitID QR v1\0" + tx.encode() + struct.pack(">q", step), hashlib.sha256)
    return f"mitid-qr:v1:{tx}:{step}:{b64(tag.digest()[:16])}"


# The fuzz target's fixed QR key (fuzz_targets/channel_binding.rs: KEY).
QR_KEY = bytes([0x42] * 32)
NOW = 1_750_000_000


def channel_binding() -> None:
    t = "channel_binding"
    write(t, "qr-token", qr_token(QR_KEY, "tx-0001", NOW))
    write(t, "qr-token-long-id", qr_token(QR_KEY, "a" * 40 + "_B-9", NOW + 7))
    write(t, "qr-token-other-key", qr_token(bytes(32), "tx-0001", NOW))
    # Regression: the step i64::MAX overflowed `self.step + 1` in QrToken::is_valid.
    tag = qr_token(QR_KEY, "tx-0001", NOW).rsplit(":", 1)[1]
    write(t, "qr-step-i64-max", f"mitid-qr:v1:tx-0001:{2**63 - 1}:{tag}")
    write(t, "code", "0421")
    write(t, "code-spaces", " 4711 \n")
    write(t, "issue-input", struct.pack("<q", NOW) + b"tx-issue_01")
    write(t, "not-a-token", "https://example.dk/mitid-qr:v1:tx:1:AAAA")


def user_id() -> None:
    t = "user_id"
    write(t, "danish", "Søren.Å")
    write(t, "punctuation", "a{}!#$^,*()_+-=:;?.@")
    write(t, "eleven-digits", "01019012345")
    write(t, "cpr-as-id", "0101901234\n010190-1234")
    write(t, "with-cpr", "kalle kat\n0101901234")
    write(t, "max-length", "b" * 48)
    write(t, "edge-space", " abcde")


def pin_entry() -> None:
    t = "pin_entry"
    write(t, "choose-pin", "1987-03-14\t583920\n583920\n")
    write(t, "birth-date-pin", "1987-03-14\t140387\n870314\n031487\n")
    write(t, "edits", "12\b3\x7f\x18583920\n5839201\n")
    write(t, "weak-pins", "123456\n123123\n123321\n121212\n111111\n000001\n890123\n")
    write(t, "change-pin", "749163\n583920\n583920\n")
    write(t, "leap-day", "2000-02-29\t290200\n")
    write(t, "foreign-digits", "٣٤٥٦٧٨\n５８３９２０\n")


# The fuzz target's fixed device key (fuzz_targets/pin_proof_messages.rs: [0x11; 32]).
DEVICE_KEY = ec.derive_private_key(int.from_bytes(bytes([0x11] * 32), "big"), ec.SECP256R1())


def sign(key, message: bytes) -> bytes:
    return key.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))


def pin_proof_messages() -> None:
    t = "pin_proof_messages"
    g, p2 = point(1), point(2)
    nonce = bytes(range(32))
    # Well-formed messages of the suite (P-256 points compressed, 32-byte nonces and MACs).
    write(t, "0-registration-request", bytes([0]) + g)
    upload = p2 + bytes([0xA5] * 32) + nonce + bytes([0x5A] * 32)
    write(t, "1-registration-upload", bytes([1]) + upload)
    write(t, "2-ke1", bytes([2]) + g + nonce + p2)
    write(t, "3-ke3", bytes([3]) + bytes([0x33] * 32))
    write(t, "4-record", bytes([4]) + upload)
    write(t, "5-login-state", bytes([5]) + bytes([0x55] * 96))
    write(t, "6-server-keys", bytes([6]) + bytes([0x01] * 64) + point(3))
    message = b"MitID request v1\0" + b"\0\0\0\x09auth-0001"
    signature = sign(DEVICE_KEY, message)
    write(t, "7-device-signature", bytes([7, len(signature)]) + signature + message)
    other = ec.derive_private_key(5, ec.SECP256R1())
    signature = sign(other, message)
    write(
        t,
        "8-key-and-signature",
        bytes([8]) + point(5, compressed=False) + bytes([len(signature)]) + signature + message,
    )


def emrtd_apdu() -> None:
    """The secure-messaging modes of emrtd_apdu (5 and 6). The target's other seeds (modes 0
    to 4) were written by hand from the ICAO 9303 examples and are left as they are."""
    t = "emrtd_apdu"
    # 5: an answer's data objects behind a MAC the harness adds: DO'87' (one encrypted block
    # after the padding indicator) and DO'99'; the next byte picks 3DES (0) or AES (1).
    write(t, "mac-answer-tdes", bytes([5, 0]) + bytes([0x87, 0x09, 0x01]) + bytes(8) + bytes([0x99, 0x02, 0x90, 0x00]))
    write(t, "mac-answer-aes", bytes([5, 1]) + bytes([0x87, 0x11, 0x01]) + bytes(16) + bytes([0x99, 0x02, 0x90, 0x00]))
    write(t, "mac-answer-status-only", bytes([5, 0, 0x99, 0x02, 0x6A, 0x82]))
    # 6: segments (separated by FE) in a BAC session: even first byte, a plain command the
    # reader protects; odd, a header and data objects the harness MACs.
    select_com = bytes([0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E])
    read_4 = bytes([0x00, 0xB0, 0x00, 0x00, 0x04])
    challenge = bytes([0x00, 0x84, 0x00, 0x00, 0x08])
    raw_read = bytes([0x0C, 0xB0, 0x00, 0x00, 0x97, 0x01, 0x04])
    raw_select = bytes([0x0C, 0xA4, 0x02, 0x0C, 0x87, 0x09, 0x01]) + bytes(8) + bytes([0x97, 0x01, 0x00])
    sep = bytes([0xFE])
    write(t, "session-select-read", bytes([6]) + sep.join([b"\0" + select_com, b"\0" + read_4, b"\0" + challenge]))
    write(t, "session-raw", bytes([6]) + sep.join([b"\0" + select_com, b"\1" + raw_read, b"\1" + raw_select]))


def ffi_strings() -> None:
    t = "ffi_strings"
    for name, value in [
        ("user-id", "Søren.Å"),
        ("pin", "583920"),
        ("qr-token", qr_token(QR_KEY, "tx-0001", NOW)),
        ("code", "0421"),
        ("birth-date", "1987-03-14"),
        ("language", "da-DK"),
        ("rejection-code", "pin_sequence"),
        ("local-user-id", "0123456789abcdef0123456789abcdef"),
        ("authenticator-id", "auth-0001"),
        ("key-alias", "mitid.0123456789abcdef0123456789abcdef.device"),
        ("tls-pin", "sha256/" + base64.b64encode(hashlib.sha256(b"spki").digest()).decode()),
        ("base64url", "AP8H"),
        ("wire-name", "code_display"),
    ]:
        write(t, name, value)


# What an app sends after reading a passport chip (short stand-ins for the files).
DOCUMENT = {
    "sod": b64(bytes(48)),
    "dg1": b64(b"a\x5b\x5f\x1f\x58" + b"P<DNK" + bytes(10)),
    "dg2": b64(bytes(64)),
    "dg15": b64(bytes(91)),
    "face_capture": b64(b"\xff\xd8" + bytes(62)),
    "terms_version": "2026-12",
    "challenge_id": "dc-1",
    "active_authentication": b64(bytes(64)),
    "p_code": "12345678",
}

# One valid body per request type (protocol/src/wire).
REQUESTS = {
    # common
    "empty": {},
    "block": {"scope": "authenticator", "authenticator_id": "auth-0002", "permanent": True},
    "unblock": {"scope": "whole_mitid"},
    "send-new-pin": {"authenticator_id": "auth-0002"},
    "user-id-change": {"new_user_id": "Søren.Å", "check_only": True},
    # app
    "activation-begin": {"user_id": "kalle.kat", "activation_code": "ABCD-EFGH-1234"},
    "activation-register": {
        "activation_id": "act-1",
        "temporary_pin": "12345678",
        "registration_request": b64(point(1)),
    },
    "activation-finish": {
        "activation_id": "act-1",
        "registration_upload": b64(bytes(129)),
        "device_public_key": b64(point(5, compressed=False)),
        "key_binding_signature": b64(sign(DEVICE_KEY, b"binding")),
    },
    "pin-start": {"purpose": "approval", "transaction_id": "tx-0001", "ke1": b64(bytes(98))},
    "pin-start-change": {"purpose": "change_pin", "ke1": b64(bytes(98))},
    "pin-proof": {"attempt_id": "att-1", "ke3": b64(bytes(32)), "mac": b64(bytes(32))},
    "pending-query": {"wait_seconds": 30},
    "approval-answer": {
        "transaction_id": "tx-0001",
        "challenge": b64(bytes(32)),
        "approve": True,
        "factor": "pin",
        "channel_binding": qr_token(QR_KEY, "tx-0001", NOW),
        "counter": 7,
        "signature": b64(sign(DEVICE_KEY, b"approval")),
        "pin": {"attempt_id": "att-1", "ke3": b64(bytes(32)), "mac": b64(bytes(32))},
    },
    "approval-reject-code": {
        "transaction_id": "tx-0001",
        "challenge": b64(bytes(16)),
        "approve": False,
        "factor": "swipe",
        "channel_binding": "0421",
        "counter": 18446744073709551615,
        "signature": b64(bytes(70)),
    },
    "new-pin-authorise-biometrics": {
        "route": "biometrics",
        "biometric": {"challenge_id": "bc-1", "signature": b64(bytes(70))},
    },
    "new-pin-authorise-pin": {
        "route": "current_pin",
        "pin": {"attempt_id": "att-1", "ke3": b64(bytes(32)), "mac": b64(bytes(32))},
    },
    "new-pin-authorise-temporary-pin": {"route": "temporary_pin", "temporary_pin": "12345678"},
    "new-pin-begin": {"ticket_id": "np-1", "registration_request": b64(point(1))},
    "biometric-challenge": {"purpose": "change_user_id"},
    "profile-change": {"pin": {"attempt_id": "att-1", "ke3": b64(bytes(32)), "mac": b64(bytes(32))}},
    "app-user-id-change": {
        "new_user_id": "Søren.Å",
        "biometric": {"challenge_id": "bc-1", "signature": b64(bytes(70))},
    },
    "app-block": {
        "scope": "whole_mitid",
        "pin": {"attempt_id": "att-1", "ke3": b64(bytes(32)), "mac": b64(bytes(32))},
    },
    "new-pin-finish": {"ticket_id": "np-1", "registration_upload": b64(bytes(129))},
    "new-pin-authorise-passport": {"route": "passport", "document": DOCUMENT},
    "user-id-passport": DOCUMENT,
    "app-user-id-change-proof": {"new_user_id": "kalle.kat2", "identity_proof": "ip-1"},
    "activation-passport-begin": {"user_id": "kalle.kat"},
    "activation-passport-challenge": {"activation_id": "act-1"},
    "activation-passport": {"activation_id": "act-1", "document": DOCUMENT},
    "document-chip-authentication": {"challenge_id": "dc-1", "dg14": b64(bytes([0x6E, 0x02, 0x31, 0x00]))},
    "biometrics-enable": {
        "pin": {"attempt_id": "att-1", "ke3": b64(bytes(32)), "mac": b64(bytes(32))},
        "biometric_public_key": b64(point(6, compressed=False)),
        "key_binding_signature": b64(bytes(71)),
    },
    # relying parties
    "create-authentication": {
        "user_id": "kalle.kat",
        "reference_header": "Log på",
        "reference_body": "til skat.dk",
        "channel_binding": "qr",
        "assurance": "low",
    },
    # staff
    "issue-p-code": {
        "identification_token": "idt-1",
        "issuing_state": "SWE",
        "document_number": "AA1234567",
    },
    "staff-login": {"username": "support1", "password": "correct horse battery", "otp": "123456"},
    "create-person": {
        "cpr": "010190-1234",
        "name": "Kalle Kat",
        "birth_date": "1990-01-01",
        "mobile": "+4512345678",
        "email": "kalle@example.dk",
        "passport_number": "P1234567",
        "driver_licence_number": "D7654321",
        "user_id": "kalle.kat",
    },
    "update-contact": {"mobile": "+4587654321"},
    "identify": {
        "document_kind": "driver_licence",
        "document_number": "D7654321",
        "name": "Kalle Kat",
        "birth_date": "1990-01-01",
        "cpr_last4": "1234",
    },
    "issue-temporary-pin": {"identification_token": "tok", "authenticator_id": "auth-0001", "delivery": "sms"},
    "issue-activation-code": {"identification_token": "tok", "purpose": "new_app", "delivery": "paper"},
    "identified": {"identification_token": "tok"},
    "staff-block": {"identification_token": "tok", "scope": "authenticator", "authenticator_id": "auth-0001"},
    "add-authenticator": {
        "identification_token": "tok",
        "kind": "code_display",
        "serial": "CD-000123",
        "totp_secret": b64(bytes(range(20))),
    },
    "add-chip": {
        "identification_token": "tok",
        "kind": "chip",
        "serial": "CH-1",
        "chip_public_key": b64(point(7, compressed=False)),
    },
    "outbox-query": {"person_id": "p-1", "after": 12, "limit": 100},
    "identified-outbox": {"identification_token": "tok", "after": 3},
    "staff-account": {"username": "cs1", "action": "revoke_sessions"},
    "oidc-client-create": {"name": "Demo Bank", "redirect_uris": ["https://bank.example/callback"]},
    "oidc-client-action": {"client_id": "oc_x", "action": "rotate_secret"},
    "relying-party-action": {"relying_party_id": "rp_x", "action": "disable"},
    "audit-query": {"person_id": "p-1", "after": 41},
    "create-relying-party": {"name": "Skattestyrelsen"},
    "create-staff": {"username": "cs1", "password": "a long staff password", "role": "citizen_service"},
    # self-service web
    "web-login-start": {"user_id": "kalle.kat"},
    "web-login-finish": {"login_id": "wl-0001", "login_secret": "secret"},
    "web-password-login": {"user_id": "kalle.kat", "password": "hunter2hunter2", "otp": "123456"},
    "password-activate": {"user_id": "kalle.kat", "activation_code": "ABCD1234", "new_password": "new password 1"},
    "password-change": {"new_password": "new password 2"},
}

AUTHENTICATOR = {
    "authenticator_id": "auth-0001",
    "kind": "app",
    "state": "temporarily_locked",
    "lock_reason": "pin_failures",
    "locked_until": NOW + 3600,
    "biometrics_enabled": True,
    "created_at": NOW,
}
PENDING = {
    "transaction_id": "tx-0001",
    "challenge": b64(bytes(32)),
    "service_provider": "Skattestyrelsen",
    "reference_header": "Log på",
    "reference_body": "til skat.dk",
    "channel_binding_kind": "qr",
    "assurance": "substantial",
    "expires_at": NOW + 300,
}
AUDIT_EVENT = {
    "seq": 42,
    "at": NOW,
    "actor": "staff:support1",
    "event": "temporary_pin_issued",
    "person_id": "p-1",
    "authenticator_id": "auth-0001",
    "detail": {"delivery": "sms", "remaining": 2, "ratio": 0.5, "list": [1, None, True]},
}

# One valid body per response type, and error bodies.
RESPONSES = {
    "user-id-shown": {"user_id": "kalle.kat", "change_proof": "ip-1", "expires_at": 1767225900},
    "activation-passport-begun": {"activation_id": "act-1", "authenticator_id": "au-1", "expires_at": 1767225900},
    "document-challenge": {"challenge_id": "dc-1", "challenge": "AAECAwQFBgc", "chip_authentication_key": b64(point(5, compressed=False)), "expires_at": 1767225900},
    "chip-authentication-command": {"command": b64(bytes([0x0C, 0x84, 0x00, 0x00, 0x0D, 0x97, 0x01, 0x08, 0x8E, 0x08]) + bytes(8) + bytes([0x00]))},
    "error-wrong-pin": {"error": {"code": "wrong_pin", "message": "wrong PIN", "detail": {"remaining": 2}}},
    "error-user-id": {"error": {"code": "user_id_invalid", "message": "bad", "detail": {"rule": "user_id_length"}}},
    "error-plain": {"error": {"code": "internal", "message": "the server failed"}},
    "authenticator-info": AUTHENTICATOR,
    "authenticator-list": {"mitid_blocked": False, "authenticators": [AUTHENTICATOR]},
    "code-sent": {"sms_sent_to": "+45 •••• ••12", "expires_at": NOW},
    "password-access": {"requested_at": NOW, "opens_at": NOW + 86400},
    "user-id-change": {"verdict": "invalid", "rule": "user_id_length", "user_id": "kalle.kat", "changed": False},
    "activation-begin": {"activation_id": "act-1", "authenticator_id": "auth-0001", "sms_sent_to": "+45 •••• ••12", "expires_at": NOW},
    "activation-register": {"registration_response": b64(point(1) + point(2))},
    "activation-finish": {"authenticator_id": "auth-0001", "user_id": "kalle.kat"},
    "pin-start": {"attempt_id": "att-1", "ke2": b64(bytes(320)), "expires_at": NOW, "remaining_after_this": 2},
    "pending-approval": PENDING,
    "pending": {"approval": PENDING},
    "pending-none": {"approval": None},
    "approval-answer": {"status": "approved"},
    "new-pin-ticket": {"ticket_id": "np-1", "expires_at": NOW},
    "new-pin-begin": {"registration_response": b64(bytes(66))},
    "app-status": {
        "authenticator_id": "auth-0001",
        "user_id": "kalle.kat",
        "state": "active",
        "mitid_blocked": False,
        "biometrics_enabled": False,
        "failures": 1,
        "remaining_before_lock": 2,
        "counter": 7,
    },
    "create-authentication": {
        "transaction_id": "tx-0001",
        "channel_binding": "qr",
        "qr_token": qr_token(QR_KEY, "tx-0001", NOW),
        "expires_at": NOW + 300,
    },
    "authentication-result": {
        "transaction_id": "tx-0001",
        "status": "approved",
        "factor": "biometrics",
        "subject": "Zm9vYmFy",
        "user_id": "kalle.kat",
        "answered_at": NOW,
        "expires_at": NOW + 300,
    },
    "qr-token": {"token": qr_token(QR_KEY, "tx-0001", NOW), "refresh_after_seconds": 2},
    "staff-login": {"token": "staff-token", "role": "admin", "expires_at": NOW},
    "person": {
        "person_id": "p-1",
        "user_id": "kalle.kat",
        "name": "Kalle Kat",
        "birth_date": "1990-01-01",
        "mobile_masked": "+45 •••• ••78",
        "mobile_changed_at": NOW,
        "has_email": True,
        "mitid_blocked": False,
        "authenticators": [AUTHENTICATOR],
    },
    "identify": {"identification_token": "tok", "person_id": "p-1", "expires_at": NOW},
    "issued-code": {"delivery": "paper", "code": "ABCD-1234", "expires_at": NOW},
    "user-id-lookup": {"user_id": "kalle.kat"},
    "outbox-entry": {
        "message_id": 3,
        "channel": "sms",
        "recipient_masked": "+45 •••• ••78",
        "kind": "temporary_pin",
        "person_id": "p-1",
        "created_at": NOW,
        "sent_at": NOW + 1,
    },
    "outbox-list": {"messages": [], "next_after": 7},
    "audit-event": AUDIT_EVENT,
    "audit-list": {"events": [AUDIT_EVENT]},
    "relying-party-created": {"relying_party_id": "rp-1", "name": "Skattestyrelsen", "api_key": "key"},
    "staff-created": {
        "username": "cs1",
        "role": "citizen_service",
        "totp_seed": b64(bytes(range(20))),
        "otpauth_uri": "otpauth://totp/x?secret=AAAA",
    },
    "web-login-start": {"login_id": "wl-0001", "login_secret": "s", "code": "0421", "expires_at": NOW},
    "biometric-challenge": {"challenge_id": "bc-1", "challenge": b64(bytes(32)), "expires_at": NOW},
    "profile-change-access": {"requested_at": NOW, "opens_at": NOW + 3600, "closes_at": NOW + 90000},
    "staff-account": {"username": "cs1", "role": "support", "disabled": True, "sessions_ended": 2},
    "oidc-client-created": {"client_id": "oc_x", "name": "Demo Bank", "redirect_uris": ["https://bank.example/callback"], "client_secret": "s3cr3t"},
    "relying-party-view": {"relying_party_id": "rp_x", "name": "Bank", "disabled": False, "api_key": "k3y"},
    "oidc-client-view": {"client_id": "oc_x", "name": "Demo Bank", "redirect_uris": ["https://bank.example/callback"], "disabled": False, "client_secret": "s3cr3t"},
    "web-login": {"status": "approved", "session_token": "sess", "expires_at": NOW + 1800},
    "password-changed": {"authenticator_id": "auth-pw-1", "changed_at": NOW},
}


def main() -> None:
    targets = {
        "wire_requests": None,
        "wire_responses": None,
        "channel_binding": channel_binding,
        "user_id": user_id,
        "pin_entry": pin_entry,
        "pin_proof_messages": pin_proof_messages,
        "ffi_strings": ffi_strings,
    }
    for target in targets:
        shutil.rmtree(os.path.join(CORPUS, target), ignore_errors=True)
        os.makedirs(os.path.join(CORPUS, target))
    for name, body in REQUESTS.items():
        write("wire_requests", name, body)
    for name, body in RESPONSES.items():
        write("wire_responses", name, body)
    for make in targets.values():
        if make:
            make()
    # Added to a directory that also holds hand-written seeds (not removed first).
    emrtd_apdu()


if __name__ == "__main__":
    main()
