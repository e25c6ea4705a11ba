"""Webhook authenticity checks (pure Python)."""

import base64
import hashlib
import hmac

from tecpet_erp_sync.erp.webhooks import basic_auth_valid, bling_signature_valid

BODY = b'{"eventId":"e1","event":"order.updated","data":{"id":1}}'


def sign(secret, body=BODY):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_bling_signature_over_the_raw_body():
    assert bling_signature_valid("s3cret", BODY, sign("s3cret"))
    assert not bling_signature_valid("s3cret", BODY + b" ", sign("s3cret"))
    assert not bling_signature_valid("other", BODY, sign("s3cret"))
    assert not bling_signature_valid("s3cret", BODY, "")
    assert not bling_signature_valid("", BODY, sign(""))


def test_basic_auth():
    good = "Basic " + base64.b64encode(b"tecpet:password123").decode()
    assert basic_auth_valid("tecpet", "password123", good)
    assert not basic_auth_valid("tecpet", "wrong", good)
    assert not basic_auth_valid("tecpet", "password123", "Basic !!!")
    assert not basic_auth_valid("tecpet", "password123", "Bearer x")
    assert not basic_auth_valid("", "", "Basic " + base64.b64encode(b":").decode())
