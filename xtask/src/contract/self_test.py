
import importlib.util
import json
import sys

spec = importlib.util.spec_from_file_location("hooks", sys.argv[1])
hooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hooks)


class Response:
    def __init__(self, status, body):
        self.status_code, self.content = status, body

    def json(self):
        return json.loads(self.content)


class Case:
    def __init__(self, operation):
        raw = {"operationId": operation}
        self.operation = type("Op", (), {"definition": type("Def", (), {"raw": raw})})()


checked = 0
for e in hooks.EXCEPTIONS:
    when = e["when"]
    if when.get("empty-body"):
        matching, other = [b""], [b"{}", b"x"]
    else:
        matching = [json.dumps({"message": p + " (detail)"}).encode() for p in when["message-starts-with"]]
        other = [json.dumps({"message": "body.field: is required"}).encode(), b"not json"]
    for operation in e["operations"]:
        for body in matching:
            assert hooks._excused(e["check"], Case(operation), Response(e["status"], body)), (e, body)
            assert not hooks._excused(e["check"], Case(operation), Response(e["status"] + 1, body)), e
            assert not hooks._excused(e["check"], Case("anotherOperation"), Response(e["status"], body)), e
            assert not hooks._excused("another_check", Case(operation), Response(e["status"], body)), e
        for body in other:
            assert not hooks._excused(e["check"], Case(operation), Response(e["status"], body)), (e, body)
        checked += 1
print(f"    hooks self-test: {checked} (note, operation) pairs excuse exactly what their note says")
