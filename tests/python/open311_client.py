"""Drives aduan's Open311 endpoint as a third-party client would: the
`georeport` package (a published GeoReport v2 client) reads services,
definitions and requests, in JSON and in XML; `requests` posts the
form-encoded filings, which georeport does not do. Every check is an
assert: the script exits non-zero on the first that fails, and prints
`ok <format>` for each format that passed.

    python open311_client.py <endpoint, e.g. http://127.0.0.1:8080/open311/v2> <api key> <region>
"""

import sys
import time

import requests
import xmltodict
from georeport import GeoReport

ROOT, KEY, REGION = sys.argv[1], sys.argv[2], sys.argv[3]
# Who files: none of it may come back in any answer.
NAME, SURNAME, EMAIL, PHONE = "Wulandari", "Kusumawardhani", "wulan.k@example.id", "+62 812 7777 1234"


def as_list(value):
    """xmltodict gives one repeated element as a dict, several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def parsed(response, fmt, root):
    if fmt == "json":
        return response.json()
    # An empty list is an empty root element, which xmltodict reads as None.
    return as_list((xmltodict.parse(response.content)[root] or {}).get("request"))


def truthy(value):
    return value is True or value == "true"


def file(fmt, privacy, description):
    form = {
        "api_key": KEY,
        "service_code": "roads",
        "attribute[region]": REGION,
        "attribute[privacy]": privacy,
        "lat": "-6.9175",
        "long": "107.6191",
        "address_string": "Jalan Braga 12",
        "description": description,
        "first_name": NAME,
        "last_name": SURNAME,
        "email": EMAIL,
        "phone": PHONE,
    }
    response = requests.post(f"{ROOT}/requests.{fmt}", data=form, timeout=10)
    assert response.status_code == 201, (response.status_code, response.text)
    for secret in (NAME, SURNAME, EMAIL, PHONE):
        assert secret not in response.text, f"{secret} came back in the answer to the filing"
    [created] = parsed(response, fmt, "service_requests")
    assert created["service_request_id"].startswith("ADU-"), created
    assert created["token"], created
    return created


def check(fmt):
    client = GeoReport(ROOT, output_format=fmt, api_key=KEY)

    services = as_list(client.get_service_list())
    roads = [service for service in services if service["service_code"] == "roads"]
    assert len(roads) == 1, services
    assert truthy(roads[0]["metadata"]), roads

    definition = client.get_service_definition("roads")
    assert definition["service_code"] == "roads", definition
    attributes = definition["attributes"]
    attributes = as_list(attributes["attribute"]) if fmt == "xml" else attributes
    region = next(attribute for attribute in attributes if attribute["code"] == "region")
    assert truthy(region["required"]), region
    values = as_list(region["values"]["value"]) if fmt == "xml" else region["values"]
    assert any(value["key"] == REGION for value in values), "the region is offered"

    public = file(fmt, "public", f"A deep pothole in front of number 12, filed in {fmt}")
    confidential = file(fmt, "confidential", f"The clerk asked me for money to fix the road ({fmt})")

    token = requests.get(f"{ROOT}/tokens/{public['token']}.{fmt}", timeout=10)
    assert token.status_code == 200, token.text
    [found] = parsed(token, fmt, "service_requests")
    assert found["service_request_id"] == public["service_request_id"], found

    # Published once routing placed it (the demo registry's rule is certain).
    deadline = time.time() + 30
    while True:
        request = client.get_service_request(public["service_request_id"])
        if request.get("description") or time.time() > deadline:
            break
        time.sleep(0.2)
    assert request["description"] == f"A deep pothole in front of number 12, filed in {fmt}", request
    assert request["status"] == "open", request
    assert request["service_code"] == "roads", request
    assert request["agency_responsible"], request
    assert float(request["lat"]) == -6.9175 and float(request["long"]) == 107.6191, request
    assert request["address"] == "Jalan Braga 12", request
    assert request["requested_datetime"].endswith("+00:00"), request

    listed = as_list(client.get_service_requests(service_code="roads", status="open"))
    ids = [item["service_request_id"] for item in listed]
    assert public["service_request_id"] in ids, ids
    assert confidential["service_request_id"] not in ids, "a confidential report is never listed"
    # georeport cannot read an empty XML list; read this one, which may be empty, directly.
    closed = requests.get(f"{ROOT}/requests.{fmt}", params={"service_code": "roads", "status": "closed"}, timeout=10)
    assert closed.status_code == 200, closed.text
    closed = parsed(closed, fmt, "service_requests")
    assert public["service_request_id"] not in [item["service_request_id"] for item in closed]
    by_id = as_list(client.get_service_requests(service_request_id=public["service_request_id"]))
    assert [item["service_request_id"] for item in by_id] == [public["service_request_id"]], by_id

    hidden = requests.get(f"{ROOT}/requests/{confidential['service_request_id']}.{fmt}", timeout=10)
    assert hidden.status_code == 404, hidden.text
    assert "money" not in hidden.text

    extended = requests.get(
        f"{ROOT}/requests/{public['service_request_id']}.json", params={"extensions": "true"}, timeout=10
    ).json()[0]
    assert extended["extended_attributes"]["detailed_status"] in ("assigned", "in_follow_up"), extended

    everything = " ".join(
        requests.get(url, timeout=10).text
        for url in (
            f"{ROOT}/requests.{fmt}",
            f"{ROOT}/requests/{public['service_request_id']}.{fmt}",
        )
    )
    for secret in (NAME, SURNAME, EMAIL, PHONE):
        assert secret not in everything, f"{secret} is in the public record"
    print(f"ok {fmt}", flush=True)


for fmt in ("json", "xml"):
    check(fmt)
