"""What every SageMaker operation of smemu's server shares: one paginator (by key) for the List
operations, request checks against botocore's model at dispatch, ARNs and names."""

import base64
import json

import pytest

from smemu.emulator.api.errors import ValidationException
from smemu.emulator.api.listing import listing
from smemu.emulator.api.request_checks import validated
from smemu.emulator.api.shared import DEFAULT_ACCOUNT, account_of, arn, check_name, process_alive

FIELDS = ("ModelName", "ModelArn", "CreationTime")
SORT = {"Name": "ModelName", "CreationTime": "CreationTime"}


def models(n):
    return [{"ModelName": f"m-{i:02d}", "ModelArn": arn("model", f"m-{i:02d}"), "CreationTime": i}
            for i in range(n)]


def pages(records, **body):
    names, token = [], None
    while True:
        answer = listing(records, {**body, **({"NextToken": token} if token else {})}, "Models",
                         FIELDS, "ModelName", SORT, "ListModels")
        names.append([m["ModelName"] for m in answer["Models"]])
        token = answer.get("NextToken")
        if not token:
            return names


def test_pages_by_key_so_new_records_neither_repeat_nor_push_others_out():
    records = models(5)
    first = listing(records, {"MaxResults": 2}, "Models", FIELDS, "ModelName", SORT, "ListModels")
    assert [m["ModelName"] for m in first["Models"]] == ["m-04", "m-03"]
    records.append({"ModelName": "m-99", "ModelArn": "x", "CreationTime": 99})   # newest
    rest = listing(records, {"MaxResults": 2, "NextToken": first["NextToken"]}, "Models", FIELDS,
                   "ModelName", SORT, "ListModels")
    assert [m["ModelName"] for m in rest["Models"]] == ["m-02", "m-01"]
    assert pages(models(5), MaxResults=2, SortBy="Name", SortOrder="Ascending") == \
        [["m-00", "m-01"], ["m-02", "m-03"], ["m-04"]]


@pytest.mark.parametrize("token", [
    "bm9wZQ==",                                                        # not JSON
    "42",                                                              # an offset, as before
    base64.urlsafe_b64encode(json.dumps({"after": "x", "query": "q"}).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps({"after": [[1, "a"]], "query": "q"}).encode()).decode(),
])
def test_a_crafted_token_is_a_validation_error(token):
    with pytest.raises(ValidationException, match="pagination token"):
        listing(models(3), {"NextToken": token}, "Models", FIELDS, "ModelName", SORT, "ListModels")


def test_a_token_of_another_listing_is_refused():
    token = listing(models(3), {"MaxResults": 1, "SortBy": "Name"}, "Models", FIELDS, "ModelName",
                    SORT, "ListModels")["NextToken"]
    with pytest.raises(ValidationException, match="other filters or another sort order"):
        listing(models(3), {"MaxResults": 1, "NextToken": token}, "Models", FIELDS, "ModelName",
                SORT, "ListModels")


def test_a_token_whose_key_has_other_types_is_a_validation_error():
    token = listing(models(3), {"MaxResults": 1}, "Models", FIELDS, "ModelName", SORT,
                    "ListModels")["NextToken"]
    content = json.loads(base64.urlsafe_b64decode(token))
    content["after"][0] = [1, "not a time"]          # same filters, a key of another type
    forged = base64.urlsafe_b64encode(json.dumps(content).encode()).decode()
    with pytest.raises(ValidationException, match="pagination token"):
        listing(models(3), {"MaxResults": 1, "NextToken": forged}, "Models", FIELDS, "ModelName",
                SORT, "ListModels")


def test_every_operation_is_checked_against_botocores_model_at_dispatch():
    called = []
    handler = validated("CreateEndpointConfig", lambda body: called.append(body) or {})
    with pytest.raises(ValidationException) as caught:
        handler({"EndpointConfigName": "bad_name", "ProductionVariants": [],
                 "Unknown": 1})
    message = caught.value.message
    assert message.startswith("3 validation errors detected: ")
    assert "'endpointConfigName'" in message and "bad_name" in message
    assert "'productionVariants'" in message and "greater than or equal to 1" in message
    assert "'unknown'" in message and "unknown parameter" in message
    assert called == []
    good = {"EndpointConfigName": "ok", "ProductionVariants": [
        {"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.large",
         "InitialInstanceCount": 1}]}
    assert handler(good) == {} and called == [good]
    with pytest.raises(ValidationException, match="maxResults"):
        validated("ListTransformJobs", lambda body: {})({"MaxResults": 1000})


def test_arns_names_and_owners():
    assert account_of("arn:aws:iam::123456789012:role/r") == "123456789012"
    assert account_of(None) == DEFAULT_ACCOUNT
    assert arn("endpoint", "My-Endpoint", "1").endswith(":1:endpoint/my-endpoint")
    assert check_name({"ModelName": "a-1"}, "ModelName") == "a-1"
    for bad in (None, "../etc", "a_b", 7):
        with pytest.raises(ValidationException, match="'modelName'"):
            check_name({"ModelName": bad}, "ModelName")
    assert process_alive(__import__("os").getpid())
    assert not process_alive(None) and not process_alive("x") and not process_alive(0)
